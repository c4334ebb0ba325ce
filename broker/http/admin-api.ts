/**
 * The hub's admin API: the same commands a phone sends, for IT and the municipality's own
 * systems, through the same policy (no path around it). HTTP + JSON with a bearer token.
 * Also the routing endpoint a PBX or voicebot asks "who answers this number now" (PH-4), and
 * `GET /api/v1/route` (also `/api/route`; RT-2, route-endpoint.ts), which needs no token.
 * The fleet for IT: `GET /api/v1/devices` (token; long poll with `?after&wait`) and the page
 * that shows it at `/fleet` (no token; it asks for one), both from broker/fleet/.
 * ST-1 quarterly reports: `GET /api/v1/reports/{quarter}` (token; JSON, `?format=csv|html`) and
 * the page that shows them at `/reports` (no token; it asks for one), from broker/stats/.
 * Issue 10, device identity: `POST /api/v1/devices/{id}/credentials` issues (or rotates) a
 * device's token, shown once in the answer (201) with the broker URL devices use (mqtts:// when
 * the broker has TLS) and the `ca` to verify it by, when the hub knows one; `DELETE` revokes it
 * (`omstil provision`, `omstil revoke`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type * as z from 'zod/mini';
import {
  ADMIN_API_PREFIX,
  AdminAbsence,
  AdminBroadcast,
  AdminClosure,
  AdminDivert,
  AdminPeak,
  decodeValue,
  MAX_ADMIN_BODY_BYTES,
  MAX_OTA_IMAGE_BYTES,
  OmstilError,
  QUARTER_PATTERN,
  type QuarterReport,
  type Schema,
  ROUTE_PATH,
  ROUTE_PATH_SHORT,
  TakeMessageArgs,
  type ErrorCode,
  type Logger,
} from '../../protocol/index.js';
import type { Hub } from '../hub.js';
import type { Actor, Command } from '../policy/commands.js';
import { newMessageId } from '../requests/message-id.js';
import { broadcastActive, broadcastCurrent } from '../state/broadcast-record.js';
import { deptPublic, messagesFor, personOwn } from '../state/projections.js';
import { answerRoute } from './route-endpoint.js';
import { FLEET_PATH, FleetPage } from '../fleet/fleet-page.js';
import { FleetWaiters, MAX_WAIT_SECONDS } from '../fleet/fleet-waiters.js';
import { defaultUiDir } from '../../simulator/main.js';
import { OtaError } from '../ota/ota-error.js';
import type { OtaService } from '../ota/ota-service.js';
import type { DeviceCredentials } from '../mqtt/device-credentials.js';
import { otaRolloutQuery } from '../ota/rollout-query.js';
import type { Store } from '../store/store.js';
import { quarterReportFromStore } from '../stats/quarter-report.js';
import { renderReportCsv } from '../stats/report-csv.js';
import { renderReportHtml } from '../stats/report-html.js';
import { reportFileName } from '../stats/report-quarters.js';
import { REPORTS_PATH, ReportsPage } from '../stats/reports-page.js';

export interface AdminApiOptions {
  hub: Hub;
  /** OTA rollouts (issue 8): /api/v1/ota/rollouts */
  ota?: OtaService;
  /** per-calendar sync status (PR-3), when calendar sync runs */
  calendars?: () => unknown[];
  token: string;
  host: string;
  port: number;
  logger: Logger;
  /** the built device UI (index.html, omstil-ui.js) for the fleet page at /fleet; default: dist/device-ui */
  uiDir?: string;
  /** ST-1: the hub's store, read for the quarterly reports (/api/v1/reports, /reports); without it they answer 503 */
  store?: Store;
  /**
   * Issue 10: the devices' credentials and the broker URL the hub's devices are given; absent (an
   * external broker, which keeps its own logins) /api/v1/devices/{id}/credentials answers 503
   */
  credentials?: {
    credentials: DeviceCredentials;
    mqttUrl: string;
    /** issue 10: PEM certificate(s) a device trusts to verify the hub over TLS (the fragment's `ca`); absent: none known */
    ca?: string;
    /**
     * issue 10: resolves once the broker has the change (an external broker's logins are kept
     * asynchronously, e.g. Mosquitto's dynamic security): the answer waits for it, so a device
     * given its token can log in at once and a revoked one is already refused
     */
    applied?: () => Promise<void>;
  };
}

/** ST-1: a report is built at most once a minute per quarter (the page fetches HTML, then CSV or JSON) */
const REPORT_CACHE_MS = 60_000;

