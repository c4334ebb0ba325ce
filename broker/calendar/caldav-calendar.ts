/**
 * CalDAV calendar (tsdav): one calendar collection, synced incrementally with RFC 6578
 * `sync-collection` (PR-3: the calendar is a presence source).
 *
 * - The first `sync()` sends an empty sync token and gets every item (`full: true`); later
 *   calls send the token the server returned last time and get only the members that changed
 *   since (with their `calendar-data`) and the ones deleted (a 404 response per href).
 * - A server that no longer knows the token (RFC 6578 §3.2 `DAV:valid-sync-token`; 403, 409,
 *   410 or 412) gets a full sync instead. A server that truncates a result (§3.6, 507 on the
 *   collection) is asked again with the token it handed out, until the result is complete.
 * - A server that leaves `calendar-data` out of the report (some do) is asked for those
 *   items with a `calendar-multiget`.
 * The cost follows the changes, not the number of calendars: most polls find nothing changed,
 * and such an answer (a 207 multistatus with no `response` element, only the new `sync-token`)
 * is read here with two regular expressions. Any other answer is parsed by tsdav (`davRequest`,
 * handed the answer already received), whose response objects carry the parsed document
 * (`raw`, which holds the new `sync-token`). tsdav's own `smartCollectionSync` is not used: it
 * needs an account and the local objects, and always fetches the changed items a second time
 * with a multiget.
 *
 * Every request goes through one wrapped `fetch` that bounds the time (AbortController,
 * `timeoutMs`, and the caller's signal) and counts the body bytes received as they came over
 * the wire (compressed). The default fetch is `httpFetch` (node:http; see http-fetch.ts for why
 * not undici); a fetch passed in is counted by Content-Length, else the decoded length.
 * Every failure is a `CalendarError`; the sync token only moves when a sync succeeds.
 */
import { calendarMultiGet, davRequest, type DAVResponse } from 'tsdav';
import { CalendarError, type CalendarChanges, type CalendarItem, type CalendarSource, type SyncWindow } from './calendar-source.js';
import { BufferedResponse, httpFetch } from './http-fetch.js';

