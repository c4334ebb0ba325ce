/** The Installer over the boot slots, with real signed images: staged, refused (nothing written), a full disk. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Buffer } from 'node:buffer';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { nodeBootFs, type BootFs } from '../../../firmware/boot/boot-fs.js';
import { BootSlots } from '../../../firmware/boot/boot-slots.js';
import { createSlotInstaller } from '../../../firmware/boot/file-installer.js';
import type { InstallResult } from '../../../firmware/boot/installer.js';
import { buildImage, encodeUnsigned, HEADER_BYTES } from '../../../firmware/image/image-format.js';
import { packFiles } from '../../../firmware/image/file-archive.js';
import { scratchFolder } from '../../support/files.js';

const t = suite('firmware/boot/file-installer');
const scratch = scratchFolder(t, 'omstil-installer-');
const keys = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
let n = 0;

const payloadOf = (version: string) =>
  packFiles([
    { path: 'omstil-firmware.js', mode: 0o644, data: Buffer.from(`export const v = ${JSON.stringify(version)};\n`) },
    { path: 'node_modules/x/x.node', mode: 0o755, data: Buffer.from(`addon ${version}`) },
  ]);

function image(o: { version?: string; kind?: 'phone' | 'kiosk' | 'any'; minBootVersion?: string; key?: typeof keys.privateKey } = {}) {
  return buildImage({ payload: payloadOf(o.version ?? '1.1.0'), version: o.version ?? '1.1.0', kind: o.kind ?? 'phone', minBootVersion: o.minBootVersion ?? '1.0.0', privateKey: o.key ?? keys.privateKey });
}

function device(fs?: BootFs) {
  const dir = path.join(scratch.dir(), `dev${n++}`);
  BootSlots.open(dir).adopt({ version: '1.0.0' }, [{ path: 'omstil-firmware.js', mode: 0o644, data: Buffer.from('v1') }]);
  const slots = BootSlots.open(dir, fs ? { fs } : {});
  let reboots = 0;
  const installer = createSlotInstaller({
    slots,
    publicKey: keys.publicKey,
    kind: 'phone',
    bootVersion: '1.0.0',
    currentVersion: () => slots.activeVersion() ?? '0.0.0',
    reboot: async () => {
      reboots++;
    },
  });
  const snapshot = () => JSON.stringify({ files: readdirSync(dir).sort(), state: readFileSync(path.join(dir, 'boot.json'), 'utf8'), a: readFileSync(path.join(dir, 'slot-a/omstil-firmware.js'), 'utf8') });
  return { dir, slots, installer, snapshot, reboots: () => reboots };
}

const refusal = (r: InstallResult) => (r.ok ? 'ok' : r.code);

t('a good image is staged in the other slot, on trial; reboot() is the port’s', async () => {
  const d = device();
  assert.is(d.installer.kind, 'phone');
  assert.is(d.installer.bootVersion, '1.0.0');
  assert.is(d.installer.currentVersion(), '1.0.0');
  const r = await d.installer.install(image().bytes);
  assert.equal(r, { ok: true, version: '1.1.0', slot: 'b' });
  const st = d.slots.state()!;
  assert.equal([st.active, st.confirmed, st.tries, st.previous, st.slots.b!.version], ['b', false, 0, 'a', '1.1.0']);
  assert.is(readFileSync(path.join(d.dir, 'slot-b/omstil-firmware.js'), 'utf8'), 'export const v = "1.1.0";\n');
  assert.is(readFileSync(path.join(d.dir, 'slot-a/omstil-firmware.js'), 'utf8'), 'v1');
  await d.installer.reboot();
  assert.is(d.reboots(), 1);
});

t('refused images change nothing: tampered, wrong key, unsigned, wrong kind, downgrade, boot too old, not an image', async () => {
  const good = image().bytes;
  const tampered = Buffer.from(good);
  tampered[HEADER_BYTES + good.readUInt32BE(12) + 5]! ^= 1;
  const { manifest } = image();
  const cases: [string, Uint8Array, object?][] = [
    ['bad-signature', tampered],
    ['wrong-key', image({ key: other.privateKey }).bytes],
    ['unsigned', encodeUnsigned(manifest, payloadOf('1.1.0'))],
    ['wrong-kind', image({ kind: 'kiosk' }).bytes],
    ['downgrade', image({ version: '0.9.0' }).bytes],
    ['boot-too-old', image({ minBootVersion: '2.0.0' }).bytes],
    ['image-magic', Buffer.from('not an image at all')],
  ];
  for (const [code, bytes] of cases) {
    const d = device();
    const before = d.snapshot();
    const r = await d.installer.install(bytes);
    assert.is(refusal(r), code);
    assert.ok(!r.ok && r.message.length > 0);
    assert.is(d.snapshot(), before, `${code}: nothing written`);
  }
  // a downgrade is taken when allowed; an `any` image fits a phone
  assert.is(refusal(await device().installer.install(image({ version: '0.9.0' }).bytes, { allowDowngrade: true })), 'ok');
  assert.is(refusal(await device().installer.install(image({ kind: 'any' }).bytes)), 'ok');
});

t('a signed image whose payload is not an archive: image-payload, nothing written', async () => {
  const d = device();
  const before = d.snapshot();
  const bad = buildImage({ payload: Buffer.from('not an archive'), version: '1.1.0', kind: 'phone', privateKey: keys.privateKey }).bytes;
  assert.is(refusal(await d.installer.install(bad)), 'image-payload');
  assert.is(d.snapshot(), before);
});

t('a full disk: storage, the old slot active and intact', async () => {
  const full: BootFs = {
    ...nodeBootFs,
    writeFile(f, data, mode) {
      if (f.includes('slot-b.tmp')) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      nodeBootFs.writeFile(f, data, mode);
    },
  };
  const d = device(full);
  const before = d.snapshot();
  const r = await d.installer.install(image().bytes);
  assert.is(refusal(r), 'storage');
  assert.ok(!r.ok && /disk is full/.test(r.message));
  assert.is(d.snapshot(), before);
  const b = BootSlots.open(d.dir).boot();
  assert.equal([b.slot, b.version, b.trial], ['a', '1.0.0', false]);
});

t.run();
