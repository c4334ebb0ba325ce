/**
 * The device runtime core: the same code on a desk phone, a reception kiosk and every
 * simulated device. Connects as its device id, registers its Will, publishes its birth,
 * subscribes to what it shows (never to every colleague one by one), keeps a state
 * mirror, and sends requests with correlation ids and time-outs.
 *
 * Unattended for months: it reconnects by itself with exponential backoff and jitter, asks
 * for a resync when it sees that updates were lost (a revision gap), and refuses a request
 * while the hub is away (`offline`: nothing changes, the screen says so). Nothing is queued:
 * every request changes the hub's truth, and a divert replayed minutes later could undo
 * what the person did meanwhile on another screen.
 */
import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import {
  buildTopic,
  decodeJson,
  filters,
  OmstilError,
  parseTopic,
  Response,
  type ArgsOf,
  type Clock,
  type DeviceConfig,
  type DeviceKind,
  type DeviceStatus,
  type DeviceView,
  type Logger,
  type Op,
  type Topic,
} from '../protocol/index.js';
import { Backoff } from './runtime/backoff.js';
import { StateMirror } from './state-mirror.js';

export const FIRMWARE_VERSION = '0.1.0';

/**
 * Attempts at the first delay (0.5-1 s) before the delays start doubling: about 9 s, what a hub
 * restart takes. Measured with bench/crash.ts (200 phones, 10 kills): every device showed the
 * restarted hub's truth 6.9 s (p50) after it was up with the delays doubling from the first
 * attempt, since by then most waited out a 4-8 s step.
 */
export const RECONNECT_PLATEAU = 12;

export interface DeviceCoreOptions {
  deviceId: string;
  kind: DeviceKind;
  mqttUrl: string;
  clock: Clock;
  logger: Logger;
  requestTimeoutMs?: number;
  /** extra MQTT options (credentials, TLS) */
  mqttOptions?: Partial<IClientOptions>;
  /** reconnect delays (exponential with full jitter); default 1 s … 30 s, the first RECONNECT_PLATEAU attempts within 1 s */
  reconnect?: { minMs: number; maxMs: number; plateau?: number };
  /**
   * Issue 10: delays after the broker refused the login (a CONNACK with a return code: wrong or
   * revoked token, unknown device); exponential with full jitter, default 1 min … 10 min. See
   * `reconnectOnConnackError` in start().
   */
  refusedRetry?: { minMs: number; maxMs: number };
  /** 0 ≤ random() < 1, for the jitter (tests fix it) */
  random?: () => number;
  /** the firmware version this device runs and reports (its boot slot's manifest); default FIRMWARE_VERSION */
  fwVersion?: string;
}

/**
 * Something that rides on the device's MQTT link besides the state mirror (the OTA client):
 * its own topics, subscribed on every connect, and their messages raw (binary payloads too).
 */
export interface CoreExtension {
  /** filters to subscribe on every connect */
  topics(): string[];
  /** a message on one of them; the payload as received */
  message(topic: string, payload: Buffer): void;
  /** after every (re)connect, once subscribed */
  connected?(): void;
}

/** What the device reports about its link, for the health check, the serial console and the fleet. */
export interface LinkStatus {
  connected: boolean;
  /** since when connected, or since when not */
  since: string;
  /** connections made after the first one */
  reconnects: number;
  /** resyncs asked for after a revision gap */
  resyncs: number;
  /** the last message from the hub */
  lastMessageAt: string | null;
  lastError: string | null;
  /** the delay before the next connection attempt, while disconnected */
  nextAttemptMs: number | null;
}

type Pending = { resolve: (r: Response) => void; timer: NodeJS.Timeout };

export class DeviceCore {
  readonly mirror: StateMirror;
  private client: MqttClient | null = null;
  private readonly pending = new Map<string, Pending>();
  private subscribed = new Set<string>();
  private readonly listeners = new Set<(view: DeviceView) => void>();
  private readonly updateListeners = new Set<(topic: Topic) => void>();
  private seq = 0;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  /** issue 10: the backoff after a refused login, and the delay it chose for the close that follows */
  private readonly refusedBackoff: Backoff;
  private refusedDelay: number | null = null;
  private link: LinkStatus;
  private readonly extensions: CoreExtension[] = [];

