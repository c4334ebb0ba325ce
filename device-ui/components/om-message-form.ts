import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { TakeMessageReply, type DeviceView } from '../../protocol/index.js';
import type { Requester, RequestResult } from '../bridge-client.js';
import { RequestController } from '../controllers/request-controller.js';
import { weekdayDate } from '../i18n/format.js';
import { backAtText, clockTime, errorText, msg, type Lang } from '../i18n/index.js';
import { buttonStyles, errorStyles, srOnly } from '../styles.js';
import {
  EMPTY_DRAFT,
  MESSAGE_LIMITS,
  checkDraft,
  offersCallerInformed,
  resolveTarget,
  type DraftField,
  type FieldProblem,
  type MessageDraft,
  type MessageTarget,
  type ResolvedTarget,
} from '../reception-model.js';
import './om-presence-badge.js';

/** What the hub answered (AS-1..AS-3), with who was asked for. */
interface Receipt {
  askedFor: string;
  askedName: string;
  /** null when the reply could not be read (the message was still taken) */
  reply: TakeMessageReply | null;
}

/**
 * AS-1..AS-3: take a message for a person or a function number, in a modal dialog. Caller's
 * name, number and the message, with the protocol's limits shown and checked before sending;
 * each field's problem next to it. For a person who is absent, AS-3's "the caller knows"
 * checkbox. Sends `take-message`; then says who it went to (AS-3: when not who was asked for,
 * says so) and by when they call back (AS-2), and clears the fields. Hub refusals show as text
 * with their rule. Enter sends (Shift+Enter: a new line in the message); Escape closes and
 * fires `om-close`.
 *
 * data-testid: "message-form" (data-target, data-state="ready" | "pending"), "message-form-title",
 * "message-target-state", "message-caller-name", "message-caller-number", "message-text",
 * "message-char-count", "message-caller-informed", "message-caller-name-error",
 * "message-caller-number-error", "message-text-error", "message-send-button",
 * "message-close-button", "message-receipt" (data-for, data-message, data-due, data-rule), "message-receipt-to",
 * "message-receipt-due",
 * "error-text".
 */
@customElement('om-message-form')
export class OmMessageForm extends LitElement {
  static override styles = [
    buttonStyles,
    errorStyles,
    srOnly,
    css`
      :host {
        display: contents;
      }
      dialog {
        width: min(44em, calc(100vw - 2em));
        max-height: calc(100vh - 2em);
        box-sizing: border-box;
        border: none;
        border-radius: 0.7em;
        padding: 0;
        background: var(--om-card-bg);
        color: var(--om-card-fg);
        box-shadow: 0 10px 40px rgb(0 0 0 / 0.35);
        font-size: 1em;
      }
      dialog::backdrop {
        background: rgb(15 20 25 / 0.55);
      }
      form {
        display: flex;
        flex-direction: column;
        gap: 0.7em;
        padding: 1em 1.3em 1.2em;
      }
      h2 {
        margin: 0;
        font-size: 1.35em;
      }
      .target {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.3em 0.7em;
        margin: -0.3em 0 0;
        color: var(--om-muted-fg);
      }
      .field {
        display: flex;
        flex-direction: column;
        gap: 0.2em;
      }
      label {
        font-weight: 600;
      }
      input[type='text'],
      input[type='tel'],
      textarea {
        font: inherit;
        padding: 0.4em 0.55em;
        border: 2px solid var(--om-muted-fg);
        border-radius: 0.4em;
        background: var(--om-card-bg);
        color: var(--om-card-fg);
        min-height: 44px;
        box-sizing: border-box;
        width: 100%;
      }
      textarea {
        min-height: 5.5em;
        resize: vertical;
      }
      input:focus-visible,
      textarea:focus-visible {
        outline: 3px solid var(--om-primary-bg);
        outline-offset: 1px;
      }
      [aria-invalid='true'] {
        border-color: var(--om-error-fg);
        border-width: 3px;
      }
      .hint {
        margin: 0;
        font-size: 0.85em;
        color: var(--om-muted-fg);
      }
      .row {
        display: flex;
        justify-content: space-between;
        gap: 1em;
      }
      .count {
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      .count[data-over='true'] {
        color: var(--om-error-fg);
        font-weight: 700;
      }
      .field-error {
        margin: 0;
        color: var(--om-error-fg);
        font-weight: 700;
        font-size: 0.9em;
      }
      .field-error::before {
        content: '⚠ ';
      }
      .check {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0.2em 0.6em;
        align-items: start;
        background: var(--om-warning-bg);
        color: var(--om-warning-fg);
        border-radius: 0.4em;
        padding: 0.5em 0.7em;
      }
      .check input {
        width: 1.4em;
        height: 1.4em;
        margin: 0.1em 0 0;
      }
      .check .hint {
        grid-column: 2;
        color: inherit;
      }
      .receipt {
        background: var(--om-notice-bg);
        color: var(--om-notice-fg);
        border-left: 0.35em solid var(--om-presence-available-bg);
        border-radius: 0.4em;
        padding: 0.5em 0.8em;
      }
      .receipt p {
        margin: 0;
      }
      .receipt .due {
        font-weight: 700;
        font-size: 1.15em;
      }
      .actions {
        display: flex;
        gap: 0.8em;
        justify-content: flex-end;
        flex-wrap: wrap;
      }
    `,
  ];

