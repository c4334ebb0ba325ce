/**
 * A stand-in for Microsoft Graph, built from Microsoft's documentation because no Graph service is
 * reachable here. It is not Graph: it follows the documented request and response shapes for the
 * parts omstil uses, and nothing more —
 *
 * - `GET /v1.0/users/{user}/calendarView/delta?startDateTime=…&endDateTime=…` ("event: delta",
 *   "Get incremental changes to events in a calendar view"): `Prefer: odata.maxpagesize=n` pages,
 *   `@odata.nextLink` (`$skiptoken`) to an `@odata.deltaLink` (`$deltatoken`); a later round from
 *   the deltaLink returns what changed, deleted events (and ones no longer in the window) as
 *   `{ "@odata.type", id, "@removed": { reason: "deleted" } }`.
 * - `Prefer: outlook.timezone="…"` (IANA names here): timed events' start/end written in that zone;
 *   all-day events keep midnight in their own zone, as Outlook does.
 * - An unknown or expired state token: 410 Gone with a `Location` to start over ("Use delta query":
 *   synchronization reset), or, when asked, 400 `syncStateNotFound` (Graph's errors page).
 * - Throttling (the throttling guidance): 429 or 503 with `Retry-After` in seconds, when asked.
 * - `Authorization: Bearer …` checked: 401 `InvalidAuthenticationToken` otherwise.
 * - `GET /v1.0/users/{user}/mailboxSettings/automaticRepliesSetting` and `PATCH /v1.0/users/{user}/mailboxSettings`
 *   with `{ automaticRepliesSetting: {…} }` ("Get/Update user mailbox settings").
 *
 * Errors use Graph's `{ error: { code, message, innerError } }`. Every request is recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { IANAZone } from 'luxon';

/** An event as a test writes it: instants for timed events, dates ('YYYY-MM-DD') for all-day ones. */
export interface FakeEvent {
  id: string;
  subject?: string;
  start: string;
  end: string;
  isAllDay?: boolean;
  /** the zone an all-day event's dates are in (Graph writes them as midnight there); default 'Romance Standard Time' */
  allDayZone?: string;
  showAs?: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
  isCancelled?: boolean;
  seriesMasterId?: string;
  /** stands in for the many properties a real event carries (body, attendees, …) */
  body?: string;
}

export interface RecordedRequest {
  method: string;
  /** path without the query */
  path: string;
  query: Record<string, string>;
  prefer: string | undefined;
  authorization: string | undefined;
  body: unknown;
  /** Date.now() when it arrived */
  at: number;
}

interface StoredEvent {
  event: FakeEvent;
  /** the version at which it last changed */
  version: number;
  deleted: boolean;
}

interface UserState {
  events: Map<string, StoredEvent>;
  version: number;
  autoReplies: Record<string, unknown>;
}

interface DeltaToken {
  user: string;
  from: number;
  to: number;
  version: number;
}

interface SkipToken {
  user: string;
  from: number;
  to: number;
  /** entries still to send in this round */
  rest: Record<string, unknown>[];
  /** the version the round ends at */
  version: number;
}

interface Trouble {
  status: 429 | 503;
  retryAfter: string | null;
}

export class FakeGraph {
  readonly requests: RecordedRequest[] = [];
  /** the bearer token it accepts */
  token = 'fake-graph-token';
  /** `@odata.nextLink`/`deltaLink` written with this origin instead of the server's own (to test that clients refuse) */
  linkOrigin: string | null = null;
  private server: http.Server | null = null;
  private origin = '';
  private readonly users = new Map<string, UserState>();
  private readonly deltaTokens = new Map<string, DeltaToken>();
  private readonly skipTokens = new Map<string, SkipToken>();
  private readonly troubles: Trouble[] = [];
  private hangs = 0;
  private expiredAnswer: 410 | 400 = 410;

