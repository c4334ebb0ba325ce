import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { DeviceView } from '../../protocol/index.js';
import type { Requester } from '../bridge-client.js';
import { RequestController } from '../controllers/request-controller.js';
import { backAtText, errorText, msg, type Lang } from '../i18n/index.js';
import { buttonStyles, errorStyles, srOnly } from '../styles.js';
import { colleagueRows, ownDiversionState, type ColleagueRow } from '../view-model.js';
import './om-presence-badge.js';

/**
 * DV-1 "a short list next": colleagues with presence and back-at, preferred first, each with
 * "Viderestil hertil". Rows: data-testid="colleague-row" data-person="{personId}";
 * action: data-testid="divert-here-button".
 */
@customElement('om-colleague-list')
export class OmColleagueList extends LitElement {
  static override styles = [
    buttonStyles,
    errorStyles,
    srOnly,
    css`
      :host {
        display: block;
      }
      h2 {
        font-size: 1em;
        margin: 0 0 0.4em;
        color: var(--om-muted-fg);
        text-transform: uppercase;
        letter-spacing: 0.04em;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.4em;
      }
      li {
        background: var(--om-card-bg);
        color: var(--om-card-fg);
        border-radius: 0.5em;
        padding: 0.45em 0.6em;
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.2em 0.6em;
        align-items: center;
        border-left: 0.35em solid transparent;
      }
      li.target {
        border-left-color: var(--om-primary-bg);
      }
      .who {
        min-width: 0;
      }
      .name {
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .star {
        color: var(--om-muted-fg);
        font-size: 0.8em;
        font-weight: 500;
        margin-left: 0.3em;
      }
      .meta {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.2em 0.6em;
        font-size: 0.85em;
        color: var(--om-muted-fg);
        margin-top: 0.15em;
      }
      .mine {
        font-size: 0.85em;
        font-weight: 600;
        color: var(--om-primary-bg);
        text-align: right;
      }
      button {
        font-size: 0.85em;
        padding: 0.35em 0.7em;
        min-height: 44px;
      }
      .error {
        grid-column: 1 / -1;
        font-size: 0.85em;
      }
      .empty {
        color: var(--om-muted-fg);
      }
    `,
  ];

  @property({ attribute: false }) view: DeviceView | null = null;
  @property({ attribute: false }) bridge: Requester | null = null;
  @property() language: Lang = 'da';
  @property({ attribute: false }) now: Date = new Date();

  private readonly _req = new RequestController(this);

  override render() {
    const view = this.view;
    if (!view) return nothing;
    const m = msg(this.language);
    const rows = colleagueRows(view);
    return html`<h2 id="h">${m.colleaguesHeading}</h2>
      ${rows.length === 0
        ? html`<p class="empty">${m.noColleagues}</p>`
        : html`<ul aria-labelledby="h">
            ${rows.map((r) => this._row(r))}
          </ul>`}`;
  }

  private _row(r: ColleagueRow) {
    const m = msg(this.language);
    const p = r.person;
    const back = p.presence === 'available' ? null : backAtText(p.backAt, this.now, this.language);
    const pending = this._req.isPending(p.personId);
    const err = this._req.errorFor(p.personId);
    const canAct = this.view?.me != null;
    return html`<li data-testid="colleague-row" data-person=${p.personId} data-presence=${p.presence} class=${r.isMyTarget ? 'target' : ''}>
      <div class="who">
        <div class="name">${p.name}${r.preferred ? html`<span class="star">★<span class="sr-only"> ${m.preferred}</span></span>` : nothing}</div>
        <div class="meta">
          <om-presence-badge .presence=${p.presence} language=${this.language}></om-presence-badge>
          ${back ? html`<span data-testid="back-at">${back}</span>` : nothing}
          ${p.diversion ? html`<span>${m.divertedTo(p.diversion.toName)}</span>` : nothing}
        </div>
      </div>
      ${r.isMyTarget
        ? html`<span class="mine">${m.isYourTarget}</span>`
        : canAct
          ? html`<button
              class="secondary"
              data-testid="divert-here-button"
              data-state=${pending ? 'pending' : 'ready'}
              aria-busy=${pending ? 'true' : 'false'}
              aria-disabled=${this._req.busy ? 'true' : 'false'}
              aria-label=${m.divertHereLabel(p.name)}
              @click=${() => this._divert(p.personId)}
            >
              ${pending ? m.pending : m.divertHere}
            </button>`
          : nothing}
      ${err ? html`<p class="error" role="alert" data-testid="error-text">${errorText(err, this.language)}</p>` : nothing}
    </li>`;
  }

  private _shownError: unknown = null;

  protected override updated(): void {
    // A refusal shows inside the row; make sure it is on screen in the scrolling list.
    const st = this._req.state;
    if (st.kind === 'error' && st !== this._shownError) {
      this.renderRoot.querySelector<HTMLElement>('[data-testid="error-text"]')?.scrollIntoView({ block: 'nearest' });
    }
    this._shownError = st.kind === 'error' ? st : null;
  }

  private _divert(personId: string): void {
    const bridge = this.bridge;
    if (!bridge || this._req.busy) return;
    void this._req.run(
      personId,
      () => bridge.request('divert', { target: personId }),
      () => {
        const own = ownDiversionState(this.view?.me);
        return own.kind === 'active' && own.to === personId;
      },
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-colleague-list': OmColleagueList;
  }
}