  @property({ attribute: false }) view: DeviceView | null = null;
  /** who the message is for; null: the dialog is closed */
  @property({ attribute: false }) target: MessageTarget | null = null;
  @property({ attribute: false }) bridge: Requester | null = null;
  @property({ attribute: false }) now: Date = new Date();
  @property() language: Lang = 'da';

  @state() private _draft: MessageDraft = EMPTY_DRAFT;
  /** field problems, shown once the user tried to send */
  @state() private _problems: Partial<Record<DraftField, FieldProblem>> = {};
  @state() private _receipt: Receipt | null = null;

  private readonly _req = new RequestController(this);

  override render() {
    const m = msg(this.language);
    const k = m.kiosk;
    const t = resolveTarget(this.view, this.target);
    const pending = this._req.isPending('send');
    const err = this._req.errorFor('send');
    const informed = offersCallerInformed(t);
    const p = this._problems;
    const textLength = this._draft.text.trim().length;
    return html`<dialog aria-labelledby="mf-title" @close=${this._onClose} @cancel=${this._onCancel}>
      ${this.target === null
        ? nothing
        : html`<form
            novalidate
            data-testid="message-form"
            data-target=${this.target.id}
            data-state=${pending ? 'pending' : 'ready'}
            aria-busy=${pending ? 'true' : 'false'}
            @submit=${this._submit}
          >
            <h2 id="mf-title" data-testid="message-form-title">${k.formTitle(t?.name ?? this.target.id)}</h2>
            ${this._targetLine(t)} ${this._receiptView()}
            ${err ? html`<p class="error" role="alert" data-testid="error-text">${errorText(err, this.language)}</p>` : nothing}
            ${!t ? html`<p class="error" role="alert" data-testid="error-text">${k.targetGone}</p>` : nothing}
            ${Object.keys(p).length > 0 ? html`<p class="sr-only" role="alert">${k.fixFields}</p>` : nothing}

            <div class="field">
              <label for="mf-name">${k.callerName}</label>
              <input
                id="mf-name"
                type="text"
                data-testid="message-caller-name"
                autocomplete="off"
                required
                aria-required="true"
                aria-invalid=${p.callerName ? 'true' : 'false'}
                aria-describedby=${p.callerName ? 'mf-name-err mf-name-hint' : 'mf-name-hint'}
                .value=${live(this._draft.callerName)}
                @input=${(e: Event) => this._edit('callerName', (e.target as HTMLInputElement).value)}
              />
              <p class="hint" id="mf-name-hint">${k.callerNameHint(MESSAGE_LIMITS.callerName)}</p>
              ${p.callerName ? html`<p class="field-error" id="mf-name-err" data-testid="message-caller-name-error">${this._problemText('callerName', p.callerName)}</p>` : nothing}
            </div>

            <div class="field">
              <label for="mf-number">${k.callerNumber}</label>
              <input
                id="mf-number"
                type="tel"
                inputmode="tel"
                data-testid="message-caller-number"
                autocomplete="off"
                required
                aria-required="true"
                aria-invalid=${p.callerNumber ? 'true' : 'false'}
                aria-describedby=${p.callerNumber ? 'mf-number-err mf-number-hint' : 'mf-number-hint'}
                .value=${live(this._draft.callerNumber)}
                @input=${(e: Event) => this._edit('callerNumber', (e.target as HTMLInputElement).value)}
              />
              <p class="hint" id="mf-number-hint">${k.callerNumberHint(MESSAGE_LIMITS.numberMin, MESSAGE_LIMITS.numberMax)}</p>
              ${p.callerNumber ? html`<p class="field-error" id="mf-number-err" data-testid="message-caller-number-error">${this._problemText('callerNumber', p.callerNumber)}</p>` : nothing}
            </div>

            <div class="field">
              <label for="mf-text">${k.messageText}</label>
              <textarea
                id="mf-text"
                data-testid="message-text"
                rows="4"
                aria-invalid=${p.text ? 'true' : 'false'}
                aria-describedby=${p.text ? 'mf-text-err mf-text-hint mf-text-count' : 'mf-text-hint mf-text-count'}
                .value=${live(this._draft.text)}
                @input=${(e: Event) => this._edit('text', (e.target as HTMLTextAreaElement).value)}
                @keydown=${this._textKey}
              ></textarea>
              <div class="row">
                <p class="hint" id="mf-text-hint">${k.messageTextHint(MESSAGE_LIMITS.text)}</p>
                <p class="hint count" id="mf-text-count" data-testid="message-char-count" data-over=${textLength > MESSAGE_LIMITS.text ? 'true' : 'false'}>
                  ${k.charCount(textLength, MESSAGE_LIMITS.text)}
                </p>
              </div>
              ${p.text ? html`<p class="field-error" id="mf-text-err" data-testid="message-text-error">${this._problemText('text', p.text)}</p>` : nothing}
            </div>

            ${informed && t
              ? html`<div class="check">
                  <input
                    id="mf-informed"
                    type="checkbox"
                    data-testid="message-caller-informed"
                    aria-describedby="mf-informed-hint"
                    .checked=${live(this._draft.callerInformed)}
                    @change=${(e: Event) => (this._draft = { ...this._draft, callerInformed: (e.target as HTMLInputElement).checked })}
                  />
                  <label for="mf-informed">${k.callerInformed(t.name)}</label>
                  <p class="hint" id="mf-informed-hint">${k.callerInformedHint}</p>
                </div>`
              : nothing}

            <div class="actions">
              <button type="button" class="secondary" data-testid="message-close-button" aria-label=${k.closeLabel} @click=${this._close}>${k.close}</button>
              <button
                type="submit"
                data-testid="message-send-button"
                data-state=${pending ? 'pending' : 'ready'}
                aria-disabled=${pending || !t ? 'true' : 'false'}
              >
                ${pending ? m.pending : k.send}
              </button>
            </div>
          </form>`}
    </dialog>`;
  }

