import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { DeviceView } from '../../protocol/index.js';
import {
  HOURS,
  MINUTES,
  addDays,
  copenhagenDate,
  copenhagenInstant,
  coverOptions,
  customUntil,
  ownDept,
  quickChoices,
  startTimeOf,
  suggestionOf,
  type AbsenceChoiceKind,
  type CoverOption,
} from '../absence-model.js';
import type { Requester } from '../bridge-client.js';
import { RequestController } from '../controllers/request-controller.js';
import { weekday } from '../i18n/format.js';
import { errorText, msg, whenText, type Lang } from '../i18n/index.js';
import { buttonStyles, errorStyles, srOnly } from '../styles.js';
import { ownDiversionState } from '../view-model.js';
import './om-presence-badge.js';

/** Sent when the form is left: `done` after the hub took the absence, else cancelled. */
export type AbsenceCloseEvent = CustomEvent<{ done: boolean }>;

/**
 * PR-1/DV-6: "Sæt fravær" on the phone. Until when (rest of today, through the next workday,
 * or a date and a 24-hour time), who takes the calls (preferred colleagues first, then the
 * rest, then the department's function numbers), an optional reason that says it is private
 * (PR-2), "Autosvar i Outlook". Sends `set-absence`; the hub decides DV-6 and its refusal's
 * text is shown with its suggestion as one button. Escape or "Annuller" leaves; fires
 * `absence-close` ({done}).
 * data-testid="absence-form"; "absence-choice" data-choice="today|next-workday|date" data-until
 * (label around a radio); "absence-date", "absence-hour", "absence-minute", "absence-date-back";
 * "cover-option" data-target="{id|''}" (label around a radio); "absence-reason-input";
 * "absence-auto-reply"; "absence-submit" (data-state); "absence-cancel"; "absence-problem"
 * (local check); "error-text" and "absence-suggestion-button" data-target (the hub's refusal).
 */
@customElement('om-absence-form')
export class OmAbsenceForm extends LitElement {
  static override styles = [
    buttonStyles,
    errorStyles,
    srOnly,
    css`
      :host {
        display: block;
        height: 100%;
        min-height: 0;
      }
      form {
        height: 100%;
        display: flex;
        flex-direction: column;
        box-sizing: border-box;
      }
      h2 {
        font-size: 1.25em;
        margin: 0;
        padding: 0.45em 0.7em 0.3em;
      }
      h2:focus-visible {
        outline: 3px solid var(--om-primary-bg);
        outline-offset: -3px;
      }
      .body {
        position: relative;
        flex: 1;
        min-height: 0;
        overflow-y: auto;
        display: grid;
        grid-template-columns: minmax(0, 1.1fr) minmax(0, 1fr);
        gap: 0.7em;
        padding: 0 0.7em 0.5em;
      }
      .col {
        display: flex;
        flex-direction: column;
        gap: 0.55em;
        min-width: 0;
      }
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
        min-width: 0;
        display: flex;
        flex-direction: column;
        gap: 0.35em;
      }
      legend {
        font-weight: 700;
        padding: 0;
        margin-bottom: 0.35em;
      }
      .hint {
        margin: 0;
        font-size: 0.85em;
        color: var(--om-muted-fg);
      }
      .choice,
      .cover {
        display: flex;
        align-items: center;
        gap: 0.55em;
        background: var(--om-card-bg);
        color: var(--om-card-fg);
        border: 2px solid var(--om-muted-fg);
        border-radius: 0.5em;
        padding: 0.35em 0.6em;
        min-height: 44px;
        box-sizing: border-box;
        cursor: pointer;
      }
      .choice:has(input:checked),
      .cover:has(input:checked) {
        border-color: var(--om-primary-bg);
        box-shadow: inset 0 0 0 1px var(--om-primary-bg);
      }
      .choice:has(input:focus-visible),
      .cover:has(input:focus-visible) {
        outline: 3px solid var(--om-primary-bg);
        outline-offset: 2px;
      }
      input[type='radio'],
      input[type='checkbox'] {
        width: 1.3em;
        height: 1.3em;
        margin: 0;
        flex: none;
        accent-color: var(--om-primary-bg);
      }
      .choice .label,
      .cover .label {
        display: flex;
        flex-direction: column;
        min-width: 0;
      }
      .main {
        font-weight: 600;
      }
      .sub {
        font-size: 0.85em;
        color: var(--om-muted-fg);
      }
      .cover .main {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .cover .meta {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3em;
        font-size: 0.8em;
      }
      .star {
        color: var(--om-muted-fg);
        font-weight: 500;
        margin-left: 0.3em;
      }
      .date {
        display: flex;
        flex-wrap: wrap;
        align-items: end;
        gap: 0.4em 0.6em;
        padding: 0.1em 0 0 0.4em;
      }
      .field {
        display: flex;
        flex-direction: column;
        gap: 0.15em;
        font-size: 0.85em;
        font-weight: 600;
      }
      input[type='date'],
      input[type='text'],
      select {
        font: inherit;
        font-size: 1.05rem;
        min-height: 44px;
        box-sizing: border-box;
        padding: 0.2em 0.4em;
        border: 2px solid var(--om-muted-fg);
        border-radius: 0.4em;
        background: var(--om-card-bg);
        color: var(--om-card-fg);
      }
      input[type='text'] {
        width: 100%;
      }
      input:focus-visible,
      select:focus-visible {
        outline: 3px solid var(--om-primary-bg);
        outline-offset: 1px;
      }
      .date-back {
        flex: 1 1 100%;
        margin: 0;
        font-size: 0.9em;
        font-weight: 600;
      }
      .check {
        display: flex;
        align-items: center;
        gap: 0.55em;
        min-height: 44px;
        font-weight: 600;
        cursor: pointer;
      }
      footer {
        border-top: 1px solid var(--om-muted-fg);
        padding: 0.4em 0.7em;
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: flex-end;
        gap: 0.4em 0.6em;
        background: var(--om-page-bg);
      }
      .error {
        flex: 1 1 100%;
        margin: 0;
        font-size: 0.9em;
      }
      footer .spacer {
        flex: 1;
      }
      /* 480×272: one column; the list scrolls between the title and the buttons */
      @media (max-width: 600px) {
        .body {
          grid-template-columns: minmax(0, 1fr);
          padding: 0 0.5em 0.4em;
        }
        h2 {
          font-size: 1.1em;
          padding: 0.3em 0.5em 0.2em;
        }
        footer {
          padding: 0.3em 0.5em;
        }
      }
    `,
  ];

