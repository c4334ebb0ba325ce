/**
 * A signed firmware image, laid out the way MCUboot and esptool images are: a fixed header,
 * the manifest, the payload, then a signature trailer over everything before it. Pure (Buffer
 * and node:crypto only), so the device's updater checks images with the same code the CLI
 * makes them with. docs/firmware.md#firmware-images has the table.
 *
 *   offset     size  field
 *   0          8     magic "OMSTILFW"
 *   8          1     format version (1)
 *   9          3     reserved, 0
 *   12         4     manifest length M (uint32 BE)
 *   16         4     payload length P (uint32 BE)
 *   20         M     manifest: canonical JSON (UTF-8, keys sorted, no spaces)
 *   20+M       P     payload (see file-archive.ts)
 *   20+M+P     4     signature magic "OSIG"
 *   24+M+P     1     algorithm (1 = Ed25519)
 *   25+M+P     64    Ed25519 signature over bytes [0, 20+M+P)
 *
 * An image that ends right after the payload is unsigned.
 */
import { Buffer } from 'node:buffer';
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { Version } from '../../protocol/version.js';

z.config(en());

export const IMAGE_MAGIC = Buffer.from('OMSTILFW', 'latin1');
export const IMAGE_FORMAT_VERSION = 1;
export const HEADER_BYTES = 20;
const SIG_MAGIC = Buffer.from('OSIG', 'latin1');
const SIG_ALG_ED25519 = 1;
const SIG_BYTES = 64;
export const TRAILER_BYTES = SIG_MAGIC.length + 1 + SIG_BYTES;
const MAX_MANIFEST_BYTES = 64 * 1024;
const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

/** MAJOR.MINOR.PATCH (protocol/version.ts): the manifest's versions and what the downgrade rule compares. */
export { Version };
/** Which devices an image is for. */
export const ImageKind = z.enum(['phone', 'kiosk', 'any']);
export type ImageKind = z.infer<typeof ImageKind>;

export const Manifest = z.strictObject({
  /** the firmware's version (FIRMWARE_VERSION in device-core.ts) */
  version: Version,
  kind: ImageKind,
  /** the oldest updater/boot version that may install this image */
  minBootVersion: Version,
  /** payload bytes */
  size: z.number().check(z.int(), z.minimum(0), z.maximum(MAX_PAYLOAD_BYTES)),
  /** SHA-256 of the payload, lower-case hex */
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits')),
  builtAt: z.iso.datetime({ offset: true }),
  /** keyIdOf(the signing key's public half) */
  keyId: z.string().check(z.regex(/^[0-9a-f]{16}$/, 'must be 16 lower-case hex digits')),
});
export type Manifest = z.infer<typeof Manifest>;

/** Why a file is not an image at all. `image-payload` is for callers that unpack the payload (the CLI, the updater). */
export type StructureCode = 'image-magic' | 'image-version' | 'image-header' | 'image-truncated' | 'image-manifest' | 'image-trailer' | 'image-payload';
/** Why a well-formed image is refused. */
export type RefusalCode = 'unsigned' | 'wrong-key' | 'bad-signature' | 'hash-mismatch' | 'wrong-kind' | 'downgrade' | 'boot-too-old';
export type ImageCode = StructureCode | RefusalCode;

export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly code: ImageCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ParsedImage {
  manifest: Manifest;
  /** the manifest exactly as stored (what was signed) */
  manifestBytes: Buffer;
  payload: Buffer;
  /** header + manifest + payload: the bytes the signature covers */
  signed: Buffer;
  signature: Buffer | null;
}

/** A short fingerprint of an Ed25519 public key: the first 8 bytes of SHA-256 over its SPKI DER, in hex. */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

/** JSON with keys sorted and no spaces, so the manifest's bytes follow from its fields. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export interface BuildOptions {
  payload: Uint8Array;
  version: string;
  kind: ImageKind;
  minBootVersion?: string;
  builtAt?: Date;
  privateKey: KeyObject;
}

/** Makes a signed image. Throws ImageError('image-manifest') naming a bad field. */
export function buildImage(o: BuildOptions): { bytes: Buffer; manifest: Manifest } {
  requireEd25519(o.privateKey, 'private');
  const payload = Buffer.from(o.payload.buffer, o.payload.byteOffset, o.payload.length);
  const manifest = checkManifest({
    version: o.version,
    kind: o.kind,
    minBootVersion: o.minBootVersion ?? '0.0.0',
    size: payload.length,
    sha256: sha256(payload),
    builtAt: (o.builtAt ?? new Date()).toISOString(),
    keyId: keyIdOf(o.privateKey),
  });
  return { bytes: signImage(encodeUnsigned(manifest, payload), o.privateKey), manifest };
}

