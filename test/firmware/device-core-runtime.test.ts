/**
 * The device runtime on its own against a real MQTT broker (Aedes on a loopback port) with the
 * test standing in for the hub: reconnect delays with backoff and jitter, reconnecting by
 * itself after the broker was gone, refusing requests while offline, and a resync when live
 * updates skip revisions.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Aedes } from 'aedes';
import * as mqttPacket from 'mqtt-packet';
import mqtt, { type MqttClient } from 'mqtt';
import net from 'node:net';
import { DeviceCore, RECONNECT_PLATEAU } from '../../firmware/device-core.js';
import { Backoff } from '../../firmware/runtime/backoff.js';
import { buildTopic, memoryLogger, systemClock, type DeviceConfig } from '../../protocol/index.js';
import { own, person } from '../device-ui/fixtures.js';
import { freePort } from '../support/hub-process.js';
import { sleep, waitFor } from '../support/wait.js';

const t = suite('firmware/device-core-runtime');

t('backoff: delays grow exponentially up to the ceiling, with jitter, and start over after a success', () => {
  let r = 0.999;
  const b = new Backoff({ minMs: 1000, maxMs: 30_000, random: () => r });
  const top = Array.from({ length: 8 }, () => b.next());
  // the top of each window: 1 s, 2 s, 4 s … capped at 30 s
  assert.equal(top.map((d) => Math.round(d / 100) * 100), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  r = 0;
  assert.is(b.next(), 500, 'never below half the first delay');
  b.reset();
  r = 0.999;
  assert.is(Math.round(b.next() / 100) * 100, 1000, 'after a success, the short delay again');
  // a thousand devices that lost the hub together spread their second attempt over the window
  const spread = new Set(Array.from({ length: 1000 }, () => Math.floor(new Backoff({ minMs: 1000, maxMs: 30_000 }).next() / 100)));
  assert.ok(spread.size >= 5, `attempts spread over ${spread.size} 100 ms slots`);
});

t('backoff: a plateau keeps the first window for that many attempts, then it doubles as before', () => {
  const b = new Backoff({ minMs: 1000, maxMs: 30_000, plateau: 3, random: () => 0.999 });
  const top = Array.from({ length: 8 }, () => Math.round(b.next() / 100) * 100);
  assert.equal(top, [1000, 1000, 1000, 1000, 2000, 4000, 8000, 16000]);
  b.reset();
  assert.is(Math.round(b.next() / 100) * 100, 1000);
  // the device's default: a hub restart of ~9 s is waited out in steps of at most 1 s
  const d = new Backoff({ minMs: 1000, maxMs: 30_000, plateau: RECONNECT_PLATEAU, random: () => 0.999 });
  let waited = 0;
  let longest = 0;
  while (waited < 9000) {
    const next = d.next();
    longest = Math.max(longest, next);
    waited += next;
  }
  assert.ok(longest <= 1000, `no wait over 1 s in the first 9 s (longest ${longest} ms)`);
});

interface Broker {
  aedes: Aedes;
  port: number;
  close(): Promise<void>;
  subscribes: string[];
}

async function startBroker(port: number): Promise<Broker> {
  const aedes = await Aedes.createBroker();
  const subscribes: string[] = [];
  aedes.on('subscribe', (subs, client) => {
    if (client?.id === 'phone-anna') subscribes.push(...subs.map((s) => s.topic));
  });
  const server = net.createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    aedes,
    port,
    subscribes,
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        for (const c of Object.values((aedes as unknown as { clients: Record<string, { close(): void }> }).clients)) c.close();
      });
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}

const config: DeviceConfig = { deviceId: 'phone-anna', kind: 'phone', personId: 'anna', deptId: 'borgerservice', watch: [], preferred: [], staff: [], rev: 1 };
const anna = person('anna');

async function hubStandIn(port: number): Promise<MqttClient> {
  const hub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'hub-stand-in', reconnectPeriod: 0 });
  await hub.publishAsync(buildTopic({ kind: 'hub-status' }), JSON.stringify({ online: true, since: new Date().toISOString() }), { qos: 1, retain: true });
  await hub.publishAsync(buildTopic({ kind: 'device-config', deviceId: 'phone-anna' }), JSON.stringify(config), { qos: 1, retain: true });
  return hub;
}

const publishOwn = (hub: MqttClient, rev: number, extra = {}) =>
  hub.publishAsync(buildTopic({ kind: 'person-own', personId: 'anna' }), JSON.stringify(own({ ...anna, rev }, extra)), { qos: 1, retain: true });

t('the hub goes away: the device says so, refuses requests, reconnects by itself with backoff, and shows the truth again', async () => {
  const port = await freePort();
  let broker = await startBroker(port);
  let hub = await hubStandIn(port);
  await publishOwn(hub, 1);
  const core = new DeviceCore({ deviceId: 'phone-anna', kind: 'phone', mqttUrl: `mqtt://127.0.0.1:${port}`, clock: systemClock, logger: memoryLogger('error'), reconnect: { minMs: 200, maxMs: 1000 }, random: () => 0.99 });
  try {
    await core.start();
    await waitFor(() => core.mirror.me?.rev === 1 && core.view().connected, 'the device to show its state');
    assert.is(core.linkStatus().reconnects, 0);

    await hub.endAsync(true);
    await broker.close();
    await waitFor(() => !core.connected, 'the device to notice');
    assert.is(core.view().connected, false, 'the screen says the connection is lost');
    const offline = await core.request('undivert', { person: 'anna' });
    assert.is(offline.ok, false);
    assert.is(!offline.ok && offline.error.code, 'offline', 'a request while the hub is away is refused, nothing is queued');
    await waitFor(() => core.linkStatus().nextAttemptMs !== null, 'a next attempt to be scheduled');
    const delay = core.linkStatus().nextAttemptMs!;
    // the first step after a loss: in [minMs/2, minMs] (a connect must not use it up)
    assert.ok(delay >= 100 && delay <= 200, `next attempt in ${delay} ms, the first backoff step (100-200 ms)`);

    // the broker comes back with a newer truth than the device has seen
    broker = await startBroker(port);
    hub = await hubStandIn(port);
    await publishOwn(hub, 2, { absenceReason: null, presence: 'in-meeting' });
    await waitFor(() => core.connected && core.mirror.me?.rev === 2, 'the device to reconnect and show the new truth', 10_000);
    assert.is(core.mirror.me?.presence, 'in-meeting');
    const link = core.linkStatus();
    assert.is(link.connected, true);
    assert.is(link.reconnects, 1);
    assert.is(link.nextAttemptMs, null);
  } finally {
    await core.stop();
    await hub.endAsync(true);
    await broker.close();
  }
});

t('a request that timed out is never sent again after a reconnect (it is not queued: the person was told nothing changed)', async () => {
  const port = await freePort();
  // a broker that accepts the device and its subscriptions but never acknowledges a publish (a hub frozen mid-request)
  const got: string[] = [];
  const sockets = new Set<net.Socket>();
  const frozen = net.createServer((socket) => {
    sockets.add(socket);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet: mqttPacket.Packet) => {
      if (packet.cmd === 'connect') socket.write(mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
      else if (packet.cmd === 'subscribe') socket.write(mqttPacket.generate({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map(() => 0) }));
      else if (packet.cmd === 'pingreq') socket.write(mqttPacket.generate({ cmd: 'pingresp' }));
      else if (packet.cmd === 'publish' && packet.topic.endsWith('/req')) got.push(String(packet.payload));
    });
    socket.on('data', (d) => parser.parse(d));
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => frozen.listen(port, '127.0.0.1', () => r()));
  const core = new DeviceCore({ deviceId: 'phone-anna', kind: 'phone', mqttUrl: `mqtt://127.0.0.1:${port}`, clock: systemClock, logger: memoryLogger('error'), reconnect: { minMs: 200, maxMs: 400 }, requestTimeoutMs: 300 });
  let broker: Broker | null = null;
  let hub: MqttClient | null = null;
  try {
    await core.start({ wait: false });
    await waitFor(() => core.connected, 'the device to connect to the frozen broker');
    const res = await core.request('undivert', { person: 'anna' });
    assert.equal(res.ok ? null : res.error.code, 'timeout');
    assert.is(got.length, 1, 'the request left the device once');
    // the frozen hub dies and a working one comes back on the same port; the device reconnects by itself
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => frozen.close(() => r()));
    broker = await startBroker(port);
    const seen: string[] = [];
    const req = buildTopic({ kind: 'device-req', deviceId: 'phone-anna' });
    broker.aedes.on('publish', (packet) => {
      if (packet.topic === req) seen.push(packet.payload.toString());
    });
    hub = await hubStandIn(port);
    await publishOwn(hub, 2);
    await waitFor(() => core.connected && core.mirror.me?.rev === 2, 'the device to reconnect to the working hub', 10_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(seen, [], 'the timed-out request reached the new hub');
  } finally {
    await core.stop();
    await hub?.endAsync(true);
    await broker?.close();
  }
});

t('a live update that skips revisions makes the device resubscribe and take the retained truth; retained ones and consecutive ones do not', async () => {
  const port = await freePort();
  const broker = await startBroker(port);
  const hub = await hubStandIn(port);
  await publishOwn(hub, 5); // retained, first seen after a gap since "nothing": no resync
  const core = new DeviceCore({ deviceId: 'phone-anna', kind: 'phone', mqttUrl: `mqtt://127.0.0.1:${port}`, clock: systemClock, logger: memoryLogger('error') });
  try {
    await core.start();
    await waitFor(() => core.mirror.me?.rev === 5, 'the device to show rev 5');
    await publishOwn(hub, 6);
    await waitFor(() => core.mirror.me?.rev === 6, 'rev 6');
    assert.is(core.linkStatus().resyncs, 0, 'consecutive revisions: nothing lost');
    const ownTopic = buildTopic({ kind: 'person-own', personId: 'anna' });
    const before = broker.subscribes.filter((s) => s === ownTopic).length;

    await publishOwn(hub, 9, { presence: 'away' }); // 7 and 8 never arrived
    await waitFor(() => core.linkStatus().resyncs === 1, 'a resync');
    await waitFor(() => broker.subscribes.filter((s) => s === ownTopic).length === before + 1, 'the device to subscribe to its own topic again');
    assert.is(core.mirror.me?.rev, 9);
    assert.is(core.mirror.me?.presence, 'away');
    await publishOwn(hub, 10);
    await waitFor(() => core.mirror.me?.rev === 10, 'updates flow after the resync');
    assert.is(core.linkStatus().resyncs, 1);
  } finally {
    await core.stop();
    await hub.endAsync(true);
    await broker.close();
  }
});

t('start({ wait: false }) returns at once when the hub is not there, and the device connects when it comes', async () => {
  const port = await freePort();
  const core = new DeviceCore({ deviceId: 'phone-anna', kind: 'phone', mqttUrl: `mqtt://127.0.0.1:${port}`, clock: systemClock, logger: memoryLogger('error'), reconnect: { minMs: 200, maxMs: 400 } });
  let broker: Broker | null = null;
  let hub: MqttClient | null = null;
  try {
    await core.start({ wait: false });
    assert.is(core.connected, false);
    await waitFor(() => core.linkStatus().lastError !== null || core.linkStatus().nextAttemptMs !== null, 'a failed first attempt');
    broker = await startBroker(port);
    hub = await hubStandIn(port);
    await publishOwn(hub, 1);
    await waitFor(() => core.connected && core.mirror.me?.rev === 1, 'the device to connect by itself', 10_000);
    assert.is(core.linkStatus().reconnects, 0, 'the first connection is not a reconnect');
  } finally {
    await core.stop();
    await hub?.endAsync(true);
    await broker?.close();
  }
});

t('issue 10: a refused login is retried, on its own slow backoff (a revoked token does not hammer the hub), and a refusal that passes is recovered from', async () => {
  const port = await freePort();
  const broker = await startBroker(port);
  // the broker refuses the device's login until `accept` (a hub restored from a backup, a directory imported again)
  let accept = false;
  const attempts: number[] = [];
  broker.aedes.authenticate = (client, username, password, done) => {
    if (client.id !== 'phone-anna') return done(null, true);
    attempts.push(Date.now());
    if (accept && username === 'phone-anna' && password?.toString() === 'the-token') return done(null, true);
    done(Object.assign(new Error('not authorized'), { returnCode: 5 }) as never, false);
  };
  const hub = await hubStandIn(port);
  const mqttOptions = { username: 'phone-anna', password: 'the-token' };
  // the defaults: after a refusal, the next attempt waits at least 30 s (1 min with full jitter, floor half of it)
  const slow = new DeviceCore({ deviceId: 'phone-anna', kind: 'phone', mqttUrl: `mqtt://127.0.0.1:${port}`, clock: systemClock, logger: memoryLogger('silent'), mqttOptions, reconnect: { minMs: 50, maxMs: 100 } });
  try {
    await slow.start({ wait: false });
    await waitFor(() => slow.linkStatus().lastError?.startsWith('Connection refused'), 'the refusal');
    await waitFor(() => slow.linkStatus().nextAttemptMs !== null, 'the next attempt to be planned');
    assert.ok(slow.linkStatus().nextAttemptMs! >= 30_000, `the first retry after a refusal waits ${slow.linkStatus().nextAttemptMs} ms, at least 30 s (not the lost link's 50-100 ms)`);
    await sleep(600);
    assert.is(attempts.length, 1, 'no second login within 600 ms although a lost link would retry every 50-100 ms');
  } finally {
    await slow.stop();
  }
  attempts.length = 0;
  // tuned down: it keeps trying, each delay within the refused window, and gets in once the refusal has passed
  const core = new DeviceCore({ deviceId: 'phone-anna', kind: 'phone', mqttUrl: `mqtt://127.0.0.1:${port}`, clock: systemClock, logger: memoryLogger('silent'), mqttOptions, reconnect: { minMs: 10, maxMs: 20 }, refusedRetry: { minMs: 200, maxMs: 400 } });
  try {
    await core.start({ wait: false });
    await waitFor(() => attempts.length >= 3, 'three refused logins', 5000);
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!);
    assert.ok(gaps.every((g) => g >= 90), `refused logins ${gaps.join(', ')} ms apart: at least the refused backoff's floor (100 ms), not the lost link's 10-20 ms`);
    assert.is(core.connected, false);
    accept = true;
    await waitFor(() => core.connected, 'the device to get in once the hub accepts it', 5000);
    await waitFor(() => core.mirror.config?.rev === 1, 'its config');
  } finally {
    await core.stop();
    await hub.endAsync(true);
    await broker.close();
  }
});

t.run();