  @property({ attribute: false }) view: DeviceView | null = null;
  @property({ attribute: false }) bridge: Requester | null = null;
  @property() language: Lang = 'da';
  @property({ attribute: false }) now: Date = new Date();

  @state() private _choice: AbsenceChoiceKind = 'today';
  @state() private _date = '';
  @state() private _hour = '08';
  @state() private _minute = '00';
  /** '' = no new diversion (keep what is in force) */
  @state() private _cover = '';
  @state() private _reason = '';
  @state() private _autoReply = false;
  /** a local check that failed (a time not in the future), shown instead of sending */
  @state() private _problem: string | null = null;

  private readonly _req = new RequestController(this);

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this._onKey);
  }

  protected override willUpdate(): void {
    if (this._date || !this.view?.me) return;
    // the hand-picked date starts where "through the next workday" would end, at the start of the day
    const start = startTimeOf(ownDept(this.view));
    this._date = copenhagenDate(new Date(quickChoices(this.now, { startTime: start }).nextWorkday.until));
    const [h, min] = start.split(':') as [string, string];
    this._hour = h;
    this._minute = MINUTES.includes(min) ? min : '00';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('keydown', this._onKey);
  }

  protected override firstUpdated(_changed: PropertyValues): void {
    this.renderRoot.querySelector<HTMLElement>('h2')?.focus();
  }

  override render() {
    const view = this.view;
    if (!view?.me) return nothing;
    const m = msg(this.language);
    const pending = this._req.isPending('set');
    const err = this._req.state.kind === 'error' ? this._req.state.error : null;
    const suggestion = suggestionOf(err);
    const until = this._until();
    const untilWhen = until.ok ? whenText(until.until, this.now, this.language) : null;
    return html`<form data-testid="absence-form" aria-labelledby="absence-title" novalidate @submit=${this._onSubmit}>
      <h2 id="absence-title" tabindex="-1">${m.absenceTitle}</h2>
      <div class="body">
        <div class="col">
          ${this._when()}
          <div class="field">
            <label for="reason">${m.reasonLabel}</label>
            <input
              id="reason"
              type="text"
              maxlength="200"
              autocomplete="off"
              data-testid="absence-reason-input"
              aria-describedby="reason-hint"
              .value=${this._reason}
              @input=${(e: Event) => (this._reason = (e.target as HTMLInputElement).value)}
            />
            <p class="hint" id="reason-hint">${m.reasonPrivate}</p>
          </div>
          <div>
            <label class="check">
              <input
                type="checkbox"
                data-testid="absence-auto-reply"
                aria-describedby="auto-hint"
                .checked=${this._autoReply}
                @change=${(e: Event) => (this._autoReply = (e.target as HTMLInputElement).checked)}
              />
              ${m.autoReplyLabel}
            </label>
            <p class="hint" id="auto-hint">${m.autoReplyHint}</p>
          </div>
        </div>
        <div class="col">${this._covers(view)}</div>
      </div>
      <footer>
        ${this._problem ? html`<p class="error" role="alert" data-testid="absence-problem">${this._problem}</p>` : nothing}
        ${err ? html`<p class="error" role="alert" data-testid="error-text">${errorText(err, this.language)}</p>` : nothing}
        ${suggestion
          ? html`<button type="button" data-testid="absence-suggestion-button" data-target=${suggestion.id} @click=${() => this._takeSuggestion(suggestion.id)}>
              ${m.takeSuggestion(suggestion.name)}
            </button>`
          : nothing}
        <span class="spacer"></span>
        <button type="button" class="secondary" data-testid="absence-cancel" @click=${() => this._close(false)}>${m.absenceCancel}</button>
        <button
          type="submit"
          data-testid="absence-submit"
          data-state=${pending ? 'pending' : 'ready'}
          aria-busy=${pending ? 'true' : 'false'}
          aria-disabled=${pending ? 'true' : 'false'}
          aria-label=${untilWhen && !pending ? m.absenceSubmitLabel(untilWhen) : nothing}
        >
          ${pending ? m.pending : m.absenceSubmit}
        </button>
      </footer>
    </form>`;
  }

  /** PR-1: until when: two quick choices and a date with a 24-hour time. */
  private _when() {
    const m = msg(this.language);
    const lang = this.language;
    const start = startTimeOf(ownDept(this.view));
    const q = quickChoices(this.now, { startTime: start });
    const today = copenhagenDate(this.now);
    const lastDay = q.nextWorkday.lastDay === addDays(today, 1) ? m.tomorrow : weekday(copenhagenInstant(q.nextWorkday.lastDay, '12:00'), lang);
    const back = (iso: string) => m.backAt(whenText(iso, this.now, lang) ?? '');
    const custom = this._choice === 'date' ? customUntil(this._date, `${this._hour}:${this._minute}`, this.now) : null;
    const choice = (kind: AbsenceChoiceKind, main: string, sub: string | null, until: string | null) =>
      html`<label class="choice" data-testid="absence-choice" data-choice=${kind} data-until=${until ?? nothing}>
        <input type="radio" name="when" value=${kind} .checked=${this._choice === kind} @change=${() => this._pick(kind)} />
        <span class="label"><span class="main">${main}</span>${sub ? html`<span class="sub">${sub}</span>` : nothing}</span>
      </label>`;
    return html`<fieldset>
      <legend>${m.absenceWhen}</legend>
      ${choice('today', m.choiceToday, back(q.today.until), q.today.until)}
      ${choice('next-workday', m.choiceThrough(lastDay), back(q.nextWorkday.until), q.nextWorkday.until)}
      ${choice('date', m.choiceDate, null, custom?.ok ? custom.until : null)}
      ${this._choice === 'date'
        ? html`<div class="date">
            <div class="field">
              <label for="date">${m.dateLabel}</label>
              <input id="date" type="date" data-testid="absence-date" min=${today} required .value=${this._date} @change=${(e: Event) => this._set('_date', (e.target as HTMLInputElement).value)} />
            </div>
            <div class="field">
              <label for="hour">${m.hourLabel}</label>
              <select id="hour" data-testid="absence-hour" @change=${(e: Event) => this._set('_hour', (e.target as HTMLSelectElement).value)}>
                ${HOURS.map((h) => html`<option value=${h} ?selected=${h === this._hour}>${h}</option>`)}
              </select>
            </div>
            <div class="field">
              <label for="minute">${m.minuteLabel}</label>
              <select id="minute" data-testid="absence-minute" @change=${(e: Event) => this._set('_minute', (e.target as HTMLSelectElement).value)}>
                ${MINUTES.map((x) => html`<option value=${x} ?selected=${x === this._minute}>${x}</option>`)}
              </select>
            </div>
            <p class="date-back" data-testid="absence-date-back" aria-live="polite">
              ${custom?.ok ? back(custom.until) : custom?.problem === 'past' ? m.customPast : m.customInvalid}
            </p>
          </div>`
        : nothing}
    </fieldset>`;
  }

  /** DV-1/DV-6: who takes the calls; preferred colleagues first. */
  private _covers(view: DeviceView) {
    const m = msg(this.language);
    const own = ownDiversionState(view.me);
    const none = own.kind === 'active' ? m.coverKeep(own.toName) : m.coverNone;
    const option = (o: CoverOption | null) => {
      const id = o?.id ?? '';
      return html`<label class="cover" data-testid="cover-option" data-target=${id}>
        <input type="radio" name="cover" value=${id} .checked=${this._cover === id} @change=${() => this._set('_cover', id)} />
        <span class="label">
          <span class="main">${o ? o.name : none}${o?.preferred ? html`<span class="star">★<span class="sr-only"> ${m.preferred}</span></span>` : nothing}</span>
          ${o
            ? html`<span class="meta">
                ${o.kind === 'person' && o.presence
                  ? html`<om-presence-badge .presence=${o.presence} language=${this.language}></om-presence-badge>`
                  : html`<span class="sub">${m.coverGroup}</span>`}
              </span>`
            : nothing}
        </span>
      </label>`;
    };
    return html`<fieldset aria-describedby="cover-hint">
      <legend>${m.coverLegend}</legend>
      <p class="hint" id="cover-hint">${m.coverHint}</p>
      ${option(null)} ${coverOptions(view).map((o) => option(o))}
    </fieldset>`;
  }

  private _pick(kind: AbsenceChoiceKind): void {
    this._choice = kind;
    this._problem = null;
  }

  private _set(field: '_date' | '_hour' | '_minute' | '_cover', value: string): void {
    this[field] = value;
    this._problem = null;
    this._req.dismiss();
  }

  private _until(): { ok: true; until: string } | { ok: false; problem: string } {
    const m = msg(this.language);
    if (this._choice === 'date') {
      const c = customUntil(this._date, `${this._hour}:${this._minute}`, this.now);
      return c.ok ? c : { ok: false, problem: c.problem === 'past' ? m.customPast : m.customInvalid };
    }
    const q = quickChoices(this.now, { startTime: startTimeOf(ownDept(this.view)) });
    return { ok: true, until: this._choice === 'today' ? q.today.until : q.nextWorkday.until };
  }

  private _onSubmit(e: Event): void {
    e.preventDefault();
    this._send();
  }

  /** DV-6/DV-4: one press takes who the hub suggested and sends again. */
  private _takeSuggestion(id: string): void {
    this._cover = id;
    this._req.dismiss();
    this._send();
  }

  private _send(): void {
    const bridge = this.bridge;
    if (!bridge || this._req.busy) return;
    const until = this._until();
    if (!until.ok) {
      this._problem = until.problem;
      return;
    }
    this._problem = null;
    const reason = this._reason.trim();
    const args = {
      until: until.until,
      reason: reason === '' ? null : reason,
      divertTo: this._cover === '' ? null : this._cover,
      ...(this._autoReply ? { autoReply: true } : {}),
    };
    void this._req.run('set', () => bridge.request('set-absence', args)).then(() => {
      if (this._req.state.kind !== 'error') this._close(true);
    });
  }

  private _close(done: boolean): void {
    this.dispatchEvent(new CustomEvent('absence-close', { detail: { done }, bubbles: true, composed: true }));
  }

  private readonly _onKey = (e: KeyboardEvent): void => {
    if (e.key === 'Escape' && !this._req.busy) {
      e.preventDefault();
      this._close(false);
    }
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'om-absence-form': OmAbsenceForm;
  }
  interface HTMLElementEventMap {
    'absence-close': AbsenceCloseEvent;
  }
}
