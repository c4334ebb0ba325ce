/**
 * A simulated device with real boot slots against a real MQTT broker (Aedes on a loopback
 * port): a signed image installed, the reboot, the new version in the device's status and the
 * slot confirmed; an image whose firmware never comes up rolled back to the old version.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { Buffer } from 'node:buffer';
import { generateKeyPairSync } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { buildImage } from '../../firmware/image/image-format.js';
import { packFiles } from '../../firmware/image/file-archive.js';
import type { DeviceCore } from '../../firmware/device-core.js';
import { buildTopic, filters, memoryLogger, systemClock } from '../../protocol/index.js';
import { SlottedDevice, type SlottedDeviceEvent, type SlottedDeviceOptions } from '../../simulator/slotted-device.js';
import { scratchFolder } from '../support/files.js';
import { freePort } from '../support/hub-process.js';
import { waitFor } from '../support/wait.js';

const t = suite('simulator/slotted-device');
const scratch = scratchFolder(t, 'omstil-slotted-');
const keys = generateKeyPairSync('ed25519');

let broker: { url: string; close(): Promise<void> };
/** every login the broker saw: client id, username, password */
const logins: { clientId: string; username: string | undefined; password: string | undefined }[] = [];
let watcher: MqttClient;
const statuses = new Map<string, { online: boolean; fw: string }>();

