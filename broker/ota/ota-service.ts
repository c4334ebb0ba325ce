/**
 * OTA rollouts on MQTT (protocol/ota.ts): the hub's side. Holds the signed images (kept under
 * `<dataDir>/ota/<sha256>.omstil`), offers them to the devices the rollout core (rollout.ts)
 * picks, answers every want with the chunks asked for, feeds progress reports back to the core,
 * shows each device's progress in the fleet view and keeps rollouts in the store, so a restarted
 * hub carries on where it was.
 *
 * It has its own MQTT connection (the hub's identity, client id `omstil-hub-ota`): chunk bursts
 * never queue in front of the hub's projections. Chunks go out through a window of publishes
 * awaiting their PUBACK (`MAX_CHUNKS_IN_FLIGHT`), so a thousand devices asking at once neither
 * fill memory nor hold the event loop: each want is taken on its own turn (setImmediate).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import {
  buildTopic,
  chunkCount,
  decodeJson,
  DeviceStatus,
  DEFAULT_OTA_CHUNK,
  encodeOtaChunk,
  filters,
  indexesOf,
  MAX_OTA_IMAGE_BYTES,
  OtaProgress,
  OtaWant,
  parseTopic,
  type Clock,
  type Logger,
  type OtaControl,
} from '../../protocol/index.js';
import { crc32 } from '../../firmware/flash/crc32.js';
import { compareVersions, verifyImage } from '../../firmware/image/image-format.js';
import type { Directory } from '../directory/directory.js';
import type { FleetTracker } from '../fleet/fleet-tracker.js';
import { HUB_USERNAME } from '../mqtt/access.js';
import type { Store } from '../store/store.js';
import { OtaError } from './ota-error.js';
import { Rollout, RolloutError, type DeviceInfo, type Effects, type RolloutDevice, type RolloutSummary } from './rollout.js';

/** Chunk publishes awaiting their PUBACK at once (16 KiB chunks: 8 MiB in flight). */
export const MAX_CHUNKS_IN_FLIGHT = 512;
/** Chunk publishes made in one turn of the event loop; the rest wait for the next (setImmediate). */
export const CHUNKS_PER_TURN = 32;

export interface OtaServiceOptions {
  mqttUrl: string;
  /** the hub's own password on the broker (user omstil-hub) */
  mqttPassword: string;
  store: Store;
  /** the hub's data directory: images are kept in its `ota/` folder */
  dataDir: string;
  directory: () => Directory;
  fleet: FleetTracker;
  /** the key images must be signed with; null: no rollout can be started */
  publicKey: KeyObject | null;
  clock: Clock;
  logger: Logger;
  /** how often deadlines and stages are checked (default 1 s) */
  tickMs?: number;
  /** how often changed records are written and shown in the fleet view (default 250 ms) */
  flushMs?: number;
  chunkSize?: number;
  /** a device silent this long while in flight fails with `timeout` (default 10 min) */
  deviceTimeoutMs?: number;
  /** devices fetching at once (default 200) */
  concurrency?: number;
  /** the rollout core's minimum of finished devices before the rate can halt a stage (default 5) */
  minFinished?: number;
  /**
   * QoS of the chunk publishes (default 1, as protocol/ota.ts says). 0 spares the broker a
   * stored copy and a PUBACK per chunk each way; a chunk lost with a dropped link is asked
   * for again by the device's want (its chunk timeout).
   */
  chunkQos?: 0 | 1;
}

export interface StartRollout {
  /** cumulative percentages, e.g. [5, 100] */
  stages: number[];
  maxFailureRate?: number;
  allowDowngrade?: boolean;
  concurrency?: number;
}

export interface RolloutDetail extends RolloutSummary {
  devices: RolloutDevice[];
}

interface Held {
  rollout: Rollout;
  image: Buffer;
  /** encoded chunk frames, made once and sent to every device */
  frames: (Buffer | undefined)[];
  dirty: Set<string>;
  dirtyRecord: boolean;
}

interface Outgoing {
  topic: string;
  payload: Buffer;
  /** device, job and chunk: a chunk waiting here is not queued twice */
  key: string;
}

