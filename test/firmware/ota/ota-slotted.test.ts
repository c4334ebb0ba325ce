/**
 * OTA onto real A/B boot slots: SimFleet's `ota` option (SlottedDevice + OtaClient on every
 * core it boots) against the hub's broker and the hub double. The device boots the new image
 * and says so; an image that never comes up is rolled back and reported with the old version
 * running; a tampered image is refused by the slot installer itself (nothing staged).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Buffer } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EmbeddedBroker } from '../../../broker/mqtt/embedded-broker.js';
import { loginsFor } from '../../../simulator/fleet-credentials.js';
import { SimFleet, type SimFleetOta } from '../../../simulator/sim-fleet.js';
import { memoryLogger, systemClock } from '../../../protocol/index.js';
import { waitFor } from '../../support/wait.js';
import { DEVICE_TOKENS, directory, HubDouble, keys, offerOf, signedImage, startBroker } from './ota-harness.js';

const t = suite('firmware/ota/ota-slotted');

let broker: EmbeddedBroker;
let hub: HubDouble;
let root = '';
let fleet: SimFleet | null = null;
let n = 0;

t.before(async () => {
  broker = await startBroker();
  root = mkdtempSync(path.join(os.tmpdir(), 'omstil-ota-slotted-'));
});

t.before.each(async () => {
  hub = await HubDouble.connect(broker.mqttUrl);
});

t.after.each(async () => {
  await fleet?.stop();
  fleet = null;
  await hub.close();
});

t.after(async () => {
  await broker.stop();
  rmSync(root, { recursive: true, force: true });
});

async function startFleet(ota: Partial<SimFleetOta> = {}): Promise<SimFleet> {
  const f = new SimFleet({
    directory,
    mqttUrl: broker.mqttUrl,
    clock: systemClock,
    logger: memoryLogger('warn'),
    // issue 10: the broker requires each device's token; every core a device boots (after each update) logs in with it
    deviceMqttOptions: loginsFor(DEVICE_TOKENS),
    ota: { publicKey: keys.publicKey, bootDir: path.join(root, `fleet${n++}`), bootVersion: '1.0.0', initialVersion: '1.0.0', healthTimeoutMs: 2000, client: { chunkTimeoutMs: 500, rebootDelayMs: 20 }, ...ota },
  });
  fleet = f;
  await f.start();
  return f;
}

t('a fleet of two takes an image: each reboots into it, runs it, and reports confirmed with the job', async () => {
  const f = await startFleet();
  assert.equal([...f.devices.keys()].sort(), ['phone-anna', 'phone-bo']);
  const image = signedImage('1.1.0', 20_000);
  const offer = offerOf('job-fleet', '1.1.0', image, 1024);
  for (const id of f.devices.keys()) await hub.offer(id, offer, image);
  for (const id of f.devices.keys()) {
    const confirmed = await waitFor(() => hub.progressOf(id, 'job-fleet').find((p) => p.state === 'confirmed'), `${id} confirmed`, 8000);
    assert.is(confirmed.running, '1.1.0');
    assert.equal(hub.statesOf(id, 'job-fleet'), ['downloading', 'verifying', 'staged', 'rebooting', 'confirmed']);
    assert.is(f.devices.get(id)!.version(), '1.1.0');
    assert.is(f.core(id).fwVersion, '1.1.0', 'the new core runs the new slot');
  }
  assert.is(hub.sentBytes, 2 * image.length);
});

t('an image that never comes up: the trial times out, the old slot boots, and the report says rolled-back', async () => {
  const f = await startFleet({ healthTimeoutMs: 300, faults: { bootFails: (v) => v === '1.2.0' } });
  const image = signedImage('1.2.0', 3000);
  await hub.offer('phone-anna', offerOf('job-bad', '1.2.0', image, 1024), image);
  const p = await waitFor(() => hub.progressOf('phone-anna', 'job-bad').find((x) => x.state === 'rolled-back'), 'the rolled-back report', 8000);
  assert.is(p.running, '1.0.0');
  assert.is(p.error?.code, 'health-timeout');
  assert.is(f.devices.get('phone-anna')!.version(), '1.0.0');
});

t('the power goes after the image was staged, before the reboot: the next boot runs the new slot on trial and reports it under the job', async () => {
  const f = await startFleet({ client: { chunkTimeoutMs: 500, rebootDelayMs: 60_000 } });
  const image = signedImage('1.1.0', 3000);
  await hub.offer('phone-anna', offerOf('job-cut', '1.1.0', image, 1024), image);
  await waitFor(() => hub.statesOf('phone-anna', 'job-cut').includes('rebooting'), 'staged and about to reboot');
  const dev = f.devices.get('phone-anna')!;
  f.otaClients.get('phone-anna')!.stop();
  await dev.stop(); // the power goes
  await dev.start(); // and comes back: the staged slot boots on trial
  const p = await waitFor(() => hub.progressOf('phone-anna', 'job-cut').find((x) => x.state === 'confirmed'), 'the confirmed report', 5000);
  assert.is(p.running, '1.1.0');
  assert.is(dev.version(), '1.1.0');
});

t('a tampered image is refused by the slot installer: nothing staged, the device runs on', async () => {
  const f = await startFleet();
  const image = Buffer.from(signedImage('1.1.0', 3000));
  image[image.length - 300]! ^= 0x80;
  await hub.offer('phone-bo', offerOf('job-evil', '1.1.0', image, 1024), image);
  const p = await waitFor(() => hub.progressOf('phone-bo', 'job-evil').find((x) => x.state === 'refused'), 'the refused report', 5000);
  assert.is(p.error?.code, 'bad-signature');
  assert.is(f.devices.get('phone-bo')!.bootSlots().state()?.active, 'a', 'nothing staged');
  assert.ok(f.core('phone-bo').connected);
});

t.run();
