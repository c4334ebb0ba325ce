/**
 * The hub's OTA service over the admin API and a real embedded broker, with devices that speak
 * the protocol by hand (scripted-device.ts): a canary then everyone, the fleet view's progress,
 * a halt when the canary refuses, refused uploads (tampered, unsigned, wrong key, no key), bad
 * payloads that change nothing, and a hub restart in the middle of a rollout.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../broker/config.js';
import { Directory, type DirectoryData } from '../../../broker/directory/directory.js';
import { startHubService, type HubService } from '../../../broker/main.js';
import { buildImage, encodeUnsigned } from '../../../firmware/image/image-format.js';
import { readPrivateKey, writeKeyPair } from '../../../firmware/image/image-keys.js';
import { memoryLogger } from '../../../protocol/index.js';
import type { FleetList } from '../../../protocol/fleet.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';
import { tempDir } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';
import { ScriptedDevice } from './scripted-device.js';
import type { RolloutDetail } from '../../../broker/ota/ota-service.js';

const test = suite('broker/ota/ota-service');

const keyDir = tempDir('omstil-ota-key-');
writeKeyPair(keyDir);
const privateKey = readPrivateKey(keyDir);

/** The demo municipality with only its first `n` phones as devices. */
function smallDirectory(n: number): Directory {
  const data = demoDirectory({ peoplePerDept: 1, kiosks: 0 }) as DirectoryData;
  return Directory.parse({ ...data, devices: data.devices.filter((d) => d.kind === 'phone').slice(0, n) });
}

function image(version: string, kind: 'phone' | 'kiosk' | 'any' = 'phone', bytes = 200_000): Buffer {
  return buildImage({ payload: randomBytes(bytes), version, kind, privateKey }).bytes;
}

interface Sys {
  hub: HubService;
  api: string;
  token: string;
  dataDir: string;
  logger: ReturnType<typeof memoryLogger>;
}

async function startHub(directory: Directory, opts: { dataDir?: string; key?: boolean } = {}): Promise<Sys> {
  const dataDir = opts.dataDir ?? tempDir();
  const logger = memoryLogger('info');
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: null, apiPort: 0, dataDir, sync: 'normal', ...(opts.key === false ? {} : { otaPublicKey: path.join(keyDir, 'omstil-signing.pub') }) } });
  const hub = await startHubService(config, { logger, directory, ota: { tickMs: 50, flushMs: 50, minFinished: 2 } });
  return { hub, api: hub.api!.url, token: readFileSync(hub.adminTokenFile!, 'utf8').trim(), dataDir, logger };
}

