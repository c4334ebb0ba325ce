import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { DeptPublic } from '../../protocol/index.js';
import { clockTime, msg, whenParts, whenText, type Lang } from '../i18n/index.js';
import { buttonStyles, srOnly } from '../styles.js';
import { closureRows, clockSpan, copenhagenDate, dateSpan, deptStatus, groupLabel, peakRows, todaysHours, type ClosureRow, type DeptStatus, type MessageTarget } from '../reception-model.js';

const ICONS = {
  open: svg`<path d="M4 12.5l5 5L20 6.5" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>`,
  closed: svg`<path d="M6 6l12 12M18 6L6 18" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round"/>`,
  closure: svg`<path d="M12 3L2 21h20L12 3z" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linejoin="round"/><path d="M12 10v5" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/><circle cx="12" cy="18" r="1.4" fill="currentColor"/>`,
};

const icon = (kind: keyof typeof ICONS) => html`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">${ICONS[kind]}</svg>`;

/**
 * One department as reception sees it (PH-1..PH-5): open / closed / closed now (PH-3) as colour,
 * icon and word; today's phone hours in 24-hour Copenhagen time; when it next opens or closes;
 * closures with their end and message; peak notices (PH-5); what callers hear when it is closed
 * (PH-2); its function numbers (PH-4), each with "Tag besked" when `actions` is set (it fires
 * `om-take-message` with `{kind:'group', id}`, bubbling and composed).
 *
 * data-testid: "dept-card" (data-dept, data-status="open" | "closed" | "closure"), "dept-status",
 * "dept-hours", "dept-next-change", "dept-closure" (data-closure, data-phase="now" | "planned" |
 * "ended-early"), "dept-peak" (data-peak, data-phase="today" | "upcoming"), "dept-outside-hours",
 * "dept-group" (data-group), "dept-group-number", "take-message-button" (data-target),
 * "dept-sensitive".
 */
@customElement('om-dept-card')
export class OmDeptCard extends LitElement {
  static override styles = [
    buttonStyles,
    srOnly,
    css`
      :host {
        display: block;
      }
      article {
        background: var(--om-card-bg);
        color: var(--om-card-fg);
        border-radius: 0.5em;
        box-shadow: 0 1px 3px rgb(0 0 0 / 0.18);
        padding: 0.55em 0.75em 0.65em;
        border-top: 0.4em solid var(--status-bg);
        display: flex;
        flex-direction: column;
        gap: 0.3em;
        height: 100%;
        box-sizing: border-box;
      }
      article[data-status='open'] {
        --status-bg: var(--om-presence-available-bg);
        --status-fg: var(--om-presence-available-fg);
      }
      article[data-status='closed'] {
        --status-bg: var(--om-presence-off-hours-bg);
        --status-fg: var(--om-presence-off-hours-fg);
      }
      article[data-status='closure'] {
        --status-bg: var(--om-danger-bg);
        --status-fg: var(--om-danger-fg);
      }
      .top {
        display: flex;
        flex-wrap: wrap;
        align-items: flex-start;
        justify-content: space-between;
        gap: 0.5em;
      }
      h2,
      h3,
      h4 {
        margin: 0;
        font-size: 1.1em;
        line-height: 1.25;
        flex: 1 1 9em;
        min-width: 0;
        overflow-wrap: break-word;
      }
      .status {
        flex: none;
        display: inline-flex;
        align-items: center;
        gap: 0.3em;
        padding: 0.1em 0.6em 0.1em 0.45em;
        border-radius: 999px;
        background: var(--status-bg);
        color: var(--status-fg);
        font-weight: 700;
        font-size: 1.05em;
        white-space: nowrap;
      }
      .icon {
        width: 1em;
        height: 1em;
        flex: none;
      }
      p {
        margin: 0;
      }
      .hours {
        font-weight: 600;
        font-variant-numeric: tabular-nums;
      }
      .next {
        color: var(--om-muted-fg);
        font-variant-numeric: tabular-nums;
      }
      .notice {
        border-radius: 0.35em;
        padding: 0.3em 0.5em;
        font-size: 0.9em;
        border-left: 0.3em solid;
      }
      .notice strong {
        display: block;
      }
      .closure {
        background: var(--om-error-bg);
        color: var(--om-error-fg);
      }
      .closure[data-phase='planned'] {
        background: var(--om-notice-bg);
        color: var(--om-notice-fg);
      }
      .closure[data-phase='ended-early'] {
        background: var(--om-notice-bg);
        color: var(--om-notice-fg);
      }
      .peak {
        background: var(--om-warning-bg);
        color: var(--om-warning-fg);
      }
      .outside {
        font-size: 0.8em;
        background: var(--om-notice-bg);
        color: var(--om-notice-fg);
        border-left-color: var(--om-notice-fg);
      }
      .outside strong {
        display: inline;
      }
      .groups {
        list-style: none;
        margin: 0.15em 0 0;
        padding: 0.3em 0 0;
        border-top: 1px solid #d5d8dc;
        display: flex;
        flex-direction: column;
        gap: 0.25em;
      }
      .groups li {
        display: flex;
        align-items: center;
        gap: 0.2em 0.6em;
        flex-wrap: wrap;
      }
      .gname {
        flex: 1 1 8em;
        min-width: 0;
        font-size: 0.9em;
      }
      .gnumber {
        font-weight: 700;
        font-variant-numeric: tabular-nums;
        font-size: 1.05em;
      }
      .sensitive {
        font-size: 0.85em;
        color: var(--om-muted-fg);
        font-style: italic;
      }
      button {
        font-size: 0.85em;
        padding: 0.3em 0.7em;
      }
    `,
  ];

