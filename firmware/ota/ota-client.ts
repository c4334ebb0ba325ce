/**
 * The device side of OTA over MQTT (protocol/ota.ts, issue "Flashing and OTA"): rides on the
 * DeviceCore's link as a CoreExtension.
 *
 *   offer ──▶ begin staging (resumes: same job + SHA-256) ── report `downloading`
 *         ──▶ want (bitmap of ≤ window missing chunks) ◀── chunks (CRC-32 each; a bad one is
 *             dropped and asked for again) ── window done → next want; no chunk for a while →
 *             ask again with backoff; too many tries → `failed` ota-timeout
 *         ──▶ all held: `verifying` SHA-256 of the whole image (mismatch: fetch everything once
 *             more, then `failed` hash-mismatch) ──▶ installer.install(): refused → `refused`
 *             {code}; storage → `failed` storage; ok → `staged`, `rebooting`, installer.reboot()
 *   after the reboot, once connected: `confirmed` / `rolled-back` / `failed` from bootReport(),
 *   naming the job recorded in staging before the reboot (the Installer port carries no job).
 *
 * Nothing here blocks the core: message() only decodes and starts promises.
 */
import { createHash } from 'node:crypto';
import type { CoreExtension } from '../device-core.js';
import type { Installer } from '../boot/installer.js';
import { crc32 } from '../flash/crc32.js';
import { realTimers, type Timers } from '../peripherals/hid-device.js';
import {
  bitmapOf,
  buildTopic,
  chunkCount,
  decodeJson,
  decodeOtaChunk,
  MAX_OTA_WANT,
  OtaControl,
  OtaFrameError,
  type Clock,
  type Logger,
  type OtaOffer,
  type OtaProgress,
  type OtaState,
  type OtaWant,
} from '../../protocol/index.js';
import { chunkLength, OtaStagingError, type OtaStaging } from './chunk-store.js';

/** What the client needs of the DeviceCore. */
export interface OtaLink {
  readonly deviceId: string;
  readonly fwVersion: string;
  readonly connected: boolean;
  publish(topic: string, payload: string | Buffer, opts?: { qos?: 0 | 1; retain?: boolean }): boolean;
  extend(ext: CoreExtension): void;
}

/** How the last boot went, from the boot slots (BootSlots/SlottedDevice.takeReport() fit it as they are). */
export interface BootReport {
  result: 'confirmed' | 'rolled-back' | 'failed';
  /** the version that was on trial (the report's `running` is the core's fwVersion) */
  version: string;
  /** why not confirmed: a code such as `health-timeout` */
  reason?: string;
  /** the job, when the boot side knows it (else staging's installed record names it) */
  job?: string;
}

export interface OtaClientOptions {
  core: OtaLink;
  staging: OtaStaging;
  installer: Installer;
  clock: Clock;
  logger: Logger;
  timers?: Timers;
  /**
   * the boot side's verdict on this boot, taken (it may consume it) a turn after each connect
   * and on bootDecided() until it gives one; null while there is none (or not decided yet)
   */
  bootReport?: () => BootReport | null;
  /** chunks asked for at once; default and maximum MAX_OTA_WANT (64) */
  window?: number;
  /**
   * ask again after this long without a chunk; doubles each try (default 30 s). Lost chunks are
   * rare (QoS 1 on TCP, and every reconnect asks again); a hub serving hundreds of devices
   * queues a want for several seconds, and asking again early only doubles its queue.
   */
  chunkTimeoutMs?: number;
  /** the longest wait between tries (default 120 s) */
  maxChunkTimeoutMs?: number;
  /** tries in a row without a chunk before `failed` ota-timeout (default 5) */
  maxTries?: number;
  /** `downloading` reports: at most one per this long (default 2 s) … */
  progressIntervalMs?: number;
  /** … and only after this share of the chunks more (default 0.1) */
  progressStep?: number;
  /** between the `rebooting` report and installer.reboot(), so the report leaves (default 500 ms) */
  rebootDelayMs?: number;
  /** every progress message made, sent or not (convention 6) */
  onEvent?: (p: OtaProgress) => void;
}

export type OtaPhase = 'idle' | 'starting' | 'downloading' | 'verifying' | 'installing' | 'rebooting';

