/**
 * The device's OTA client against the hub's real broker (Aedes with omstil's ACL) and a hub
 * double that answers wants: the whole run, windows, resume after a power cut at every chunk
 * boundary, corrupt chunks, a full disk, a tampered image, timeouts, cancels, bad offers and
 * the report after the reboot.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Buffer } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EmbeddedBroker } from '../../../broker/mqtt/embedded-broker.js';
import { DeviceCore } from '../../../firmware/device-core.js';
import { FileOtaStaging, MemoryOtaStaging, type OtaStaging, type StagingFile } from '../../../firmware/ota/chunk-store.js';
import { OtaClient, type BootReport, type OtaClientOptions } from '../../../firmware/ota/ota-client.js';
import { chunkCount, MAX_OTA_WANT, memoryLogger, systemClock, type OtaProgress } from '../../../protocol/index.js';
import { waitFor } from '../../support/wait.js';
import { deviceLogin, FakeInstaller, HubDouble, keys, offerOf, sha256, signedImage, startBroker } from './ota-harness.js';

const t = suite('firmware/ota/ota-client');

let broker: EmbeddedBroker;
let hub: HubDouble;
let root = '';
let n = 0;
const running: { core: DeviceCore; client: OtaClient; staging: OtaStaging }[] = [];

t.before(async () => {
  broker = await startBroker();
  root = mkdtempSync(path.join(os.tmpdir(), 'omstil-ota-client-'));
});

t.before.each(async () => {
  hub = await HubDouble.connect(broker.mqttUrl);
});

t.after.each(async () => {
  for (const d of running.splice(0)) await powerCut(d);
  await hub.close();
});

t.after(async () => {
  await broker.stop();
  rmSync(root, { recursive: true, force: true });
});

const folder = () => path.join(root, `dev${n++}`);

interface Device {
  core: DeviceCore;
  client: OtaClient;
  staging: OtaStaging;
  installer: FakeInstaller;
  events: OtaProgress[];
  log: ReturnType<typeof memoryLogger>;
}

async function device(o: { version?: string; staging?: OtaStaging; installer?: FakeInstaller; bootReport?: () => BootReport | null; deviceId?: string } & Partial<OtaClientOptions> = {}): Promise<Device> {
  const log = memoryLogger('debug');
  const deviceId = o.deviceId ?? 'phone-anna';
  const version = o.version ?? '1.0.0';
  const core = new DeviceCore({ deviceId, kind: 'phone', mqttUrl: broker.mqttUrl, clock: systemClock, logger: log.child('core'), fwVersion: version, reconnect: { minMs: 50, maxMs: 200 }, mqttOptions: deviceLogin(deviceId) });
  const staging = o.staging ?? new FileOtaStaging({ dir: folder() });
  const installer = o.installer ?? new FakeInstaller(version);
  const events: OtaProgress[] = [];
  const client = new OtaClient({ chunkTimeoutMs: 300, rebootDelayMs: 10, ...o, core, staging, installer, clock: systemClock, logger: log.child('ota'), onEvent: (e) => events.push(e) });
  client.start();
  await core.start();
  running.push({ core, client, staging });
  return { core, client, staging, installer, events, log };
}

/** Power off: the core and the client stop at once; what staging put on disk stays. */
async function powerCut(d: { core: DeviceCore; client: OtaClient; staging: OtaStaging }): Promise<void> {
  const i = running.findIndex((r) => r.core === d.core);
  if (i >= 0) running.splice(i, 1);
  d.client.stop();
  await d.core.stop();
  if (d.staging instanceof FileOtaStaging) await d.staging.close();
}

const finalState = (deviceId = 'phone-anna', job?: string) => () => {
  const s = hub.statesOf(deviceId, job).at(-1);
  return s && ['confirmed', 'rolled-back', 'refused', 'failed', 'rebooting'].includes(s) ? s : null;
};

