/**
 * One Asterisk Manager Interface session over TCP (node:net): connect, read the banner, `Login`,
 * then actions matched to their responses by `ActionID`, and events handed to listeners.
 *
 * Protocol (Asterisk's AMI documentation, "AMI v2 Specification", main/manager.c, Asterisk 13–21):
 * - The server speaks first: `Asterisk Call Manager/<AMI version>` CRLF.
 * - An action is `Action: <name>` + `ActionID: <id>` + fields, each CRLF, ended by an empty line.
 *   Its answer is a packet with `Response: Success|Error|Goodbye|Follows` and the same ActionID.
 * - A list answer (`EventList: start` on the response) goes on in events carrying the ActionID up
 *   to one with `EventList: Complete` (or `Cancelled`), e.g. DBGetTree → DBGetTreeResponse… then
 *   DBGetTreeComplete. They are collected into the one answer.
 * - `Response: Follows` (Command, Asterisk ≤ 13) carries raw output ended by `--END COMMAND--`;
 *   Asterisk ≥ 14 answers Command with `Output:` headers. Both come out as `output` lines.
 * - Login: `Username`, `Secret`, `Events` (the event classes wanted: `call`, `off`, …). A refusal is
 *   `Response: Error` / `Message: Authentication failed`, after which Asterisk closes the socket.
 * - `Ping` → `Response: Success` / `Ping: Pong` keeps the session alive and proves it is.
 * - `Logoff` → `Response: Goodbye`, then Asterisk closes the socket.
 *
 * Behaviour: every action waits at most `timeoutMs` (including any wait for a connection), then
 * rejects with PbxError `timeout` (sent, no answer) or `unreachable` (no session to send on).
 * After the session drops (or a Ping goes unanswered) it reconnects with exponential backoff and
 * jitter and logs in again; actions asked for meanwhile wait for it within their bound. Actions
 * already sent on a dropped session reject at once (`unreachable`): an answer can no longer come.
 * Garbage from the server is logged and skipped (see ami-parser.ts); it never throws.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../../protocol/index.js';
import { PbxError } from '../pbx-port.js';
import { AmiPacket, AmiParser, serializeAction } from './ami-parser.js';

export interface AmiClientOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  logger: Logger;
  /** the Login's `Events:` header: which event classes to receive (default `call`; `off` for none) */
  events?: string;
  /** the bound on every action, and on connect + banner + login (default 5 s) */
  timeoutMs?: number;
  /** how often to Ping an idle-or-not session (default 20 s; 0: never) */
  pingIntervalMs?: number;
  /** first reconnect delay (default 500 ms), doubling up to `reconnectMaxMs` (default 30 s), with jitter */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** the PBX's name in PbxError (default 'asterisk') */
  pbxName?: string;
  /** for the jitter; tests pass a seeded one */
  random?: () => number;
}

/** An action's answer. */
export interface AmiResponse {
  /** `Success`, `Error`, `Goodbye`, `Follows`, … */
  response: string;
  /** Success, Goodbye or Follows */
  ok: boolean;
  message: string | undefined;
  packet: AmiPacket;
  /** the events of a list answer (without the closing `…Complete` event) */
  events: AmiPacket[];
  /** Command output lines: `Output:` headers (Asterisk ≥ 14) or the Follows body (≤ 13) */
  output: string[];
}

export type AmiStatus = 'connected' | 'disconnected' | 'stopped';

interface Pending {
  id: string;
  action: string;
  wire: string;
  sent: boolean;
  /** the session it was sent on */
  conn: Conn | null;
  /** set once the `EventList: start` response came */
  list: AmiPacket | null;
  events: AmiPacket[];
  timer: NodeJS.Timeout;
  resolve(r: AmiResponse): void;
  reject(e: Error): void;
}

interface Conn {
  socket: net.Socket;
  parser: AmiParser;
  banner: string | null;
  loggedIn: boolean;
  closed: boolean;
  /** wakes the connect sequence waiting for the banner */
  onBanner: ((line: string) => void) | null;
  /** what the parser had to skip on this session */
  malformed: number;
}

const MAX_LIST_EVENTS = 200_000;

