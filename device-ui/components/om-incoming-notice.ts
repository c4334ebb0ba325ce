import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { IncomingDiversion } from '../view-model.js';
import type { Requester } from '../bridge-client.js';
import { RequestController } from '../controllers/request-controller.js';
import { errorText, msg, untilText, type Lang } from '../i18n/index.js';
import { buttonStyles, errorStyles } from '../styles.js';

/**
 * DV-2: "Opkald til <name> kommer nu til dig", until when, with "Afvis" (decline-diversion).
 * data-testid="incoming-notice" data-from="{personId}"; button data-testid="decline-button".
 */
@customElement('om-incoming-notice')
export class OmIncomingNotice extends LitElement {
  static override styles = [
    buttonStyles,
    errorStyles,
    css`
      :host {
        display: block;
      }
      section {
        background: var(--om-notice-bg);
        color: var(--om-notice-fg);
        border-radius: 0.5em;
        padding: 0.5em 0.7em;
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.3em 0.7em;
        align-items: center;
        border-left: 0.35em solid var(--om-notice-fg);
      }
      .text {
        font-weight: 600;
      }
      .until {
        font-weight: 400;
        font-size: 0.9em;
      }
      .error {
        grid-column: 1 / -1;
        font-size: 0.9em;
      }
      button {
        font-size: 0.9em;
      }
    `,
  ];

  @property({ attribute: false }) diversion: IncomingDiversion | null = null;
  @property({ attribute: false }) bridge: Requester | null = null;
  @property() language: Lang = 'da';
  @property({ attribute: false }) now: Date = new Date();

  private readonly _req = new RequestController(this);

  override render() {
    const d = this.diversion;
    if (!d) return nothing;
    const m = msg(this.language);
    const until = untilText(d.until, this.now, this.language);
    const pending = this._req.isPending(d.from);
    const err = this._req.errorFor(d.from);
    return html`<section data-testid="incoming-notice" data-from=${d.from} role="status">
      <div>
        <div class="text">${m.incoming(d.fromName)}</div>
        ${until ? html`<div class="until" data-testid="incoming-until">${until}</div>` : nothing}
      </div>
      <button
        class="secondary"
        data-testid="decline-button"
        data-state=${pending ? 'pending' : 'ready'}
        aria-busy=${pending ? 'true' : 'false'}
        aria-disabled=${pending ? 'true' : 'false'}
        aria-label=${m.declineLabel(d.fromName)}
        @click=${this._decline}
      >
        ${pending ? m.pending : m.decline}
      </button>
      ${err ? html`<p class="error" role="alert" data-testid="error-text">${errorText(err, this.language)}</p>` : nothing}
    </section>`;
  }

  private _decline(): void {
    const d = this.diversion;
    const bridge = this.bridge;
    if (!d || !bridge || this._req.busy) return;
    // The notice leaves the page when the view no longer lists the diversion; until then it stays pending.
    void this._req.run(d.from, () => bridge.request('decline-diversion', { from: d.from }), () => false);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-incoming-notice': OmIncomingNotice;
  }
}
