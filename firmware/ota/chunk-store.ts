/**
 * Where a device keeps the chunks of an OTA image while it fetches them (issue "Flashing and
 * OTA"), so that a power cut or a restart resumes instead of starting over: the `OtaStaging`
 * port, a file adapter (the device) and a memory adapter (unit tests).
 *
 * The file adapter keeps, in its own folder:
 *
 *   ota-job.json        the offer being fetched {job, version, sha256, size, chunkSize, at}:
 *                       replaced atomically (temp file, fsync, rename, fsync of the folder)
 *   ota-image.bin       the image, each chunk written at index × chunkSize (positional writes)
 *   ota-have.bin        the chunks held: an append-only list of uint32 LE indexes
 *   ota-installed.json  {job, version, size} of the image handed to the installer, so the
 *                       report after the reboot names its job (the Installer port has no job)
 *
 * OTA-S1: a chunk is marked held only after its bytes are on disk: write the data, fdatasync,
 * then append its index. A power cut before the mark loses the chunk (it is fetched again),
 * never the other way round. A torn last mark (fewer than 4 bytes) is ignored on load. Marks
 * are group-committed: the chunks whose writes finished while one fdatasync ran share the next
 * one, so a window of 64 chunks costs a few fsyncs, not 64.
 *
 * OTA-S2: a new image (another job or SHA-256) drops the marks before the new job file is
 * written, so stale marks never vouch for another image's bytes.
 *
 * Any failing write (ENOSPC, EDQUOT, EIO, …) is an `OtaStagingError` with code `storage`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { chunkCount, type OtaOffer } from '../../protocol/index.js';

export class OtaStagingError extends Error {
  override readonly name = 'OtaStagingError';
  constructor(
    readonly code: 'storage',
    message: string,
    /** the errno code underneath (ENOSPC, EIO, …), when there was one */
    readonly errno?: string,
  ) {
    super(message);
  }
}

/** The offer fields staging keeps with the chunks. */
export type StagedOffer = Pick<OtaOffer, 'job' | 'version' | 'sha256' | 'size' | 'chunkSize' | 'at'>;

export interface StagedJob extends StagedOffer {
  /** bit i (bit i % 8 of byte ⌊i / 8⌋) set = chunk i held */
  have: Uint8Array;
  /** how many chunks are held */
  held: number;
  /** how many chunks the image has */
  chunks: number;
}

/** The image handed to the installer before the reboot. */
export interface InstalledRecord {
  job: string;
  version: string;
  size: number;
}

export interface OtaStaging {
  /** What is staged (after a restart too), or null. Also makes it the current job. */
  load(): StagedJob | null;
  /** Starts (or, same job and SHA-256, resumes) fetching an image; drops anything of another one. */
  begin(offer: StagedOffer): Promise<StagedJob>;
  /** Stores chunk `index` (its full length; the last may be shorter); resolves once it is durably held. */
  write(index: number, data: Uint8Array): Promise<void>;
  has(index: number): boolean;
  /** Indexes not yet held, ascending (all of them before begin()). */
  missing(): number[];
  /** The whole image, once every chunk is held. */
  bytes(): Promise<Uint8Array>;
  /** Drops the chunks and the job (not the installed record). */
  clear(): Promise<void>;
  /** Records the image handed to the installer and drops its chunks (before the reboot). */
  noteInstalled(record: InstalledRecord): Promise<void>;
  installed(): InstalledRecord | null;
  forgetInstalled(): Promise<void>;
}

const sameImage = (a: StagedOffer | null, b: StagedOffer): boolean => a !== null && a.job === b.job && a.sha256 === b.sha256 && a.size === b.size && a.chunkSize === b.chunkSize;

const offerOf = (o: StagedOffer): StagedOffer => ({ job: o.job, version: o.version, sha256: o.sha256, size: o.size, chunkSize: o.chunkSize, at: o.at });

/** The bytes chunk `index` must have. */
export function chunkLength(o: Pick<StagedOffer, 'size' | 'chunkSize'>, index: number): number {
  return Math.min(o.chunkSize, o.size - index * o.chunkSize);
}

