/**
 * The two ends of serial flashing as pure state machines (issue "Flashing and OTA"): the host
 * (the CLI) drives, the device (the bootloader) answers. Neither does I/O: frames go out through
 * `send`, come in through `receive`, the host's timeouts run on an injected Timers port, and the
 * device keeps its resume point and the received bytes in injected ports. Stop-and-wait: one DATA
 * frame in flight; a NACK or a timeout sends it again, up to `maxRetries` times in a row.
 *
 *   host                         device
 *   HELLO ─────────────────────▶
 *         ◀───────────────────── INFO (resume offset + SHA-256, if it has one)
 *   BEGIN (start offset) ──────▶ truncates its sink to the start offset
 *         ◀───────────────────── ACK seq 0
 *   DATA seq n, offset ────────▶ appends, saves the resume point
 *         ◀───────────────────── ACK seq n, next offset   | NACK seq, reason
 *   END ───────────────────────▶ inflates, checks size + SHA-256
 *         ◀───────────────────── DONE ok | fail + reason
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Timers } from '../peripherals/hid-device.js';
import type { ImageKind } from '../image/image-format.js';
import { FLASH_PROTOCOL_VERSION, RETRYABLE_NACKS, type DoneReason, type Frame, type FrameError, type NackReason } from './flash-frames.js';

export type FlashErrorCode =
  /** no answer after maxRetries resends */
  | 'flash-timeout'
  /** maxRetries NACKs in a row */
  | 'flash-retries'
  /** a NACK that a resend cannot fix (too-large, overflow, not-begun, storage) */
  | 'flash-refused'
  /** the device speaks another protocol version, or sent a frame that makes no sense now */
  | 'flash-protocol'
  /** the device answered DONE fail; `reason` says why */
  | 'flash-device'
  /** the link went away; a new session can resume */
  | 'flash-disconnected'
  | 'flash-stopped';

export class FlashError extends Error {
  override readonly name = 'FlashError';
  constructor(
    readonly code: FlashErrorCode,
    message: string,
    /** the device's NACK or DONE reason, when it gave one */
    readonly reason?: NackReason | DoneReason,
  ) {
    super(message);
  }
}

/** Progress, in bytes of the compressed stream. */
export type FlashEvent =
  | { state: 'connecting'; done: 0; total: number }
  | { state: 'writing'; done: number; total: number; resumedFrom: number }
  | { state: 'verifying'; done: number; total: number }
  | { state: 'done'; done: number; total: number; sha256: string; resumedFrom: number }
  | { state: 'failed'; done: number; total: number; error: FlashError };

export interface HostFlasherOptions {
  /** the image bytes, already verified (image-format.ts) */
  image: Uint8Array;
  send: (frame: Frame) => void;
  timers: Timers;
  onEvent: (e: FlashEvent) => void;
  /** wait for an answer this long before resending */
  timeoutMs?: number;
  /** resends of one frame (after a NACK or a timeout) before giving up */
  maxRetries?: number;
  /** the largest DATA payload to send; the device's maxChunk caps it */
  chunkSize?: number;
}

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

type HostPhase = 'idle' | 'hello' | 'begin' | 'data' | 'end' | 'finished';

export class HostFlasher {
  readonly sha256: string;
  readonly compressed: Uint8Array;
  private phase: HostPhase = 'idle';
  private pending: Frame | undefined;
  private timer: unknown;
  private retries = 0;
  private chunk = 0;
  private offset = 0;
  private seq = 0;
  private resumedFrom = 0;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;

  constructor(private readonly opts: HostFlasherOptions) {
    this.sha256 = sha256Hex(opts.image);
    this.compressed = deflateRawSync(opts.image, { level: 9 });
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.maxRetries = opts.maxRetries ?? 5;
  }

  /** compressed bytes the device has confirmed */
  get confirmed(): number {
    return this.offset;
  }

  start(): void {
    if (this.phase !== 'idle') return;
    this.phase = 'hello';
    this.opts.onEvent({ state: 'connecting', done: 0, total: this.compressed.length });
    this.transmit({ type: 'hello', protocol: FLASH_PROTOCOL_VERSION });
  }

  stop(): void {
    if (this.phase !== 'finished' && this.phase !== 'idle') this.fail(new FlashError('flash-stopped', 'flashing was stopped'));
    this.clearTimer();
    this.phase = 'finished';
  }

  /** The link is gone (closed or lost). */
  disconnected(): void {
    if (this.phase === 'finished' || this.phase === 'idle') return;
    this.fail(new FlashError('flash-disconnected', `the link went away at ${this.offset} of ${this.compressed.length} bytes`));
  }

