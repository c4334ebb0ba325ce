/** Signed firmware images (pure): the layout round trip and every refusal. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Buffer } from 'node:buffer';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  buildImage,
  canonicalJson,
  compareVersions,
  encodeUnsigned,
  HEADER_BYTES,
  ImageError,
  keyIdOf,
  parseImage,
  signImage,
  TRAILER_BYTES,
  verifyImage,
  type Manifest,
  type VerifyOptions,
} from '../../../firmware/image/image-format.js';
import { ArchiveError, packFiles, unpackFiles } from '../../../firmware/image/file-archive.js';

const img = suite('firmware/image/image-format');
const keys = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const files = [
  { path: 'omstil-firmware.js', mode: 0o644 as const, data: Buffer.from('console.log("omstil")\n') },
  { path: 'node_modules/node-hid/build/Release/HID.node', mode: 0o755 as const, data: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]) },
];
const payload = packFiles(files);
const builtAt = new Date('2026-12-03T09:00:00.000Z');

function make(over: { version?: string; kind?: 'phone' | 'kiosk' | 'any'; privateKey?: typeof keys.privateKey } = {}): Buffer {
  return buildImage({ payload, version: over.version ?? '1.4.0', kind: over.kind ?? 'phone', minBootVersion: '1.0.0', builtAt, privateKey: over.privateKey ?? keys.privateKey }).bytes;
}

function refused(bytes: Uint8Array, o: VerifyOptions = {}, key = keys.publicKey): { code: string; message: string } {
  const r = verifyImage(bytes, key, o);
  if (r.ok) throw new assert.Assertion({ message: 'expected a refusal, got a good image', operator: 'refused', expects: 'refusal', actual: 'ok' });
  return r;
}

function flip(bytes: Buffer, at: number): Buffer {
  const b = Buffer.from(bytes);
  b[at]! ^= 0x01;
  return b;
}

const manifestStart = HEADER_BYTES;
const payloadStart = (bytes: Buffer) => HEADER_BYTES + bytes.readUInt32BE(12);

img('round trip: build → parse → verify gives the manifest and the payload back, and the payload unpacks to the files', () => {
  const { bytes, manifest } = buildImage({ payload, version: '1.4.0', kind: 'phone', minBootVersion: '1.0.0', builtAt, privateKey: keys.privateKey });
  assert.is(bytes.subarray(0, 8).toString('latin1'), 'OMSTILFW');
  assert.is(bytes[8], 1, 'format version');
  assert.equal(manifest, {
    version: '1.4.0',
    kind: 'phone',
    minBootVersion: '1.0.0',
    size: payload.length,
    sha256: createHash('sha256').update(payload).digest('hex'),
    builtAt: '2026-12-03T09:00:00.000Z',
    keyId: keyIdOf(keys.publicKey),
  });
  const parsed = parseImage(bytes);
  assert.is(parsed.manifestBytes.toString('utf8'), canonicalJson(manifest), 'manifest stored as canonical JSON');
  assert.is(parsed.signature?.length, 64);
  assert.is(bytes.length, HEADER_BYTES + parsed.manifestBytes.length + payload.length + TRAILER_BYTES);
  const r = verifyImage(bytes, keys.publicKey, { kind: 'phone', currentVersion: '1.3.9' });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.manifest, manifest);
  assert.ok(r.payload.equals(payload));
  const back = unpackFiles(r.payload);
  assert.equal(back.map((f) => [f.path, f.mode, Buffer.from(f.data).toString('hex')]), [...files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => [f.path, f.mode, f.data.toString('hex')]));
  assert.ok(make().equals(make()), 'the same build gives the same bytes');
  assert.is(keyIdOf(keys.privateKey), keyIdOf(keys.publicKey), 'key id from either half');
});

img('unsigned: an image without the signature block is refused', () => {
  const bytes = make();
  const r = refused(bytes.subarray(0, bytes.length - TRAILER_BYTES));
  assert.is(r.code, 'unsigned');
});

img('wrong-key: an image signed by another key is refused, naming both key ids', () => {
  const r = refused(make({ privateKey: other.privateKey }));
  assert.is(r.code, 'wrong-key');
  assert.match(r.message, keyIdOf(other.publicKey));
  assert.match(r.message, keyIdOf(keys.publicKey));
  assert.is(refused(make(), {}, other.publicKey).code, 'wrong-key');
});

img('bad-signature: one flipped byte in the payload, the manifest, the header\'s reserved bytes or the signature', () => {
  const bytes = make();
  assert.is(refused(flip(bytes, payloadStart(bytes) + 40)).code, 'bad-signature', 'payload');
  assert.is(refused(flip(bytes, bytes.length - 1)).code, 'bad-signature', 'signature');
  // a manifest byte that still parses: the "4" of version 1.4.0 becomes "5"
  const at = bytes.indexOf('"version":"1.4.0"', manifestStart) + '"version":"1.'.length;
  const tampered = flip(bytes, at);
  assert.is(parseImage(tampered).manifest.version, '1.5.0');
  assert.is(refused(tampered).code, 'bad-signature', 'manifest');
  // a manifest byte that breaks the JSON is a structure error before any key is used
  assert.is(refused(flip(bytes, manifestStart)).code, 'image-manifest');
});

img('hash-mismatch: a manifest that lies about the payload, though signed by the right key', () => {
  const good = parseImage(make()).manifest;
  const lie: Manifest = { ...good, sha256: '0'.repeat(64) };
  const r = refused(signImage(encodeUnsigned(lie, payload), keys.privateKey));
  assert.is(r.code, 'hash-mismatch');
  assert.match(r.message, /^sha256: /);
  assert.is(refused(signImage(encodeUnsigned({ ...good, size: good.size + 1 }, payload), keys.privateKey)).code, 'hash-mismatch');
});

img('structure: wrong magic, unknown format version, truncated anywhere, stray bytes, a bad manifest field', () => {
  const bytes = make();
  const code = (b: Uint8Array) => refused(b).code;
  assert.is(code(Buffer.from('MZ\x90\x00 not an image', 'latin1')), 'image-magic');
  assert.is(code(flip(bytes, 0)), 'image-magic');
  assert.is(code(Buffer.alloc(0)), 'image-magic');
  const v2 = Buffer.from(bytes);
  v2[8] = 2;
  assert.is(code(v2), 'image-version');
  assert.is(code(bytes.subarray(0, 12)), 'image-truncated', 'in the header');
  assert.is(code(bytes.subarray(0, payloadStart(bytes) + 10)), 'image-truncated', 'in the payload');
  assert.is(code(bytes.subarray(0, bytes.length - 10)), 'image-truncated', 'in the signature');
  assert.is(code(Buffer.concat([bytes, Buffer.from('x')])), 'image-trailer');
  const badField = signImage(encodeUnsigned({ ...parseImage(bytes).manifest, kind: 'toaster' as 'phone' }, payload), keys.privateKey);
  const r = refused(badField);
  assert.is(r.code, 'image-manifest');
  assert.match(r.message, /^manifest: kind: /);
  assert.throws(() => parseImage(bytes.subarray(0, 30)), (e: unknown) => e instanceof ImageError && e.code === 'image-truncated');
});

img('wrong-kind: a phone image on a kiosk is refused; an `any` image fits both', () => {
  const r = refused(make({ kind: 'phone' }), { kind: 'kiosk' });
  assert.is(r.code, 'wrong-kind');
  assert.match(r.message, /^kind: the image is for phone devices, not kiosk/);
  assert.ok(verifyImage(make({ kind: 'phone' }), keys.publicKey, { kind: 'phone' }).ok);
  assert.ok(verifyImage(make({ kind: 'any' }), keys.publicKey, { kind: 'kiosk' }).ok);
  assert.ok(verifyImage(make({ kind: 'any' }), keys.publicKey, { kind: 'phone' }).ok);
});

img('downgrade: an older version is refused, accepted with allowDowngrade; the same version is accepted (a reinstall)', () => {
  const bytes = make({ version: '1.4.0' });
  const r = refused(bytes, { currentVersion: '1.10.0' });
  assert.is(r.code, 'downgrade', 'numeric, not text, comparison: 1.4.0 < 1.10.0');
  assert.match(r.message, /^version: 1\.4\.0 is older than the installed 1\.10\.0/);
  assert.ok(verifyImage(bytes, keys.publicKey, { currentVersion: '1.10.0', allowDowngrade: true }).ok);
  assert.ok(verifyImage(bytes, keys.publicKey, { currentVersion: '1.4.0' }).ok, 'equal version');
  assert.ok(verifyImage(bytes, keys.publicKey, { currentVersion: '0.9.9' }).ok, 'upgrade');
});

img('boot-too-old: an updater below minBootVersion is refused', () => {
  assert.is(refused(make(), { bootVersion: '0.9.0' }).code, 'boot-too-old');
  assert.ok(verifyImage(make(), keys.publicKey, { bootVersion: '1.0.0' }).ok);
});

img('buildImage refuses a version that is not MAJOR.MINOR.PATCH, naming the field', () => {
  assert.throws(() => make({ version: '1.4' }), (e: unknown) => e instanceof ImageError && e.code === 'image-manifest' && /manifest: version: must be MAJOR\.MINOR\.PATCH/.test(e.message));
  assert.is(compareVersions('2.0.0', '10.0.0') < 0, true);
  assert.is(compareVersions('1.2.3', '1.2.3'), 0);
});

img('archive: unsafe paths, repeated paths and truncation are refused', () => {
  const archiveError = (e: unknown) => e instanceof ArchiveError;
  assert.throws(() => packFiles([{ path: '../etc/passwd', mode: 0o644, data: Buffer.alloc(1) }]), archiveError);
  assert.throws(() => packFiles([{ path: '/abs', mode: 0o644, data: Buffer.alloc(1) }]), archiveError);
  assert.throws(() => packFiles([files[0]!, files[0]!]), archiveError);
  assert.throws(() => unpackFiles(payload.subarray(0, payload.length - 1)), /truncated/);
  assert.throws(() => unpackFiles(Buffer.concat([payload, Buffer.alloc(1)])), /stray bytes/);
  // a hand-made archive with a path that climbs out
  const evil = Buffer.from(payload);
  const at = evil.indexOf('node_modules');
  evil.write('../', at, 'latin1');
  assert.throws(() => unpackFiles(evil), /not a safe relative path/);
});

img.run();