/** Counters for tests and the bench. */
export interface OtaClientStats {
  wants: number;
  chunks: number;
  corrupt: number;
  duplicates: number;
  bytes: number;
  timeouts: number;
}

export class OtaClient implements CoreExtension {
  readonly stats: OtaClientStats = { wants: 0, chunks: 0, corrupt: 0, duplicates: 0, bytes: 0, timeouts: 0 };
  private phase: OtaPhase = 'idle';
  private offer: OtaOffer | null = null;
  private chunks = 0;
  private held = 0;
  /** bumped whenever the current job ends or changes: stale async results are dropped */
  private gen = 0;
  private outstanding = new Set<number>();
  private readonly storing = new Set<number>();
  private tries = 0;
  private timer: unknown = null;
  private rebootTimer: unknown = null;
  private bootTimer: unknown = null;
  private refetched = false;
  private lastReport = { held: 0, at: 0 };
  private bootMessage: Omit<OtaProgress, 'at' | 'running'> | null = null;
  private started = false;
  private extended = false;
  private readonly timers: Timers;
  private readonly topics_: { offer: string; chunk: string; want: string; progress: string };

  constructor(private readonly opts: OtaClientOptions) {
    const deviceId = opts.core.deviceId;
    this.timers = opts.timers ?? realTimers;
    this.topics_ = {
      offer: buildTopic({ kind: 'device-ota', deviceId, part: 'offer' }),
      chunk: buildTopic({ kind: 'device-ota', deviceId, part: 'chunk' }),
      want: buildTopic({ kind: 'device-ota', deviceId, part: 'want' }),
      progress: buildTopic({ kind: 'device-ota', deviceId, part: 'progress' }),
    };
  }

  /** Where the client is: for the health check, the console and tests. */
  status(): { phase: OtaPhase; job: string | null; held: number; chunks: number } {
    return { phase: this.phase, job: this.offer?.job ?? null, held: this.held, chunks: this.chunks };
  }