t('an offer: wants by bitmap, every chunk stored, verified, installed, rebooted into; after the reboot the report names the job', async () => {
  const image = signedImage('1.1.0', 6000);
  const offer = offerOf('job-1', '1.1.0', image, 512);
  const dir = folder();
  const d = await device({ staging: new FileOtaStaging({ dir }) });
  let rebooted = false;
  d.installer.onReboot = () => (rebooted = true);
  await hub.offer('phone-anna', offer, image);
  await waitFor(() => rebooted, 'the reboot');
  await waitFor(() => hub.statesOf('phone-anna').includes('rebooting'), 'the rebooting report');
  assert.equal(hub.statesOf('phone-anna'), ['downloading', 'verifying', 'staged', 'rebooting']);
  assert.is(d.installer.installs.length, 1);
  assert.ok(Buffer.from(d.installer.installs[0]!).equals(image), 'the installer got the image byte for byte');
  assert.is(hub.sentBytes, image.length, 'every chunk fetched once');
  assert.is(hub.wants.length, 1, 'one window for 12 chunks');
  assert.equal(hub.wants[0]!.indexes, Array.from({ length: chunkCount(image.length, 512) }, (_, i) => i));
  for (const p of hub.progressOf('phone-anna')) assert.is(p.running, '1.0.0');
  // the reboot: the boot side says the new image passed; the new client names the job
  await powerCut(d);
  const after = await device({ version: '1.1.0', staging: new FileOtaStaging({ dir }), bootReport: () => ({ result: 'confirmed', version: '1.1.0' }) });
  const last = await waitFor(() => hub.progressOf('phone-anna').find((p) => p.state === 'confirmed'), 'the confirmed report');
  assert.is(last.job, 'job-1');
  assert.is(last.running, '1.1.0');
  assert.is(last.error, null);
  // dropped once reported (the report goes out first; the file is removed after it)
  await waitFor(() => after.staging.installed() === null || null, 'the installed record dropped once reported');
  // the hub offers again (it saw the birth): the device runs it already
  await hub.offer('phone-anna', offer, image);
  await waitFor(() => hub.statesOf('phone-anna').filter((s) => s === 'confirmed').length === 2, 'confirmed at once');
  assert.is(hub.wants.length, 1, 'nothing fetched for a version it runs');
});

t('a rolled-back boot is reported with its code and the old version running', async () => {
  const staging = new MemoryOtaStaging();
  await staging.noteInstalled({ job: 'job-rb', version: '1.1.0', size: 100 });
  await device({ staging, bootReport: () => ({ result: 'rolled-back', version: '1.1.0', reason: 'health-timeout' }) });
  const p = await waitFor(() => hub.progressOf('phone-anna', 'job-rb')[0], 'the rolled-back report');
  assert.is(p.state, 'rolled-back');
  assert.is(p.running, '1.0.0');
  assert.is(p.error?.code, 'health-timeout');
});

t('windows: at most MAX_OTA_WANT chunks asked at once, the next window when one is answered', async () => {
  const image = signedImage('1.1.0', 100 * 256);
  const offer = offerOf('job-w', '1.1.0', image, 256);
  const chunks = chunkCount(image.length, 256);
  assert.ok(chunks > MAX_OTA_WANT * 1.5);
  const d = await device({ staging: new MemoryOtaStaging() });
  await hub.offer('phone-anna', offer, image);
  await waitFor(() => d.installer.reboots === 1, 'the reboot');
  assert.equal(hub.wants.map((w) => w.indexes.length), [MAX_OTA_WANT, chunks - MAX_OTA_WANT]);
  assert.is(hub.sentChunks, chunks);
  const downloading = hub.progressOf('phone-anna').filter((p) => p.state === 'downloading');
  assert.ok(downloading.length <= 2, `downloading reports are rate-limited (${downloading.length})`);
});

t('a power cut at every chunk boundary: each boot asks only for what is missing; ≤ image + one window fetched in all', async () => {
  const chunkSize = 256;
  const image = signedImage('1.1.0', 3000);
  const offer = offerOf('job-cut', '1.1.0', image, chunkSize);
  const chunks = chunkCount(image.length, chunkSize);
  const dir = folder();
  for (let cut = 1; cut < chunks; cut++) {
    // this boot gets one chunk; the power goes right after it is held
    hub.budget = 1;
    const d = await device({ staging: new FileOtaStaging({ dir }) });
    const wantsBefore = hub.wants.length;
    await hub.offer('phone-anna', offer, image); // the hub saw the birth: it offers again
    await waitFor(() => d.client.status().held === cut, `chunk ${cut} held`);
    const asked = hub.wants.slice(wantsBefore).flatMap((w) => w.indexes);
    assert.ok(asked.length > 0 && asked.every((i) => i >= cut - 1), `boot ${cut} asked only for missing chunks: ${asked.join(',')}`);
    await powerCut(d);
    const staged = new FileOtaStaging({ dir }).load();
    assert.is(staged?.held, cut, 'what was held before the cut is held after it');
  }
  hub.budget = null;
  const d = await device({ staging: new FileOtaStaging({ dir }) });
  await hub.offer('phone-anna', offer, image);
  await waitFor(() => d.installer.reboots === 1, 'the reboot after the last boot');
  assert.ok(Buffer.from(d.installer.installs[0]!).equals(image));
  assert.ok(hub.sentBytes <= image.length + MAX_OTA_WANT * chunkSize, `fetched ${hub.sentBytes} bytes for a ${image.length}-byte image`);
  assert.is(hub.sentBytes, image.length, 'in fact nothing twice: every cut came after a durable chunk');
});