  /** A frame that did not decode: the timeout resends; nothing to do now. */
  badFrame(_err: FrameError): void {}

  receive(frame: Frame): void {
    switch (this.phase) {
      case 'hello':
        if (frame.type === 'info') return this.onInfo(frame);
        break;
      case 'begin':
        if (frame.type === 'ack' && frame.seq === 0) {
          if (frame.nextOffset !== this.offset) return this.fail(new FlashError('flash-protocol', `BEGIN ACKed at ${frame.nextOffset}, expected ${this.offset}`));
          this.opts.onEvent({ state: 'writing', done: this.offset, total: this.compressed.length, resumedFrom: this.resumedFrom });
          return this.sendNext();
        }
        if (frame.type === 'done' && !frame.ok) return this.deviceFailed(frame.reason);
        break;
      case 'data': {
        const cur = this.pending;
        if (cur?.type !== 'data') break;
        if (frame.type === 'ack') {
          if (frame.seq !== cur.seq || frame.nextOffset !== cur.offset + cur.bytes.length) return; // stale
          this.offset = frame.nextOffset;
          this.opts.onEvent({ state: 'writing', done: this.offset, total: this.compressed.length, resumedFrom: this.resumedFrom });
          return this.sendNext();
        }
        break;
      }
      case 'end':
        if (frame.type === 'done') {
          if (!frame.ok) return this.deviceFailed(frame.reason);
          this.clearTimer();
          this.phase = 'finished';
          this.opts.onEvent({ state: 'done', done: this.offset, total: this.compressed.length, sha256: this.sha256, resumedFrom: this.resumedFrom });
          return;
        }
        break;
      case 'idle':
      case 'finished':
        return;
    }
    if (frame.type === 'nack') return this.onNack(frame.reason);
    if (frame.type === 'done' && !frame.ok) return this.deviceFailed(frame.reason);
    // anything else out of turn (a late duplicate ACK or INFO) is ignored; the timeout covers loss
  }

  private onInfo(info: Extract<Frame, { type: 'info' }>): void {
    if (info.protocol !== FLASH_PROTOCOL_VERSION) {
      return this.fail(new FlashError('flash-protocol', `the device speaks flashing protocol ${info.protocol}, this host ${FLASH_PROTOCOL_VERSION}`));
    }
    if (info.maxChunk < 1) return this.fail(new FlashError('flash-protocol', 'the device accepts no DATA bytes (max chunk 0)'));
    this.chunk = Math.min(this.opts.chunkSize ?? 4096, info.maxChunk);
    const r = info.resume;
    this.offset = r && r.sha256 === this.sha256 && r.offset <= this.compressed.length ? r.offset : 0;
    this.resumedFrom = this.offset;
    this.phase = 'begin';
    this.transmit({ type: 'begin', imageSize: this.opts.image.length, compressedSize: this.compressed.length, startOffset: this.offset, sha256: this.sha256 });
  }

  private sendNext(): void {
    this.retries = 0;
    if (this.offset >= this.compressed.length) {
      this.phase = 'end';
      this.opts.onEvent({ state: 'verifying', done: this.offset, total: this.compressed.length });
      return this.transmit({ type: 'end' });
    }
    this.phase = 'data';
    const bytes = this.compressed.subarray(this.offset, Math.min(this.offset + this.chunk, this.compressed.length));
    this.transmit({ type: 'data', seq: ++this.seq, offset: this.offset, bytes });
  }

  private onNack(reason: NackReason): void {
    if (!this.pending) return;
    if (!RETRYABLE_NACKS.has(reason)) return this.fail(new FlashError('flash-refused', `the device refused the transfer (${reason}) at ${this.offset}`, reason));
    if (++this.retries > this.maxRetries) return this.fail(new FlashError('flash-retries', `${this.maxRetries} resends NACKed (${reason}) at ${this.offset}`, reason));
    this.transmit(this.pending, false);
  }

  private onTimeout(): void {
    this.timer = undefined;
    if (!this.pending || this.phase === 'finished') return;
    if (++this.retries > this.maxRetries) {
      return this.fail(new FlashError('flash-timeout', `no answer to ${this.pending.type.toUpperCase()} after ${this.maxRetries} resends (${this.timeoutMs} ms each)`));
    }
    this.transmit(this.pending, false);
  }

