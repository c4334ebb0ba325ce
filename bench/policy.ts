/**
 * The policy engine on a 10,000-person municipality (pure, no I/O):
 * - policy_resolve_us: resolveCall (PH-4, DV-4, PH-2, PH-3) for random numbers, people and
 *   group numbers, at instants inside and outside phone hours; p50 and p99 in µs.
 * - policy_recompute_ms: availabilityAll (PR-1) for everyone at one instant; the median of
 *   runs at different instants.
 * The state is realistic and fixed by a seeded generator: 10 % absent, 5 % diverted in
 * chains of one to three hops, some on a call, in a meeting or away, and a closure.
 */
import { Directory } from '../broker/directory/directory.js';
import { availabilityAll } from '../broker/policy/availability.js';
import type { PolicyState } from '../broker/policy/policy-state.js';
import { resolveCall } from '../broker/policy/resolve-call.js';
import { initialDeptRecord, type DeptRecord } from '../broker/state/dept-record.js';
import { initialRecord, type PersonRecord } from '../broker/state/person-record.js';
import { demoDirectory } from '../simulator/demo/demo-directory.js';
import { seededRandom } from '../test/support/seeded-random.js';

export interface PolicyBenchResult {
  policy_resolve_us_p50: number;
  policy_resolve_us_p99: number;
  policy_resolve_calls: number;
  policy_recompute_ms: number;
  policy_recompute_runs: number;
  policy_people: number;
}

export interface PolicyBenchOptions {
  /** people per department (15 departments); 667 makes 10,005 */
  peoplePerDept?: number;
  /** measured resolveCall calls, spread over the instants */
  calls?: number;
  /** measured availabilityAll runs, one per instant */
  recomputeRuns?: number;
  progress?: (msg: string) => void;
}

/** A week in the demo municipality's life (Copenhagen time, CET): Monday 23 November 2026 on. */
const DAY0 = Date.parse('2026-11-23T00:00:00+01:00');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (day: number, hour: number) => new Date(DAY0 + day * DAY + hour * HOUR);

/** Calls come at these instants: office hours on several days, evening, weekend, night and a holiday. */
const CALL_INSTANTS = [at(0, 10), at(0, 16.5), at(2, 13), at(3, 9.25), at(4, 13.5), at(4, 18), at(5, 11), at(1, 3), at(32, 10) /* Christmas Day */];

/** availabilityAll runs at these instants (a warm-up run comes first, at another). */
const RECOMPUTE_INSTANTS = [at(0, 8.5), at(0, 12), at(1, 15.5), at(2, 9), at(3, 16), at(4, 12.75), at(5, 10), at(6, 23), at(32, 9)];

/** Members of each department's group number. */
const GROUP_SIZE = 60;

