/**
 * A staged OTA rollout (pure: no I/O, no timers; time comes in as arguments). The service
 * (ota-service.ts) feeds it device births, Wills and progress reports and carries out what it
 * returns: offers to publish, cancels to send, devices whose record changed.
 *
 * Rules (docs/firmware.md "Over-the-air updates: rollouts"):
 *  OTA-R1 targets: every device in the directory whose kind fits the image (`any` fits all);
 *         a device that already runs the image's version counts as confirmed at once.
 *  OTA-R2 order: by SHA-256 of `${rolloutId}:${deviceId}`, so the canary of a rollout is
 *         repeatable and does not always hit the same devices across rollouts.
 *  OTA-R3 stages: cumulative percentages, e.g. [5, 100]; stage i holds the first
 *         ceil(n · p_i / 100) devices of the order (at least one when p_i > 0).
 *  OTA-R4 offers go to online devices of started stages, at most `concurrency` of them
 *         fetching at once (offered or downloading); an offline device gets its offer when it
 *         comes online, also after the rollout completed, until a halt or a newer rollout.
 *  OTA-R5 a stage is done when none of its devices is in flight and none of its online
 *         devices waits for an offer, and at least one of them finished (an all-offline
 *         canary proves nothing: the rollout waits). Then the next stage starts; after the
 *         last one the rollout is `completed`.
 *  OTA-R6 failures are rolled-back, refused and failed (a device silent for `deviceTimeoutMs`
 *         while in flight fails with code `timeout`). A stage halts the rollout when
 *         failures > maxFailureRate × the stage's size (certain to pass the threshold), or
 *         failures / finished > maxFailureRate once `minFinished` of its devices finished or
 *         the stage is done. So 1 failure among the first 2 of 40 does not halt, a failed
 *         one-device canary does.
 *  OTA-R7 halting cancels every offer in flight; later reports still update the devices'
 *         records (a staged device may still confirm), nothing new is offered.
 *  OTA-R8 reports for another job, or from a device not in the rollout, are ignored.
 */
import { createHash } from 'node:crypto';
import { OTA_FINAL_STATES, type OtaProgress, type OtaState } from '../../protocol/ota.js';

export type DeviceKind = 'phone' | 'kiosk';
export type ImageKind = DeviceKind | 'any';

/** Where a device is in a rollout: not offered yet, the device's own states, or cancelled by a halt. */
export type RolloutDeviceState = 'pending' | OtaState | 'cancelled';
export const ROLLOUT_DEVICE_STATES: readonly RolloutDeviceState[] = ['pending', 'offered', 'downloading', 'verifying', 'staged', 'rebooting', 'confirmed', 'rolled-back', 'refused', 'failed', 'cancelled'];
export type RolloutState = 'running' | 'completed' | 'halted' | 'superseded';

export const FAILURE_STATES: ReadonlySet<RolloutDeviceState> = new Set(['rolled-back', 'refused', 'failed']);
/** fetching from the hub: these count against `concurrency` */
const FETCHING: ReadonlySet<RolloutDeviceState> = new Set(['offered', 'downloading']);
/** offered and not final */
const IN_FLIGHT: ReadonlySet<RolloutDeviceState> = new Set(['offered', 'downloading', 'verifying', 'staged', 'rebooting']);

export const ROLLOUT_DEFAULTS = {
  maxFailureRate: 0.2,
  minFinished: 5,
  concurrency: 200,
  deviceTimeoutMs: 10 * 60_000,
} as const;

export interface RolloutImage {
  version: string;
  kind: ImageKind;
  /** bytes of the whole image file */
  size: number;
  /** SHA-256 of the whole image file (what the offer carries) */
  sha256: string;
  chunkSize: number;
}

export interface RolloutSpec {
  id: string;
  image: RolloutImage;
  /** cumulative percentages, ascending, each 1..100, e.g. [5, 100] */
  stages: number[];
  maxFailureRate?: number;
  minFinished?: number;
  concurrency?: number;
  deviceTimeoutMs?: number;
  allowDowngrade?: boolean;
}

export interface RolloutDevice {
  deviceId: string;
  kind: DeviceKind;
  /** index of its stage */
  stage: number;
  state: RolloutDeviceState;
  done: number | null;
  total: number | null;
  /** the version it last said it runs (its status or its report) */
  running: string | null;
  error: { code: string; message: string } | null;
  /** last change of its state or progress (the deadline counts from here while in flight) */
  updatedAt: string;
  offeredAt: string | null;
}

