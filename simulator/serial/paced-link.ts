/**
 * A SerialLink that moves bytes no faster than a UART at `baud` would: 8N1 is 10 bits on the
 * line per byte, so baud / 10 bytes per second, in both directions (what it writes, and what it
 * hands to its listeners). A pseudo-terminal has no baud rate of its own; without this the
 * simulator's throughput figures would be fiction.
 *
 * Each direction is a token bucket filled by real time (performance.now()), emptied in slices
 * of at most max(64 bytes, 1 ms of line time). An idle line saves up at most max(64 bytes, 4 ms);
 * a busy one counts every millisecond since the last slice, so late timers lose no line time
 * (up to 50 ms of it: a long event-loop stall is not made up as a flood).
 */
import { performance } from 'node:perf_hooks';
import { SerialError, type SerialLink } from '../../firmware/serial/serial-link.js';

export interface PacedLinkOptions {
  /** bits per second on the line; 8N1 → baud / 10 bytes per second */
  baud: number;
  /** milliseconds, monotonic (tests may fix it) */
  now?: () => number;
}

/** Bytes and the time the line was busy, per direction, for figures. */
export interface LineStats {
  /** bytes released in this direction */
  bytes: number;
  /** ms from the first to the last byte released */
  busyMs: number;
}

export const BITS_PER_BYTE_8N1 = 10;

class Pacer {
  private readonly queue: { bytes: Uint8Array; done?: (err?: SerialError) => void }[] = [];
  private head = 0; // bytes of queue[0] already released
  private tokens: number;
  private last: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly slice: number;
  private readonly burst: number;
  private readonly catchUp: number;
  readonly stats: LineStats = { bytes: 0, busyMs: 0 };
  private firstAt: number | undefined;

  constructor(
    private readonly perMs: number,
    private readonly now: () => number,
    private readonly release: (bytes: Uint8Array) => void,
  ) {
    this.slice = Math.max(64, Math.floor(perMs));
    this.burst = Math.max(64, perMs * 4);
    this.catchUp = Math.max(this.burst, perMs * 50);
    this.tokens = 0;
    this.last = now();
  }

  push(bytes: Uint8Array, done?: (err?: SerialError) => void): void {
    if (bytes.length === 0) {
      done?.();
      return;
    }
    const idle = this.queue.length === 0;
    this.queue.push({ bytes, ...(done ? { done } : {}) });
    if (idle && this.timer === undefined) {
      // an idle line saves up at most `burst`
      const now = this.now();
      this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
      this.pump();
    }
  }

  get queued(): number {
    let n = -this.head;
    for (const q of this.queue) n += q.bytes.length;
    return n;
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const dropped = this.queue.splice(0);
    this.head = 0;
    for (const q of dropped) q.done?.(new SerialError('serial-closed', 'the link closed before these bytes were sent'));
  }

  private pump(): void {
    this.timer = undefined;
    const now = this.now();
    // busy: a late timer loses no line time (up to `catchUp`, so a long stall does not become a flood)
    this.tokens = Math.min(this.catchUp, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
    while (this.queue.length && this.tokens >= 1) {
      const q = this.queue[0]!;
      const n = Math.min(this.slice, Math.floor(this.tokens), q.bytes.length - this.head);
      const out = q.bytes.subarray(this.head, this.head + n);
      this.head += n;
      this.tokens -= n;
      this.firstAt ??= now;
      this.stats.bytes += n;
      this.stats.busyMs = now - this.firstAt;
      this.release(out);
      if (this.head === q.bytes.length) {
        this.queue.shift();
        this.head = 0;
        q.done?.();
      }
    }
    if (!this.queue.length) return;
    const want = Math.min(this.slice, this.queued);
    const waitMs = Math.max(1, Math.ceil((want - this.tokens) / this.perMs));
    this.timer = setTimeout(() => this.pump(), waitMs);
  }
}

export class PacedLink implements SerialLink {
  private readonly out: Pacer;
  private readonly in: Pacer;
  private readonly listeners = new Set<(bytes: Uint8Array) => void>();
  private readonly offInner: () => void;
  private readonly offClose: () => void;
  private closed = false;

  constructor(
    private readonly inner: SerialLink,
    opts: PacedLinkOptions,
  ) {
    if (!(opts.baud > 0)) throw new RangeError(`baud must be positive, got ${opts.baud}`);
    const perMs = opts.baud / BITS_PER_BYTE_8N1 / 1000;
    const now = opts.now ?? (() => performance.now());
    this.out = new Pacer(perMs, now, (b) => {
      // copy: the caller may reuse its buffer once write() resolves
      this.inner.write(Uint8Array.from(b)).catch(() => {
        /* the inner link reports its loss through onClose */
      });
    });
    this.in = new Pacer(perMs, now, (b) => {
      for (const l of this.listeners) l(b);
    });
    this.offInner = inner.onData((b) => this.in.push(Uint8Array.from(b)));
    this.offClose = inner.onClose(() => this.stopPacers());
  }

  /** bytes written and read so far, and how long each direction was busy */
  get stats(): { written: LineStats; read: LineStats } {
    return { written: { ...this.out.stats }, read: { ...this.in.stats } };
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new SerialError('serial-closed', 'the link is closed'));
    return new Promise((resolve, reject) => this.out.push(Uint8Array.from(bytes), (err) => (err ? reject(err) : resolve())));
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  onClose(listener: (err?: SerialError) => void): () => void {
    return this.inner.onClose(listener);
  }

  async close(): Promise<void> {
    this.stopPacers();
    await this.inner.close();
  }

  private stopPacers(): void {
    if (this.closed) return;
    this.closed = true;
    this.out.stop();
    this.in.stop();
    this.offInner();
    this.offClose();
  }
}
