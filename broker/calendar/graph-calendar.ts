/**
 * The CalendarSource port over Microsoft Graph (PR-3, DV-5), with Node's global `fetch` and no SDK.
 *
 * Events come from the calendarView delta function (`GET /users/{user}/calendarView/delta`), which
 * already expands recurrences: every event is one occurrence. The first round pages through
 * `@odata.nextLink` to an `@odata.deltaLink`; later rounds start from that link and get only what
 * changed, deleted events as `{ id, "@removed": { reason } }`. A deltaLink is bound to the window it
 * was made for: a window outside it, a 410 Gone, or `syncStateNotFound`/`resyncRequired` start a
 * full round again. Throttling (429, 503) is retried after `Retry-After` seconds.
 *
 * Also the mailbox's automatic replies (seed 000: "Autosvar i Outlook aktiveres ved fravær"):
 * `GET /users/{user}/mailboxSettings/automaticRepliesSetting` and `PATCH /users/{user}/mailboxSettings`.
 *
 * Shapes follow Graph's documentation: event: delta, "Get incremental changes to events in a
 * calendar view", "Use delta query" (synchronization reset), automaticRepliesSetting, Update user
 * mailbox settings, Microsoft Graph throttling guidance, and Microsoft Graph error responses.
 */
import { IANAZone } from 'luxon';
import { CalendarError, type CalendarChanges, type CalendarItem, type CalendarSource, type Occurrence, type ShowAs, type SyncWindow } from './calendar-source.js';
import { formatClock, formatDate, type Lang } from '../policy/hours/hours-text.js';
import { addDays, localDate, localDay, localDayOf, localTime, wallInstant } from '../policy/hours/zone.js';
import { windowsToIana } from './ics/windows-zones.js';

export type AutoReplyStatus = 'disabled' | 'alwaysEnabled' | 'scheduled';
export type ExternalAudience = 'none' | 'contactsOnly' | 'all';

/** A mailbox's automatic replies ("Autosvar"), in our terms: instants instead of Graph's dateTimeTimeZone. */
export interface AutoReply {
  status: AutoReplyStatus;
  /** ISO instants; Graph uses them when `status` is `scheduled` */
  start?: string;
  end?: string;
  internalMessage?: string;
  externalMessage?: string;
  externalAudience?: ExternalAudience;
}

export interface GraphCalendarOptions {
  id: string;
  personId: string;
  /** userPrincipalName or object id */
  user: string;
  baseUrl?: string;
  /** a bearer token for Graph (the caller caches and refreshes it) */
  token: () => Promise<string>;
  /**
   * The delta round covers whole Copenhagen days from the window's first day, at least this many
   * days; a later window inside it reuses the deltaLink, one reaching outside starts a full round.
   * Default: just the days the window touches.
   */
  windowDays?: number;
  /** per request, body included (default 15 s) */
  timeoutMs?: number;
  /** retries after 429/503 before giving up with `throttled` (default 3) */
  maxRetries?: number;
  /** a longer Retry-After than this is not waited out: `throttled` at once, for the sync engine to schedule (default 60 s) */
  maxRetryWaitMs?: number;
  /** the zone Graph is asked to write times in (`Prefer: outlook.timezone`); default UTC. Any zone is read correctly. */
  preferTimeZone?: string;
  /** `Prefer: odata.maxpagesize` (default 50) */
  pageSize?: number;
  /** how waiting is done (default: a timer); tests pass a recording fake */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Graph's dateTimeTimeZone. */
export interface GraphDateTime {
  dateTime: string;
  timeZone?: string | null;
}

/** The event properties this adapter reads (Graph sends many more). */
interface GraphEvent {
  id: string;
  subject?: string | null;
  start?: GraphDateTime | null;
  end?: GraphDateTime | null;
  isAllDay?: boolean | null;
  isCancelled?: boolean | null;
  showAs?: string | null;
  seriesMasterId?: string | null;
}

interface DeltaState {
  link: string;
  window: { from: number; to: number };
}

interface Received {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

const MINUTE = 60_000;

/** Raised inside a round when Graph has forgotten our sync state; the round starts over in full. */
class ResyncNeeded extends Error {}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      signal?.removeEventListener('abort', abort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });

export class GraphCalendar implements CalendarSource {
  readonly kind = 'graph' as const;
  readonly id: string;
  readonly personId: string;
  private readonly base: string;
  private readonly userPath: string;
  private readonly opts: GraphCalendarOptions;
  private delta: DeltaState | null = null;
  /** the events last seen, trimmed to what we read, so a partial update can be completed */
  private known = new Map<string, GraphEvent>();

