/**
 * ST-1 in a running hub: calls placed on the SimulatedPbx (routing by the hub's decision, with
 * voicemail) end up as stored CallRecords with the right department, function, person, outcome
 * and flags: a function number answered by a member, a personal number to voicemail, an away
 * person, the IVR outside phone hours (the hub's clock moved), a call held up and hung up.
 * After a restart (the store reopened) every call is still there, and the quarter's report
 * counts them; an answered call still up when the hub stops is kept. A store that fails is
 * logged, never crashes, and the calls after it are counted again once it works.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { loadConfig } from '../../../broker/config.js';
import { Directory } from '../../../broker/directory/directory.js';
import { startHubService, type HubService } from '../../../broker/main.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { initialDeptRecord } from '../../../broker/state/dept-record.js';
import { initialRecord } from '../../../broker/state/person-record.js';
import type { CallRecord } from '../../../broker/stats/call-record.js';
import { CallStats } from '../../../broker/stats/call-stats.js';
import { quarterReportFromStore } from '../../../broker/stats/quarter-report.js';
import { SqliteStore } from '../../../broker/store/sqlite-store.js';
import { memoryLogger } from '../../../protocol/index.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';
import { SimulatedPbx, type CallResult } from '../../../simulator/simulated-pbx.js';
import { movableClock, tempDir } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';

const t = suite('broker/stats/call-stats');

/** Monday 23 November 2026, 10:00 in Copenhagen: Borgerservice answers the phone (08:00-18:00). */
const START = '2026-11-23T10:00:00+01:00';
/** real speed from START; `advanceTo` moves it on (the hub's sweep notices within a second) */
const clock = movableClock(START);
const advanceTo = (ms: number) => clock.advanceTo(ms);

const directory = Directory.parse(demoDirectory({ peoplePerDept: 3, kiosks: 1 }));
const staff = directory.membersOf('borgerservice');
const [L, A, B] = staff.map((p) => p.id) as [string, string, string];
const ext = (id: string) => directory.people.get(id)!.extension;
const group = directory.groupsOf('borgerservice')[0]!;
const CALLER = '+4511223344';

let dataDir = '';
let svc: HubService;
let pbx: SimulatedPbx;
const logger = memoryLogger('info');
/** what each placed call should have become */
const placed: { id: string; result: CallResult }[] = [];

/** The hub on `dataDir`; the PBX runs on while the hub restarts (its call ids go on). */
async function start(): Promise<void> {
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: 0, apiPort: 0, dataDir, sync: 'normal', logLevel: 'info' } });
  svc = await startHubService(config, { logger, pbx, directory, clock });
}

const stored = (): CallRecord[] => [...svc.store.calls(new Date(0), new Date(Date.parse('2100-01-01')))];
const storedCall = (id: string) => stored().find((c) => c.callId === id);

function place(to: string, opts: { hold?: boolean } = {}): string {
  const result = pbx.call(CALLER, to, opts);
  const id = result.pbxCallId;
  placed.push({ id, result });
  return id;
}

t.before(async () => {
  clock.advanceTo(Date.parse(START)); // from START when the suite runs, not when the test files were loaded
  assert.equal(group.members, [A, B]);
  assert.is(directory.people.get(L)!.dept, 'borgerservice');
  dataDir = tempDir('omstil-call-stats-');
  // the leader's phone has a mailbox (AS-5)
  pbx = new SimulatedPbx({ routes: true, voicemail: (e) => e === ext(L), clock: () => clock.now() });
  // A answers whatever rings; L and B let it ring
  pbx.register(ext(A), () => true);
  pbx.register(ext(L), () => false);
  pbx.register(ext(B), () => false);
  await start();
  // the hub has told the PBX how to route the function number (PH-4)
  await waitFor(async () => (await pbx.routes!.read()).get(group.number)?.kind === 'ring', 'the function number to have a route');
});

