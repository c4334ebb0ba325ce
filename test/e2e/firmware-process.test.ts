/**
 * The built firmware (dist/firmware, rollup) as IT installs it: copied into a folder of its
 * own, run by plain Node with only its native addons beside it, against a hub in another
 * process. A bad config stops it with every bad field named; the network pulled for 30 s
 * (the hub killed) is shown, requests meanwhile are refused, and it reconnects by itself and
 * shows what changed while it was cut off.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { ADMIN_API_PREFIX, type BridgeToScreen, type DeviceView } from '../../protocol/index.js';
import { DEVICE_NODE_FLAGS } from '../../firmware/runtime/node-flags.js';
import { fetchFleetTokens } from '../../simulator/fleet-credentials.js';
import { freePort, killHard, ROOT, spawnCli } from '../support/hub-process.js';
import { tempDir } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/firmware-process');
/** The acceptance asks for 30 s; OMSTIL_OUTAGE_S shortens it while working on the test. */
const OUTAGE_MS = Number(process.env.OMSTIL_OUTAGE_S ?? 30) * 1000;
const DEVICE = 'phone-anna-holm'; // Anna Holm's phone in the demo directory `omstil hub` loads
const ANNA = 'anna-holm';

const dir = tempDir('omstil-fw-');
const app = path.join(dir, 'app');
let hub: Awaited<ReturnType<typeof spawnCli>> | null = null;
let fw: ChildProcess | null = null;

e2e.before(() => {
  const built = path.join(ROOT, 'dist/firmware/omstil-firmware.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` (npm test does)`);
  // a folder of its own: no node_modules of the repository above it
  cpSync(path.join(ROOT, 'dist/firmware'), path.join(app, 'firmware'), { recursive: true });
  cpSync(path.join(ROOT, 'dist/device-ui'), path.join(app, 'device-ui'), { recursive: true });
});

e2e.after(async () => {
  if (fw && fw.exitCode === null) fw.kill('SIGKILL');
  if (hub) await killHard(hub.child);
  rmSync(dir, { recursive: true, force: true });
});

function runFirmware(config: unknown): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const file = path.join(dir, 'device.json');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [...DEVICE_NODE_FLAGS, path.join(app, 'firmware/omstil-firmware.js'), '--config', file], { cwd: app, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stderr: () => err, exited };
}

e2e('a bad config: exit status 2 and every bad field named by its path, nothing started', async () => {
  const run = runFirmware({ deviceId: DEVICE, hubUrl: 'http://hub', ui: { port: 70000 }, colour: 'red' });
  assert.is(await run.exited, 2);
  const err = run.stderr();
  for (const field of ['hubUrl', 'ui.port', 'colour']) assert.match(err, new RegExp(`${field.replace('.', '\\.')}: `), `names ${field}: ${err}`);
});

e2e('the network pulled for 30 s: the device shows the loss, refuses requests, reconnects by itself and shows the truth of now', async () => {
  const mqttPort = await freePort();
  const apiPort = await freePort();
  const uiPort = await freePort();
  const data = path.join(dir, 'hub');
  const hubArgs = ['hub', '--mqtt-port', String(mqttPort), '--no-ws-port', '--api-port', String(apiPort), '--data-dir', data, '--log-level', 'warn'];
  hub = await spawnCli(hubArgs, /omstil hub is up/);
  const tokenFile = /bearer token in (\S+)/.exec(hub.stdout())?.[1];
  assert.ok(tokenFile, `the hub says where its admin token is:\n${hub.stdout()}`);
  // issue 10: the device's own token through the admin API (what `omstil provision` does), in its config's credentials
  const tokens = await fetchFleetTokens({ apiBase: `http://127.0.0.1:${apiPort}/api/v1`, adminToken: readFileSync(tokenFile, 'utf8').trim(), deviceIds: [DEVICE] });

  const run = runFirmware({ deviceId: DEVICE, hubUrl: `mqtt://127.0.0.1:${mqttPort}`, credentials: { username: DEVICE, token: tokens[DEVICE] }, ui: { port: uiPort }, log: { dir: path.join(dir, 'log') }, reconnect: { minMs: 500, maxMs: 5000 } });
  fw = run.child;
  await waitFor(() => /"showing state"/.test(run.stderr()), 'the firmware to connect and show state', 10_000);

  // the screen's side: the local bridge's WebSocket, as the device UI uses it
  const views: DeviceView[] = [];
  const replies: Extract<BridgeToScreen, { t: 'res' }>[] = [];
  const screen = new WebSocket(`ws://127.0.0.1:${uiPort}/bridge/${DEVICE}`);
  screen.on('message', (d) => {
    const msg = JSON.parse(d.toString()) as BridgeToScreen;
    if (msg.t === 'view') views.push(msg.view);
    else replies.push(msg);
  });
  const last = () => views.at(-1);
  await waitFor(() => last()?.connected && last()?.me?.personId === ANNA, 'the screen to show Anna connected');
  assert.is(last()!.me!.ownDiversion, null);
  const health = async () => (await fetch(`http://127.0.0.1:${uiPort}/healthz`)).json() as Promise<{ state: string; link: { reconnects: number } }>;
  assert.is((await health()).state, 'ok');

  await killHard(hub.child);
  const cutAt = Date.now();
  await waitFor(() => last()?.connected === false, 'the screen to be told the connection is lost', 10_000);
  assert.is((await health()).state, 'degraded', 'degraded, not failing: a restart would not bring the network back');
  screen.send(JSON.stringify({ t: 'req', id: 'r1', op: 'undivert', args: { person: ANNA } }));
  await waitFor(() => replies.some((r) => r.id === 'r1'), 'an answer to the request');
  const refused = replies.find((r) => r.id === 'r1')!;
  assert.is(refused.ok, false);
  assert.is(!refused.ok && refused.error.code, 'offline', 'refused at once, not queued');

  await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
  hub = await spawnCli(hubArgs, /omstil hub is up/);
  // the truth moves on the moment the hub is back, before the device has reconnected
  const token = readFileSync(tokenFile!, 'utf8').trim();
  const put = await fetch(`http://127.0.0.1:${apiPort}${ADMIN_API_PREFIX}/people/${ANNA}/diversion`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ target: 'bo-larsen' }) });
  assert.is(put.status, 200, await put.text());
  await waitFor(() => last()?.connected && last()?.me?.ownDiversion?.to === 'bo-larsen', 'the device to reconnect by itself and show the diversion made meanwhile', 15_000);
  const h = await health();
  assert.equal([h.state, h.link.reconnects], ['ok', 1]);
  assert.ok(existsSync(path.join(dir, 'log', 'omstil-firmware.log')), 'it logged to its log folder');
  assert.match(readFileSync(path.join(dir, 'log', 'omstil-firmware.log'), 'utf8'), /connection to the hub lost/);
  screen.close();
  fw.kill('SIGTERM');
  assert.is(await run.exited, 0, 'a clean stop on SIGTERM');
});

e2e.run();
