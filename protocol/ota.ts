/**
 * Over-the-air updates on MQTT (issue "Flashing and OTA"): the hub offers a signed image to a
 * device, the device asks for the chunks it still lacks by a bitmap (like AWS IoT's MQTT-based
 * file delivery), the hub sends each asked chunk, the device checks every chunk's CRC-32, then
 * the whole image (signature, SHA-256, kind, version: firmware/image/image-format.ts), installs
 * it in its other A/B slot (firmware/boot/), reboots into it and reports.
 *
 *   topic (QoS 1, never retained)           from → to      payload
 *   device/{id}/ota/offer                   hub → device   OtaControl (JSON): an offer, or a cancel
 *   device/{id}/ota/want                    device → hub   OtaWant (JSON): a bitmap of chunks wanted
 *   device/{id}/ota/chunk                   hub → device   binary, see encodeOtaChunk
 *   device/{id}/ota/progress                device → hub   OtaProgress (JSON)
 *
 * A device that is offline when the offer is made gets it again when its birth reaches the hub.
 * A device keeps the chunks it has across a restart, so a new offer of the same image (same job
 * and SHA-256) resumes: it asks only for what it lacks.
 */
import * as z from 'zod/mini';
import { Id, IsoTime } from './schemas.js';
import { Version } from './version.js';

/** The largest image the hub offers and a device accepts over the air. */
export const MAX_OTA_IMAGE_BYTES = 64 * 1024 * 1024;
export const MIN_OTA_CHUNK = 256;
export const MAX_OTA_CHUNK = 64 * 1024;
/** The default chunk: 16 KiB keeps the MQTT packets small and the want bitmaps short. */
export const DEFAULT_OTA_CHUNK = 16 * 1024;
/** A device asks for at most this many chunks at once (its window). */
export const MAX_OTA_WANT = 64;

const Hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits (SHA-256)'));

export const OtaOffer = z.strictObject({
  job: Id,
  /** the image's firmware version (from its manifest) */
  version: Version,
  /** bytes of the whole image file (header, manifest, payload, signature) */
  size: z.int().check(z.minimum(1), z.maximum(MAX_OTA_IMAGE_BYTES)),
  /** SHA-256 of the whole image file */
  sha256: Hex64,
  chunkSize: z.int().check(z.minimum(MIN_OTA_CHUNK), z.maximum(MAX_OTA_CHUNK)),
  /** IT rolls the fleet back on purpose (`omstil ota --allow-downgrade`): the device takes an image older than it runs */
  allowDowngrade: z.optional(z.boolean()),
  at: IsoTime,
});
export type OtaOffer = z.infer<typeof OtaOffer>;

/** The hub withdraws an offer (a halted rollout): the device drops what it fetched of it. */
export const OtaCancel = z.strictObject({ job: Id, cancel: z.literal(true) });
export type OtaCancel = z.infer<typeof OtaCancel>;

export const OtaControl = z.union([OtaOffer, OtaCancel]);
export type OtaControl = z.infer<typeof OtaControl>;

/**
 * Chunks a device wants: bit i set = chunk i. Bit i is bit (i % 8), least significant first, of
 * byte floor(i / 8); base64. At most MAX_OTA_WANT bits set; bits past the last chunk are an error.
 */
