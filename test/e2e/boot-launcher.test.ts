/**
 * The built boot launcher (dist/boot/omstil-boot.js) running the built firmware
 * (dist/firmware) from A/B slots, as a device does, against a real MQTT broker: an empty slot
 * folder gets the firmware folder as slot a; a new image on trial confirms itself once
 * connected and reports its version in the device's status; an image whose firmware exits at
 * once is rolled back and the old one runs again.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { spawn, type ChildProcess } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BootSlots, sha256Of } from '../../firmware/boot/boot-slots.js';
import { packFiles } from '../../firmware/image/file-archive.js';
import { readFirmwareFolder } from '../../firmware/image/firmware-folder.js';
import { buildTopic, filters } from '../../protocol/index.js';
import { freePort, ROOT } from '../support/hub-process.js';
import { tempDir } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/boot-launcher');
const DEVICE = 'phone-anna';
const dir = tempDir('omstil-boot-e2e-');
const app = path.join(dir, 'app');
const bootDir = path.join(dir, 'boot');
let server: net.Server | null = null;
let aedes: Aedes | null = null;
let watcher: MqttClient | null = null;
let mqttPort = 0;
let launcher: ChildProcess | null = null;
let status: { online: boolean; fw: string } | null = null;

e2e.before(async () => {
  for (const built of ['dist/boot/omstil-boot.js', 'dist/firmware/omstil-firmware.js']) {
    if (!existsSync(path.join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\``);
  }
  // the install layout: /opt/omstil/{boot,firmware,device-ui}
  for (const part of ['boot', 'firmware', 'device-ui']) cpSync(path.join(ROOT, 'dist', part), path.join(app, part), { recursive: true });
  mqttPort = await freePort();
  aedes = await Aedes.createBroker();
  server = net.createServer(aedes.handle);
  await new Promise<void>((r) => server!.listen(mqttPort, '127.0.0.1', () => r()));
  watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'watcher', reconnectPeriod: 0 });
  watcher.on('message', (topic, payload) => {
    if (topic === buildTopic({ kind: 'device-status', deviceId: DEVICE }) && payload.length) status = JSON.parse(payload.toString('utf8')) as { online: boolean; fw: string };
  });
  await watcher.subscribeAsync(filters.allDeviceStatus, { qos: 1 });
});

e2e.after(async () => {
  if (launcher && launcher.exitCode === null) launcher.kill('SIGKILL');
  await watcher?.endAsync(true);
  if (server) {
    await new Promise<void>((r) => {
      server!.close(() => r());
      for (const c of Object.values((aedes as unknown as { clients: Record<string, { close(): void }> }).clients)) c.close();
    });
  }
  if (aedes) await new Promise<void>((r) => aedes!.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

async function startLauncher(extra: string[] = []): Promise<{ stderr: () => string; exited: Promise<number | null> }> {
  const uiPort = await freePort();
  const publicKeyFile = path.join(dir, 'omstil-signing.pub');
  writeFileSync(publicKeyFile, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
  const config = path.join(dir, 'device.json');
  writeFileSync(config, JSON.stringify({ deviceId: DEVICE, hubUrl: `mqtt://127.0.0.1:${mqttPort}`, ui: { port: uiPort }, reconnect: { minMs: 200, maxMs: 1000 }, boot: { dir: bootDir, publicKeyFile, healthTimeoutS: 20 } }));
  status = null;
  const child = spawn(process.execPath, [path.join(app, 'boot/omstil-boot.js'), '--config', config, ...extra], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  launcher = child;
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { stderr: () => err, exited };
}

async function stopLauncher(run: { exited: Promise<number | null> }): Promise<void> {
  launcher!.kill('SIGTERM');
  assert.is(await run.exited, 0, 'SIGTERM stops the firmware and the launcher with 0');
}

function stageImage(version: string, files: { path: string; mode: 0o644 | 0o755; data: Uint8Array }[]): void {
  const payload = packFiles(files);
  BootSlots.open(bootDir).stage({ manifest: { version, sha256: sha256Of(payload) }, payload });
}

e2e('an empty slot folder: the firmware folder becomes slot a and runs, reporting its version', async () => {
  const run = await startLauncher(['--initial-version', '1.0.0']);
  await waitFor(() => status?.online && status.fw === '1.0.0', 'the firmware online with 1.0.0', 15_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${run.stderr()}`);
  });
  assert.match(run.stderr(), /installed the firmware folder as slot a/);
  await stopLauncher(run);
  const st = BootSlots.open(bootDir).state()!;
  assert.equal([st.active, st.confirmed, st.slots.a!.version], ['a', true, '1.0.0']);
});

e2e('a new image on trial: the firmware confirms itself once connected; its version in the status', async () => {
  stageImage('1.1.0', readFirmwareFolder(path.join(ROOT, 'dist/firmware')));
  const run = await startLauncher();
  await waitFor(() => status?.online && status.fw === '1.1.0', 'the firmware online with 1.1.0', 15_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${run.stderr()}`);
  });
  await waitFor(() => /the new firmware confirmed itself/.test(run.stderr()), 'the launcher to see the confirmation', 5000);
  assert.match(run.stderr(), /boot slot confirmed/);
  await stopLauncher(run);
  const st = BootSlots.open(bootDir).state()!;
  assert.equal([st.active, st.confirmed, st.last], ['b', true, null]);
  // the firmware's OTA client took the report (not published here: no OTA job brought this image)
  assert.match(run.stderr(), /boot report without an OTA job[^\n]*"result":"confirmed","version":"1.1.0"/);
});

e2e('an image whose firmware exits at once: rolled back, the old version runs again', async () => {
  stageImage('1.2.0', [{ path: 'omstil-firmware.js', mode: 0o644, data: Buffer.from('process.exit(1);\n') }]);
  const run = await startLauncher();
  await waitFor(() => /rolled back/.test(run.stderr()), 'the rollback', 15_000);
  await waitFor(() => status?.online && status.fw === '1.1.0', 'the old firmware online with 1.1.0', 15_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${run.stderr()}`);
  });
  await waitFor(() => /boot report without an OTA job/.test(run.stderr()), 'the old firmware to take the report', 5000);
  await stopLauncher(run);
  assert.match(run.stderr(), /"reason":"exited"/);
  assert.match(run.stderr(), /boot report without an OTA job[^\n]*"result":"rolled-back","version":"1.2.0"/);
  const st = BootSlots.open(bootDir).state()!;
  assert.equal([st.active, st.confirmed, st.slots.a!.version, st.last], ['b', true, '1.2.0', null]);
});

e2e.run();
