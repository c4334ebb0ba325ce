/**
 * The serial flashing protocol's frames (issue "Flashing and OTA"). Pure.
 *
 * On the line each frame is   COBS( type u8 | payload | CRC-32 u32 LE over type+payload ) 0x00
 * (cobs.ts, crc32.ts). All integers are little endian. SHA-256 fields are 32 raw bytes; in
 * TypeScript they are 64 lower-case hex digits, like Manifest.sha256.
 *
 *   type  name   dir            payload
 *   0x01  HELLO  host → device  protocol u8
 *   0x02  INFO   device → host  protocol u8, boot version major/minor/patch u16×3,
 *                               kind u8 (1 phone, 2 kiosk, 3 any), max chunk u16,
 *                               has resume u8 (0/1), resume offset u32, resume SHA-256 32
 *                               (offset and SHA are zero when there is no resume)       = 48
 *   0x03  BEGIN  host → device  image size u32, compressed size u32, start offset u32,
 *                               image SHA-256 32                                        = 44
 *   0x04  DATA   host → device  seq u32, offset u32 into the compressed stream, bytes (1..max chunk)
 *   0x05  ACK    device → host  seq u32, next offset u32          (BEGIN is ACKed with seq 0)
 *   0x06  NACK   device → host  seq u32, reason u8 (NACK_REASONS)
 *   0x07  END    host → device  (empty)
 *   0x08  DONE   device → host  ok u8 (0/1), reason u8 (DONE_REASONS; 0 when ok)
 *
 * The compressed stream is raw deflate (RFC 1951) of the image; DONE ok means the device
 * inflated it, its SHA-256 and size match BEGIN, and (a bootloader with an `accept` hook) its
 * installer took it; DONE `refused` means intact but refused by the installer.
 */
import { cobsDecode, cobsFrame, CobsError } from './cobs.js';
import { crc32 } from './crc32.js';
import type { ImageKind } from '../image/image-format.js';

export const FLASH_PROTOCOL_VERSION = 1;

export type FrameErrorCode = 'frame-cobs' | 'frame-short' | 'frame-crc' | 'frame-type' | 'frame-length' | 'frame-value';

