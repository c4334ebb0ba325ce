/**
 * The PbxPort over Kamailio running broker/pbx/kamailio/omstil.cfg (Kamailio 5.6).
 *
 * **Forwards** are the `fwd` hash table (extension → number), which the configuration follows
 * hop by hop and which desk phones change with *72<number> / *73:
 * - `applyForward(ext, to)` → JSON-RPC `htable.sets fwd <ext> <to>`;
 * - `applyForward(ext, null)` → `htable.delete fwd <ext>`; Kamailio answers a missing key with
 *   error 404, which is success here (idempotent);
 * - `readForwards()` → `htable.dump fwd`.
 *
 * **Routes** are the `route` table (dialled number → the hub's decision), as text:
 * `ring:1002`, `ring:1003,1004` (ring in parallel), `announce:outside-hours|closure|message`.
 * `routes.read()` skips, with a warning, an entry it cannot decode, so reconcile rewrites it.
 *
 * **Call events** come from Kamailio's evapi socket: netstrings (`<len>:<json>,`), each a
 * PbxCallEvent. The connection is made on the first listener (or in `start()`), and made again
 * with backoff and jitter when it drops. A malformed event is logged and dropped.
 *
 * **RPC transport**: JSON-RPC 2.0 over HTTP (xhttp + jsonrpcs), one request per entry: Kamailio
 * 5.6's jsonrpcs takes no batches. Kamailio keeps HTTP/1.1 connections open, so a keep-alive
 * agent with a few sockets runs the requests side by side; `concurrency` bounds them (the
 * default 4 matches the configuration's TCP workers), and a request's timeout starts only when
 * it is sent, not while it waits for a socket.
 *
 * Every failure is a PbxError: `unreachable` (no connection), `timeout`, `refused` (a JSON-RPC
 * error, with Kamailio's message) or `protocol` (an answer that is not JSON-RPC).
 */
import http from 'node:http';
import net from 'node:net';
import { systemClock, type Clock, type Logger } from '../../protocol/index.js';
import { PbxError, type AnnounceReason, type PbxCallEvent, type PbxPort, type PbxRoute, type PbxRoutes } from './pbx-port.js';

export interface KamailioPbxOptions {
  /** JSON-RPC over HTTP, e.g. `http://127.0.0.1:5071/RPC` (omstil.cfg's RPC_ADDR:RPC_PORT) */
  rpcUrl: string;
  /** the evapi socket (omstil.cfg's EV_BIND); without it the adapter hears no calls */
  events?: { host: string; port: number };
  /** bound on each RPC request and on the evapi connect (default 3000 ms) */
  timeoutMs?: number;
  logger: Logger;
  /** PbxPort name (default 'kamailio') */
  name?: string;
  /** RPC requests in flight at once (default 4) */
  concurrency?: number;
  /** evapi reconnect backoff (defaults 250 ms … 10 s, with jitter) */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** `at` for events Kamailio sends without a time */
  clock?: Clock;
  random?: () => number;
}

/** The hash tables omstil.cfg defines. */
export const FORWARD_TABLE = 'fwd';
export const ROUTE_TABLE = 'route';