  constructor(opts: GraphCalendarOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.personId = opts.personId;
    this.base = (opts.baseUrl ?? 'https://graph.microsoft.com/v1.0').replace(/\/+$/, '');
    this.userPath = `${this.base}/users/${encodeURIComponent(opts.user)}`;
  }

  async sync(window: SyncWindow, signal?: AbortSignal): Promise<CalendarChanges> {
    const counter = { bytes: 0 };
    try {
      return await this.syncRounds(window, counter, signal);
    } catch (err) {
      throw this.asCalendarError(err, signal);
    }
  }

  /** Automatic replies as the mailbox has them. Rejects with CalendarError. */
  async getAutoReply(signal?: AbortSignal): Promise<AutoReply> {
    try {
      const res = await this.request('GET', `${this.userPath}/mailboxSettings/automaticRepliesSetting`, undefined, { bytes: 0 }, signal);
      if (res.status < 200 || res.status > 299) throw this.httpError(res);
      return fromGraphAutoReply(this.object(res.body, 'automaticRepliesSetting'), this.id);
    } catch (err) {
      throw this.asCalendarError(err, signal);
    }
  }

  /** Sets the mailbox's automatic replies; resolves to what Graph reports back. Rejects with CalendarError. */
  async setAutoReply(reply: AutoReply, signal?: AbortSignal): Promise<AutoReply> {
    const body = { automaticRepliesSetting: toGraphAutoReply(reply) };
    try {
      const res = await this.request('PATCH', `${this.userPath}/mailboxSettings`, body, { bytes: 0 }, signal);
      if (res.status < 200 || res.status > 299) throw this.httpError(res);
      const echoed = (res.body as { automaticRepliesSetting?: unknown } | null)?.automaticRepliesSetting;
      return echoed && typeof echoed === 'object' ? fromGraphAutoReply(echoed as Record<string, unknown>, this.id) : reply;
    } catch (err) {
      throw this.asCalendarError(err, signal);
    }
  }

  // ---- calendarView delta ----

  private async syncRounds(window: SyncWindow, counter: { bytes: number }, signal?: AbortSignal): Promise<CalendarChanges> {
    const from = window.from.getTime();
    const to = window.to.getTime();
    if (!(from <= to)) throw new CalendarError(this.id, 'parse', `bad sync window: ${String(window.from)} .. ${String(window.to)}`);
    let restarted = false;
    for (;;) {
      const prev = this.delta;
      // PR-3: a deltaLink only knows the window it was made for; outside it, start over in full
      const full = !prev || from < prev.window.from || to > prev.window.to;
      const win = full ? this.roundWindow(from, to) : prev.window;
      try {
        return await this.round(full, full ? this.initialUrl(win) : prev.link, win, counter, signal);
      } catch (err) {
        if (!(err instanceof ResyncNeeded)) throw err;
        this.delta = null;
        if (restarted) throw new CalendarError(this.id, 'http', `Graph forgot the sync state again right after a full restart: ${err.message}`);
        restarted = true;
      }
    }
  }

