/**
 * kill -9 of the hub with a diversion active, then a restart: the diversion is still in
 * force and every device shows it again without manual steps.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { Directory } from '../../broker/directory/directory.js';
import { memoryLogger, systemClock } from '../../protocol/index.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { SimFleet } from '../../simulator/sim-fleet.js';
import { freePort, killHard, spawnCli } from '../support/hub-process.js';
import { fleetLoginsFromHub } from '../support/fleet-tokens.js';
import { tempDir } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const crash = suite('e2e/crash-restart');
const dataDir = tempDir();
const directory = Directory.parse(demoDirectory()); // what `omstil hub` loads by default
let fleet: SimFleet | null = null;
let late: SimFleet | null = null;
let hubProc: Awaited<ReturnType<typeof spawnCli>> | null = null;

crash.after(async () => {
  await fleet?.stop();
  await late?.stop();
  if (hubProc) await killHard(hubProc.child);
  rmSync(dataDir, { recursive: true, force: true });
});

crash('a diversion survives kill -9 of the hub and every device shows it again', async () => {
  const [port, apiPort] = [await freePort(), await freePort()];
  const args = ['hub', '--mqtt-port', String(port), '--no-ws-port', '--api-port', String(apiPort), '--data-dir', dataDir, '--log-level', 'warn'];
  hubProc = await spawnCli(args, /omstil hub is up/);
  const mqttUrl = `mqtt://127.0.0.1:${port}`;
  const a = directory.data.people[0]!;
  const b = a.preferred[0]!;
  // issue 10: each device its own token, from the hub's admin API (they outlive the kill: the store keeps them)
  const deviceMqttOptions = await fleetLoginsFromHub({ apiPort, dataDir, directory, pick: { phones: 2, kiosks: 1 }, extra: ['kiosk-2'] });
  fleet = new SimFleet({ directory, mqttUrl, clock: systemClock, logger: memoryLogger('warn'), phones: 2, kiosks: 1, deviceMqttOptions });
  await fleet.start();
  const phoneA = fleet.core(`phone-${a.id}`);
  const phoneB = fleet.core(`phone-${b}`);
  const kiosk = fleet.kiosks[0]!;
  await waitFor(() => phoneA.mirror.me && phoneB.mirror.me, 'phones to show their state');

  await phoneA.call('divert', { target: b }); // acknowledged = committed
  await waitFor(() => kiosk.mirror.people.get(a.id)?.diversion?.to === b, 'kiosk to show the diversion');

  await killHard(hubProc.child);
  await waitFor(() => !phoneA.connected && !kiosk.connected, 'devices to notice the hub is gone');
  assert.is(kiosk.view().connected, false, 'the screen says the connection is lost');
  const killedAt = new Date().toISOString();

  hubProc = await spawnCli(args, /omstil hub is up/);
  // the same devices reconnect by themselves and get the truth again from retained topics
  for (const core of [phoneA, phoneB, kiosk]) {
    await waitFor(() => core.connected && core.view().connected && core.mirror.asOf! > killedAt, `${core.deviceId} to reconnect and hear from the new hub`, 15_000);
  }
  await waitFor(() => kiosk.mirror.people.get(a.id)?.diversion?.to === b, 'kiosk to show the diversion again');
  assert.is(phoneA.mirror.me?.ownDiversion?.status, 'active');
  await waitFor(() => phoneB.mirror.me?.incoming.some((i) => i.from === a.id), 'B to be told again');

  // a device that connects only now sees it too: the truth came from the database, not from memory
  late = new SimFleet({ directory, mqttUrl, clock: systemClock, logger: memoryLogger('warn'), only: ['kiosk-2'], deviceMqttOptions });
  await late.start();
  const fresh = late.core('kiosk-2');
  const shown = await waitFor(() => fresh.mirror.people.get(a.id)?.diversion, 'a new kiosk to show the diversion');
  assert.is(shown.to, b);

  // and the restarted hub acts on it: B can still decline it
  await phoneB.call('decline-diversion', { from: a.id });
  await waitFor(() => fresh.mirror.people.get(a.id)?.diversion === null, 'the decline to reach the new kiosk');
});

crash.run();