  /** Who it is for, as reception sees them now: presence and back-at (PR-2: never why), or the function number. */
  private _targetLine(t: ResolvedTarget | null) {
    if (!t) return nothing;
    const k = msg(this.language).kiosk;
    if (t.kind === 'group') return html`<p class="target" data-testid="message-target-state">${k.formGroupNote(t.dept.name)} ${t.group.number}</p>`;
    const back = t.person.presence === 'available' ? null : backAtText(t.person.backAt, this.now, this.language);
    return html`<p class="target" data-testid="message-target-state" data-presence=${t.person.presence}>
      <om-presence-badge .presence=${t.person.presence} language=${this.language}></om-presence-badge>
      ${back ? html`<span>${back}</span>` : nothing} ${t.dept ? html`<span>${t.dept.name}</span>` : nothing}
    </p>`;
  }

  private _receiptView() {
    const r = this._receipt;
    if (!r) return html`<div role="status" class="sr-only"></div>`;
    const k = msg(this.language).kiosk;
    const reply = r.reply;
    const forName = reply?.forName ?? r.askedName;
    // AS-3: say so when it did not go to whom the caller asked for
    const who = reply && reply.for !== r.askedFor ? k.sentInstead(forName, r.askedName) : k.sentTo(forName);
    const due = reply ? new Date(reply.due) : null;
    return html`<div
      role="status"
      class="receipt"
      data-testid="message-receipt"
      data-for=${reply?.for ?? r.askedFor}
      data-message=${reply?.id ?? ''}
      data-due=${reply?.due ?? ''}
      data-rule=${reply?.rule ?? ''}
    >
      <p data-testid="message-receipt-to">${who}</p>
      ${due && !Number.isNaN(due.getTime())
        ? html`<p class="due" data-testid="message-receipt-due">${k.due(weekdayDate(due, this.language), clockTime(due, this.language))}</p>`
        : nothing}
      <p>${k.formCleared}</p>
    </div>`;
  }