const ANNOUNCE_REASONS: readonly AnnounceReason[] = ['outside-hours', 'closure', 'message'];
const EVENT_TYPES: readonly PbxCallEvent['type'][] = ['ringing', 'answered', 'ended', 'transferred'];
/** Numbers and extensions: no separators of the route encoding, no spaces or control characters. */
const NUMBER = /^[0-9A-Za-z+*#._-]{1,64}$/;

/** A route as the `route` table holds it. */
export function encodeRoute(route: PbxRoute): string {
  return route.kind === 'ring' ? `ring:${route.extensions.join(',')}` : `announce:${route.reason}`;
}

/** The route an entry of the `route` table stands for, or null when it is not one. */
export function decodeRoute(text: string): PbxRoute | null {
  if (text.startsWith('ring:')) {
    const list = text.slice(5);
    const extensions = list === '' ? [] : list.split(',');
    return extensions.every((e) => NUMBER.test(e)) ? { kind: 'ring', extensions } : null;
  }
  if (text.startsWith('announce:')) {
    const reason = text.slice(9) as AnnounceReason;
    return ANNOUNCE_REASONS.includes(reason) ? { kind: 'announce', reason } : null;
  }
  return null;
}

export type NetstringItem = { payload: string } | { error: string };

/**
 * Incremental netstring decoder (`<length>:<bytes>,`, length in bytes, decimal): feed it chunks
 * as they come (a netstring may be split across chunks, several may share one). Framing errors
 * come out as items with an `error`; the decoder then skips to the next plausible netstring, so
 * one bad frame costs only itself.
 */
export class NetstringDecoder {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly maxLength = 1 << 20) {}

  push(chunk: Buffer | string): NetstringItem[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, Buffer.from(chunk)]) : Buffer.from(chunk);
    const out: NetstringItem[] = [];
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      const head = colon < 0 ? this.buf : this.buf.subarray(0, colon);
      const digits = /^[0-9]*$/.test(head.toString('latin1'));
      if (!digits || head.length > 9 || (colon === 0)) {
        out.push({ error: `bad netstring length ${JSON.stringify(head.subarray(0, 20).toString('latin1'))}` });
        this.resync();
        continue;
      }
      if (colon < 0) return out; // length not complete yet
      const len = Number(head.toString('latin1'));
      if (len > this.maxLength) {
        out.push({ error: `netstring of ${len} bytes is over the limit of ${this.maxLength}` });
        this.resync();
        continue;
      }
      const end = colon + 1 + len;
      if (this.buf.length <= end) return out; // payload or its comma not here yet
      if (this.buf[end] !== 0x2c) {
        out.push({ error: `netstring of ${len} bytes not ended by ","` });
        this.resync();
        continue;
      }
      out.push({ payload: this.buf.subarray(colon + 1, end).toString('utf8') });
      this.buf = this.buf.subarray(end + 1);
      if (this.buf.length === 0) return out;
    }
  }

  /**
   * After a framing error: drops at least one byte, up to the next place a netstring could start
   * (digits not preceded by a digit, then ":"), keeping trailing digits that may become one.
   */
  private resync(): void {
    const text = this.buf.toString('latin1');
    const m = /(?<![0-9])[0-9]{1,9}:/.exec(text.slice(1));
    if (m) {
      this.buf = this.buf.subarray(m.index + 1);
      return;
    }
    const tail = /(?<![0-9])[0-9]{1,9}$/.exec(text.slice(1));
    this.buf = tail ? this.buf.subarray(tail.index + 1) : Buffer.alloc(0);
  }
}

/** The event in a JSON text, or why it is not one. `at` comes from `at` or `ts`, else from `now`. */
export function parseCallEvent(text: string, now: () => Date): PbxCallEvent | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  return toCallEvent(v, now);
}

function toCallEvent(v: unknown, now: () => Date): PbxCallEvent | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (!EVENT_TYPES.includes(o.type as PbxCallEvent['type'])) return `unknown type ${JSON.stringify(o.type)}`;
  for (const k of ['callId', 'caller', 'callee'] as const) if (typeof o[k] !== 'string') return `${k} is not a string`;
  if ((o.callId as string) === '') return 'empty callId';
  // omstil.cfg sends `ts` (seconds since 1970, with milliseconds); an ISO `at` is taken as well
  const at =
    typeof o.at === 'string' && !Number.isNaN(Date.parse(o.at))
      ? new Date(o.at).toISOString()
      : typeof o.ts === 'number' && Number.isFinite(o.ts) && o.ts > 0 && o.ts < 1e11
        ? new Date(Math.round(o.ts * 1000)).toISOString()
        : now().toISOString();
  const e: PbxCallEvent = { type: o.type as PbxCallEvent['type'], callId: o.callId as string, at, caller: o.caller as string, callee: o.callee as string };
  if (o.extensions !== undefined) {
    if (!Array.isArray(o.extensions) || !o.extensions.every((x) => typeof x === 'string')) return 'extensions is not a list of strings';
    e.extensions = o.extensions as string[];
  }
  if (o.route !== undefined) {
    const r = o.route as Record<string, unknown> | null;
    if (r && r.kind === 'ring' && Array.isArray(r.extensions) && r.extensions.every((x) => typeof x === 'string')) e.route = { kind: 'ring', extensions: r.extensions as string[] };
    else if (r && r.kind === 'announce' && ANNOUNCE_REASONS.includes(r.reason as AnnounceReason)) e.route = { kind: 'announce', reason: r.reason as AnnounceReason };
    else return 'route is not a PbxRoute';
  }
  for (const k of ['transferTo', 'reason'] as const) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'string') return `${k} is not a string`;
    e[k] = o[k] as string;
  }
  return e;
}