t.before(async () => {
  const port = await freePort();
  const aedes = await Aedes.createBroker();
  aedes.authenticate = (client, username, password, done) => {
    logins.push({ clientId: client.id, username, password: password?.toString('utf8') });
    done(null, true);
  };
  const server = net.createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  broker = {
    url: `mqtt://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        for (const c of Object.values((aedes as unknown as { clients: Record<string, { close(): void }> }).clients)) c.close();
      });
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
  watcher = await mqtt.connectAsync(broker.url, { clientId: 'watcher', reconnectPeriod: 0 });
  watcher.on('message', (topic, payload) => {
    if (payload.length) statuses.set(topic, JSON.parse(payload.toString('utf8')) as { online: boolean; fw: string });
  });
  await watcher.subscribeAsync(filters.allDeviceStatus, { qos: 1 });
});

const running: SlottedDevice[] = [];

t.after(async () => {
  for (const d of running) await d.stop();
  await watcher?.endAsync(true);
  await broker?.close();
});

function imageOf(version: string): Buffer {
  const payload = packFiles([{ path: 'omstil-firmware.js', mode: 0o644, data: Buffer.from(`// ${version}\n`) }]);
  return buildImage({ payload, version, kind: 'phone', privateKey: keys.privateKey }).bytes;
}

function device(deviceId: string, faults?: { bootFails?: (v: string) => boolean }, mqttOptions?: SlottedDeviceOptions['mqttOptions']) {
  const events: SlottedDeviceEvent[] = [];
  const dev = new SlottedDevice({
    deviceId,
    kind: 'phone',
    mqttUrl: broker.url,
    clock: systemClock,
    logger: memoryLogger('warn'),
    dir: path.join(scratch.dir(), deviceId),
    publicKey: keys.publicKey,
    bootVersion: '1.0.0',
    healthTimeoutMs: 1500,
    initialVersion: '1.0.0',
    ...(faults ? { faults } : {}),
    ...(mqttOptions ? { mqttOptions } : {}),
  });
  dev.onEvent((e) => events.push(e));
  running.push(dev);
  return { dev, events };
}

const statusOf = (id: string) => statuses.get(buildTopic({ kind: 'device-status', deviceId: id }));

t('a good image: installed, rebooted into, the new version in the status, the slot confirmed', async () => {
  const { dev, events } = device('phone-anna');
  const cores: DeviceCore[] = [];
  dev.onCore((c) => cores.push(c));
  await dev.start();
  await waitFor(() => statusOf('phone-anna')?.online && statusOf('phone-anna')?.fw === '1.0.0', 'the first boot online with 1.0.0');
  assert.is(dev.version(), '1.0.0');

  const r = await dev.installer.install(imageOf('1.1.0'));
  assert.equal(r, { ok: true, version: '1.1.0', slot: 'b' });
  await dev.installer.reboot();
  await waitFor(() => statusOf('phone-anna')?.online && statusOf('phone-anna')?.fw === '1.1.0', 'online again with 1.1.0');
  await waitFor(() => dev.bootSlots().state()!.confirmed, 'the trial slot confirmed');
  assert.is(dev.version(), '1.1.0');
  assert.is(cores.length, 2, 'a new core after the reboot, announced');
  assert.is(dev.core, cores[1]);
  assert.is(dev.core!.fwVersion, '1.1.0');
  const report = dev.takeReport()!;
  assert.equal([report.result, report.version, report.fromVersion], ['confirmed', '1.1.0', '1.0.0']);
  assert.is(dev.takeReport(), null);
  assert.equal(
    events.map((e) => e.state),
    ['booted', 'booted', 'confirmed'],
  );
  // a downgrade is refused by the installer; nothing changes
  const down = await dev.installer.install(imageOf('1.0.5'));
  assert.equal(down.ok ? 'ok' : down.code, 'downgrade');
  await dev.stop();
});

t('an image whose firmware never comes up: the health check times out, rolled back to the old version', async () => {
  const { dev, events } = device('phone-bo', { bootFails: (v) => v === '2.0.0' });
  await dev.start();
  await waitFor(() => statusOf('phone-bo')?.online && statusOf('phone-bo')?.fw === '1.0.0', 'online with 1.0.0');
  assert.equal(await dev.installer.install(imageOf('2.0.0')), { ok: true, version: '2.0.0', slot: 'b' });
  await dev.installer.reboot();
  assert.is(dev.version(), '2.0.0', 'booted the new slot on trial');
  assert.is(dev.core!.connected, false);
  await waitFor(() => events.some((e) => e.state === 'rolled-back'), 'the rollback', 5000);
  await waitFor(() => dev.version() === '1.0.0' && dev.core?.connected, 'the old slot running again', 5000);
  await waitFor(() => statusOf('phone-bo')?.online && statusOf('phone-bo')?.fw === '1.0.0', 'online again with 1.0.0');
  const st = dev.bootSlots().state()!;
  assert.equal([st.active, st.confirmed], ['a', true]);
  const report = dev.takeReport()!;
  assert.equal([report.result, report.version, report.fromVersion, report.running, report.reason], ['rolled-back', '2.0.0', '1.0.0', '1.0.0', 'health-timeout']);
  assert.equal(
    events.map((e) => (e.state === 'booted' ? `booted ${e.version}${e.trial ? ' on trial' : ''}` : e.state)),
    ['booted 1.0.0', 'booted 2.0.0 on trial', 'rolled-back', 'booted 1.0.0'],
  );
  await dev.stop();
});

t('issue 10: every core the device boots logs in with the login mqttOptions gives at that boot', async () => {
  let token = 'first-token';
  const { dev } = device('phone-carl', undefined, () => ({ username: 'phone-carl', password: token }));
  await dev.start();
  await waitFor(() => dev.core?.connected, 'the first boot connected');
  token = 'rotated-token';
  assert.equal((await dev.installer.install(imageOf('1.1.0'))).ok, true);
  await dev.installer.reboot();
  await waitFor(() => dev.version() === '1.1.0' && dev.core?.connected, 'the new slot connected');
  assert.equal(
    logins.filter((l) => l.clientId === 'phone-carl').map((l) => [l.username, l.password]),
    [
      ['phone-carl', 'first-token'],
      ['phone-carl', 'rotated-token'],
    ],
  );
  await dev.stop();
});

t('a restart keeps the slots: the device boots what boot.json names', async () => {
  const { dev } = device('phone-anna');
  await dev.start();
  assert.is(dev.version(), '1.1.0');
  await waitFor(() => dev.core?.connected, 'connected');
  await dev.stop();
});

t.run();
