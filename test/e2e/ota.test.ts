/**
 * OTA end to end: a hub with a public key, simulated devices with real A/B slots and the real
 * OTA client (SimFleet `ota`), and the CLI as a separate process:
 *  - `omstil ota IMAGE --canary 50% --then 100%` → every device confirmed, the fleet (GET
 *    /api/v1/devices) shows the new firmware;
 *  - an image whose trial boot never comes up: the canary rolls back and the rollout halts by
 *    itself (exit 1), the other devices are never offered it;
 *  - a tampered image: refused by `omstil ota --key` before uploading, and by the hub (422).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../broker/config.js';
import { Directory, type DirectoryData } from '../../broker/directory/directory.js';
import { startHubService, type HubService } from '../../broker/main.js';
import { packFiles } from '../../firmware/image/file-archive.js';
import { buildImage } from '../../firmware/image/image-format.js';
import { readPrivateKey, readPublicKey, writeKeyPair } from '../../firmware/image/image-keys.js';
import { memoryLogger, systemClock } from '../../protocol/index.js';
import type { FleetList } from '../../protocol/fleet.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { issueFleetCredentials } from '../../simulator/fleet-credentials.js';
import { fleetDevices, SimFleet } from '../../simulator/sim-fleet.js';
import { ROOT } from '../support/hub-process.js';
import { tempDir } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const test = suite('e2e/ota');
const BAD = '0.9.9'; // a version whose trial boot never comes up
let dir: string;
let keyDir: string;
let hub: HubService;
let fleet: SimFleet;
let api: string;
let tokenFile: string;

function image(version: string, bytes = 150_000): string {
  const payload = packFiles([
    { path: 'omstil-firmware.js', mode: 0o644, data: Buffer.from(`export const version = ${JSON.stringify(version)};\n`) },
    { path: 'filler.bin', mode: 0o644, data: randomBytes(bytes) },
  ]);
  const file = path.join(dir, `fw-${version}.omstil`);
  writeFileSync(file, buildImage({ payload, version, kind: 'phone', minBootVersion: '1.0.0', privateKey: readPrivateKey(keyDir) }).bytes);
  return file;
}

function omstil(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli/omstil.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const cli = (file: string, extra: string[] = []) => omstil(['ota', file, '--api', api, '--token-file', tokenFile, '--json', '--interval', '100', ...extra]);
const lines = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

async function rollouts(): Promise<any[]> {
  const res = await fetch(`${api}/ota/rollouts`, { headers: { authorization: `Bearer ${readFileSync(tokenFile, 'utf8').trim()}` } });
  return (await res.json()) as any[];
}

test.before(async () => {
  dir = tempDir('omstil-ota-e2e-');
  keyDir = path.join(dir, 'keys');
  writeKeyPair(keyDir);
  const data = demoDirectory({ peoplePerDept: 1, kiosks: 0 }) as DirectoryData;
  const directory = Directory.parse({ ...data, devices: data.devices.filter((d) => d.kind === 'phone').slice(0, 4) });
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: null, apiPort: 0, dataDir: path.join(dir, 'hub'), sync: 'normal', otaPublicKey: keyDir } });
  const logger = memoryLogger('warn');
  hub = await startHubService(config, { logger, directory, ota: { tickMs: 100, flushMs: 100, minFinished: 2 } });
  api = hub.api!.url;
  tokenFile = hub.adminTokenFile!;
  fleet = new SimFleet({
    directory,
    mqttUrl: hub.mqttUrl,
    clock: systemClock,
    logger,
    // issue 10: each device its own token; every core a device boots after an update logs in with it
    deviceMqttOptions: issueFleetCredentials(hub.credentials!, fleetDevices(directory).map((d) => d.id)),
    ota: {
      publicKey: readPublicKey(keyDir),
      bootDir: path.join(dir, 'devices'),
      bootVersion: '1.0.0',
      healthTimeoutMs: 1500,
      durable: false,
      faults: { bootFails: (v) => v === BAD },
      client: { rebootDelayMs: 50, progressIntervalMs: 200 },
    },
  });
  await fleet.start();
  await waitFor(() => (hub.hub.fleet.snapshot(new Date()).summary.online === 4 ? true : null), 'four devices online');
});

test.after(async () => {
  await fleet?.stop();
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('omstil ota --canary 50% --then 100%: every device confirmed, the fleet shows the new firmware', async () => {
  const file = image('0.2.0');
  const r = await cli(file, ['--canary', '50%', '--then', '100%', '--key', keyDir]);
  assert.is(r.code, 0, r.stderr + r.stdout);
  const events = lines(r.stdout);
  assert.is(events[0]!.state, 'started');
  assert.equal(events[0]!.stages, [50, 100]);
  const summary = events.at(-1)!;
  assert.is(summary.state, 'summary');
  assert.is(summary.ok, true);
  assert.is(summary.counts.confirmed, 4);
  // the canary went first: while stage 1 ran, the other half waited, and stage 2 began only
  // with the canary's half confirmed (a fast canary may finish between two polls, so no line
  // need show it in flight)
  assert.ok(events.filter((e) => e.stage === 0).every((e) => e.counts.pending === 2), r.stdout);
  const second = events.find((e) => e.stage === 1);
  assert.ok(second && second.counts.confirmed >= 2, r.stdout);
  const list = await waitFor(async () => {
    const res = await fetch(`${api}/devices`, { headers: { authorization: `Bearer ${readFileSync(tokenFile, 'utf8').trim()}` } });
    const l = (await res.json()) as FleetList;
    return l.devices.every((d) => d.state === 'online' && d.fw === '0.2.0' && d.update?.state === 'confirmed') ? l : null;
  }, 'the fleet on 0.2.0', 10_000);
  assert.is(list.devices.length, 4);
  for (const d of fleet.devices.values()) assert.is(d.version(), '0.2.0');
});

test('an image whose trial boot fails: the canary rolls back and the rollout halts by itself', async () => {
  const file = image(BAD);
  const r = await cli(file, ['--canary', '25%', '--then', '100%']);
  assert.is(r.code, 1, r.stderr + r.stdout);
  const summary = lines(r.stdout).at(-1)!;
  assert.is(summary.rolloutState, 'halted');
  assert.ok(summary.counts['rolled-back'] >= 1, JSON.stringify(summary));
  assert.is(summary.stage, 0);
  assert.ok(summary.counts.cancelled >= 3, 'the rest were never let in');
  // the fleet still runs 0.2.0
  await waitFor(() => ([...fleet.devices.values()].every((d) => d.version() === '0.2.0') ? true : null), 'the fleet back on 0.2.0', 10_000);
});

test('a tampered image: refused by --key before uploading, and by the hub (422)', async () => {
  const file = image('0.3.0', 20_000);
  const bytes = readFileSync(file);
  bytes[bytes.length - 300]! ^= 0x55;
  const bad = path.join(dir, 'tampered.omstil');
  writeFileSync(bad, bytes);
  const before = (await rollouts()).length;
  const local = await cli(bad, ['--key', keyDir]);
  assert.is(local.code, 1);
  const l = lines(local.stdout).at(-1)!;
  assert.equal([l.state, l.by, l.code], ['refused', 'key', 'bad-signature']);
  assert.is((await rollouts()).length, before, 'nothing was uploaded');
  const remote = await cli(bad);
  assert.is(remote.code, 1);
  const h = lines(remote.stdout).at(-1)!;
  assert.equal([h.state, h.by, h.code], ['refused', 'hub', 'bad-signature']);
  assert.is((await rollouts()).length, before);
});

test.run();
