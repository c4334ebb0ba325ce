/**
 * IT rehearses an update on the simulated municipality, as the README says, with the built CLI:
 * `omstil up --ota-key DIR` gives every simulated device A/B slots and says how to update them;
 * `omstil ota IMAGE --canary 50% --then 100%` rolls an image out and exits 0; the fleet shows the
 * new firmware; a phone's open screen is dropped at the reboot (as on a real device) and
 * reconnects to the rebooted device by itself.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { packFiles } from '../../firmware/image/file-archive.js';
import { buildImage } from '../../firmware/image/image-format.js';
import { readPrivateKey, writeKeyPair } from '../../firmware/image/image-keys.js';
import type { FleetList } from '../../protocol/fleet.js';
import { BUNDLED_CLI, freePort, ROOT, spawnCli } from '../support/hub-process.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import type { DirectoryData } from '../../broker/directory/directory.js';
import { tempDir } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const test = suite('e2e/ota-up');
const dir = tempDir('omstil-ota-up-');
const keyDir = path.join(dir, 'keys');
const dataDir = path.join(dir, 'data');
let proc: Awaited<ReturnType<typeof spawnCli>> | null = null;
const urls: Record<string, string> = {};

test.before(async () => {
  if (!existsSync(BUNDLED_CLI)) throw new Error(`${BUNDLED_CLI} is missing: run \`npm run build\` (npm test does)`);
  writeKeyPair(keyDir);
  const [mqtt, http, api] = [await freePort(), await freePort(), await freePort()];
  const args = ['up', '--mqtt-port', String(mqtt), '--no-ws-port', '--http-port', String(http), '--api-port', String(api)];
  // a small municipality whose every device is simulated: a canary drawn from devices that never
  // come online would wait for them (OTA-R5), so the rollout could stall by the draw
  const directoryFile = path.join(dir, 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(smallMunicipality()));
  proc = await spawnCli([...args, '--data-dir', dataDir, '--directory', directoryFile, '--ota-key', keyDir, '--log-level', 'warn'], /Press Ctrl\+C/, { bundle: true, timeoutMs: 20_000 });
  for (const m of proc.stdout().matchAll(/^\s+(\S+)\s+(\S+:\/\/\S+)/gm)) urls[m[1]!] = m[2]!;
});

/** The demo's first two departments with two people each, one kiosk: every device simulated. */
function smallMunicipality(): DirectoryData {
  const d = demoDirectory({ peoplePerDept: 2, kiosks: 1 });
  const depts = new Set(d.departments.slice(0, 2).map((x) => x.id));
  const people = d.people.filter((p) => depts.has(p.dept));
  const ids = new Set(people.map((p) => p.id));
  return {
    ...d,
    departments: d.departments.filter((x) => depts.has(x.id)),
    people: people.map((p) => (p.preferred ? { ...p, preferred: p.preferred.filter((x) => ids.has(x)) } : p)),
    groups: d.groups.filter((g) => depts.has(g.dept)).map((g) => ({ ...g, members: g.members.filter((m) => ids.has(m)) })),
    devices: d.devices.filter((v) => !v.person || ids.has(v.person)),
  };
}

test.after(async () => {
  if (proc && proc.child.exitCode === null) {
    const exited = new Promise((r) => proc!.child.once('exit', r));
    proc.child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

function omstil(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BUNDLED_CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function fleet(): Promise<FleetList> {
  const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const res = await fetch(`${urls.api}/devices`, { headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as FleetList;
}

test('up says the simulated devices take updates; ota rolls 0.2.0 out to every phone; the screen follows the reboot', async () => {
  assert.match(proc!.stdout(), new RegExp(`ota\\s+omstil ota IMAGE --data-dir ${dataDir.replace(/[/.]/g, '\\$&')}`));
  const phone = /\/phone\/(\S+)$/.exec(urls.phone!)![1]!;

  // a phone's screen, open through the update
  const screen = new WebSocket(`${urls.devices!.replace(/^http/, 'ws').replace(/\/$/, '')}/bridge/${phone}`);
  const closed = new Promise<number>((resolve) => screen.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    screen.once('message', resolve);
    screen.once('error', reject);
  });

  const payload = packFiles([{ path: 'omstil-firmware.js', mode: 0o644, data: Buffer.from('export const version = "0.2.0";\n') }]);
  const file = path.join(dir, 'fw-0.2.0.omstil');
  writeFileSync(file, buildImage({ payload, version: '0.2.0', kind: 'phone', minBootVersion: '1.0.0', privateKey: readPrivateKey(keyDir) }).bytes);
  const r = await omstil(['ota', file, '--canary', '50%', '--then', '100%', '--api', urls.api!, '--data-dir', dataDir, '--key', keyDir, '--json', '--interval', '100']);
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const last = JSON.parse(r.stdout.trim().split('\n').pop()!) as { state: string; ok: boolean; rolloutState: string };
  assert.is(last.state, 'summary');
  assert.is(last.ok, true);
  assert.is(last.rolloutState, 'completed');

  const list = await waitFor(async () => {
    const f = await fleet();
    // the status (fw) and the rollout's progress reach the fleet by different roads: wait for both
    return f.devices.filter((d) => d.kind === 'phone' && d.state === 'online').every((d) => d.fw === '0.2.0' && d.update?.state === 'confirmed') ? f : null;
  }, 'every phone on 0.2.0 and confirmed in the fleet', 10_000);
  const phones = list.devices.filter((d) => d.kind === 'phone' && d.state === 'online');
  assert.is(phones.length, smallMunicipality().devices.filter((d) => d.kind === 'phone').length);
  assert.ok(phones.length >= 4, `${phones.length} phones`);
  for (const d of phones) assert.is(d.update?.state, 'confirmed', d.deviceId);
  assert.is(list.devices.find((d) => d.kind === 'kiosk')?.fw, '0.1.0', 'a phone image leaves the kiosk alone');

  // the screen was dropped at the reboot, like a real device's, and a new one gets the rebooted device's view
  assert.is(await closed, 1012);
  const again = new WebSocket(`${urls.devices!.replace(/^http/, 'ws').replace(/\/$/, '')}/bridge/${phone}`);
  const views: { t: string; view?: { connected: boolean } }[] = [];
  again.on('message', (m) => views.push(JSON.parse(m.toString())));
  try {
    await waitFor(() => views.some((v) => v.t === 'view' && v.view?.connected === true) || null, 'a connected view from the rebooted device', 10_000);
  } finally {
    again.close();
  }
});

test.run();