/** The demo directory at the given size with a realistic, reproducible state around DAY0. */
export function policyBenchState(peoplePerDept: number): PolicyState {
  const data = demoDirectory({ peoplePerDept, kiosks: 0 });
  // the demo puts a whole department on its group number; a directory allows 500 members, and a
  // real function number has a few dozen
  for (const g of data.groups) g.members = g.members.slice(0, GROUP_SIZE);
  const dir = Directory.parse(data);
  const random = seededRandom(20261123);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const start = new Date(DAY0 - DAY);
  const iso = (ms: number) => new Date(ms).toISOString();
  const people = new Map<string, PersonRecord>();
  const rec = (id: string) => people.get(id) ?? { ...initialRecord(id, start), rev: 1 };
  const employees = [...dir.people.values()].filter((p) => p.role === 'employee');
  const shuffled = [...employees];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const n = employees.length;
  // 10 %: absent for a day to three weeks (or until further notice), most diverted to a colleague (DV-6)
  const absent = shuffled.slice(0, Math.round(n * 0.1));
  const absentIds = new Set(absent.map((p) => p.id));
  for (const p of absent) {
    const until = random() < 0.2 ? null : iso(DAY0 + Math.floor(1 + random() * 20) * DAY + 8 * HOUR);
    const r: PersonRecord = { ...rec(p.id), status: { kind: 'absent', since: iso(DAY0 - Math.floor(random() * 5) * DAY), until, source: 'phone' }, absenceReason: pick(['sygdom', 'ferie', 'kursus']) };
    const cover = p.preferred.find((c) => !absentIds.has(c));
    if (cover && random() < 0.7) r.diversion = { to: cover, since: r.status!.since, until, status: 'accepted', declinedBy: null, source: 'phone' };
    people.set(p.id, r);
  }
  // 5 %: diverted in chains of one to three hops (DV-4); the last often to a group
  const present = shuffled.slice(absent.length);
  const covering = new Set([...people.values()].map((r) => r.diversion?.to));
  const free = present.filter((p) => !covering.has(p.id));
  let diverted = 0;
  for (let i = 0; diverted < Math.round(n * 0.05) && i + 4 < free.length; ) {
    const hops = 1 + Math.floor(random() * 3);
    const chain = free.slice(i, i + hops + 1);
    i += hops + 1;
    const last = chain[chain.length - 1]!;
    const toGroup = random() < 0.2 ? dir.groupsOf(last.dept)[0]?.id : undefined;
    const until = random() < 0.5 ? null : iso(DAY0 + Math.floor(1 + random() * 7) * DAY);
    chain.forEach((p, k) => {
      const to = k < chain.length - 1 ? chain[k + 1]!.id : toGroup;
      if (!to) return;
      people.set(p.id, { ...rec(p.id), diversion: { to, since: iso(DAY0 - DAY), until, status: random() < 0.1 ? 'declined' : 'active', declinedBy: null, source: 'phone' } });
      diverted++;
    });
  }
  // on a call (PBX), in a meeting (calendar), away (lunch)
  for (const p of present) {
    const x = random();
    if (x < 0.05) people.set(p.id, { ...rec(p.id), onCall: true });
    else if (x < 0.08) people.set(p.id, { ...rec(p.id), status: { kind: 'in-meeting', since: iso(DAY0 + 9 * HOUR), until: iso(DAY0 + 4 * DAY + 12 * HOUR), source: 'calendar' } });
    else if (x < 0.1) people.set(p.id, { ...rec(p.id), status: { kind: 'away', since: iso(DAY0 + 11 * HOUR), until: iso(DAY0 + 2 * DAY + 13 * HOUR), source: 'phone' } });
  }
  // PH-3: Jobcenter closed for a staff meeting on Monday morning, callers go to Borgerservice's group
  const depts = new Map<string, DeptRecord>();
  const closed = { ...initialDeptRecord('jobcenter', start), rev: 1 };
  closed.closures = [{ id: 'closure-1', start: iso(DAY0 + 9 * HOUR), end: iso(DAY0 + 11 * HOUR), endedEarly: false, message: null, offer: 'fallback', fallback: 'borgerservice-gruppe', source: 'admin' }];
  depts.set('jobcenter', closed);
  return { dir, people, depts };
}

/** The p-th percentile of sorted samples (nearest rank). */
function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function benchPolicy(opts: PolicyBenchOptions = {}): PolicyBenchResult {
  const peoplePerDept = opts.peoplePerDept ?? 667;
  const calls = opts.calls ?? 20_000;
  const runs = opts.recomputeRuns ?? RECOMPUTE_INSTANTS.length;
  opts.progress?.(`building a ${peoplePerDept * 15}-person directory and its state`);
  const state = policyBenchState(peoplePerDept);
  const numbers = [...state.dir.people.values()].map((p) => p.extension).concat([...state.dir.groups.values()].map((g) => g.number));
  const random = seededRandom(7);

  // resolveCall: warm up (JIT, the phone-hours caches of every instant), then measure
  opts.progress?.(`resolveCall: ${calls} calls at ${CALL_INSTANTS.length} instants`);
  let sink = 0;
  for (let i = 0; i < 4_000; i++) sink += resolveCall(state, numbers[Math.floor(random() * numbers.length)]!, CALL_INSTANTS[i % CALL_INSTANTS.length]!).route.length;
  const samples: number[] = [];
  const perInstant = Math.ceil(calls / CALL_INSTANTS.length);
  // calls come in blocks at one instant each, as they do at the hub (the clock moves slowly)
  for (const when of CALL_INSTANTS) {
    for (let i = 0; i < perInstant && samples.length < calls; i++) {
      const number = numbers[Math.floor(random() * numbers.length)]!;
      const t0 = performance.now();
      const r = resolveCall(state, number, when);
      samples.push(performance.now() - t0);
      sink += r.route.length;
    }
  }
  samples.sort((a, b) => a - b);

  // availabilityAll: one warm-up run, then one per instant
  opts.progress?.(`availabilityAll: ${runs} runs over ${state.dir.people.size} people`);
  sink += availabilityAll(state, at(7, 10)).size;
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const when = RECOMPUTE_INSTANTS[k % RECOMPUTE_INSTANTS.length]!;
    const t0 = performance.now();
    sink += availabilityAll(state, when).size;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  if (sink < 0) throw new Error('unreachable'); // keeps the results alive

  const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;
  return {
    policy_resolve_us_p50: round(percentile(samples, 50) * 1000, 2),
    policy_resolve_us_p99: round(percentile(samples, 99) * 1000, 2),
    policy_resolve_calls: samples.length,
    policy_recompute_ms: round(percentile(times, 50), 2),
    policy_recompute_runs: times.length,
    policy_people: state.dir.people.size,
  };
}
