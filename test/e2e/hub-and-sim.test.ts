/**
 * `omstil hub` and `omstil sim` as separate processes, on a directory file written by
 * `omstil demo-directory`: the simulated devices come up, announce themselves (birth),
 * serve their screens, and are marked offline by their Will when their process dies.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DeviceStatus, decodeJson, filters } from '../../protocol/index.js';
import { freePort, killHard, ROOT, spawnCli } from '../support/hub-process.js';
import { tempDir } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const t = suite('e2e/hub-and-sim');
const dir = tempDir();
const procs: Awaited<ReturnType<typeof spawnCli>>[] = [];

t.after(async () => {
  for (const p of procs) await killHard(p.child);
  rmSync(dir, { recursive: true, force: true });
});

t('hub and sim in their own processes; birth, screens and Will', async () => {
  const file = path.join(dir, 'directory.json');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli/omstil.ts'), 'demo-directory', '--people-per-dept', '2', '--kiosks', '1', '--out', file]);
  const data = JSON.parse(readFileSync(file, 'utf8')) as { devices: { id: string }[] };
  assert.is(data.devices.length, 15 * 2 + 1, 'the file lists every device');

  const [mqttPort, httpPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const hub = await spawnCli(['hub', '--directory', file, '--mqtt-port', String(mqttPort), '--no-ws-port', '--api-port', String(apiPort), '--data-dir', path.join(dir, 'data'), '--log-level', 'warn'], /omstil hub is up/);
  procs.push(hub);
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  // issue 10: the hub requires each device's token; `omstil sim` gets them through the admin API with the admin token in the hub's data dir
  const sim = await spawnCli(['sim', '--directory', file, '--mqtt-url', mqttUrl, '--http-port', String(httpPort), '--phones', '3', '--kiosks', '1', '--api', `http://127.0.0.1:${apiPort}`, '--data-dir', path.join(dir, 'data'), '--log-level', 'warn'], /omstil sim is up: 3 phones, 1 kiosks/);
  procs.push(sim);

  // every simulated device announced itself on its retained status topic (birth)
  const observer = await mqtt.connectAsync(mqttUrl, { clientId: 'test-observer', reconnectPeriod: 0 });
  const status = new Map<string, boolean>();
  observer.on('message', (topic, payload) => {
    const d = decodeJson(DeviceStatus, payload.toString());
    if (d.ok) status.set(topic.split('/')[3]!, d.value.online);
  });
  await observer.subscribeAsync(filters.allDeviceStatus, { qos: 1 });
  await waitFor(() => [...status.values()].filter(Boolean).length === 4, 'four devices online');

  // their screens are served
  const index = await (await fetch(`http://127.0.0.1:${httpPort}/`)).text();
  const phoneId = data.devices[0]!.id;
  assert.match(index, new RegExp(`/phone/${phoneId}`));
  const page = await fetch(`http://127.0.0.1:${httpPort}/phone/${phoneId}`);
  assert.is(page.status, 200);
  assert.match(await page.text(), /omstil-ui\.js/);
  assert.is((await fetch(`http://127.0.0.1:${httpPort}/phone/no-such-device`)).status, 404);

  // the sim dies: the broker publishes each device's Will
  await killHard(sim.child);
  await waitFor(() => [...status.values()].every((online) => !online), 'every device marked offline by its Will', 10_000);
  await observer.endAsync(true);
});

t('issue 10: omstil sim without the admin token stops at once and says how to give it', async () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli/omstil.ts'), 'sim', '--mqtt-url', 'mqtt://127.0.0.1:1', '--phones', '1', '--kiosks', '0', '--data-dir', path.join(dir, 'no-such-hub')], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, OMSTIL_ADMIN_TOKEN: '' } });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /the simulated devices need tokens from the hub: cannot read the admin token in \S*no-such-hub\/admin-token/);
  assert.match(r.stderr, /--no-provision/);
});

t.run();
