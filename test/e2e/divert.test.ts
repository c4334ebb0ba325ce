/**
 * End to end through every layer: firmware core → MQTT (Aedes) → hub → SQLite → retained
 * projections → other devices, and the simulated PBX routing real calls by the hub's state.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import { buildTopic, type Response } from '../../protocol/index.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/divert');
let sys: TestSystem;
let A: string, B: string, extA: string, extB: string;

e2e.before(async () => {
  sys = await startSystem();
  const a = sys.directory.data.people[0]!;
  A = a.id;
  B = a.preferred[0]!;
  extA = a.extension;
  extB = sys.directory.people.get(B)!.extension;
  for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.config && (core.mirror.kind === 'kiosk' || core.mirror.me), `${core.deviceId} to show its state`);
});
e2e.after(async () => sys.stop());

const phone = (person: string) => sys.fleet.core(`phone-${person}`);
const kiosk = () => sys.fleet.kiosks[0]!;

e2e('A diverts to B: B is told (DV-2), every kiosk shows it, a call to A is answered at B', async () => {
  const before = sys.pbx.call('citizen', extA);
  assert.is(before.answeredBy, extA, 'before the diversion A answers');

  await phone(A).call('divert', { target: B });

  const incoming = await waitFor(() => phone(B).mirror.me?.incoming.find((i) => i.from === A), 'B to be told');
  assert.is(incoming.fromName, sys.directory.people.get(A)!.name);
  for (const k of sys.fleet.kiosks) {
    const shown = await waitFor(() => k.mirror.people.get(A)?.diversion, `${k.deviceId} to show the diversion`);
    assert.is(shown.to, B);
  }
  await waitFor(() => phone(A).mirror.me?.ownDiversion?.status === 'active', 'A to see its own diversion');
  assert.is(sys.pbx.forwardOf(extA), extB, 'the PBX has the forward');

  const call = sys.pbx.call('citizen', extA);
  assert.equal(call.route, [extA, extB]);
  assert.is(call.outcome, 'answered');
  assert.is(call.answeredBy, extB, 'the call to A is answered at B');
});

e2e('B declines: the diversion is no longer in force and the next call rings A again', async () => {
  await phone(B).call('decline-diversion', { from: A });
  const own = await waitFor(() => (phone(A).mirror.me?.ownDiversion?.status === 'declined' ? phone(A).mirror.me!.ownDiversion : null), 'A to see the decline');
  assert.is(own.to, B);
  await waitFor(() => kiosk().mirror.people.get(A)?.diversion === null, 'kiosk to drop the diversion');
  await waitFor(() => phone(B).mirror.me?.incoming.length === 0, 'B to no longer show it');
  assert.is(sys.pbx.forwardOf(extA), null, 'the PBX forward is cleared');

  const call = sys.pbx.call('citizen', extA);
  assert.is(call.answeredBy, extA, 'the next call to A rings A');
});

e2e('undivert after a new diversion restores direct calls; the journal keeps every change', async () => {
  await phone(A).call('divert', { target: B });
  await waitFor(() => sys.pbx.forwardOf(extA) === extB, 'forward applied');
  await phone(A).call('undivert', {});
  await waitFor(() => sys.pbx.forwardOf(extA) === null, 'forward cleared');
  assert.is(sys.pbx.call('citizen', extA).answeredBy, extA);
  const journal = sys.hub.store.journal(20);
  // the answered test calls are in it too: PR-1 on-call from the PBX's call events
  assert.ok(journal.some((j) => j.op === 'set-on-call' && j.actor === 'pbx:simulated'), 'call events reach the journal');
  const ops = journal.map((j) => j.op).filter((op) => op !== 'set-on-call');
  assert.equal(ops.slice(0, 4), ['undivert', 'divert', 'decline-diversion', 'divert']);
});

e2e('policy refusals reach the phone with their rule ids and change nothing', async () => {
  const revBefore = sys.hub.hub.record(A)!.rev;
  const self = await phone(A).request('divert', { target: A });
  assert.equal(self.ok ? null : [self.error.code, self.error.rule, self.error.field], ['self-diversion', 'DV-4', 'args.target']);
  const board = await phone(A).request('divert', { target: 'omstillingen' });
  assert.equal(board.ok ? null : [board.error.code, board.error.rule], ['switchboard-diversion', 'DV-3']);
  await phone(A).call('divert', { target: B });
  const cycle = await phone(B).request('divert', { target: A });
  assert.equal(cycle.ok ? null : [cycle.error.code, cycle.error.rule], ['diversion-cycle', 'DV-4']);
  assert.is(sys.hub.hub.record(B)!.diversion, null, 'the refused cycle changed nothing');
  await phone(A).call('undivert', {});
  assert.is(sys.hub.hub.record(A)!.rev, revBefore + 2, 'only the two accepted changes moved the revision');
});

/** A raw MQTT client posing as a device, for input no real firmware would send. */
async function rawDevice(deviceId: string) {
  const client = await mqtt.connectAsync(sys.hub.mqttUrl, { clientId: deviceId, reconnectPeriod: 0, ...sys.login(deviceId) });
  const replies: Response[] = [];
  client.on('message', (_t, p) => replies.push(JSON.parse(p.toString()) as Response));
  await client.subscribeAsync(buildTopic({ kind: 'device-res', deviceId }), { qos: 1 });
  const send = async (payload: string | Buffer) => {
    const n = replies.length;
    await client.publishAsync(buildTopic({ kind: 'device-req', deviceId }), payload, { qos: 1 });
    return waitFor(() => replies[n], 'a reply');
  };
  return { client, send };
}