  private transmit(frame: Frame, fresh = true): void {
    if (fresh) this.retries = 0;
    this.pending = frame;
    this.clearTimer();
    this.timer = this.opts.timers.setTimeout(() => this.onTimeout(), this.timeoutMs);
    this.opts.send(frame);
  }

  private deviceFailed(reason: DoneReason): void {
    this.fail(new FlashError('flash-device', `the device refused the image: ${reason}`, reason));
  }

  private fail(error: FlashError): void {
    this.clearTimer();
    this.pending = undefined;
    this.phase = 'finished';
    this.opts.onEvent({ state: 'failed', done: this.offset, total: this.compressed.length, error });
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.opts.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

// ───────────────────────────── device side ─────────────────────────────

/** Where the bootloader keeps the point an interrupted transfer resumes from (survives a reset). */
export interface ResumeStore {
  load(): { sha256: string; offset: number } | null;
  save(point: { sha256: string; offset: number }): void;
  clear(): void;
}

/** Where the compressed stream goes (a flash staging area on the device). */
export interface ChunkSink {
  /** bytes held */
  size(): number;
  append(bytes: Uint8Array): void;
  /** drops everything from `offset` on */
  truncate(offset: number): void;
  /** everything held, for the final inflate */
  bytes(): Uint8Array;
}

export type ReceiverEvent =
  | { state: 'receiving'; done: number; total: number }
  | { state: 'verifying'; done: number; total: number }
  | { state: 'done'; image: Uint8Array; sha256: string }
  | { state: 'failed'; reason: DoneReason };

export interface DeviceReceiverOptions {
  bootVersion: string;
  kind: ImageKind;
  /** largest DATA payload accepted; at most 65535 */
  maxChunk: number;
  store: ResumeStore;
  sink: ChunkSink;
  send: (frame: Frame) => void;
  onEvent?: (e: ReceiverEvent) => void;
  /** largest image (inflated) the device will take */
  maxImageSize?: number;
  /**
   * Called with an intact image (size and SHA-256 checked) before DONE is sent: the bootloader
   * verifies and stages it here, so DONE tells the host whether the device took it. Resolves to
   * `ok`, or the DONE reason to send (`refused`, `storage`). A repeated END meanwhile is ignored.
   */
  accept?: (image: Uint8Array, sha256: string) => Promise<DoneReason>;
}

interface Transfer {
  imageSize: number;
  compressedSize: number;
  sha256: string;
  nextSeq: number;
  offset: number;
  lastAck?: Extract<Frame, { type: 'ack' }>;
}

export class DeviceReceiver {
  private transfer: Transfer | undefined;
  private lastDone: Extract<Frame, { type: 'done' }> | undefined;
  /** set while `accept` runs; a HELLO or BEGIN meanwhile makes its outcome stale */
  private accepting: object | undefined;

  constructor(private readonly opts: DeviceReceiverOptions) {}

  /** The point a HELLO would report now. */
  resumePoint(): { sha256: string; offset: number } | null {
    const p = this.opts.store.load();
    return p && p.offset <= this.opts.sink.size() ? p : null;
  }

  /** A frame that failed its CRC (or COBS): NACK it so the host resends without waiting. */
  badFrame(_err: FrameError): void {
    const t = this.transfer;
    if (t) this.opts.send({ type: 'nack', seq: t.nextSeq, reason: 'crc' });
  }

  receive(frame: Frame): void {
    switch (frame.type) {
      case 'hello':
        this.transfer = undefined;
        this.lastDone = undefined;
        this.accepting = undefined;
        this.opts.send({
          type: 'info',
          protocol: FLASH_PROTOCOL_VERSION,
          bootVersion: this.opts.bootVersion,
          kind: this.opts.kind,
          maxChunk: this.opts.maxChunk,
          resume: this.resumePoint(),
        });
        return;
      case 'begin':
        return this.onBegin(frame);
      case 'data':
        return this.onData(frame);
      case 'end':
        return this.onEnd();
      default:
        return; // device → host frames are not for us
    }
  }

  private onBegin(b: Extract<Frame, { type: 'begin' }>): void {
    this.lastDone = undefined;
    this.accepting = undefined;
    const { store, sink } = this.opts;
    if (this.opts.maxImageSize !== undefined && b.imageSize > this.opts.maxImageSize) return this.finish('size-mismatch');
    if (b.startOffset > b.compressedSize) return this.finish('resume-mismatch');
    if (b.startOffset > 0) {
      const p = this.resumePoint();
      if (!p || p.sha256 !== b.sha256 || b.startOffset > p.offset) return this.finish('resume-mismatch');
    }
    try {
      sink.truncate(b.startOffset);
      store.save({ sha256: b.sha256, offset: b.startOffset });
    } catch {
      return this.finish('storage');
    }
    this.transfer = { imageSize: b.imageSize, compressedSize: b.compressedSize, sha256: b.sha256, nextSeq: 1, offset: b.startOffset };
    this.opts.send({ type: 'ack', seq: 0, nextOffset: b.startOffset });
  }

  private onData(d: Extract<Frame, { type: 'data' }>): void {
    const t = this.transfer;
    const nack = (reason: NackReason) => this.opts.send({ type: 'nack', seq: d.seq, reason });
    if (!t) return nack('not-begun');
    // the host resends a frame whose ACK it lost: ACK it again, store nothing
    if (t.lastAck && d.seq === t.lastAck.seq && d.offset + d.bytes.length === t.offset) return this.opts.send(t.lastAck);
    if (d.bytes.length > this.opts.maxChunk) return nack('too-large');
    if (d.seq !== t.nextSeq) return nack('sequence');
    if (d.offset !== t.offset) return nack('offset');
    if (d.offset + d.bytes.length > t.compressedSize) return nack('overflow');
    try {
      this.opts.sink.append(d.bytes);
      t.offset += d.bytes.length;
      this.opts.store.save({ sha256: t.sha256, offset: t.offset });
    } catch {
      this.opts.sink.truncate(d.offset);
      t.offset = d.offset;
      return nack('storage');
    }
    t.nextSeq++;
    t.lastAck = { type: 'ack', seq: d.seq, nextOffset: t.offset };
    this.opts.onEvent?.({ state: 'receiving', done: t.offset, total: t.compressedSize });
    this.opts.send(t.lastAck);
  }

  private onEnd(): void {
    if (this.lastDone) return this.opts.send(this.lastDone); // the host lost our DONE
    if (this.accepting) return; // DONE follows once `accept` has decided
    const t = this.transfer;
    if (!t) return this.opts.send({ type: 'done', ok: false, reason: 'not-begun' });
    if (t.offset !== t.compressedSize) return this.finish('size-mismatch');
    this.opts.onEvent?.({ state: 'verifying', done: t.offset, total: t.compressedSize });
    let image: Uint8Array;
    try {
      image = inflateRawSync(this.opts.sink.bytes(), { maxOutputLength: Math.max(1, t.imageSize) });
    } catch {
      return this.finish('inflate-failed');
    }
    if (image.length !== t.imageSize) return this.finish('size-mismatch');
    const sha256 = sha256Hex(image);
    if (sha256 !== t.sha256) return this.finish('hash-mismatch');
    const accept = this.opts.accept;
    if (!accept) return this.finish('ok', image, sha256);
    const token = {};
    this.accepting = token;
    accept(image, sha256)
      .catch((): DoneReason => 'storage')
      .then((reason) => {
        if (this.accepting !== token) return;
        this.accepting = undefined;
        this.finish(reason, image, sha256);
      });
  }

  /** Ends the transfer; a failed one is not resumable. */
  private finish(reason: DoneReason, image?: Uint8Array, sha256?: string): void {
    this.transfer = undefined;
    try {
      this.opts.store.clear();
      if (reason !== 'ok') this.opts.sink.truncate(0);
    } catch {
      // the DONE below still tells the host the outcome
    }
    this.lastDone = { type: 'done', ok: reason === 'ok', reason };
    this.opts.onEvent?.(reason === 'ok' ? { state: 'done', image: image!, sha256: sha256! } : { state: 'failed', reason });
    this.opts.send(this.lastDone);
  }
}

/** A ResumeStore and ChunkSink in memory (tests, the simulator). */
export function memoryFlashStorage(): { store: ResumeStore; sink: ChunkSink } {
  let point: { sha256: string; offset: number } | null = null;
  let buf = new Uint8Array(64 * 1024);
  let len = 0;
  return {
    store: {
      load: () => (point ? { ...point } : null),
      save: (p) => {
        point = { ...p };
      },
      clear: () => {
        point = null;
      },
    },
    sink: {
      size: () => len,
      append(bytes) {
        if (len + bytes.length > buf.length) {
          const bigger = new Uint8Array(Math.max(buf.length * 2, len + bytes.length));
          bigger.set(buf.subarray(0, len));
          buf = bigger;
        }
        buf.set(bytes, len);
        len += bytes.length;
      },
      truncate(offset) {
        len = Math.min(len, offset);
      },
      bytes: () => buf.slice(0, len),
    },
  };
}