  /** One round: pages until a deltaLink, then commits the new state. */
  private async round(full: boolean, firstUrl: string, win: DeltaState['window'], counter: { bytes: number }, signal?: AbortSignal): Promise<CalendarChanges> {
    const known = full ? new Map<string, GraphEvent>() : this.known;
    const items = new Map<string, CalendarItem>();
    const removed = new Set<string>();
    let url = firstUrl;
    for (let page = 0; ; page++) {
      if (page > 10_000) throw new CalendarError(this.id, 'parse', 'Graph kept sending nextLinks');
      const res = await this.request('GET', url, undefined, counter, signal);
      if (isResync(res)) throw new ResyncNeeded(`HTTP ${res.status} ${errorCode(res.body) ?? ''}`.trim());
      if (res.status < 200 || res.status > 299) throw this.httpError(res);
      const body = this.object(res.body, 'calendarView delta page');
      const value = body.value;
      if (!Array.isArray(value)) throw new CalendarError(this.id, 'parse', 'calendarView delta page without a value array');
      for (const raw of value) {
        if (!raw || typeof raw !== 'object' || typeof (raw as GraphEvent).id !== 'string') throw new CalendarError(this.id, 'parse', 'event without an id');
        const entry = raw as GraphEvent & { '@removed'?: unknown };
        const id = entry.id;
        // PR-3: a deleted event (or one that left the window) comes as { id, @removed }; a cancelled one is gone too
        if (entry['@removed'] !== undefined || entry.isCancelled === true) {
          known.delete(id);
          items.delete(id);
          removed.add(id);
          continue;
        }
        const merged = mergeEvent(known.get(id), entry);
        if (!merged.start || !merged.end) {
          // an update naming only some properties of an event we never saw: only a full round can tell
          if (!full) throw new ResyncNeeded(`incomplete update of unknown event ${id}`);
          throw new CalendarError(this.id, 'parse', `event ${id} has no start or end`);
        }
        known.set(id, merged);
        items.set(id, { id, format: 'occurrences', occurrences: [this.occurrence(merged)] });
        removed.delete(id);
      }
      const next = body['@odata.nextLink'];
      const deltaLink = body['@odata.deltaLink'];
      if (typeof next === 'string') {
        url = this.checkLink(next);
      } else if (typeof deltaLink === 'string') {
        this.delta = { link: this.checkLink(deltaLink), window: win };
        this.known = known;
        return { full, items: [...items.values()], removed: [...removed], bytes: counter.bytes };
      } else {
        throw new CalendarError(this.id, 'parse', 'calendarView delta page with neither @odata.nextLink nor @odata.deltaLink');
      }
    }
  }

  /** The window a new round asks for: whole Copenhagen days, at least `windowDays` of them. */
  private roundWindow(from: number, to: number): DeltaState['window'] {
    const first = localDay(from);
    const last = localDay(to);
    let end = to === last.start ? last.start : last.end;
    const days = this.opts.windowDays;
    if (days !== undefined && days > 0) end = Math.max(end, wallInstant(addDays(first.date, Math.ceil(days)), 0));
    return { from: first.start, to: Math.max(end, first.end) };
  }

  private initialUrl(win: DeltaState['window']): string {
    const q = new URLSearchParams({ startDateTime: isoSeconds(win.from), endDateTime: isoSeconds(win.to) });
    return `${this.userPath}/calendarView/delta?${q}`;
  }

  /** The bearer token goes only where the configured base lives, whatever a link says. */
  private checkLink(link: string): string {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw new CalendarError(this.id, 'parse', `not a URL: ${link.slice(0, 200)}`);
    }
    if (url.origin !== new URL(this.base).origin) throw new CalendarError(this.id, 'parse', `Graph sent a link to another host (${url.origin}); not following it`);
    return url.href;
  }

  private occurrence(ev: GraphEvent): Occurrence {
    const allDay = ev.isAllDay === true;
    const start = this.instant(ev.start!, allDay, ev.id);
    let end = this.instant(ev.end!, allDay, ev.id);
    if (end < start) end = start;
    return {
      // every occurrence of a series shares the series master's id (iCalUId differs per occurrence in v1.0)
      uid: ev.seriesMasterId || ev.id,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      allDay,
      show: showAsOf(ev.showAs),
      // PR-2: private; the adapter passes it on and nothing else
      summary: ev.subject ? ev.subject : null,
    };
  }

  private instant(dt: GraphDateTime, allDay: boolean, eventId: string): number {
    try {
      // an all-day event runs from local midnight to local midnight, Europe/Copenhagen, whatever zone Graph wrote its dates in
      if (allDay) return localDayOf(dt.dateTime.slice(0, 10)).start;
      return fromGraphDateTime(dt).getTime();
    } catch (err) {
      throw new CalendarError(this.id, 'parse', `event ${eventId}: ${(err as Error).message}`);
    }
  }

  // ---- HTTP ----