/** A handler's answer that is not JSON (a report as CSV or HTML), with its headers. */
class RawResponse {
  constructor(
    readonly headers: Record<string, string>,
    readonly body: string,
  ) {}
}

/** A JSON answer with a status other than 200 (201 Created). */
class JsonResponse {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  'unknown-device': 404,
  'bad-json': 400,
  'invalid-payload': 400,
  'invalid-time': 400,
  'payload-too-large': 413,
  forbidden: 403,
  'unknown-person': 404,
  'unknown-department': 404,
  'unknown-closure': 404,
  'unknown-broadcast': 404,
  'too-many-broadcasts': 409,
  'unknown-number': 404,
  internal: 500,
};

type Handler = (m: RegExpExecArray, body: () => Promise<unknown>, url: URL, raw: (limit: number) => Promise<Buffer>) => Promise<unknown>;

export class AdminApi {
  private server: Server | null = null;
  private readonly routes: { method: string; path: RegExp; handler: Handler }[] = [];
  private readonly fleetWaiters: FleetWaiters;
  private readonly fleetPage: FleetPage;
  private readonly reportsPage: ReportsPage;
  private readonly reports = new Map<string, { at: number; report: QuarterReport }>();

  constructor(private readonly opts: AdminApiOptions) {
    const hub = opts.hub;
    this.fleetWaiters = new FleetWaiters(hub.fleet);
    this.fleetPage = new FleetPage(opts.uiDir ?? defaultUiDir());
    this.reportsPage = new ReportsPage(() => hub.now());
    const actor: Actor = { source: 'admin', id: 'api', personId: null };
    const run = (cmd: Command) => ({ ok: true, data: hub.execute(actor, cmd) ?? null });
    const id = '([a-z0-9-]{1,64})';
    const route = (method: string, path: string, handler: Handler) => this.routes.push({ method, path: new RegExp(`^${ADMIN_API_PREFIX}${path.replaceAll(':id', id)}$`), handler });
    const parse = async <S extends Schema>(schema: S, body: () => Promise<unknown>): Promise<z.infer<S>> => {
      const d = decodeValue(schema, await body());
      if (!d.ok) throw d.error;
      return d.value;
    };
    const person = (pid: string) => {
      const rec = hub.record(pid);
      if (!rec || !hub.directory.people.has(pid)) throw new OmstilError('unknown-person', `unknown person "${pid}"`, { field: 'person', rule: 'RT-1' });
      return rec;
    };
    // PR-2: the reason is seen only by the employee and their leader (their phones); the admin
    // token (IT, integrations such as HR or a voicebot) may set one, never read it back
    route('GET', '/people/:id', async (m) => ({ ...personOwn(person(m[1]!), hub.directory, hub.state.people, hub.pbxStatus(m[1]!), hub.messagesOf(m[1]!)), absenceReason: null }));
    // AS-1/AS-4: what the person's phone shows: waiting and acknowledged messages for them and their groups, oldest due first
    route('GET', '/people/:id/messages', async (m) => {
      person(m[1]!);
      return messagesFor(m[1]!, hub.directory, hub.messagesOf(m[1]!));
    });
    // AS-1: take a message (the voicebot, a web form); routed (AS-3) and due (AS-2) like a kiosk's
    route('POST', '/messages', async (_m, body) => {
      const b = await parse(TakeMessageArgs, body);
      return run({ op: 'take-message', id: newMessageId(hub.now()), for: b.for, callerName: b.callerName, callerNumber: b.callerNumber, text: b.text, callerInformed: b.callerInformed ?? false });
    });
    route('PUT', '/people/:id/diversion', async (m, body) => {
      const b = await parse(AdminDivert, body);
      return run({ op: 'divert', person: m[1]!, target: b.target, until: b.until ?? null });
    });
    route('DELETE', '/people/:id/diversion', async (m) => run({ op: 'undivert', person: m[1]! }));
    route('PUT', '/people/:id/absence', async (m, body) => {
      const b = await parse(AdminAbsence, body);
      return run({ op: 'set-status', person: m[1]!, kind: b.kind ?? null, since: b.since ?? null, until: b.until, reason: b.reason ?? null, divertTo: b.divertTo ?? null, ...(b.autoReply ? { autoReply: true } : {}) });
    });
    route('DELETE', '/people/:id/absence', async (m) => run({ op: 'clear-status', person: m[1]! }));
    route('GET', '/departments/:id', async (m) => {
      const rec = hub.dept(m[1]!);
      if (!rec || !hub.directory.departments.has(m[1]!)) throw new OmstilError('unknown-department', `unknown department "${m[1]}"`, { field: 'dept', rule: 'RT-1' });
      return deptPublic(hub.state, rec, hub.now());
    });
    route('POST', '/departments/:id/closures', async (m, body) => {
      const b = await parse(AdminClosure, body);
      return run({ op: 'add-closure', dept: m[1]!, ...(b.id ? { id: b.id } : {}), start: b.start, end: b.end, message: b.message ?? null, offer: b.offer, fallback: b.fallback ?? null });
    });
    route('POST', '/departments/:id/closures/:id/end', async (m) => run({ op: 'end-closure', dept: m[1]!, closure: m[2]! }));
    route('POST', '/departments/:id/peaks', async (m, body) => {
      const b = await parse(AdminPeak, body);
      return run({ op: 'add-peak', dept: m[1]!, ...(b.id ? { id: b.id } : {}), from: b.from, to: b.to, text: b.text });
    });
    route('DELETE', '/departments/:id/peaks/:id', async (m) => run({ op: 'remove-peak', dept: m[1]!, peak: m[2]! }));
    // RT-3: crisis broadcasts for every screen and the voicebot
    // in force or planned, and those over in the last week, by start; `state`: planned, active or over
    route('GET', '/broadcasts', async () => {
      const now = hub.now();
      return hub.broadcastRecords().map((b) => ({ ...b, state: broadcastActive(b, now) ? 'active' : broadcastCurrent(b, now) ? 'planned' : 'over' }));
    });
    route('POST', '/broadcasts', async (_m, body) => {
      const b = await parse(AdminBroadcast, body);
      return run({ op: 'add-broadcast', ...(b.id ? { id: b.id } : {}), text: { da: b.text.da, en: b.text.en ?? null }, start: b.start ?? null, expires: b.expires });
    });
    route('POST', '/broadcasts/:id/end', async (m) => run({ op: 'end-broadcast', broadcast: m[1]! }));
    // the fleet for IT (the page at /fleet): every device's state, firmware, last refused request.
    // `?after=<version>&wait=<seconds>` answers once the fleet's version is no longer that one, or after the wait (long poll)
    route('GET', '/devices', async (_m, _b, url) => {
      const after = url.searchParams.get('after');
      const wait = url.searchParams.get('wait') ?? '0';
      if (after !== null && !/^\d{1,15}$/.test(after)) throw new OmstilError('invalid-payload', 'after: must be a version number', { field: 'after' });
      if (!/^\d{1,2}$/.test(wait) || Number(wait) > MAX_WAIT_SECONDS) throw new OmstilError('invalid-payload', `wait: must be 0-${MAX_WAIT_SECONDS} seconds`, { field: 'wait' });
      if (after !== null) await this.fleetWaiters.wait(Number(after), Number(wait) * 1000);
      return hub.fleet.snapshot(hub.now());
    });
    // ── device identity (issue 10; broker/mqtt/device-credentials.ts) ──
    const known = (deviceId: string) => {
      const device = hub.directory.devices.get(deviceId);
      if (!device) throw new OmstilError('unknown-device', `unknown device "${deviceId}": not in the directory`, { field: 'id', rule: 'RT-1' });
      return device;
    };
    // issues (or rotates) the device's token: in this answer only, never stored or logged; its session ends
    route('POST', '/devices/:id/credentials', async (m) => {
      const device = known(m[1]!);
      const creds = opts.credentials;
      if (!creds) throw new CredentialsUnavailable();
      const { token, issuedAt } = creds.credentials.issue(device.id);
      await creds.applied?.();
      this.opts.logger.info('device credential issued', { device: device.id });
      return new JsonResponse(201, { deviceId: device.id, kind: device.kind, token, issuedAt, mqttUrl: creds.mqttUrl, ...(creds.ca ? { ca: creds.ca } : {}) });
    });
    // revokes it: the device is disconnected at once and refused until provisioned again
    route('DELETE', '/devices/:id/credentials', async (m) => {
      const deviceId = m[1]!;
      const creds = opts.credentials;
      if (!creds) throw new CredentialsUnavailable();
      const revoked = creds.credentials.revoke(deviceId); // also for a device no longer in the directory
      await creds.applied?.();
      if (!revoked) {
        known(deviceId);
        throw new NoCredential(deviceId, creds.credentials.status(deviceId)?.revokedAt ?? null);
      }
      this.opts.logger.info('device credential revoked', { device: deviceId });
      return { deviceId, revokedAt: revoked.revokedAt };
    });
    // ── OTA rollouts (issue 8; broker/ota/) ──
    // POST: the body is the signed image (application/octet-stream), checked with the hub's key;
    // ?canary=5&then=100&maxFailureRate=0.2&allowDowngrade=1
    const ota = opts.ota;
    if (ota) {
      route('POST', '/ota/rollouts', async (_m, _b, url, raw) => ota.startRollout(await raw(MAX_OTA_IMAGE_BYTES), otaRolloutQuery(url.searchParams)));
      route('GET', '/ota/rollouts', async () => ota.list());
      route('GET', '/ota/rollouts/:id', async (m) => ota.get(m[1]!));
      route('POST', '/ota/rollouts/:id/halt', async (m) => ota.halt(m[1]!));
    }
    // ST-1: the quarterly report; JSON (the QuarterReport contract), ?format=csv (a download) or ?format=html&lang=da|en
    route('GET', '/reports/([^/]{1,32})', async (m, _b, url) => {
      const quarter = m[1]!;
      if (!QUARTER_PATTERN.test(quarter)) throw new OmstilError('invalid-payload', `quarter: must be a quarter like 2026Q4, got "${quarter}"`, { field: 'quarter', rule: 'ST-1' });
      const format = url.searchParams.get('format') ?? 'json';
      if (format !== 'json' && format !== 'csv' && format !== 'html') throw new OmstilError('invalid-payload', 'format: must be json, csv or html', { field: 'format', rule: 'ST-1' });
      const lang = url.searchParams.get('lang') ?? 'da';
      if (lang !== 'da' && lang !== 'en') throw new OmstilError('invalid-payload', 'lang: must be da or en', { field: 'lang', rule: 'ST-1' });
      const report = this.report(quarter);
      if (format === 'json') return report;
      if (format === 'csv') return new RawResponse({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${reportFileName(quarter, 'csv')}"` }, renderReportCsv(report));
      return new RawResponse(
        {
          'content-type': 'text/html; charset=utf-8',
          'content-disposition': `inline; filename="${reportFileName(quarter, 'html')}"`,
          // the report runs nothing and loads nothing (report-html.ts)
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
        },
        renderReportHtml(report, { language: lang }),
      );
    });
    // calendar sync per calendar: last sync, last error, entries that could not be read
    route('GET', '/calendars', async () => opts.calendars?.() ?? []);
    // the routing endpoint (PH-4): who answers this number now, or at ?at=
    route('GET', '/calls/resolve', async (_m, _b, url) => {
      const number = url.searchParams.get('number') ?? '';
      if (!/^[0-9]{2,8}$/.test(number)) throw new OmstilError('invalid-payload', 'number: must be 2-8 digits', { field: 'number' });
      const atRaw = url.searchParams.get('at');
      const at = atRaw ? new Date(atRaw) : hub.now();
      if (Number.isNaN(at.getTime())) throw new OmstilError('invalid-payload', 'at: not a time', { field: 'at' });
      return hub.resolveCall(number, at);
    });
  }

  /** ST-1: the quarter's report from the store, built at most once a minute per quarter. */
  private report(quarter: string): QuarterReport {
    const store = this.opts.store;
    if (!store) throw new ReportsUnavailable();
    const now = this.opts.hub.now();
    const cached = this.reports.get(quarter);
    if (cached && now.getTime() - cached.at >= 0 && now.getTime() - cached.at < REPORT_CACHE_MS) return cached.report;
    const report = quarterReportFromStore(store, this.opts.hub.directory, quarter, now);
    if (this.reports.size >= 8) this.reports.delete(this.reports.keys().next().value!);
    this.reports.set(quarter, { at: now.getTime(), report });
    return report;
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    return addr ? `http://${this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host}:${addr.port}${ADMIN_API_PREFIX}` : '';
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** The fleet page (same origin as the API; it asks for the token). */
  get fleetUrl(): string {
    const api = this.url;
    return api ? api.slice(0, -ADMIN_API_PREFIX.length) + FLEET_PATH : '';
  }

  /** ST-1: the reports page (same origin as the API; it asks for the token). */
  get reportsUrl(): string {
    const api = this.url;
    return api ? api.slice(0, -ADMIN_API_PREFIX.length) + REPORTS_PATH : '';
  }

  async stop(): Promise<void> {
    this.fleetWaiters.stop();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    const want = Buffer.from(this.opts.token);
    return given.length === want.length && timingSafeEqual(given, want);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const fail = (err: OmstilError, status = STATUS[err.code] ?? 422) => send(status, { ok: false, error: err.toBody() });
    try {
      if (url.pathname === `${ADMIN_API_PREFIX}/healthz`) return send(200, { ok: true });
      // the fleet page's files: no data in them, so no token (the page asks for it)
      if (this.fleetPage.serves(url.pathname)) return await this.fleetPage.send(url.pathname, req.method, res);
      // ST-1: the reports page and its script: no figures in them, so no token (the page asks for it)
      if (this.reportsPage.serves(url.pathname)) return this.reportsPage.send(url, req.method, res);
      // RT-2: read by the PBX and the voicebot inside the network; shows only what the reception board shows, so no token
      if (url.pathname === ROUTE_PATH || url.pathname === ROUTE_PATH_SHORT) {
        if (req.method !== 'GET') {
          res.setHeader('allow', 'GET');
          return fail(new OmstilError('invalid-payload', `${req.method} is not allowed here`, { field: 'method' }), 405);
        }
        const answer = answerRoute(this.opts.hub, url.searchParams);
        return send(answer.status, answer.body);
      }
      if (!this.authorized(req)) {
        res.setHeader('www-authenticate', 'Bearer');
        return fail(new OmstilError('forbidden', 'missing or wrong bearer token', { field: 'authorization' }), 401);
      }
      const matches = this.routes.filter((r) => r.path.test(url.pathname));
      if (!matches.length) return fail(new OmstilError('invalid-payload', `no such endpoint: ${url.pathname}`, { field: 'path' }), 404);
      const route = matches.find((r) => r.method === req.method);
      if (!route) {
        res.setHeader('allow', matches.map((r) => r.method).join(', '));
        return fail(new OmstilError('invalid-payload', `${req.method} is not allowed here`, { field: 'method' }), 405);
      }
      const data = await route.handler(route.path.exec(url.pathname)!, () => readJson(req), url, (limit) => readRaw(req, limit));
      if (data instanceof JsonResponse) return send(data.status, data.body);
      if (data instanceof RawResponse) return void res.writeHead(200, { ...data.headers, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(data.body);
      send(200, data);
    } catch (err) {
      if (err instanceof ReportsUnavailable) return fail(new OmstilError('internal', err.message), 503);
      if (err instanceof CredentialsUnavailable) return fail(new OmstilError('internal', err.message), 503);
      if (err instanceof NoCredential) return send(404, { ok: false, error: { code: 'no-credential', message: err.message, field: 'id' } });
      if (err instanceof OtaError) {
        this.opts.logger.info('admin request refused', { method: req.method, path: url.pathname, code: err.code });
        return send(err.status, { ok: false, error: err.toBody() });
      }
      if (err instanceof OmstilError) {
        this.opts.logger.info('admin request refused', { method: req.method, path: url.pathname, code: err.code, rule: err.rule });
        return fail(err);
      }
      this.opts.logger.error('admin request failed', { method: req.method, path: url.pathname, err: (err as Error).stack });
      fail(new OmstilError('internal', 'internal error; the hub has logged it'));
    }
  }
}

/** ST-1: the admin API was started without the store (`AdminApiOptions.store`). */
class ReportsUnavailable extends Error {
  constructor() {
    super('the quarterly reports are not available: this admin API has no store');
  }
}

/** Issue 10: the hub uses an external broker, which keeps its own logins. */
class CredentialsUnavailable extends Error {
  constructor() {
    super('device credentials are kept by the hub with its embedded broker, or on Mosquitto with mqttAdmin mosquitto-dynsec (docs/external-broker.md); this hub uses an external broker (mqttUrl) with mqttAdmin none, which keeps its own logins');
  }
}

/** Issue 10: a revoke for a device without a credential in force (404, code `no-credential`). */
class NoCredential extends Error {
  constructor(deviceId: string, revokedAt: string | null) {
    super(revokedAt ? `device "${deviceId}" has no credential in force: it was revoked at ${revokedAt}` : `device "${deviceId}" has no credential: it was never provisioned`);
  }
}

/** The body as bytes (an OTA image); OtaError 413 past `limit`. */
async function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new OtaError('payload-too-large', `body is over the limit of ${limit} bytes`, 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new OtaError('payload-too-large', `body is over the limit of ${limit} bytes`, 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ADMIN_BODY_BYTES) throw new OmstilError('payload-too-large', `body is over the limit of ${MAX_ADMIN_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text.trim() === '' ? {} : (JSON.parse(text) as unknown);
  } catch {
    throw new OmstilError('bad-json', 'body is not JSON', { field: '(body)' });
  }
}
