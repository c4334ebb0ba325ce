/**
 * ST-1: the quarterly report. Pure part: every figure of a hand-counted quarter (departments
 * with no calls, functions, totals, ISO weeks across the year end and the DST change, the
 * quarter's edges in Copenhagen time), call-backs on time / late / open (AS-2, AS-4),
 * diversions; the per-call sums agree with `aggregateCalls` on random calls; the output passes
 * the `QuarterReport` schema; a bad quarter is refused naming `quarter`. From the store: the
 * real SqliteStore gives the same report as the pure function, diversions read from the journal.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as z from 'zod/mini';
import { OmstilError, QuarterReport, type ReportFigures } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import type { MessageRecord, MessageStatus } from '../../../broker/state/message-record.js';
import { SqliteStore } from '../../../broker/store/sqlite-store.js';
import { aggregateCalls, type CallOutcome, type CallRecord } from '../../../broker/stats/call-record.js';
import { buildQuarterReport, callbackState, quarterBounds, quarterReportFromStore } from '../../../broker/stats/quarter-report.js';
import { seededRandom } from '../../support/seeded-random.js';
import { figures } from './report-fixture.js';

const t = suite('broker/stats/quarter-report');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [
    { id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00; PH off' },
    { id: 'jobcenter', name: 'Jobcenter', phoneHours: 'Mo-Fr 09:00-14:00; PH off' },
    { id: 'administration', name: 'Administration', phoneHours: 'Mo-Fr 08:00-16:00; PH off' },
  ],
  groups: [
    { id: 'familie-gruppe', name: 'Familie, fællesnummer', dept: 'familie', number: '1900', members: ['anna', 'bo'] },
    { id: 'familie-vagt', name: 'Familiens vagt', dept: 'familie', number: '1901', members: ['carl'] },
    { id: 'jobcenter-vagt', name: 'Jobcentrets vagt', dept: 'jobcenter', number: '2900', members: ['dan'] },
  ],
  people: [
    { id: 'lea', name: 'Lea Leder', dept: 'familie', extension: '1000' },
    { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001', leader: 'lea' },
    { id: 'bo', name: 'Bo Berg', dept: 'familie', extension: '1002', leader: 'lea' },
    { id: 'carl', name: 'Carl Dahl', dept: 'familie', extension: '1003', leader: 'lea' },
    { id: 'dan', name: 'Dan Eriksen', dept: 'jobcenter', extension: '2001' },
    { id: 'ole', name: 'Ole Olsen', dept: 'administration', extension: '3000' },
  ],
  devices: ['lea', 'anna', 'bo', 'carl', 'dan', 'ole'].map((p) => ({ id: `phone-${p}`, kind: 'phone' as const, person: p })),
});

/** a local Copenhagen time → ISO in UTC (CEST until 25 October 2026, CET after) */
const local = (s: string) => {
  const month = Number(s.slice(5, 7));
  const day = Number(s.slice(8, 10));
  const summer = (month > 3 && month < 10) || (month === 10 && day < 25);
  return new Date(`${s}${summer ? '+02:00' : '+01:00'}`).toISOString();
};

function call(callId: string, offered: string, p: { deptId: string | null; fn: string | null; personId?: string | null; outcome: CallOutcome; waitS?: number; transfers?: number; metUnavailable?: boolean; insideHours?: boolean }): CallRecord {
  const offeredAt = local(offered);
  const waitS = p.waitS ?? 20;
  const answered = p.outcome === 'answered';
  return {
    callId,
    number: '1001',
    deptId: p.deptId,
    fn: p.fn,
    personId: p.personId ?? null,
    offeredAt,
    answeredAt: answered ? new Date(Date.parse(offeredAt) + waitS * 1000).toISOString() : null,
    endedAt: new Date(Date.parse(offeredAt) + waitS * 1000 + 60_000).toISOString(),
    waitS,
    outcome: p.outcome,
    answeredBy: answered ? '1001' : null,
    transfers: p.transfers ?? 0,
    metUnavailable: p.metUnavailable ?? false,
    insideHours: p.insideHours ?? true,
  };
}