  private async request(method: 'GET' | 'PATCH', url: string, body: unknown, counter: { bytes: number }, signal?: AbortSignal): Promise<Received> {
    const maxRetries = this.opts.maxRetries ?? 3;
    const maxWait = this.opts.maxRetryWaitMs ?? 60_000;
    const sleep = this.opts.sleep ?? defaultSleep;
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(method, url, body, counter, signal);
      if (res.status !== 429 && res.status !== 503) return res;
      // Graph's throttling guidance: wait the seconds Retry-After says, then retry; without one, back off
      const after = retryAfterMs(res.headers.get('retry-after'));
      const wait = after ?? Math.min(1000 * 2 ** attempt, 30_000);
      if (attempt >= maxRetries || wait > maxWait) {
        throw new CalendarError(this.id, 'throttled', `Graph answered ${res.status} ${attempt + 1} times; retry after ${Math.round(wait / 1000)} s`, wait);
      }
      await sleep(wait, signal);
    }
  }

  private async send(method: 'GET' | 'PATCH', url: string, body: unknown, counter: { bytes: number }, signal?: AbortSignal): Promise<Received> {
    if (signal?.aborted) throw signal.reason;
    let token: string;
    try {
      token = await this.opts.token();
    } catch (err) {
      throw new CalendarError(this.id, 'auth', `no token for Graph: ${(err as Error)?.message ?? err}`);
    }
    const timeoutMs = this.opts.timeoutMs ?? 15_000;
    const timer = new AbortController();
    const t = setTimeout(() => timer.abort(new CalendarError(this.id, 'timeout', `Graph did not answer within ${timeoutMs} ms`)), timeoutMs);
    const both = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      Prefer: `odata.maxpagesize=${this.opts.pageSize ?? 50}, outlook.timezone="${this.opts.preferTimeZone ?? 'UTC'}"`,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: both, redirect: 'error' });
      const buf = new Uint8Array(await res.arrayBuffer());
      counter.bytes += buf.byteLength;
      const text = new TextDecoder().decode(buf);
      let parsed: unknown = null;
      if (text.trim() !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          if (res.ok) throw new CalendarError(this.id, 'parse', `Graph sent something that is not JSON (HTTP ${res.status})`);
        }
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    } catch (err) {
      if (timer.signal.aborted && !signal?.aborted) throw timer.signal.reason;
      throw err;
    } finally {
      clearTimeout(t);
    }
  }

  private httpError(res: Received): CalendarError {
    const code = errorCode(res.body);
    const message = (res.body as { error?: { message?: unknown } } | null)?.error?.message;
    const what = `Graph answered HTTP ${res.status}${code ? ` ${code}` : ''}${typeof message === 'string' && message ? `: ${message.slice(0, 200)}` : ''}`;
    if (res.status === 401 || res.status === 403) return new CalendarError(this.id, 'auth', what);
    return new CalendarError(this.id, 'http', what);
  }

  private object(body: unknown, what: string): Record<string, unknown> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new CalendarError(this.id, 'parse', `${what}: not a JSON object`);
    return body as Record<string, unknown>;
  }

  /** Whatever went wrong becomes a CalendarError: the sync engine reports it per calendar and keeps going. */
  private asCalendarError(err: unknown, signal?: AbortSignal): CalendarError {
    if (err instanceof CalendarError) return err;
    if (signal?.aborted) return new CalendarError(this.id, 'unreachable', 'sync aborted');
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e?.name === 'TypeError' || e?.cause) {
      const why = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
      return new CalendarError(this.id, 'unreachable', `cannot reach Graph at ${this.base}: ${why}`);
    }
    return new CalendarError(this.id, 'parse', `unexpected: ${e?.message ?? String(err)}`);
  }
}

// ---- pure helpers ----

/** Graph's freeBusyStatus → ShowAs; `unknown` (or anything new) counts as busy. */
export function showAsOf(value: string | null | undefined): ShowAs {
  switch (value) {
    case 'free':
      return 'free';
    case 'tentative':
      return 'tentative';
    case 'oof':
      return 'oof';
    case 'workingElsewhere':
      return 'elsewhere';
    default:
      return 'busy';
  }
}

/** UTC as Graph may name it besides the Windows table's names. */
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'Coordinated Universal Time', 'tzone://Microsoft/Utc']);

