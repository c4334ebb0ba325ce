/**
 * Issue 10: one broker contract, run against every broker the hub supports (MQTT.js runs its
 * store tests against every store the same way): the embedded Aedes
 * (test/e2e/broker-contract-aedes.test.ts) and a real Mosquitto whose logins and ACLs the hub
 * keeps through the dynamic-security plugin (test/e2e/broker-contract-mosquitto.test.ts).
 *
 * Each case runs the real hub (startHubService) and real device cores (firmware/device-core.ts)
 * with tokens from `hub.credentials.issue(id)`; raw MQTT.js clients stand in for a device that
 * tries what its firmware never would (`#`, another person's own topic, another device's req).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { buildTopic, memoryLogger, type Clock } from '../../protocol/index.js';
import type { HubService } from '../../broker/main.js';
import type { Directory } from '../../broker/directory/directory.js';
import { DeviceCore } from '../../firmware/device-core.js';
import { sleep, waitFor } from './wait.js';

/** A hub on the broker under test. */
export interface BrokerUnderTest {
  hub: HubService;
  directory: Directory;
  /** where devices connect */
  mqttUrl: string;
  clock: Clock;
  /** the hub's log (broker refusals on Aedes) */
  logger: ReturnType<typeof memoryLogger>;
  /** the broker goes down and comes back on the same address; the hub stays up */
  restartBroker(): Promise<void>;
  /** prints the broker's log (when a case fails) */
  printLogs?(why: string): void;
  stop(): Promise<void>;
}

/** Starts the broker and a hub on it; null when the broker is not installed (the suite is skipped, having said why). */
export type BrokerFactory = () => Promise<BrokerUnderTest | null>;

/** A weekday morning: every department inside its phone hours, so a diversion is never refused as off-hours (DV-4). */
export const CONTRACT_START = '2026-11-23T09:30:00+01:00';