const CALLS: CallRecord[] = [
  call('c1', '2026-10-01T00:30:00', { deptId: 'familie', fn: 'familie-gruppe', personId: 'anna', outcome: 'answered', waitS: 10, transfers: 1 }),
  call('c4', '2026-10-04T23:59:00', { deptId: 'familie', fn: null, personId: 'lea', outcome: 'voicemail', metUnavailable: true }),
  call('c3', '2026-10-05T00:30:00', { deptId: 'familie', fn: 'familie-gruppe', personId: 'anna', outcome: 'message', metUnavailable: true }),
  call('c5', '2026-11-10T20:00:00', { deptId: 'familie', fn: 'familie-gruppe', outcome: 'announced', insideHours: false }),
  call('c6', '2026-11-11T10:00:00', { deptId: 'familie', fn: 'familie-vagt', personId: 'carl', outcome: 'no-answer' }),
  call('j1', '2026-11-12T10:00:00', { deptId: 'jobcenter', fn: 'jobcenter-vagt', personId: 'dan', outcome: 'answered', waitS: 50, transfers: 2 }),
  call('c2', '2026-12-31T23:59:00', { deptId: 'familie', fn: 'familie-gruppe', outcome: 'answered', waitS: 30 }),
  // not counted: an outside number, the second before the quarter, the first second after it
  call('x1', '2026-11-12T10:00:00', { deptId: null, fn: null, outcome: 'answered' }),
  call('x2', '2026-09-30T23:59:59', { deptId: 'familie', fn: null, outcome: 'answered' }),
  call('x3', '2027-01-01T00:00:00', { deptId: 'familie', fn: null, outcome: 'answered' }),
];

function message(id: string, forId: string, due: string, status: MessageStatus, doneAt?: string): MessageRecord {
  const takenAt = local('2026-10-05T10:00:00');
  const history: MessageRecord['history'] = [{ at: takenAt, status: 'waiting', by: 'kiosk-1', person: null }];
  if (status !== 'waiting') history.push({ at: takenAt, status: 'acknowledged', by: 'phone-anna', person: 'anna' });
  if (status === 'done') history.push({ at: local(doneAt!), status: 'done', by: 'phone-anna', person: 'anna' });
  return {
    id,
    rev: history.length,
    for: forId,
    askedFor: null,
    callerName: 'Jytte Test',
    callerNumber: '+45 11 22 33 44',
    text: 'Ring tilbage',
    callerInformed: false,
    takenBy: { actor: 'kiosk-1', source: 'phone', person: null },
    takenAt,
    due: local(due),
    rule: 'AS-1',
    status,
    history,
    updatedAt: history.at(-1)!.at,
  };
}

const MESSAGES: MessageRecord[] = [
  message('m1', 'anna', '2026-10-06T15:00:00', 'done', '2026-10-06T14:00:00'),
  message('m2', 'bo', '2026-10-07T15:00:00', 'done', '2026-10-08T09:00:00'),
  message('m3', 'familie-gruppe', '2026-11-02T15:00:00', 'acknowledged'),
  message('m4', 'dan', '2026-12-02T15:00:00', 'waiting'),
  message('m5', 'gone', '2026-10-06T15:00:00', 'done', '2026-10-06T15:00:00'),
];

const DIVERSIONS = ['anna', 'anna', 'carl', 'dan', 'ghost'].map((personId, i) => ({ at: local(`2026-10-1${i}T09:00:00`), personId }));

/** 1 December 2026, 12:00 in Copenhagen: the quarter is not over */
const NOW = new Date(local('2026-12-01T12:00:00'));


const report = (over: { now?: Date; quarter?: string } = {}) => buildQuarterReport({ dir, quarter: over.quarter ?? '2026Q4', now: over.now ?? NOW, calls: CALLS, messages: MESSAGES, diversions: DIVERSIONS });

t('quarter bounds are Copenhagen days: 2026Q4 is 1 October 00:00 CEST to 1 January 00:00 CET', () => {
  const q = quarterBounds('2026Q4');
  assert.equal([q.from, q.to, q.start.toISOString(), q.end.toISOString()], ['2026-10-01', '2026-12-31', '2026-09-30T22:00:00.000Z', '2026-12-31T23:00:00.000Z']);
  const q1 = quarterBounds('2027Q1');
  assert.equal([q1.from, q1.to, q1.start.toISOString(), q1.end.toISOString()], ['2027-01-01', '2027-03-31', '2026-12-31T23:00:00.000Z', '2027-03-31T22:00:00.000Z']);
});

