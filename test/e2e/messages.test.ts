/**
 * Messages end to end (AS-1..AS-4): a kiosk's firmware core takes a message over MQTT, the hub
 * routes it (AS-3), sets its due time (AS-2), stores it and publishes it on the recipient's own
 * topic; the recipient's phone acknowledges and finishes it; it survives a restart of the hub;
 * and a colleague's phone, another kiosk and an anonymous observer subscribed to everything
 * (`#`) never receive the caller's name, number or text (PR-2, like reasons).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { CallbackMessage, type TakeMessageReply } from '../../protocol/index.js';
import { clockFrom, startSystem, type TestSystem } from '../support/system.js';
import { listenToEverything, type Listener } from '../support/listener.js';
import { sleep, waitFor } from '../support/wait.js';

const e2e = suite('e2e/messages');

/** Monday 23 November 2026, 10:00 in Copenhagen: Borgerservice answers (08:00-18:00). */
const START = '2026-11-23T10:00:00+01:00';
const CALLER = { callerName: 'Jytte Hemmelig-4711', callerNumber: '+45 99 88 77 66', text: 'Sagen om boligstøtte 8812-fortrolig' };
const SECRETS = Object.values(CALLER);

let sys: TestSystem;
/** Borgerservice: L leads A and B; its function number's members are A and B */
let L: string, A: string, B: string, group: string;
/** a phone of another department, a kiosk and an observer, run as raw MQTT clients subscribed to '#' */
let colleagueDevice: string;
const listeners = new Map<string, Listener>();

e2e.before(async () => {
  // one simulated kiosk; the directory's second kiosk is free for a raw listener
  sys = await startSystem({ clock: clockFrom(START), kiosks: 1 });
  const [lea, anna, bo] = sys.directory.data.people;
  L = lea!.id;
  A = anna!.id;
  B = bo!.id;
  group = sys.directory.groupsOf(anna!.dept)[0]!.id;
  assert.equal([...sys.directory.groups.get(group)!.members].sort(), [A, B].sort());
  colleagueDevice = sys.directory.data.devices.find((d) => d.kind === 'phone' && !sys.fleet.cores.has(d.id) && sys.directory.people.get(d.person!)!.dept !== anna!.dept && sys.directory.staffOf(d.person!).length === 0)!.id;
  for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.config && (core.mirror.kind === 'kiosk' || core.mirror.me), `${core.deviceId} to show its state`);
  for (const clientId of [colleagueDevice, 'kiosk-2', 'anonymous-observer']) {
    // issue 10: the devices with their own tokens, the observer without
    listeners.set(clientId, await listenToEverything(sys.hub.mqttUrl, clientId, clientId === 'anonymous-observer' ? undefined : sys.login(clientId)));
  }
});
e2e.after(async () => {
  await Promise.all([...listeners.values()].map((l) => l.client.endAsync(true)));
  await sys?.stop();
});

const phone = (person: string) => sys.fleet.core(`phone-${person}`);
const kiosk = () => sys.fleet.kiosks[0]!;
const shown = (person: string) => phone(person).mirror.me?.messages ?? [];

e2e('AS-1/AS-2: a kiosk takes a message for an available person: their phone shows it with the due time, one workday later', async () => {
  const reply = (await kiosk().call('take-message', { for: A, ...CALLER })) as TakeMessageReply;
  assert.equal({ ...reply, id: '', due: '' }, { id: '', for: A, forName: sys.directory.people.get(A)!.name, due: '', rule: 'AS-1' });
  assert.not.ok(SECRETS.some((s) => JSON.stringify(reply).includes(s)), 'the reply carries no caller data');
  const m = await waitFor(() => shown(A).find((x) => x.id === reply.id), "A's phone to show the message");
  assert.ok(CallbackMessage.safeParse(m).success);
  assert.equal({ callerName: m.callerName, callerNumber: m.callerNumber, text: m.text }, CALLER);
  assert.equal([m.status, m.rule, m.askedFor, m.takenBy, m.due], ['waiting', 'AS-1', null, kiosk().deviceId, reply.due]);
  // AS-2: Monday → Tuesday at the same clock time
  assert.is(Date.parse(m.due) - Date.parse(m.takenAt), 86_400_000);
  assert.is(new Date(m.due).toLocaleDateString('sv', { timeZone: 'Europe/Copenhagen' }), '2026-11-24');
  // PR-4: the leader's phone follows A's own topic, so it sees it too; B does not
  await waitFor(() => phone(L).mirror.staff.get(A)?.messages.some((x) => x.id === reply.id), "the leader's phone to follow it");
  assert.equal(shown(B), []);
});

