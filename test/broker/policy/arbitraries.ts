/**
 * fast-check generators for the policy engine's property tests: valid directories, hub
 * records written straight in (so they may break the rules the commands enforce), instants
 * over 2024–2030 with DST switch days and Danish public holidays, and phone command
 * sequences. Pure: every value is built from the generated numbers only.
 */
import fc from 'fast-check';
import { Directory, type DirectoryInput } from '../../../broker/directory/directory.js';
import type { Actor, Command } from '../../../broker/policy/commands.js';
import { danishHolidays } from '../../../broker/policy/hours/holidays.js';
import { addDays, atLocal, weekday } from '../../../broker/policy/hours/zone.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { initialDeptRecord, type ClosureRecord, type DeptRecord } from '../../../broker/state/dept-record.js';
import { activeDiversion, initialRecord, type DiversionRecord, type PersonRecord, type StatusRecord } from '../../../broker/state/person-record.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** PH-1: realistic phone hours, as Danish municipalities publish them. */
export const PHONE_HOURS = [
  'Mo-Fr 08:00-15:00; PH off',
  'Mo 09:00-18:00; Tu-Th 09:00-16:00; Fr 09:00-14:00; PH off',
  '24/7',
  'Mo-Su 07:00-22:00',
  'Mo-Th 09:00-14:30; Fr 09:00-12:00; PH off',
  'Mo-Fr 10:00-12:00,13:00-14:00; PH off',
  'Mo-We,Fr 08:00-12:00; Th 12:00-17:00; PH off',
  'Mo-Fr 08:00-16:00',
] as const;

const FIRST = ['Anna', 'Bo', 'Camilla', 'Dorthe', 'Emil', 'Frida', 'Søren', 'Åse', 'Lærke', 'Jørgen'];
const LAST = ['Holm', 'Jensen', 'Nielsen', 'Møller', 'Dahl', 'Østergaard', 'Kjær'];
const DEPT_NAMES = ['Familie', 'Jobcenter', 'Borgerservice', 'Administration', 'Miljø og Teknik', 'Visitationen'];

// ---- instants ---------------------------------------------------------------------------

const FIRST_YEAR = 2024;
const LAST_YEAR = 2030;

/** The last Sunday of a month ('YYYY-MM-DD'): the EU DST switch days are in March and October. */
export function lastSunday(year: number, month: number): string {
  const last = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
  return addDays(last, -(weekday(last) % 7));
}

/** An instant `minutes` after local midnight of `date` (minutes may run past the day's end). */
function localMinute(date: string, minutes: number): Date {
  return new Date(atLocal(date, '00:00').getTime() + minutes * MINUTE);
}

const anyInstant = fc
  .integer({ min: Date.UTC(FIRST_YEAR, 0, 1) / MINUTE, max: Date.UTC(LAST_YEAR, 11, 31, 23) / MINUTE })
  .map((m) => new Date(m * MINUTE));

/** Around the DST switches: the night of the switch and the working day after it. */
const dstInstant = fc
  .record({ year: fc.integer({ min: FIRST_YEAR, max: LAST_YEAR }), month: fc.constantFrom(3, 10), minutes: fc.integer({ min: -6 * 60, max: 30 * 60 }) })
  .map(({ year, month, minutes }) => localMinute(lastSunday(year, month), minutes));

/** On a Danish public holiday, in the hours phone lines usually run, and the day after (PH +1). */
const holidayInstant = fc
  .record({ year: fc.integer({ min: FIRST_YEAR, max: LAST_YEAR }), pick: fc.nat(), next: fc.boolean(), minutes: fc.integer({ min: 6 * 60, max: 20 * 60 }) })
  .map(({ year, pick, next, minutes }) => {
    const list = danishHolidays(year);
    const date = list[pick % list.length]!.date;
    return localMinute(next ? addDays(date, 1) : date, minutes);
  });

