/**
 * ST-1: the fold from PBX call events to finished calls, pure, on made-up event times: what a
 * dialled number counts for (department, function, person, unavailable, phone hours) against
 * the real availability rules; each outcome; waits and transfers; a PBX dialling on after an
 * unanswered round; events that are unknown, repeated, out of order or malformed are ignored;
 * open calls stay bounded when `ended` is lost.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Directory } from '../../../broker/directory/directory.js';
import type { PbxCallEvent } from '../../../broker/pbx/pbx-port.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { initialDeptRecord, type DeptRecord } from '../../../broker/state/dept-record.js';
import { initialRecord, revise, type PersonRecord } from '../../../broker/state/person-record.js';
import { CallLog, classifyNumber, outcomeOf } from '../../../broker/stats/call-log.js';
import type { CallRecord } from '../../../broker/stats/call-record.js';

const t = suite('broker/stats/call-log');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [
    { id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00; PH off' },
    { id: 'jobcenter', name: 'Jobcenter', phoneHours: 'Mo-Fr 09:00-14:00; PH off' },
  ],
  groups: [
    { id: 'familie-gruppe', name: 'Familie, fællesnummer', dept: 'familie', number: '1900', members: ['anna', 'bo'] },
    // a function with its own, longer hours
    { id: 'familie-vagt', name: 'Familiens vagt', dept: 'familie', number: '1901', members: ['carl'], phoneHours: 'Mo-Su 00:00-24:00' },
  ],
  people: [
    { id: 'lea', name: 'Lea Leder', dept: 'familie', extension: '1000' },
    { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001', leader: 'lea' },
    { id: 'bo', name: 'Bo Berg', dept: 'familie', extension: '1002', leader: 'lea' },
    { id: 'carl', name: 'Carl Dahl', dept: 'familie', extension: '1003', leader: 'lea' },
    { id: 'dan', name: 'Dan Eriksen', dept: 'jobcenter', extension: '2001' },
  ],
  devices: [],
});

/** Monday 23 November 2026, 10:00 in Copenhagen: both departments answer. */
const T0 = Date.parse('2026-11-23T10:00:00+01:00');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function state(people: PersonRecord[] = [], depts: DeptRecord[] = []): PolicyState {
  const now = new Date(T0);
  const p = new Map(dir.data.people.map((x) => [x.id, initialRecord(x.id, now)]));
  for (const r of people) p.set(r.personId, r);
  const d = new Map(dir.data.departments.map((x) => [x.id, initialDeptRecord(x.id, now)]));
  for (const r of depts) d.set(r.deptId, r);
  return { dir, people: p, depts: d };
}

function fold(s: PolicyState = state(), opts: { maxAgeMs?: number; maxOpen?: number; reopenMs?: number } = {}) {
  return new CallLog({ classify: (n, when) => classifyNumber(s, n, when), ...opts });
}

const ev = (type: PbxCallEvent['type'], callId: string, s: number, more: Partial<PbxCallEvent> = {}): PbxCallEvent => ({ type, callId, at: at(s), caller: '+4511223344', callee: '1001', ...more });
const NOW = new Date(T0);

/** Feeds events, all heard "now"; returns the finished calls. */
function run(log: CallLog, events: PbxCallEvent[]): CallRecord[] {
  return events.flatMap((e) => log.push(e, NOW));
}

t('an answered call to a personal number: department, function, person, wait to the answer, who took it', () => {
  const log = fold();
  const out = run(log, [ev('ringing', 'c1', 0, { extensions: ['1001'] }), ev('answered', 'c1', 12.5, { extensions: ['1001'] }), ev('ended', 'c1', 200, { reason: 'completed' })]);
  assert.equal(out, [
    {
      callId: 'c1',
      number: '1001',
      deptId: 'familie',
      fn: 'familie-gruppe',
      personId: 'anna',
      offeredAt: at(0),
      answeredAt: at(12.5),
      endedAt: at(200),
      waitS: 12.5,
      outcome: 'answered',
      answeredBy: '1001',
      transfers: 0,
      metUnavailable: false,
      insideHours: true,
    },
  ]);
  assert.is(log.size, 0);
});

t('a group number is its own function, with no person; a person in no group has no function; an outside number counts for nobody', () => {
  const s = state();
  const when = new Date(T0);
  assert.equal(classifyNumber(s, '1900', when), { deptId: 'familie', fn: 'familie-gruppe', personId: null, metUnavailable: false, insideHours: true });
  assert.equal(classifyNumber(s, '1000', when), { deptId: 'familie', fn: null, personId: 'lea', metUnavailable: false, insideHours: true });
  assert.equal(classifyNumber(s, '1003', when).fn, 'familie-vagt');
  assert.equal(classifyNumber(s, '2001', when), { deptId: 'jobcenter', fn: null, personId: 'dan', metUnavailable: false, insideHours: true });
  assert.equal(classifyNumber(s, '+4587654321', when), { deptId: null, fn: null, personId: null, metUnavailable: false, insideHours: false });
});

