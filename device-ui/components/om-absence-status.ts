import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { PersonOwn } from '../../protocol/index.js';
import { ownAbsence } from '../absence-model.js';
import type { Requester } from '../bridge-client.js';
import { RequestController } from '../controllers/request-controller.js';
import { backAtText, errorText, msg, type Lang } from '../i18n/index.js';
import { buttonStyles, errorStyles } from '../styles.js';

/**
 * PR-1 on the own phone while away or absent: that it is so, when back, the reason (PR-2:
 * private, only here and on the leader's phone), and "Tilbage nu" (`clear-absence`).
 * Renders nothing when the person is not away or absent.
 * data-testid="absence-status" data-presence="away|absent" data-back-at="{ISO}";
 * inside: "absence-back-at", "absence-reason", button "back-now-button" (data-state), "error-text".
 */
@customElement('om-absence-status')
export class OmAbsenceStatus extends LitElement {
  static override styles = [
    buttonStyles,
    errorStyles,
    css`
      :host {
        display: block;
      }
      section {
        background: var(--om-card-bg);
        color: var(--om-card-fg);
        border-left: 0.35em solid var(--om-presence-absent-bg);
        border-radius: 0.5em;
        padding: 0.45em 0.7em;
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.3em 0.8em;
      }
      .text {
        flex: 1 1 12em;
        min-width: 0;
      }
      h2 {
        font-size: 1.05em;
        margin: 0;
      }
      p {
        margin: 0.1em 0 0;
      }
      .reason {
        font-size: 0.85em;
        color: var(--om-muted-fg);
        overflow-wrap: anywhere;
      }
      .error {
        flex: 1 1 100%;
        font-size: 0.9em;
      }
    `,
  ];

  @property({ attribute: false }) me: PersonOwn | null = null;
  @property({ attribute: false }) bridge: Requester | null = null;
  @property() language: Lang = 'da';
  @property({ attribute: false }) now: Date = new Date();

  private readonly _req = new RequestController(this);

  override render() {
    const a = ownAbsence(this.me);
    if (!a) return nothing;
    const m = msg(this.language);
    const back = backAtText(a.backAt, this.now, this.language) ?? m.absenceOpenEnded;
    const pending = this._req.isPending('back');
    const err = this._req.errorFor('back');
    return html`<section data-testid="absence-status" data-presence=${a.presence} data-back-at=${a.backAt ?? nothing} aria-labelledby="abs-h">
      <div class="text">
        <h2 id="abs-h">${m.absenceNow(a.presence)}</h2>
        <p data-testid="absence-back-at">${back}</p>
        ${a.reason ? html`<p class="reason" data-testid="absence-reason">${m.absenceReasonPrivate(a.reason)}</p>` : nothing}
      </div>
      <button
        data-testid="back-now-button"
        data-state=${pending ? 'pending' : 'ready'}
        aria-busy=${pending ? 'true' : 'false'}
        aria-disabled=${pending ? 'true' : 'false'}
        aria-label=${pending ? nothing : m.backNowLabel}
        @click=${this._back}
      >
        ${pending ? m.pending : m.backNow}
      </button>
      ${err ? html`<p class="error" role="alert" data-testid="error-text">${errorText(err, this.language)}</p>` : nothing}
    </section>`;
  }

  private _back(): void {
    const bridge = this.bridge;
    if (!bridge || this._req.busy) return;
    void this._req.run(
      'back',
      () => bridge.request('clear-absence', {}),
      () => ownAbsence(this.me) === null,
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-absence-status': OmAbsenceStatus;
  }
}