t.after(async () => {
  await svc?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

t('a function number answered by a member: its department and function, no person, the member who took it', async () => {
  const id = place(group.number);
  assert.is(placed.at(-1)!.result.outcome, 'answered');
  const c = await waitFor(() => storedCall(id), 'the call to be stored');
  assert.equal(
    { ...c, offeredAt: '', answeredAt: '', endedAt: '', waitS: 0 },
    { callId: id, number: group.number, deptId: 'borgerservice', fn: group.id, personId: null, offeredAt: '', answeredAt: '', endedAt: '', waitS: 0, outcome: 'answered', answeredBy: ext(A), transfers: 0, metUnavailable: false, insideHours: true },
  );
  assert.ok(c.waitS >= 0 && c.waitS < 5, `wait ${c.waitS}`);
  assert.ok(Math.abs(Date.parse(c.offeredAt) - clock.now().getTime()) < 60_000, 'offered at the hub\'s (moved) time');
});

t('a personal number nobody takes goes to the mailbox: voicemail, the person, no function (the leader is in no group)', async () => {
  const id = place(ext(L));
  assert.is(placed.at(-1)!.result.outcome, 'voicemail');
  const c = await waitFor(() => storedCall(id), 'the call to be stored');
  assert.equal([c.deptId, c.fn, c.personId, c.outcome, c.answeredAt, c.answeredBy, c.metUnavailable, c.insideHours], ['borgerservice', null, L, 'voicemail', null, null, false, true]);
});

t('ST-1: a call to someone away met an unavailable person; it counts for their function, whatever the PBX did with it', async () => {
  const until = new Date(clock.now().getTime() + 3600_000).toISOString();
  svc.hub.execute({ source: 'admin', id: 'test', personId: null }, { op: 'set-status', person: B, kind: 'away', until, reason: null, divertTo: null });
  // the hub re-routes B's number (PH-4 / AS-1): wait for the PBX to have it
  await waitFor(async () => (await pbx.routes!.read()).has(ext(B)), "B's number to be re-routed");
  const id = place(ext(B));
  const r = placed.at(-1)!.result;
  const c = await waitFor(() => storedCall(id), 'the call to be stored');
  const expected = r.outcome === 'announced' ? (r.announce === 'message' ? 'message' : 'announced') : r.outcome;
  assert.equal([c.deptId, c.fn, c.personId, c.metUnavailable, c.insideHours, c.outcome], ['borgerservice', group.id, B, true, true, expected]);
  if (r.outcome === 'answered') assert.is(c.answeredBy, r.answeredBy);
  svc.hub.execute({ source: 'admin', id: 'test', personId: null }, { op: 'clear-status', person: B });
});

t('a call held up is counted when it is hung up, not before', async () => {
  const id = place(ext(A), { hold: true });
  await waitFor(() => pbx.log.some((r) => r.pbxCallId === id), 'the call to be placed');
  assert.is(storedCall(id), undefined);
  pbx.hangup(placed.find((p) => p.id === id)!.result.callId);
  const c = await waitFor(() => storedCall(id), 'the call to be stored');
  assert.equal([c.personId, c.fn, c.outcome, c.answeredBy], [A, group.id, 'answered', ext(A)]);
});

t('PH-2: outside phone hours the IVR speaks: announced, outside hours (the hub\'s clock moved to 20:00)', async () => {
  advanceTo(Date.parse('2026-11-23T20:00:00+01:00'));
  await waitFor(async () => (await pbx.routes!.read()).get(group.number)?.kind === 'announce', 'the function number to be announced', 10_000);
  const id = place(group.number);
  assert.equal([placed.at(-1)!.result.outcome, placed.at(-1)!.result.announce], ['announced', 'outside-hours']);
  const c = await waitFor(() => storedCall(id), 'the call to be stored');
  assert.equal([c.deptId, c.fn, c.outcome, c.insideHours, c.metUnavailable, c.answeredAt], ['borgerservice', group.id, 'announced', false, false, null]);
  assert.ok(Date.parse(c.offeredAt) >= Date.parse('2026-11-23T20:00:00+01:00'), c.offeredAt);
});

t('after a restart every call is still stored; an answered call still up at the stop is kept; the quarter report counts them', async () => {
  advanceTo(Date.parse('2026-11-24T10:00:00+01:00'));
  await waitFor(async () => (await pbx.routes!.read()).get(ext(A))?.kind !== 'announce', "A's number to ring again in the morning", 10_000);
  const up = place(ext(A), { hold: true });
  const before = stored();
  assert.is(before.length, placed.length - 1, JSON.stringify([before.map((c) => [c.callId, c.outcome, c.endedAt]), up, placed.map((p) => [p.id, p.result.outcome])]));
  await svc.stop();
  const reopened = new SqliteStore({ file: svc.dbFile });
  try {
    const after = [...reopened.calls(new Date(0), new Date(Date.parse('2100-01-01')))];
    assert.equal(after.filter((c) => c.callId !== up), before);
    const kept = after.find((c) => c.callId === up);
    assert.equal([kept?.outcome, kept?.personId], ['answered', A]);
    assert.equal(after.map((c) => c.callId).sort(), placed.map((p) => p.id).sort());
    const report = quarterReportFromStore(reopened, directory, '2026Q4', clock.now());
    const bs = report.departments.find((d) => d.id === 'borgerservice')!;
    assert.equal([bs.figures.offered, bs.figures.answered], [placed.length, after.filter((c) => c.outcome === 'answered').length]);
    assert.is(bs.functions.find((f) => f.id === group.id)!.figures.offered, after.filter((c) => c.fn === group.id).length);
    assert.is(report.totals.offered, placed.length);
  } finally {
    reopened.close();
  }
  // the hub starts again on the same data: calls are counted on top
  await start();
  await waitFor(async () => (await pbx.routes!.read()).get(group.number)?.kind === 'ring', 'the function number to ring');
  const id = place(ext(A));
  await waitFor(() => storedCall(id), 'the call after the restart to be stored');
  assert.is(stored().length, placed.length);
});

t('a store that fails is logged and never crashes; calls after it works again are stored', async () => {
  const file = `${dataDir}/failing.db`;
  const store = new SqliteStore({ file });
  const simPbx = new SimulatedPbx({ clock: () => clock.now() });
  simPbx.register(ext(A), () => true);
  const now = clock.now();
  const state: PolicyState = { dir: directory, people: new Map([...directory.people.keys()].map((id) => [id, initialRecord(id, now)])), depts: new Map([...directory.departments.keys()].map((id) => [id, initialDeptRecord(id, now)])) };
  const log = memoryLogger('info');
  const stats = new CallStats({ pbx: simPbx, hub: { state, now: () => clock.now() }, store, logger: log });
  // another connection takes the table away under it, then gives it back
  const other = new Database(file);
  try {
    stats.start();
    stats.start(); // idempotent: one listener
    other.exec('ALTER TABLE call RENAME TO call_away');
    assert.not.throws(() => simPbx.call(CALLER, ext(A)));
    const errors = log.records.filter((r) => r.level === 'error');
    assert.is(errors.length, 1, JSON.stringify(log.records));
    assert.match(errors[0]!.msg, /call not stored/);
    other.exec('ALTER TABLE call_away RENAME TO call');
    const r = simPbx.call(CALLER, ext(A));
    const got = [...store.calls(new Date(0), new Date(Date.parse('2100-01-01')))];
    assert.equal(got.map((c) => [c.callId, c.outcome, c.personId, c.fn]), [[r.pbxCallId, 'answered', A, group.id]]);
  } finally {
    stats.stop();
    other.close();
  }
  // stopped: no listener left
  simPbx.call(CALLER, ext(A));
  assert.is([...store.calls(new Date(0), new Date(Date.parse('2100-01-01')))].length, 1);
  assert.is(stats.live(), 0);
  store.close();
});

t.run();