e2e('AS-4: the recipient acknowledges it, then calls back: done removes it from the phone; others are refused', async () => {
  const m = shown(A)[0]!;
  const other = await phone(sys.directory.data.people[3]!.id).request('message-status', { message: m.id, status: 'acknowledged' });
  assert.equal(other.ok ? null : [other.error.code, other.error.rule, other.error.field], ['forbidden', 'AS-4', 'args.message']);
  const byKiosk = await kiosk().request('message-status', { message: m.id, status: 'done' });
  assert.equal(byKiosk.ok ? null : byKiosk.error.code, 'forbidden');

  assert.equal(await phone(A).call('message-status', { message: m.id, status: 'acknowledged' }), { id: m.id, status: 'acknowledged' });
  await waitFor(() => shown(A).find((x) => x.id === m.id)?.status === 'acknowledged', 'the phone to show it acknowledged');
  await phone(A).call('message-status', { message: m.id, status: 'done' });
  await waitFor(() => !shown(A).some((x) => x.id === m.id), 'done to remove it from the phone');
  const back = await phone(A).request('message-status', { message: m.id, status: 'acknowledged' });
  assert.equal(back.ok ? null : [back.error.code, back.error.rule, back.error.field], ['invalid-payload', 'AS-4', 'args.status']);
  assert.is(sys.hub.hub.message(m.id)!.status, 'done', 'kept at the hub (the audit trail)');
  assert.equal(sys.hub.store.message(m.id)!.history.map((h) => h.status), ['waiting', 'acknowledged', 'done']);
});

e2e('PH-4: a message for the function number shows on every member\'s phone; one member finishing it removes it for all', async () => {
  const reply = (await kiosk().call('take-message', { for: group, ...CALLER, text: 'Gruppebesked' })) as TakeMessageReply;
  assert.is(reply.for, group);
  await waitFor(() => shown(A).some((x) => x.id === reply.id) && shown(B).some((x) => x.id === reply.id), 'both members to see it');
  await phone(B).call('message-status', { message: reply.id, status: 'done' });
  await waitFor(() => !shown(A).some((x) => x.id === reply.id) && !shown(B).some((x) => x.id === reply.id), 'both to drop it');
});

e2e('AS-3: for someone absent more than a workday, the message goes to the colleague covering, who sees who was asked for', async () => {
  const until = new Date(Date.parse(START) + 3 * 86_400_000).toISOString();
  await phone(B).call('set-absence', { until, divertTo: A });
  const reply = (await kiosk().call('take-message', { for: B, ...CALLER })) as TakeMessageReply;
  assert.equal([reply.for, reply.rule], [A, 'AS-3']);
  const m = await waitFor(() => shown(A).find((x) => x.id === reply.id), 'A to get the message for B');
  assert.equal([m.askedFor, m.askedForName], [B, sys.directory.people.get(B)!.name]);
  assert.not.ok(shown(B).some((x) => x.id === reply.id));
  // the caller was told and still wants it to go to B
  const told = (await kiosk().call('take-message', { for: B, ...CALLER, callerInformed: true })) as TakeMessageReply;
  assert.equal([told.for, told.rule], [B, 'AS-1']);
  await waitFor(() => shown(B).some((x) => x.id === told.id), 'B to get it');
  await phone(B).call('clear-absence', {});
});

