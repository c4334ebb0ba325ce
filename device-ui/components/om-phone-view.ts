import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { DeviceView } from '../../protocol/index.js';
import type { Requester } from '../bridge-client.js';
import { backAtText, msg, untilText, type Lang } from '../i18n/index.js';
import { ownDiversionState } from '../view-model.js';
import './om-colleague-list.js';
import './om-divert-button.js';
import './om-incoming-notice.js';
import './om-meeting-prompt.js';
import './om-presence-badge.js';

/**
 * The screen of an employee's desk phone (800×480 and 480×272): own name and presence, own
 * diversion state, the offer before a meeting (DV-5), the one big button (DV-1), who diverts
 * to me (DV-2), the colleague list.
 */
@customElement('om-phone-view')
export class OmPhoneView extends LitElement {
  static override styles = css`
    :host {
      display: block;
      height: 100%;
      min-height: 0;
      box-sizing: border-box;
    }
    .layout {
      height: 100%;
      display: grid;
      grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr);
      gap: 0.8em;
      padding: 0.7em;
      box-sizing: border-box;
    }
    .main,
    .side {
      min-height: 0;
      overflow-y: auto;
      display: flex;
      flex-direction: column;
      gap: 0.6em;
    }
    header {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.3em 0.7em;
    }
    h1 {
      font-size: 1.45em;
      margin: 0;
      line-height: 1.2;
    }
    .own-back {
      color: var(--om-muted-fg);
      font-size: 0.9em;
      width: 100%;
    }
    .own-diversion {
      background: var(--om-card-bg);
      color: var(--om-card-fg);
      border-radius: 0.5em;
      padding: 0.45em 0.7em;
    }
    .own-diversion[data-status='active'] {
      border-left: 0.35em solid var(--om-primary-bg);
      font-weight: 600;
    }
    .own-diversion[data-status='declined'] {
      border-left: 0.35em solid var(--om-error-fg);
      background: var(--om-error-bg);
      color: var(--om-error-fg);
    }
    .own-diversion .detail {
      font-weight: 400;
      font-size: 0.9em;
    }
    .own-diversion[data-status='declined'] strong {
      display: block;
    }
    .pbx-pending,
    .pbx-notice {
      border-radius: 0.5em;
      padding: 0.45em 0.7em;
      background: var(--om-notice-bg);
      color: var(--om-notice-fg);
      border-left: 0.35em solid var(--om-notice-fg);
      font-size: 0.9em;
    }
    .pbx-notice[data-kind='refused'] {
      background: var(--om-error-bg);
      color: var(--om-error-fg);
      border-left-color: var(--om-error-fg);
    }
    .pbx-notice .detail {
      display: block;
    }
    .incoming {
      display: flex;
      flex-direction: column;
      gap: 0.4em;
    }
    .incoming h2 {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
    }
    .empty {
      padding: 1em;
    }
    /* 480×272 and other narrow screens: one column, the whole page scrolls */
    @media (max-width: 600px) {
      .layout {
        display: flex;
        flex-direction: column;
        height: auto;
        padding: 0.5em;
        gap: 0.6em;
      }
      .main,
      .side {
        overflow: visible;
        gap: 0.45em;
      }
      :host {
        height: auto;
      }
      h1 {
        font-size: 1.2em;
      }
    }
  `;

  @property({ attribute: false }) view: DeviceView | null = null;
  @property({ attribute: false }) bridge: Requester | null = null;
  @property() language: Lang = 'da';
  @property({ attribute: false }) now: Date = new Date();

  override render() {
    const view = this.view;
    const m = msg(this.language);
    const me = view?.me;
    if (!view || !me) return html`<p class="empty">${m.noPerson}</p>`;
    const back = me.presence === 'available' ? null : backAtText(me.backAt, this.now, this.language);
    return html`<div class="layout">
      <section class="main">
        <header>
          <h1 data-testid="own-name">${me.name}</h1>
          <span data-testid="own-presence" data-presence=${me.presence}>
            <om-presence-badge size="large" .presence=${me.presence} language=${this.language}></om-presence-badge>
          </span>
          ${back ? html`<span class="own-back">${back}</span>` : nothing}
        </header>
        ${this._ownDiversion()} ${this._pbx()}
        ${this._meetingPrompt()}
        <om-divert-button .view=${view} .bridge=${this.bridge} language=${this.language}></om-divert-button>
        ${me.incoming.length > 0
          ? html`<section class="incoming" aria-labelledby="inc">
              <h2 id="inc">${m.incomingHeading}</h2>
              ${repeat(
                me.incoming,
                (d) => d.from,
                (d) =>
                  html`<om-incoming-notice .diversion=${d} .bridge=${this.bridge} .now=${this.now} language=${this.language}></om-incoming-notice>`,
              )}
            </section>`
          : nothing}
      </section>
      <section class="side">
        <om-colleague-list .view=${view} .bridge=${this.bridge} .now=${this.now} language=${this.language}></om-colleague-list>
      </section>
    </div>`;
  }

  /** DV-5: the offer before a meeting, for a phone not diverted (an active diversion makes it stale) */
  private _meetingPrompt() {
    const me = this.view?.me;
    const prompt = me?.meetingPrompt;
    if (!prompt || ownDiversionState(me).kind === 'active') return nothing;
    return html`<om-meeting-prompt .prompt=${prompt} .bridge=${this.bridge} language=${this.language}></om-meeting-prompt>`;
  }

  /** The PBX's side: a change not yet in the phone system, or what became of a forward set on the keypad (with the rule) */
  private _pbx() {
    const m = msg(this.language);
    const pbx = this.view?.me?.pbx;
    if (!pbx) return nothing;
    const notice = pbx.notice;
    return html`${pbx.forward === 'pending' ? html`<div class="pbx-pending" data-testid="pbx-pending" role="status">${m.pbxPending}</div>` : nothing}
    ${notice
      ? html`<div class="pbx-notice" data-testid="pbx-notice" data-kind=${notice.kind} role="status">
          <strong>${notice.kind === 'adopted' ? m.pbxNoticeAdopted : m.pbxNoticeRefused}</strong>
          <span class="detail">${notice.text[this.language]}${notice.rule ? ` (${notice.rule})` : ''}</span>
        </div>`
      : nothing}`;
  }

  private _ownDiversion() {
    const m = msg(this.language);
    const own = ownDiversionState(this.view?.me);
    switch (own.kind) {
      case 'none':
        return html`<div class="own-diversion" data-testid="own-diversion" data-status="none">${m.ownDiversionNone}</div>`;
      case 'active': {
        const until = untilText(own.until, this.now, this.language);
        return html`<div class="own-diversion" data-testid="own-diversion" data-status="active" data-to=${own.to}>
          ${m.ownDiversionActive(own.toName)}${until ? html` <span class="detail">${until}</span>` : nothing}
        </div>`;
      }
      case 'declined':
        // DV-2: a declined diversion is not in force
        return html`<div class="own-diversion" data-testid="own-diversion" data-status="declined" data-to=${own.to} role="status">
          <strong>${m.ownDiversionDeclined(own.toName)}</strong>
          <span class="detail">${m.ownDiversionDeclinedHint}</span>
        </div>`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-phone-view': OmPhoneView;
  }
}
