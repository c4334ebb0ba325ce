import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { repeat } from 'lit/directives/repeat.js';
import type { DeptPublic, DeviceView, PersonPublic } from '../../protocol/index.js';
import { backAtText, msg, untilText, type Lang } from '../i18n/index.js';
import { buttonStyles, srOnly } from '../styles.js';
import { personContact, searchDirectory, takesMessages, type DeptHit, type MatchReason, type MessageTarget } from '../reception-model.js';
import { receptionGroups } from '../view-model.js';
import './om-dept-card.js';
import './om-presence-badge.js';

/** How many people the list shows before it asks for a longer query. */
const MAX_ROWS = 200;

/**
 * RT-2: find the right place by name, department or task keyword (case- and accent-insensitive;
 * people's competencies are task keywords too).
 * Department hits show their board card with the function numbers; person hits show name,
 * department, presence and back-at (never a reason: PR-2), diversion, and the extension — or,
 * in a sensitive department, the department's function number (RT-1). With no query, everyone,
 * by department. "Tag besked" fires `om-take-message` with `{kind:'person'|'group', id}`; the
 * switchboard has none (AS-3): a note says messages go to whoever the caller wants.
 *
 * data-testid: "directory-search-input", "search-count", "search-results", "search-dept-hit"
 * (data-dept; its om-dept-card inside), "search-why", "reception-row" (data-person,
 * data-presence, data-dept), "person-name", "person-dept", "reception-back-at",
 * "reception-diversion", "reception-extension", "reception-function-number",
 * "take-message-button" (data-target), "no-message-note", "search-empty", "search-more".
 */
