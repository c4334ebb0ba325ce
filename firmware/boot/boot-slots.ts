/**
 * A/B firmware slots in one folder, the way MCUboot and Android's A/B updates keep them:
 *
 *   dir/slot-a/     one firmware folder (the unpacked payload of a verified image)
 *   dir/slot-b/     the other
 *   dir/boot.json   which slot boots, whether it is confirmed, its boot counter, the report
 *
 * A new image goes into the slot that is not the keeper (the confirmed one) and boots on
 * trial: every boot of an unconfirmed slot is counted in boot.json before it runs, the
 * firmware confirms the slot once it is healthy (connected to the hub), and a slot that
 * boots more than `maxTries` times without a confirmation is rolled back.
 *
 * Power cuts (docs/firmware.md#ab-slots-health-check-and-rollback): boot.json is the only
 * truth and is replaced atomically (tmp + fsync + rename + fsync of the folder); a slot is
 * written into `slot-X.tmp/`, synced, and renamed into place *before* boot.json names it,
 * and a slot boot.json names is never written to. So a cut at any write, fsync or rename
 * leaves a boot.json that names a complete slot: the old image or the new one.
 *
 * Pure but for the injected BootFs and Clock; it never logs.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import * as z from 'zod/mini';
import type { Clock } from '../../protocol/clock.js';
import { systemClock } from '../../protocol/clock.js';
import { ArchiveError, unpackFiles, type ArchiveEntry } from '../image/file-archive.js';
import type { Manifest } from '../image/image-format.js';
import { nodeBootFs, type BootFs } from './boot-fs.js';

export type SlotName = 'a' | 'b';
export const STATE_FILE = 'boot.json';
export const DEFAULT_MAX_TRIES = 3;

const Slot = z.enum(['a', 'b']);
const SlotInfo = z.object({
  version: z.string(),
  /** SHA-256 of the payload it was unpacked from (hex), or of nothing for an adopted slot */
  sha256: z.string(),
  installedAt: z.string(),
});
export type SlotInfo = z.infer<typeof SlotInfo>;

const BootReport = z.object({
  /** confirmed: the new slot passed; rolled-back: it did not, the old one runs again; failed: it did not and there was nothing to go back to */
  result: z.enum(['confirmed', 'rolled-back', 'failed']),
  /** the version that was on trial */
  version: z.string(),
  /** the version it replaced (null for a first install) */
  fromVersion: z.nullable(z.string()),
  /** the version that runs now */
  running: z.string(),
  /** why (rolled-back, failed): 'boot-loop', 'health-timeout', 'exited', … */
  reason: z.optional(z.string()),
  at: z.string(),
});
export type BootReport = z.infer<typeof BootReport>;

const BootState = z.object({
  format: z.literal(1),
  /** the slot the next boot runs */
  active: Slot,
  /** the active slot passed its health check */
  confirmed: z.boolean(),
  /** boots of the active slot while unconfirmed */
  tries: z.int().check(z.nonnegative()),
  /** the slot to go back to (the one that ran before the active one) */
  previous: z.nullable(Slot),
  slots: z.object({ a: z.nullable(SlotInfo), b: z.nullable(SlotInfo) }),
  /** the last outcome, until taken for the hub */
  last: z.nullable(BootReport),
});
export type BootState = z.infer<typeof BootState>;

export type BootErrorCode =
  /** the slot or boot.json could not be written (full disk, I/O error); the old slot stays */
  | 'storage'
  /** boot.json is missing: nothing installed */
  | 'no-slot'
  /** boot.json is unreadable */
  | 'bad-state'
  /** a rollback with no previous slot */
  | 'no-previous'
  /** the payload is not a file archive */
  | 'image-payload';