e2e('AS-1: the admin API takes a message and lists a person\'s messages; bad input names the field', async () => {
  const api = sys.hub.api!.url;
  const token = readFileSync(sys.hub.adminTokenFile!, 'utf8').trim();
  const http = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, json: (await res.json()) as { ok?: boolean; data?: TakeMessageReply; error?: { code: string; field?: string; rule?: string } } };
  };
  const taken = await http('POST', '/messages', { for: L, ...CALLER });
  assert.is(taken.status, 200);
  assert.equal([taken.json.data!.for, taken.json.data!.rule], [L, 'AS-1']);
  const list = await http('GET', `/people/${L}/messages`);
  const msgs = list.json as unknown as CallbackMessage[];
  assert.equal(msgs.map((m) => [m.id, m.takenBy, m.status]), [[taken.json.data!.id, 'admin:api', 'waiting']]);
  await waitFor(() => shown(L).some((x) => x.id === taken.json.data!.id), "L's phone to show it");
  const bad = await http('POST', '/messages', { for: L, ...CALLER, callerNumber: 'ring mig' });
  assert.equal([bad.status, bad.json.error!.code, bad.json.error!.field], [400, 'invalid-payload', 'callerNumber']);
  const unknown = await http('POST', '/messages', { for: 'nobody-here', ...CALLER });
  assert.equal([unknown.status, unknown.json.error!.code, unknown.json.error!.field, unknown.json.error!.rule], [404, 'unknown-person', 'args.for', 'RT-1']);
  assert.is((await http('GET', '/people/nobody-here/messages')).status, 404);
});

e2e('PR-2: a colleague\'s phone, another kiosk and an anonymous observer subscribed to # never receive caller name, number or text', async () => {
  await sleep(300); // let the last publishes arrive
  for (const [id, l] of listeners) {
    assert.ok(l.got.length > 20, `${id} received the public state (${l.got.length} messages)`);
    const leaks = l.got.filter((m) => SECRETS.some((s) => m.text.includes(s)));
    assert.equal(leaks.map((m) => m.topic), [], `${id} must never see caller data`);
    const mine = id === colleagueDevice ? `omstil/v1/person/${sys.directory.devices.get(id)!.person}/own` : null;
    assert.equal(l.got.filter((m) => m.topic.endsWith('/own') && m.topic !== mine).map((m) => m.topic), [], `${id} gets no one else's own topic`);
  }
  // the kiosk that took the messages keeps nothing of them either
  assert.not.ok(SECRETS.some((s) => JSON.stringify(kiosk().view()).includes(s)), 'the taking kiosk shows no caller data');
  // the positive control: the recipient's phone did get them
  assert.ok(SECRETS.every((s) => JSON.stringify(phone(A).view()).includes(s)));
  // and the journal keeps who and where, not the caller's data
  const journal = sys.hub.store.journal(200).filter((j) => j.op === 'take-message' || j.op === 'message-status');
  assert.ok(journal.length >= 8, `${journal.length} message entries`);
  assert.not.ok(SECRETS.some((s) => JSON.stringify(journal).includes(s)), 'no caller data in the journal');
});

e2e('AS-1: waiting and acknowledged messages survive a restart of the hub; done ones stay done', async () => {
  const open = shown(A).map((m) => [m.id, m.status]);
  assert.ok(open.length >= 1);
  await phone(A).call('message-status', { message: open[0]![0]!, status: 'acknowledged' });
  open[0]![1] = 'acknowledged';
  const dataDir = sys.dataDir;
  await Promise.all([...listeners.values()].map((l) => l.client.endAsync(true)));
  listeners.clear();
  await sys.stop(true);
  sys = await startSystem({ clock: clockFrom(START), kiosks: 1, dataDir });
  const again = await waitFor(() => (phone(A).mirror.me ? shown(A) : null), "A's phone to hear from the restarted hub");
  assert.equal(again.map((m) => [m.id, m.status]), open);
  assert.equal(again[0]!.callerName, CALLER.callerName);
  // the restarted hub acts on them
  await phone(A).call('message-status', { message: open[0]![0]!, status: 'done' });
  await waitFor(() => !shown(A).some((m) => m.id === open[0]![0]), 'done after the restart');
});

e2e.run();