/** A working-hours instant on an ordinary day, where most of the interesting states are. */
const officeInstant = fc
  .record({ day: fc.integer({ min: 0, max: 7 * 365 }), minutes: fc.integer({ min: 7 * 60, max: 17 * 60 }) })
  .map(({ day, minutes }) => localMinute(addDays(`${FIRST_YEAR}-01-01`, day), minutes));

/** Instants over 2024–2030, weighted towards DST switch days, holidays and office hours. */
export const instantArb: fc.Arbitrary<Date> = fc.oneof(
  { arbitrary: anyInstant, weight: 3 },
  { arbitrary: dstInstant, weight: 2 },
  { arbitrary: holidayInstant, weight: 2 },
  { arbitrary: officeInstant, weight: 4 },
);

// ---- directories ------------------------------------------------------------------------

export interface GenDirectory {
  raw: DirectoryInput;
  dir: Directory;
  /** employee ids, in directory order */
  employees: string[];
  /** the switchboard's id, when there is one */
  switchboard: string | null;
  /** every person and group id: what diversions and fallbacks may point at */
  targets: string[];
}

/** Valid directories: 2–5 departments, 3–30 people, 0–4 groups, sometimes a switchboard. */
export const directoryArb: fc.Arbitrary<GenDirectory> = fc
  .record({
    depts: fc.array(
      fc.record({
        hours: fc.constantFrom(...PHONE_HOURS),
        agreement: fc.boolean(),
        sensitive: fc.boolean(),
        callbackWorkdays: fc.constantFrom(1 as const, 2 as const),
        web: fc.option(fc.constant('https://kommune.dk/'), { nil: null }),
      }),
      { minLength: 2, maxLength: 5 },
    ),
    people: fc.array(
      fc.record({
        dept: fc.nat(),
        first: fc.constantFrom(...FIRST),
        last: fc.constantFrom(...LAST),
        leader: fc.option(fc.nat(), { freq: 2, nil: null }),
        preferred: fc.array(fc.nat(), { maxLength: 3 }),
      }),
      { minLength: 3, maxLength: 30 },
    ),
    groups: fc.array(
      fc.record({
        dept: fc.nat(),
        members: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        hours: fc.option(fc.constantFrom(...PHONE_HOURS), { freq: 3, nil: null }),
      }),
      { maxLength: 4 },
    ),
    switchboard: fc.option(fc.record({ dept: fc.nat(), inGroup: fc.boolean() }), { freq: 2, nil: null }),
    maxHops: fc.oneof({ arbitrary: fc.constant(3), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 1 }),
    /** extensions: a block of numbers per directory, unique within it */
    numberSeed: fc.integer({ min: 10, max: 89 }),
  })
  .map(({ depts, people, groups, switchboard, maxHops, numberSeed }) => {
    const departments = depts.map((d, i) => ({
      id: `d${i}`,
      name: `${DEPT_NAMES[i % DEPT_NAMES.length]!} ${i}`,
      phoneHours: d.hours,
      sensitive: d.sensitive,
      switchboardAgreement: d.agreement,
      callbackWorkdays: d.callbackWorkdays,
      web: d.web,
    }));
    const n = people.length;
    const ids = people.map((_, i) => `p${i}`);
    const persons: DirectoryInput['people'] = people.map((p, i) => {
      const leader = p.leader === null || p.leader % n === i ? null : ids[p.leader % n]!;
      const preferred = [...new Set(p.preferred.map((x) => x % n).filter((x) => x !== i))].map((x) => ids[x]!);
      return { id: ids[i]!, name: `${p.first} ${p.last}`, dept: `d${p.dept % depts.length}`, extension: String(numberSeed * 1000 + ((i * 37) % 1000)), leader, preferred };
    });
    let sb: string | null = null;
    if (switchboard) {
      sb = 'omstillingen';
      persons.push({ id: sb, name: 'Omstillingen', dept: `d${switchboard.dept % depts.length}`, extension: '89151515', role: 'switchboard' });
    }
    const gs: DirectoryInput['groups'] = groups.map((g, i) => {
      const members = [...new Set(g.members.map((m) => ids[m % n]!))];
      if (sb && switchboard?.inGroup && i === 0) members.push(sb);
      return { id: `g${i}`, name: `Gruppe ${i}`, dept: `d${g.dept % depts.length}`, number: String(90 + i), members, phoneHours: g.hours };
    });
    const raw: DirectoryInput = { municipality: 'Propkommune', settings: { maxHops }, departments, groups: gs, people: persons, devices: [] };
    const dir = Directory.parse(raw);
    return withShow({ raw, dir, employees: ids, switchboard: sb, targets: [...ids, ...(sb ? [sb] : []), ...gs.map((g) => g.id)] });
  });