e2e('bad input gets an error reply naming the field and rule, changes nothing, and the hub keeps serving', async () => {
  const dev = sys.directory.data.devices.find((d) => d.kind === 'phone' && !sys.fleet.cores.has(d.id))!;
  const raw = await rawDevice(dev.id);
  const rev = () => sys.hub.hub.record(dev.person!)!.rev;
  const before = rev();
  try {
    const err = (r: Response) => (r.ok ? null : { id: r.id, code: r.error.code, field: r.error.field ?? null });
    assert.equal(err(await raw.send('this is not json')), { id: null, code: 'bad-json', field: null });
    assert.equal(err(await raw.send(JSON.stringify({ id: 'r1', op: 'divert', args: { target: 5 } }))), { id: 'r1', code: 'invalid-payload', field: 'args.target' });
    assert.equal(err(await raw.send(JSON.stringify({ id: 'r2', op: 'launch', args: {} }))), { id: 'r2', code: 'unknown-op', field: 'op' });
    assert.equal(err(await raw.send(JSON.stringify({ id: 'r3', op: 'divert', args: { target: 'nobody-here' } }))), { id: 'r3', code: 'unknown-person', field: 'args.target' });
    assert.equal(err(await raw.send(JSON.stringify({ id: 'r4', op: 'divert' }))), { id: 'r4', code: 'invalid-payload', field: 'args' });
    assert.equal(err(await raw.send(JSON.stringify({ id: 'r5', op: 'decline-diversion', args: { from: A } }))), { id: 'r5', code: 'not-diverted-to-you', field: 'args.from' });
    const big = await raw.send(Buffer.alloc(1024 * 1024, 0x7b));
    assert.is(big.ok ? null : big.error.code, 'payload-too-large');
    assert.is(rev(), before, 'no bad request changed the state');
    // and the hub still serves
    const ok = await raw.send(JSON.stringify({ id: 'r6', op: 'divert', args: { target: B } }));
    assert.is(ok.ok, true);
    assert.is(rev(), before + 1);
    await raw.send(JSON.stringify({ id: 'r7', op: 'undivert', args: {} }));
  } finally {
    await raw.client.endAsync(true);
  }
});

e2e('a request on another device\'s topic is refused by the broker and changes nothing', async () => {
  const rev = sys.hub.hub.record(A)!.rev;
  const other = sys.directory.data.devices.filter((d) => d.kind === 'phone' && !sys.fleet.cores.has(d.id))[1]!;
  const intruder = await mqtt.connectAsync(sys.hub.mqttUrl, { clientId: other.id, reconnectPeriod: 0, ...sys.login(other.id) });
  const closed = new Promise<void>((r) => intruder.once('close', () => r()));
  intruder.publish(buildTopic({ kind: 'device-req', deviceId: `phone-${A}` }), JSON.stringify({ id: 'x', op: 'divert', args: { target: B } }), { qos: 1 });
  await closed; // MQTT 3.1.1 has no negative PUBACK: the broker drops the client (MQTT-3.3.5-2)
  await intruder.endAsync(true);
  assert.ok(sys.logger.records.some((r) => r.msg === 'publish refused' && r.topic === buildTopic({ kind: 'device-req', deviceId: `phone-${A}` })), 'the refusal is logged');
  // an observer (not a device) may publish nothing either
  const observer = await mqtt.connectAsync(sys.hub.mqttUrl, { clientId: 'someone-else', reconnectPeriod: 0 });
  const closed2 = new Promise<void>((r) => observer.once('close', () => r()));
  observer.publish(buildTopic({ kind: 'device-req', deviceId: `phone-${A}` }), JSON.stringify({ id: 'y', op: 'undivert', args: {} }), { qos: 1 });
  await closed2;
  await observer.endAsync(true);
  assert.is(sys.hub.hub.record(A)!.rev, rev, 'nothing changed');
  assert.is((await phone(A).request('undivert', {})).ok, true, 'the hub keeps serving');
});

e2e.run();
