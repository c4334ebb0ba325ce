import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { atLocal } from '../../../broker/policy/hours/zone.js';
import { generateDay, type DayPlan } from '../../../simulator/scenario/day-events.js';
import { summarizeDay } from '../../../simulator/scenario/day-summary.js';
import { MAIN_NUMBER, SWITCHBOARD_ID } from '../../../simulator/scenario/municipality.js';
import { scenarioParams } from '../../../simulator/scenario/scenario-params.js';

const t = suite('simulator/scenario/day-events');

const MIN = 60_000;
const plans = new Map<number, DayPlan>();
const plan = (seed: number) => {
  if (!plans.has(seed)) plans.set(seed, generateDay(scenarioParams({ seed })));
  return plans.get(seed)!;
};

for (const seed of [1, 2, 3]) {
  t(`seed ${seed}: the generated day matches the issue's description`, () => {
    const p = plan(seed);
    const s = summarizeDay(p);
    assert.is(s.departments, 20);
    for (const d of p.town.depts) assert.ok(d.staff.length >= 10 && d.staff.length <= 40, `${d.id}: ${d.staff.length} staff`);
    // 5 % absent and 15 % in a meeting, measured over the generated day (loose: a few hundred people)
    assert.ok(Math.abs(s.absentShare - 0.05) < 0.03, `absent ${s.absentShare}`);
    assert.ok(Math.abs(s.meetingShare - 0.15) < 0.03, `in a meeting ${s.meetingShare}`);
    // every department's drawn rate is in 4-30 calls per hour; the realised count is Poisson around it
    let expected = 0;
    for (const d of p.town.depts) {
      const rate = p.callRates.get(d.id)!;
      assert.ok(rate >= 4 && rate <= 30, `${d.id}: ${rate} per hour`);
      expected += (rate * d.phoneIntervals.reduce((x, [a, b]) => x + b - a, 0)) / 3_600_000;
    }
    assert.ok(Math.abs(p.calls.length - expected) < 5 * Math.sqrt(expected), `${p.calls.length} calls, expected about ${expected}`);
    for (const c of p.calls) assert.ok(c.durationS >= 180 && c.durationS <= 300, `${c.id}: ${c.durationS} s`);
    // the channel shares: 40 / 40 / 20 %, loosely
    assert.ok(Math.abs(s.callsByChannel.main / s.calls - 0.2) < 0.05);
    assert.ok(s.closures.length >= 1 && s.closures.length <= 2);
  });
}

t('calls arrive only inside their department\'s phone hours (PH-1), and dial the right number', () => {
  const p = plan(1);
  const byId = new Map(p.town.depts.map((d) => [d.id, d]));
  for (const c of p.calls) {
    const d = byId.get(c.dept)!;
    assert.ok(d.phoneIntervals.some(([a, b]) => a <= c.at && c.at < b), `${c.id} at ${new Date(c.at).toISOString()}`);
    const target = p.town.dir.target(c.target)!;
    assert.ok(target, c.target);
    const dept = target.kind === 'person' ? target.person.dept : target.group.dept;
    assert.is(dept, c.dept);
    if (c.channel === 'main') assert.is(c.number, MAIN_NUMBER);
    else if (c.channel === 'personal') assert.is(c.number, target.kind === 'person' ? target.person.extension : '');
    else assert.is(c.number, target.kind === 'group' ? target.group.number : '');
  }
  for (let i = 1; i < p.calls.length; i++) assert.ok(p.calls[i - 1]!.at <= p.calls[i]!.at);
});

t('people\'s days: absences span the day and last 1-14 days, lunches in the window, meetings 30-120 min inside work and apart', () => {
  const p = plan(2);
  const [lw0, lw1] = [atLocal(p.params.date, '11:00').getTime(), atLocal(p.params.date, '13:00').getTime()];
  for (const d of p.people.values()) {
    if (d.absence) {
      const since = Date.parse(d.absence.since);
      const until = Date.parse(d.absence.until);
      assert.ok(since <= p.start && until >= p.end, d.id);
      const days = Math.round((until - since) / 86_400_000);
      assert.ok(days >= 1 && days <= 14, `${d.id}: ${days} days`);
      assert.is(d.meetings.length, 0);
      continue;
    }
    assert.ok(d.lunch && d.lunch[0] >= lw0 && d.lunch[1] <= lw1 && d.lunch[1] - d.lunch[0] === 30 * MIN, d.id);
    const spans = [d.lunch!, ...d.meetings.map((m): [number, number] => [m.start, m.end])].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i - 1]![1] <= spans[i]![0], `${d.id}: overlapping`);
    for (const m of d.meetings) {
      assert.ok(m.end - m.start >= 30 * MIN && m.end - m.start <= 120 * MIN);
      assert.ok(m.start >= d.work[0] && m.end <= d.work[1]);
      if (m.divert) assert.ok(m.inCalendar, 'only a meeting in the calendar makes the phone offer a diversion');
    }
  }
});

t('the municipality is a valid directory with leaders, function numbers and a switchboard', () => {
  const p = plan(1);
  const { dir } = p.town;
  assert.is(dir.people.get(SWITCHBOARD_ID)?.role, 'switchboard');
  assert.is(dir.byNumber(MAIN_NUMBER)?.kind, 'person');
  for (const d of p.town.depts) {
    assert.ok(d.groups.length >= 1);
    for (const g of d.groups) assert.ok(dir.groups.get(g)!.members.length > 0);
    for (const id of d.staff.slice(1)) assert.is(dir.people.get(id)!.leader, d.leader);
  }
});

t('the same seed gives the same day; another seed another', () => {
  const again = generateDay(scenarioParams({ seed: 1 }));
  assert.equal(again.calls, plan(1).calls);
  assert.equal([...again.people.values()], [...plan(1).people.values()]);
  assert.equal(again.closures, plan(1).closures);
  assert.not.equal(plan(2).calls.map((c) => c.at), plan(1).calls.map((c) => c.at));
});

t.run();