// ---- records written straight in ---------------------------------------------------------

/** An offset from the instant under test: past or future, minutes to days. */
const offsetArb = fc.oneof(
  fc.integer({ min: -3 * DAY, max: 10 * DAY }),
  fc.integer({ min: -2 * HOUR, max: 2 * HOUR }),
  fc.constantFrom(-MINUTE, 0, 1, MINUTE),
);
const maybeOffset = fc.option(offsetArb, { freq: 3, nil: null });

const iso = (at: Date, offset: number) => new Date(at.getTime() + offset).toISOString();

interface RawPerson {
  diversion: { to: number; unknown: boolean; status: DiversionRecord['status']; since: number; until: number | null } | null;
  status: { kind: StatusRecord['kind']; since: number; until: number | null } | null;
  onCall: boolean;
  reason: string | null;
}

const rawPersonArb: fc.Arbitrary<RawPerson> = fc.record({
  diversion: fc.option(
    fc.record({
      to: fc.nat(),
      // now and then a target the directory no longer has (a person removed by a directory reload)
      unknown: fc.integer({ min: 0, max: 24 }).map((x) => x === 0),
      status: fc.constantFrom('active', 'active', 'accepted', 'declined'),
      since: fc.integer({ min: -10 * DAY, max: 0 }),
      until: maybeOffset,
    }),
    { freq: 2, nil: null },
  ),
  status: fc.option(fc.record({ kind: fc.constantFrom('away', 'absent', 'in-meeting'), since: offsetArb.map((o) => Math.min(o, 2 * HOUR) - HOUR), until: maybeOffset }), { freq: 2, nil: null }),
  onCall: fc.boolean(),
  reason: fc.option(fc.constantFrom('sygdom', 'ferie', 'kursus'), { nil: null }),
});

interface RawClosure {
  start: number;
  length: number;
  endedEarly: boolean;
  offer: ClosureRecord['offer'];
  fallback: number | null;
  message: boolean;
}

const rawClosureArb: fc.Arbitrary<RawClosure> = fc.record({
  start: fc.integer({ min: -2 * DAY, max: DAY }),
  length: fc.integer({ min: 15 * MINUTE, max: 3 * DAY }),
  endedEarly: fc.boolean(),
  offer: fc.constantFrom('message', 'callback', 'fallback'),
  fallback: fc.option(fc.nat(), { freq: 4, nil: null }),
  message: fc.boolean(),
});

export interface GenWorld extends GenDirectory {
  state: PolicyState;
  at: Date;
}

function scenarioArb(g: GenDirectory): fc.Arbitrary<GenWorld> {
  return fc
    .record({
      at: instantArb,
      people: fc.array(rawPersonArb, { minLength: g.dir.people.size, maxLength: g.dir.people.size }),
      closures: fc.array(fc.array(rawClosureArb, { maxLength: 2 }), { minLength: g.dir.departments.size, maxLength: g.dir.departments.size }),
    })
    .map(({ at, people, closures }) => withShow({ ...g, at, state: buildState(g, at, people, closures) }));
}

/** A directory, records and department records, and an instant to look at them. */
export const worldArb: fc.Arbitrary<GenWorld> = directoryArb.chain(scenarioArb);

/**
 * Several worlds on one directory: validating a directory's phone hours costs milliseconds
 * (opening_hours), so the properties that look at records and instants share it.
 */