export interface CaldavCalendarOptions {
  /** unique among the hub's calendars, e.g. `caldav-anna` */
  id: string;
  personId: string;
  /** the calendar collection, e.g. `https://dav.example.dk/anna/kalender/` */
  url: string;
  username?: string;
  password?: string;
  /** per sync, all requests included; default 15 s */
  timeoutMs?: number;
  /** for tests; default `httpFetch` (node:http) */
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 15_000;
/** §3.6 follow-ups after a truncated result before giving up (a server that never finishes) */
const MAX_ROUNDS = 50;
const SYNC_PROPS = { 'c:calendar-data': {} };

/** A failure of the transport itself (no HTTP response), as opposed to a bug in the parsing. */
class TransportFailure extends Error {
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

/** Thrown by `report()` when the server rejects our sync token. */
class TokenRejected extends Error {}

/** `fetch` bounded by the sync's signal, counting bytes; its answers are read in full. */
export type CountingFetch = (input: string, init: RequestInit) => Promise<BufferedResponse>;

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMED_OUT = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export class CaldavCalendar implements CalendarSource {
  readonly kind = 'caldav' as const;
  readonly id: string;
  readonly personId: string;
  /** the collection, ending in `/` */
  readonly url: string;
  /** the request headers (authorization), the time bound and the fetch: shared with the home probe */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly fetchImpl: typeof fetch;
  private syncToken = '';

  constructor(opts: CaldavCalendarOptions) {
    this.id = opts.id;
    this.personId = opts.personId;
    this.url = opts.url.endsWith('/') ? opts.url : `${opts.url}/`;
    this.headers = opts.username !== undefined ? { authorization: `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')}` } : {};
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = opts.fetch ?? httpFetch;
  }

  /** the token of the last successful sync; '' = none yet (the next sync is full) */
  get token(): string {
    return this.syncToken;
  }

  /**
   * `window` is not used: a CalDAV calendar is synced whole and expanded by `ics/`.
   * One sync at a time per calendar (the sync engine does not overlap them).
   */
  async sync(_window: SyncWindow, signal?: AbortSignal): Promise<CalendarChanges> {
    if (signal?.aborted) throw new CalendarError(this.id, 'timeout', 'sync aborted by the caller');
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, this.timeoutMs);
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const counter = { bytes: 0 };
    const fetchCounted = countingFetch(this.fetchImpl, ac.signal, counter);
    try {
      let changes: Omit<CalendarChanges, 'bytes'>;
      let token: string;
      try {
        [changes, token] = await this.collect(this.syncToken, fetchCounted);
      } catch (err) {
        if (!(err instanceof TokenRejected)) throw err;
        // RFC 6578 §3.2: the server forgot our state; start again from nothing
        [changes, token] = await this.collect('', fetchCounted);
      }
      this.syncToken = token;
      return { ...changes, bytes: counter.bytes };
    } catch (err) {
      throw this.toCalendarError(err, timedOut, signal?.aborted === true);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** One sync from `fromToken` ('' = full), following truncated results (§3.6). */
  private async collect(fromToken: string, fetchCounted: CountingFetch): Promise<[Omit<CalendarChanges, 'bytes'>, string]> {
    const full = fromToken === '';
    const items = new Map<string, string | null>(); // href → data (null: ask with a multiget)
    const removed = new Set<string>();
    let token = fromToken;
    for (let round = 0; ; round++) {
      const page = await this.report(token, fetchCounted);
      for (const href of page.removed) {
        items.delete(href);
        if (!full) removed.add(href);
      }
      for (const [href, data] of page.items) {
        removed.delete(href);
        items.set(href, data);
      }
      // a server without RFC 6578 tokens: every sync is then a full one
      token = page.token ?? '';
      if (!page.truncated) break;
      if (round + 1 >= MAX_ROUNDS || !page.token) throw new CalendarError(this.id, 'parse', `the server truncated the sync result ${round + 1} times`);
    }
    const missing = [...items].filter(([, data]) => data === null).map(([href]) => href);
    if (missing.length) for (const [href, data] of await this.multiget(missing, fetchCounted)) items.set(href, data);
    const list: CalendarItem[] = [];
    for (const [href, data] of items) {
      if (data !== null) list.push({ id: href, format: 'ical', data });
      else if (!full) removed.add(href); // gone between the report and the multiget
    }
    return [{ full, items: list, removed: [...removed] }, token];
  }

  /** One `sync-collection` REPORT. */
  private async report(token: string, fetchCounted: CountingFetch): Promise<{ items: Map<string, string | null>; removed: string[]; token: string | null; truncated: boolean }> {
    const res = await fetchCounted(this.url, { method: 'REPORT', headers: { ...this.headers, 'content-type': 'text/xml; charset=utf-8' }, body: syncCollectionBody(token) });
    // the common case: nothing changed since `token`
    const unchanged = emptySyncAnswer(res);
    if (unchanged !== null) return { items: new Map(), removed: [], token: unchanged, truncated: false };
    // anything else: tsdav parses the answer in hand (its `raw` for a non-multistatus)
    const responses = await davRequest({ url: this.url, init: { method: 'REPORT', body: null }, convertIncoming: false, fetch: async () => res.asResponse() });
    const first = responses[0];
    if (!first) throw new CalendarError(this.id, 'parse', 'empty answer to sync-collection');
    if (responses.length === 1 && first.raw !== undefined && !isMultistatus(first.raw)) {
      // not a multistatus: an HTTP error (tsdav hands over the body as text) or something else
      if (token !== '' && isTokenRejection(first)) throw new TokenRejected();
      if (first.ok) throw new CalendarError(this.id, 'parse', `sync-collection answered ${first.status} without a multistatus`);
      throw this.httpError(first.status, first.statusText);
    }
    const items = new Map<string, string | null>();
    const removed: string[] = [];
    let truncated = false;
    for (const r of responses) {
      if (r.href === undefined) continue; // an empty multistatus (nothing changed)
      const href = String(r.href);
      if (r.status === 507) {
        // §3.6: only on the collection itself; more changes wait behind the returned token
        if (sameCollection(href, this.url)) truncated = true;
        continue;
      }
      if (href.endsWith('/')) continue; // the collection or a child collection, not an item
      if (r.status === 404) removed.push(href);
      else if (r.ok) items.set(href, calendarData(r));
    }
    const rawToken = (first.raw as { multistatus?: { syncToken?: unknown } }).multistatus?.syncToken;
    return { items, removed, token: rawToken === undefined || rawToken === null || rawToken === '' ? null : String(rawToken), truncated };
  }

  /** `calendar-multiget` for the items the report named without their data. */
  private async multiget(hrefs: string[], fetchCounted: CountingFetch): Promise<Map<string, string | null>> {
    const fetchForTsdav: typeof fetch = async (input, init) => (await fetchCounted(String(input), init ?? {})).asResponse();
    const responses = await calendarMultiGet({ url: this.url, props: SYNC_PROPS, objectUrls: hrefs, depth: '1', headers: this.headers, fetch: fetchForTsdav });
    const first = responses[0];
    if (first && responses.length === 1 && first.raw !== undefined && !isMultistatus(first.raw)) {
      if (first.ok) throw new CalendarError(this.id, 'parse', `calendar-multiget answered ${first.status} without a multistatus`);
      throw this.httpError(first.status, first.statusText);
    }
    // the answer may spell an href differently (percent-encoding, absolute URL): match by path
    const byKey = new Map<string, string | null>();
    for (const r of responses) if (r.href !== undefined) byKey.set(hrefKey(String(r.href), this.url), r.ok ? calendarData(r) : null);
    return new Map(hrefs.map((href) => [href, byKey.get(hrefKey(href, this.url)) ?? null]));
  }

  private httpError(status: number, statusText: string): CalendarError {
    const what = `${status} ${statusText}`.trim();
    if (status === 401 || status === 403) return new CalendarError(this.id, 'auth', `the server refused access: ${what}`);
    if (status === 429 || status === 503) return new CalendarError(this.id, 'throttled', `the server is busy: ${what}`);
    return new CalendarError(this.id, 'http', `the server answered ${what}`);
  }

  private toCalendarError(err: unknown, timedOut: boolean, callerAborted: boolean): CalendarError {
    if (err instanceof CalendarError) return err;
    if (err instanceof TransportFailure) {
      if (timedOut) return new CalendarError(this.id, 'timeout', `no answer within ${this.timeoutMs} ms`);
      if (callerAborted) return new CalendarError(this.id, 'timeout', 'sync aborted by the caller');
      const code = errorCode(err.reason);
      if (code && TIMED_OUT.has(code)) return new CalendarError(this.id, 'timeout', `${code}: ${err.message}`);
      return new CalendarError(this.id, 'unreachable', code && UNREACHABLE.has(code) ? `${code} (${this.url})` : `${err.message}${code ? ` (${code})` : ''}`);
    }
    return new CalendarError(this.id, 'parse', err instanceof Error ? err.message : String(err));
  }
}

/** `fetch` bounded by `signal`, counting the body bytes of every answer into `counter`; a transport failure is a `TransportFailure`. */
export function countingFetch(inner: typeof fetch, signal: AbortSignal, counter: { bytes: number }): CountingFetch {
  return async (input, init) => {
    let res: BufferedResponse;
    try {
      const r: unknown = await inner(input, { ...init, signal });
      if (r instanceof BufferedResponse) res = r; // httpFetch: read already, bytes as received
      else {
        const other = r as Response;
        const body = new Uint8Array(await other.arrayBuffer());
        const length = Number(other.headers.get('content-length'));
        res = new BufferedResponse(other.status, other.statusText, other.url, other.headers, body, Number.isFinite(length) && length > 0 ? length : body.byteLength);
      }
    } catch (err) {
      throw new TransportFailure(err);
    }
    counter.bytes += res.bodyBytes;
    return res;
  };
}

/** The REPORT body (RFC 6578 §6.1: sync-token, sync-level, prop), as tsdav would build it. */
function syncCollectionBody(token: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">' +
    (token === '' ? '<d:sync-token/>' : `<d:sync-token>${escapeXml(token)}</d:sync-token>`) +
    '<d:sync-level>1</d:sync-level><d:prop><c:calendar-data/></d:prop></d:sync-collection>'
  );
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&${({ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' } as Record<string, string>)[c]};`);
}

const ANY_RESPONSE = /<(?:[A-Za-z_][\w.-]*:)?response[\s/>]/;
const MULTISTATUS_ROOT = /^\s*(?:<\?xml[^>]*\?>\s*)?<(?:[A-Za-z_][\w.-]*:)?multistatus[\s>]/;
const ONE_TOKEN = /<((?:[A-Za-z_][\w.-]*:)?)sync-token\s*>([^<&]*)<\/\1sync-token\s*>/;

/**
 * The new token when `res` is a multistatus with no `response` element (nothing changed since
 * the token sent), read without an XML parser; null for anything else, which tsdav then parses:
 * a change, a 507, an error, a comment or CDATA, an entity in the token, two tokens or none.
 */
function emptySyncAnswer(res: BufferedResponse): string | null {
  if (res.status !== 207 || !res.headers.get('content-type')?.toLowerCase().includes('xml')) return null;
  const text = res.textSync();
  if (text.length > 4096 || text.includes('<!') || ANY_RESPONSE.test(text) || !MULTISTATUS_ROOT.test(text)) return null;
  const m = ONE_TOKEN.exec(text);
  if (!m || text.indexOf('sync-token', m.index + m[0].length) !== -1 || text.lastIndexOf('sync-token', m.index) !== -1) return null;
  const token = m[2]!.trim();
  return token === '' ? null : token;
}

export function isMultistatus(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && 'multistatus' in raw;
}

/** RFC 6578 §3.2: the `DAV:valid-sync-token` precondition failed (servers differ in the status). */
function isTokenRejection(r: DAVResponse): boolean {
  if (r.status === 409 || r.status === 410 || r.status === 412) return true;
  return r.status === 403 && typeof r.raw === 'string' && r.raw.includes('valid-sync-token');
}

/** The item's iCalendar text; the XML parser trims the last line break, which iCalendar wants. */
function calendarData(r: DAVResponse): string | null {
  const v: unknown = r.props?.calendarData;
  const text = typeof v === 'string' ? v : typeof v === 'object' && v !== null ? ((v as { _cdata?: unknown; _text?: unknown })._cdata ?? (v as { _text?: unknown })._text) : undefined;
  if (typeof text !== 'string' || text === '') return null;
  return text.endsWith('\n') ? text : `${text}\r\n`;
}

/** An href as a comparable decoded path. */
export function hrefKey(href: string, base: string): string {
  try {
    return decodeURIComponent(new URL(href, base).pathname);
  } catch {
    return href;
  }
}

function sameCollection(href: string, collectionUrl: string): boolean {
  return hrefKey(href, collectionUrl).replace(/\/$/, '') === hrefKey(collectionUrl, collectionUrl).replace(/\/$/, '');
}

function errorCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return null;
}