export class FrameError extends Error {
  override readonly name = 'FrameError';
  constructor(
    readonly code: FrameErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Why the device refused a DATA frame (or a frame it could not read). */
export const NACK_REASONS = ['crc', 'sequence', 'offset', 'too-large', 'overflow', 'not-begun', 'storage'] as const;
export type NackReason = (typeof NACK_REASONS)[number];
/** NACKs the host answers by sending the same frame again; the others end the session. */
export const RETRYABLE_NACKS: ReadonlySet<NackReason> = new Set(['crc', 'sequence', 'offset']);

/**
 * Why a session ended; `ok` only with DONE ok. Append only: the code on the line is the index.
 * `refused`: the image arrived intact but the device's installer refused it (signature, kind,
 * version or boot version; the device logs which).
 */
export const DONE_REASONS = ['ok', 'hash-mismatch', 'size-mismatch', 'inflate-failed', 'not-begun', 'resume-mismatch', 'storage', 'refused'] as const;
export type DoneReason = (typeof DONE_REASONS)[number];

const KINDS: readonly ImageKind[] = ['phone', 'kiosk', 'any'];

export type Frame =
  | { type: 'hello'; protocol: number }
  | {
      type: 'info';
      protocol: number;
      /** MAJOR.MINOR.PATCH, each ≤ 65535 */
      bootVersion: string;
      kind: ImageKind;
      maxChunk: number;
      resume: { offset: number; sha256: string } | null;
    }
  | { type: 'begin'; imageSize: number; compressedSize: number; startOffset: number; sha256: string }
  | { type: 'data'; seq: number; offset: number; bytes: Uint8Array }
  | { type: 'ack'; seq: number; nextOffset: number }
  | { type: 'nack'; seq: number; reason: NackReason }
  | { type: 'end' }
  | { type: 'done'; ok: boolean; reason: DoneReason };

export type FrameType = Frame['type'];

export const FRAME_TYPE_CODES: Readonly<Record<FrameType, number>> = {
  hello: 0x01,
  info: 0x02,
  begin: 0x03,
  data: 0x04,
  ack: 0x05,
  nack: 0x06,
  end: 0x07,
  done: 0x08,
};
const TYPE_BY_CODE = new Map(Object.entries(FRAME_TYPE_CODES).map(([k, v]) => [v, k as FrameType]));

/** payload length per type; DATA is at least 9 (header + one byte) */
const FIXED_LENGTH: Readonly<Record<Exclude<FrameType, 'data'>, number>> = {
  hello: 1,
  info: 48,
  begin: 44,
  ack: 8,
  nack: 5,
  end: 0,
  done: 2,
};
const DATA_HEADER = 8;
const CRC_BYTES = 4;

function u8(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new FrameError('frame-value', `${what} must be 0..255`);
  return v;
}
function u16(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new FrameError('frame-value', `${what} must be 0..65535`);
  return v;
}
function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new FrameError('frame-value', `${what} must be 0..2^32-1`);
  return v;
}
function shaBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new FrameError('frame-value', 'a SHA-256 must be 64 lower-case hex digits');
  return Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
}
function shaHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** type + payload + CRC, before COBS. Throws FrameError('frame-value') for a field out of range. */
export function frameBytes(frame: Frame): Uint8Array {
  const len = frame.type === 'data' ? DATA_HEADER + frame.bytes.length : FIXED_LENGTH[frame.type];
  const out = new Uint8Array(1 + len + CRC_BYTES);
  const v = new DataView(out.buffer);
  out[0] = FRAME_TYPE_CODES[frame.type];
  const p = 1;
  switch (frame.type) {
    case 'hello':
      out[p] = u8(frame.protocol, 'protocol');
      break;
    case 'info': {
      out[p] = u8(frame.protocol, 'protocol');
      const parts = /^(\d+)\.(\d+)\.(\d+)$/.exec(frame.bootVersion);
      if (!parts) throw new FrameError('frame-value', 'bootVersion must be MAJOR.MINOR.PATCH');
      for (let i = 0; i < 3; i++) v.setUint16(p + 1 + 2 * i, u16(Number(parts[i + 1]), 'bootVersion'), true);
      const kind = KINDS.indexOf(frame.kind);
      if (kind < 0) throw new FrameError('frame-value', `unknown kind ${String(frame.kind)}`);
      out[p + 7] = kind + 1;
      v.setUint16(p + 8, u16(frame.maxChunk, 'maxChunk'), true);
      if (frame.resume) {
        out[p + 10] = 1;
        v.setUint32(p + 11, u32(frame.resume.offset, 'resume offset'), true);
        out.set(shaBytes(frame.resume.sha256), p + 15);
      }
      break;
    }
    case 'begin':
      v.setUint32(p, u32(frame.imageSize, 'imageSize'), true);
      v.setUint32(p + 4, u32(frame.compressedSize, 'compressedSize'), true);
      v.setUint32(p + 8, u32(frame.startOffset, 'startOffset'), true);
      out.set(shaBytes(frame.sha256), p + 12);
      break;
    case 'data':
      if (frame.bytes.length === 0) throw new FrameError('frame-value', 'a DATA frame carries at least one byte');
      v.setUint32(p, u32(frame.seq, 'seq'), true);
      v.setUint32(p + 4, u32(frame.offset, 'offset'), true);
      out.set(frame.bytes, p + DATA_HEADER);
      break;
    case 'ack':
      v.setUint32(p, u32(frame.seq, 'seq'), true);
      v.setUint32(p + 4, u32(frame.nextOffset, 'nextOffset'), true);
      break;
    case 'nack': {
      const r = NACK_REASONS.indexOf(frame.reason);
      if (r < 0) throw new FrameError('frame-value', `unknown NACK reason ${String(frame.reason)}`);
      v.setUint32(p, u32(frame.seq, 'seq'), true);
      out[p + 4] = r + 1;
      break;
    }
    case 'end':
      break;
    case 'done': {
      const r = DONE_REASONS.indexOf(frame.reason);
      if (r < 0) throw new FrameError('frame-value', `unknown DONE reason ${String(frame.reason)}`);
      if (frame.ok !== (frame.reason === 'ok')) throw new FrameError('frame-value', 'DONE is ok exactly when its reason is ok');
      out[p] = frame.ok ? 1 : 0;
      out[p + 1] = r;
      break;
    }
  }
  v.setUint32(1 + len, crc32(out.subarray(0, 1 + len)), true);
  return out;
}