  /** Listens on a free loopback port; resolves to the base URL, e.g. `http://127.0.0.1:PORT/v1.0`. */
  async start(): Promise<string> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        if (!res.headersSent) this.error(res, 500, 'generalException', String(err));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  get baseUrl(): string {
    return `${this.origin}/v1.0`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- what a test changes ----

  /** Adds or changes an event. */
  put(user: string, event: FakeEvent): void {
    const u = this.user(user);
    u.version++;
    u.events.set(event.id, { event: { ...event }, version: u.version, deleted: false });
  }

  /** Deletes an event. */
  remove(user: string, id: string): void {
    const u = this.user(user);
    const stored = u.events.get(id);
    if (!stored) return;
    u.version++;
    stored.deleted = true;
    stored.version = u.version;
  }

  /** The automatic replies setting as stored (Graph's shape). */
  autoReplies(user: string): Record<string, unknown> {
    return this.user(user).autoReplies;
  }

  /** The next `count` requests get `status` with `Retry-After: retryAfter` (null: no header). */
  throttle(count: number, retryAfter: string | null = '1', status: 429 | 503 = 429): void {
    for (let i = 0; i < count; i++) this.troubles.push({ status, retryAfter });
  }

  /** The next `count` requests are never answered. */
  hang(count = 1): void {
    this.hangs += count;
  }

  /** Forgets every state token, as Graph does when its token cache overflows; `answer` is how it then says so. */
  forgetTokens(answer: 410 | 400 = 410): void {
    this.deltaTokens.clear();
    this.skipTokens.clear();
    this.expiredAnswer = answer;
  }

  /** The recorded requests to a path ending in `suffix`. */
  requestsTo(suffix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(suffix));
  }

  // ---- the server ----