const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;

/**
 * Graph's `{ dateTime, timeZone }` → an instant. `dateTime` is a wall-clock reading with no offset
 * ("2016-12-09T20:30:00.0000000") in `timeZone`: UTC when asked for (`Prefer: outlook.timezone="UTC"`,
 * also the default), otherwise an IANA or Windows zone name. Throws RangeError on what it cannot read.
 */
export function fromGraphDateTime(dt: GraphDateTime): Date {
  const text = String(dt.dateTime ?? '').replace(/Z$/, '');
  const m = DATE_TIME_RE.exec(text);
  if (!m) throw new RangeError(`not a Graph dateTime: ${JSON.stringify(dt.dateTime)}`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3)));
  const name = (dt.timeZone ?? 'UTC').trim() || 'UTC';
  // Windows zone names (mailbox settings, originalStartTimeZone) through the same table as ICS
  const iana = UTC_NAMES.has(name) ? 'UTC' : (windowsToIana(name) ?? name);
  if (UTC_NAMES.has(iana) || /Z$/.test(String(dt.dateTime))) return new Date(wall);
  const zone = IANAZone.create(iana);
  if (!zone.isValid) throw new RangeError(`unknown time zone: ${JSON.stringify(name)}`);
  // the offset at the wall time read as UTC, then corrected once: right except inside a DST change's hour
  let instant = wall - zone.offset(wall) * MINUTE;
  instant = wall - zone.offset(instant) * MINUTE;
  return new Date(instant);
}