/** Header + manifest + payload, unsigned. The manifest is written as given (tests use this to make lying images). */
export function encodeUnsigned(manifest: Manifest, payload: Uint8Array): Buffer {
  const m = Buffer.from(canonicalJson(manifest), 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  IMAGE_MAGIC.copy(header, 0);
  header.writeUInt8(IMAGE_FORMAT_VERSION, 8);
  header.writeUInt32BE(m.length, 12);
  header.writeUInt32BE(payload.length, 16);
  return Buffer.concat([header, m, Buffer.from(payload.buffer, payload.byteOffset, payload.length)]);
}

/** Appends the signature trailer to an unsigned image. */
export function signImage(unsigned: Buffer, privateKey: KeyObject): Buffer {
  requireEd25519(privateKey, 'private');
  const trailer = Buffer.alloc(TRAILER_BYTES);
  SIG_MAGIC.copy(trailer, 0);
  trailer.writeUInt8(SIG_ALG_ED25519, SIG_MAGIC.length);
  sign(null, unsigned, privateKey).copy(trailer, SIG_MAGIC.length + 1);
  return Buffer.concat([unsigned, trailer]);
}

/** Reads the structure of an image; checks nothing about keys. Throws ImageError with a structure code. */
export function parseImage(bytes: Uint8Array): ParsedImage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buf.length < IMAGE_MAGIC.length || !buf.subarray(0, IMAGE_MAGIC.length).equals(IMAGE_MAGIC)) {
    throw new ImageError('image-magic', 'not an omstil firmware image: it does not start with "OMSTILFW"');
  }
  if (buf.length < HEADER_BYTES) throw new ImageError('image-truncated', `truncated: ${buf.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  const version = buf.readUInt8(8);
  if (version !== IMAGE_FORMAT_VERSION) throw new ImageError('image-version', `image format version ${version}; this tool reads version ${IMAGE_FORMAT_VERSION}`);
  if (buf.readUIntBE(9, 3) !== 0) throw new ImageError('image-header', 'header: reserved bytes 9-11 are not zero');
  const mLen = buf.readUInt32BE(12);
  const pLen = buf.readUInt32BE(16);
  if (mLen > MAX_MANIFEST_BYTES) throw new ImageError('image-header', `header: manifest length ${mLen} is over ${MAX_MANIFEST_BYTES}`);
  if (pLen > MAX_PAYLOAD_BYTES) throw new ImageError('image-header', `header: payload length ${pLen} is over ${MAX_PAYLOAD_BYTES}`);
  const end = HEADER_BYTES + mLen + pLen;
  if (buf.length < end) throw new ImageError('image-truncated', `truncated: ${buf.length} bytes, the header promises ${end} before the signature`);
  const manifestBytes = buf.subarray(HEADER_BYTES, HEADER_BYTES + mLen);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(manifestBytes));
  } catch {
    throw new ImageError('image-manifest', 'manifest: not UTF-8 JSON');
  }
  const manifest = checkManifest(raw);
  const rest = buf.subarray(end);
  let signature: Buffer | null = null;
  if (rest.length > 0) {
    if (rest.length < TRAILER_BYTES) throw new ImageError('image-truncated', `truncated: the signature block has ${rest.length} of ${TRAILER_BYTES} bytes`);
    if (!rest.subarray(0, SIG_MAGIC.length).equals(SIG_MAGIC)) throw new ImageError('image-trailer', `${rest.length} bytes after the payload that are not a signature block`);
    const alg = rest.readUInt8(SIG_MAGIC.length);
    if (alg !== SIG_ALG_ED25519) throw new ImageError('image-trailer', `signature algorithm ${alg}; only 1 (Ed25519) is known`);
    if (rest.length > TRAILER_BYTES) throw new ImageError('image-trailer', `${rest.length - TRAILER_BYTES} stray bytes after the signature`);
    signature = rest.subarray(SIG_MAGIC.length + 1);
  }
  return { manifest, manifestBytes, payload: buf.subarray(HEADER_BYTES + mLen, end), signed: buf.subarray(0, end), signature };
}

export interface VerifyOptions {
  /** the device's kind: an image for another kind is refused (`any` fits both) */
  kind?: 'phone' | 'kiosk';
  /** the version installed now: an older image is refused unless allowDowngrade */
  currentVersion?: string;
  allowDowngrade?: boolean;
  /** the updater's own version: refused when below the image's minBootVersion */
  bootVersion?: string;
}

/** On refusal, `manifest` (when the structure was readable) is unverified: for messages only. */
export type VerifyResult = { ok: true; manifest: Manifest; payload: Buffer } | { ok: false; code: ImageCode; message: string; manifest?: Manifest };

/**
 * Structure, then signature (with the given public key), then hash, then the device rules.
 * Nothing in the manifest is trusted before the signature is.
 */
export function verifyImage(bytes: Uint8Array, publicKey: KeyObject, o: VerifyOptions = {}): VerifyResult {
  let img: ParsedImage;
  try {
    img = parseImage(bytes);
  } catch (err) {
    if (err instanceof ImageError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new ImageError('wrong-key', `need an Ed25519 public key, got ${publicKey.asymmetricKeyType ?? publicKey.type}`);
  const { manifest: m } = img;
  const refuse = (code: RefusalCode, message: string): VerifyResult => ({ ok: false, code, message, manifest: m });
  if (!img.signature) return refuse('unsigned', 'unsigned: the image has no signature block');
  const keyId = keyIdOf(publicKey);
  if (m.keyId !== keyId) return refuse('wrong-key', `wrong key: signed by key ${m.keyId}, but the key it was checked against is ${keyId}`);
  if (!verify(null, img.signed, publicKey, img.signature)) return refuse('bad-signature', 'bad signature: the image was changed after it was signed (or the signature is damaged)');
  if (img.payload.length !== m.size) return refuse('hash-mismatch', `size: the payload has ${img.payload.length} bytes, the manifest says ${m.size}`);
  const hash = sha256(img.payload);
  if (hash !== m.sha256) return refuse('hash-mismatch', `sha256: the payload hashes to ${hash}, the manifest says ${m.sha256}`);
  if (o.kind && m.kind !== 'any' && m.kind !== o.kind) return refuse('wrong-kind', `kind: the image is for ${m.kind} devices, not ${o.kind}`);
  if (o.currentVersion !== undefined && !o.allowDowngrade && compareVersions(m.version, o.currentVersion) < 0) {
    return refuse('downgrade', `version: ${m.version} is older than the installed ${o.currentVersion} (allow it with --allow-downgrade)`);
  }
  if (o.bootVersion !== undefined && compareVersions(o.bootVersion, m.minBootVersion) < 0) {
    return refuse('boot-too-old', `minBootVersion: the image needs boot version ${m.minBootVersion}, the device has ${o.bootVersion}`);
  }
  return { ok: true, manifest: m, payload: img.payload };
}

/** Compares MAJOR.MINOR.PATCH numerically: <0, 0, >0. Throws ImageError('image-manifest') on another form. */
export function compareVersions(a: string, b: string): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

export function isVersion(v: string): boolean {
  return z.safeParse(Version, v).success;
}

function versionParts(v: string): number[] {
  if (!isVersion(v)) throw new ImageError('image-manifest', `not a version: ${JSON.stringify(v)} (must be MAJOR.MINOR.PATCH)`);
  return v.split('.').map(Number);
}

function checkManifest(raw: unknown): Manifest {
  const r = z.safeParse(Manifest, raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(manifest)';
  throw new ImageError('image-manifest', `manifest: ${field}: ${issue.message}`);
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function requireEd25519(key: KeyObject, type: 'private' | 'public'): void {
  if (key.type !== type || key.asymmetricKeyType !== 'ed25519') throw new ImageError('wrong-key', `need an Ed25519 ${type} key, got ${key.asymmetricKeyType ?? key.type} ${key.type}`);
}