export const worldsArb: fc.Arbitrary<GenWorld[]> = directoryArb.chain((g) => fc.array(scenarioArb(g), { minLength: 1, maxLength: 5 }));

/** What fast-check prints for a counterexample: the directory as written, the records and the instant. */
export function showWorld(w: GenWorld): string {
  return JSON.stringify({
    at: w.at.toISOString(),
    directory: w.raw,
    people: [...w.state.people.values()].filter((r) => r.diversion || r.status || r.onCall).map(({ personId, status, onCall, diversion, absenceReason }) => ({ personId, status, onCall, diversion, absenceReason })),
    depts: [...w.state.depts.values()].map(({ deptId, closures }) => ({ deptId, closures })),
  });
}

function withShow<T extends GenDirectory>(x: T): T {
  return shownAs('state' in x ? () => showWorld(x as unknown as GenWorld) : () => JSON.stringify({ directory: x.raw }), x);
}

/** How fast-check prints a value in a counterexample. */
function shownAs<T extends object>(text: string | (() => string), x: T): T {
  return Object.defineProperty(x, fc.toStringMethod, { value: typeof text === 'string' ? () => text : text, enumerable: false });
}

function buildState(g: GenDirectory, at: Date, people: RawPerson[], closures: RawClosure[][]): PolicyState {
  const records = new Map<string, PersonRecord>();
  const ids = [...g.dir.people.keys()];
  ids.forEach((id, i) => {
    const p = people[i]!;
    const rec: PersonRecord = { ...initialRecord(id, new Date(at.getTime() - DAY)), rev: 1 + i };
    if (p.diversion) {
      const d = p.diversion;
      // diversions may point anywhere, themselves included: the resolver must still be safe
      const to = d.unknown ? 'ghost' : g.targets[d.to % g.targets.length]!;
      rec.diversion = { to, since: iso(at, d.since), until: d.until === null ? null : iso(at, d.until), status: d.status, declinedBy: d.status === 'declined' ? to : null, source: 'phone' };
    }
    if (p.status) {
      const s = p.status;
      const until = s.until === null ? null : iso(at, Math.max(s.until, s.since + MINUTE));
      rec.status = { kind: s.kind, since: iso(at, s.since), until, source: 'phone' };
      rec.absenceReason = s.kind === 'absent' ? p.reason : null;
    }
    rec.onCall = p.onCall;
    records.set(id, rec);
  });
  const depts = new Map<string, DeptRecord>();
  [...g.dir.departments.keys()].forEach((deptId, i) => {
    const list = closures[i]!;
    if (list.length === 0) return;
    const rec = initialDeptRecord(deptId, at);
    rec.rev = 1;
    rec.closures = list
      .map((c, k): ClosureRecord => {
        const start = at.getTime() + c.start;
        // PH-3: ended early means its end was moved to some moment before now
        const end = c.endedEarly ? Math.min(start + c.length, at.getTime() - MINUTE) : start + c.length;
        const fallback = c.fallback === null ? null : g.targets[c.fallback % g.targets.length]!;
        return {
          id: `closure-${k + 1}`,
          start: new Date(start).toISOString(),
          end: new Date(Math.max(end, start)).toISOString(),
          endedEarly: c.endedEarly,
          message: c.message ? { da: 'Vi holder lukket.', en: 'We are closed.' } : null,
          offer: c.offer,
          fallback: c.offer === 'fallback' ? fallback : null,
          source: 'admin',
        };
      })
      .sort((a, b) => a.start.localeCompare(b.start));
    depts.set(deptId, rec);
  });
  return { dir: g.dir, people: records, depts };
}

// ---- phone command sequences --------------------------------------------------------------

/** One step: how much time passes before it, then who presses what (built from the state then). */
export interface Step {
  /** ms after the previous step */
  wait: number;
  make: (at: Date, state: PolicyState) => { actor: Actor; cmd: Command };
}

