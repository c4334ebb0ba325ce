import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { DeviceView } from '../../protocol/index.js';
import type { Requester } from '../bridge-client.js';
import { msg, type Lang } from '../i18n/index.js';
import { messageRows } from '../message-model.js';
import './om-message-item.js';

/**
 * AS-1/AS-4: the messages waiting for me to call back, oldest due first, each an
 * om-message-item. Renders nothing when there are none. `focusHeading()` moves focus to the
 * heading (the count badge at the top uses it).
 * data-testid="messages" data-count="{n}"; heading data-testid="messages-heading".
 */
@customElement('om-messages')
export class OmMessages extends LitElement {
  static override styles = css`
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
    h2:focus-visible {
      outline: 3px solid var(--om-primary-bg);
      outline-offset: 2px;
    }
    ul {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 0.45em;
    }
  `;

  @property({ attribute: false }) view: DeviceView | null = null;
  @property({ attribute: false }) bridge: Requester | null = null;
  @property() language: Lang = 'da';
  @property({ attribute: false }) now: Date = new Date();

  override render() {
    const rows = messageRows(this.view?.me, this.now);
    if (rows.length === 0) return nothing;
    const m = msg(this.language);
    return html`<section data-testid="messages" data-count=${rows.length} aria-labelledby="messages-h">
      <h2 id="messages-h" data-testid="messages-heading" tabindex="-1">${m.messagesHeading} (${rows.length})</h2>
      <ul>
        ${repeat(
          rows,
          (r) => r.message.id,
          (r) => html`<li>
            <om-message-item .row=${r} .view=${this.view} .bridge=${this.bridge} .now=${this.now} language=${this.language}></om-message-item>
          </li>`,
        )}
      </ul>
    </section>`;
  }

  /** Brings the list on screen and puts focus on its heading. */
  focusHeading(): void {
    const h = this.renderRoot.querySelector<HTMLElement>('#messages-h');
    if (!h) return;
    h.scrollIntoView({ block: 'start' });
    h.focus({ preventScroll: true });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-messages': OmMessages;
  }
}