type RpcAnswer = { result: unknown } | { error: { code: number; message: string } };

export class KamailioPbx implements PbxPort {
  readonly name: string;
  readonly routes: PbxRoutes;
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private agent: http.Agent | null = null;
  private nextId = 1;
  /** RPC requests waiting for one of the `concurrency` slots */
  private readonly queue: Array<() => void> = [];
  private inFlight = 0;
  private readonly listeners = new Set<(e: PbxCallEvent) => void>();
  private socket: net.Socket | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private attempts = 0;
  private stopped = false;
  /** evapi greeted the current connection: Kamailio has registered it as a client */
  private greeted = false;
  private greetWaiters = new Set<() => void>();

  constructor(private readonly opts: KamailioPbxOptions) {
    this.name = opts.name ?? 'kamailio';
    this.url = new URL(opts.rpcUrl);
    this.timeoutMs = opts.timeoutMs ?? 3000;
    this.log = opts.logger;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.routes = {
      apply: (number, route) => this.applyRoute(number, route),
      read: () => this.readRoutes(),
    };
  }

  /**
   * This Kamailio run: its start time and the attendant's pid (`core.uptime`, `core.ps`). The
   * hash tables live in memory, so a new run has lost the forwards and routes: PbxSync then puts
   * them back instead of taking the empty tables for people clearing their forwards.
   */
  async instance(): Promise<string> {
    const [uptime, ps] = await Promise.all([this.call('core.uptime', []), this.call('core.ps', [])]);
    const since = (uptime as { up_since?: unknown } | null)?.up_since;
    const pid = Array.isArray(ps) ? ps[0] : undefined;
    if (typeof since !== 'string' || (typeof pid !== 'number' && typeof pid !== 'string')) throw new PbxError(this.name, 'protocol', 'core.uptime / core.ps answered in an unexpected shape');
    return `${since} pid ${pid}`;
  }