  @property({ attribute: false }) dept: DeptPublic | null = null;
  @property({ attribute: false }) now: Date = new Date();
  @property() language: Lang = 'da';
  /** offer "Tag besked" on each function number (in search results) */
  @property({ type: Boolean }) actions = false;
  /** the heading level of the department's name in the page outline */
  @property({ type: Number }) level: 2 | 3 | 4 = 3;

  override render() {
    const dept = this.dept;
    if (!dept) return nothing;
    const m = msg(this.language).kiosk;
    const status = deptStatus(dept, this.now);
    const statusText = status.kind === 'open' ? m.open : status.kind === 'closed' ? m.closed : m.closedNow;
    const id = `dept-${dept.deptId}`;
    return html`<article data-testid="dept-card" data-dept=${dept.deptId} data-status=${status.kind} aria-labelledby=${id}>
      <div class="top">
        ${this._heading(id, dept.name)}
        <span class="status" data-testid="dept-status" data-status=${status.kind}>${icon(status.kind)}<span>${statusText}</span></span>
      </div>
      ${this._hours(dept)} ${this._next(status)}
      ${closureRows(dept, this.now).map((r) => this._closure(r))}
      ${peakRows(dept, this.now).map(
        (r) =>
          html`<p class="notice peak" data-testid="dept-peak" data-peak=${r.peak.id} data-phase=${r.phase}>
            <strong>${r.phase === 'today' ? m.peakToday : m.peakUpcoming(dateSpan(r.peak.from, r.peak.to, this.language))}</strong>
            ${r.peak.text[this.language]}
          </p>`,
      )}
      ${status.kind === 'closed'
        ? html`<p class="notice outside" data-testid="dept-outside-hours"><strong>${m.outsideHoursHeading}:</strong> ${dept.outsideHours[this.language]}</p>`
        : nothing}
      ${this._groups(dept)}
      ${dept.sensitive ? html`<p class="sensitive" data-testid="dept-sensitive">${m.sensitiveDept} (RT-1)</p>` : nothing}
    </article>`;
  }