t('a bad quarter is refused with invalid-payload naming `quarter` and ST-1', () => {
  for (const bad of ['2026Q5', '2026Q0', '2026-Q4', 'Q4 2026', '', '26Q1', '2026q4', ' 2026Q4']) {
    for (const attempt of [() => quarterBounds(bad), () => report({ quarter: bad }), () => quarterReportFromStore(new SqliteStore({ file: ':memory:' }), dir, bad, NOW)]) {
      try {
        attempt();
        assert.unreachable(`${JSON.stringify(bad)} was accepted`);
      } catch (err) {
        assert.instance(err, OmstilError, JSON.stringify(bad));
        const e = err as OmstilError;
        assert.equal([e.code, e.field, e.rule], ['invalid-payload', 'quarter', 'ST-1']);
        assert.match(e.message, /^quarter: must be a quarter like 2026Q4/);
        assert.ok(e.text?.da && e.text.en);
      }
    }
  }
  assert.throws(() => report({ now: new Date('not a time') }), (err: unknown) => err instanceof OmstilError && err.field === 'now' && err.code === 'invalid-payload');
});

t('ST-1 totals, every department (one with no calls too) and every function, counted by hand', () => {
  const r = report();
  assert.equal(r.totals, {
    offered: 7,
    answered: 3,
    answerRate: 3 / 7,
    waitAvgS: 30,
    waitP90S: 50,
    transfersPerCall: 1,
    metUnavailable: 2,
    messageCalls: 1,
    voicemail: 1,
    lost: 2,
    diversions: 5,
    messages: 5,
    callbacksOnTime: 2,
    callbacksLate: 2,
    callbacksOpen: 1,
    callbackOnTimeRate: 0.5,
  });
  assert.equal(
    r.departments.map((d) => [d.id, d.name, d.functions.map((f) => [f.id, f.name])]),
    [
      ['familie', 'Familie', [['familie-gruppe', 'Familie, fællesnummer'], ['familie-vagt', 'Familiens vagt']]],
      ['jobcenter', 'Jobcenter', [['jobcenter-vagt', 'Jobcentrets vagt']]],
      ['administration', 'Administration', []],
    ],
  );
  const [familie, jobcenter, administration] = r.departments;
  assert.equal(familie!.figures, {
    offered: 6,
    answered: 2,
    answerRate: 1 / 3,
    waitAvgS: 20,
    waitP90S: 30,
    transfersPerCall: 0.5,
    metUnavailable: 2,
    messageCalls: 1,
    voicemail: 1,
    lost: 2,
    diversions: 3,
    messages: 3,
    callbacksOnTime: 1,
    callbacksLate: 2,
    callbacksOpen: 0,
    callbackOnTimeRate: 1 / 3,
  });
  assert.equal(familie!.functions[0]!.figures, figures({ offered: 4, answered: 2, answerRate: 0.5, waitAvgS: 20, waitP90S: 30, transfersPerCall: 0.5, metUnavailable: 1, messageCalls: 1, diversions: 2, messages: 1, callbacksLate: 1, callbackOnTimeRate: 0 }));
  assert.equal(familie!.functions[1]!.figures, figures({ offered: 1, answerRate: 0, lost: 1, diversions: 1 }));
  assert.equal(jobcenter!.figures, figures({ offered: 1, answered: 1, answerRate: 1, waitAvgS: 50, waitP90S: 50, transfersPerCall: 2, diversions: 1, messages: 1, callbacksOpen: 1 }));
  assert.equal(jobcenter!.functions[0]!.figures, figures({ offered: 1, answered: 1, answerRate: 1, waitAvgS: 50, waitP90S: 50, transfersPerCall: 2, diversions: 1 }));
  assert.equal(administration!.figures, figures({}));
});

t('the report\'s head: quarter, municipality, days, when, zone; partial until the quarter is over', () => {
  const r = report();
  assert.equal([r.quarter, r.municipality, r.from, r.to, r.generatedAt, r.timezone, r.partial], ['2026Q4', 'Testkommune', '2026-10-01', '2026-12-31', NOW.toISOString(), 'Europe/Copenhagen', true]);
  assert.is(report({ now: new Date('2026-12-31T22:59:59.999Z') }).partial, true);
  assert.is(report({ now: new Date('2026-12-31T23:00:00.000Z') }).partial, false);
  assert.is(report({ now: new Date('2026-08-01T10:00:00Z') }).partial, true);
});

