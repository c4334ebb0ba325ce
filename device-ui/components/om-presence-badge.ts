import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Presence } from '../../protocol/index.js';
import { msg, type Lang } from '../i18n/index.js';
import { srOnly } from '../styles.js';

/** PR-1: a presence as colour and name. The name is always shown; colour is never the only signal. */
@customElement('om-presence-badge')
export class OmPresenceBadge extends LitElement {
  static override styles = [
    srOnly,
    css`
      :host {
        display: inline-block;
      }
      .badge {
        display: inline-flex;
        align-items: center;
        gap: 0.4em;
        padding: 0.15em 0.6em;
        border-radius: 999px;
        font-weight: 600;
        white-space: nowrap;
        line-height: 1.4;
        background: var(--bg);
        color: var(--fg);
      }
      .dot {
        width: 0.6em;
        height: 0.6em;
        border-radius: 50%;
        background: currentColor;
        flex: none;
      }
      :host([size='large']) .badge {
        font-size: 1.15em;
        padding: 0.25em 0.8em;
      }
      :host([presence='available']) {
        --bg: var(--om-presence-available-bg);
        --fg: var(--om-presence-available-fg);
      }
      :host([presence='on-call']) {
        --bg: var(--om-presence-on-call-bg);
        --fg: var(--om-presence-on-call-fg);
      }
      :host([presence='in-meeting']) {
        --bg: var(--om-presence-in-meeting-bg);
        --fg: var(--om-presence-in-meeting-fg);
      }
      :host([presence='away']) {
        --bg: var(--om-presence-away-bg);
        --fg: var(--om-presence-away-fg);
      }
      :host([presence='absent']) {
        --bg: var(--om-presence-absent-bg);
        --fg: var(--om-presence-absent-fg);
      }
      :host([presence='off-hours']) {
        --bg: var(--om-presence-off-hours-bg);
        --fg: var(--om-presence-off-hours-fg);
      }
    `,
  ];

  @property({ reflect: true }) presence: Presence = 'available';
  @property() language: Lang = 'da';
  /** whose presence it is, for the screen-reader label; omitted when the name is next to it */
  @property() who: string | undefined;
  @property({ reflect: true }) size: 'normal' | 'large' = 'normal';

  override render() {
    const m = msg(this.language);
    const name = m.presence[this.presence];
    const label = m.presenceLabel(name, this.who);
    // The visible name is read as part of the label: "Status: Ledig" / "Anna Holm: Ledig".
    const prefix = label.slice(0, label.length - name.length);
    return html`<span class="badge" title=${label}
      ><span class="dot" aria-hidden="true"></span><span class="sr-only">${prefix}</span><span>${name}</span></span
    >`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-presence-badge': OmPresenceBadge;
  }
}