  private _heading(id: string, name: string) {
    // long names such as "Daginstitution/forældrebetaling" may break after the slash
    const text = name.split('/').map((part, i) => (i === 0 ? part : html`/<wbr />${part}`));
    switch (this.level) {
      case 2:
        return html`<h2 id=${id} data-testid="dept-name">${text}</h2>`;
      case 4:
        return html`<h4 id=${id} data-testid="dept-name">${text}</h4>`;
      default:
        return html`<h3 id=${id} data-testid="dept-name">${text}</h3>`;
    }
  }

  /** PH-1: today's phone hours, or the holiday that closes today */
  private _hours(dept: DeptPublic) {
    const m = msg(this.language).kiosk;
    const today = todaysHours(dept, this.now);
    if (today.stale) return nothing; // the hub's next update brings today's
    const text = today.holiday
      ? m.holidayToday(today.holiday)
      : today.open.length === 0
        ? m.noHoursToday
        : m.hoursToday(m.joinSpans(today.open.map((s) => clockSpan(s, this.language))));
    return html`<p class="hours" data-testid="dept-hours">${text}</p>`;
  }

  /** PH-1: when the phone hours next open or close (during a closure, its end says it) */
  private _next(status: DeptStatus) {
    const m = msg(this.language).kiosk;
    if (status.kind === 'closure') return nothing;
    const when = whenText(status.kind === 'open' ? status.closesAt : status.opensAt, this.now, this.language);
    if (!when) return nothing;
    return html`<p class="next" data-testid="dept-next-change">${status.kind === 'open' ? m.closesAt(when) : m.opensAt(when)}</p>`;
  }

  /** PH-3 */
  private _closure(r: ClosureRow) {
    const m = msg(this.language).kiosk;
    const lang = this.language;
    const c = r.closure;
    const end = whenParts(c.end, this.now, lang);
    const start = whenParts(c.start, this.now, lang);
    if (!end || !start) return nothing;
    let head: string;
    if (r.phase === 'now') head = m.closureNow(end);
    else if (r.phase === 'ended-early') head = m.closureEndedEarly(msg(lang).when(end));
    else {
      // the end on the same day as the start: only its time
      const sameDay = copenhagenDate(new Date(c.start)) === copenhagenDate(new Date(c.end));
      head = m.closurePlanned(start, sameDay ? { kind: 'today', time: clockTime(new Date(c.end), lang) } : end);
    }
    return html`<p class="notice closure" data-testid="dept-closure" data-closure=${c.id} data-phase=${r.phase} data-end=${c.end}>
      <strong>${head}</strong>
      ${r.phase === 'ended-early' ? nothing : html`${c.message[lang]}${c.fallback ? html` ${m.closureFallback(c.fallback.name)}.` : nothing}`}
    </p>`;
  }

  /** PH-4 */
  private _groups(dept: DeptPublic) {
    if (dept.groups.length === 0) return nothing;
    const m = msg(this.language).kiosk;
    return html`<ul class="groups" aria-label=${`${m.functionNumbers}: ${dept.name}`}>
      ${dept.groups.map(
        (g) =>
          html`<li data-testid="dept-group" data-group=${g.id}>
            <span class="gname">${groupLabel(g, dept)}</span>
            <span class="gnumber" data-testid="dept-group-number"><span class="sr-only">${m.functionNumber} </span>${g.number}</span>
            ${this.actions
              ? html`<button class="secondary" data-testid="take-message-button" data-target=${g.id} aria-label=${m.takeMessageLabel(g.name)} @click=${(e: Event) => this._take(e, { kind: 'group', id: g.id })}>
                  ${m.takeMessage}
                </button>`
              : nothing}
          </li>`,
      )}
    </ul>`;
  }

  /** Fired from the button itself, so the view can give focus back to it when the form closes. */
  private _take(e: Event, target: MessageTarget): void {
    (e.currentTarget as HTMLElement).dispatchEvent(new CustomEvent<MessageTarget>('om-take-message', { detail: target, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-dept-card': OmDeptCard;
  }
  interface HTMLElementEventMap {
    /** AS-1: reception wants to take a message for a person or a function number */
    'om-take-message': CustomEvent<MessageTarget>;
  }
}