t('a corrupt chunk (the CRC fails) is dropped and fetched again', async () => {
  const image = signedImage('1.1.0', 5000);
  const offer = offerOf('job-crc', '1.1.0', image, 512);
  hub.corruptOnce.add(3);
  hub.corruptOnce.add(7);
  const d = await device({ staging: new MemoryOtaStaging() });
  await hub.offer('phone-anna', offer, image);
  await waitFor(() => d.installer.reboots === 1, 'the reboot');
  assert.is(d.client.stats.corrupt, 2);
  assert.equal(hub.wants[1]!.indexes, [3, 7], 'asked again for exactly the corrupt ones');
  assert.ok(Buffer.from(d.installer.installs[0]!).equals(image));
});

t('a full disk while staging: failed with code storage, the old version runs, staging dropped', async () => {
  const image = signedImage('1.1.0', 5000);
  const offer = offerOf('job-full', '1.1.0', image, 512);
  let written = 0;
  const dir = folder();
  const { open } = await import('node:fs/promises');
  // the disk fills after 3 chunks: a real ENOSPC errno error from the write
  const staging = new FileOtaStaging({
    dir,
    open: async (file, flags) => {
      const h = await open(file, flags);
      const f: StagingFile = {
        write: async (buf, off, len, pos) => {
          if (file.endsWith('ota-image.bin') && (written += len) > 3 * 512) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
          return h.write(buf, off, len, pos);
        },
        datasync: () => h.datasync(),
        close: () => h.close(),
      };
      return f;
    },
  });
  const d = await device({ staging });
  await hub.offer('phone-anna', offer, image);
  const last = await waitFor(() => hub.progressOf('phone-anna').find((p) => p.state === 'failed'), 'the failed report');
  assert.is(last.error?.code, 'storage');
  assert.match(last.error!.message, /no space/);
  assert.is(last.running, '1.0.0');
  assert.is(d.installer.installs.length, 0);
  await waitFor(() => new FileOtaStaging({ dir }).load() === null, 'staging dropped');
  assert.is(d.client.status().phase, 'idle');
});

t('a tampered image (valid CRCs and SHA-256 of what was sent, but the signature fails) is refused by the device; it keeps running', async () => {
  const good = signedImage('1.1.0', 4000);
  const tampered = Buffer.from(good);
  tampered[tampered.length - 200]! ^= 0x01; // inside the payload
  const d = await device({ staging: new MemoryOtaStaging() });
  await hub.offer('phone-anna', offerOf('job-evil', '1.1.0', tampered, 512), tampered);
  await waitFor(finalState('phone-anna', 'job-evil'), 'the final report');
  const last = hub.last('phone-anna')!;
  assert.is(last.state, 'refused');
  assert.is(last.error?.code, 'bad-signature');
  assert.is(d.installer.reboots, 0);
  // still serves the next, good offer
  await hub.offer('phone-anna', offerOf('job-good', '1.1.0', good, 512), good);
  await waitFor(() => d.installer.reboots === 1, 'the good image installed');
  // and an image signed with another key
  const { generateKeyPairSync } = await import('node:crypto');
  const other = signedImage('1.2.0', 1000, generateKeyPairSync('ed25519').privateKey);
  const d2 = await device({ deviceId: 'phone-bo', staging: new MemoryOtaStaging(), installer: new FakeInstaller('1.0.0', keys.publicKey) });
  await hub.offer('phone-bo', offerOf('job-key', '1.2.0', other, 512), other);
  await waitFor(finalState('phone-bo', 'job-key'), 'the final report');
  assert.is(hub.last('phone-bo')?.error?.code, 'wrong-key');
  assert.is(d2.installer.reboots, 0);
});

