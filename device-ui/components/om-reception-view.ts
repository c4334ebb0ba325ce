import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { DeviceView } from '../../protocol/index.js';
import { broadcastBanners } from '../broadcast-model.js';
import type { Requester } from '../bridge-client.js';
import { weekdayDate } from '../i18n/format.js';
import { clockTime, msg, type Lang } from '../i18n/index.js';
import type { MessageTarget } from '../reception-model.js';
import './om-banners.js';
import './om-dept-board.js';
import './om-directory-search.js';
import './om-message-form.js';

/**
 * The reception terminal (1920×1080, touch or mouse): crisis broadcasts in force across the
 * top (RT-3, by the screen's clock); on the left the directory search (RT-2:
 * name, department or task; everyone by department when empty), on the right the department
 * board (PH-1..PH-5: open or closed now, today's phone hours, closures, peaks, function numbers).
 * "Tag besked" on a hit opens the message form (AS-1..AS-3), which sends through `bridge`.
 * PR-2: when someone is back, never why. RT-1: sensitive departments show their function number.
 *
 * data-testid: "reception-view", "reception-clock", "reception-date"; the parts document theirs
 * (om-banners, om-directory-search, om-dept-board, om-dept-card, om-message-form).
 */
@customElement('om-reception-view')
export class OmReceptionView extends LitElement {
  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      height: 100%;
      min-height: 0;
      font-size: 20px;
    }
    header {
      display: flex;
      align-items: center;
      gap: 1em;
      background: var(--om-header-bg);
      color: var(--om-header-fg);
      padding: 0.45em 1.2em;
    }
    h1 {
      margin: 0;
      font-size: 1.5em;
      flex: 1;
    }
    .date {
      font-size: 1.15em;
    }
    .clock {
      font-size: 1.6em;
      font-weight: 700;
      font-variant-numeric: tabular-nums;
    }
    main {
      flex: 1;
      min-height: 0;
      display: grid;
      grid-template-columns: minmax(0, 34em) minmax(0, 1fr);
      gap: 1.2em;
      padding: 0.8em 1.2em 0;
    }
    om-directory-search,
    om-dept-board {
      min-height: 0;
    }
    @media (max-width: 1100px) {
      main {
        grid-template-columns: 1fr;
        overflow-y: auto;
      }
    }
  `;

  @property({ attribute: false }) view: DeviceView | null = null;
  /** the firmware bridge, for `take-message` (AS-1) */
  @property({ attribute: false }) bridge: Requester | null = null;
  @property() language: Lang = 'da';
  @property({ attribute: false }) now: Date = new Date();

  /** who the open message form is for */
  @state() private _target: MessageTarget | null = null;
  /** the button that opened the form, to give focus back to */
  private _opener: HTMLElement | null = null;

  override render() {
    const m = msg(this.language);
    const time = clockTime(this.now, this.language);
    return html`<header>
        <h1>${m.receptionTitle}</h1>
        <span class="date" data-testid="reception-date">${weekdayDate(this.now, this.language)}</span>
        <div class="clock" role="timer" aria-label=${m.clockLabel(time)} data-testid="reception-clock">${time}</div>
      </header>
      <om-banners .banners=${broadcastBanners(this.view, this.now, this.language)} language=${this.language}></om-banners>
      <main data-testid="reception-view" @om-take-message=${this._open}>
        <om-directory-search .view=${this.view} .now=${this.now} language=${this.language}></om-directory-search>
        <om-dept-board .view=${this.view} .now=${this.now} language=${this.language}></om-dept-board>
      </main>
      <om-message-form .view=${this.view} .target=${this._target} .bridge=${this.bridge} .now=${this.now} language=${this.language} @om-close=${this._closed}></om-message-form>`;
  }

  private _open(e: CustomEvent<MessageTarget>): void {
    const origin = e.composedPath()[0];
    this._opener = origin instanceof HTMLElement ? origin : null;
    this._target = e.detail;
  }

  private _closed(): void {
    this._target = null;
    const opener = this._opener;
    this._opener = null;
    if (opener?.isConnected) void this.updateComplete.then(() => opener.focus());
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-reception-view': OmReceptionView;
  }
}
