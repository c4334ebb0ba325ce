/**
 * PR-2 as a security boundary: an absence reason leaves the hub only towards the employee's
 * own phone and their leader's phone. Every other client — a colleague's phone, a kiosk, an
 * anonymous observer — subscribes to everything (`#`) and must never receive it, neither
 * from retained state nor from live updates. The same holds for the voicemail state (AS-5).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt, { type MqttClient } from 'mqtt';
import path from 'node:path';
import { buildTopic } from '../../protocol/index.js';
import { Directory } from '../../broker/directory/directory.js';
import { SqliteStore } from '../../broker/store/sqlite-store.js';
import { initialRecord } from '../../broker/state/person-record.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { startSystem, tempDir, type TestSystem } from '../support/system.js';
import { sleep, waitFor } from '../support/wait.js';

const privacy = suite('e2e/privacy');
const REASON = 'sygemeldt-med-influenza-4711';
let sys: TestSystem;
const clients: MqttClient[] = [];

privacy.after(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await sys?.stop();
});

privacy('an absence reason reaches only the own phone and the leader\'s phone', async () => {
  const demo = { peoplePerDept: 3, kiosks: 2 };
  const dir = Directory.parse(demoDirectory(demo));
  const leader = dir.data.people[0]!;
  const employee = dir.data.people[1]!; // leader: people[0]
  const colleague = dir.data.people[2]!;
  assert.is(employee.leader, leader.id);
  // the employee is absent with a private reason (as the absence feature will record it)
  const dataDir = tempDir();
  const seed = new SqliteStore({ file: path.join(dataDir, 'omstil.db') });
  const now = new Date();
  const back = new Date(now.getTime() + 3 * 86_400_000).toISOString();
  seed.commit([{ ...initialRecord(employee.id, now), rev: 1, presence: 'absent', backAt: back, status: { kind: 'absent', since: now.toISOString(), until: back, source: 'phone' }, absenceReason: REASON, voicemail: { unheard: 3, unheardSince: now.toISOString(), flaggedAt: null } }], [], { at: now.toISOString(), actor: 'test', op: 'seed', detail: null });
  seed.close();
  sys = await startSystem({ demo, dataDir, phones: 0, kiosks: 0 });

  const received = new Map<string, { topic: string; text: string }[]>();
  const listen = async (clientId: string) => {
    // issue 10: devices log in with their own tokens; the observer has none
    const client = await mqtt.connectAsync(sys.hub.mqttUrl, { clientId, reconnectPeriod: 0, ...(sys.directory.devices.has(clientId) ? sys.login(clientId) : {}) });
    clients.push(client);
    received.set(clientId, []);
    client.on('message', (topic, payload) => received.get(clientId)!.push({ topic, text: payload.toString() }));
    await client.subscribeAsync(['#', 'omstil/v1/#', 'omstil/v1/person/+/own', buildTopic({ kind: 'person-own', personId: employee.id })], { qos: 1 });
    return client;
  };
  const own = await listen(`phone-${employee.id}`);
  await listen(`phone-${leader.id}`);
  await listen(`phone-${colleague.id}`);
  await listen('kiosk-1');
  await listen('anonymous-observer');

  // a live change too: the employee diverts, which republishes their projections
  await own.publishAsync(buildTopic({ kind: 'device-req', deviceId: `phone-${employee.id}` }), JSON.stringify({ id: 'p1', op: 'divert', args: { target: colleague.id } }), { qos: 1 });
  await waitFor(() => received.get('kiosk-1')!.some((m) => m.topic.endsWith(`${employee.id}/public`) && m.text.includes(colleague.id)), 'the live update');
  await sleep(300);

  const leaks = (id: string) => received.get(id)!.filter((m) => m.text.includes(REASON));
  assert.ok(leaks(`phone-${employee.id}`).length > 0, 'the own phone gets the reason');
  assert.ok(leaks(`phone-${leader.id}`).length > 0, 'the leader\'s phone gets the reason (PR-4)');
  for (const id of [`phone-${colleague.id}`, 'kiosk-1', 'anonymous-observer']) {
    assert.ok(received.get(id)!.length > 10, `${id} received the public state`);
    assert.equal(leaks(id), [], `${id} must never see the reason`);
    const mine = id === `phone-${colleague.id}` ? buildTopic({ kind: 'person-own', personId: colleague.id }) : null;
    const foreignOwn = received.get(id)!.filter((m) => m.topic.endsWith('/own') && m.topic !== mine);
    assert.equal(foreignOwn.map((m) => m.topic), [], `${id} gets no one else's own topic`);
  }
  // AS-5: the voicemail state goes the same way: own topic (and the leader's phone), never a public one
  const voicemail = (id: string) => received.get(id)!.filter((m) => /"voicemail"|"unheard"/.test(m.text));
  assert.ok(voicemail(`phone-${employee.id}`).some((m) => m.topic.endsWith(`${employee.id}/own`) && (JSON.parse(m.text) as { voicemail?: { unheard: number } }).voicemail?.unheard === 3), 'the own phone gets the voicemail state');
  assert.ok(voicemail(`phone-${leader.id}`).length > 0, 'the leader\'s phone gets it (PR-4)');
  for (const id of [`phone-${colleague.id}`, 'kiosk-1', 'anonymous-observer']) assert.equal(voicemail(id).map((m) => m.topic), [], `${id} must never see voicemail data`);
  for (const m of received.get('kiosk-1')!.filter((x) => x.topic.endsWith('/public') || x.topic.includes('/member/'))) {
    assert.not.ok('voicemail' in (JSON.parse(m.text) as object), `${m.topic} carries no voicemail`);
  }
  // public topics still tell everyone when the employee is back (PR-2)
  const pub = received.get('kiosk-1')!.find((m) => m.topic === buildTopic({ kind: 'person-public', personId: employee.id }))!;
  const body = JSON.parse(pub.text) as { presence: string; backAt: string | null };
  assert.is(body.presence, 'absent');
  assert.ok(body.backAt);
});

privacy.run();