  /**
   * Checks that Kamailio answers JSON-RPC and runs omstil.cfg (its tables exist); rejects with
   * PbxError `unreachable` when it does not answer. With `events`, connects to evapi and waits
   * (up to `timeoutMs`) for Kamailio's greeting; without one it logs a warning and goes on
   * trying in the background: forwards and routes do not depend on the events.
   */
  async start(): Promise<void> {
    this.stopped = false;
    let stats: unknown;
    try {
      stats = await this.call('htable.stats', []);
    } catch (err) {
      const e = err as PbxError;
      if (e.code === 'unreachable' || e.code === 'timeout') throw new PbxError(this.name, 'unreachable', `Kamailio JSON-RPC at ${this.url.href} does not answer: ${e.message}`);
      throw err;
    }
    const names = Array.isArray(stats) ? stats.map((t) => (t as { name?: unknown })?.name) : [];
    for (const t of [FORWARD_TABLE, ROUTE_TABLE]) {
      if (!names.includes(t)) throw new PbxError(this.name, 'protocol', `Kamailio at ${this.url.href} has no htable "${t}": is it running broker/pbx/kamailio/omstil.cfg?`);
    }
    if (this.opts.events) {
      this.connect();
      await this.whenEventsConnected().catch((err: Error) => this.log.warn('kamailio call events not connected yet; still trying', { error: err.message }));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.socket?.destroy();
    this.socket = null;
    this.greeted = false;
    this.agent?.destroy();
    this.agent = null;
  }

  async applyForward(extension: string, toExtension: string | null): Promise<void> {
    this.checkNumber(extension, 'extension');
    if (toExtension === null) return this.deleteKey(FORWARD_TABLE, extension);
    this.checkNumber(toExtension, 'forward target');
    await this.call('htable.sets', [FORWARD_TABLE, extension, toExtension]);
  }

  async readForwards(): Promise<Map<string, string>> {
    return this.dump(FORWARD_TABLE);
  }

  onCallEvent(listener: (e: PbxCallEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.opts.events && !this.stopped) this.connect();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Resolves when the evapi connection is up and Kamailio has registered it (its greeting
   * arrived): events from then on reach the listeners. Rejects after `timeoutMs`.
   */
  whenEventsConnected(): Promise<void> {
    const ev = this.opts.events;
    if (!ev) return Promise.reject(new Error('no events socket configured'));
    if (this.greeted) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.greetWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.greetWaiters.delete(done);
        reject(new PbxError(this.name, 'unreachable', `no evapi connection to ${ev.host}:${ev.port} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.greetWaiters.add(done);
    });
  }

  /**
   * Any Kamailio RPC command (e.g. `ul.lookup`, `core.uptime`), for tools and tests. A JSON-RPC
   * error is PbxError `refused` with Kamailio's message.
   */
  rpc(method: string, params: unknown[] = []): Promise<unknown> {
    return this.call(method, params);
  }

  // ---- routes

  private async applyRoute(number: string, route: PbxRoute | null): Promise<void> {
    this.checkNumber(number, 'number');
    if (route === null) return this.deleteKey(ROUTE_TABLE, number);
    if (route.kind === 'ring') for (const e of route.extensions) this.checkNumber(e, `extension in the route for ${number}`);
    else if (!ANNOUNCE_REASONS.includes(route.reason)) throw new PbxError(this.name, 'refused', `route for ${number}: unknown announce reason ${JSON.stringify(route.reason)}`);
    await this.call('htable.sets', [ROUTE_TABLE, number, encodeRoute(route)]);
  }

  private async readRoutes(): Promise<Map<string, PbxRoute>> {
    const out = new Map<string, PbxRoute>();
    for (const [number, text] of await this.dump(ROUTE_TABLE)) {
      const route = decodeRoute(text);
      if (route) out.set(number, route);
      else this.log.warn('kamailio route entry not understood; left for reconcile to rewrite', { number, value: text });
    }
    return out;
  }

  // ---- htable helpers

  private checkNumber(value: string, what: string): void {
    if (typeof value !== 'string' || !NUMBER.test(value)) throw new PbxError(this.name, 'refused', `${what} ${JSON.stringify(value)} is not a dialable number`);
  }

  private async deleteKey(table: string, key: string): Promise<void> {
    const answer = await this.request('htable.delete', [table, key]);
    // Kamailio: {"code":404,"message":"Key not found in htable."}: already gone, which is what was asked
    if ('error' in answer && answer.error.code !== 404) throw this.refused('htable.delete', answer.error);
  }

  private async dump(table: string): Promise<Map<string, string>> {
    const result = await this.call('htable.dump', [table]);
    // [{entry, size, slot: [{name, value, type}]}] — one element per non-empty slot
    if (!Array.isArray(result)) throw new PbxError(this.name, 'protocol', `htable.dump ${table}: result is not a list`);
    const out = new Map<string, string>();
    for (const slot of result as Array<{ slot?: unknown }>) {
      if (!slot || !Array.isArray(slot.slot)) throw new PbxError(this.name, 'protocol', `htable.dump ${table}: slot without items`);
      for (const item of slot.slot as Array<{ name?: unknown; value?: unknown }>) {
        if (typeof item?.name !== 'string' || (typeof item.value !== 'string' && typeof item.value !== 'number')) {
          throw new PbxError(this.name, 'protocol', `htable.dump ${table}: item without name and value`);
        }
        out.set(item.name, String(item.value));
      }
    }
    return out;
  }

  // ---- JSON-RPC over HTTP

  private refused(method: string, error: { code: number; message: string }): PbxError {
    return new PbxError(this.name, 'refused', `${method}: ${error.message} (${error.code})`);
  }

  /** The result of a JSON-RPC call; a JSON-RPC error is PbxError `refused`. */
  private async call(method: string, params: unknown[]): Promise<unknown> {
    const answer = await this.request(method, params);
    if ('error' in answer) throw this.refused(method, answer.error);
    return answer.result;
  }

  /** One JSON-RPC request, when a slot is free. Every call here is idempotent, so a request on a
   *  kept-alive socket the server had just closed is sent once more on a fresh one. */
  private async request(method: string, params: unknown[]): Promise<RpcAnswer> {
    await this.slot();
    try {
      try {
        return await this.send(method, params);
      } catch (err) {
        if ((err as { retry?: boolean }).retry) return await this.send(method, params);
        throw err;
      }
    } finally {
      this.inFlight--;
      this.queue.shift()?.();
    }
  }

  private slot(): Promise<void> {
    if (this.inFlight < (this.opts.concurrency ?? 4)) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.queue.push(() => {
        this.inFlight++;
        resolve();
      }),
    );
  }

  private send(method: string, params: unknown[]): Promise<RpcAnswer> {
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', method, params, id });
    this.agent ??= new http.Agent({ keepAlive: true, maxSockets: this.opts.concurrency ?? 4 });
    return new Promise<RpcAnswer>((resolve, reject) => {
      let settled = false;
      const fail = (err: PbxError, retry = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(Object.assign(err, retry ? { retry } : {}));
      };
      const req = http.request(
        {
          agent: this.agent!,
          host: this.url.hostname,
          port: this.url.port || 80,
          path: this.url.pathname + this.url.search,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => fail(new PbxError(this.name, 'unreachable', `${method}: ${err.message}`)));
          res.on('end', () => {
            if (settled) return;
            const text = Buffer.concat(chunks).toString('utf8');
            let v: unknown;
            try {
              v = JSON.parse(text);
            } catch {
              v = undefined;
            }
            const o = v as Record<string, unknown> | undefined;
            // Kamailio sends a JSON-RPC error with the error's code as HTTP status (404, 500, …)
            if (!o || typeof o !== 'object' || o.jsonrpc !== '2.0' || (o.id !== id && o.id !== undefined)) {
              const status = res.statusCode === 200 ? '' : `HTTP ${res.statusCode} ${res.statusMessage ?? ''}: `;
              return fail(new PbxError(this.name, 'protocol', `${method}: ${status}answer from ${this.url.href} is not JSON-RPC 2.0 for request ${id}: ${text.slice(0, 200).trim()}`));
            }
            if (o.error !== undefined) {
              const e = o.error as Record<string, unknown> | null;
              settled = true;
              clearTimeout(timer);
              return resolve({ error: { code: typeof e?.code === 'number' ? e.code : 0, message: typeof e?.message === 'string' ? e.message : JSON.stringify(e) } });
            }
            if (!('result' in o)) return fail(new PbxError(this.name, 'protocol', `${method}: answer has neither result nor error`));
            settled = true;
            clearTimeout(timer);
            resolve({ result: o.result });
          });
        },
      );
      const timer = setTimeout(() => {
        fail(new PbxError(this.name, 'timeout', `${method}: no answer from ${this.url.href} within ${this.timeoutMs} ms`));
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        // a reused keep-alive socket the server closed meanwhile: try once more
        const stale = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
        fail(new PbxError(this.name, 'unreachable', `${method}: ${this.url.href}: ${err.code ?? err.message}`), stale);
      });
      req.end(body);
    });
  }

  // ---- evapi

  private connect(): void {
    if (this.socket || this.reconnectTimer || this.stopped || !this.opts.events) return;
    const { host, port } = this.opts.events;
    const decoder = new NetstringDecoder();
    const socket = net.connect({ host, port });
    this.socket = socket;
    const connectTimer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
    socket.setKeepAlive(true, 30_000);
    socket.on('connect', () => {
      clearTimeout(connectTimer);
      this.log.debug('kamailio evapi connected', { host, port });
    });
    socket.on('data', (chunk: Buffer) => {
      for (const item of decoder.push(chunk)) {
        if ('error' in item) this.log.warn('kamailio evapi: framing error, skipped', { error: item.error });
        else this.handle(item.payload);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.log.debug('kamailio evapi socket error', { error: err.code ?? err.message });
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      this.greeted = false;
      const base = Math.min(this.opts.reconnectMaxMs ?? 10_000, (this.opts.reconnectMinMs ?? 250) * 2 ** this.attempts);
      const delay = Math.round(base * (0.5 + this.random() / 2));
      this.attempts++;
      this.log.warn('kamailio evapi connection lost; reconnecting', { host, port, inMs: delay, attempt: this.attempts });
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        this.connect();
      }, delay);
      this.reconnectTimer.unref();
    });
  }

  private handle(payload: string): void {
    let v: unknown;
    try {
      v = JSON.parse(payload);
    } catch {
      this.log.warn('kamailio evapi: event is not JSON, dropped', { payload: payload.slice(0, 300) });
      return;
    }
    if ((v as { type?: unknown } | null)?.type === 'hello') {
      // omstil.cfg greets each new client from event_route[evapi:connection-new]
      this.attempts = 0;
      this.greeted = true;
      for (const w of [...this.greetWaiters]) w();
      this.log.debug('kamailio evapi greeted');
      return;
    }
    const e = toCallEvent(v, () => this.clock.now());
    if (typeof e === 'string') {
      this.log.warn('kamailio evapi: malformed call event dropped', { error: e, payload: payload.slice(0, 300) });
      return;
    }
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.log.error('call event listener failed', { error: (err as Error).message, type: e.type, callId: e.callId });
      }
    }
  }
}
