import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { PersonOwn } from '../../protocol/index.js';
import type { Requester } from '../bridge-client.js';
import { RequestController } from '../controllers/request-controller.js';
import { clockTime, errorText, msg, type Lang } from '../i18n/index.js';
import { buttonStyles, errorStyles } from '../styles.js';

/** DV-5: what the hub offers on the person's own topic before a calendar meeting. */
export type MeetingPrompt = NonNullable<PersonOwn['meetingPrompt']>;

export interface MeetingPromptText {
  /** "Viderestil til Bo Berg under mødet?", or that nobody can take the calls */
  heading: string;
  /** "Mødet er kl. 10.00-11.00" */
  time: string;
  /** the button's text and accessible label; null when there is nobody to divert to */
  button: { text: string; label: string } | null;
}

/** The words of the card, in 24-hour Europe/Copenhagen time. Pure. */
export function meetingPromptText(prompt: MeetingPrompt, lang: Lang): MeetingPromptText {
  const m = msg(lang);
  const from = clockTime(new Date(prompt.start), lang);
  const to = clockTime(new Date(prompt.end), lang);
  const time = m.meetingTime(from, to);
  const s = prompt.suggestion;
  if (!s) return { heading: m.meetingNobody, time, button: null };
  return { heading: m.meetingQuestion(s.name), time, button: { text: m.meetingDivert, label: m.meetingDivertLabel(s.name, from, to) } };
}

/**
 * DV-5: "Viderestil til <kollega> under mødet?" with one button that diverts for exactly the
 * meeting (`divert` with `until` = its end). data-testid="meeting-prompt" data-start data-end;
 * button data-testid="meeting-divert-button" data-state="ready" | "pending"; a refusal shows
 * the hub's error as text (data-testid="error-text").
 */
@customElement('om-meeting-prompt')
export class OmMeetingPrompt extends LitElement {
  static override styles = [
    buttonStyles,
    errorStyles,
    css`
      :host {
        display: block;
      }
      section {
        background: var(--om-warning-bg);
        color: var(--om-warning-fg);
        border-left: 0.35em solid var(--om-primary-bg);
        border-radius: 0.5em;
        padding: 0.55em 0.75em;
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4em 0.8em;
      }
      .text {
        flex: 1 1 12em;
        min-width: 0;
      }
      h2 {
        font-size: 1.15em;
        line-height: 1.25;
        margin: 0;
      }
      .time {
        margin: 0.15em 0 0;
        font-size: 0.95em;
      }
      button {
        flex: 0 0 auto;
        font-size: 1.05em;
      }
      .error {
        flex: 1 1 100%;
        font-size: 0.9em;
      }
    `,
  ];

  @property({ attribute: false }) prompt: MeetingPrompt | null = null;
  @property({ attribute: false }) bridge: Requester | null = null;
  @property() language: Lang = 'da';

  private readonly _req = new RequestController(this);

  override render() {
    const p = this.prompt;
    if (!p) return nothing;
    const t = meetingPromptText(p, this.language);
    const key = keyOf(p);
    const pending = this._req.isPending(key);
    const err = this._req.errorFor(key);
    return html`<section
      data-testid="meeting-prompt"
      data-start=${p.start}
      data-end=${p.end}
      data-suggestion=${p.suggestion?.id ?? nothing}
      role="region"
      aria-live="polite"
      aria-labelledby="meeting-heading"
    >
      <div class="text">
        <h2 id="meeting-heading" data-testid="meeting-heading">${t.heading}</h2>
        <p class="time" data-testid="meeting-time">${t.time}</p>
      </div>
      ${t.button
        ? html`<button
            data-testid="meeting-divert-button"
            data-target=${p.suggestion?.id ?? nothing}
            data-state=${pending ? 'pending' : 'ready'}
            aria-busy=${pending ? 'true' : 'false'}
            aria-disabled=${pending ? 'true' : 'false'}
            aria-label=${t.button.label}
            @click=${this._divert}
          >
            ${pending ? msg(this.language).pending : t.button.text}
          </button>`
        : nothing}
      ${err ? html`<p class="error" role="alert" data-testid="error-text">${errorText(err, this.language)}</p>` : nothing}
    </section>`;
  }

  private _divert(): void {
    const p = this.prompt;
    const bridge = this.bridge;
    const target = p?.suggestion;
    if (!p || !target || !bridge || this._req.busy) return;
    const key = keyOf(p);
    // DV-5: exactly the meeting; the hub ends the diversion at `until`
    void this._req.run(
      key,
      () => bridge.request('divert', { target: target.id, until: p.end }),
      () => this.prompt === null || keyOf(this.prompt) !== key,
    );
  }
}

/** A request and its error belong to one meeting. */
function keyOf(p: MeetingPrompt): string {
  return `${p.start}|${p.end}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'om-meeting-prompt': OmMeetingPrompt;
  }
}