  /** Joins the core's link (its topics are subscribed on every connect). */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (!this.extended) {
      this.extended = true;
      this.opts.core.extend(this);
    } else if (this.opts.core.connected) {
      this.connected();
    }
  }

  /**
   * The boot side decided about this boot (confirmed or rolled back): take its report and
   * publish it. Also tried on every connect, a turn later (a health gate that confirms on the
   * connection decides in the same turn).
   */
  bootDecided(): void {
    if (!this.started) return;
    if (!this.bootMessage) this.bootMessage = this.bootMessageFrom();
    if (!this.bootMessage || !this.opts.core.connected) return;
    if (this.report(this.bootMessage)) {
      this.bootMessage = null;
      void this.opts.staging.forgetInstalled().catch((err: Error) => this.opts.logger.warn('cannot forget the installed record', { err: (err as Error).message }));
    }
  }

  /** Stops every timer; messages are ignored until start() again. Staging is the owner's to close. */
  stop(): void {
    this.started = false;
    if (this.bootTimer !== null) this.timers.clearTimeout(this.bootTimer);
    this.bootTimer = null;
    this.endJob('idle');
  }

  topics(): string[] {
    return [this.topics_.offer, this.topics_.chunk];
  }

  connected(): void {
    if (!this.started) return;
    if (this.bootTimer === null) {
      this.bootTimer = this.timers.setTimeout(() => {
        this.bootTimer = null;
        this.bootDecided();
      }, 0);
    }
    // a clean session lost whatever was in flight: ask again
    if (this.phase === 'downloading') {
      this.outstanding.clear();
      this.requestWindow();
    }
  }

  message(topic: string, payload: Buffer): void {
    if (!this.started) return;
    try {
      if (topic === this.topics_.chunk) this.onChunk(payload);
      else if (topic === this.topics_.offer) this.onControl(payload);
    } catch (err) {
      this.opts.logger.warn('OTA message failed', { topic, err: (err as Error).message });
    }
  }

  // ───────────────────────────── offers ─────────────────────────────

  private onControl(payload: Buffer): void {
    const d = decodeJson(OtaControl, payload.toString('utf8'));
    if (!d.ok) {
      this.opts.logger.warn('invalid OTA offer ignored', { err: d.error.message });
      return;
    }
    if ('cancel' in d.value) this.onCancel(d.value.job);
    else this.onOffer(d.value);
  }

  private onOffer(o: OtaOffer): void {
    const log = this.opts.logger;
    if (o.version === this.opts.core.fwVersion) {
      // runs it already (e.g. the re-offer after the reboot into it): nothing to do
      this.report({ job: o.job, state: 'confirmed', done: o.size, total: o.size, error: null });
      return;
    }
    const cur = this.offer;
    if (cur && cur.job === o.job && cur.sha256 === o.sha256 && this.phase !== 'idle') {
      if (this.phase === 'downloading') {
        // a re-offer (the hub saw the birth again): say where it is; ask only if nothing is asked
        this.tries = 0;
        this.reportDownloading(true);
        if (!this.outstanding.size) this.requestWindow();
      }
      return;
    }
    if (this.phase === 'verifying' || this.phase === 'installing' || this.phase === 'rebooting') {
      log.info('OTA offer ignored while installing another image', { job: o.job, busy: cur?.job });
      return;
    }
    this.endJob('idle');
    const gen = this.gen;
    this.offer = o;
    this.chunks = chunkCount(o.size, o.chunkSize);
    this.phase = 'starting';
    this.refetched = false;
    log.info('OTA offer', { job: o.job, version: o.version, size: o.size });
    this.opts.staging.begin(o).then(
      (staged) => {
        if (gen !== this.gen) return;
        this.phase = 'downloading';
        this.held = staged.held;
        this.reportDownloading(true);
        this.requestWindow();
      },
      (err: unknown) => gen === this.gen && this.fail(err, 'cannot start staging'),
    );
  }

  private onCancel(job: string): void {
    const log = this.opts.logger;
    if (this.offer?.job === job && (this.phase === 'starting' || this.phase === 'downloading')) {
      log.info('OTA offer withdrawn: dropping what was fetched', { job });
      this.endJob('idle');
      void this.opts.staging.clear().catch((err: Error) => log.warn('cannot clear OTA staging', { err: err.message }));
      return;
    }
    if (this.phase === 'idle' && this.opts.staging.load()?.job === job) {
      log.info('OTA offer withdrawn: dropping its staged chunks', { job });
      void this.opts.staging.clear().catch((err: Error) => log.warn('cannot clear OTA staging', { err: err.message }));
    }
  }

  // ───────────────────────────── fetching ─────────────────────────────

  private requestWindow(): void {
    const o = this.offer;
    if (this.phase !== 'downloading' || !o) return;
    const want: number[] = [];
    const max = Math.max(1, Math.min(this.opts.window ?? MAX_OTA_WANT, MAX_OTA_WANT));
    for (const i of this.opts.staging.missing()) {
      if (this.storing.has(i)) continue;
      want.push(i);
      if (want.length >= max) break;
    }
    if (!want.length) {
      if (!this.storing.size) void this.complete();
      return; // the stores in flight finish it
    }
    this.outstanding = new Set(want);
    const body: OtaWant = { job: o.job, bitmap: bitmapOf(want, this.chunks) };
    if (this.opts.core.publish(this.topics_.want, JSON.stringify(body), { qos: 1 })) this.stats.wants++;
    this.arm();
  }

  /** (Re)arms the "no chunk for a while" timer: chunkTimeoutMs × 2^tries, capped. */
  private arm(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    const base = this.opts.chunkTimeoutMs ?? 30_000;
    const ms = Math.min(this.opts.maxChunkTimeoutMs ?? 120_000, base * 2 ** Math.min(this.tries, 20));
    const gen = this.gen;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (gen !== this.gen || this.phase !== 'downloading') return;
      if (!this.opts.core.connected) return this.arm(); // offline: connected() asks again
      this.stats.timeouts++;
      this.tries++;
      if (this.tries > (this.opts.maxTries ?? 5)) {
        this.finish('failed', { code: 'ota-timeout', message: `no chunk after ${this.tries} requests` });
        return;
      }
      this.opts.logger.debug('no OTA chunk in time; asking again', { job: this.offer?.job, tries: this.tries });
      this.requestWindow();
    }, ms);
  }

  private onChunk(frame: Buffer): void {
    const o = this.offer;
    if (this.phase !== 'downloading' || !o) return;
    let c;
    try {
      c = decodeOtaChunk(frame, crc32);
    } catch (err) {
      if (!(err instanceof OtaFrameError)) throw err;
      this.stats.corrupt++;
      // the header may still say which asked chunk this was: it is asked for again with the next window
      const index = peekIndex(frame, o.job);
      this.opts.logger.debug('bad OTA chunk dropped', { code: err.code, index });
      if (index !== null && this.outstanding.delete(index)) this.windowDone();
      return;
    }
    if (c.job !== o.job) return;
    if (c.index >= this.chunks || c.data.length !== chunkLength(o, c.index)) {
      this.stats.corrupt++;
      this.opts.logger.debug('OTA chunk of the wrong size or index dropped', { index: c.index, bytes: c.data.length });
      return;
    }
    this.tries = 0;
    this.arm();
    this.outstanding.delete(c.index);
    if (this.storing.has(c.index) || this.opts.staging.has(c.index)) {
      this.stats.duplicates++;
      this.windowDone();
      return;
    }
    this.stats.chunks++;
    this.stats.bytes += c.data.length;
    this.storing.add(c.index);
    const gen = this.gen;
    const index = c.index;
    this.opts.staging.write(index, c.data).then(
      () => {
        this.storing.delete(index);
        if (gen !== this.gen) return;
        this.held++;
        this.reportDownloading(false);
        this.windowDone();
      },
      (err: unknown) => {
        this.storing.delete(index);
        if (gen === this.gen) this.fail(err, `cannot store chunk ${index}`);
      },
    );
  }

  /** The asked window is answered (good, bad or duplicate): ask for the next. */
  private windowDone(): void {
    if (this.phase === 'downloading' && !this.outstanding.size) this.requestWindow();
  }

  // ───────────────────────────── verify, install ─────────────────────────────

  private async complete(): Promise<void> {
    const o = this.offer;
    if (this.phase !== 'downloading' || !o) return;
    this.phase = 'verifying';
    this.clearTimer();
    const gen = this.gen;
    const { staging, installer, logger } = this.opts;
    this.report({ job: o.job, state: 'verifying', done: 0, total: o.size, error: null });
    try {
      const bytes = await staging.bytes();
      if (gen !== this.gen) return;
      const hash = createHash('sha256').update(bytes).digest('hex');
      if (hash !== o.sha256) {
        await staging.clear();
        if (gen !== this.gen) return;
        if (!this.refetched) {
          // OTA-C1: every chunk passed its CRC but the whole does not match: fetch it all once more
          this.refetched = true;
          logger.warn('OTA image hash mismatch; fetching it again', { job: o.job });
          const staged = await staging.begin(o);
          if (gen !== this.gen) return;
          this.phase = 'downloading';
          this.held = staged.held;
          this.reportDownloading(true);
          this.requestWindow();
          return;
        }
        this.finish('failed', { code: 'hash-mismatch', message: `the image hashes to ${hash}, the offer says ${o.sha256}` });
        return;
      }
      this.phase = 'installing';
      const res = await installer.install(bytes, o.allowDowngrade ? { allowDowngrade: true } : {});
      if (gen !== this.gen) return;
      if (!res.ok) {
        await staging.clear();
        if (gen !== this.gen) return;
        logger.warn('OTA image not installed', { job: o.job, code: res.code, message: res.message });
        this.finish(res.code === 'storage' ? 'failed' : 'refused', { code: res.code, message: clip(res.message) });
        return;
      }
      this.report({ job: o.job, state: 'staged', done: o.size, total: o.size, error: null });
      try {
        // the report after the reboot names this job
        await staging.noteInstalled({ job: o.job, version: o.version, size: o.size });
      } catch (err) {
        logger.warn('cannot record the installed OTA job; the report after the reboot cannot name it', { err: (err as Error).message });
      }
      if (gen !== this.gen) return;
      this.phase = 'rebooting';
      this.report({ job: o.job, state: 'rebooting', done: o.size, total: o.size, error: null });
      logger.info('OTA image staged; rebooting into it', { job: o.job, version: o.version, slot: res.slot });
      this.rebootTimer = this.timers.setTimeout(() => {
        this.rebootTimer = null;
        if (gen !== this.gen) return;
        installer.reboot().catch((err: Error) => logger.error('reboot failed', { err: err.message }));
      }, this.opts.rebootDelayMs ?? 500);
    } catch (err) {
      if (gen === this.gen) this.fail(err, 'cannot verify or install the image');
    }
  }

  private fail(err: unknown, what: string): void {
    const storage = err instanceof OtaStagingError;
    this.opts.logger.warn(`OTA: ${what}`, { job: this.offer?.job, err: (err as Error).message });
    const code = storage ? 'storage' : 'ota-internal';
    this.finish('failed', { code, message: clip((err as Error).message) });
    // a full disk: free it again (the old image runs on)
    void this.opts.staging.clear().catch(() => {});
  }

  /** Reports a final state for the current job and goes idle. */
  private finish(state: Extract<OtaState, 'failed' | 'refused'>, error: { code: string; message: string }): void {
    const o = this.offer;
    if (o) {
      const done = state === 'failed' && this.phase === 'downloading' ? this.held : 0;
      const total = state === 'failed' && this.phase === 'downloading' ? this.chunks : o.size;
      this.report({ job: o.job, state, done, total, error });
    }
    this.endJob('idle');
  }

  private endJob(phase: OtaPhase): void {
    this.gen++;
    this.clearTimer();
    if (this.rebootTimer !== null) this.timers.clearTimeout(this.rebootTimer);
    this.rebootTimer = null;
    this.phase = phase;
    this.offer = null;
    this.outstanding.clear();
    this.held = 0;
    this.chunks = 0;
    this.tries = 0;
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  // ───────────────────────────── reports ─────────────────────────────

  /** `downloading`, at most every progressIntervalMs and only after progressStep more (forced: now). */
  private reportDownloading(force: boolean): void {
    const o = this.offer;
    if (!o || this.phase !== 'downloading') return;
    const now = this.opts.clock.now().getTime();
    if (!force) {
      if (this.held >= this.chunks) return; // `verifying` follows at once
      const step = Math.max(1, Math.ceil(this.chunks * (this.opts.progressStep ?? 0.1)));
      if (this.held - this.lastReport.held < step || now - this.lastReport.at < (this.opts.progressIntervalMs ?? 2000)) return;
    }
    this.lastReport = { held: this.held, at: now };
    this.report({ job: o.job, state: 'downloading', done: this.held, total: this.chunks, error: null });
  }

  private report(p: Omit<OtaProgress, 'at' | 'running'>): boolean {
    const msg: OtaProgress = { ...p, running: this.opts.core.fwVersion, at: this.opts.clock.now().toISOString() };
    this.opts.onEvent?.(msg);
    return this.opts.core.publish(this.topics_.progress, JSON.stringify(msg), { qos: 1 });
  }

  /**
   * The final report of the image installed before the last reboot: from the boot side's
   * report, naming the job staging recorded. Without a bootReport option, the running version
   * says which image booted; with one that has nothing yet, it waits (the trial is undecided).
   */
  private bootMessageFrom(): Omit<OtaProgress, 'at' | 'running'> | null {
    const rec = this.opts.staging.installed();
    const r = this.opts.bootReport ? this.opts.bootReport() : null;
    if (!r && (!rec || this.opts.bootReport)) return null;
    const job = r?.job ?? rec?.job;
    if (!job) {
      this.opts.logger.info('boot report without an OTA job: not reported', { result: r?.result, version: r?.version });
      return null;
    }
    const size = rec?.size ?? 0;
    const result = r?.result ?? (rec && rec.version === this.opts.core.fwVersion ? 'confirmed' : 'rolled-back');
    if (result === 'confirmed') return { job, state: 'confirmed', done: size, total: size, error: null };
    const code = r?.reason ?? (result === 'rolled-back' ? 'rolled-back' : 'boot-failed');
    const message = result === 'rolled-back' ? `the new image did not pass (${code}); ${this.opts.core.fwVersion} runs again` : `the boot failed (${code})`;
    return { job, state: result, done: 0, total: size, error: { code: clip(code, 64), message: clip(message) } };
  }
}

/** Job and index from a chunk frame's header, without trusting its data (null when the header is not this job's). */
function peekIndex(frame: Buffer, job: string): number | null {
  if (frame.length < 2) return null;
  const j = frame[1]!;
  if (j < 1 || j > 64 || frame.length < 10 + j) return null;
  if (frame.toString('latin1', 2, 2 + j) !== job) return null;
  return frame.readUInt32BE(2 + j);
}

const clip = (s: string, max = 500): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