/** An instant → Graph's `{ dateTime, timeZone: "UTC" }`. */
export function toGraphDateTime(iso: string): { dateTime: string; timeZone: 'UTC' } {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO instant: ${JSON.stringify(iso)}`);
  return { dateTime: new Date(ms).toISOString().slice(0, 19), timeZone: 'UTC' };
}

/** AutoReply → Graph's automaticRepliesSetting (only the fields given, as PATCH keeps the rest). */
export function toGraphAutoReply(reply: AutoReply): Record<string, unknown> {
  if (reply.status === 'scheduled' && (!reply.start || !reply.end)) throw new RangeError('a scheduled auto-reply needs start and end');
  const out: Record<string, unknown> = { status: reply.status };
  if (reply.externalAudience !== undefined) out.externalAudience = reply.externalAudience;
  if (reply.internalMessage !== undefined) out.internalReplyMessage = reply.internalMessage;
  if (reply.externalMessage !== undefined) out.externalReplyMessage = reply.externalMessage;
  if (reply.start !== undefined) out.scheduledStartDateTime = toGraphDateTime(reply.start);
  if (reply.end !== undefined) out.scheduledEndDateTime = toGraphDateTime(reply.end);
  return out;
}

const STATUSES: Record<string, AutoReplyStatus> = { disabled: 'disabled', alwaysenabled: 'alwaysEnabled', scheduled: 'scheduled' };
const AUDIENCES: Record<string, ExternalAudience> = { none: 'none', contactsonly: 'contactsOnly', all: 'all' };

/** Graph's automaticRepliesSetting → AutoReply. Graph's own examples write the enums in either case ("Scheduled", "All"). */
export function fromGraphAutoReply(raw: Record<string, unknown>, calendarId = 'graph'): AutoReply {
  const status = STATUSES[String(raw.status ?? '').toLowerCase()];
  if (!status) throw new CalendarError(calendarId, 'parse', `unknown automatic replies status ${JSON.stringify(raw.status)}`);
  const out: AutoReply = { status };
  const audience = AUDIENCES[String(raw.externalAudience ?? '').toLowerCase()];
  if (audience) out.externalAudience = audience;
  if (typeof raw.internalReplyMessage === 'string') out.internalMessage = raw.internalReplyMessage;
  if (typeof raw.externalReplyMessage === 'string') out.externalMessage = raw.externalReplyMessage;
  try {
    const start = raw.scheduledStartDateTime as GraphDateTime | undefined;
    const end = raw.scheduledEndDateTime as GraphDateTime | undefined;
    if (start?.dateTime) out.start = fromGraphDateTime(start).toISOString();
    if (end?.dateTime) out.end = fromGraphDateTime(end).toISOString();
  } catch (err) {
    throw new CalendarError(calendarId, 'parse', `automatic replies: ${(err as Error).message}`);
  }
  return out;
}

export interface AbsenceReplyInput {
  /** the absent person, who signs the reply */
  name: string;
  /** when they are back; null when nobody knows */
  backAt: Date | null;
  /** who to turn to instead */
  contact: { name: string; phone: string | null } | null;
  /** when the absence (and so the auto-reply) starts */
  from: Date;
}

/**
 * Seed 000: the automatic reply for an absence, in Danish or English, with the time the person is
 * back (Copenhagen wall clock, 24-hour) and who to contact instead. PR-2: never a reason — the
 * input has none to give.
 */
export function absenceAutoReply(input: AbsenceReplyInput, lang: Lang = 'da'): AutoReply {
  const { name, backAt, contact, from } = input;
  const scheduled = backAt !== null && backAt.getTime() > from.getTime();
  let first: string;
  if (backAt) {
    const date = localDate(backAt);
    const year = date.slice(0, 4) !== localDate(from).slice(0, 4) ? ` ${date.slice(0, 4)}` : '';
    const time = formatClock(localTime(backAt), lang);
    first =
      lang === 'da'
        ? `Jeg er ikke på kontoret og er tilbage ${formatDate(date, 'da')}${year} kl. ${time}.`
        : `I am out of the office and will be back on ${formatDate(date, 'en')}${year} at ${time}.`;
  } else {
    first = lang === 'da' ? 'Jeg er ikke på kontoret.' : 'I am out of the office.';
  }
  let turnTo = '';
  if (contact) {
    const phone = contact.phone ? (lang === 'da' ? `, telefon ${contact.phone}` : `, phone ${contact.phone}`) : '';
    turnTo = lang === 'da' ? ` Kontakt i stedet ${contact.name}${phone}.` : ` Please contact ${contact.name} instead${phone}.`;
  }
  const closing = lang === 'da' ? `Venlig hilsen\n${name}` : `Kind regards\n${name}`;
  const message = `${first}${turnTo}\n\n${closing}`;
  const reply: AutoReply = { status: scheduled ? 'scheduled' : 'alwaysEnabled', internalMessage: message, externalMessage: message, externalAudience: 'all' };
  if (scheduled) {
    reply.start = from.toISOString();
    reply.end = backAt!.toISOString();
  }
  return reply;
}

function mergeEvent(before: GraphEvent | undefined, update: GraphEvent): GraphEvent {
  const pick = (e: GraphEvent): GraphEvent => {
    const out: GraphEvent = { id: e.id };
    if (e.subject !== undefined) out.subject = e.subject;
    if (e.start !== undefined) out.start = e.start;
    if (e.end !== undefined) out.end = e.end;
    if (e.isAllDay !== undefined) out.isAllDay = e.isAllDay;
    if (e.isCancelled !== undefined) out.isCancelled = e.isCancelled;
    if (e.showAs !== undefined) out.showAs = e.showAs;
    if (e.seriesMasterId !== undefined) out.seriesMasterId = e.seriesMasterId;
    return out;
  };
  return { ...(before ?? {}), ...pick(update) };
}

/** Graph no longer knows our delta token: 410 Gone (synchronization reset) or an expired-token error code. */
function isResync(res: Received): boolean {
  if (res.status === 410) return true;
  if (res.status < 400 || res.status > 499) return false;
  const codes = errorCodes(res.body);
  return codes.includes('syncstatenotfound') || codes.includes('resyncrequired') || codes.includes('syncstateinvalid');
}

function errorCode(body: unknown): string | undefined {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The error code and every nested innerError code, lower-cased (Graph's errors page: look through them all). */
function errorCodes(body: unknown): string[] {
  const out: string[] = [];
  let e = (body as { error?: unknown } | null)?.error as { code?: unknown; innerError?: unknown; innererror?: unknown } | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 10; depth++) {
    if (typeof e.code === 'string') out.push(e.code.toLowerCase());
    e = (e.innerError ?? e.innererror) as typeof e;
  }
  return out;
}

/** Retry-After: delay-seconds (what Graph sends) or an HTTP-date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