t('the whole image does not match the offer: fetched again once, then failed hash-mismatch', async () => {
  const image = signedImage('1.1.0', 2000);
  const d = await device({ staging: new MemoryOtaStaging() });
  await hub.offer('phone-anna', offerOf('job-hash', '1.1.0', image, 512, 'ab'.repeat(32)), image);
  await waitFor(finalState('phone-anna', 'job-hash'), 'the final report');
  const last = hub.last('phone-anna')!;
  assert.is(last.state, 'failed');
  assert.is(last.error?.code, 'hash-mismatch');
  assert.is(hub.sentBytes, 2 * image.length, 'fetched twice');
  assert.is(d.installer.installs.length, 0);
});

t('no chunks come: asks again with backoff, then failed ota-timeout', async () => {
  hub.silent = true;
  const image = signedImage('1.1.0', 2000);
  const d = await device({ staging: new MemoryOtaStaging(), chunkTimeoutMs: 20, maxTries: 3 });
  await hub.offer('phone-anna', offerOf('job-slow', '1.1.0', image, 512), image);
  await waitFor(finalState('phone-anna', 'job-slow'), 'the final report', 3000);
  assert.is(hub.last('phone-anna')?.error?.code, 'ota-timeout');
  assert.is(hub.wants.length, 4, 'the first want and 3 more');
  assert.is(d.client.stats.timeouts, 4);
});

t('a cancel drops what was fetched of that job; bad offers are logged and ignored', async () => {
  const image = signedImage('1.1.0', 4000);
  const offer = offerOf('job-cancel', '1.1.0', image, 512);
  const dir = folder();
  hub.budget = 3;
  const d = await device({ staging: new FileOtaStaging({ dir }) });
  await hub.offer('phone-anna', offer, image);
  await waitFor(() => d.client.status().held === 3, '3 chunks held');
  await hub.control('phone-anna', JSON.stringify({ job: 'job-other', cancel: true }));
  await hub.control('phone-anna', '{not json');
  await hub.control('phone-anna', JSON.stringify({ job: 'job-x', version: '1.1', size: 1, sha256: 'x', chunkSize: 1, at: 'now' }));
  await waitFor(() => d.log.records.filter((r) => r.msg === 'invalid OTA offer ignored').length === 2, 'two bad offers logged');
  assert.is(d.client.status().job, 'job-cancel', 'another job cancelled changes nothing');
  await hub.control('phone-anna', JSON.stringify({ job: 'job-cancel', cancel: true }));
  await waitFor(() => d.client.status().phase === 'idle', 'idle');
  await waitFor(() => new FileOtaStaging({ dir }).load() === null, 'staging dropped');
  // the core's own traffic went on meanwhile
  assert.ok(d.core.connected);
});

t('an install that cannot write its slot is failed storage; a refused version is refused', async () => {
  const image = signedImage('1.1.0', 1500);
  const installer = new FakeInstaller('1.0.0');
  installer.fail = { ok: false, code: 'storage', message: 'ENOSPC writing slot b' };
  await device({ staging: new MemoryOtaStaging(), installer });
  await hub.offer('phone-anna', offerOf('job-slot', '1.1.0', image, 512), image);
  await waitFor(finalState('phone-anna', 'job-slot'), 'the final report');
  assert.is(hub.last('phone-anna')?.state, 'failed');
  assert.is(hub.last('phone-anna')?.error?.code, 'storage');
  installer.fail = null;
  const old = signedImage('0.9.0', 1500);
  await hub.offer('phone-anna', offerOf('job-old', '0.9.0', old, 512), old);
  await waitFor(finalState('phone-anna', 'job-old'), 'the final report');
  assert.is(hub.last('phone-anna')?.state, 'refused');
  assert.is(hub.last('phone-anna')?.error?.code, 'downgrade');
  assert.is(sha256(installer.installs[1]!), sha256(old));
  // IT rolls back on purpose: the offer says so, and the same image is taken
  await hub.offer('phone-anna', { ...offerOf('job-back', '0.9.0', old, 512), allowDowngrade: true }, old);
  await waitFor(finalState('phone-anna', 'job-back'), 'the final report');
  assert.is(hub.last('phone-anna')?.state, 'rebooting', 'installed, on its way into the older image');
  await waitFor(() => installer.reboots === 1 || null, 'the reboot into it');
});

t.run();