t('PH-1: inside hours by the department (personal numbers) or the function\'s own hours (group numbers); off-hours is unavailable', () => {
  const s = state();
  const evening = new Date(Date.parse('2026-11-23T20:00:00+01:00'));
  assert.equal(classifyNumber(s, '1001', evening), { deptId: 'familie', fn: 'familie-gruppe', personId: 'anna', metUnavailable: true, insideHours: false });
  assert.is(classifyNumber(s, '1900', evening).insideHours, false);
  assert.is(classifyNumber(s, '1901', evening).insideHours, true);
  // 08:30: Familie answers, Jobcenter not yet
  const early = new Date(Date.parse('2026-11-23T08:30:00+01:00'));
  assert.equal([classifyNumber(s, '1001', early).insideHours, classifyNumber(s, '2001', early).insideHours], [true, false]);
});

t('ST-1 "met an unavailable person": away, absent, in a meeting, on a call, diverted, the department closed; available is not', () => {
  const now = new Date(T0);
  const until = new Date(T0 + 3600_000).toISOString();
  const base = (id: string) => initialRecord(id, now);
  const cases: [string, PersonRecord | DeptRecord, boolean][] = [
    ['away', revise(base('anna'), { status: { kind: 'away', since: at(-60), until, source: 'phone' } }, now), true],
    ['absent', revise(base('anna'), { status: { kind: 'absent', since: at(-60), until: null, source: 'phone' } }, now), true],
    ['in-meeting', revise(base('anna'), { status: { kind: 'in-meeting', since: at(-60), until, source: 'calendar' } }, now), true],
    ['on-call', revise(base('anna'), { onCall: true }, now), true],
    ['diverted', revise(base('anna'), { diversion: { to: 'bo', since: at(-60), until: null, status: 'active', declinedBy: null, source: 'phone' } }, now), true],
    ['diversion declined', revise(base('anna'), { diversion: { to: 'bo', since: at(-60), until: null, status: 'declined', declinedBy: 'bo', source: 'phone' } }, now), false],
    ['away, back already', revise(base('anna'), { status: { kind: 'away', since: at(-600), until: at(-60), source: 'phone' } }, now), false],
    ['closed (PH-3)', { ...initialDeptRecord('familie', now), closures: [{ id: 'c', start: at(-60), end: until, endedEarly: false, message: null, offer: 'message', fallback: null, source: 'admin' }] } as DeptRecord, true],
  ];
  for (const [what, rec, expected] of cases) {
    const s = 'personId' in rec ? state([rec]) : state([], [rec]);
    const log = fold(s);
    const [c] = run(log, [ev('ringing', 'x', 0), ev('ended', 'x', 30, { reason: 'no-answer' })]);
    assert.is(c!.metUnavailable, expected, what);
    // it is the dialled person who counts: a colleague's call is not affected
    assert.is(classifyNumber(s, '1002', now).metUnavailable, what === 'closed (PH-3)', `${what}: colleague`);
  }
});

t('outcomes: from the answer, or the PBX\'s reason and the IVR\'s route', () => {
  const cases: [Partial<PbxCallEvent>, string, string][] = [
    [{}, 'voicemail', 'voicemail'],
    [{ route: { kind: 'announce', reason: 'message' }, extensions: [] }, 'announced', 'message'],
    [{ route: { kind: 'announce', reason: 'outside-hours' }, extensions: [] }, 'announced', 'announced'],
    [{ route: { kind: 'announce', reason: 'closure' }, extensions: [] }, 'announced', 'announced'],
    [{}, 'no-answer', 'no-answer'],
    [{}, 'cancelled', 'no-answer'],
    [{}, 'busy', 'failed'],
    [{}, 'failed', 'failed'],
    [{}, 'something-new', 'failed'],
  ];
  for (const [ringing, reason, outcome] of cases) {
    const log = fold();
    const [c] = run(log, [ev('ringing', 'x', 0, ringing), ev('ended', 'x', 42, { reason })]);
    assert.equal([c!.outcome, c!.waitS, c!.answeredAt, c!.answeredBy], [outcome, 42, null, null], reason);
  }
  // once answered, the reason does not matter
  assert.is(outcomeOf(true, 'no-answer', null), 'answered');
  assert.is(outcomeOf(false, undefined, null), 'failed');
});