export class AmiClient {
  private readonly timeoutMs: number;
  private readonly pingMs: number;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly pbx: string;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly idPrefix = randomBytes(4).toString('hex');
  private nextId = 1;
  private conn: Conn | null = null;
  private readonly pending = new Map<string, Pending>();
  /** actions waiting for a logged-in session, oldest first */
  private readonly queue: Pending[] = [];
  private readonly eventListeners = new Set<(e: AmiPacket) => void>();
  private readonly statusListeners = new Set<(s: AmiStatus) => void>();
  private running = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private bannerText: string | null = null;

  constructor(private readonly opts: AmiClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.pingMs = opts.pingIntervalMs ?? 20_000;
    this.minMs = opts.reconnectMinMs ?? 500;
    this.maxMs = opts.reconnectMaxMs ?? 30_000;
    this.pbx = opts.pbxName ?? 'asterisk';
    this.random = opts.random ?? Math.random;
    this.log = opts.logger;
  }

  /** The server's banner of the current (or last) session, e.g. `Asterisk Call Manager/9.0.0`. */
  get banner(): string | null {
    return this.bannerText;
  }

  /** Logged in and ready for actions. */
  get connected(): boolean {
    return !!this.conn?.loggedIn && !this.conn.closed;
  }

  /** Connect and log in; rejects with PbxError `unreachable`, `refused`, `timeout` or `protocol`. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.connect();
    } catch (err) {
      this.running = false;
      throw err;
    }
  }

  /** Log off, close the socket, stop every timer; actions still waiting reject `unreachable`. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopPing();
    const conn = this.conn;
    if (conn && conn.loggedIn && !conn.closed) {
      try {
        await this.send('Logoff', {}, Math.min(this.timeoutMs, 1000));
      } catch {
        // it is going away either way
      }
    }
    this.failAll(new PbxError(this.pbx, 'unreachable', 'AMI client stopped'));
    if (conn) this.close(conn);
    this.conn = null;
    this.emitStatus('stopped');
  }

  /**
   * Send an action and wait for its answer (a `Response: Error` resolves too, with `ok: false`;
   * the caller decides what an error means). `fields` must not contain CR or LF.
   */
  action(action: string, fields: Readonly<Record<string, string>> = {}, opts: { timeoutMs?: number } = {}): Promise<AmiResponse> {
    if (!this.running) return Promise.reject(new PbxError(this.pbx, 'unreachable', `AMI client not started (${action})`));
    return this.send(action, fields, opts.timeoutMs ?? this.timeoutMs);
  }

