/**
 * AS-4 escalation end to end, as a receptionist would try it: a kiosk's firmware core takes a
 * message for someone in a meeting; nobody calls back; the hub's clock passes the due time and
 * the message appears, marked as escalated, on the own topic of a member of the department's
 * group (a real DeviceCore), one workday later on the leader's own topic; the group member
 * finishes it. A colleague outside the group and an observer on `#` never get the caller's
 * data (PR-2). The quarter's report (ST-1, the admin API) counts the call that met the person
 * in a meeting and the message as called back late.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { QuarterReport, type TakeMessageReply } from '../../protocol/index.js';
import { movableClock, startSystem, type TestSystem } from '../support/system.js';
import { listenToEverything, type Listener } from '../support/listener.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/escalation');

/** Monday 23 November 2026, 10:00 in Copenhagen: Borgerservice answers (08:00-18:00). */
const START = '2026-11-23T10:00:00+01:00';
/** real speed from START; `advanceTo` moves it on (the hub's sweep notices within a second) */
const clock = movableClock(START);
const advanceTo = (ms: number) => clock.advanceTo(ms);

const CALLER = { callerName: 'Jytte Eskalering-5150', callerNumber: '+45 11 22 33 44', text: 'Venter stadig på svar om 9931-fortrolig' };
const SECRETS = Object.values(CALLER);

let sys: TestSystem;
/** Borgerservice: L leads A and B; its function number's members are A and B; C works elsewhere */
let L: string, A: string, B: string, C: string, group: string;
let observer: Listener;

e2e.before(async () => {
  clock.advanceTo(Date.parse(START)); // from START when the suite runs, not when the test files were loaded
  sys = await startSystem({ clock, kiosks: 1 });
  const [lea, anna, bo] = sys.directory.data.people;
  L = lea!.id;
  A = anna!.id;
  B = bo!.id;
  group = sys.directory.groupsOf(anna!.dept)[0]!.id;
  assert.equal([...sys.directory.groups.get(group)!.members].sort(), [A, B].sort());
  assert.equal([sys.directory.people.get(A)!.leader, sys.directory.people.get(B)!.leader], [L, L]);
  // a colleague of another department with a simulated phone
  C = [...sys.fleet.cores.keys()].map((id) => sys.directory.devices.get(id)!.person).find((p) => p && sys.directory.people.get(p)!.dept !== anna!.dept)!;
  assert.ok(C);
  for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.config && (core.mirror.kind === 'kiosk' || core.mirror.me), `${core.deviceId} to show its state`);
  observer = await listenToEverything(sys.hub.mqttUrl, 'anonymous-observer');
});
e2e.after(async () => {
  await observer?.client.endAsync(true);
  await sys?.stop();
});

const phone = (person: string) => sys.fleet.core(`phone-${person}`);
const kiosk = () => sys.fleet.kiosks[0]!;
const shown = (person: string) => phone(person).mirror.me?.messages ?? [];

let id = '';
let call = '';

e2e('AS-1: a kiosk takes a message for someone in a meeting: theirs, due the next workday; nobody else has it', async () => {
  sys.hub.hub.execute({ source: 'admin', id: 'test', personId: null }, { op: 'set-status', person: A, kind: 'in-meeting', until: '2026-11-23T11:00:00+01:00', reason: null, divertTo: null });
  await waitFor(() => phone(A).mirror.me?.presence === 'in-meeting', 'A to be in a meeting');
  // the caller first rang A's number (the PBX reports it: ST-1 counts a call that met someone in a meeting)
  call = sys.pbx.call('+4511223344', sys.directory.people.get(A)!.extension).pbxCallId;
  const reply = (await kiosk().call('take-message', { for: A, ...CALLER })) as TakeMessageReply;
  assert.equal([reply.for, reply.rule], [A, 'AS-1']);
  id = reply.id;
  await waitFor(() => shown(A).some((m) => m.id === id), "A's phone to show it");
  assert.is(shown(A).find((m) => m.id === id)!.escalation, undefined);
  assert.not.ok(shown(B).some((m) => m.id === id));
  assert.not.ok(shown(L).some((m) => m.id === id));
  // a group member cannot finish what is not theirs yet
  const early = await phone(B).request('message-status', { message: id, status: 'done' });
  assert.equal(early.ok ? null : [early.error.code, early.error.rule], ['forbidden', 'AS-4']);
});

