/**
 * Issue 10, scale-out: two `omstil hub` processes on one PostgreSQL database and one external
 * Mosquitto (its logins and ACLs kept by the hub through the dynamic-security plugin). One is
 * active; the other waits on the database's advisory lock, listening on nothing and writing
 * nothing, so no change is processed twice. When the active hub is killed (`kill -9`), the
 * standby takes over, and the devices, still connected to Mosquitto, are served by it:
 * nothing acknowledged before the kill is lost, and every request after it is carried out once.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Directory } from '../../broker/directory/directory.js';
import { PostgresStore } from '../../broker/store/postgres-store.js';
import { DeviceCore } from '../../firmware/device-core.js';
import { ADMIN_API_PREFIX, silentLogger, systemClock } from '../../protocol/index.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { fetchFleetTokens, loginsFor } from '../../simulator/fleet-credentials.js';
import { freePort, killHard, ROOT } from '../support/hub-process.js';
import { startMosquitto, type MosquittoServer } from '../support/mosquitto.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { tempDir } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const t = suite('e2e/two-hubs');

let pg: TestPostgres | null = null;
let mq: MosquittoServer | null = null;
let dbUrl = '';
const adminToken = randomBytes(24).toString('base64url');
const dirs: string[] = [];
const hubs: HubProc[] = [];
const cores: DeviceCore[] = [];
const directory = Directory.parse(demoDirectory(), 'built-in demo directory');

interface HubProc {
  name: string;
  child: ChildProcess;
  apiPort: number;
  out: () => string;
}

/** `omstil hub` (from source) with its config in a file: PostgreSQL store, Mosquitto, one admin token for both. */
async function spawnHub(name: string): Promise<HubProc> {
  const dataDir = tempDir(`omstil-${name}-`);
  dirs.push(dataDir);
  const apiPort = await freePort();
  const config = path.join(dataDir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({ store: dbUrl, mqttUrl: mq!.mqttUrl, mqttPassword: mq!.hubPassword, mqttAdmin: 'mosquitto-dynsec', adminToken, apiPort, dataDir, logLevel: 'info', sync: 'normal' }),
    { mode: 0o600 },
  );
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli/omstil.ts'), 'hub', '--config', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const h = { name, child, apiPort, out: () => out };
  hubs.push(h);
  return h;
}

const isUp = (h: HubProc) => /omstil hub is up/.test(h.out());

async function admin(h: HubProc, method: string, p: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${h.apiPort}${ADMIN_API_PREFIX}${p}`, { method, headers: { authorization: `Bearer ${adminToken}` } });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** The journal as the database holds it (a store of our own, as `omstil report` would open one). */
function journalOps(): { op: string; actor: string }[] {
  const store = new PostgresStore({ url: dbUrl });
  try {
    return store.journal(10_000).reverse().map((e) => ({ op: e.op, actor: e.actor })); // newest first, so reversed
  } finally {
    store.close();
  }
}

// two colleagues in one department with phones, and a kiosk
const anna = [...directory.people.values()].find((p) => p.preferred.length && directory.devicesOfPerson(p.id).length && directory.devicesOfPerson(p.preferred[0]!).length)!;
const colleague = anna.preferred[0]!;
const phoneA = directory.devicesOfPerson(anna.id)[0]!.id;
const kioskId = [...directory.devices.values()].find((d) => d.kind === 'kiosk')!.id;

t.before(async () => {
  pg = await startPostgres('two hubs on one PostgreSQL database');
  if (!pg) return;
  mq = await startMosquitto('two hubs on one Mosquitto');
  if (!mq) return;
  dbUrl = await pg.createDatabase('two_hubs');
});

t.after(async () => {
  for (const c of cores) await c.stop().catch(() => {});
  for (const h of hubs) await killHard(h.child);
  await mq?.stop();
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

t('one hub is active, the second stands by; a kill -9 hands over; nothing is lost or done twice', async () => {
  if (!pg || !mq) return; // skipped, and said why
  const first = await spawnHub('first');
  await waitFor(() => isUp(first) || null, 'the first hub to be up', 30_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${first.out()}`);
  });
  const second = await spawnHub('second');
  await waitFor(() => /standing by/.test(second.out()) || null, 'the second hub to stand by', 30_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${second.out()}`);
  });
  // the standby opens nothing: no admin API, not "up"
  assert.not.ok(isUp(second), second.out());
  const standbyApi = await fetch(`http://127.0.0.1:${second.apiPort}${ADMIN_API_PREFIX}/devices`).then(
    (r) => r.status,
    () => 'refused',
  );
  assert.is(standbyApi, 'refused', 'the standby has no admin API');

  // devices provisioned through the active hub (as `omstil sim` is) log in to Mosquitto with their own tokens
  const login = loginsFor(await fetchFleetTokens({ apiBase: `http://127.0.0.1:${first.apiPort}${ADMIN_API_PREFIX}`, adminToken, deviceIds: [phoneA, kioskId] }));
  for (const [id, kind] of [[phoneA, 'phone'], [kioskId, 'kiosk']] as const) {
    const core = new DeviceCore({ deviceId: id, kind, mqttUrl: mq.mqttUrl, clock: systemClock, logger: silentLogger, mqttOptions: login(id)!, reconnect: { minMs: 200, maxMs: 1000 } });
    cores.push(core);
    await core.start();
  }
  const [phone, kiosk] = cores as [DeviceCore, DeviceCore];
  await waitFor(() => phone.mirror.me ?? null, 'the phone to see its own state', 15_000);

  const divert = await phone.request('divert', { target: colleague });
  assert.ok(divert.ok, JSON.stringify(divert));
  await waitFor(() => (kiosk.mirror.people.get(anna.id)?.diversion?.to === colleague) || null, 'the kiosk to show the diversion', 15_000);
  // only the active hub did it: one journal entry for the one press
  assert.is(journalOps().filter((e) => e.op === 'divert' && e.actor === phoneA).length, 1);

  // kill -9 the active hub: its lock's connection dies with it, the standby takes over
  const killedAt = performance.now();
  await killHard(first.child);
  await waitFor(() => isUp(second) || null, 'the second hub to take over', 30_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${second.out()}`);
  });
  const takeoverMs = performance.now() - killedAt;
  process.stdout.write(`\n  two-hubs: the standby was up ${Math.round(takeoverMs)} ms after the kill\n`);

  // nothing acknowledged is lost: the new hub has the diversion
  const person = await admin(second, 'GET', `/people/${anna.id}`);
  assert.is(person.status, 200);
  assert.is((person.json.ownDiversion as { to: string } | null)?.to, colleague);

  // the devices, still on Mosquitto, are served by the new hub: the undivert is done once
  const undivert = await waitFor(async () => {
    const r = await phone.request('undivert', {});
    return r.ok ? r : null;
  }, 'the new hub to answer the phone', 20_000, 500);
  assert.ok(undivert.ok);
  await waitFor(() => (kiosk.mirror.people.get(anna.id) && kiosk.mirror.people.get(anna.id)!.diversion === null) || null, 'the kiosk to show the diversion ended', 15_000);
  const ops = journalOps().filter((e) => e.actor === phoneA);
  assert.equal(ops.map((e) => e.op), ['divert', 'undivert'], 'each request carried out exactly once');
});

t.run();
