/**
 * Signed firmware images as IT makes them: `omstil keys`, `omstil image build` of the real
 * dist/firmware/ (`npm run build`), `omstil image verify` of a good, a tampered and a
 * foreign-key image, by exit status and message.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { FIRMWARE_VERSION } from '../../firmware/device-core.js';
import { parseImage } from '../../firmware/image/image-format.js';
import { unpackFiles } from '../../firmware/image/file-archive.js';
import { ROOT } from '../support/hub-process.js';
import { tempDir } from '../support/system.js';

const cli = suite('e2e/image-cli');
const run = promisify(execFile);
const FIRMWARE = path.join(ROOT, 'dist/firmware/omstil-firmware.js');
let dir: string;

/** The CLI from source (tsx), so it is the code under test even before a rebuild. */
async function omstil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli/omstil.ts'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

cli.before(() => {
  if (!existsSync(FIRMWARE)) throw new Error(`${FIRMWARE} is missing: run \`npm run build\` (npm test does)`);
  dir = tempDir('omstil-image-');
});
cli.after(() => rmSync(dir, { recursive: true, force: true }));

cli('keys → build → verify ok; a flipped byte, another key pair, a downgrade and a kind are refused with exit 1; keys without --force refuse', async () => {
  const keys = path.join(dir, 'keys');
  const made = await omstil('keys', '--out', keys);
  assert.is(made.code, 0, made.stderr);
  const keyId = /made signing key ([0-9a-f]{16})/.exec(made.stdout)?.[1];
  assert.ok(keyId, made.stdout);
  assert.is(statSync(path.join(keys, 'omstil-signing.key')).mode & 0o777, 0o600, 'private key readable by its owner only');

  const image = path.join(dir, 'omstil-firmware.img');
  const built = await omstil('image', 'build', '--key', keys, '--out', image, '--kind', 'phone');
  assert.is(built.code, 0, built.stderr);
  assert.match(built.stdout, `firmware ${FIRMWARE_VERSION} for phone devices`);
  // the payload is the whole folder: the bundle byte for byte, and the native addons
  const entries = unpackFiles(parseImage(readFileSync(image)).payload);
  assert.ok(Buffer.from(entries.find((e) => e.path === 'omstil-firmware.js')!.data).equals(readFileSync(FIRMWARE)));
  assert.ok(entries.some((e) => e.path.startsWith('node_modules/node-hid/')), 'node-hid is packed');

  const ok = await omstil('image', 'verify', '--key', keys, image, '--kind', 'phone', '--current', FIRMWARE_VERSION);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, `good image, signed by key ${keyId}`);
  assert.match(ok.stdout, new RegExp(`version +${FIRMWARE_VERSION.replace(/\./g, '\\.')}`));
  assert.match(ok.stdout, /sha256 +[0-9a-f]{64}/);
  assert.match(ok.stdout, `${entries.length} files`);
  const json = await omstil('image', 'verify', '--key', keys, image, '--json');
  assert.is(json.code, 0);
  assert.equal(JSON.parse(json.stdout).manifest.keyId, keyId);

  const bytes = readFileSync(image);
  const tampered = path.join(dir, 'tampered.img');
  const b = Buffer.from(bytes);
  b[Math.floor(b.length / 2)]! ^= 0x01;
  writeFileSync(tampered, b);
  const bad = await omstil('image', 'verify', '--key', keys, tampered);
  assert.is(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, 'refused (bad-signature)');
  assert.is(bad.stdout, '');
  const badJson = await omstil('image', 'verify', '--key', keys, tampered, '--json');
  assert.is(badJson.code, 1);
  assert.is(JSON.parse(badJson.stdout).code, 'bad-signature');

  const otherKeys = path.join(dir, 'other');
  assert.is((await omstil('keys', '--out', otherKeys)).code, 0);
  const foreign = await omstil('image', 'verify', '--key', otherKeys, image);
  assert.is(foreign.code, 1);
  assert.match(foreign.stderr, `refused (wrong-key): wrong key: signed by key ${keyId}`);

  const kiosk = await omstil('image', 'verify', '--key', keys, image, '--kind', 'kiosk');
  assert.is(kiosk.code, 1);
  assert.match(kiosk.stderr, 'refused (wrong-kind)');
  const older = await omstil('image', 'verify', '--key', keys, image, '--current', '99.0.0');
  assert.is(older.code, 1);
  assert.match(older.stderr, 'refused (downgrade): version:');
  assert.is((await omstil('image', 'verify', '--key', keys, image, '--current', '99.0.0', '--allow-downgrade')).code, 0);

  const unsigned = path.join(dir, 'unsigned.img');
  writeFileSync(unsigned, bytes.subarray(0, bytes.length - 69));
  const u = await omstil('image', 'verify', '--key', keys, unsigned);
  assert.is(u.code, 1);
  assert.match(u.stderr, 'refused (unsigned)');

  const again = await omstil('keys', '--out', keys);
  assert.is(again.code, 2);
  assert.match(again.stderr, 'holds a signing key already');
  assert.match(again.stderr, '--force');
  assert.match(readFileSync(path.join(keys, 'omstil-signing.pub'), 'utf8'), /BEGIN PUBLIC KEY/);
  assert.is((await omstil('image', 'verify', '--key', keys, image)).code, 0, 'the refused run left the key as it was');
  assert.is((await omstil('keys', '--out', keys, '--force')).code, 0);
  assert.is((await omstil('image', 'verify', '--key', keys, image)).code, 1, 'a replaced key no longer verifies the old image');
});

cli('usage errors exit with 2: no --key, a bad version, a missing key, a missing build folder', async () => {
  const image = path.join(dir, 'x.img');
  const noKey = await omstil('image', 'verify', image);
  assert.is(noKey.code, 2);
  assert.match(noKey.stderr, "required option '--key <dir>'");
  const badVersion = await omstil('image', 'build', '--key', dir, '--out', image, '--version', '1.2');
  assert.is(badVersion.code, 2);
  assert.match(badVersion.stderr, 'not a version: 1.2');
  const missing = await omstil('image', 'build', '--key', path.join(dir, 'none'), '--out', image);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /omstil-signing\.key is missing: make a key pair with `omstil keys --out /);
  const keys = path.join(dir, 'keys-usage');
  assert.is((await omstil('keys', '--out', keys)).code, 0);
  const noBuild = await omstil('image', 'build', '--key', keys, '--out', image, '--from', path.join(dir, 'nowhere'));
  assert.is(noBuild.code, 2);
  assert.match(noBuild.stderr, 'run `npm run build` first');
});

cli.run();