/** All there is to a rollout: what the store keeps and `restore` takes back. */
export interface RolloutRecord {
  id: string;
  image: RolloutImage;
  stages: number[];
  /** devices in each stage, cumulative (stageEnds[i] = how many of `order` are in stages 0..i) */
  stageEnds: number[];
  maxFailureRate: number;
  minFinished: number;
  concurrency: number;
  deviceTimeoutMs: number;
  allowDowngrade: boolean;
  state: RolloutState;
  /** the stage started last */
  stage: number;
  createdAt: string;
  updatedAt: string;
  haltedReason: string | null;
  /** device ids in rollout order (OTA-R2) */
  order: string[];
}

export interface DeviceInfo {
  deviceId: string;
  kind: DeviceKind;
  /** its firmware by its last status, if any */
  fw: string | null;
  online: boolean;
}

/** What the service must do after a call. */
export interface Effects {
  offers: string[];
  cancels: string[];
  /** devices whose record changed (to store and to show in the fleet view) */
  changed: string[];
  /** the rollout's own state or stage changed */
  rolloutChanged: boolean;
}

export class RolloutError extends Error {
  override readonly name = 'RolloutError';
  constructor(
    readonly code: 'ota-bad-stages' | 'ota-bad-option' | 'ota-no-devices',
    message: string,
  ) {
    super(message);
  }
}

export function rolloutOrder(rolloutId: string, deviceIds: Iterable<string>): string[] {
  const key = (id: string) => createHash('sha256').update(`${rolloutId}:${id}`).digest('hex');
  return [...deviceIds].map((id) => [key(id), id] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1)).map(([, id]) => id);
}

/** OTA-R3: how many devices the stages hold, cumulative. */
export function stageEnds(stages: readonly number[], n: number): number[] {
  return stages.map((p) => (n === 0 ? 0 : Math.min(n, Math.max(1, Math.ceil((n * p) / 100)))));
}

export function checkStages(stages: readonly number[]): void {
  if (stages.length === 0) throw new RolloutError('ota-bad-stages', 'stages: at least one');
  let last = 0;
  for (const p of stages) {
    if (!Number.isFinite(p) || p <= 0 || p > 100) throw new RolloutError('ota-bad-stages', `stages: ${p} is not a percentage in (0, 100]`);
    if (p <= last) throw new RolloutError('ota-bad-stages', `stages: must grow (${stages.join(' → ')})`);
    last = p;
  }
}

export class Rollout {
  readonly devices = new Map<string, RolloutDevice>();
  private readonly online = new Set<string>();
  private readonly index = new Map<string, number>();

  private constructor(readonly record: RolloutRecord) {
    record.order.forEach((id, i) => this.index.set(id, i));
  }

  get id(): string {
    return this.record.id;
  }

  get state(): RolloutState {
    return this.record.state;
  }

  /** OTA-R1..R3: a new rollout over `devices` (all the directory's; those of another kind are left out). */
  static create(spec: RolloutSpec, devices: readonly DeviceInfo[], now: Date): { rollout: Rollout; effects: Effects } {
    checkStages(spec.stages);
    const maxFailureRate = spec.maxFailureRate ?? ROLLOUT_DEFAULTS.maxFailureRate;
    if (!(maxFailureRate >= 0 && maxFailureRate <= 1)) throw new RolloutError('ota-bad-option', `maxFailureRate: ${maxFailureRate} is not in [0, 1]`);
    const concurrency = spec.concurrency ?? ROLLOUT_DEFAULTS.concurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RolloutError('ota-bad-option', `concurrency: ${concurrency} is not a whole number ≥ 1`);
    const targets = devices.filter((d) => spec.image.kind === 'any' || d.kind === spec.image.kind);
    if (!targets.length) throw new RolloutError('ota-no-devices', `no device in the directory takes an image for ${spec.image.kind} devices`);
    const order = rolloutOrder(spec.id, targets.map((d) => d.deviceId));
    const at = now.toISOString();
    const rec: RolloutRecord = {
      id: spec.id,
      image: spec.image,
      stages: [...spec.stages],
      stageEnds: stageEnds(spec.stages, order.length),
      maxFailureRate,
      minFinished: spec.minFinished ?? ROLLOUT_DEFAULTS.minFinished,
      concurrency,
      deviceTimeoutMs: spec.deviceTimeoutMs ?? ROLLOUT_DEFAULTS.deviceTimeoutMs,
      allowDowngrade: spec.allowDowngrade ?? false,
      state: 'running',
      stage: 0,
      createdAt: at,
      updatedAt: at,
      haltedReason: null,
      order,
    };
    const r = new Rollout(rec);
    const byId = new Map(targets.map((d) => [d.deviceId, d]));
    for (const id of order) {
      const d = byId.get(id)!;
      const current = d.fw === spec.image.version;
      r.devices.set(id, { deviceId: id, kind: d.kind, stage: r.stageOf(id), state: current ? 'confirmed' : 'pending', done: null, total: null, running: d.fw, error: null, updatedAt: at, offeredAt: null });
      if (d.online) r.online.add(id);
    }
    const effects = r.tick(now);
    effects.changed = order; // every device record is new
    effects.rolloutChanged = true;
    return { rollout: r, effects };
  }