export const OtaWant = z.strictObject({
  job: Id,
  bitmap: z.string().check(z.maxLength(Math.ceil(MAX_OTA_IMAGE_BYTES / MIN_OTA_CHUNK / 8 / 3) * 4 + 4), z.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')),
});
export type OtaWant = z.infer<typeof OtaWant>;

/**
 * Where a device is with a job. Ends in `confirmed` (runs the new image and passed its health
 * check), `rolled-back` (the new image did not pass; the old one runs again), `refused` (the
 * image failed a check: signature, hash, kind, version; nothing was installed) or `failed`
 * (the device could not finish, e.g. a full disk; the old image runs).
 */
export const OTA_STATES = ['offered', 'downloading', 'verifying', 'staged', 'rebooting', 'confirmed', 'rolled-back', 'refused', 'failed'] as const;
export const OtaState = z.enum(OTA_STATES);
export type OtaState = z.infer<typeof OtaState>;
export const OTA_FINAL_STATES: ReadonlySet<OtaState> = new Set(['confirmed', 'rolled-back', 'refused', 'failed']);

export const OtaProgress = z.strictObject({
  job: Id,
  state: OtaState,
  /** chunks held (downloading) or bytes checked; with total, for a progress bar */
  done: z.int().check(z.nonnegative()),
  total: z.int().check(z.nonnegative()),
  /** the firmware version the device runs as it reports */
  running: Version,
  /** refused / failed / rolled-back: a code (image-format's, or `storage`, `health-timeout`, …) and words */
  error: z.nullable(z.strictObject({ code: z.string().check(z.maxLength(64)), message: z.string().check(z.maxLength(500)) })),
  at: IsoTime,
});
export type OtaProgress = z.infer<typeof OtaProgress>;

// ───────────────────────────── chunk frames ─────────────────────────────

/**
 * A chunk on device/{id}/ota/chunk, binary:
 *   0   1   frame version (1)
 *   1   1   job id length J (1..64)
 *   2   J   job id (ASCII)
 *   2+J 4   chunk index (uint32 BE)
 *   6+J 4   CRC-32 (zlib) of the data (uint32 BE)
 *   10+J    data (chunkSize bytes; the last chunk may be shorter)
 */
export interface OtaChunk {
  job: string;
  index: number;
  data: Uint8Array;
}

export class OtaFrameError extends Error {
  override readonly name = 'OtaFrameError';
  constructor(
    readonly code: 'ota-chunk-short' | 'ota-chunk-version' | 'ota-chunk-job' | 'ota-chunk-crc',
    message: string,
  ) {
    super(message);
  }
}

const CHUNK_FRAME_VERSION = 1;

export function encodeOtaChunk(c: OtaChunk, crc32: (b: Uint8Array) => number): Buffer {
  const job = Buffer.from(c.job, 'latin1');
  const out = Buffer.allocUnsafe(10 + job.length + c.data.length);
  out[0] = CHUNK_FRAME_VERSION;
  out[1] = job.length;
  job.copy(out, 2);
  out.writeUInt32BE(c.index, 2 + job.length);
  out.writeUInt32BE(crc32(c.data) >>> 0, 6 + job.length);
  out.set(c.data, 10 + job.length);
  return out;
}

/** Decodes a chunk frame; throws OtaFrameError (a CRC mismatch is `ota-chunk-crc`: ask again). */
export function decodeOtaChunk(frame: Uint8Array, crc32: (b: Uint8Array) => number): OtaChunk {
  const b = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (b.length < 2) throw new OtaFrameError('ota-chunk-short', `chunk frame of ${b.length} bytes`);
  if (b[0] !== CHUNK_FRAME_VERSION) throw new OtaFrameError('ota-chunk-version', `chunk frame version ${b[0]}, expected ${CHUNK_FRAME_VERSION}`);
  const j = b[1]!;
  if (j < 1 || j > 64) throw new OtaFrameError('ota-chunk-job', `job id length ${j}`);
  if (b.length < 10 + j) throw new OtaFrameError('ota-chunk-short', `chunk frame of ${b.length} bytes, header needs ${10 + j}`);
  const job = b.toString('latin1', 2, 2 + j);
  const index = b.readUInt32BE(2 + j);
  const crc = b.readUInt32BE(6 + j);
  const data = b.subarray(10 + j);
  if ((crc32(data) >>> 0) !== crc) throw new OtaFrameError('ota-chunk-crc', `chunk ${index} of job ${job}: CRC-32 mismatch`);
  return { job, index, data };
}

// ───────────────────────────── bitmaps ─────────────────────────────

export function bitmapOf(indexes: Iterable<number>, chunks: number): string {
  const bytes = new Uint8Array(Math.ceil(chunks / 8));
  for (const i of indexes) {
    if (!Number.isInteger(i) || i < 0 || i >= chunks) throw new RangeError(`chunk ${i} is outside 0..${chunks - 1}`);
    bytes[i >> 3]! |= 1 << (i & 7);
  }
  return Buffer.from(bytes).toString('base64');
}

/** The chunk indexes set in a bitmap; null when a bit lies past the last chunk or more than `max` are set. */
export function indexesOf(bitmap: string, chunks: number, max = MAX_OTA_WANT): number[] | null {
  const bytes = Buffer.from(bitmap, 'base64');
  if (bytes.length > Math.ceil(chunks / 8)) return null;
  const out: number[] = [];
  for (let byte = 0; byte < bytes.length; byte++) {
    const v = bytes[byte]!;
    if (!v) continue;
    for (let bit = 0; bit < 8; bit++) {
      if (!(v & (1 << bit))) continue;
      const i = byte * 8 + bit;
      if (i >= chunks || out.length >= max) return null;
      out.push(i);
    }
  }
  return out;
}

export const chunkCount = (size: number, chunkSize: number): number => Math.ceil(size / chunkSize);
