import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { DeviceView } from '../../protocol/index.js';
import type { Requester } from '../bridge-client.js';
import { RequestController } from '../controllers/request-controller.js';
import { errorText, msg, whenText, type Lang } from '../i18n/index.js';
import { takenBy, type MessageRow } from '../message-model.js';
import { buttonStyles, errorStyles, srOnly } from '../styles.js';

type Target = 'acknowledged' | 'done';
const RANK = { waiting: 0, acknowledged: 1, done: 2 } as const;

/**
 * AS-1/AS-4: one message to call back: caller, number, text, who took it and when, the due
 * time (24-hour, Copenhagen) and, when late, "Overskredet"; "Til <fællesnummer>" for a group's
 * message, "Spurgte efter <navn>" when AS-3 sent it to me, "Overskredet siden … – eskaleret fra
 * <navn>" (or "til <gruppe/leder>" on the recipient's phone) once AS-4 escalated it. "Set" and "Ringet op" send
 * `message-status`; a refusal shows as text.
 * data-testid="message" data-message="{id}" data-status="waiting|acknowledged" data-overdue="true|false";
 * inside: "message-caller", "message-number", "message-text", "message-for", "message-asked-for",
 * "message-escalated" (data-level="1|2", data-to-me="true|false"),
 * "message-taken", "message-due" (data-due), "message-overdue", "message-seen-tag",
 * buttons "message-seen-button" and "message-done-button" (data-state="ready|pending"), "error-text".
 */
@customElement('om-message-item')
export class OmMessageItem extends LitElement {
  static override styles = [
    buttonStyles,
    errorStyles,
    srOnly,
    css`
      :host {
        display: block;
      }
      article {
        position: relative;
        background: var(--om-card-bg);
        color: var(--om-card-fg);
        border-radius: 0.5em;
        padding: 0.45em 0.65em;
        border-left: 0.35em solid var(--om-primary-bg);
        display: flex;
        flex-direction: column;
        gap: 0.2em;
      }
      article[data-status='acknowledged'] {
        border-left-color: var(--om-muted-fg);
      }
      article[data-overdue='true'] {
        border-left-color: var(--om-error-fg);
        box-shadow: inset 0 0 0 2px var(--om-error-fg);
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0.1em 0.6em;
      }
      h3 {
        font-size: 1.05em;
        margin: 0;
      }
      .number {
        font-weight: 600;
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      .tag {
        font-size: 0.8em;
        font-weight: 700;
        padding: 0.05em 0.5em;
        border-radius: 999px;
        white-space: nowrap;
      }
      .tag.overdue {
        background: var(--om-error-fg);
        color: var(--om-error-bg);
      }
      .tag.seen {
        background: var(--om-page-bg);
        color: var(--om-muted-fg);
        border: 1px solid var(--om-muted-fg);
      }
      p {
        margin: 0;
      }
      .text {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      .route {
        font-weight: 600;
        font-size: 0.9em;
        color: var(--om-notice-fg);
      }
      .route.escalated {
        color: var(--om-error-fg);
      }
      .meta {
        font-size: 0.85em;
        color: var(--om-muted-fg);
        display: flex;
        flex-wrap: wrap;
        gap: 0 0.8em;
      }
      .due {
        font-weight: 600;
        color: var(--om-card-fg);
      }
      .due[data-overdue='true'] {
        color: var(--om-error-fg);
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4em;
        margin-top: 0.2em;
      }
      button {
        font-size: 0.9em;
        padding: 0.35em 0.9em;
      }
    `,
  ];

  @property({ attribute: false }) row: MessageRow | null = null;
  @property({ attribute: false }) view: DeviceView | null = null;
  @property({ attribute: false }) bridge: Requester | null = null;
  @property() language: Lang = 'da';
  @property({ attribute: false }) now: Date = new Date();

  private readonly _req = new RequestController(this);