  /** A rollout read back from the store; who is online comes in again by `deviceOnline`. */
  static restore(record: RolloutRecord, devices: readonly RolloutDevice[]): Rollout {
    const r = new Rollout(record);
    for (const d of devices) r.devices.set(d.deviceId, { ...d });
    return r;
  }

  private stageOf(deviceId: string): number {
    const i = this.index.get(deviceId) ?? 0;
    return this.record.stageEnds.findIndex((end) => i < end);
  }

  /** A device's birth (online) or Will (offline). */
  deviceOnline(deviceId: string, online: boolean, fw: string | null, now: Date): Effects {
    const fx = noEffects();
    const d = this.devices.get(deviceId);
    if (online) this.online.add(deviceId);
    else this.online.delete(deviceId);
    if (!d) return fx;
    if (fw !== null && d.running !== fw) {
      d.running = fw;
      fx.changed.push(deviceId);
    }
    // a device that went away while fetching is offered again when it is back (it resumes by its bitmap)
    if (!online && FETCHING.has(d.state)) this.set(d, 'pending', now, fx);
    return merge(fx, this.tick(now));
  }

  /** OTA-R8: a progress report. `accepted` false: not for this rollout, or not from one of its devices. */
  report(deviceId: string, p: OtaProgress, now: Date): { accepted: boolean; effects: Effects } {
    const d = this.devices.get(deviceId);
    if (!d || p.job !== this.id) return { accepted: false, effects: noEffects() };
    const fx = noEffects();
    const final = OTA_FINAL_STATES.has(d.state as OtaState);
    // a final state stays, except that a later final report wins (a staged device confirms after a halt)
    if (final && !OTA_FINAL_STATES.has(p.state)) return { accepted: true, effects: fx };
    if (d.state === 'cancelled' && !OTA_FINAL_STATES.has(p.state)) return { accepted: true, effects: fx };
    d.done = p.done;
    d.total = p.total;
    d.running = p.running;
    d.error = p.error;
    this.set(d, p.state, now, fx, true);
    return { accepted: true, effects: merge(fx, this.tick(now)) };
  }

  /** Stops the rollout: OTA-R7. */
  halt(reason: string, now: Date): Effects {
    const fx = noEffects();
    if (this.record.state === 'halted' || this.record.state === 'superseded') return fx;
    this.stopOffers('halted', reason, now, fx);
    return fx;
  }

  /** A newer rollout takes over: like a halt, without the word "halted". */
  supersede(by: string, now: Date): Effects {
    const fx = noEffects();
    if (this.record.state === 'halted' || this.record.state === 'superseded') return fx;
    this.stopOffers('superseded', `superseded by ${by}`, now, fx);
    return fx;
  }

  private stopOffers(state: 'halted' | 'superseded', reason: string, now: Date, fx: Effects): void {
    this.record.state = state;
    this.record.haltedReason = reason;
    this.record.updatedAt = now.toISOString();
    fx.rolloutChanged = true;
    for (const d of this.devices.values()) {
      if (IN_FLIGHT.has(d.state)) fx.cancels.push(d.deviceId);
      if (IN_FLIGHT.has(d.state) || d.state === 'pending') this.set(d, 'cancelled', now, fx);
    }
  }

  /**
   * Deadlines (OTA-R6), the failure threshold, stage progression (OTA-R5) and new offers
   * (OTA-R4). The service calls it after every event and every few seconds.
   */
  tick(now: Date): Effects {
    const fx = noEffects();
    const rec = this.record;
    if (rec.state === 'halted' || rec.state === 'superseded') return fx;
    const t = now.getTime();
    for (const d of this.devices.values()) {
      if (IN_FLIGHT.has(d.state) && t - Date.parse(d.updatedAt) >= rec.deviceTimeoutMs) {
        d.error = { code: 'timeout', message: `no progress for ${Math.round(rec.deviceTimeoutMs / 1000)} s while ${d.state}` };
        this.set(d, 'failed', now, fx);
      }
    }
    if (rec.state === 'running') {
      for (;;) {
        const c = this.counts(rec.stage);
        const reason = this.haltReason(rec.stage, c);
        if (reason) {
          this.stopOffers('halted', reason, now, fx);
          return fx;
        }
        if (!c.doneStage) break;
        if (rec.stage + 1 < rec.stages.length) {
          rec.stage++;
          rec.updatedAt = now.toISOString();
          fx.rolloutChanged = true;
          continue;
        }
        rec.state = 'completed';
        rec.updatedAt = now.toISOString();
        fx.rolloutChanged = true;
        break;
      }
    }
    this.offer(now, fx);
    return fx;
  }