/** What both adapters share: the held-bitmap bookkeeping. */
abstract class BitmapStaging {
  protected offer: StagedOffer | null = null;
  protected have = new Uint8Array(0);
  protected held = 0;

  has(index: number): boolean {
    return index >= 0 && (this.have[index >> 3]! & (1 << (index & 7))) !== 0;
  }

  missing(): number[] {
    if (!this.offer) return [];
    const out: number[] = [];
    const n = chunkCount(this.offer.size, this.offer.chunkSize);
    for (let i = 0; i < n; i++) if (!this.has(i)) out.push(i);
    return out;
  }

  protected job(): StagedJob | null {
    if (!this.offer) return null;
    return { ...this.offer, have: this.have.slice(), held: this.held, chunks: chunkCount(this.offer.size, this.offer.chunkSize) };
  }

  protected reset(offer: StagedOffer | null): void {
    this.offer = offer;
    this.have = new Uint8Array(offer ? Math.ceil(chunkCount(offer.size, offer.chunkSize) / 8) : 0);
    this.held = 0;
  }

  protected mark(index: number): void {
    if (this.has(index)) return;
    this.have[index >> 3]! |= 1 << (index & 7);
    this.held++;
  }

  protected check(index: number, data: Uint8Array): StagedOffer {
    const o = this.offer;
    if (!o) throw new RangeError('no image is being staged');
    const n = chunkCount(o.size, o.chunkSize);
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`chunk ${index} is outside 0..${n - 1}`);
    if (data.length !== chunkLength(o, index)) throw new RangeError(`chunk ${index} has ${data.length} bytes, expected ${chunkLength(o, index)}`);
    return o;
  }
}

/** In memory, for tests: share one instance between "boots" to keep what it holds. */
export class MemoryOtaStaging extends BitmapStaging implements OtaStaging {
  private image = new Uint8Array(0);
  private record: InstalledRecord | null = null;
  /** bytes it can still take before it reports a full disk (tests) */
  spaceLeft = Infinity;

  load(): StagedJob | null {
    return this.job();
  }

  async begin(offer: StagedOffer): Promise<StagedJob> {
    if (!sameImage(this.offer, offer)) {
      this.reset(offerOf(offer));
      this.image = new Uint8Array(offer.size);
    }
    return this.job()!;
  }

  async write(index: number, data: Uint8Array): Promise<void> {
    const o = this.check(index, data);
    if (data.length > this.spaceLeft) throw new OtaStagingError('storage', 'no space left on the device', 'ENOSPC');
    this.spaceLeft -= data.length;
    this.image.set(data, index * o.chunkSize);
    this.mark(index);
  }

  async bytes(): Promise<Uint8Array> {
    if (!this.offer || this.held < chunkCount(this.offer.size, this.offer.chunkSize)) throw new RangeError('the image is not complete');
    return this.image.slice();
  }

  async clear(): Promise<void> {
    this.reset(null);
    this.image = new Uint8Array(0);
  }

  async noteInstalled(record: InstalledRecord): Promise<void> {
    this.record = { ...record };
    await this.clear();
  }

  installed(): InstalledRecord | null {
    return this.record ? { ...this.record } : null;
  }

  async forgetInstalled(): Promise<void> {
    this.record = null;
  }
}

/** The few file operations the writes go through (tests inject a full disk here). */
export interface StagingFile {
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

export interface FileOtaStagingOptions {
  /** a folder of its own (created when missing) */
  dir: string;
  /** opens a file for writing; default node:fs/promises open */
  open?: (file: string, flags: 'w' | 'r+' | 'a') => Promise<StagingFile>;
  /** fdatasync before marking (default true; a simulator on a throw-away folder may skip it) */
  durable?: boolean;
}

export const STAGING_FILES = { job: 'ota-job.json', image: 'ota-image.bin', have: 'ota-have.bin', installed: 'ota-installed.json' } as const;

type Waiter = { index: number; gen: number; resolve: () => void; reject: (err: unknown) => void };

/** A write that lost its job to begin() of another image or clear(): not held. */
const resetError = (): RangeError => new RangeError('staging was reset');

/** Staging on the device's disk (see the file header for the layout and OTA-S1/S2). */
export class FileOtaStaging extends BitmapStaging implements OtaStaging {
  private image: StagingFile | null = null;
  private marks: StagingFile | null = null;
  private readonly inflight = new Set<Promise<unknown>>();
  private waiting: Waiter[] = [];
  private flushing = false;
  /** bumped by begin()/clear(): writes of an older generation are not marked */
  private gen = 0;
  private readonly openFile: (file: string, flags: 'w' | 'r+' | 'a') => Promise<StagingFile>;
  /** begin, clear, noteInstalled and close run one at a time */
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: FileOtaStagingOptions) {
    super();
    this.openFile = opts.open ?? ((file, flags) => open(file, flags) as Promise<FileHandle>);
  }

