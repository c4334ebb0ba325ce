import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { dataAgeText, msg, type Lang } from '../i18n/index.js';

/**
 * "Forbindelse afbrudt" with the age of the data on screen, while the bridge socket is down or the
 * firmware has lost the hub. Renders nothing when `down` is false. data-testid="connection-banner".
 */
@customElement('om-connection-banner')
export class OmConnectionBanner extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    div {
      background: var(--om-warning-bg);
      color: var(--om-warning-fg);
      padding: 0.4em 0.8em;
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 0.2em 0.8em;
      border-bottom: 2px solid var(--om-warning-fg);
    }
    strong {
      font-size: 1.05em;
    }
    span {
      font-size: 0.9em;
    }
  `;

  @property({ type: Boolean, reflect: true }) down = false;
  /** when the data shown was last confirmed by the hub */
  @property({ attribute: false }) asOf: string | null = null;
  @property({ attribute: false }) now: Date = new Date();
  @property() language: Lang = 'da';

  override render() {
    if (!this.down) return nothing;
    const m = msg(this.language);
    return html`<div data-testid="connection-banner" role="alert">
      <strong>${m.connectionLost}</strong>
      <span data-testid="data-age">${dataAgeText(this.asOf, this.now, this.language)}</span>
      <span>${m.retrying}</span>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-connection-banner': OmConnectionBanner;
  }
}