t('ISO weeks of the quarter in Copenhagen time: W40 to W53, a Sunday 23:59 and a Monday 00:30 on either side', () => {
  const r = report();
  assert.equal(r.weeks.map((w) => w.week), Array.from({ length: 14 }, (_, i) => `2026-W${40 + i}`));
  const byWeek = Object.fromEntries(r.weeks.filter((w) => w.offered).map((w) => [w.week, [w.offered, w.answered, w.answerRate]]));
  assert.equal(byWeek, { '2026-W40': [2, 1, 0.5], '2026-W41': [1, 0, 0], '2026-W46': [3, 1, 1 / 3], '2026-W53': [1, 1, 1] });
  assert.ok(r.weeks.filter((w) => !w.offered).every((w) => w.answered === 0 && w.answerRate === null));
  // Q1 2027 begins in 2026's week 53 and ends in 2027-W13
  const q1 = report({ quarter: '2027Q1' }).weeks.map((w) => w.week);
  assert.equal([q1[0], q1[1], q1.at(-1), q1.length], ['2026-W53', '2027-W01', '2027-W13', 14]);
  assert.equal(report({ quarter: '2027Q1' }).weeks[0], { week: '2026-W53', offered: 1, answered: 1, answerRate: 1 }); // x3, 1 January 00:00
});

t('AS-2/AS-4 call-backs: done by the due time is on time, after it late; not done is late past due, open before', () => {
  const m = (status: MessageStatus, doneAt?: string) => message('m', 'anna', '2026-10-06T15:00:00', status, doneAt);
  const before = new Date(local('2026-10-06T15:00:00'));
  const after = new Date(before.getTime() + 1);
  assert.is(callbackState(m('done', '2026-10-06T15:00:00'), after), 'on-time');
  assert.is(callbackState(m('done', '2026-10-06T15:00:01'), after), 'late');
  assert.is(callbackState(m('waiting'), before), 'open');
  assert.is(callbackState(m('waiting'), after), 'late');
  assert.is(callbackState(m('acknowledged'), before), 'open');
  assert.is(callbackState(m('acknowledged'), after), 'late');
  // an escalation entry (status unchanged) is not the call-back
  const escalated = m('acknowledged');
  escalated.history.push({ at: after.toISOString(), status: 'acknowledged', by: 'hub', person: null, escalated: { level: 1, to: 'familie-gruppe' } });
  assert.is(callbackState(escalated, after), 'late');
});

t('the call figures agree with aggregateCalls for every department and function (random calls)', () => {
  const rnd = seededRandom(2026);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const outcomes: CallOutcome[] = ['answered', 'answered', 'answered', 'message', 'voicemail', 'announced', 'no-answer', 'failed'];
  const start = Date.parse('2026-09-30T22:00:00Z');
  const span = Date.parse('2026-12-31T23:00:00Z') - start;
  const targets = [
    ['familie', 'familie-gruppe'],
    ['familie', 'familie-vagt'],
    ['familie', null],
    ['jobcenter', 'jobcenter-vagt'],
    ['jobcenter', null],
  ] as const;
  const calls: CallRecord[] = [];
  for (let i = 0; i < 3000; i++) {
    const [deptId, fn] = pick(targets);
    const c = call(`r${i}`, '2026-10-01T10:00:00', { deptId, fn, outcome: pick(outcomes), waitS: Math.round(rnd() * 1200) / 10, transfers: Math.floor(rnd() * 3), metUnavailable: rnd() < 0.3, insideHours: rnd() < 0.8 });
    c.offeredAt = new Date(start + Math.floor(rnd() * span)).toISOString();
    calls.push(c);
  }
  const r = buildQuarterReport({ dir, quarter: '2026Q4', now: NOW, calls, messages: [], diversions: [] });
  const callPart = (f: ReportFigures) => ({ offered: f.offered, answered: f.answered, answerRate: f.answerRate, waitAvgS: f.waitAvgS, waitP90S: f.waitP90S, transfersPerCall: f.transfersPerCall, metUnavailable: f.metUnavailable, messages: f.messageCalls, voicemail: f.voicemail, lost: f.lost });
  const expect = (xs: CallRecord[]) => {
    const a = aggregateCalls(xs);
    return { ...a, waitAvgS: a.waitAvgS };
  };
  const near = (got: ReturnType<typeof callPart>, want: ReturnType<typeof expect>, what: string) => {
    for (const k of Object.keys(want) as (keyof typeof want)[]) {
      const g = got[k];
      const w = want[k];
      if (typeof g === 'number' && typeof w === 'number') assert.ok(Math.abs(g - w) < 1e-9, `${what}.${k}: ${g} vs ${w}`);
      else assert.is(g, w, `${what}.${k}`);
    }
  };
  near(callPart(r.totals), expect(calls), 'totals');
  for (const d of r.departments) {
    near(callPart(d.figures), expect(calls.filter((c) => c.deptId === d.id)), d.id);
    for (const f of d.functions) near(callPart(f.figures), expect(calls.filter((c) => c.fn === f.id)), f.id);
  }
  assert.is(r.weeks.reduce((n, w) => n + w.offered, 0), 3000);
  assert.is(r.weeks.reduce((n, w) => n + w.answered, 0), r.totals.answered);
  assert.ok(z.safeParse(QuarterReport, r).success);
});