  private file(name: keyof typeof STAGING_FILES): string {
    return path.join(this.opts.dir, STAGING_FILES[name]);
  }

  load(): StagedJob | null {
    let offer: StagedOffer;
    try {
      offer = JSON.parse(readFileSync(this.file('job'), 'utf8')) as StagedOffer;
      if (typeof offer.job !== 'string' || typeof offer.sha256 !== 'string' || !Number.isInteger(offer.size) || !Number.isInteger(offer.chunkSize) || offer.chunkSize < 1) {
        throw new Error('not a job');
      }
    } catch {
      this.reset(null);
      return null;
    }
    this.reset(offerOf(offer));
    if (existsSync(this.file('image'))) {
      let marks: Buffer;
      try {
        marks = readFileSync(this.file('have'));
      } catch {
        marks = Buffer.alloc(0);
      }
      const n = chunkCount(offer.size, offer.chunkSize);
      // OTA-S1: a torn last record (power cut mid-append) is ignored
      for (let at = 0; at + 4 <= marks.length; at += 4) {
        const i = marks.readUInt32LE(at);
        if (i < n) this.mark(i);
      }
    }
    return this.job();
  }

  begin(offer: StagedOffer): Promise<StagedJob> {
    return this.exclusive(() => this.beginNow(offer));
  }

  private async beginNow(offer: StagedOffer): Promise<StagedJob> {
    if (this.offer === null) this.load();
    // an image file gone missing cannot vouch for its marks: start over
    const resume = sameImage(this.offer, offer) && existsSync(this.file('image'));
    await this.settle();
    this.gen++;
    await this.closeFiles();
    try {
      await mkdir(this.opts.dir, { recursive: true });
      if (!resume) {
        // OTA-S2: drop the marks first, then name the new image
        await rm(this.file('have'), { force: true });
        this.reset(offerOf(offer));
        await this.writeAtomic('job', this.offer);
      }
      this.image = await this.openFile(this.file('image'), resume ? 'r+' : 'w');
      this.marks = await this.openFile(this.file('have'), 'a');
    } catch (err) {
      await this.closeFiles();
      throw storageError(err, 'cannot start staging');
    }
    return this.job()!;
  }

