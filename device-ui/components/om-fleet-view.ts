import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { FleetDevice, FleetList, FleetState, FleetUnknownDevice } from '../../protocol/fleet.js';
import { ClockController } from '../controllers/clock-controller.js';
import { ERROR_RULES, msg, whenText, type Lang } from '../i18n/index.js';
import type { ErrorCode } from '../../protocol/index.js';
import { buttonStyles, errorStyles, srOnly } from '../styles.js';
import { FleetFeedController } from './om-fleet-feed.js';
import './om-connection-banner.js';

export type FleetFilter = 'all' | 'offline' | 'errors';
const FILTERS: readonly FleetFilter[] = ['all', 'offline', 'errors'];

/** Problems first: offline, then never seen, then online; by id within each. */
const STATE_ORDER: Record<FleetState, number> = { offline: 0, 'never-seen': 1, online: 2 };

export function sortDevices(devices: readonly FleetDevice[]): FleetDevice[] {
  return [...devices].sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
}

export function filterDevices(devices: readonly FleetDevice[], filter: FleetFilter): FleetDevice[] {
  if (filter === 'offline') return devices.filter((d) => d.state !== 'online');
  if (filter === 'errors') return devices.filter((d) => d.lastError !== null);
  return [...devices];
}

const ICONS: Record<FleetState, ReturnType<typeof svg>> = {
  online: svg`<path d="M3 8.5l3.2 3.2L13 5" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>`,
  offline: svg`<path d="M4 4l8 8M12 4l-8 8" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/>`,
  'never-seen': svg`<circle cx="8" cy="8" r="5" fill="none" stroke="currentColor" stroke-width="2" stroke-dasharray="2.6 2"/>`,
};

/**
 * The fleet page for IT (/fleet on the admin API's port): asks for the admin token once, then
 * shows every device in the directory — kind, whom it belongs to, online/offline (text and
 * icon) and since when, firmware, last refused request (code, rule, time), update progress —
 * with the problems first, filters, and the status from ids not in the directory apart.
 * Rows: data-testid="fleet-row" data-device data-state; cells fleet-kind, fleet-owner,
 * fleet-status, fleet-since, fleet-fw, fleet-error, fleet-update.
 */