/** Everyone who diverts or is diverted to by a diversion in force. */
function inChains(state: PolicyState, at: Date): string[] {
  const ids = new Set<string>();
  for (const r of state.people.values()) {
    const d = activeDiversion(r, at);
    if (d) ids.add(r.personId).add(d.to);
  }
  return [...ids];
}

/** People a diversion in force reaches: its target, or the members of its target group. */
function incoming(state: PolicyState, at: Date): string[] {
  const ids = new Set<string>();
  for (const r of state.people.values()) {
    const to = activeDiversion(r, at)?.to;
    if (to === undefined) continue;
    const group = state.dir.groups.get(to);
    for (const id of group ? group.members : [to]) if (state.dir.people.get(id)?.role === 'employee') ids.add(id);
  }
  return [...ids];
}

/** Someone whose diversion in force reaches `me` (directly or through a group `me` is in). */
function divertingTo(state: PolicyState, me: string, at: Date, pick: number, mode: number): string | null {
  if (mode === 5) return null;
  const from = [...state.people.values()]
    .filter((r) => {
      const d = activeDiversion(r, at);
      return d !== null && (d.to === me || (state.dir.groups.get(d.to)?.members.includes(me) ?? false));
    })
    .map((r) => r.personId);
  return from.length ? from[pick % from.length]! : null;
}

/** Picks a person a phone acts for: mostly itself or one of its staff, sometimes anyone. */
function personFor(g: GenDirectory, actorId: string, pick: number, mode: number): string {
  const staff = g.dir.staffOf(actorId).map((p) => p.id);
  if (mode === 0 && staff.length > 0) return staff[pick % staff.length]!;
  if (mode === 1) return g.employees[pick % g.employees.length]!;
  if (mode === 2 && pick % 5 === 0) return 'ghost';
  return actorId;
}

const rawStepArb = fc.record({
  actor: fc.nat(),
  op: fc.constantFrom('divert', 'divert', 'divert', 'divert', 'undivert', 'accept', 'decline', 'decline', 'set-status', 'set-status', 'clear-status', 'forbidden'),
  mode: fc.integer({ min: 0, max: 5 }),
  /** who presses: anyone, or someone calls already reach through a diversion (to grow chains) */
  actorMode: fc.constantFrom('any', 'any', 'receiving'),
  pick: fc.nat(),
  target: fc.nat(),
  /** where a diversion goes: anyone, the switchboard, or someone in a chain already (cycles, long chains) */
  targetMode: fc.constantFrom('any', 'any', 'switchboard', 'in-chain', 'in-chain'),
  until: maybeOffset.map((o) => (o === null ? null : Math.abs(o) + MINUTE)),
  kind: fc.constantFrom(null, 'away', 'absent', 'in-meeting'),
  since: fc.option(fc.integer({ min: -HOUR, max: DAY }), { freq: 3, nil: null }),
  divertTo: fc.option(fc.nat(), { nil: null }),
  reason: fc.option(fc.constantFrom('sygdom', 'ferie', '  ', 'kursus'), { nil: null }),
  wait: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 6 * HOUR }), fc.integer({ min: 0, max: 3 * DAY })),
});
type RawStep = typeof rawStepArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Commands from phones (`{source:'phone', id, personId}`), every op a phone may send plus some
 * it may not, with times relative to the step's own instant (`at` is added when applied).
 */
export function stepsArb(g: GenDirectory): fc.Arbitrary<Step[]> {
  return fc.array(
    rawStepArb.map((s) => shownAs(JSON.stringify(s), { wait: s.wait, make: (at: Date, state: PolicyState) => commandOf(g, s, at, state) })),
    { minLength: 1, maxLength: 25 },
  );
}