  write(index: number, data: Uint8Array): Promise<void> {
    let o: StagedOffer;
    try {
      o = this.check(index, data);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const image = this.image;
    if (!image) return Promise.reject(new RangeError('staging is not open'));
    const gen = this.gen;
    const p = (async () => {
      try {
        let done = 0;
        while (done < data.length) {
          const { bytesWritten } = await image.write(data, done, data.length - done, index * o.chunkSize + done);
          if (bytesWritten <= 0) throw Object.assign(new Error('no bytes written'), { code: 'ENOSPC' });
          done += bytesWritten;
        }
      } catch (err) {
        throw storageError(err, `cannot write chunk ${index}`);
      }
      if (gen !== this.gen) throw resetError();
      await new Promise<void>((resolve, reject) => {
        this.waiting.push({ index, gen, resolve, reject });
        if (!this.flushing) void this.flush();
      });
    })();
    this.inflight.add(p);
    void p.then(
      () => this.inflight.delete(p),
      () => this.inflight.delete(p),
    );
    return p;
  }

  /** OTA-S1: group commit: fdatasync the image once for every chunk written meanwhile, then mark them. */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.waiting.length) {
        const stale = this.waiting.filter((w) => w.gen !== this.gen);
        for (const w of stale) w.reject(resetError());
        const batch = this.waiting.filter((w) => w.gen === this.gen);
        this.waiting = [];
        if (!batch.length) continue;
        try {
          if (!this.image || !this.marks) throw resetError();
          if (this.opts.durable !== false) await this.image.datasync();
          const rec = Buffer.allocUnsafe(batch.length * 4);
          batch.forEach((w, k) => rec.writeUInt32LE(w.index, k * 4));
          let done = 0;
          while (done < rec.length) done += (await this.marks.write(rec, done, rec.length - done, null)).bytesWritten;
          for (const w of batch) this.mark(w.index);
          for (const w of batch) w.resolve();
        } catch (err) {
          const e = err instanceof RangeError ? err : storageError(err, 'cannot mark chunks held');
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  async bytes(): Promise<Uint8Array> {
    const o = this.offer;
    if (!o || this.held < chunkCount(o.size, o.chunkSize)) throw new RangeError('the image is not complete');
    await this.settle();
    let all: Buffer;
    try {
      all = await readFile(this.file('image'));
    } catch (err) {
      throw storageError(err, 'cannot read the staged image');
    }
    if (all.length < o.size) throw new OtaStagingError('storage', `the staged image has ${all.length} of ${o.size} bytes`);
    return all.subarray(0, o.size);
  }

  clear(): Promise<void> {
    return this.exclusive(() => this.clearNow());
  }

  private async clearNow(): Promise<void> {
    await this.settle();
    this.gen++;
    await this.closeFiles();
    this.reset(null);
    for (const f of ['have', 'job', 'image'] as const) await rm(this.file(f), { force: true });
  }

  noteInstalled(record: InstalledRecord): Promise<void> {
    return this.exclusive(() => this.noteInstalledNow(record));
  }

  private async noteInstalledNow(record: InstalledRecord): Promise<void> {
    try {
      await mkdir(this.opts.dir, { recursive: true });
      await this.writeAtomic('installed', { job: record.job, version: record.version, size: record.size });
    } catch (err) {
      throw storageError(err, 'cannot record the installed image');
    }
    await this.clearNow();
  }

  installed(): InstalledRecord | null {
    try {
      const r = JSON.parse(readFileSync(this.file('installed'), 'utf8')) as InstalledRecord;
      return typeof r.job === 'string' && typeof r.version === 'string' ? { job: r.job, version: r.version, size: Number.isInteger(r.size) ? r.size : 0 } : null;
    } catch {
      return null;
    }
  }

  async forgetInstalled(): Promise<void> {
    await rm(this.file('installed'), { force: true });
  }

  /** Closes the files (the staged chunks stay). */
  close(): Promise<void> {
    return this.exclusive(async () => {
      await this.settle();
      this.gen++;
      await this.closeFiles();
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  private async settle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private async closeFiles(): Promise<void> {
    const files = [this.image, this.marks];
    this.image = this.marks = null;
    await Promise.allSettled(files.map((f) => f?.close()));
  }

  /** Temp file, fsync, rename over, fsync the folder (off the event loop: a fleet in one process shares it). */
  private async writeAtomic(name: 'job' | 'installed', value: unknown): Promise<void> {
    const file = this.file(name);
    const tmp = `${file}.tmp`;
    const durable = this.opts.durable !== false;
    const h = await open(tmp, 'w');
    try {
      await h.writeFile(JSON.stringify(value));
      if (durable) await h.sync();
    } finally {
      await h.close();
    }
    await rename(tmp, file);
    if (!durable) return;
    try {
      const d = await open(this.opts.dir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    } catch {
      // some file systems cannot fsync a folder; the rename is still atomic
    }
  }
}

function storageError(err: unknown, what: string): OtaStagingError {
  if (err instanceof OtaStagingError) return err;
  const e = err as NodeJS.ErrnoException;
  return new OtaStagingError('storage', `${what}: ${e.code === 'ENOSPC' ? 'no space left on the device' : e.message}`, e.code);
}