@customElement('om-directory-search')
export class OmDirectorySearch extends LitElement {
  static override styles = [
    buttonStyles,
    srOnly,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
      }
      .outer {
        display: flex;
        flex-direction: column;
        min-height: 0;
        height: 100%;
        gap: 0.5em;
      }
      h2 {
        margin: 0;
        font-size: 1.2em;
      }
      form {
        display: flex;
        flex-direction: column;
        gap: 0.25em;
      }
      label {
        font-weight: 600;
      }
      input {
        font: inherit;
        font-size: 1.25em;
        padding: 0.4em 0.6em;
        border: 2px solid var(--om-muted-fg);
        border-radius: 0.4em;
        background: var(--om-card-bg);
        color: var(--om-card-fg);
        min-height: 44px;
        box-sizing: border-box;
        width: 100%;
      }
      input:focus-visible {
        outline: 3px solid var(--om-primary-bg);
        outline-offset: 1px;
      }
      .hint {
        margin: 0;
        font-size: 0.8em;
        color: var(--om-muted-fg);
      }
      .count {
        margin: 0;
        font-size: 0.9em;
        color: var(--om-muted-fg);
      }
      .results {
        flex: 1;
        min-height: 0;
        overflow-y: auto;
        /* contains the visually hidden labels, which would otherwise stretch the page */
        position: relative;
        display: flex;
        flex-direction: column;
        gap: 0.6em;
        padding: 0.15em 0.3em 0.6em 0.1em;
      }
      h3,
      h4 {
        margin: 0.3em 0 0;
        font-size: 0.95em;
        text-transform: uppercase;
        letter-spacing: 0.04em;
        color: var(--om-muted-fg);
      }
      h4 {
        text-transform: none;
        letter-spacing: 0;
        font-size: 1em;
        color: var(--om-page-fg);
        margin-bottom: 0.25em;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.4em;
      }
      .why {
        display: block;
        font-size: 0.85em;
        color: var(--om-muted-fg);
        margin: 0 0 0.2em;
      }
      li.person {
        background: var(--om-card-bg);
        color: var(--om-card-fg);
        border-radius: 0.5em;
        padding: 0.45em 0.7em;
        display: grid;
        grid-template-columns: minmax(0, 1fr) auto;
        gap: 0.25em 0.8em;
        align-items: center;
        box-shadow: 0 1px 2px rgb(0 0 0 / 0.12);
      }
      .who {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0 0.5em;
      }
      .name {
        font-weight: 700;
        font-size: 1.05em;
      }
      .title,
      .dept {
        font-size: 0.85em;
        color: var(--om-muted-fg);
      }
      .state {
        grid-column: 1;
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.2em 0.6em;
        font-size: 0.9em;
      }
      .contact {
        grid-column: 2;
        grid-row: 1;
        text-align: right;
        font-variant-numeric: tabular-nums;
        font-weight: 700;
        font-size: 1.05em;
        white-space: nowrap;
      }
      .contact .label {
        font-weight: 400;
        font-size: 0.8em;
        color: var(--om-muted-fg);
        margin-right: 0.3em;
      }
      .contact .note {
        display: block;
        font-weight: 400;
        font-size: 0.75em;
        color: var(--om-muted-fg);
        white-space: normal;
      }
      .person button,
      .person .note {
        grid-column: 2;
        grid-row: 2;
        font-size: 0.85em;
        padding: 0.3em 0.7em;
      }
      .person .note {
        margin: 0;
        max-width: 16em;
        font-size: 0.8em;
        color: var(--om-muted-fg);
        text-align: right;
      }
      .empty {
        margin: 0;
        padding: 0.6em 0;
      }
    `,
  ];

  @property({ attribute: false }) view: DeviceView | null = null;
  @property({ attribute: false }) now: Date = new Date();
  @property() language: Lang = 'da';

  @state() private _query = '';

  /** Puts the cursor in the search field (the reception view does so on load). */
  override focus(): void {
    this.renderRoot.querySelector<HTMLInputElement>('input')?.focus();
  }

  override render() {
    const m = msg(this.language).kiosk;
    return html`<section class="outer" aria-labelledby="search-h">
      <h2 id="search-h">${m.searchHeading}</h2>
      <form role="search" aria-labelledby="search-h" @submit=${(e: Event) => e.preventDefault()}>
        <label for="q">${m.searchLabel}</label>
        <input
          id="q"
          type="search"
          data-testid="directory-search-input"
          autocomplete="off"
          spellcheck="false"
          enterkeyhint="search"
          placeholder=${m.searchPlaceholder}
          aria-describedby="q-hint"
          aria-controls="results"
          .value=${live(this._query)}
          @input=${(e: Event) => (this._query = (e.target as HTMLInputElement).value)}
          @keydown=${this._onKey}
        />
        <p id="q-hint" class="hint">${m.searchHint}</p>
      </form>
      ${this._results()}
    </section>`;
  }

  private _onKey(e: KeyboardEvent): void {
    if (e.key === 'Escape' && this._query) {
      e.preventDefault();
      this._query = '';
    }
  }

  private _results() {
    const view = this.view;
    const m = msg(this.language).kiosk;
    if (!view) return nothing;
    const depts = new Map(view.depts.map((d) => [d.deptId, d] as const));
    if (!this._query.trim()) {
      const groups = receptionGroups(view);
      let left = MAX_ROWS;
      return html`<p class="sr-only" role="status" data-testid="search-count"></p>
        <div class="results" id="results" data-testid="search-results">
          <h3>${m.allPeople}</h3>
          ${groups.map((g) => {
            if (left <= 0) return nothing;
            const people = g.people.slice(0, left);
            left -= people.length;
            const id = `grp-${g.deptId ?? 'other'}`;
            return html`<section aria-labelledby=${id}>
              <h4 id=${id}>${g.name ?? msg(this.language).otherDept}</h4>
              <ul>
                ${repeat(
                  people,
                  (p) => p.personId,
                  (p) => this._person(p, depts.get(p.deptId) ?? null),
                )}
              </ul>
            </section>`;
          })}
          ${view.people.length > MAX_ROWS ? html`<p class="count" data-testid="search-more">${m.moreResults(MAX_ROWS, view.people.length)}</p>` : nothing}
        </div>`;
    }
    const result = searchDirectory(view, this._query);
    const none = result.depts.length === 0 && result.people.length === 0;
    return html`<p class="count" role="status" data-testid="search-count">${none ? m.noResults(this._query.trim()) : m.resultCount(result.depts.length, result.totalPeople)}</p>
      <div class="results" id="results" data-testid="search-results">
        ${result.depts.length > 0
          ? html`<section aria-labelledby="hits-depts">
              <h3 id="hits-depts">${m.deptHits}</h3>
              <ul>
                ${repeat(
                  result.depts,
                  (h) => h.dept.deptId,
                  (h) => this._dept(h),
                )}
              </ul>
            </section>`
          : nothing}
        ${result.people.length > 0
          ? html`<section aria-labelledby="hits-people">
              <h3 id="hits-people">${m.peopleHits}</h3>
              <ul>
                ${repeat(
                  result.people,
                  (h) => h.person.personId,
                  (h) => this._person(h.person, h.dept, h.why),
                )}
              </ul>
            </section>`
          : nothing}
        ${result.totalPeople > result.people.length ? html`<p class="count" data-testid="search-more">${m.moreResults(result.people.length, result.totalPeople)}</p>` : nothing}
      </div>`;
  }

  private _why(why: MatchReason | null): string | null {
    const m = msg(this.language).kiosk;
    if (!why) return null;
    if (why.field === 'task') return m.matchedTask(why.text);
    if (why.field === 'group') return m.matchedGroup(why.text);
    return null;
  }

  private _dept(h: DeptHit) {
    const why = this._why(h.why);
    return html`<li data-testid="search-dept-hit" data-dept=${h.dept.deptId}>
      ${why ? html`<span class="why" data-testid="search-why">${why}</span>` : nothing}
      <om-dept-card .dept=${h.dept} .now=${this.now} language=${this.language} level="4" actions></om-dept-card>
    </li>`;
  }

  private _person(p: PersonPublic, dept: DeptPublic | null, why: MatchReason | null = null) {
    const m = msg(this.language);
    const k = m.kiosk;
    // PR-2: when someone is back, never why
    const back = p.presence === 'available' ? null : backAtText(p.backAt, this.now, this.language);
    const until = p.diversion ? untilText(p.diversion.until, this.now, this.language) : null;
    const contact = personContact(p, dept);
    const matched = this._why(why);
    return html`<li class="person" data-testid="reception-row" data-person=${p.personId} data-presence=${p.presence} data-dept=${p.deptId}>
      <div class="who">
        <span class="name" data-testid="person-name">${p.name}</span>
        ${p.title ? html`<span class="title">${p.title}</span>` : nothing}
        <span class="dept" data-testid="person-dept"><span class="sr-only">${k.department}: </span>${dept?.name ?? m.otherDept}</span>
        ${matched ? html`<span class="why" data-testid="search-why">${matched}</span>` : nothing}
      </div>
      <div class="state">
        <om-presence-badge .presence=${p.presence} language=${this.language}></om-presence-badge>
        ${back ? html`<span data-testid="reception-back-at">${back}</span>` : nothing}
        <span data-testid="reception-diversion">${p.diversion ? html`${m.divertedTo(p.diversion.toName)}${until ? ` ${until}` : ''}` : nothing}</span>
      </div>
      <div class="contact">
        ${contact.kind === 'extension'
          ? html`<span data-testid="reception-extension"><span class="label">${k.extension}</span>${contact.number}</span>`
          : contact.kind === 'group'
            ? html`<span data-testid="reception-function-number"><span class="label">${k.functionNumber}</span>${contact.group.number}</span
                ><span class="note">${k.useFunctionNumber} (RT-1)</span>`
            : nothing}
      </div>
      ${takesMessages(p)
        ? html`<button class="secondary" data-testid="take-message-button" data-target=${p.personId} aria-label=${k.takeMessageLabel(p.name)} @click=${(e: Event) => this._take(e, { kind: 'person', id: p.personId })}>
            ${k.takeMessage}
          </button>`
        : html`<p class="note" data-testid="no-message-note">${k.noSwitchboardMessage}</p>`}
    </li>`;
  }

  /** Fired from the button itself, so the view can give focus back to it when the form closes. */
  private _take(e: Event, target: MessageTarget): void {
    (e.currentTarget as HTMLElement).dispatchEvent(new CustomEvent<MessageTarget>('om-take-message', { detail: target, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-directory-search': OmDirectorySearch;
  }
}