t('transfers count after the answer only; the last extension to answer took it; the wait is to the first answer', () => {
  const log = fold();
  const out = run(log, [
    ev('ringing', 'c', 0, { callee: '1900', extensions: ['1001', '1002'] }),
    ev('transferred', 'c', 1, { transferTo: '1003' }), // before an answer: not a transfer of the call
    ev('answered', 'c', 8, { extensions: ['1001'] }),
    ev('transferred', 'c', 60, { transferTo: '1003' }),
    ev('ringing', 'c', 61, { extensions: ['1003'] }),
    ev('answered', 'c', 70, { extensions: ['1003'] }),
    ev('transferred', 'c', 120, { transferTo: '2001' }),
    ev('ended', 'c', 300, { reason: 'no-answer' }), // the last round rang out: the call was still answered
  ]);
  assert.equal(out.map((c) => [c.fn, c.personId, c.transfers, c.answeredBy, c.answeredAt, c.waitS, c.outcome]), [['familie-gruppe', null, 2, '1003', at(8), 8, 'answered']]);
});

t('a PBX dialling on after an unanswered round (same call id) reopens the call: the next end replaces it, waited from the first offer', () => {
  const log = fold();
  const first = run(log, [ev('ringing', 'c', 0), ev('ended', 'c', 20, { reason: 'no-answer' })]);
  assert.equal(first.map((c) => [c.outcome, c.waitS]), [['no-answer', 20]]);
  const second = run(log, [ev('ringing', 'c', 21, { callee: '1002', extensions: ['1002'] }), ev('answered', 'c', 25, { extensions: ['1002'] }), ev('ended', 'c', 90, { reason: 'completed' })]);
  assert.equal(second.map((c) => [c.callId, c.number, c.personId, c.offeredAt, c.outcome, c.waitS, c.answeredBy]), [['c', '1001', 'anna', at(0), 'answered', 25, '1002']]);
  // an answered call that ended is not reopened: a late ringing starts nothing, a late end finishes nothing
  assert.equal(run(log, [ev('ended', 'c', 95, { reason: 'completed' })]), []);
});

t('a ringing long after an unanswered end is a new call', () => {
  const log = fold(state(), { reopenMs: 60_000 });
  run(log, [ev('ringing', 'c', 0), ev('ended', 'c', 20, { reason: 'no-answer' })]);
  const later = new Date(T0 + 3600_000);
  log.expire(later);
  const out = [...log.push(ev('ringing', 'c', 3600), later), ...log.push(ev('ended', 'c', 3610, { reason: 'no-answer' }), later)];
  assert.equal(out.map((c) => [c.offeredAt, c.waitS]), [[at(3600), 10]]);
});

t('events for unknown calls, repeated, out of order or malformed are ignored; nothing throws', () => {
  const log = fold();
  const junk: unknown[] = [
    ev('answered', 'nobody', 5),
    ev('transferred', 'nobody', 5),
    ev('ended', 'nobody', 5, { reason: 'completed' }),
    null,
    {},
    { type: 'ringing', callId: 'bad-time', at: 'yesterday', caller: 'x', callee: '1001' },
    { type: 'ringing', callId: '', at: at(0), caller: 'x', callee: '1001' },
    { type: 'ringing', callId: 42, at: at(0), caller: 'x', callee: '1001' },
    { type: 'hold', callId: 'c', at: at(0), caller: 'x', callee: '1001' },
  ];
  for (const e of junk) assert.equal(log.push(e as PbxCallEvent, NOW), []);
  assert.is(log.size, 0);
  const out = run(log, [
    ev('ringing', 'c', 10),
    ev('ringing', 'c', 11, { callee: '2001' }), // a repeat: the call stays what it was first offered as
    ev('answered', 'c', 9), // older than the ringing: out of order
    ev('answered', 'c', 15, { extensions: ['1001'] }),
    ev('answered', 'c', 16, { extensions: [] }), // no extension: the answer stands, who took it too
    ev('ended', 'c', 12, { reason: 'completed' }), // older than the answer
    { type: 'ringing', callId: 'c', at: at(17) } as PbxCallEvent, // no callee: changes nothing
    ev('ended', 'c', 30, { reason: 'completed' }),
    ev('ended', 'c', 31, { reason: 'completed' }),
  ]);
  assert.equal(out.map((c) => [c.number, c.personId, c.answeredAt, c.answeredBy, c.endedAt, c.waitS]), [['1001', 'anna', at(15), '1001', at(30), 5]]);
  // a ringing without a callee counts for nobody, but counts
  const [odd] = run(log, [{ type: 'ringing', callId: 'z', at: at(40) } as PbxCallEvent, ev('ended', 'z', 41, { reason: 'no-answer' })]);
  assert.equal([odd!.number, odd!.deptId, odd!.outcome], ['', null, 'no-answer']);
});