export class OtaService {
  private client: MqttClient | null = null;
  private readonly rollouts = new Map<string, Held>();
  /** last status per device: online and firmware */
  private readonly status = new Map<string, { online: boolean; fw: string }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly fleetDirty = new Map<string, RolloutDevice>();
  private readonly wants: { deviceId: string; payload: Buffer }[] = [];
  private wantsScheduled = false;
  private readonly outbox: Outgoing[] = [];
  private outboxHead = 0;
  /** keys of the chunks in the outbox: a device that asks again (a timeout, a reconnect) before they went out gets each once */
  private readonly queued = new Set<string>();
  private inFlight = 0;
  private pumpScheduled = false;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly opts: OtaServiceOptions) {
    this.log = opts.logger;
  }

  get imageDir(): string {
    return path.resolve(this.opts.dataDir, 'ota');
  }

  async start(): Promise<void> {
    for (const { record, devices } of this.opts.store.loadRollouts()) {
      const rollout = Rollout.restore(record, devices);
      if (rollout.state === 'halted' || rollout.state === 'superseded') {
        this.rollouts.set(record.id, { rollout, image: Buffer.alloc(0), frames: [], dirty: new Set(), dirtyRecord: false });
        continue;
      }
      let image: Buffer;
      try {
        image = readFileSync(this.imageFile(record.image.sha256));
      } catch (err) {
        this.log.error('rollout image missing; halting the rollout', { rollout: record.id, err: (err as Error).message });
        image = Buffer.alloc(0);
        const held: Held = { rollout, image, frames: [], dirty: new Set(), dirtyRecord: true };
        this.rollouts.set(record.id, held);
        this.apply(held, rollout.halt('the image file is missing from the hub', this.now()));
        continue;
      }
      this.rollouts.set(record.id, { rollout, image, frames: [], dirty: new Set(), dirtyRecord: false });
      this.log.info('rollout resumed', { rollout: record.id, state: rollout.state, version: record.image.version });
    }
    // the fleet view shows where every device of the live rollouts is
    for (const held of this.live()) for (const d of held.rollout.devices.values()) this.fleetDirty.set(d.deviceId, d);

    const client = await mqtt.connectAsync(this.opts.mqttUrl, {
      clientId: `omstil-hub-ota`,
      username: HUB_USERNAME,
      password: this.opts.mqttPassword,
      clean: true,
      reconnectPeriod: 1000,
    });
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err) => this.log.warn('mqtt error', { err: err.message }));
    // publishes waiting for a PUBACK are re-sent by MQTT.js; the window opens again
    client.on('connect', () => this.pump());
    await client.subscribeAsync([filters.allOtaWant, filters.allOtaProgress, filters.allDeviceStatus], { qos: 1 });
    this.timers.push(setInterval(() => this.tick(), this.opts.tickMs ?? 1000));
    this.timers.push(setInterval(() => this.flush(), this.opts.flushMs ?? 250));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.flush();
    const client = this.client;
    this.client = null;
    this.outbox.length = 0;
    this.outboxHead = 0;
    this.queued.clear();
    this.wants.length = 0;
    if (client) await client.endAsync(true);
  }

  // ───────────────────────────── the admin API's side ─────────────────────────────

  /**
   * Verifies an uploaded image with the hub's key and starts a rollout of it. Throws OtaError:
   * 503 `ota-no-key`, 422 with image-format's code (unsigned, wrong-key, bad-signature, …),
   * 409 `ota-rollout-running`, 400 for bad stages or options.
   */
  startRollout(bytes: Buffer, o: StartRollout): RolloutSummary {
    const key = this.opts.publicKey;
    if (!key) throw new OtaError('ota-no-key', 'the hub has no public key for firmware images: set otaPublicKey (OMSTIL_OTA_PUBLIC_KEY) to omstil-signing.pub or its folder', 503);
    if (bytes.length > MAX_OTA_IMAGE_BYTES) throw new OtaError('payload-too-large', `image is over ${MAX_OTA_IMAGE_BYTES} bytes`, 413);
    const v = verifyImage(bytes, key);
    if (!v.ok) throw new OtaError(v.code, v.message, 422, '(body)');
    const m = v.manifest;
    const running = [...this.rollouts.values()].find((h) => h.rollout.state === 'running');
    if (running) throw new OtaError('ota-rollout-running', `rollout ${running.rollout.id} is running: halt it first (POST /api/v1/ota/rollouts/${running.rollout.id}/halt)`, 409);
    const devices = this.deviceInfos();
    if (!o.allowDowngrade) {
      const newer = devices.filter((d) => (m.kind === 'any' || d.kind === m.kind) && d.fw !== null && safeCompare(m.version, d.fw) < 0);
      if (newer.length) {
        throw new OtaError('downgrade', `version ${m.version} is older than what ${newer.length} device(s) run (e.g. ${newer[0]!.deviceId}: ${newer[0]!.fw}); pass allowDowngrade to roll back`, 422, 'allowDowngrade');
      }
    }
    const now = this.now();
    const sha256 = createSha256(bytes);
    const id = `ota-${m.version.replaceAll('.', '-')}-${now.toISOString().slice(0, 19).replace(/[-:T]/g, '').toLowerCase()}-${randomBytes(2).toString('hex')}`;
    let created: ReturnType<typeof Rollout.create>;
    try {
      created = Rollout.create(
        {
          id,
          image: { version: m.version, kind: m.kind, size: bytes.length, sha256, chunkSize: this.opts.chunkSize ?? DEFAULT_OTA_CHUNK },
          stages: o.stages,
          ...(o.maxFailureRate !== undefined ? { maxFailureRate: o.maxFailureRate } : {}),
          ...(this.opts.minFinished !== undefined ? { minFinished: this.opts.minFinished } : {}),
          ...(o.concurrency ?? this.opts.concurrency ? { concurrency: o.concurrency ?? this.opts.concurrency! } : {}),
          ...(this.opts.deviceTimeoutMs !== undefined ? { deviceTimeoutMs: this.opts.deviceTimeoutMs } : {}),
          allowDowngrade: o.allowDowngrade ?? false,
        },
        devices,
        now,
      );
    } catch (err) {
      if (err instanceof RolloutError) throw new OtaError(err.code, err.message, err.code === 'ota-no-devices' ? 422 : 400);
      throw err;
    }
    this.saveImage(sha256, bytes);
    // a newer rollout takes the devices over: the older ones offer nothing more
    for (const h of this.rollouts.values()) this.apply(h, h.rollout.supersede(id, now));
    const held: Held = { rollout: created.rollout, image: bytes, frames: [], dirty: new Set(), dirtyRecord: true };
    this.rollouts.set(id, held);
    this.opts.store.saveRollout(created.rollout.record, [...created.rollout.devices.values()], {
      at: now.toISOString(),
      actor: 'admin:api',
      op: 'ota-rollout',
      detail: { rollout: id, version: m.version, kind: m.kind, sha256, stages: o.stages, maxFailureRate: created.rollout.record.maxFailureRate },
    });
    held.dirtyRecord = false;
    this.log.info('rollout started', { rollout: id, version: m.version, kind: m.kind, devices: created.rollout.devices.size, stages: o.stages });
    created.effects.changed = []; // stored just now
    for (const d of created.rollout.devices.values()) this.fleetDirty.set(d.deviceId, d);
    this.apply(held, created.effects);
    return created.rollout.summary();
  }

  list(): RolloutSummary[] {
    return [...this.rollouts.values()].map((h) => h.rollout.summary()).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  get(id: string): RolloutDetail {
    const h = this.held(id);
    return { ...h.rollout.summary(), devices: [...h.rollout.devices.values()] };
  }

  halt(id: string, reason = 'halted by IT'): RolloutSummary {
    const h = this.held(id);
    if (h.rollout.state === 'halted' || h.rollout.state === 'superseded') throw new OtaError('ota-not-running', `rollout ${id} is ${h.rollout.state} already`, 409);
    this.apply(h, h.rollout.halt(reason, this.now()));
    this.flush();
    this.log.info('rollout halted', { rollout: id, reason });
    return h.rollout.summary();
  }

  private held(id: string): Held {
    const h = this.rollouts.get(id);
    if (!h) throw new OtaError('unknown-rollout', `no rollout "${id}"`, 404, 'id');
    return h;
  }

  // ───────────────────────────── MQTT ─────────────────────────────

  private onMessage(topic: string, payload: Buffer): void {
    try {
      const t = parseTopic(topic);
      if (t?.kind === 'device-status') this.onStatus(t.deviceId, payload);
      else if (t?.kind === 'device-ota' && t.part === 'want') {
        this.wants.push({ deviceId: t.deviceId, payload });
        if (!this.wantsScheduled) {
          this.wantsScheduled = true;
          setImmediate(() => this.takeWant());
        }
      } else if (t?.kind === 'device-ota' && t.part === 'progress') this.onProgress(t.deviceId, payload);
    } catch (err) {
      this.log.error('ota message failed', { topic, err: (err as Error).stack });
    }
  }

  private onStatus(deviceId: string, payload: Buffer): void {
    if (payload.length === 0) {
      this.status.delete(deviceId);
      return;
    }
    const d = decodeJson(DeviceStatus, payload.toString('utf8'));
    if (!d.ok) return; // the hub's fleet tracker logs unreadable statuses
    this.status.set(deviceId, { online: d.value.online, fw: d.value.fw });
    const now = this.now();
    for (const h of this.live()) {
      const fx = h.rollout.deviceOnline(deviceId, d.value.online, d.value.fw, now);
      // a birth while it still has an offer (the hub never saw it leave, or the hub restarted): offer again, it resumes
      if (d.value.online && h.rollout.isFetching(deviceId) && !fx.offers.includes(deviceId)) fx.offers.push(deviceId);
      this.apply(h, fx);
    }
  }

  /** One want per turn of the event loop. */
  private takeWant(): void {
    this.wantsScheduled = false;
    const w = this.wants.shift();
    if (!w || this.stopped) return;
    try {
      this.onWant(w.deviceId, w.payload);
    } catch (err) {
      this.log.error('ota want failed', { device: w.deviceId, err: (err as Error).stack });
    }
    if (this.wants.length) {
      this.wantsScheduled = true;
      setImmediate(() => this.takeWant());
    }
  }

  private onWant(deviceId: string, payload: Buffer): void {
    const d = decodeJson(OtaWant, payload.toString('utf8'));
    if (!d.ok) {
      this.log.info('unreadable ota want', { device: deviceId, code: d.error.code, reason: d.error.message });
      return;
    }
    const h = this.rollouts.get(d.value.job);
    if (!h) {
      this.log.info('ota want for an unknown job', { device: deviceId, job: d.value.job });
      return;
    }
    const r = h.rollout;
    if (r.state === 'halted' || r.state === 'superseded' || !r.devices.has(deviceId) || r.devices.get(deviceId)!.state === 'cancelled') {
      this.log.debug('ota want for a job not open to the device', { device: deviceId, job: r.id, state: r.state });
      return;
    }
    const chunks = chunkCount(r.record.image.size, r.record.image.chunkSize);
    const indexes = indexesOf(d.value.bitmap, chunks);
    if (!indexes) {
      this.log.info('ota want with a bad bitmap', { device: deviceId, job: r.id });
      return;
    }
    const topic = buildTopic({ kind: 'device-ota', deviceId, part: 'chunk' });
    for (const i of indexes) {
      const key = `${deviceId}/${r.id}/${i}`;
      if (this.queued.has(key)) continue;
      this.queued.add(key);
      this.outbox.push({ topic, payload: this.frame(h, i), key });
    }
    this.pump();
  }

  private frame(h: Held, i: number): Buffer {
    let f = h.frames[i];
    if (!f) {
      const cs = h.rollout.record.image.chunkSize;
      f = encodeOtaChunk({ job: h.rollout.id, index: i, data: h.image.subarray(i * cs, Math.min(h.image.length, (i + 1) * cs)) }, crc32);
      h.frames[i] = f;
    }
    return f;
  }

  /** Sends queued chunks while the window has room; every PUBACK opens it again. */
  private pump(): void {
    const client = this.client;
    if (!client?.connected || this.pumpScheduled) return;
    let sent = 0;
    while (this.inFlight < MAX_CHUNKS_IN_FLIGHT && this.outboxHead < this.outbox.length) {
      if (sent++ === CHUNKS_PER_TURN) {
        this.pumpScheduled = true;
        setImmediate(() => {
          this.pumpScheduled = false;
          this.pump();
        });
        break;
      }
      const o = this.outbox[this.outboxHead]!;
      this.outbox[this.outboxHead++] = undefined as never;
      this.queued.delete(o.key);
      this.inFlight++;
      client.publish(o.topic, o.payload, { qos: this.opts.chunkQos ?? 1 }, (err) => {
        this.inFlight--;
        if (err && !this.stopped) this.log.debug('chunk publish failed', { topic: o.topic, err: err.message });
        this.pump();
      });
    }
    if (this.outboxHead === this.outbox.length) {
      this.outbox.length = 0;
      this.outboxHead = 0;
    } else if (this.outboxHead > 4096) {
      this.outbox.splice(0, this.outboxHead);
      this.outboxHead = 0;
    }
  }

  private onProgress(deviceId: string, payload: Buffer): void {
    const d = decodeJson(OtaProgress, payload.toString('utf8'));
    if (!d.ok) {
      this.log.info('unreadable ota progress', { device: deviceId, code: d.error.code, reason: d.error.message });
      return;
    }
    const h = this.rollouts.get(d.value.job);
    if (!h) {
      this.log.info('ota progress for an unknown job', { device: deviceId, job: d.value.job });
      return;
    }
    const { accepted, effects } = h.rollout.report(deviceId, d.value, this.now());
    if (!accepted) {
      this.log.info('ota progress from a device outside the rollout', { device: deviceId, job: d.value.job });
      return;
    }
    if (d.value.error) this.log.info('ota device reports a problem', { device: deviceId, job: d.value.job, state: d.value.state, code: d.value.error.code });
    this.apply(h, effects);
  }

  // ───────────────────────────── effects ─────────────────────────────

  private apply(h: Held, fx: Effects): void {
    const r = h.rollout;
    const now = this.now().toISOString();
    for (const id of fx.changed) {
      h.dirty.add(id);
      const d = r.devices.get(id);
      if (d) this.fleetDirty.set(id, d);
    }
    if (fx.rolloutChanged) {
      h.dirtyRecord = true;
      if (r.state === 'halted') this.log.warn('rollout halted', { rollout: r.id, reason: r.record.haltedReason });
      else if (r.state === 'completed') this.log.info('rollout completed', { rollout: r.id, ...r.summary().counts });
    }
    const img = r.record.image;
    for (const id of fx.offers) {
      const offer: OtaControl = { job: r.id, version: img.version, size: img.size, sha256: img.sha256, chunkSize: img.chunkSize, ...(r.record.allowDowngrade ? { allowDowngrade: true } : {}), at: now };
      this.send(buildTopic({ kind: 'device-ota', deviceId: id, part: 'offer' }), JSON.stringify(offer));
    }
    for (const id of fx.cancels) this.send(buildTopic({ kind: 'device-ota', deviceId: id, part: 'offer' }), JSON.stringify({ job: r.id, cancel: true } satisfies OtaControl));
  }

  private send(topic: string, payload: string): void {
    this.client?.publish(topic, payload, { qos: 1 }, (err) => {
      if (err && !this.stopped) this.log.warn('ota publish failed', { topic, err: err.message });
    });
  }

  private tick(): void {
    try {
      const now = this.now();
      for (const h of this.live()) this.apply(h, h.rollout.tick(now));
    } catch (err) {
      this.log.error('ota tick failed', { err: (err as Error).stack });
    }
  }

  /** Writes what changed (one transaction per rollout) and shows it in the fleet view. */
  flush(): void {
    for (const h of this.rollouts.values()) {
      if (!h.dirty.size && !h.dirtyRecord) continue;
      const devices = [...h.dirty].map((id) => h.rollout.devices.get(id)).filter((d): d is RolloutDevice => !!d);
      try {
        this.opts.store.saveRollout(h.rollout.record, devices);
        h.dirty.clear();
        h.dirtyRecord = false;
      } catch (err) {
        this.log.error('could not store the rollout; will retry', { rollout: h.rollout.id, err: (err as Error).message });
      }
    }
    if (!this.fleetDirty.size) return;
    const known = this.opts.directory().devices;
    for (const [id, d] of this.fleetDirty) {
      if (known.has(id)) this.opts.fleet.update(id, { state: d.state, done: d.done, total: d.total, at: d.updatedAt });
    }
    this.fleetDirty.clear();
  }

  private live(): Held[] {
    return [...this.rollouts.values()].filter((h) => h.rollout.state === 'running' || h.rollout.state === 'completed');
  }

  private deviceInfos(): DeviceInfo[] {
    return [...this.opts.directory().devices.values()].map((d) => {
      const s = this.status.get(d.id);
      return { deviceId: d.id, kind: d.kind, fw: s?.fw ?? null, online: s?.online ?? false };
    });
  }

  private imageFile(sha256: string): string {
    return path.join(this.imageDir, `${sha256}.omstil`);
  }

  private saveImage(sha256: string, bytes: Buffer): void {
    mkdirSync(this.imageDir, { recursive: true });
    const file = this.imageFile(sha256);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  }

  private now(): Date {
    return this.opts.clock.now();
  }
}

function safeCompare(a: string, b: string): number {
  try {
    return compareVersions(a, b);
  } catch {
    return 0;
  }
}

function createSha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