@customElement('om-fleet-view')
export class OmFleetView extends LitElement {
  static override styles = [
    srOnly,
    buttonStyles,
    errorStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 100%;
        min-height: 0;
        font-size: 15px;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4em 1.5em;
        background: var(--om-header-bg);
        color: var(--om-header-fg);
        padding: 0.6em 1.2em;
      }
      h1 {
        margin: 0;
        font-size: 1.45em;
      }
      .summary {
        margin: 0;
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0.2em 1em;
        flex: 1;
      }
      .summary strong {
        font-size: 1.25em;
      }
      header button {
        background: var(--om-card-bg);
        color: var(--om-primary-bg);
        min-height: 36px;
        padding: 0.3em 0.9em;
      }
      main {
        flex: 1;
        min-height: 0;
        overflow: auto;
        padding: 0.8em 1.2em 1.5em;
      }
      fieldset {
        border: none;
        margin: 0 0 0.8em;
        padding: 0;
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4em;
      }
      legend {
        float: left;
        margin-right: 0.6em;
        font-weight: 600;
      }
      .filter input {
        position: absolute;
        opacity: 0;
        width: 1px;
        height: 1px;
        margin: 0;
      }
      .filter label {
        display: inline-block;
        cursor: pointer;
        border: 2px solid var(--om-primary-bg);
        border-radius: 0.5em;
        padding: 0.35em 0.9em;
        background: var(--om-card-bg);
        color: var(--om-primary-bg);
        font-weight: 600;
      }
      .filter input:checked + label {
        background: var(--om-primary-bg);
        color: var(--om-primary-fg);
      }
      .filter input:focus-visible + label {
        outline: 3px solid var(--om-warning-bg);
        outline-offset: 2px;
        box-shadow: 0 0 0 5px var(--om-page-fg);
      }
      section {
        background: var(--om-card-bg);
        color: var(--om-card-fg);
        border-radius: 0.5em;
        box-shadow: 0 1px 3px rgb(0 0 0 / 0.15);
        padding: 0.4em 0.8em 0.6em;
        margin-bottom: 1.2em;
      }
      h2 {
        font-size: 1.15em;
        margin: 0.4em 0;
      }
      table {
        width: 100%;
        border-collapse: collapse;
      }
      thead th {
        text-align: left;
        font-size: 0.8em;
        text-transform: uppercase;
        letter-spacing: 0.04em;
        color: var(--om-muted-fg);
        font-weight: 600;
        padding: 0.3em 0.8em 0.35em 0;
        border-bottom: 1px solid #d5d8dc;
        white-space: nowrap;
      }
      td,
      tbody th {
        text-align: left;
        padding: 0.4em 0.8em 0.4em 0;
        border-bottom: 1px solid #eceef0;
        vertical-align: top;
      }
      tbody th {
        font-weight: 600;
        white-space: nowrap;
      }
      .id,
      .fw,
      code {
        font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace;
        font-size: 0.95em;
      }
      .nowrap {
        white-space: nowrap;
      }
      progress {
        inline-size: 6em;
        vertical-align: middle;
      }
      .sub {
        display: block;
        font-size: 0.87em;
        color: var(--om-muted-fg);
      }
      .state {
        display: inline-flex;
        align-items: center;
        gap: 0.3em;
        border-radius: 999px;
        padding: 0.1em 0.65em 0.1em 0.45em;
        font-weight: 600;
        white-space: nowrap;
      }
      .state svg {
        width: 1em;
        height: 1em;
        flex: none;
      }
      .state-online {
        background: var(--om-presence-available-bg);
        color: var(--om-presence-available-fg);
      }
      .state-offline {
        background: var(--om-danger-bg);
        color: var(--om-danger-fg);
      }
      .state-never-seen {
        background: var(--om-presence-absent-bg);
        color: var(--om-presence-absent-fg);
      }
      .message {
        padding: 1em 0;
      }
      form {
        max-width: 34em;
        margin: 2em auto;
        background: var(--om-card-bg);
        color: var(--om-card-fg);
        border-radius: 0.5em;
        box-shadow: 0 1px 3px rgb(0 0 0 / 0.15);
        padding: 1em 1.4em 1.4em;
      }
      form label {
        display: block;
        font-weight: 600;
        margin: 1em 0 0.3em;
      }
      form input {
        font: inherit;
        width: 100%;
        box-sizing: border-box;
        padding: 0.5em 0.6em;
        border: 2px solid var(--om-muted-fg);
        border-radius: 0.4em;
        margin-bottom: 0.9em;
      }
      form input:focus-visible {
        outline: 3px solid var(--om-primary-bg);
        outline-offset: 1px;
      }
    `,
  ];

  @property() language: Lang = 'da';
  @state() private _filter: FleetFilter = 'all';
  private readonly _feed = new FleetFeedController(this);
  private readonly _clock = new ClockController(this, 5000);

  override render() {
    const m = msg(this.language).fleet;
    const feed = this._feed;
    if (!feed.loggedIn) return this._login();
    const list = feed.list;
    const now = this._clock.now;
    return html`<header>
        <h1>${m.heading}</h1>
        ${list ? this._summary(list) : nothing}
        <button type="button" data-testid="fleet-logout" @click=${() => feed.logout()}>${m.logout}</button>
      </header>
      <om-connection-banner ?down=${feed.failing} .asOf=${feed.receivedAt ? new Date(feed.receivedAt).toISOString() : null} .now=${now} language=${this.language}></om-connection-banner>
      <main>${list ? this._fleet(list) : html`<p class="message" role="status">${m.loading}</p>`}</main>`;
  }

  private _login() {
    const m = msg(this.language).fleet;
    const feed = this._feed;
    const problem = feed.problem === 'wrong-token' ? m.wrongToken : feed.problem === 'unreachable' ? m.unreachable : null;
    return html`<main>
      <form data-testid="fleet-login" @submit=${this._submit} aria-labelledby="login-heading">
        <h1 id="login-heading">${m.loginHeading}</h1>
        <p id="login-intro">${m.loginIntro}</p>
        <label for="token">${m.tokenLabel}</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck="false"
          required
          aria-describedby="login-intro${problem ? ' login-error' : ''}"
          aria-invalid=${problem === m.wrongToken ? 'true' : 'false'}
          data-testid="fleet-token"
        />
        <button type="submit" data-testid="fleet-login-submit" ?disabled=${feed.checking}>${feed.checking ? m.checking : m.login}</button>
        ${problem ? html`<p class="error" id="login-error" role="alert" data-testid="fleet-login-error">${problem}</p>` : nothing}
      </form>
    </main>`;
  }

  private _submit(e: SubmitEvent): void {
    e.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#token');
    const token = input?.value.trim() ?? '';
    if (!token) return;
    void this._feed.login(token);
  }

  private _summary(list: FleetList) {
    const m = msg(this.language).fleet;
    const s = list.summary;
    return html`<p class="summary" data-testid="fleet-summary" role="status">
      <strong data-testid="fleet-summary-online">${m.summary(s.online, s.total)}</strong>
      ${s.offline ? html`<span>${m.summaryOffline(s.offline)}</span>` : nothing}
      ${s.neverSeen ? html`<span>${m.summaryNeverSeen(s.neverSeen)}</span>` : nothing}
      ${s.withErrors ? html`<span>${m.summaryErrors(s.withErrors)}</span>` : nothing}
      ${s.unknown ? html`<span>${m.summaryUnknown(s.unknown)}</span>` : nothing}
    </p>`;
  }

  private _fleet(list: FleetList) {
    const m = msg(this.language).fleet;
    const s = list.summary;
    const counts: Record<FleetFilter, number> = { all: s.total, offline: s.offline + s.neverSeen, errors: s.withErrors };
    const label: Record<FleetFilter, (n: number) => string> = { all: m.filterAll, offline: m.filterOffline, errors: m.filterErrors };
    const rows = sortDevices(filterDevices(list.devices, this._filter));
    const hubNow = this._hubNow(list);
    return html`<fieldset class="filter" data-testid="fleet-filters">
        <legend>${m.filterLegend}</legend>
        ${FILTERS.map(
          (f) => html`<input type="radio" name="filter" id="filter-${f}" value=${f} .checked=${this._filter === f} @change=${() => (this._filter = f)} data-testid="fleet-filter-${f}" /><label for="filter-${f}">${label[f](counts[f])}</label>`,
        )}
      </fieldset>
      <section>
        <table aria-label=${m.tableLabel} data-testid="fleet-table">
          <thead>
            <tr>
              <th scope="col">${m.colDevice}</th>
              <th scope="col">${m.colKind}</th>
              <th scope="col">${m.colOwner}</th>
              <th scope="col">${m.colStatus}</th>
              <th scope="col">${m.colSince}</th>
              <th scope="col">${m.colFw}</th>
              <th scope="col">${m.colError}</th>
              <th scope="col">${m.colUpdate}</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map((d) => this._row(d, hubNow))}
          </tbody>
        </table>
        ${rows.length ? nothing : html`<p class="message" data-testid="fleet-none">${m.noneMatch}</p>`}
      </section>
      ${list.unknown.length ? this._unknown(list.unknown, hubNow) : nothing}`;
  }

  /** The hub's time now: its clock at the last answer plus what has passed here since. */
  private _hubNow(list: FleetList): Date {
    const at = Date.parse(list.at);
    return Number.isNaN(at) ? this._clock.now : new Date(at + (this._clock.now.getTime() - this._feed.receivedAt));
  }

  private _row(d: FleetDevice, now: Date) {
    const m = msg(this.language).fleet;
    const err = d.lastError;
    const rule = err ? (err.rule ?? ERROR_RULES[err.code as ErrorCode] ?? null) : null;
    const errWhen = err ? whenText(err.at, now, this.language) : null;
    return html`<tr data-testid="fleet-row" data-device=${d.deviceId} data-state=${d.state}>
      <th scope="row" class="id" data-testid="fleet-device">${d.deviceId}</th>
      <td data-testid="fleet-kind">${m.kind[d.kind]}</td>
      <td data-testid="fleet-owner">
        ${d.person ? html`${d.person.name}${d.dept ? html` <span class="sub">${d.dept.name}</span>` : nothing}` : d.kind === 'kiosk' ? m.reception : nothing}
      </td>
      <td data-testid="fleet-status">${this._state(d.state)}</td>
      <td data-testid="fleet-since">${this._since(d.since, d.sinceBefore, now)}</td>
      <td class="fw" data-testid="fleet-fw">${d.fw ?? nothing}</td>
      <td data-testid="fleet-error" data-code=${err?.code ?? ''} data-rule=${rule ?? ''}>
        ${err
          ? html`<code>${err.code}</code>${rule ? ` (${rule})` : nothing}${errWhen ? html` <span class="sub"><time datetime=${err.at}>${errWhen}</time></span>` : nothing}`
          : nothing}
      </td>
      <td data-testid="fleet-update" data-state=${d.update?.state ?? ''}>${d.update ? this._update(d.deviceId, d.update) : nothing}</td>
    </tr>`;
  }

  /** "Henter ▓▓░ 45 %": the state in words, and a bar while there is a total to count against. */
  private _update(deviceId: string, u: NonNullable<FleetDevice['update']>) {
    const m = msg(this.language).fleet;
    const label = m.update[u.state] ?? u.state;
    if (!u.total || u.done === null || u.state === 'confirmed') return label;
    const pct = Math.min(100, Math.floor((u.done / u.total) * 100));
    return html`${label} <progress max=${u.total} value=${u.done} aria-label=${m.updateOf(deviceId)}></progress> <span class="sub">${pct} %</span>`;
  }

  private _state(s: FleetState) {
    const m = msg(this.language).fleet;
    return html`<span class="state state-${s}"><svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">${ICONS[s]}</svg>${m.state[s]}</span>`;
  }

  /** "kl. 10.02" and "for 3 min. siden"; 24-hour, Europe/Copenhagen (i18n/format.ts). */
  private _since(since: string | null, before: boolean, now: Date) {
    if (!since) return nothing;
    const m = msg(this.language).fleet;
    const when = whenText(since, now, this.language);
    if (!when) return nothing;
    const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 1000));
    return html`<time class="nowrap" datetime=${since}>${before ? m.atLatest(when) : when}</time> <span class="sub">${m.ago(seconds)}</span>`;
  }

  private _unknown(devices: readonly FleetUnknownDevice[], now: Date) {
    const m = msg(this.language).fleet;
    return html`<section aria-labelledby="unknown-heading" data-testid="fleet-unknown">
      <h2 id="unknown-heading">${m.unknownHeading}</h2>
      <p>${m.unknownIntro}</p>
      <table aria-labelledby="unknown-heading">
        <thead>
          <tr>
            <th scope="col">${m.colDevice}</th>
            <th scope="col">${m.colKind}</th>
            <th scope="col">${m.colStatus}</th>
            <th scope="col">${m.colSince}</th>
            <th scope="col">${m.colFw}</th>
            <th scope="col">${m.colSeen}</th>
          </tr>
        </thead>
        <tbody>
          ${devices.map(
            (d) => html`<tr data-testid="fleet-unknown-row" data-device=${d.deviceId} data-state=${d.online ? 'online' : 'offline'}>
              <th scope="row" class="id">${d.deviceId}</th>
              <td>${m.kind[d.kind]}</td>
              <td>${this._state(d.online ? 'online' : 'offline')}</td>
              <td>${this._since(d.since, d.sinceBefore, now)}</td>
              <td class="fw">${d.fw}</td>
              <td>${this._since(d.seenAt, false, now)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'om-fleet-view': OmFleetView;
  }
}
