import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallOutcome, CallRecord } from '../../../broker/stats/call-record.js';
import type { CallEvent } from '../../../simulator/scenario/day-events.js';
import { dayKpis } from '../../../simulator/scenario/kpis.js';
import type { CallBack, DayRun, SimCall } from '../../../simulator/scenario/run-day.js';

const t = suite('simulator/scenario/kpis');

const T0 = Date.parse('2026-11-24T09:00:00Z');

function call(id: string, outcome: CallOutcome, opts: { transfers?: number; fcr?: boolean; reachable?: boolean; inside?: boolean; wait?: number; unanswered?: 'busy' | 'away' } = {}): SimCall {
  const event: CallEvent = { id, at: T0, dept: 'd', channel: 'personal', target: 'p1', number: '20000', durationS: 200, callerName: 'B', callerNumber: '+45 11 22 33 44' };
  const record: CallRecord = {
    callId: id,
    number: '20000',
    deptId: 'd',
    fn: 'd-funktion-1',
    personId: 'p1',
    offeredAt: new Date(T0).toISOString(),
    answeredAt: outcome === 'answered' ? new Date(T0 + 10_000).toISOString() : null,
    endedAt: new Date(T0 + 210_000).toISOString(),
    waitS: opts.wait ?? 10,
    outcome,
    answeredBy: outcome === 'answered' ? '20000' : null,
    transfers: opts.transfers ?? 0,
    metUnavailable: false,
    insideHours: opts.inside ?? true,
  };
  return { event, record, firstContact: opts.fcr ?? false, functionReachable: opts.reachable ?? false, unanswered: opts.unanswered ?? null };
}

const cb = (message: string, doneAt: number | null, due = T0 + 86_400_000): CallBack => ({ message, call: 'x', for: 'p1', takenAt: T0, due, doneAt, by: doneAt === null ? null : 'p1', durationS: 200 });

t('the KPIs of a handful of calls', () => {
  const run: DayRun = {
    mode: 'with',
    commands: 0,
    refusals: {},
    calls: [
      call('a', 'answered', { fcr: true, wait: 10 }),
      call('b', 'answered', { transfers: 1, wait: 30 }),
      call('c', 'message'),
      call('d', 'no-answer', { reachable: true, unanswered: 'busy' }),
      call('e', 'voicemail', { reachable: false, unanswered: 'away' }),
      call('f', 'announced', { inside: false }),
      call('g', 'announced', { inside: true }),
      call('h', 'message'),
    ],
    callbacks: [cb('m1', T0 + 3_600_000), cb('m2', null), cb('m3', T0 + 200_000, T0 + 100_000)],
  };
  const k = dayKpis(run);
  assert.is(k.offered, 8);
  assert.is(k.answered, 2);
  assert.is(k.answerRate, 2 / 8);
  // lost: inside hours and neither answered nor a message: d, e, g (f was outside phone hours)
  assert.is(k.lost, 3);
  assert.is(k.lostRate, 3 / 8);
  assert.is(k.lostWhileReachable, 1);
  assert.is(k.messages, 2);
  assert.is(k.voicemail, 1);
  assert.is(k.noAnswer, 1);
  assert.is(k.announced, 2);
  assert.is(k.unansweredBusy, 1);
  assert.is(k.unansweredAway, 1);
  assert.is(k.firstContact, 1);
  assert.is(k.firstContactRate, 1 / 8);
  assert.is(k.transfersPerCall, 0.5);
  assert.is(k.waitAvgS, 20);
  // call-backs: one on time, one late, one still open (not late)
  assert.equal(k.callbacks, { taken: 3, done: 2, onTime: 1, late: 1, open: 1, onTimeRate: 1 / 3 });
});

t('no calls: rates are null, not zero', () => {
  const k = dayKpis({ mode: 'without', commands: 0, refusals: {}, calls: [], callbacks: [] });
  assert.is(k.answerRate, null);
  assert.is(k.firstContactRate, null);
  assert.is(k.callbacks.onTimeRate, null);
  assert.is(k.lost, 0);
});

t.run();