t('the output passes the QuarterReport schema (also with nothing at all to count)', () => {
  for (const r of [report(), report({ quarter: '2027Q1' }), buildQuarterReport({ dir, quarter: '2026Q3', now: NOW, calls: [], messages: [], diversions: [] })]) {
    const parsed = z.safeParse(QuarterReport, r);
    assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
  }
  const empty = buildQuarterReport({ dir, quarter: '2026Q3', now: NOW, calls: [], messages: [], diversions: [] });
  assert.equal(empty.totals, figures({}));
  assert.is(empty.partial, false);
  assert.is(empty.weeks.length, 14); // 2026-W27 .. 2026-W40
});

t('the calls are read once, as they come (a generator the store streams)', () => {
  let reads = 0;
  function* once(): Generator<CallRecord> {
    reads++;
    yield* CALLS;
  }
  const r = buildQuarterReport({ dir, quarter: '2026Q4', now: NOW, calls: once(), messages: MESSAGES, diversions: DIVERSIONS });
  assert.is(reads, 1);
  assert.equal(r, report());
});

t('from the store: the SQLite store gives the same report; diversions from the journal (phones, admin, absences, PBX forwards)', () => {
  const store = new SqliteStore({ file: ':memory:' });
  try {
    for (const c of CALLS) store.saveCall(c);
    store.commit([], [], { at: local('2026-10-05T10:00:00'), actor: 'kiosk-1', op: 'take-message', detail: {} }, MESSAGES);
    // a message taken before the quarter is not in it
    store.commit([], [], { at: local('2026-09-30T10:00:00'), actor: 'kiosk-1', op: 'take-message', detail: {} }, [{ ...message('m0', 'anna', '2026-10-01T15:00:00', 'waiting'), takenAt: local('2026-09-30T23:59:00') }]);
    const j = (at: string, actor: string, op: string, detail: unknown) => store.commit([], [], { at: local(at), actor, op, detail });
    j('2026-10-02T09:00:00', 'phone-anna', 'divert', { target: 'bo' }); // a phone: its own person
    j('2026-10-02T09:05:00', 'phone-lea', 'divert', { target: 'anna', person: 'carl' }); // a leader for her staff (PR-4)
    j('2026-10-03T09:00:00', 'admin:api', 'divert', { op: 'divert', person: 'dan', target: 'lea', until: null });
    j('2026-10-04T09:00:00', 'phone-anna', 'set-status', { kind: 'absent', until: local('2026-10-20T08:00:00'), divertTo: 'bo' }); // DV-6
    j('2026-10-04T09:01:00', 'phone-bo', 'set-status', { kind: 'away', until: local('2026-10-04T10:00:00'), divertTo: null }); // no diversion
    j('2026-10-05T09:00:00', 'pbx:simulated', 'pbx-forward', { op: 'pbx-forward', extension: '1002', to: '1001' }); // *72 on bo's phone
    j('2026-10-05T09:01:00', 'pbx:simulated', 'pbx-forward', { op: 'pbx-forward', extension: '1002', to: null }); // cleared
    j('2026-10-06T09:00:00', 'phone-anna', 'undivert', {});
    j('2026-09-30T23:00:00', 'phone-anna', 'divert', { target: 'bo' }); // before the quarter
    j('2026-10-07T09:00:00', 'kiosk-1', 'divert', { target: 'bo' }); // a kiosk has no person: nobody's diversion
    const r = quarterReportFromStore(store, dir, '2026Q4', NOW);
    assert.ok(z.safeParse(QuarterReport, r).success);
    const expected = buildQuarterReport({
      dir,
      quarter: '2026Q4',
      now: NOW,
      calls: CALLS,
      messages: MESSAGES,
      diversions: ['anna', 'carl', 'dan', 'anna', 'bo'].map((personId) => ({ at: '', personId })),
    });
    assert.equal(r, expected);
    assert.equal(r.departments.map((d) => d.figures.diversions), [4, 1, 0]);
  } finally {
    store.close();
  }
});

t.run();