  constructor(private readonly opts: DeviceCoreOptions) {
    this.mirror = new StateMirror(opts.deviceId, opts.kind);
    this.log = opts.logger;
    this.backoff = new Backoff({ minMs: opts.reconnect?.minMs ?? 1000, maxMs: opts.reconnect?.maxMs ?? 30_000, plateau: opts.reconnect?.plateau ?? RECONNECT_PLATEAU, ...(opts.random ? { random: opts.random } : {}) });
    this.refusedBackoff = new Backoff({ minMs: opts.refusedRetry?.minMs ?? 60_000, maxMs: opts.refusedRetry?.maxMs ?? 600_000, ...(opts.random ? { random: opts.random } : {}) });
    this.link = { connected: false, since: opts.clock.now().toISOString(), reconnects: -1, resyncs: 0, lastMessageAt: null, lastError: null, nextAttemptMs: null };
  }

  /** The link to the hub, as the health check and the serial console show it. */
  linkStatus(): LinkStatus {
    return { ...this.link, connected: this.connected };
  }

  get deviceId(): string {
    return this.opts.deviceId;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** The firmware version this device reports in its status. */
  get fwVersion(): string {
    return this.opts.fwVersion ?? FIRMWARE_VERSION;
  }

  /** Adds an extension (before start(), or it waits for the next connect). */
  extend(ext: CoreExtension): void {
    this.extensions.push(ext);
    if (this.client?.connected) {
      this.subscribe(ext.topics());
      ext.connected?.();
    }
  }

  /** Publishes on the device's link for an extension; false when offline (nothing is queued). */
  publish(topic: string, payload: string | Buffer, opts: { qos?: 0 | 1; retain?: boolean } = {}): boolean {
    const client = this.client;
    if (!client?.connected) return false;
    client.publish(topic, payload, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
    return true;
  }

  /** Called with the new view after every change the device shows. Returns an unsubscribe function. */
  onView(listener: (view: DeviceView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called with the topic of every change the mirror took (cheaper than onView: no view is built). */
  onUpdate(listener: (topic: Topic) => void): () => void {
    this.updateListeners.add(listener);
    return () => this.updateListeners.delete(listener);
  }

  view(): DeviceView {
    return this.mirror.view(this.connected);
  }

  /**
   * Connects and keeps connecting. By default waits for the first connection (10 s, then
   * throws); `wait: false` returns at once: a device that boots while the hub is away shows
   * "Forbindelse afbrudt" and connects when it can.
   */
  async start({ wait = true }: { wait?: boolean } = {}): Promise<void> {
    const { deviceId, clock } = this.opts;
    const status = (online: boolean): string => JSON.stringify({ online, kind: this.opts.kind, fw: this.fwVersion, since: clock.now().toISOString() } satisfies DeviceStatus);
    const client = mqtt.connect(this.opts.mqttUrl, {
      clientId: deviceId,
      clean: true,
      resubscribe: false, // the core re-subscribes from its config on every connect
      reconnectPeriod: this.backoff.next(),
      connectTimeout: 10_000,
      // Issue 10: MQTT.js gives up for good after a refused CONNACK unless told otherwise. A device
      // runs unattended for months, and a refusal can pass without anyone touching it (a hub
      // restored from a backup or started with a directory that lacks it until it is imported
      // again; a broker restarting), so it keeps trying; but a revoked or wrong token is refused
      // every time, so those retries take their own slow backoff (refusedRetry: 1 min growing to
      // 10 min, jittered), never the 1 s … 30 s of a lost link: a lost or revoked device costs
      // the hub one refused login every few minutes, and a fleet refused together does not come
      // back in the same second.
      reconnectOnConnackError: true,
      ...this.opts.mqttOptions,
      will: { topic: buildTopic({ kind: 'device-status', deviceId }), payload: Buffer.from(status(false)), qos: 1, retain: true },
    });
    this.client = client;
    client.on('message', (topic, payload, packet) => {
      const ext = this.extensions.length ? this.extensionFor(topic) : undefined;
      if (ext) {
        this.link.lastMessageAt = clock.now().toISOString();
        try {
          ext.message(topic, payload);
        } catch (err) {
          this.log.warn('extension failed on a message', { topic, err: (err as Error).message });
        }
        return;
      }
      this.onMessage(topic, payload.toString('utf8'), packet);
    });
    client.on('connect', () => {
      this.backoff.reset();
      this.refusedBackoff.reset();
      this.refusedDelay = null;
      this.link = { ...this.link, connected: true, since: clock.now().toISOString(), reconnects: this.link.reconnects + 1, nextAttemptMs: null };
      // the next loss starts from the shortest delay: the close handler takes it (taking one here skipped it)
      client.publish(buildTopic({ kind: 'device-status', deviceId }), status(true), { qos: 1, retain: true });
      // (re)subscribe: a clean session starts with none
      this.subscribed = new Set();
      this.subscribe(this.baseTopics());
      if (this.mirror.config) this.followConfig(this.mirror.config);
      for (const ext of this.extensions) {
        this.subscribe(ext.topics());
        ext.connected?.();
      }
      this.emit();
    });
    // before MQTT.js's own 'close' listener, which schedules the next attempt with reconnectPeriod
    client.prependListener('close', () => {
      // after a refused login the error handler has already chosen the (slow) delay
      const delay = this.refusedDelay ?? this.backoff.next();
      this.refusedDelay = null;
      client.options.reconnectPeriod = delay;
      if (this.link.connected) this.log.warn('connection to the hub lost', { url: this.opts.mqttUrl });
      this.link = { ...this.link, ...(this.link.connected ? { connected: false, since: clock.now().toISOString() } : {}), nextAttemptMs: delay };
      this.emit();
    });
    client.on('error', (err) => {
      this.link = { ...this.link, lastError: err.message };
      if (isRefusal(err)) {
        // MQTT.js schedules the retry right after this handler, with the period set here
        const delay = this.refusedBackoff.next();
        this.refusedDelay = delay;
        client.options.reconnectPeriod = delay;
        this.link = { ...this.link, nextAttemptMs: delay };
        this.log.warn('the hub refused the login: check the device\'s credentials (omstil provision)', { err: err.message, retryMs: delay });
        this.emit();
        return;
      }
      this.log.warn('mqtt error', { err: err.message });
    });
    if (!wait) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${deviceId}: no connection to ${this.opts.mqttUrl} within 10 s`)), 10_000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ id, ok: false, error: { code: 'offline', message: 'device stopped' } });
    }
    this.pending.clear();
    this.listeners.clear();
    this.updateListeners.clear();
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync(true);
  }

  /** Sends a request to the hub; resolves with its reply, or a local `offline`/`timeout` error. */
  request<O extends Op>(op: O, args: ArgsOf<O>): Promise<Response> {
    const id = `${this.opts.deviceId}-${Date.now().toString(36)}-${(this.seq++).toString(36)}`;
    const client = this.client;
    if (!client?.connected) {
      return Promise.resolve({ id, ok: false, error: { code: 'offline', message: 'no connection to the hub; nothing was changed' } });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ id, ok: false, error: { code: 'timeout', message: 'the hub did not answer in time' } });
      }, this.opts.requestTimeoutMs ?? 10_000);
      this.pending.set(id, { resolve, timer });
      // QoS 0: a request is never stored and resent. At QoS 1 MQTT.js keeps an unacknowledged
      // publish and sends it again after a reconnect, so a request the person was told timed out
      // could be carried out minutes later, undoing what they did meanwhile. Lost in a dropped
      // link, it times out and nothing changed.
      client.publish(buildTopic({ kind: 'device-req', deviceId: this.opts.deviceId }), JSON.stringify({ id, op, args }), { qos: 0 });
    });
  }

  /** Like request(), but throws OmstilError when the hub refuses. */
  async call<O extends Op>(op: O, args: ArgsOf<O>): Promise<unknown> {
    const res = await this.request(op, args);
    if (!res.ok) {
      const { code, message, ...opts } = res.error;
      throw new OmstilError(code, message, opts);
    }
    return res.data;
  }

  private onMessage(topic: string, text: string, packet?: Packet): void {
    const t = parseTopic(topic);
    if (!t) return;
    this.link.lastMessageAt = this.opts.clock.now().toISOString();
    if (t.kind === 'device-res') {
      const d = decodeJson(Response, text);
      if (!d.ok) return this.log.warn('invalid reply from hub', { err: d.error.message });
      const id = d.value.id;
      const p = id === null ? undefined : this.pending.get(id);
      if (!p || id === null) return;
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.resolve(d.value);
      return;
    }
    const before = this.mirror.config;
    const ownRev = t.kind === 'person-own' ? this.ownRev(t.personId) : null;
    const result = this.mirror.apply(t, text, this.opts.clock.now());
    // The hub publishes every revision of a person's own topic. A live (not retained) one that
    // skips revisions means updates were lost on the way: ask for the retained truth again.
    if (result === 'changed' && t.kind === 'person-own' && ownRev !== null && !(packet && 'retain' in packet && packet.retain)) {
      const rev = this.ownRev(t.personId);
      if (rev !== null && rev > ownRev + 1) this.resync(`${topic}: revision ${ownRev} then ${rev}`);
    }
    if (result === 'invalid') this.log.warn('invalid payload ignored', { topic });
    if (t.kind === 'device-config' && result === 'changed' && this.mirror.config && !sameConfig(before, this.mirror.config)) {
      this.followConfig(this.mirror.config);
    }
    if (result === 'changed') {
      for (const l of this.updateListeners) l(t);
      this.emit();
    }
  }

  private extensionFor(topic: string): CoreExtension | undefined {
    return this.extensions.find((e) => e.topics().some((f) => topicMatches(f, topic)));
  }

  private ownRev(personId: string): number | null {
    return (personId === this.mirror.config?.personId ? this.mirror.me : this.mirror.staff.get(personId))?.rev ?? null;
  }

  /** Subscribes again to everything it shows: the broker sends the retained truth of each. */
  private resync(why: string): void {
    const client = this.client;
    if (!client?.connected) return;
    this.link.resyncs++;
    this.log.warn('updates were lost; resyncing', { why });
    // replies keep flowing: the device's own reply topic stays subscribed
    const res = buildTopic({ kind: 'device-res', deviceId: this.opts.deviceId });
    const topics = [...this.subscribed].filter((s) => s !== res);
    client.unsubscribe(topics, () => {
      for (const s of topics) this.subscribed.delete(s);
      this.subscribe(topics);
    });
  }

  /** What every device follows whatever it is for: its config, its replies, the hub's status and the crisis broadcasts (RT-3). */
  private baseTopics(): string[] {
    const deviceId = this.opts.deviceId;
    return [buildTopic({ kind: 'device-config', deviceId }), buildTopic({ kind: 'device-res', deviceId }), buildTopic({ kind: 'hub-status' }), filters.broadcast];
  }

  /** Subscribes to exactly what this device shows. */
  private followConfig(cfg: DeviceConfig): void {
    const want =
      cfg.kind === 'kiosk'
        ? [filters.allPersonPublic, filters.allDeptPublic]
        : [
            ...(cfg.personId ? [buildTopic({ kind: 'person-own', personId: cfg.personId })] : []),
            ...(cfg.deptId ? [filters.deptMembers(cfg.deptId), buildTopic({ kind: 'dept-public', deptId: cfg.deptId })] : []),
            ...cfg.watch.map((personId) => buildTopic({ kind: 'person-public', personId })),
            // PR-4: a leader's phone follows its staff's own state
            ...cfg.staff.map((personId) => buildTopic({ kind: 'person-own', personId })),
          ];
    const base = new Set([...this.baseTopics(), ...this.extensions.flatMap((e) => e.topics())]);
    const drop = [...this.subscribed].filter((s) => !base.has(s) && !want.includes(s));
    if (drop.length) {
      this.client?.unsubscribe(drop);
      for (const s of drop) this.subscribed.delete(s);
    }
    this.subscribe(want);
  }

  private subscribe(topics: string[]): void {
    const fresh = topics.filter((s) => !this.subscribed.has(s));
    if (!fresh.length || !this.client) return;
    for (const s of fresh) this.subscribed.add(s);
    this.client.subscribe(fresh, { qos: 1 }, (err) => {
      if (err) this.log.warn('subscribe failed', { topics: fresh, err: err.message });
    });
  }

  private emit(): void {
    if (!this.listeners.size) return;
    const view = this.view();
    for (const l of this.listeners) l(view);
  }
}

function sameConfig(a: DeviceConfig | null, b: DeviceConfig): boolean {
  return a !== null && JSON.stringify(a) === JSON.stringify(b);
}

/** MQTT filter matching (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/** A CONNACK that refused the connection (MQTT.js: "Connection refused: …" with the return code). */
function isRefusal(err: Error): boolean {
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === 'number' && code > 0 && err.message.startsWith('Connection refused');
}