  /** Events (packets with `Event:` that are not part of a list answer). Returns an unsubscribe function. */
  onEvent(listener: (e: AmiPacket) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Session changes: `connected` after every (re)login, `disconnected` when it drops, `stopped`. */
  onStatus(listener: (s: AmiStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  // ---- the session ----

  private async connect(): Promise<void> {
    const { host, port } = this.opts;
    const deadline = Date.now() + this.timeoutMs;
    const left = () => Math.max(1, deadline - Date.now());
    const socket = net.createConnection({ host, port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const conn: Conn = {
      socket,
      banner: null,
      loggedIn: false,
      closed: false,
      onBanner: null,
      malformed: 0,
      parser: new AmiParser({
        onBanner: (line) => {
          conn.banner = line;
          conn.onBanner?.(line);
        },
        onPacket: (p) => this.packet(conn, p),
        onMalformed: (reason, sample) => {
          // a server spewing garbage must not flood the log: the first few, then every 1000th
          conn.malformed++;
          if (conn.malformed <= 20 || conn.malformed % 1000 === 0) this.log.warn('AMI: skipped what could not be read', { reason, sample, count: conn.malformed });
        },
      }),
    };
    this.conn = conn;

    let closedEarly: ((err: Error) => void) | null = null;
    socket.on('data', (chunk: Buffer) => conn.parser.feed(chunk));
    socket.on('error', (err) => {
      this.log.debug('AMI socket error', { error: err.message });
      closedEarly?.(new PbxError(this.pbx, 'unreachable', `AMI ${host}:${port}: ${err.message}`));
    });
    socket.on('close', () => {
      closedEarly?.(new PbxError(this.pbx, 'unreachable', `AMI ${host}:${port} closed the connection`));
      this.closed(conn);
    });

    try {
      // connected, then the banner
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new PbxError(this.pbx, 'unreachable', `AMI ${host}:${port}: no banner within ${this.timeoutMs} ms`)), left());
        closedEarly = (err) => {
          clearTimeout(timer);
          reject(err);
        };
        const got = (line: string) => {
          clearTimeout(timer);
          conn.onBanner = null;
          if (!line.startsWith('Asterisk Call Manager/')) {
            reject(new PbxError(this.pbx, 'protocol', `AMI ${host}:${port}: not an Asterisk manager (${JSON.stringify(line.slice(0, 60))})`));
          } else resolve();
        };
        if (conn.banner !== null) got(conn.banner);
        else conn.onBanner = got;
      });
      this.bannerText = conn.banner;
      const login = this.sendOn(conn, 'Login', { Username: this.opts.username, Secret: this.opts.secret, Events: this.opts.events ?? 'call' }, left());
      // a refusal closes the socket right after the answer: let the answer win
      closedEarly = null;
      const res = await login;
      if (!res.ok) throw new PbxError(this.pbx, 'refused', `AMI login as ${this.opts.username} refused: ${res.message ?? res.response}`);
    } catch (err) {
      closedEarly = null;
      this.close(conn);
      if (this.conn === conn) this.conn = null;
      throw err instanceof PbxError ? err : new PbxError(this.pbx, 'unreachable', `AMI ${host}:${port}: ${(err as Error).message}`);
    }
    if (conn.closed) throw new PbxError(this.pbx, 'unreachable', `AMI ${host}:${port} closed the connection`);
    conn.loggedIn = true;
    this.attempt = 0;
    this.log.info('AMI logged in', { host, port, banner: conn.banner });
    this.startPing(conn);
    this.emitStatus('connected');
    this.flush();
  }

  private closed(conn: Conn): void {
    if (conn.closed) return;
    conn.closed = true;
    // what was sent on this session can no longer be answered
    for (const p of [...this.pending.values()]) {
      if (p.conn === conn) this.settle(p, null, new PbxError(this.pbx, 'unreachable', `AMI connection lost before ${p.action} was answered`));
    }
    if (this.conn !== conn) return;
    const wasUp = conn.loggedIn;
    this.conn = null;
    this.stopPing();
    if (!this.running || !wasUp) return;
    this.log.warn('AMI connection lost; reconnecting', { host: this.opts.host, port: this.opts.port });
    this.emitStatus('disconnected');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer) return;
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 20));
    const delay = Math.round(base / 2 + (base / 2) * this.random()); // "equal jitter"
    this.attempt++;
    this.log.debug('AMI reconnect scheduled', { inMs: delay, attempt: this.attempt });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.running) return;
      this.connect().catch((err: Error) => {
        const code = err instanceof PbxError ? err.code : 'unreachable';
        const fields = { code, error: err.message, attempt: this.attempt };
        // a refused login will not mend itself: that one is for a human
        if (code === 'refused') this.log.error('AMI reconnect failed', fields);
        else this.log.warn('AMI reconnect failed', fields);
        this.scheduleReconnect();
      });
    }, delay);
  }

  private close(conn: Conn): void {
    if (!conn.socket.destroyed) {
      conn.socket.end();
      conn.socket.destroy();
    }
    this.closed(conn);
  }

  private startPing(conn: Conn): void {
    this.stopPing();
    if (this.pingMs <= 0) return;
    this.pingTimer = setTimeout(() => {
      this.pingTimer = null;
      if (this.conn !== conn || conn.closed) return;
      this.sendOn(conn, 'Ping', {}, this.timeoutMs).then(
        (res) => {
          if (!res.ok) this.log.warn('AMI Ping answered with an error', { message: res.message });
          if (this.conn === conn && !conn.closed) this.startPing(conn);
        },
        (err: Error) => {
          if (this.conn !== conn || conn.closed) return;
          this.log.warn('AMI Ping unanswered; dropping the session', { error: err.message });
          this.close(conn);
        },
      );
    }, this.pingMs);
  }

  private stopPing(): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = null;
  }

  // ---- actions ----

  private send(action: string, fields: Readonly<Record<string, string>>, timeoutMs: number): Promise<AmiResponse> {
    return this.dispatch(null, action, fields, timeoutMs);
  }

  /** Send on a session that is not logged in yet (Login itself) or not through the queue (Ping). */
  private sendOn(conn: Conn, action: string, fields: Readonly<Record<string, string>>, timeoutMs: number): Promise<AmiResponse> {
    return this.dispatch(conn, action, fields, timeoutMs);
  }

  /**
   * One action with its ActionID and time bound: written on `conn`, or (null) on the logged-in
   * session, queued until there is one. Timing out unsent means the PBX was not reachable.
   */
  private dispatch(conn: Conn | null, action: string, fields: Readonly<Record<string, string>>, timeoutMs: number): Promise<AmiResponse> {
    return new Promise<AmiResponse>((resolve, reject) => {
      const id = `${this.idPrefix}-${this.nextId++}`;
      let wire: string;
      try {
        wire = serializeAction(action, id, fields);
      } catch (err) {
        return reject(new PbxError(this.pbx, 'protocol', (err as Error).message));
      }
      const p: Pending = {
        id,
        action,
        wire,
        sent: false,
        conn: null,
        list: null,
        events: [],
        resolve,
        reject,
        timer: setTimeout(() => {
          const err = p.sent || conn
            ? new PbxError(this.pbx, 'timeout', `AMI ${action} not answered within ${timeoutMs} ms`)
            : new PbxError(this.pbx, 'unreachable', `AMI ${this.opts.host}:${this.opts.port} not connected within ${timeoutMs} ms (${action})`);
          this.settle(p, null, err);
        }, timeoutMs),
      };
      this.pending.set(id, p);
      if (conn) this.write(conn, p);
      else if (this.connected) this.write(this.conn!, p);
      else this.queue.push(p);
    });
  }

  private write(conn: Conn, p: Pending): void {
    if (conn.closed) {
      this.settle(p, null, new PbxError(this.pbx, 'unreachable', `AMI connection lost before ${p.action} was sent`));
      return;
    }
    p.sent = true;
    p.conn = conn;
    conn.socket.write(p.wire);
  }

  private flush(): void {
    while (this.queue.length > 0 && this.connected) {
      const p = this.queue.shift()!;
      if (this.pending.has(p.id)) this.write(this.conn!, p);
    }
  }

  private settle(p: Pending, res: AmiResponse | null, err?: Error): void {
    if (!this.pending.delete(p.id)) return;
    clearTimeout(p.timer);
    const i = this.queue.indexOf(p);
    if (i >= 0) this.queue.splice(i, 1);
    if (res) p.resolve(res);
    else p.reject(err ?? new PbxError(this.pbx, 'protocol', 'no answer'));
  }

  private failAll(err: PbxError): void {
    for (const p of [...this.pending.values()]) this.settle(p, null, err);
  }

  // ---- incoming ----

  private packet(conn: Conn, packet: AmiPacket): void {
    if (conn !== this.conn && !this.isPendingOn(conn, packet.actionId)) return; // a stale session
    const id = packet.actionId;
    const p = id !== undefined ? this.pending.get(id) : undefined;
    if (packet.response !== undefined) {
      if (!p || p.conn !== conn) {
        this.log.debug('AMI response nobody waits for (late or stray)', { actionId: id, response: packet.response });
        return;
      }
      const ok = /^(success|goodbye|follows)$/i.test(packet.response.trim());
      if (ok && packet.get('EventList')?.trim().toLowerCase() === 'start') {
        p.list = packet;
        return;
      }
      this.settle(p, this.response(packet, []));
      return;
    }
    // an event
    if (p && p.list && p.conn === conn) {
      const flag = packet.get('EventList')?.trim().toLowerCase();
      if (flag === 'complete' || flag === 'cancelled') {
        this.settle(p, this.response(p.list, p.events));
      } else if (p.events.length < MAX_LIST_EVENTS) {
        p.events.push(packet);
      }
      return;
    }
    for (const l of this.eventListeners) {
      try {
        l(packet);
      } catch (err) {
        this.log.error('AMI event listener threw', { event: packet.event, error: (err as Error).message });
      }
    }
  }

  private isPendingOn(conn: Conn, id: string | undefined): boolean {
    return id !== undefined && this.pending.get(id)?.conn === conn;
  }

  private response(packet: AmiPacket, events: AmiPacket[]): AmiResponse {
    const response = packet.response!.trim();
    return {
      response,
      ok: /^(success|goodbye|follows)$/i.test(response),
      message: packet.get('Message'),
      packet,
      events,
      output: packet.follows.length > 0 ? [...packet.follows] : packet.all('Output'),
    };
  }

  private emitStatus(s: AmiStatus): void {
    for (const l of this.statusListeners) {
      try {
        l(s);
      } catch (err) {
        this.log.error('AMI status listener threw', { status: s, error: (err as Error).message });
      }
    }
  }
}