t('a lost end: a call silent past the maximum age is finished as it stands (answered ones as answered, at their last event)', () => {
  const log = fold(state(), { maxAgeMs: 3600_000 });
  run(log, [ev('ringing', 'a', 0), ev('answered', 'a', 5, { extensions: ['1001'] }), ev('ringing', 'r', 0)]);
  assert.equal(log.expire(new Date(T0 + 3600_000)), []);
  log.push(ev('transferred', 'a', 600, { transferTo: '1002' }), new Date(T0 + 1800_000)); // heard of later: kept longer
  const first = log.expire(new Date(T0 + 3600_001));
  assert.equal(first.map((c) => [c.callId, c.outcome, c.endedAt]), [['r', 'failed', at(0)]]);
  const second = log.expire(new Date(T0 + 1800_000 + 3600_001));
  assert.equal(second.map((c) => [c.callId, c.outcome, c.answeredAt, c.endedAt, c.transfers]), [['a', 'answered', at(5), at(600), 1]]);
  assert.is(log.size, 0);
  // its end arriving after all is ignored
  assert.equal(log.push(ev('ended', 'a', 9000, { reason: 'completed' }), new Date(T0 + 9000_000)), []);
});

t('bounded: with every end lost, open calls never pass the maximum; the oldest are finished first', () => {
  const log = fold(state(), { maxOpen: 100 });
  const finished: CallRecord[] = [];
  for (let i = 0; i < 1000; i++) {
    finished.push(...log.push(ev('ringing', `c${i}`, i), new Date(T0 + i * 1000)));
    assert.ok(log.size <= 100, `open ${log.size} after ${i + 1}`);
  }
  assert.is(finished.length + log.size, 1000);
  assert.equal(finished.slice(0, 10).map((c) => c.callId), ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9']);
  assert.ok(finished.every((c) => c.outcome === 'failed'));
  // unanswered ended calls kept for reopening are bounded as well: the oldest can no longer be reopened
  const ended = fold(state(), { maxOpen: 50 });
  for (let i = 0; i < 500; i++) run(ended, [ev('ringing', `d${i}`, i), ev('ended', `d${i}`, i + 1, { reason: 'no-answer' })]);
  const again = (id: string, s: number) => run(ended, [ev('ringing', id, s), ev('ended', id, s + 1, { reason: 'no-answer' })])[0]!.offeredAt;
  assert.is(again('d499', 600), at(499), 'a recent one reopens');
  assert.is(again('d0', 600), at(600), 'the oldest was forgotten');
});

t('the IVR is no person: an announce call it picks up (Kamailio: answered with no extension) is a message or announced, waiting until the pick-up', () => {
  const log = fold();
  const msg = run(log, [
    ev('ringing', 'i1', 0, { extensions: [], route: { kind: 'announce', reason: 'message' } }),
    ev('answered', 'i1', 2, { extensions: [] }),
    ev('ended', 'i1', 90, { reason: 'completed' }),
  ]);
  assert.equal([msg[0]!.outcome, msg[0]!.answeredAt, msg[0]!.answeredBy, msg[0]!.waitS], ['message', null, null, 2]);
  const spoke = run(log, [
    ev('ringing', 'i2', 0, { extensions: [], route: { kind: 'announce', reason: 'closure' } }),
    ev('answered', 'i2', 1, {}),
    ev('ended', 'i2', 30, { reason: 'completed' }),
  ]);
  assert.equal([spoke[0]!.outcome, spoke[0]!.waitS], ['announced', 1]);
});

t('PH-4 never silence: a call nobody answers falls back to the IVR (a second ringing, announce message): a message, not lost; its class stays the first offer\'s', () => {
  const log = fold();
  const out = run(log, [
    ev('ringing', 'f1', 0, { extensions: ['1001'] }),
    ev('ringing', 'f1', 30, { extensions: [], route: { kind: 'announce', reason: 'message' } }),
    ev('answered', 'f1', 31, { extensions: [] }),
    ev('ended', 'f1', 120, { reason: 'completed' }),
  ]);
  assert.equal([out.length, out[0]!.outcome, out[0]!.personId, out[0]!.waitS, out[0]!.answeredAt], [1, 'message', 'anna', 31, null]);
  // an answered call that is later transferred to the IVR stays answered
  const kept = run(log, [
    ev('ringing', 'f2', 0, { extensions: ['1001'] }),
    ev('answered', 'f2', 5, { extensions: ['1001'] }),
    ev('ringing', 'f2', 60, { extensions: [], route: { kind: 'announce', reason: 'message' } }),
    ev('ended', 'f2', 120, { reason: 'completed' }),
  ]);
  assert.equal([kept[0]!.outcome, kept[0]!.answeredBy], ['answered', '1001']);
});

t.run();