  override render() {
    const row = this.row;
    if (!row) return nothing;
    const m = msg(this.language);
    const x = row.message;
    const by = takenBy(x, this.view);
    const taken = whenText(x.takenAt, this.now, this.language);
    const due = whenText(x.due, this.now, this.language) ?? x.due;
    const err = this._req.state.kind === 'error' ? this._req.state.error : null;
    // AS-4: overdue and escalated: since when (24-hour, Copenhagen), from or to whom
    const esc = row.escalation;
    const since = esc ? whenText(esc.overdueSince, this.now, this.language) : null;
    return html`<article data-testid="message" data-message=${x.id} data-status=${x.status} data-overdue=${row.overdue ? 'true' : 'false'} aria-labelledby="caller">
      <div class="head">
        <h3 id="caller" data-testid="message-caller">${x.callerName}</h3>
        <span class="number" data-testid="message-number"><span class="sr-only">${m.callerNumber}: </span>${x.callerNumber}</span>
        ${row.overdue ? html`<span class="tag overdue" data-testid="message-overdue">${m.overdueTag}</span>` : nothing}
        ${x.status === 'acknowledged' ? html`<span class="tag seen" data-testid="message-seen-tag">${m.seenTag}</span>` : nothing}
      </div>
      ${row.forGroup ? html`<p class="route" data-testid="message-for">${m.messageFor(row.forGroup)}</p>` : nothing}
      ${row.askedFor ? html`<p class="route" data-testid="message-asked-for">${m.messageAskedFor(row.askedFor)}</p>` : nothing}
      ${esc
        ? html`<p class="route escalated" data-testid="message-escalated" data-level=${esc.level} data-to-me=${esc.toMe ? 'true' : 'false'}>
            ${esc.toMe ? m.messageEscalatedFrom(esc.name, since ?? esc.overdueSince) : m.messageEscalatedTo(esc.name, since ?? esc.overdueSince)}
          </p>`
        : nothing}
      ${x.text.trim() ? html`<p class="text" data-testid="message-text">${x.text}</p>` : nothing}
      <p class="meta">
        <span class="due" data-testid="message-due" data-due=${x.due} data-overdue=${row.overdue ? 'true' : 'false'}
          >${row.overdue ? m.messageOverdue(due) : m.messageDue(due)}</span
        >
        <span data-testid="message-taken">${by.kind === 'unnamed' ? m.messageTakenAt(taken ?? '') : m.messageTaken(by.kind === 'reception' ? m.reception : by.name, taken ?? '')}</span>
      </p>
      <div class="actions">
        ${x.status === 'waiting' ? this._button('acknowledged', m.messageSeen, m.messageSeenLabel(x.callerName), 'message-seen-button', true) : nothing}
        ${this._button('done', m.messageDone, m.messageDoneLabel(x.callerName, x.callerNumber), 'message-done-button', false)}
      </div>
      ${err ? html`<p class="error" role="alert" data-testid="error-text">${errorText(err, this.language)}</p>` : nothing}
    </article>`;
  }

  private _button(status: Target, text: string, label: string, testid: string, secondary: boolean) {
    const pending = this._req.isPending(status);
    return html`<button
      class=${secondary ? 'secondary' : ''}
      data-testid=${testid}
      data-state=${pending ? 'pending' : 'ready'}
      aria-busy=${pending ? 'true' : 'false'}
      aria-disabled=${this._req.busy ? 'true' : 'false'}
      aria-label=${pending ? nothing : label}
      @click=${() => this._send(status)}
    >
      ${pending ? msg(this.language).pending : text}
    </button>`;
  }

  private _send(status: Target): void {
    const id = this.row?.message.id;
    const bridge = this.bridge;
    if (!id || !bridge || this._req.busy) return;
    this._req.dismiss();
    // AS-4: settled when the view shows the message at (or past) that status, or without it
    void this._req.run(
      status,
      () => bridge.request('message-status', { message: id, status }),
      () => {
        const now = this.row?.message;
        return !now || now.id !== id || RANK[now.status] >= RANK[status];
      },
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-message-item': OmMessageItem;
  }
}