export function brokerContract(name: string, factory: BrokerFactory): void {
  const t = suite(`e2e/broker-contract (${name})`);
  let b: BrokerUnderTest | null = null;
  const cores: DeviceCore[] = [];
  const raws: MqttClient[] = [];
  const tokens = new Map<string, string>();
  // the people: a leader and two of their staff (A diverts to C), someone outside their team (O)
  let leader: string, A: string, C: string, O: string, kiosk: string;
  const phoneOf = (person: string) => b!.directory.devicesOfPerson(person)[0]!.id;

  t.before(async () => {
    b = await factory();
    if (!b) return;
    const dir = b.directory;
    const lead = [...dir.people.values()].find((p) => p.role === 'employee' && dir.staffOf(p.id).filter((s) => dir.devicesOfPerson(s.id).length).length >= 2 && dir.devicesOfPerson(p.id).length)!;
    leader = lead.id;
    [A, C] = dir.staffOf(leader).filter((s) => dir.devicesOfPerson(s.id).length).map((s) => s.id) as [string, string];
    // someone outside the team who leads nobody: every own topic but their own is private to them
    O = [...dir.people.values()].find((p) => p.role === 'employee' && p.id !== leader && p.leader !== leader && !dir.staffOf(p.id).length && dir.devicesOfPerson(p.id).length)!.id;
    kiosk = dir.data.devices.find((d) => d.kind === 'kiosk')!.id;
    for (const id of [phoneOf(leader), phoneOf(A), phoneOf(C), phoneOf(O), kiosk]) tokens.set(id, b.hub.credentials!.issue(id, 'admin:contract').token);
    await b.hub.dynsec?.settled();
  });

  t.after.each(async () => {
    await Promise.all(cores.splice(0).map((c) => c.stop()));
    await Promise.all(raws.splice(0).map((c) => c.endAsync(true)));
  });

  t.after(async () => {
    await b?.stop();
  });

  /** Runs a case only when the broker is there; prints the broker's log when it fails. */
  const contract = (title: string, fn: (b: BrokerUnderTest) => Promise<void>) =>
    t(title, async () => {
      if (!b) return;
      try {
        await fn(b);
      } catch (err) {
        b.printLogs?.(`${name}: ${title}`);
        throw err;
      }
    });

  function device(deviceId: string, token = tokens.get(deviceId)): DeviceCore {
    const kind = b!.directory.devices.get(deviceId)!.kind;
    const core = new DeviceCore({
      deviceId,
      kind,
      mqttUrl: b!.mqttUrl,
      clock: b!.clock,
      logger: memoryLogger('silent'),
      reconnect: { minMs: 100, maxMs: 300 },
      // a request sent while the hub is still reconnecting is lost (QoS 0): the next one is tried soon
      requestTimeoutMs: 2000,
      ...(token ? { mqttOptions: { username: deviceId, password: token } } : {}),
    });
    cores.push(core);
    return core;
  }

  /** A device's login on a bare MQTT client, for what its firmware would never try. */
  async function raw(deviceId: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
    const client = await mqtt.connectAsync(b!.mqttUrl, { clientId: deviceId, username: deviceId, password: tokens.get(deviceId)!, reconnectPeriod: 0, clean: true, ...opts });
    raws.push(client);
    return client;
  }

  /** Everything a client receives from now on, by topic. */
  function collect(client: MqttClient): Map<string, string[]> {
    const seen = new Map<string, string[]>();
    client.on('message', (topic, payload) => seen.set(topic, [...(seen.get(topic) ?? []), payload.toString('utf8')]));
    return seen;
  }

  /** Subscribes; a broker that refuses some filters (SUBACK 0x80) is fine: what it grants is what matters. */
  async function subscribe(client: MqttClient, filters: string[]): Promise<number[]> {
    try {
      return (await client.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
    } catch (err) {
      return ((err as { packet?: { granted?: number[] } }).packet?.granted ?? []) as number[];
    }
  }

  const fleetState = (deviceId: string) => b!.hub.hub.fleet.snapshot(b!.clock.now()).devices.find((d) => d.deviceId === deviceId)?.state;

  async function refused(core: DeviceCore): Promise<void> {
    await core.start({ wait: false });
    await waitFor(() => /Not authorized|Bad username or password/i.test(core.linkStatus().lastError ?? ''), `${core.deviceId} to be refused`, 5000);
    assert.is(core.connected, false);
  }

  contract('provisioned devices connect and get their config', async (b) => {
    const all = [phoneOf(leader), phoneOf(A), phoneOf(C), kiosk].map((id) => device(id));
    await Promise.all(all.map((c) => c.start()));
    for (const core of all) {
      const config = await waitFor(() => core.mirror.config, `${core.deviceId}'s config`);
      assert.is(config.deviceId, core.deviceId);
    }
    await waitFor(() => all.every((c) => fleetState(c.deviceId) === 'online'), 'the hub to see them online (births)');
    assert.ok(b.hub.credentials!.status(kiosk)?.issuedAt);
  });

  contract('a divert from a phone reaches the colleague\'s phone and a kiosk; a kiosk that connects later gets it retained', async () => {
    const [a, c, k] = [device(phoneOf(A)), device(phoneOf(C)), device(kiosk)];
    await Promise.all([a, c, k].map((x) => x.start()));
    await waitFor(() => a.mirror.me && c.mirror.me && k.mirror.people.get(A), 'the devices to show their state');
    await a.call('divert', { target: C });
    const incoming = await waitFor(() => c.mirror.me?.incoming.find((i) => i.from === A), 'C to be told (DV-2)');
    assert.is(incoming.from, A);
    assert.is((await waitFor(() => k.mirror.people.get(A)?.diversion, 'the kiosk to show it')).to, C);
    await k.stop();
    const later = device(kiosk);
    await later.start();
    assert.is((await waitFor(() => later.mirror.people.get(A)?.diversion, 'the retained projection on connect')).to, C);
    await a.call('undivert', {});
    await waitFor(() => later.mirror.people.get(A)?.diversion === null, 'the kiosk to drop it');
  });

  contract('a wrong token, no login, or another device\'s login are refused', async () => {
    const phone = phoneOf(A);
    const good = tokens.get(phone)!;
    await refused(device(phone, good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A')));
    await refused(device(phone, ''));
    // the kiosk's client id with the phone's valid login
    const core = new DeviceCore({ deviceId: kiosk, kind: 'kiosk', mqttUrl: b!.mqttUrl, clock: b!.clock, logger: memoryLogger('silent'), reconnect: { minMs: 100, maxMs: 300 }, mqttOptions: { username: phone, password: good } });
    cores.push(core);
    await refused(core);
  });

  contract('PR-2: a phone reads neither another person\'s own topic nor gets it through #; the leader\'s phone gets its staff\'s (PR-4)', async (b) => {
    // every person's own topic is retained: there is something to leak from the start
    const own = buildTopic({ kind: 'person-own', personId: A });
    const nosy = await raw(phoneOf(O));
    const seen = collect(nosy);
    const granted = await subscribe(nosy, ['#', own, 'omstil/v1/person/+/own']);
    const lead = device(phoneOf(leader));
    await lead.start();
    const staffState = await waitFor(() => lead.mirror.staff.get(A), 'the leader\'s phone to get A\'s own state');
    assert.is(staffState.personId, A);
    await sleep(500);
    const mine = new Set([buildTopic({ kind: 'device-config', deviceId: phoneOf(O) }), buildTopic({ kind: 'device-res', deviceId: phoneOf(O) }), buildTopic({ kind: 'person-own', personId: O })]);
    const leaked = [...seen.keys()].filter((topic) => !mine.has(topic) && /\/(own|config|res)$/.test(topic));
    assert.equal(leaked, [], `O's phone got ${leaked.join(', ')} (granted ${granted.join(',')})`);
    assert.not.ok(seen.has(own), 'A\'s own topic never reached O\'s phone');
    // the public side still flows to it: what it may see is not blocked with the rest
    const pub = await raw(kiosk);
    const publicSeen = collect(pub);
    await subscribe(pub, [buildTopic({ kind: 'person-public', personId: A })]);
    await waitFor(() => publicSeen.get(buildTopic({ kind: 'person-public', personId: A })), 'the kiosk to get A\'s public projection');
  });

  contract('a phone\'s publish on another device\'s req topic does nothing', async (b) => {
    const victim = phoneOf(C);
    const res = await raw(victim);
    const replies = collect(res);
    await subscribe(res, [buildTopic({ kind: 'device-res', deviceId: victim })]);
    const byVictim = () => b.hub.store.journal(200).filter((e) => e.actor === victim).length;
    const before = byVictim();
    const attacker = await raw(phoneOf(O));
    // its own request on its own topic reaches the hub: the link works
    const mine = collect(attacker);
    await subscribe(attacker, [buildTopic({ kind: 'device-res', deviceId: phoneOf(O) })]);
    await attacker.publishAsync(buildTopic({ kind: 'device-req', deviceId: phoneOf(O) }), JSON.stringify({ id: 'own-1', op: 'undivert', args: {} }), { qos: 0 });
    await waitFor(() => mine.get(buildTopic({ kind: 'device-res', deviceId: phoneOf(O) })), 'the answer to its own request');
    // the forged one is dropped (Mosquitto) or ends the session (Aedes); either way the hub never sees it
    await attacker.publishAsync(buildTopic({ kind: 'device-req', deviceId: victim }), JSON.stringify({ id: 'forged-1', op: 'divert', args: { target: O } }), { qos: 0 }).catch(() => undefined);
    await sleep(500);
    assert.is(byVictim(), before, 'nothing done in the victim\'s name');
    assert.is(b.hub.hub.record(C)!.diversion, null, 'C is not diverted');
    assert.equal([...replies.keys()], [], 'no answer on the victim\'s res');
  });

  contract('a device\'s Will marks it offline on the hub', async () => {
    const id = phoneOf(C);
    const client = await raw(id, { will: { topic: buildTopic({ kind: 'device-status', deviceId: id }), payload: Buffer.from(JSON.stringify({ online: false, kind: 'phone', fw: 'contract', since: b!.clock.now().toISOString() })), qos: 1, retain: true } });
    client.publish(buildTopic({ kind: 'device-status', deviceId: id }), JSON.stringify({ online: true, kind: 'phone', fw: 'contract', since: b!.clock.now().toISOString() }), { qos: 1, retain: true });
    await waitFor(() => fleetState(id) === 'online', 'the hub to see it online');
    client.stream.destroy(); // the link drops without a DISCONNECT: the broker publishes the Will
    await waitFor(() => fleetState(id) === 'offline', 'the hub to see it offline (its Will)', 5000);
  });

  contract('a revoked device is disconnected at once, cannot reconnect, and the hub sees it offline', async (b) => {
    const id = phoneOf(O);
    const core = device(id);
    await core.start();
    await waitFor(() => fleetState(id) === 'online', 'the hub to see it online');
    b.hub.credentials!.revoke(id, 'admin:contract');
    await waitFor(() => !core.connected, 'the device to be disconnected', 3000);
    await waitFor(() => fleetState(id) === 'offline', 'the hub to see it offline', 3000);
    await waitFor(() => /Not authorized|Bad username or password/i.test(core.linkStatus().lastError ?? ''), 'its reconnect to be refused', 5000);
    await sleep(500);
    assert.is(core.connected, false, 'still off');
  });

  contract('the admin API (omstil provision / revoke) issues a token the broker takes, and revokes it', async (b) => {
    const id = b.directory.data.devices.filter((d) => d.kind === 'kiosk')[1]!.id;
    const url = `${b.hub.api!.url}/devices/${id}/credentials`;
    const admin = { authorization: `Bearer ${readFileSync(b.hub.adminTokenFile!, 'utf8').trim()}` };
    const res = await fetch(url, { method: 'POST', headers: admin });
    assert.is(res.status, 201);
    const body = (await res.json()) as { token: string; mqttUrl: string };
    assert.is(body.mqttUrl, b.mqttUrl);
    await b.hub.dynsec?.settled(); // Mosquitto: the login is made just after the answer
    const core = device(id, body.token);
    await core.start();
    await waitFor(() => core.mirror.config, 'its config');
    assert.is((await fetch(url, { method: 'DELETE', headers: admin })).status, 200);
    await waitFor(() => !core.connected, 'the revoked device to be disconnected', 3000);
  });

  contract('the hub reconnects to a restarted broker and carries on: devices come back, requests work, retained state is there', async (b) => {
    const [a, k] = [device(phoneOf(A)), device(kiosk)];
    await Promise.all([a, k].map((x) => x.start()));
    await waitFor(() => k.mirror.people.get(A), 'the kiosk to show A');
    await b.restartBroker();
    await waitFor(() => a.connected && k.connected, 'the devices to reconnect', 10_000);
    await waitFor(async () => { const r = await a.request('divert', { target: C }); if (!r.ok) throw new Error(JSON.stringify(r.error)); return true; }, 'a request to be answered after the restart', 15_000, 300);
    assert.is((await waitFor(() => k.mirror.people.get(A)?.diversion, 'the kiosk to see it')).to, C);
    const fresh = device(kiosk);
    await k.stop();
    await fresh.start();
    assert.is((await waitFor(() => fresh.mirror.people.get(A)?.diversion, 'retained state after the restart')).to, C);
    await a.call('undivert', {});
  });

  t.run();
}