e2e('AS-4: past the due time it escalates to the group: a member\'s phone shows it, marked, on its own topic', async () => {
  const due = sys.hub.hub.message(id)!.due;
  // AS-2: Tuesday at the same clock time (the clock runs at real speed from Monday 10:00)
  const taken = sys.hub.hub.message(id)!.takenAt;
  assert.is(Date.parse(due) - Date.parse(taken), 86_400_000);
  assert.is(new Date(due).toLocaleDateString('sv', { timeZone: 'Europe/Copenhagen' }), '2026-11-24');
  advanceTo(Date.parse(due) + 1000);
  const m = await waitFor(() => shown(B).find((x) => x.id === id), "B's phone to get the escalated message");
  assert.equal(m.escalation && { ...m.escalation, at: '' }, { level: 1, from: A, fromName: sys.directory.people.get(A)!.name, to: group, toName: sys.directory.groups.get(group)!.name, overdueSince: due, at: '', toMe: true });
  assert.equal({ callerName: m.callerName, callerNumber: m.callerNumber, text: m.text }, CALLER);
  await waitFor(() => shown(A).find((x) => x.id === id)?.escalation?.level === 1, "A's phone to show where it went");
  assert.not.ok(shown(L).some((x) => x.id === id), 'not the leader yet');
});

e2e('AS-4: one workday later, still not done, it escalates to the leader\'s own topic', async () => {
  // Tuesday → Wednesday: LEADER_ESCALATION_WORKDAYS = 1
  advanceTo(Date.parse(sys.hub.hub.message(id)!.due) + 86_400_000 + 1000);
  const m = await waitFor(() => shown(L).find((x) => x.id === id), "the leader's own topic to get it");
  assert.equal([m.escalation?.level, m.escalation?.to, m.escalation?.from, m.escalation?.toMe], [2, L, A, true]);
  assert.ok(shown(B).some((x) => x.id === id), 'the group keeps it');
  assert.equal(
    sys.hub.hub.message(id)!.history.map((h) => [h.status, h.by, h.escalated?.to ?? null]),
    [
      ['waiting', kiosk().deviceId, null],
      ['waiting', 'hub', group],
      ['waiting', 'hub', L],
    ],
  );
});

e2e('AS-4: the group member finishes it: it leaves every phone; the store keeps the whole trail', async () => {
  assert.equal(await phone(B).call('message-status', { message: id, status: 'done' }), { id, status: 'done' });
  await waitFor(() => ![A, B, L].some((p) => shown(p).some((x) => x.id === id)), 'every phone to drop it');
  assert.equal(sys.hub.store.message(id)!.history.map((h) => [h.status, h.escalated?.level ?? null]), [['waiting', null], ['waiting', 1], ['waiting', 2], ['done', null]]);
});

e2e('ST-1: the quarter\'s report counts the call that met A in a meeting and the message as called back late (done after its due time)', async () => {
  await waitFor(() => [...sys.hub.store.calls(new Date(0), new Date('2100-01-01'))].some((c) => c.callId === call), 'the call to be stored');
  const api = new URL(sys.hub.api!.url).origin;
  const token = readFileSync(sys.hub.adminTokenFile!, 'utf8').trim();
  const res = await fetch(`${api}/api/v1/reports/2026Q4`, { headers: { authorization: `Bearer ${token}` } });
  assert.is(res.status, 200);
  const body = (await res.json()) as { ok?: boolean; data?: unknown };
  const parsed = QuarterReport.safeParse('data' in body ? body.data : body);
  assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
  const report = parsed.data!;
  const dept = report.departments.find((d) => d.id === sys.directory.people.get(A)!.dept)!;
  assert.equal([dept.figures.offered, dept.figures.metUnavailable, dept.figures.messages], [1, 1, 1]);
  assert.equal([dept.figures.callbacksOnTime, dept.figures.callbacksLate, dept.figures.callbacksOpen, dept.figures.callbackOnTimeRate], [0, 1, 0, 0]);
  assert.equal([report.totals.callbacksLate, report.totals.messages], [1, 1]);
});

e2e('PR-2: a colleague outside the group never sees it; the caller\'s data is only ever on the own topics of A, the group and the leader', () => {
  assert.equal(shown(C).filter((x) => x.id === id), []);
  const own = (p: string) => `omstil/v1/person/${p}/own`;
  const allowed = new Set([own(A), own(B), own(L)]);
  const leaks = observer.got.filter((g) => SECRETS.some((s) => g.text.includes(s)) && !allowed.has(g.topic)).map((g) => g.topic);
  assert.equal([...new Set(leaks)], []);
  assert.ok(observer.got.length > 0, 'the observer received the public topics (the check is not empty)');
});

e2e.run();
