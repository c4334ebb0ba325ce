import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { playDay, type DayRuns } from '../../../simulator/scenario/day-scenario.js';
import type { DayPlan } from '../../../simulator/scenario/day-events.js';
import type { DayRun } from '../../../simulator/scenario/run-day.js';

const t = suite('simulator/scenario/run-day');

let day: DayRuns;
/** a small, overloaded day: three people per department, far more calls than they can take */
let busy: DayRuns;

t.before(() => {
  day = playDay({ seed: 4 });
  busy = playDay({ seed: 5, departments: 3, staff: [3, 3], callsPerHour: [40, 40] });
});

/** The truth: was the person at the desk (at work, not absent, not at lunch, in a meeting or their department's closure) at `t`? */
function atDesk(plan: DayPlan, personId: string, t: number): boolean {
  const p = plan.people.get(personId);
  if (!p || p.absence || t < p.work[0] || t >= p.work[1]) return false;
  const closure = plan.closures.find((c) => c.dept === p.dept);
  const blocks = [...(p.lunch ? [p.lunch] : []), ...p.meetings.map((m) => [m.start, m.end] as const), ...(closure ? [[closure.start, closure.end] as const] : [])];
  return !blocks.some(([a, b]) => a <= t && t < b);
}

function checkTruth(plan: DayPlan, run: DayRun): void {
  const pickup = plan.params.pickupSeconds * 1000;
  const busyFor = new Map<string, [number, number][]>();
  const add = (p: string, a: number, b: number) => busyFor.set(p, [...(busyFor.get(p) ?? []), [a, b]]);
  for (const c of run.calls) {
    const r = c.record;
    if (r.outcome !== 'answered') {
      assert.is(r.answeredBy, null);
      continue;
    }
    const person = plan.town.dir.byNumber(r.answeredBy!);
    assert.is(person?.kind, 'person');
    const id = person!.kind === 'person' ? person!.person.id : '';
    const at = Date.parse(r.answeredAt!);
    // only someone at the desk answers a ringing phone, in both runs
    assert.ok(atDesk(plan, id, at - pickup), `${run.mode}: ${c.event.id} answered by ${id}, who was not at the desk`);
    assert.is(Date.parse(r.endedAt) - at, c.event.durationS * 1000);
    add(id, at, Date.parse(r.endedAt));
  }
  for (const cb of run.callbacks) if (cb.doneAt !== null) add(cb.by!, cb.doneAt - cb.durationS * 1000, cb.doneAt);
  // nobody holds two calls at once
  for (const [p, spans] of busyFor) {
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i - 1]![1] <= spans[i]![0], `${run.mode}: ${p} on two calls at once`);
  }
}

t('both runs play the same calls', () => {
  for (const runs of [day, busy]) {
    assert.equal(runs.with.calls.map((c) => c.event.id).sort(), runs.plan.calls.map((c) => c.id));
    assert.equal(runs.without.calls.map((c) => c.event.id).sort(), runs.plan.calls.map((c) => c.id));
    for (const c of runs.with.calls) assert.is(c.record.offeredAt, new Date(c.event.at).toISOString());
  }
});

t('in both runs only people at their desk answer, one call at a time', () => {
  for (const runs of [day, busy]) {
    checkTruth(runs.plan, runs.with);
    checkTruth(runs.plan, runs.without);
  }
});

t('without omstil: a plain PBX, voicemail and no messages; reception transfers every main-number call', () => {
  const run = day.without;
  assert.is(run.commands, 0);
  assert.is(run.callbacks.length, 0);
  for (const c of run.calls) {
    assert.ok(['answered', 'voicemail'].includes(c.record.outcome), c.record.outcome);
    assert.is(c.record.transfers, c.event.channel === 'main' ? 1 : 0);
  }
});

t('with omstil: the policy takes every change without a refusal, and absent people are never rung (PR-1)', () => {
  assert.ok(day.with.commands > 1000);
  assert.equal(day.with.refusals, {});
  const absent = new Set([...day.plan.people.values()].filter((p) => p.absence).map((p) => day.plan.town.dir.people.get(p.id)!.extension));
  assert.ok(absent.size > 0);
  for (const c of day.with.calls) assert.not.ok(c.record.answeredBy !== null && absent.has(c.record.answeredBy), c.event.id);
  // nobody rings out at someone the calendar says is absent: calls for them ring their function
  const forAbsent = day.with.calls.filter((c) => day.plan.people.get(c.event.target)?.absence);
  assert.ok(forAbsent.length > 0);
  for (const c of forAbsent) assert.ok(c.record.outcome === 'answered' || c.record.outcome === 'message', `${c.event.id}: ${c.record.outcome}`);
});

t('with omstil on an overloaded day: messages are taken (AS-1), called back by their recipients, on time (AS-2)', () => {
  const run = busy.with;
  assert.ok(run.callbacks.length > 5, `${run.callbacks.length} messages`);
  const messages = run.calls.filter((c) => c.record.outcome === 'message');
  assert.is(messages.length, run.callbacks.length);
  let done = 0;
  for (const cb of run.callbacks) {
    assert.ok(cb.due > cb.takenAt);
    if (cb.doneAt === null) continue;
    done++;
    assert.ok(cb.doneAt > cb.takenAt);
    const members = busy.plan.town.members.get(cb.for);
    assert.ok(cb.by === cb.for || members?.includes(cb.by!), `${cb.message}: called back by ${cb.by}, not for them (AS-4)`);
  }
  assert.ok(done > 0);
  // the plain PBX sends the same overload to voicemail
  assert.ok(busy.without.calls.filter((c) => c.record.outcome === 'voicemail').length > messages.length / 2);
});

t('nothing for the policy to do (nobody away, calls rare): both runs count the same', () => {
  const quiet = playDay({ seed: 6, meetingShare: 0, absentShare: 0, lunchMinutes: 0, closures: [0, 0], callsPerHour: [0.5, 1] });
  const sum = (run: DayRun) => run.calls.map((c) => [c.event.id, c.record.outcome, c.record.answeredBy, c.record.transfers, c.record.waitS, c.firstContact]);
  assert.ok(quiet.plan.calls.length > 20);
  assert.equal(sum(quiet.with).sort(), sum(quiet.without).sort());
  assert.is(quiet.with.callbacks.length, 0);
});

t.run();