/** Reads type + payload + CRC (before COBS). Throws FrameError. */
export function parseFrameBytes(raw: Uint8Array): Frame {
  if (raw.length < 1 + CRC_BYTES) throw new FrameError('frame-short', `a frame of ${raw.length} bytes is shorter than type + CRC`);
  const body = raw.subarray(0, raw.length - CRC_BYTES);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const want = v.getUint32(body.length, true);
  const got = crc32(body);
  if (want !== got) throw new FrameError('frame-crc', `CRC-32 mismatch (frame says ${want.toString(16)}, bytes give ${got.toString(16)})`);
  const type = TYPE_BY_CODE.get(raw[0]!);
  if (!type) throw new FrameError('frame-type', `unknown frame type 0x${raw[0]!.toString(16).padStart(2, '0')}`);
  const len = body.length - 1;
  if (type === 'data') {
    if (len <= DATA_HEADER) throw new FrameError('frame-length', `a DATA frame needs more than ${DATA_HEADER} payload bytes, got ${len}`);
  } else if (len !== FIXED_LENGTH[type]) {
    throw new FrameError('frame-length', `a ${type.toUpperCase()} payload is ${FIXED_LENGTH[type]} bytes, got ${len}`);
  }
  const p = 1;
  switch (type) {
    case 'hello':
      return { type, protocol: raw[p]! };
    case 'info': {
      const kind = KINDS[raw[p + 7]! - 1];
      if (!kind) throw new FrameError('frame-value', `unknown kind code ${raw[p + 7]}`);
      const has = raw[p + 10]!;
      if (has > 1) throw new FrameError('frame-value', `resume flag must be 0 or 1, got ${has}`);
      return {
        type,
        protocol: raw[p]!,
        bootVersion: [0, 1, 2].map((i) => v.getUint16(p + 1 + 2 * i, true)).join('.'),
        kind,
        maxChunk: v.getUint16(p + 8, true),
        resume: has ? { offset: v.getUint32(p + 11, true), sha256: shaHex(raw.subarray(p + 15, p + 47)) } : null,
      };
    }
    case 'begin':
      return {
        type,
        imageSize: v.getUint32(p, true),
        compressedSize: v.getUint32(p + 4, true),
        startOffset: v.getUint32(p + 8, true),
        sha256: shaHex(raw.subarray(p + 12, p + 44)),
      };
    case 'data':
      return { type, seq: v.getUint32(p, true), offset: v.getUint32(p + 4, true), bytes: raw.slice(p + DATA_HEADER, body.length) };
    case 'ack':
      return { type, seq: v.getUint32(p, true), nextOffset: v.getUint32(p + 4, true) };
    case 'nack': {
      const reason = NACK_REASONS[raw[p + 4]! - 1];
      if (!reason) throw new FrameError('frame-value', `unknown NACK reason code ${raw[p + 4]}`);
      return { type, seq: v.getUint32(p, true), reason };
    }
    case 'end':
      return { type };
    case 'done': {
      const ok = raw[p]!;
      const reason = DONE_REASONS[raw[p + 1]!];
      if (ok > 1 || !reason || (ok === 1) !== (reason === 'ok')) throw new FrameError('frame-value', `bad DONE (ok ${ok}, reason code ${raw[p + 1]})`);
      return { type, ok: ok === 1, reason };
    }
  }
}

/** The bytes for the line: COBS-encoded and 0x00-terminated. */
export function encodeFrame(frame: Frame): Uint8Array {
  return cobsFrame(frameBytes(frame));
}

/** Decodes one encoded frame (COBS bytes, with or without its 0x00). A stream goes through CobsStreamDecoder + parseFrameBytes instead. Throws FrameError. */
export function decodeFrame(encoded: Uint8Array): Frame {
  const enc = encoded.length > 0 && encoded[encoded.length - 1] === 0 ? encoded.subarray(0, -1) : encoded;
  let raw: Uint8Array;
  try {
    raw = cobsDecode(enc);
  } catch (err) {
    throw new FrameError('frame-cobs', (err as Error).message);
  }
  return parseFrameBytes(raw);
}

/** A FrameError for a bad frame the COBS stream decoder reported. */
export function frameErrorOf(err: CobsError): FrameError {
  return new FrameError('frame-cobs', err.message);
}
