import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { DeviceView } from '../../protocol/index.js';
import { ownAbsence } from '../absence-model.js';
import { phoneBanners } from '../banner-model.js';
import type { Requester } from '../bridge-client.js';
import { backAtText, msg, untilText, type Lang } from '../i18n/index.js';
import { messageCounts } from '../message-model.js';
import { buttonStyles } from '../styles.js';
import { ownDiversionState } from '../view-model.js';
import './om-absence-form.js';
import './om-absence-status.js';
import './om-banners.js';
import './om-colleague-list.js';
import './om-divert-button.js';
import './om-incoming-notice.js';
import './om-meeting-prompt.js';
import './om-messages.js';
import './om-presence-badge.js';
import './om-voicemail-notice.js';

/**
 * The screen of an employee's desk phone (800×480 and 480×272): at the top crisis broadcasts
 * (RT-3) and the own department's notices (PH-3 closure, PH-5 peak), own name and presence, the
 * count of messages to call back (AS-1), own absence with "Tilbage nu" (PR-1), own diversion
 * state, the PBX's side, unheard voicemail and its flag (AS-5), the offer before a meeting (DV-5), the one big button (DV-1), who
 * diverts to me (DV-2); beside it the messages (AS-4) and the colleague list. "Fravær" opens
 * the absence form (PR-1, DV-6) in one press; it fills the screen until sent or cancelled.
 * data-testid: "own-name", "own-presence" (data-presence), "own-back", "messages-badge"
 * (data-count, data-overdue; focuses the messages), "absence-open-button", "own-diversion"
 * (data-status, data-to), "pbx-pending", "pbx-notice" (data-kind); and those of the children:
 * om-banners, om-absence-status, om-absence-form, om-messages, om-message-item,
 * om-voicemail-notice, om-meeting-prompt, om-divert-button, om-incoming-notice, om-colleague-list.
 */
@customElement('om-phone-view')
export class OmPhoneView extends LitElement {
  static override styles = [
    buttonStyles,
    css`
    :host {
      display: flex;
      flex-direction: column;
      height: 100%;
      min-height: 0;
      box-sizing: border-box;
    }
    .layout {
      flex: 1;
      min-height: 0;
      /* the containing block of the visually hidden (absolute) texts inside: without it they
         are placed against the page and make the whole page scroll on a small screen */
      position: relative;
      display: grid;
      grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr);
      gap: 0.8em;
      padding: 0.7em;
      box-sizing: border-box;
    }
    .main,
    .side {
      position: relative;
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
    .tools {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4em;
      width: 100%;
    }
    .tools button {
      font-size: 0.95em;
      padding: 0.3em 0.9em;
    }
    button.count {
      background: var(--om-notice-bg);
      color: var(--om-notice-fg);
      border-color: var(--om-notice-fg);
    }
    button.count[data-overdue-any='true'] {
      background: var(--om-error-bg);
      color: var(--om-error-fg);
      border-color: var(--om-error-fg);
    }
    button.count {
      border-radius: 999px;
    }
    om-absence-form {
      flex: 1;
      min-height: 0;
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
      /* the absence form keeps the screen's height: its list scrolls, its buttons stay in view */
      :host([form-open]) {
        height: 100%;
      }
      :host([form-open]) om-banners {
        display: none;
      }
      h1 {
        font-size: 1.2em;
      }
    }
  `,
  ];

  @property({ attribute: false }) view: DeviceView | null = null;
  @property({ attribute: false }) bridge: Requester | null = null;
  @property() language: Lang = 'da';
  @property({ attribute: false }) now: Date = new Date();

  /** the absence form fills the screen while open (the host then has the `form-open` attribute) */
  @state() private _absenceOpen = false;
  /** after the form closes, focus goes back to the button that opened it */
  private _refocus = false;

  override render() {
    const view = this.view;
    const m = msg(this.language);
    const me = view?.me;
    if (!view || !me) return html`<p class="empty">${m.noPerson}</p>`;
    const banners = html`<om-banners .banners=${phoneBanners(view, this.now, this.language)} language=${this.language}></om-banners>`;
    if (this._absenceOpen) {
      return html`${banners}
        <om-absence-form .view=${view} .bridge=${this.bridge} .now=${this.now} language=${this.language} @absence-close=${this._closeAbsence}></om-absence-form>`;
    }
    // while away or absent, om-absence-status says when back (with "Tilbage nu")
    const back = me.presence === 'available' || ownAbsence(me) ? null : backAtText(me.backAt, this.now, this.language);
    return html`${banners}
      <div class="layout">
      <section class="main">
        <header>
          <h1 data-testid="own-name">${me.name}</h1>
          <span data-testid="own-presence" data-presence=${me.presence}>
            <om-presence-badge size="large" .presence=${me.presence} language=${this.language}></om-presence-badge>
          </span>
          ${back ? html`<span class="own-back" data-testid="own-back">${back}</span>` : nothing}
          <div class="tools">
            <button class="secondary" data-testid="absence-open-button" aria-label=${m.absenceOpenLabel} @click=${this._openAbsence}>${m.absenceOpen}</button>
            ${this._badge()}
          </div>
        </header>
        <om-absence-status .me=${me} .bridge=${this.bridge} .now=${this.now} language=${this.language}></om-absence-status>
        ${this._ownDiversion()} ${this._pbx()}
        ${me.voicemail && me.voicemail.unheard > 0
          ? html`<om-voicemail-notice .voicemail=${me.voicemail} .now=${this.now} language=${this.language}></om-voicemail-notice>`
          : nothing}
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
        <om-messages .view=${view} .bridge=${this.bridge} .now=${this.now} language=${this.language}></om-messages>
        <om-colleague-list .view=${view} .bridge=${this.bridge} .now=${this.now} language=${this.language}></om-colleague-list>
      </section>
    </div>`;
  }

  protected override willUpdate(): void {
    this.toggleAttribute('form-open', this._absenceOpen);
  }

  protected override updated(): void {
    if (this._refocus && !this._absenceOpen) {
      this._refocus = false;
      this.renderRoot.querySelector<HTMLElement>('[data-testid="absence-open-button"]')?.focus();
    }
  }

  /** AS-1: how many messages wait for a call-back; a press goes to them */
  private _badge() {
    const m = msg(this.language);
    const c = messageCounts(this.view?.me, this.now);
    if (c.open === 0) return nothing;
    return html`<button
      class="count"
      data-testid="messages-badge"
      data-count=${c.open}
      data-overdue=${c.overdue}
      data-overdue-any=${c.overdue > 0 ? 'true' : 'false'}
      aria-label=${m.messagesBadgeLabel(c.open, c.overdue)}
      @click=${this._toMessages}
    >
      ${m.messagesBadge(c.open)}
    </button>`;
  }

  private _toMessages(): void {
    this.renderRoot.querySelector('om-messages')?.focusHeading();
  }

  private _openAbsence(): void {
    this._absenceOpen = true;
  }

  private _closeAbsence(): void {
    this._absenceOpen = false;
    this._refocus = true;
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