  private _problemText(field: DraftField, problem: FieldProblem): string {
    const k = msg(this.language).kiosk;
    if (field === 'text') return k.textTooLong(this._draft.text.trim().length, MESSAGE_LIMITS.text);
    if (problem === 'required') return k.fieldRequired[field];
    if (field === 'callerName') return k.nameTooLong(MESSAGE_LIMITS.callerName);
    return k.numberInvalid(MESSAGE_LIMITS.numberMin, MESSAGE_LIMITS.numberMax);
  }

  private _edit(field: DraftField, value: string): void {
    this._draft = { ...this._draft, [field]: value };
    // a fixed field loses its mark as soon as it is right; a wrong one is only marked on send
    if (this._problems[field] && this.target) {
      const check = checkDraft(this.target.id, this._draft, false);
      const still = check.ok ? undefined : check.problems[field];
      if (!still) {
        const { [field]: _gone, ...rest } = this._problems;
        this._problems = rest;
      }
    }
  }

  /** Enter sends; Shift+Enter is a new line in the message. */
  private _textKey(e: KeyboardEvent): void {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      (e.target as HTMLTextAreaElement).form?.requestSubmit();
    }
  }

  private _submit(e: Event): void {
    e.preventDefault();
    if (this._req.busy) return;
    const target = this.target;
    const t = resolveTarget(this.view, target);
    if (!target || !t) return;
    const check = checkDraft(t.id, this._draft, offersCallerInformed(t));
    if (!check.ok) {
      this._problems = check.problems;
      this._receipt = null;
      void this.updateComplete.then(() => {
        const first = (['callerName', 'callerNumber', 'text'] as const).find((f) => check.problems[f]);
        const id = first === 'callerName' ? 'mf-name' : first === 'callerNumber' ? 'mf-number' : 'mf-text';
        this.renderRoot.querySelector<HTMLElement>(`#${id}`)?.focus();
      });
      return;
    }
    this._problems = {};
    this._receipt = null;
    this._req.dismiss();
    const bridge = this.bridge;
    const asked = { askedFor: t.id, askedName: t.name };
    void this._req.run('send', async (): Promise<RequestResult> => {
      if (!bridge) return { ok: false, error: { code: 'offline', message: 'no bridge' } };
      const res = await bridge.request('take-message', check.args);
      // the answer belongs to this form only while it is still open for the same target
      if (res.ok && this.target === target) {
        const reply = TakeMessageReply.safeParse(res.data);
        this._receipt = { ...asked, reply: reply.success ? reply.data : null };
        this._draft = EMPTY_DRAFT; // AS-1: taken; the form is ready for the next call
      }
      return res;
    });
  }

  /** A new target starts with an empty form (before rendering, so no second update). */
  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('target') || !this.target) return;
    const before = changed.get('target') as MessageTarget | null | undefined;
    if (before?.id === this.target.id && before.kind === this.target.kind) return;
    this._draft = EMPTY_DRAFT;
    this._problems = {};
    this._receipt = null;
    this._req.dismiss();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('target')) return;
    const dialog = this.renderRoot.querySelector('dialog');
    if (!dialog) return;
    if (this.target && !dialog.open) {
      dialog.showModal();
      this.renderRoot.querySelector<HTMLInputElement>('#mf-name')?.focus();
    } else if (!this.target && dialog.open) {
      dialog.close();
    }
  }

  /** Escape: no closing while a message is on its way (its answer would be lost from view). */
  private _onCancel(e: Event): void {
    if (this._req.busy) e.preventDefault();
  }

  private _close(): void {
    if (this._req.busy) return;
    this.renderRoot.querySelector('dialog')?.close();
  }

  private _onClose(): void {
    if (this.target === null) return;
    this.dispatchEvent(new CustomEvent('om-close', { bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-message-form': OmMessageForm;
  }
}