export class BootError extends Error {
  override readonly name = 'BootError';
  constructor(
    readonly code: BootErrorCode,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

export interface BootSlotsOptions {
  /** trial boots before a rollback (default 3) */
  maxTries?: number;
  fs?: BootFs;
  clock?: Clock;
}

/** What boot() chose. */
export interface BootChoice {
  slot: SlotName;
  dir: string;
  version: string;
  /** on trial: the firmware must confirm() */
  trial: boolean;
  /** trial boots so far, this one included */
  tries: number;
}

const other = (s: SlotName): SlotName => (s === 'a' ? 'b' : 'a');

export class BootSlots {
  private st: BootState | null;
  private readonly fs: BootFs;
  private readonly clock: Clock;
  readonly maxTries: number;

  private constructor(
    readonly dir: string,
    opts: BootSlotsOptions,
  ) {
    this.fs = opts.fs ?? nodeBootFs;
    this.clock = opts.clock ?? systemClock;
    this.maxTries = opts.maxTries ?? DEFAULT_MAX_TRIES;
    this.st = null;
  }

  /** Opens (and makes) the folder, reads boot.json and clears what an interrupted write left. */
  static open(dir: string, opts: BootSlotsOptions = {}): BootSlots {
    const s = new BootSlots(dir, opts);
    s.fs.mkdir(dir);
    s.st = s.read();
    s.sweep();
    return s;
  }

  /** A copy of the state; null when nothing is installed. */
  state(): BootState | null {
    return this.st ? structuredClone(this.st) : null;
  }

  slotDir(slot: SlotName): string {
    return path.join(this.dir, `slot-${slot}`);
  }

  /** The version boot() picks (the running one after a boot); null when nothing is installed. */
  activeVersion(): string | null {
    return this.st ? (this.st.slots[this.st.active]?.version ?? null) : null;
  }

  /** The slot boot() picks is on trial (unconfirmed). */
  onTrial(): boolean {
    return this.st !== null && !this.st.confirmed;
  }

  /**
   * Makes slot a the confirmed slot of an empty folder: with `files`, they are written into it;
   * without, the slot holds what is there already (a provisioned install, a simulated device).
   */
  adopt(info: { version: string; sha256?: string }, files?: readonly ArchiveEntry[]): void {
    if (this.st) throw new BootError('bad-state', `${this.dir} holds slots already`);
    this.storage(() => {
      if (files) this.writeSlot('a', files);
      else this.fs.mkdir(this.slotDir('a'));
      this.write({
        format: 1,
        active: 'a',
        confirmed: true,
        tries: 0,
        previous: null,
        slots: { a: { version: info.version, sha256: info.sha256 ?? sha256Of(new Uint8Array()), installedAt: this.now() }, b: null },
        last: null,
      });
    });
  }

  /**
   * Unpacks a verified image's payload into the slot that is not the keeper and makes it the
   * next boot, on trial. Throws BootError: 'image-payload' (not an archive: nothing written),
   * 'storage' (the old slot stays active and untouched).
   */
  stage(image: { manifest: Pick<Manifest, 'version' | 'sha256'>; payload: Uint8Array }): { slot: SlotName; version: string } {
    let files: ArchiveEntry[];
    try {
      files = unpackFiles(image.payload);
    } catch (err) {
      if (err instanceof ArchiveError) throw new BootError('image-payload', `the payload does not unpack: ${err.message}`, err);
      throw err;
    }
    const st = this.st;
    // the keeper: the slot known to run (confirmed), else the one before the trial
    const keeper: SlotName | null = !st ? null : st.confirmed ? st.active : (st.previous ?? st.active);
    const target: SlotName = keeper ? other(keeper) : 'a';
    this.storage(() => {
      if (st && keeper && (st.active === target || st.previous === target || st.slots[target])) {
        // first make boot.json forget the target, so no cut below leaves it named half-written
        this.write({ ...st, active: keeper, confirmed: st.active === keeper ? st.confirmed : true, tries: st.active === keeper ? st.tries : 0, previous: null, slots: { ...st.slots, [target]: null } as BootState['slots'] });
      }
      this.writeSlot(target, files);
      const cur = this.st;
      this.write({
        format: 1,
        active: target,
        confirmed: false,
        tries: 0,
        previous: keeper,
        slots: { ...(cur?.slots ?? { a: null, b: null }), [target]: { version: image.manifest.version, sha256: image.manifest.sha256, installedAt: this.now() } } as BootState['slots'],
        last: cur?.last ?? null,
      });
    });
    return { slot: target, version: image.manifest.version };
  }

  /**
   * At start: picks the slot to run. An unconfirmed slot's boot is counted (and persisted)
   * before it runs; past maxTries it is rolled back ('boot-loop').
   */
  boot(): BootChoice {
    const st = this.need();
    if (!st.confirmed) {
      if (st.tries >= this.maxTries || !this.fs.exists(this.slotDir(st.active))) {
        const reason = st.tries >= this.maxTries ? 'boot-loop' : 'slot-missing';
        if (st.previous) this.rollback(reason);
        else this.write({ ...st, confirmed: true, tries: 0, last: this.report('failed', st, reason, st.active) });
      } else {
        this.write({ ...st, tries: st.tries + 1 });
      }
    }
    const now = this.need();
    return { slot: now.active, dir: this.slotDir(now.active), version: now.slots[now.active]?.version ?? '0.0.0', trial: !now.confirmed, tries: now.tries };
  }

  /** The running slot passed its health check. False when it was confirmed already (nothing written). */
  confirm(): boolean {
    const st = this.need();
    if (st.confirmed) return false;
    this.write({ ...st, confirmed: true, tries: 0, last: this.report('confirmed', st, undefined, st.active) });
    return true;
  }

  /** Back to the previous slot (a failed health check, a boot loop); recorded in the report. */
  rollback(reason: string): { slot: SlotName; version: string } {
    const st = this.need();
    const back = st.previous;
    if (!back || !st.slots[back]) throw new BootError('no-previous', `no previous slot to roll back to from slot ${st.active}`);
    // the failed slot stays on disk (and named) until the next stage() overwrites it
    this.write({ ...st, active: back, confirmed: true, tries: 0, previous: null, last: this.report('rolled-back', st, reason, back) });
    return { slot: back, version: st.slots[back]!.version };
  }

  /** The last outcome, once: cleared from boot.json when taken (for the OTA client to publish). */
  takeReport(): BootReport | null {
    const st = this.st;
    if (!st?.last) return null;
    const last = st.last;
    this.write({ ...st, last: null });
    return last;
  }

  /** The last outcome, without taking it. */
  peekReport(): BootReport | null {
    return this.st?.last ? { ...this.st.last } : null;
  }

  /** Reads boot.json again (the launcher watches what the firmware wrote). */
  reload(): BootState | null {
    this.st = this.read();
    return this.state();
  }

  private report(result: BootReport['result'], st: BootState, reason: string | undefined, running: SlotName): BootReport {
    const version = st.slots[st.active]?.version ?? '0.0.0';
    const from = st.previous ? (st.slots[st.previous]?.version ?? null) : null;
    return { result, version, fromVersion: from, running: st.slots[running]?.version ?? version, ...(reason ? { reason } : {}), at: this.now() };
  }

  private need(): BootState {
    if (!this.st) throw new BootError('no-slot', `nothing installed in ${this.dir} (no ${STATE_FILE})`);
    return this.st;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private read(): BootState | null {
    let text: string;
    try {
      text = this.fs.readFile(path.join(this.dir, STATE_FILE)).toString('utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new BootError('bad-state', `cannot read ${STATE_FILE}: ${(err as Error).message}`, err);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new BootError('bad-state', `${path.join(this.dir, STATE_FILE)} is not JSON`);
    }
    const r = z.safeParse(BootState, raw);
    if (!r.success) throw new BootError('bad-state', `${path.join(this.dir, STATE_FILE)}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    return r.data;
  }

  /** Removes leftovers of an interrupted stage() and slots boot.json no longer names. Best effort. */
  private sweep(): void {
    let names: string[];
    try {
      names = this.fs.readdir(this.dir);
    } catch {
      return;
    }
    const named = new Set<string>();
    if (this.st) for (const s of ['a', 'b'] as const) if (this.st.slots[s]) named.add(`slot-${s}`);
    for (const n of names) {
      const leftover = n.endsWith('.tmp') || n.endsWith('.old') || (/^slot-[ab]$/.test(n) && this.st !== null && !named.has(n));
      if (!leftover) continue;
      try {
        this.fs.rm(path.join(this.dir, n));
      } catch {
        // read-only or failing storage: the leftovers are harmless, the next stage() replaces them
      }
    }
  }

  /** Writes a slot folder: into slot-X.tmp, every file and folder synced, then renamed into place. */
  private writeSlot(slot: SlotName, files: readonly ArchiveEntry[]): void {
    const final = this.slotDir(slot);
    const tmp = `${final}.tmp`;
    const old = `${final}.old`;
    const { fs } = this;
    fs.rm(tmp);
    fs.mkdir(tmp);
    const dirs = new Set<string>([tmp]);
    try {
      for (const f of files) {
        const file = path.join(tmp, ...f.path.split('/'));
        const parent = path.dirname(file);
        if (!dirs.has(parent)) {
          fs.mkdir(parent);
          for (let d = parent; d.startsWith(tmp) && !dirs.has(d); d = path.dirname(d)) dirs.add(d);
        }
        fs.writeFile(file, f.data, f.mode);
        fs.fsync(file);
      }
      // deepest first, so each folder's entries are durable before its parent's
      for (const d of [...dirs].sort((x, y) => y.length - x.length)) fs.fsync(d);
    } catch (err) {
      try {
        fs.rm(tmp);
      } catch {
        // leave it to the next open()
      }
      throw err;
    }
    if (fs.exists(final)) {
      fs.rm(old);
      fs.rename(final, old);
    }
    fs.rename(tmp, final);
    fs.fsync(this.dir);
    fs.rm(old);
  }

  /** boot.json, atomically: tmp, fsync, rename, fsync of the folder. */
  private write(next: BootState): void {
    const file = path.join(this.dir, STATE_FILE);
    const tmp = `${file}.tmp`;
    this.storage(() => {
      this.fs.writeFile(tmp, Buffer.from(JSON.stringify(next, null, 2) + '\n', 'utf8'));
      this.fs.fsync(tmp);
      this.fs.rename(tmp, file);
      this.st = next;
      this.fs.fsync(this.dir);
    });
  }

  /** Runs filesystem work; an I/O error becomes BootError('storage'). */
  private storage<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof BootError) throw err;
      const e = err as NodeJS.ErrnoException;
      const what = e.code === 'ENOSPC' ? 'the disk is full' : e.code ? `${e.code}: ${e.message}` : e.message;
      throw new BootError('storage', `cannot write the boot slots in ${this.dir}: ${what}`, err);
    }
  }
}

export function sha256Of(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