  private offer(now: Date, fx: Effects): void {
    const rec = this.record;
    let fetching = 0;
    for (const d of this.devices.values()) if (FETCHING.has(d.state)) fetching++;
    if (fetching >= rec.concurrency) return;
    const end = rec.stageEnds[rec.stage]!;
    for (let i = 0; i < end && fetching < rec.concurrency; i++) {
      const d = this.devices.get(rec.order[i]!)!;
      if (d.state !== 'pending' || !this.online.has(d.deviceId)) continue;
      d.offeredAt = now.toISOString();
      d.error = null;
      this.set(d, 'offered', now, fx);
      fx.offers.push(d.deviceId);
      fetching++;
    }
  }

  /** A device that has an offer (the service re-sends it after a reconnect). */
  isFetching(deviceId: string): boolean {
    const d = this.devices.get(deviceId);
    return !!d && FETCHING.has(d.state);
  }

  private haltReason(stage: number, c: StageCounts): string | null {
    const rec = this.record;
    const rate = c.finished ? c.failed / c.finished : 0;
    const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;
    if (c.failed > rec.maxFailureRate * c.size) {
      return `stage ${stage + 1} (${rec.stages[stage]} %): ${c.failed} of its ${c.size} devices failed, over the limit of ${pct(rec.maxFailureRate)}`;
    }
    if ((c.finished >= rec.minFinished || c.doneStage) && rate > rec.maxFailureRate) {
      return `stage ${stage + 1} (${rec.stages[stage]} %): ${c.failed} of ${c.finished} finished devices failed (${pct(rate)}), over the limit of ${pct(rec.maxFailureRate)}`;
    }
    return null;
  }

  private counts(stage: number): StageCounts {
    const rec = this.record;
    const from = stage === 0 ? 0 : rec.stageEnds[stage - 1]!;
    const to = rec.stageEnds[stage]!;
    let finished = 0;
    let failed = 0;
    let waiting = false;
    for (let i = from; i < to; i++) {
      const d = this.devices.get(rec.order[i]!)!;
      if (FAILURE_STATES.has(d.state)) failed++;
      if (OTA_FINAL_STATES.has(d.state as OtaState)) finished++;
      else if (IN_FLIGHT.has(d.state) || (d.state === 'pending' && this.online.has(d.deviceId))) waiting = true;
    }
    // earlier stages' online devices must be through too (late joiners of an earlier stage do not block)
    for (let i = 0; i < from && !waiting; i++) {
      const d = this.devices.get(rec.order[i]!)!;
      if (IN_FLIGHT.has(d.state) || (d.state === 'pending' && this.online.has(d.deviceId))) waiting = true;
    }
    const size = to - from;
    return { size, finished, failed, doneStage: !waiting && (finished > 0 || size === 0) };
  }

  private set(d: RolloutDevice, state: RolloutDeviceState, now: Date, fx: Effects, progress = false): void {
    if (d.state === state && !progress) return;
    d.state = state;
    d.updatedAt = now.toISOString();
    fx.changed.push(d.deviceId);
  }

  /** Devices per state, the stage, and the rollout's own fields (without the order). */
  summary(): RolloutSummary {
    const counts = Object.fromEntries(ROLLOUT_DEVICE_STATES.map((s) => [s, 0])) as Record<RolloutDeviceState, number>;
    for (const d of this.devices.values()) counts[d.state]++;
    const { order: _order, ...rest } = this.record;
    let offline = 0;
    for (const d of this.devices.values()) if (d.state === 'pending' && !this.online.has(d.deviceId)) offline++;
    const finished = counts.confirmed + counts['rolled-back'] + counts.refused + counts.failed;
    const failed = counts['rolled-back'] + counts.refused + counts.failed;
    return { ...rest, total: this.devices.size, counts, finished, failed, pendingOffline: offline, stageSize: this.record.stageEnds[this.record.stage] ?? 0 };
  }
}

export interface RolloutSummary extends Omit<RolloutRecord, 'order'> {
  total: number;
  counts: Record<RolloutDeviceState, number>;
  finished: number;
  failed: number;
  /** not offered yet because they are offline: they get it when they come online */
  pendingOffline: number;
  /** devices in the stages started so far */
  stageSize: number;
}

interface StageCounts {
  size: number;
  finished: number;
  failed: number;
  doneStage: boolean;
}

export function noEffects(): Effects {
  return { offers: [], cancels: [], changed: [], rolloutChanged: false };
}

export function merge(a: Effects, b: Effects): Effects {
  return { offers: [...a.offers, ...b.offers], cancels: [...a.cancels, ...b.cancels], changed: [...a.changed, ...b.changed], rolloutChanged: a.rolloutChanged || b.rolloutChanged };
}