async function call(sys: Sys, method: string, p: string, body?: Buffer): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sys.api}${p}`, { method, headers: { authorization: `Bearer ${sys.token}`, ...(body ? { 'content-type': 'application/octet-stream' } : {}) }, ...(body ? { body: new Uint8Array(body) } : {}) });
  return { status: res.status, body: await res.json() };
}

async function devicesUp(sys: Sys, dir: Directory, outcome: (i: number) => ScriptedDevice['outcome'] = () => 'confirm'): Promise<ScriptedDevice[]> {
  const devs = [...dir.devices.values()].map((d, i) => new ScriptedDevice(sys.hub.mqttUrl, d.id, d.kind, outcome(i)));
  // issue 10: each device its own token (the hub requires them by default)
  for (const d of devs) d.token = sys.hub.credentials!.issue(d.deviceId).token;
  await Promise.all(devs.map((d) => d.start()));
  // the OTA service has seen every birth
  await waitFor(() => (sys.hub.hub.fleet.snapshot(new Date()).summary.online === devs.length ? true : null), 'births');
  await new Promise((r) => setTimeout(r, 100));
  return devs;
}

async function untilFinal(sys: Sys, id: string, states: string[] = ['completed', 'halted'], timeoutMs = 15_000): Promise<RolloutDetail> {
  return waitFor(async () => {
    const r = await call(sys, 'GET', `/ota/rollouts/${id}`);
    return states.includes(r.body.state) ? (r.body as RolloutDetail) : null;
  }, `rollout ${id} in ${states.join('/')}`, timeoutMs, 50);
}

test('a canary of 50 %, then everyone: every device confirms; the fleet view shows it', async () => {
  const dir = smallDirectory(4);
  const sys = await startHub(dir);
  const devs = await devicesUp(sys, dir);
  try {
    const img = image('0.2.0');
    const post = await call(sys, 'POST', '/ota/rollouts?canary=50&then=100', img);
    assert.is(post.status, 200, JSON.stringify(post.body));
    assert.equal(post.body.stages, [50, 100]);
    assert.equal(post.body.stageEnds, [2, 4]);
    const id = post.body.id as string;
    const done = await untilFinal(sys, id);
    assert.is(done.state, 'completed', done.haltedReason ?? '');
    assert.is(done.counts.confirmed, 4);
    assert.is(done.stage, 1);
    // the canary went first: the last two were offered only after the first two confirmed
    const order = done.devices.slice().sort((a, b) => Date.parse(a.offeredAt!) - Date.parse(b.offeredAt!));
    assert.ok(order.length === 4);
    for (const d of devs) assert.is(d.fw, '0.2.0');
    const list = await waitFor(async () => {
      const res = await fetch(`${sys.api}/devices`, { headers: { authorization: `Bearer ${sys.token}` } });
      const l = (await res.json()) as FleetList;
      return l.devices.every((d) => d.fw === '0.2.0' && d.update?.state === 'confirmed') ? l : null;
    }, 'the fleet view shows the new firmware');
    assert.is(list.devices.length, 4);
    // the image is kept beside the database, by its SHA-256
    assert.ok(readFileSync(path.join(sys.dataDir, 'ota', `${done.image.sha256}.omstil`)).equals(img));
    const all = await call(sys, 'GET', '/ota/rollouts');
    assert.is(all.body.length, 1);
    // 64 KiB chunks = 13 per 200 KB image: each device got each chunk once
    for (const d of devs) assert.ok(d.chunksReceived >= Math.ceil(img.length / 16384));
  } finally {
    await Promise.all(devs.map((d) => d.stop()));
    await sys.hub.stop();
    rmSync(sys.dataDir, { recursive: true, force: true });
  }
});

test('the canary refuses the image: the rollout halts by itself and the rest are never offered', async () => {
  const dir = smallDirectory(6);
  const sys = await startHub(dir);
  const devs = await devicesUp(sys, dir, () => 'refuse');
  try {
    const post = await call(sys, 'POST', '/ota/rollouts?canary=34&then=100&maxFailureRate=20%25', image('0.3.0'));
    assert.is(post.status, 200, JSON.stringify(post.body));
    const done = await untilFinal(sys, post.body.id);
    assert.is(done.state, 'halted');
    assert.match(done.haltedReason!, /stage 1/);
    assert.is(done.stage, 0);
    assert.ok(done.counts.refused >= 1);
    const offered = devs.filter((d) => d.offers.length > 0).length;
    assert.ok(offered <= 3, `only the canary (3 of 6) was offered, not ${offered}`);
    assert.ok(done.devices.filter((d) => d.state === 'cancelled').length >= 3);
  } finally {
    await Promise.all(devs.map((d) => d.stop()));
    await sys.hub.stop();
    rmSync(sys.dataDir, { recursive: true, force: true });
  }
});

test('uploads are checked with the hub key: tampered, unsigned, wrong key → 422 with the code; no key → 503; a second while one runs → 409', async () => {
  const dir = smallDirectory(2);
  const sys = await startHub(dir);
  const noKey = await startHub(dir, { key: false });
  try {
    const good = image('0.2.0');
    const tampered = Buffer.from(good);
    tampered[tampered.length - 200]! ^= 0xff;
    const r1 = await call(sys, 'POST', '/ota/rollouts', tampered);
    assert.is(r1.status, 422);
    assert.is(r1.body.error.code, 'bad-signature');
    const other = generateKeyPairSync('ed25519').privateKey;
    const r2 = await call(sys, 'POST', '/ota/rollouts', buildImage({ payload: randomBytes(1000), version: '0.2.0', kind: 'any', privateKey: other }).bytes);
    assert.is(r2.status, 422);
    assert.is(r2.body.error.code, 'wrong-key');
    const signed = buildImage({ payload: randomBytes(1000), version: '0.2.0', kind: 'any', privateKey });
    const r3 = await call(sys, 'POST', '/ota/rollouts', encodeUnsigned(signed.manifest, randomBytes(1000)));
    assert.is(r3.status, 422);
    assert.is(r3.body.error.code, 'unsigned');
    const r4 = await call(sys, 'POST', '/ota/rollouts', Buffer.from('not an image'));
    assert.is(r4.status, 422);
    assert.is(r4.body.error.code, 'image-magic');
    const r5 = await call(noKey, 'POST', '/ota/rollouts', good);
    assert.is(r5.status, 503);
    assert.is(r5.body.error.code, 'ota-no-key');
    const r6 = await call(sys, 'POST', '/ota/rollouts?canary=0', good);
    assert.is(r6.status, 400);
    assert.is(r6.body.error.code, 'ota-bad-stages');
    const r7 = await call(sys, 'POST', '/ota/rollouts', image('0.2.0', 'kiosk'));
    assert.is(r7.status, 422, 'no kiosk in this directory');
    assert.is(r7.body.error.code, 'ota-no-devices');
    // no device is online: the rollout waits (running) and a second one is refused until it is halted
    const ok = await call(sys, 'POST', '/ota/rollouts', good);
    assert.is(ok.status, 200);
    const again = await call(sys, 'POST', '/ota/rollouts', good);
    assert.is(again.status, 409);
    assert.is(again.body.error.code, 'ota-rollout-running');
    const halted = await call(sys, 'POST', `/ota/rollouts/${ok.body.id}/halt`);
    assert.is(halted.status, 200);
    assert.is(halted.body.state, 'halted');
    assert.is((await call(sys, 'POST', `/ota/rollouts/${ok.body.id}/halt`)).status, 409);
    assert.is((await call(sys, 'GET', '/ota/rollouts/no-such')).status, 404);
    const noAuth = await fetch(`${sys.api}/ota/rollouts`);
    assert.is(noAuth.status, 401);
  } finally {
    await sys.hub.stop();
    await noKey.hub.stop();
    rmSync(sys.dataDir, { recursive: true, force: true });
    rmSync(noKey.dataDir, { recursive: true, force: true });
  }
});

test('bad wants and reports change nothing and crash nothing; a foreign job is ignored', async () => {
  const dir = smallDirectory(2);
  const sys = await startHub(dir);
  const devs = await devicesUp(sys, dir, (i) => (i === 0 ? 'silent-after-download' : 'confirm'));
  try {
    const [a] = devs as [ScriptedDevice];
    await a.publishRaw('want', 'not json');
    await a.publishRaw('want', JSON.stringify({ job: 'no-such-job', bitmap: 'AQ==' }));
    await a.publishRaw('progress', JSON.stringify({ job: 'x' }));
    await a.publishRaw('progress', JSON.stringify({ job: 'no-such-job', state: 'failed', done: 0, total: 0, running: '0.1.0', error: null, at: new Date().toISOString() }));
    await a.publishRaw('progress', Buffer.from([0xff, 0x00]));
    const post = await call(sys, 'POST', '/ota/rollouts', image('0.2.0'));
    const id = post.body.id as string;
    await waitFor(() => (a.offers.length ? true : null), 'the offer');
    // a bitmap with a bit past the last chunk is ignored
    await a.publishRaw('want', JSON.stringify({ job: id, bitmap: Buffer.alloc(40, 0xff).toString('base64') }));
    const r = await waitFor(async () => {
      const x = (await call(sys, 'GET', `/ota/rollouts/${id}`)).body as RolloutDetail;
      return x.counts.confirmed === 1 && x.counts.verifying === 1 ? x : null;
    }, 'one confirmed, one verifying');
    assert.is(r.state, 'running');
    assert.ok(sys.logger.records.some((l) => /unknown job/.test(l.msg)));
    assert.ok(sys.logger.records.some((l) => /unreadable ota progress/.test(l.msg)));
    await waitFor(() => sys.logger.records.some((l) => /bad bitmap/.test(l.msg)), 'the bad bitmap logged');
  } finally {
    await Promise.all(devs.map((d) => d.stop()));
    await sys.hub.stop();
    rmSync(sys.dataDir, { recursive: true, force: true });
  }
});

test('a hub restart in the middle of a rollout: it carries on from the store; a device that was away gets the offer at its birth', async () => {
  const dir = smallDirectory(3);
  const sys = await startHub(dir);
  const devs = await devicesUp(sys, dir, (i) => (i === 0 ? 'silent-after-download' : 'confirm'));
  const late = new ScriptedDevice('', 'x', 'phone');
  try {
    await devs[2]!.stop(); // offline when the rollout starts
    await waitFor(() => (sys.hub.hub.fleet.snapshot(new Date()).summary.online === 2 ? true : null), 'one offline');
    const post = await call(sys, 'POST', '/ota/rollouts', image('0.2.0'));
    const id = post.body.id as string;
    await waitFor(async () => ((await call(sys, 'GET', `/ota/rollouts/${id}`)).body.counts.confirmed === 1 ? true : null), 'one confirmed');
    await Promise.all(devs.slice(0, 2).map((d) => d.stop()));
    await sys.hub.stop();
    // the same data dir: a new hub (new broker port) reads the rollout back
    const again = await startHub(dir, { dataDir: sys.dataDir });
    try {
      const back = (await call(again, 'GET', `/ota/rollouts/${id}`)).body as RolloutDetail;
      assert.is(back.counts.confirmed, 1);
      assert.is(back.counts.verifying, 1);
      assert.is(back.counts.pending, 1);
      const d2 = new ScriptedDevice(again.hub.mqttUrl, devs[2]!.deviceId, 'phone', 'confirm');
      d2.token = devs[2]!.token; // the store kept its credential across the restart
      Object.assign(late, d2);
      await d2.start();
      const done = await waitFor(async () => {
        const x = (await call(again, 'GET', `/ota/rollouts/${id}`)).body as RolloutDetail;
        return x.counts.confirmed === 2 ? x : null;
      }, 'the late device confirmed');
      assert.is(done.devices.find((d) => d.deviceId === d2.deviceId)!.state, 'confirmed');
      await d2.stop();
    } finally {
      await again.hub.stop();
    }
  } finally {
    rmSync(sys.dataDir, { recursive: true, force: true });
  }
});

test.after(() => rmSync(keyDir, { recursive: true, force: true }));
test.run();