/** The command a generated step stands for, given the time and the state when it runs. */
function commandOf(g: GenDirectory, s: RawStep, at: Date, state: PolicyState): { actor: Actor; cmd: Command } {
  const phones = g.employees;
  const inChain = inChains(state, at);
  const receiving = inChain.filter((id) => phones.includes(id) && !activeDiversion(state.people.get(id), at));
  const answering = s.op === 'accept' || s.op === 'decline' ? incoming(state, at) : [];
  const me =
    answering.length && s.mode !== 5
      ? answering[s.actor % answering.length]!
      : s.actorMode === 'receiving' && receiving.length
        ? receiving[s.actor % receiving.length]!
        : phones[s.actor % phones.length]!;
  const targetOf = (n: number) => {
    if (s.targetMode === 'switchboard' && g.switchboard) return g.switchboard;
    if (s.targetMode === 'in-chain' && inChain.length) return inChain[n % inChain.length]!;
    return g.targets[n % g.targets.length]!;
  };
  const actor: Actor = { source: 'phone', id: `phone-${me}`, personId: me };
  const person = personFor(g, me, s.pick, s.mode);
  const until = s.until === null ? null : iso(at, s.until);
  let cmd: Command;
  switch (s.op) {
    case 'divert':
      cmd = { op: 'divert', person, target: targetOf(s.target), until };
      break;
    case 'undivert':
      cmd = { op: 'undivert', person };
      break;
    case 'accept':
    case 'decline':
      // the target accepts or declines someone's diversion: mostly one that points at them
      cmd = { op: s.op === 'accept' ? 'accept-diversion' : 'decline-diversion', person: me, from: divertingTo(state, me, at, s.target, s.mode) ?? g.employees[s.target % g.employees.length]! };
      break;
    case 'set-status':
      cmd = {
        op: 'set-status',
        person,
        kind: s.kind as StatusRecord['kind'] | null,
        since: s.since === null ? null : iso(at, s.since),
        until,
        reason: s.reason,
        divertTo: s.divertTo === null ? null : targetOf(s.divertTo),
      };
      break;
    case 'clear-status':
      cmd = { op: 'clear-status', person };
      break;
    default:
      // ops a phone may not run (PR-4 forbidden)
      cmd = s.mode % 2 === 0 ? { op: 'set-on-call', person, onCall: true } : { op: 'pbx-forward', extension: g.dir.people.get(me)!.extension, to: null };
  }
  return { actor, cmd };
}

// ---- hand-written examples (regressions), in the generators' shapes ---------------------------

/** A directory as the generators make one, from a directory file's content. */
export function directoryFrom(raw: DirectoryInput): GenDirectory {
  const dir = Directory.parse(raw);
  const people = [...dir.people.values()];
  const switchboard = people.find((p) => p.role === 'switchboard')?.id ?? null;
  const employees = people.filter((p) => p.role === 'employee').map((p) => p.id);
  return withShow({ raw, dir, employees, switchboard, targets: [...dir.people.keys(), ...dir.groups.keys()] });
}

/** A world from a directory, record fields written straight in, closures, and an instant. */
export function worldFrom(
  raw: DirectoryInput,
  at: string,
  people: (Partial<PersonRecord> & { personId: string })[] = [],
  closures: (Partial<ClosureRecord> & { dept: string; start: string; end: string })[] = [],
): GenWorld {
  const g = directoryFrom(raw);
  const when = new Date(at);
  const records = new Map<string, PersonRecord>();
  for (const p of people) records.set(p.personId, { ...initialRecord(p.personId, when), rev: 1, ...p });
  const depts = new Map<string, DeptRecord>();
  closures.forEach(({ dept, ...c }, i) => {
    const rec = depts.get(dept) ?? { ...initialDeptRecord(dept, when), rev: 1 };
    rec.closures = [...rec.closures, { id: `closure-${i + 1}`, endedEarly: false, message: null, offer: 'message', fallback: null, source: 'admin', ...c }];
    depts.set(dept, rec);
  });
  return withShow({ ...g, at: when, state: { dir: g.dir, people: records, depts } });
}

/** A fixed phone command `wait` ms after the previous one. */
export function stepOf(wait: number, personId: string, cmd: Command): Step {
  const actor: Actor = { source: 'phone', id: `phone-${personId}`, personId };
  return shownAs(JSON.stringify({ wait, actor: personId, cmd }), { wait, make: () => ({ actor, cmd }) });
}