  private user(id: string): UserState {
    let u = this.users.get(id.toLowerCase());
    if (!u) {
      u = { events: new Map(), version: 0, autoReplies: { status: 'disabled', externalAudience: 'all', internalReplyMessage: '', externalReplyMessage: '' } };
      this.users.set(id.toLowerCase(), u);
    }
    return u;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      prefer: [req.headers.prefer ?? []].flat().join(', ') || undefined,
      authorization: req.headers.authorization,
      body,
      at: Date.now(),
    });

    if (this.hangs > 0) {
      this.hangs--;
      return; // never answered; stop() drops the connection
    }
    const trouble = this.troubles.shift();
    if (trouble) {
      const headers: Record<string, string> = {};
      if (trouble.retryAfter !== null) headers['Retry-After'] = trouble.retryAfter;
      const code = trouble.status === 429 ? 'TooManyRequests' : 'serviceNotAvailable';
      return this.error(res, trouble.status, code, 'The request has been throttled', headers);
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return this.error(res, 401, 'InvalidAuthenticationToken', 'Access token validation failure.');
    }

    const m = /^\/v1\.0\/users\/([^/]+)\/(calendarView\/delta|mailboxSettings|mailboxSettings\/automaticRepliesSetting)$/.exec(url.pathname);
    if (!m) return this.error(res, 404, 'itemNotFound', `no such resource: ${url.pathname}`);
    const user = decodeURIComponent(m[1]!);
    const what = m[2]!;
    if (what === 'calendarView/delta' && req.method === 'GET') return this.delta(url, user, req, res);
    if (what === 'mailboxSettings/automaticRepliesSetting' && req.method === 'GET') {
      return this.json(res, 200, {
        '@odata.context': `${this.baseUrl}/$metadata#users('${user}')/mailboxSettings/automaticRepliesSetting`,
        ...this.user(user).autoReplies,
      });
    }
    if (what === 'mailboxSettings' && req.method === 'PATCH') return this.patchMailbox(user, req, body, res);
    return this.error(res, 405, 'notAllowed', `${req.method} not allowed on ${url.pathname}`);
  }

  private patchMailbox(user: string, req: http.IncomingMessage, body: unknown, res: http.ServerResponse): void {
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return this.error(res, 415, 'invalidRequest', 'Content-Type must be application/json');
    const setting = (body as { automaticRepliesSetting?: unknown } | null)?.automaticRepliesSetting;
    if (!body || typeof body !== 'object' || !setting || typeof setting !== 'object') {
      return this.error(res, 400, 'RequestBodyRead', 'expected { automaticRepliesSetting: {...} }');
    }
    const allowed = new Set(['status', 'externalAudience', 'externalReplyMessage', 'internalReplyMessage', 'scheduledStartDateTime', 'scheduledEndDateTime']);
    for (const key of Object.keys(setting)) {
      if (!allowed.has(key)) return this.error(res, 400, 'RequestBodyRead', `The property '${key}' does not exist on type 'microsoft.graph.automaticRepliesSetting'.`);
    }
    const s = setting as Record<string, unknown>;
    const enumOk = (v: unknown, values: string[]) => v === undefined || (typeof v === 'string' && values.includes(v.toLowerCase()));
    if (!enumOk(s.status, ['disabled', 'alwaysenabled', 'scheduled'])) return this.error(res, 400, 'RequestBodyRead', `bad status ${String(s.status)}`);
    if (!enumOk(s.externalAudience, ['none', 'contactsonly', 'all'])) return this.error(res, 400, 'RequestBodyRead', `bad externalAudience ${String(s.externalAudience)}`);
    for (const key of ['scheduledStartDateTime', 'scheduledEndDateTime']) {
      const v = s[key] as { dateTime?: unknown; timeZone?: unknown } | undefined;
      if (v !== undefined && (typeof v?.dateTime !== 'string' || typeof v?.timeZone !== 'string')) {
        return this.error(res, 400, 'RequestBodyRead', `${key} must be a dateTimeTimeZone`);
      }
    }
    // PATCH keeps what it is not given
    const u = this.user(user);
    u.autoReplies = { ...u.autoReplies, ...s };
    this.json(res, 200, { '@odata.context': `${this.baseUrl}/$metadata#users('${user}')/mailboxSettings`, automaticRepliesSetting: u.autoReplies });
  }

  private delta(url: URL, user: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    const prefer = String(req.headers.prefer ?? '');
    const pageSize = Number(/odata\.maxpagesize=(\d+)/i.exec(prefer)?.[1] ?? 10);
    const zone = /outlook\.timezone="([^"]*)"/i.exec(prefer)?.[1] ?? 'UTC';
    const skip = url.searchParams.get('$skiptoken');
    const deltaToken = url.searchParams.get('$deltatoken');
    const u = this.user(user);

    let round: SkipToken;
    if (skip !== null) {
      const state = this.skipTokens.get(skip);
      if (!state || state.user !== user.toLowerCase()) return this.expired(res, user);
      this.skipTokens.delete(skip);
      round = state;
    } else if (deltaToken !== null) {
      const state = this.deltaTokens.get(deltaToken);
      if (!state || state.user !== user.toLowerCase()) return this.expired(res, user);
      // what changed since then: new and changed events in the window, and @removed for the rest
      const rest: Record<string, unknown>[] = [];
      for (const s of u.events.values()) {
        if (s.version <= state.version) continue;
        if (s.deleted || !overlaps(s.event, state.from, state.to)) rest.push(removedEntry(s.event.id));
        else rest.push(render(s.event, zone));
      }
      round = { user: state.user, from: state.from, to: state.to, rest, version: u.version };
    } else {
      const start = url.searchParams.get('startDateTime');
      const end = url.searchParams.get('endDateTime');
      if (!start || !end) return this.error(res, 400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
      const from = Date.parse(start);
      const to = Date.parse(end);
      if (Number.isNaN(from) || Number.isNaN(to)) return this.error(res, 400, 'ErrorInvalidParameter', 'bad startDateTime or endDateTime');
      const rest = [...u.events.values()]
        .filter((s) => !s.deleted && overlaps(s.event, from, to))
        .sort((a, b) => startOf(a.event) - startOf(b.event))
        .map((s) => render(s.event, zone));
      round = { user: user.toLowerCase(), from, to, rest, version: u.version };
    }

    const value = round.rest.slice(0, pageSize);
    const rest = round.rest.slice(pageSize);
    const linkBase = `${this.linkOrigin ?? this.origin}/v1.0/users/${encodeURIComponent(user)}/calendarView/delta`;
    const page: Record<string, unknown> = { '@odata.context': `${this.baseUrl}/$metadata#Collection(event)` };
    if (rest.length > 0) {
      const token = newToken();
      this.skipTokens.set(token, { ...round, rest });
      page['@odata.nextLink'] = `${linkBase}?$skiptoken=${token}`;
    } else {
      const token = newToken();
      this.deltaTokens.set(token, { user: round.user, from: round.from, to: round.to, version: round.version });
      page['@odata.deltaLink'] = `${linkBase}?$deltatoken=${token}`;
    }
    page.value = value;
    this.json(res, 200, page);
  }

  private expired(res: http.ServerResponse, user: string): void {
    if (this.expiredAnswer === 400) {
      return this.error(res, 400, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');
    }
    // "Use delta query", synchronization reset: 410 and a Location to start over from
    this.error(res, 410, 'resyncRequired', 'Resync required.', { Location: `${this.origin}/v1.0/users/${encodeURIComponent(user)}/calendarView/delta` });
  }

  private json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private error(res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
    this.json(res, status, { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': newToken() } } }, headers);
  }
}

function newToken(): string {
  return randomBytes(12).toString('base64url');
}

function startOf(e: FakeEvent): number {
  return e.isAllDay ? Date.parse(`${e.start}T00:00:00Z`) : Date.parse(e.start);
}

function endOf(e: FakeEvent): number {
  return e.isAllDay ? Date.parse(`${e.end}T00:00:00Z`) : Date.parse(e.end);
}

/** In the window when it overlaps it (all-day dates taken as UTC days: close enough for a fake). */
function overlaps(e: FakeEvent, from: number, to: number): boolean {
  return startOf(e) < to && endOf(e) > from;
}

function removedEntry(id: string): Record<string, unknown> {
  return { '@odata.type': '#microsoft.graph.event', id, '@removed': { reason: 'deleted' } };
}

/** Graph's dateTime: a wall-clock reading with seven decimals and no offset. */
function wallText(ms: number, zone: string): string {
  let wall = ms;
  if (zone !== 'UTC') {
    const z = IANAZone.create(zone);
    if (!z.isValid) throw new Error(`fake Graph knows only IANA zones, not ${zone}`);
    wall = ms + z.offset(ms) * 60_000;
  }
  return `${new Date(wall).toISOString().slice(0, 19)}.0000000`;
}

/** An event as Graph writes it, with the usual noise around the properties that matter. */
function render(e: FakeEvent, zone: string): Record<string, unknown> {
  const allDayZone = e.allDayZone ?? 'Romance Standard Time';
  const start = e.isAllDay ? { dateTime: `${e.start}T00:00:00.0000000`, timeZone: allDayZone } : { dateTime: wallText(Date.parse(e.start), zone), timeZone: zone };
  const end = e.isAllDay ? { dateTime: `${e.end}T00:00:00.0000000`, timeZone: allDayZone } : { dateTime: wallText(Date.parse(e.end), zone), timeZone: zone };
  return {
    '@odata.type': '#microsoft.graph.event',
    '@odata.etag': `W/"${newToken()}"`,
    id: e.id,
    createdDateTime: '2026-01-05T08:00:00.0000000Z',
    lastModifiedDateTime: new Date().toISOString(),
    changeKey: newToken(),
    categories: [],
    originalStartTimeZone: e.isAllDay ? allDayZone : 'Romance Standard Time',
    originalEndTimeZone: e.isAllDay ? allDayZone : 'Romance Standard Time',
    iCalUId: `040000008200E00074C5B7101A82E008${e.id}`,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    hasAttachments: false,
    subject: e.subject ?? '',
    bodyPreview: (e.body ?? '').slice(0, 255),
    importance: 'normal',
    sensitivity: 'normal',
    isAllDay: e.isAllDay ?? false,
    isCancelled: e.isCancelled ?? false,
    isOrganizer: true,
    responseRequested: true,
    seriesMasterId: e.seriesMasterId ?? null,
    showAs: e.showAs ?? 'busy',
    type: e.seriesMasterId ? 'occurrence' : 'singleInstance',
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(e.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
    body: { contentType: 'html', content: `<html><body>${e.body ?? ''}</body></html>` },
    start,
    end,
    location: { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} },
    locations: [],
    recurrence: null,
    attendees: [],
    organizer: { emailAddress: { name: 'Anna Andersen', address: 'anna@kommune.example' } },
  };
}
