import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { DeviceView, PersonPublic } from '../../protocol/index.js';
import { backAtText, clockTime, msg, untilText, type Lang } from '../i18n/index.js';
import { receptionGroups, type DeptGroup } from '../view-model.js';
import './om-presence-badge.js';

/**
 * The reception kiosk (1920×1080): everyone in view.people by department, with presence,
 * diversion and back-at. PR-2: when someone is back, never why. RT-1: a null extension
 * (sensitive department) shows nothing.
 * Rows: data-testid="reception-row" data-person; cells reception-extension, reception-diversion.
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
      justify-content: space-between;
      align-items: center;
      background: var(--om-header-bg);
      color: var(--om-header-fg);
      padding: 0.6em 1.2em;
    }
    h1 {
      margin: 0;
      font-size: 1.6em;
    }
    .clock {
      font-size: 1.6em;
      font-weight: 700;
      font-variant-numeric: tabular-nums;
    }
    main {
      flex: 1;
      min-height: 0;
      overflow-y: auto;
      padding: 1em 1.2em;
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(36em, 1fr));
      gap: 1em;
      align-content: start;
      align-items: start;
    }
    section {
      background: var(--om-card-bg);
      color: var(--om-card-fg);
      border-radius: 0.5em;
      padding: 0.6em 0.9em 0.8em;
      box-shadow: 0 1px 3px rgb(0 0 0 / 0.15);
    }
    h2 {
      margin: 0 0 0.4em;
      font-size: 1.15em;
    }
    table {
      width: 100%;
      border-collapse: collapse;
      table-layout: fixed;
    }
    col.c-name {
      width: 30%;
    }
    col.c-ext {
      width: 5.2em;
    }
    col.c-presence {
      width: 34%;
    }
    .back {
      display: block;
      margin-top: 0.15em;
    }
    thead th {
      text-align: left;
      font-size: 0.75em;
      text-transform: uppercase;
      letter-spacing: 0.04em;
      color: var(--om-muted-fg);
      font-weight: 600;
      padding: 0 0.4em 0.3em 0;
      border-bottom: 1px solid #d5d8dc;
    }
    td,
    tbody th {
      text-align: left;
      padding: 0.35em 0.4em 0.35em 0;
      border-bottom: 1px solid #eceef0;
      vertical-align: middle;
    }
    tr:last-child td,
    tr:last-child th {
      border-bottom: none;
    }
    .name {
      font-weight: 600;
    }
    .title {
      display: block;
      font-size: 0.75em;
      color: var(--om-muted-fg);
      font-weight: 400;
    }
    .ext {
      font-variant-numeric: tabular-nums;
    }
    .small {
      font-size: 0.85em;
    }
    .until {
      display: block;
      font-size: 0.8em;
      color: var(--om-muted-fg);
    }
  `;

  @property({ attribute: false }) view: DeviceView | null = null;
  @property() language: Lang = 'da';
  @property({ attribute: false }) now: Date = new Date();

  override render() {
    const m = msg(this.language);
    const view = this.view;
    const time = clockTime(this.now, this.language);
    return html`<header>
        <h1>${m.receptionTitle}</h1>
        <div class="clock" role="timer" aria-label=${m.clockLabel(time)}>${time}</div>
      </header>
      <main>${view ? receptionGroups(view).map((g) => this._group(g)) : nothing}</main>`;
  }

  private _group(g: DeptGroup) {
    const m = msg(this.language);
    const id = `dept-${g.deptId ?? 'other'}`;
    return html`<section aria-labelledby=${id} data-testid="reception-dept" data-dept=${g.deptId ?? ''}>
      <h2 id=${id}>${g.name ?? m.otherDept}</h2>
      <table aria-labelledby=${id}>
        <colgroup>
          <col class="c-name" />
          <col class="c-ext" />
          <col class="c-presence" />
          <col />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">${m.colName}</th>
            <th scope="col">${m.colExtension}</th>
            <th scope="col">${m.colPresence}</th>
            <th scope="col">${m.colDiversion}</th>
          </tr>
        </thead>
        <tbody>
          ${g.people.map((p) => this._row(p))}
        </tbody>
      </table>
    </section>`;
  }

  private _row(p: PersonPublic) {
    const m = msg(this.language);
    const back = p.presence === 'available' ? null : backAtText(p.backAt, this.now, this.language);
    const until = p.diversion ? untilText(p.diversion.until, this.now, this.language) : null;
    return html`<tr data-testid="reception-row" data-person=${p.personId} data-presence=${p.presence}>
      <th scope="row" class="name">${p.name}${p.title ? html`<span class="title">${p.title}</span>` : nothing}</th>
      <td class="ext" data-testid="reception-extension">${p.extension ?? nothing}</td>
      <td>
        <om-presence-badge .presence=${p.presence} language=${this.language}></om-presence-badge>
        ${back ? html`<span class="back small" data-testid="reception-back-at">${back}</span>` : nothing}
      </td>
      <td class="small" data-testid="reception-diversion">
        ${p.diversion ? html`${m.divertedTo(p.diversion.toName)}${until ? html`<span class="until">${until}</span>` : nothing}` : nothing}
      </td>
    </tr>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-reception-view': OmReceptionView;
  }
}
