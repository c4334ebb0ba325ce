/**
 * Consistent Overhead Byte Stuffing: S. Cheshire and M. Baker, "Consistent Overhead Byte
 * Stuffing", IEEE/ACM Transactions on Networking 7(2), 1999. An encoded frame holds no 0x00, so
 * 0x00 delimits frames on the serial line and a receiver resynchronises at the next 0x00 after
 * any noise. Overhead: at most 1 byte per 254, plus the delimiter. Pure.
 */

export type CobsErrorCode = 'cobs-zero' | 'cobs-truncated' | 'cobs-overflow';

export class CobsError extends Error {
  override readonly name = 'CobsError';
  constructor(
    readonly code: CobsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Encodes `data` (any bytes); the result holds no 0x00 and no delimiter. */
export function cobsEncode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + Math.ceil(data.length / 254) + 1);
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b !== 0) {
      out[o++] = b;
      code++;
    }
    // a full 254-byte block at the very end needs no empty block after it
    if (b === 0 || (code === 0xff && i < data.length - 1)) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    }
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

/** Decodes one frame (without its 0x00 delimiter). Throws CobsError. */
export function cobsDecode(enc: Uint8Array): Uint8Array {
  const out = new Uint8Array(enc.length);
  let o = 0;
  let i = 0;
  while (i < enc.length) {
    const code = enc[i]!;
    if (code === 0) throw new CobsError('cobs-zero', `a 0x00 inside a frame at byte ${i}`);
    if (i + code > enc.length) throw new CobsError('cobs-truncated', `a block at byte ${i} runs past the end of the frame`);
    for (let k = 1; k < code; k++) {
      const b = enc[i + k]!;
      if (b === 0) throw new CobsError('cobs-zero', `a 0x00 inside a frame at byte ${i + k}`);
      out[o++] = b;
    }
    i += code;
    // a 0xFF block carries no implied zero; nor does the last block
    if (code !== 0xff && i < enc.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}

/** Encodes and appends the 0x00 delimiter: what goes on the line. */
export function cobsFrame(data: Uint8Array): Uint8Array {
  const enc = cobsEncode(data);
  const out = new Uint8Array(enc.length + 1);
  out.set(enc);
  return out;
}

/**
 * Splits a byte stream on 0x00 and decodes each frame. Empty frames (repeated delimiters) are
 * skipped; a bad or over-long frame is reported and dropped, and decoding resumes at the next 0x00.
 */
export class CobsStreamDecoder {
  private buf: Uint8Array;
  private len = 0;
  private overflowed = false;

  constructor(
    private readonly onFrame: (data: Uint8Array) => void,
    private readonly onBadFrame: (err: CobsError) => void,
    /** the longest encoded frame accepted, without the delimiter */
    private readonly maxEncoded = 64 * 1024,
  ) {
    this.buf = new Uint8Array(Math.min(1024, maxEncoded));
  }

  push(chunk: Uint8Array): void {
    for (const b of chunk) {
      if (b === 0) {
        this.end();
        continue;
      }
      if (this.overflowed) continue;
      if (this.len === this.maxEncoded) {
        this.overflowed = true;
        continue;
      }
      if (this.len === this.buf.length) {
        const bigger = new Uint8Array(Math.min(this.maxEncoded, this.buf.length * 2));
        bigger.set(this.buf);
        this.buf = bigger;
      }
      this.buf[this.len++] = b;
    }
  }

  /** bytes held for a frame that has not ended yet */
  get pending(): number {
    return this.len;
  }

  /** Drops a partial frame (after a disconnect). */
  reset(): void {
    this.len = 0;
    this.overflowed = false;
  }

  private end(): void {
    const len = this.len;
    const overflowed = this.overflowed;
    this.reset();
    if (overflowed) return this.onBadFrame(new CobsError('cobs-overflow', `a frame longer than ${this.maxEncoded} bytes`));
    if (len === 0) return;
    let data: Uint8Array;
    try {
      data = cobsDecode(this.buf.subarray(0, len)).slice();
    } catch (err) {
      return this.onBadFrame(err as CobsError);
    }
    this.onFrame(data);
  }
}
