/**
 * The screen's end of the device bridge (protocol/bridge.ts): one WebSocket to the firmware
 * on the same host, validated views in, correlated requests out. Reconnects by itself with
 * backoff. No DOM at import time and the socket is injected, so it is tested in Node.
 */
import {
  BridgeToScreen,
  decodeJson,
  encode,
  type ArgsOf,
  type DeviceView,
  type ErrorCode,
  type Op,
  type ScreenToBridge,
} from '../protocol/index.js';

/** What a socket tells its owner. `message` carries text frames only. */
export interface SocketHandlers {
  open(): void;
  message(data: string): void;
  close(): void;
}
export interface SocketLike {
  send(data: string): void;
  close(): void;
}
export type SocketFactory = (url: string, on: SocketHandlers) => SocketLike;

/** The browser's WebSocket behind the SocketFactory port. */
export const browserSocket: SocketFactory = (url, on) => {
  const ws = new WebSocket(url);
  ws.onopen = () => on.open();
  ws.onmessage = (ev: MessageEvent) => {
    if (typeof ev.data === 'string') on.message(ev.data);
  };
  ws.onclose = () => on.close();
  ws.onerror = () => {
    /* a close event always follows */
  };
  return {
    send: (data) => ws.send(data),
    close: () => {
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.close();
    },
  };
};

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

export interface BridgeClientOptions {
  url: string;
  socket?: SocketFactory;
  timers?: Timers;
  /** 0..1, for backoff jitter */
  random?: () => number;
  requestTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

/** The error of a failed request: the hub's error body, or a local `timeout` / `offline`. */
export interface RequestError {
  code: ErrorCode;
  message: string;
  rule?: string;
  field?: string;
}
export type RequestResult = { ok: true; data?: unknown } | { ok: false; error: RequestError };

/** What a component needs to send requests (om-app passes the client down). */
export interface Requester {
  request<O extends Op>(op: O, args: ArgsOf<O>): Promise<RequestResult>;
}

export interface BridgeSnapshot {
  view: DeviceView | null;
  linkUp: boolean;
  failures: number;
}

export const REQUEST_TIMEOUT_MS = 10_000;

interface Pending {
  resolve(r: RequestResult): void;
  timer: unknown;
}

export class BridgeClient implements Requester {
  private readonly url: string;
  private readonly makeSocket: SocketFactory;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly requestTimeoutMs: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;

  private socket: SocketLike | null = null;
  /** bumps with every socket, so events of an old socket are ignored */
  private generation = 0;
  private running = false;
  private reconnectTimer: unknown = null;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(s: BridgeSnapshot) => void>();
  private seq = 0;
  private readonly idPrefix: string;

  private _view: DeviceView | null = null;
  private _linkUp = false;
  private _failures = 0;
  /** incoming frames that were not valid bridge messages (dropped) */
  badMessages = 0;

  constructor(opts: BridgeClientOptions) {
    this.url = opts.url;
    this.makeSocket = opts.socket ?? browserSocket;
    this.timers = opts.timers ?? realTimers;
    this.random = opts.random ?? Math.random;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.backoffInitialMs = opts.backoffInitialMs ?? 500;
    this.backoffMaxMs = opts.backoffMaxMs ?? 15_000;
    this.idPrefix = `s${Math.floor(this.random() * 36 ** 4).toString(36)}`;
  }

  get view(): DeviceView | null {
    return this._view;
  }
  get linkUp(): boolean {
    return this._linkUp;
  }
  get failures(): number {
    return this._failures;
  }
  snapshot(): BridgeSnapshot {
    return { view: this._view, linkUp: this._linkUp, failures: this._failures };
  }

  /** Called with a snapshot whenever the view or the link changes. Returns an unsubscribe. */
  subscribe(fn: (s: BridgeSnapshot) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    if (this.reconnectTimer !== null) this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const s = this.socket;
    this.socket = null;
    s?.close();
    this.failAll('offline', 'bridge client stopped');
    this._linkUp = false;
    this.notify();
  }

  /** Sends a request to the firmware; resolves with its answer, or a local `timeout`/`offline`. */
  request<O extends Op>(op: O, args: ArgsOf<O>): Promise<RequestResult> {
    if (!this._linkUp || !this.socket) {
      return Promise.resolve({ ok: false, error: { code: 'offline', message: 'bridge not connected' } });
    }
    const id = `${this.idPrefix}-${++this.seq}`;
    const frame = { t: 'req', id, op, args } as ScreenToBridge;
    return new Promise<RequestResult>((resolve) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: { code: 'timeout', message: `no reply in ${this.requestTimeoutMs} ms` } });
      }, this.requestTimeoutMs);
      this.pending.set(id, { resolve, timer });
      try {
        this.socket!.send(encode(frame));
      } catch {
        this.settle(id, { ok: false, error: { code: 'offline', message: 'send failed' } });
      }
    });
  }

  private connect(): void {
    this.reconnectTimer = null;
    const gen = ++this.generation;
    const mine = (fn: () => void) => () => {
      if (gen === this.generation) fn();
    };
    try {
      this.socket = this.makeSocket(this.url, {
        open: mine(() => this.onOpen()),
        message: (data) => {
          if (gen === this.generation) this.onMessage(data);
        },
        close: mine(() => this.onClose()),
      });
    } catch {
      this.socket = null;
      this.onClose();
    }
  }

  private onOpen(): void {
    this._linkUp = true;
    this._failures = 0;
    this.notify();
  }

  private onMessage(text: string): void {
    const decoded = decodeJson(BridgeToScreen, text);
    if (!decoded.ok) {
      this.badMessages++;
      return;
    }
    const msg = decoded.value as BridgeToScreen;
    if (msg.t === 'view') {
      this._view = msg.view;
      this.notify();
      return;
    }
    if (msg.id === null) return; // an error the firmware could not correlate; nothing waits for it
    if (msg.ok) this.settle(msg.id, msg.data === undefined ? { ok: true } : { ok: true, data: msg.data });
    else this.settle(msg.id, { ok: false, error: msg.error });
  }

  private onClose(): void {
    this.generation++;
    this.socket = null;
    this._linkUp = false;
    this._failures++;
    // The firmware may or may not have acted; the next view tells the truth.
    this.failAll('offline', 'bridge connection lost');
    this.notify();
    if (this.running) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const exp = Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** Math.min(this._failures - 1, 16));
    const delay = Math.round(exp * (0.8 + 0.4 * this.random()));
    this.reconnectTimer = this.timers.setTimeout(() => this.connect(), delay);
  }

  private settle(id: string, result: RequestResult): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.timers.clearTimeout(p.timer);
    p.resolve(result);
  }

  private failAll(code: ErrorCode, message: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, error: { code, message } });
  }

  private notify(): void {
    const s = this.snapshot();
    for (const fn of this.listeners) fn(s);
  }
}
