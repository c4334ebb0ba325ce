import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { DeviceView } from '../../protocol/index.js';
import type { Requester } from '../bridge-client.js';
import { RequestController } from '../controllers/request-controller.js';
import { errorText, msg, type Lang } from '../i18n/index.js';
import { buttonStyles, errorStyles } from '../styles.js';
import { divertCandidate, ownDiversionState } from '../view-model.js';

/**
 * DV-1: the one big button. Not diverted: "Viderestil til <preferred colleague>"
 * (data-testid="divert-button"). Diverted: "Fjern viderestilling" (data-testid="undivert-button").
 * Both carry data-state="ready" | "pending"; a refusal shows the hub's error as text
 * (data-testid="error-text").
 */
@customElement('om-divert-button')
export class OmDivertButton extends LitElement {
  static override styles = [
    buttonStyles,
    errorStyles,
    css`
      :host {
        display: block;
      }
      button {
        width: 100%;
        min-height: 3.2em;
        font-size: 1.25em;
        border-radius: 0.6em;
        display: flex;
        flex-direction: column;
        align-items: center;
        justify-content: center;
        gap: 0.1em;
        text-align: center;
        line-height: 1.2;
      }
      button.none {
        background: var(--om-card-bg);
        color: var(--om-muted-fg);
        border-color: var(--om-muted-fg);
        font-size: 1em;
        font-weight: 500;
      }
      .sub {
        font-size: 0.75em;
        font-weight: 500;
      }
    `,
  ];

  @property({ attribute: false }) view: DeviceView | null = null;
  @property({ attribute: false }) bridge: Requester | null = null;
  @property() language: Lang = 'da';

  /** the colleague a divert request in flight was sent to, so the label does not change under it */
  @state() private _sentTo: string | null = null;

  private readonly _req = new RequestController(this);

  override render() {
    const view = this.view;
    if (!view?.me) return nothing;
    const m = msg(this.language);
    const own = ownDiversionState(view.me);
    const st = this._req.state;
    const error = st.kind === 'error' ? html`<p class="error" role="alert" data-testid="error-text">${errorText(st.error, this.language)}</p>` : nothing;

    if (own.kind === 'active' && !this._req.isPending('divert')) {
      const pending = this._req.isPending('undivert');
      return html`<button
          class="danger"
          data-testid="undivert-button"
          data-state=${pending ? 'pending' : 'ready'}
          aria-busy=${pending ? 'true' : 'false'}
          aria-disabled=${pending ? 'true' : 'false'}
          aria-label=${m.undivertLabel(own.toName)}
          @click=${this._undivert}
        >
          <span>${m.undivert}</span>${pending ? html`<span class="sub" aria-hidden="true">${m.pending}</span>` : nothing}
        </button>
        ${error}`;
    }

    const pending = this._req.isPending('divert');
    const target = pending ? this._sentTo : divertCandidate(view)?.name ?? null;
    if (target === null) {
      return html`<button class="none" data-testid="divert-button" data-state="ready" disabled>${m.divertNoTarget}</button>${error}`;
    }
    const candidate = divertCandidate(view);
    return html`<button
        data-testid="divert-button"
        data-state=${pending ? 'pending' : 'ready'}
        data-target=${candidate?.personId ?? nothing}
        aria-busy=${pending ? 'true' : 'false'}
        aria-disabled=${pending ? 'true' : 'false'}
        aria-label=${m.divertToLabel(target)}
        @click=${this._divert}
      >
        <span>${m.divertTo(target)}</span>${pending ? html`<span class="sub" aria-hidden="true">${m.pending}</span>` : nothing}
      </button>
      ${error}`;
  }

  private _divert(): void {
    const view = this.view;
    const bridge = this.bridge;
    if (!view || !bridge || this._req.busy) return;
    const target = divertCandidate(view);
    if (!target) return;
    this._sentTo = target.name;
    void this._req.run(
      'divert',
      () => bridge.request('divert', { target: target.personId }),
      () => ownDiversionState(this.view?.me).kind === 'active',
    );
  }

  private _undivert(): void {
    const bridge = this.bridge;
    if (!bridge || this._req.busy) return;
    void this._req.run(
      'undivert',
      () => bridge.request('undivert', {}),
      () => ownDiversionState(this.view?.me).kind !== 'active',
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-divert-button': OmDivertButton;
  }
}
