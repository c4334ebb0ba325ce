/**
 * Property-based tests of the policy engine (fast-check): random directories, records that may
 * even break the rules, random phone commands, and instants over 2024–2030 with DST switch days
 * and public holidays (generators in arbitraries.ts). Each test names the POLICY.md rule it
 * holds the engine to. On a failure fast-check prints the seed, the path and the shrunk
 * counterexample; OMSTIL_FC_SEED=… OMSTIL_FC_PATH=… replays it.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OmstilError } from '../../../protocol/index.js';
import type { DirectoryInput } from '../../../broker/directory/directory.js';
import { availabilityAll, availabilityOf, canAnswer, deptHours, groupHours } from '../../../broker/policy/availability.js';
import { applyCommand, type Actor, type Command } from '../../../broker/policy/commands.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { resolveCall, type CallResolution } from '../../../broker/policy/resolve-call.js';
import { activeClosure, initialDeptRecord, type DeptRecord } from '../../../broker/state/dept-record.js';
import { activeDiversion, activeStatus, type PersonRecord } from '../../../broker/state/person-record.js';
import { deptPublic, personOwn, personPublic } from '../../../broker/state/projections.js';
import { directoryArb, directoryFrom, instantArb, stepOf, stepsArb, worldArb, worldFrom, worldsArb, type GenWorld } from './arbitraries.js';

const t = suite('broker/policy/properties');

/**
 * Runs per property, so that the whole file takes about 5 s here and stays under 15 s on a
 * slow 2-core CI machine. Each run of the world properties checks 1–5 worlds on one directory.
 */
const RUNS = { resolve: 150, bound: 150, ph4: 150, commands: 100, privacy: 60, presence: 150 };

/**
 * fc.assert with the failing assertion in the report (uvu prints only the message).
 * OMSTIL_FC_SEED and OMSTIL_FC_PATH replay a printed failure; OMSTIL_FC_RUNS scales the runs.
 */
function check<T>(property: fc.IProperty<T>, numRuns: number, examples: T[] = []): void {
  const env = process.env;
  fc.assert(property, {
    numRuns: Math.max(1, Math.round(numRuns * Number(env.OMSTIL_FC_RUNS ?? 1))),
    includeErrorInReport: true,
    examples,
    ...(env.OMSTIL_FC_SEED ? { seed: Number(env.OMSTIL_FC_SEED) } : {}),
    ...(env.OMSTIL_FC_PATH ? { path: env.OMSTIL_FC_PATH } : {}),
  });
}

/** Every number the directory has: people's extensions and group numbers. */
function numbers(w: GenWorld): string[] {
  return [...w.dir.people.values()].map((p) => p.extension).concat([...w.dir.groups.values()].map((g) => g.number));
}

/** Is the route's end (a group, or a person's department) outside its phone hours at `at`? */
function endOutsideHours(state: PolicyState, endId: string, at: Date): boolean {
  const group = state.dir.groups.get(endId);
  if (group) return !groupHours(state, group).isOpen(at);
  const person = state.dir.people.get(endId);
  return person !== undefined && !(deptHours(state, person.dept)?.isOpen(at) ?? false);
}

/** Diversions in force the route follows from its start (DV-4 counts these hops). */
function diversionHops(state: PolicyState, route: readonly string[], at: Date): number {
  let hops = 0;
  while (hops + 1 < route.length && activeDiversion(state.people.get(route[hops]!), at)?.to === route[hops + 1]) hops++;
  return hops;
}

const show = (r: CallResolution) => JSON.stringify({ ...r, text: undefined });

/** A small municipality for the hand-written examples; a Monday in November. */
function municipality(departments: DirectoryInput['departments'], people: DirectoryInput['people'], groups: DirectoryInput['groups'] = []): DirectoryInput {
  return { municipality: 'Eksempelkommune', settings: { maxHops: 3 }, departments, groups, people, devices: [] };
}
const MONDAY = '2026-11-23';
const diverted = (personId: string, to: string) => ({ personId, diversion: { to, since: `${MONDAY}T09:00:00.000Z`, until: null, status: 'active' as const, declinedBy: null, source: 'phone' as const } });

// ---- PH-4 / DV-4: every call ends somewhere, safely ------------------------------------------

function checkResolutions(w: GenWorld): void {
  const { state, at, dir } = w;
  for (const number of numbers(w)) {
    const r = resolveCall(state, number, at);
    const where = `${number} at ${at.toISOString()}: ${show(r)}`;
    assert.is.not(r.kind, 'unknown-number', where);
    // DV-4: never round a cycle, never more than maxHops diversions
    assert.is(new Set(r.route).size, r.route.length, `repeated hop: ${where}`);
    assert.ok(r.route.length >= 1, where);
    // resolveCall follows diversions first, at most maxHops of them; what comes after is at most a
    // closure's fallback (PH-3) and a department's group (PH-4), which may happen to be where
    // someone had diverted to, so they are not counted as diversions
    const followed = Math.min(diversionHops(state, r.route, at), dir.settings.maxHops);
    assert.ok(r.route.length - 1 - followed <= 2, `more than ${dir.settings.maxHops} diversion hops: ${where}`);
    for (const id of r.route) assert.ok(dir.target(id), `route names an unknown id "${id}": ${where}`);
    const end = r.route[r.route.length - 1]!;
    switch (r.kind) {
      case 'ring': {
        // PH-4: never an empty ring, nobody twice, and nobody gets back the calls they diverted
        assert.ok(r.ring.length > 0, `empty ring: ${where}`);
        assert.is(new Set(r.ring).size, r.ring.length, `a phone rings twice: ${where}`);
        for (const id of r.ring) assert.ok(!r.route.slice(0, -1).includes(id), `${id} rings with calls they diverted: ${where}`);
        const group = dir.groups.get(end);
        if (!group) {
          // a person rings: they can answer (the switchboard answers on its own terms)
          assert.equal(r.ring, [end], where);
          assert.ok(dir.people.get(end)!.role === 'switchboard' || canAnswer(state, end, at), `rings ${end}, who cannot answer: ${where}`);
          break;
        }
        // a group rings its members who are free: the group's own hours govern (a member's
        // department may open later), but nobody absent, away, in a meeting, on a call or closed
        assert.ok(groupHours(state, group).isOpen(at) && !activeClosure(state.depts.get(group.dept), at), `group outside its hours or closed rings: ${where}`);
        for (const id of r.ring) {
          const p = dir.people.get(id);
          assert.ok(p && group.members.includes(id), `rings ${id}, not a member of ${group.id}: ${where}`);
          const rec = state.people.get(id);
          assert.not.ok(activeStatus(rec, at), `rings ${id} with status ${JSON.stringify(rec?.status)}: ${where}`);
          assert.not.ok(rec?.onCall, `rings ${id}, who is on another call: ${where}`);
          assert.not.ok(activeClosure(state.depts.get(p!.dept), at), `rings ${id}, whose department is closed: ${where}`);
        }
        break;
      }
      case 'message':
        // AS-1/AS-3: a message for someone the directory knows, with a due time. (A diversion
        // to an id the directory no longer has is written in on purpose; the hub ends those
        // on a directory reload, and messageRecipient passes it on as the covering colleague.)
        assert.ok(dir.target(r.recipient) || activeDiversion(state.people.get(end), at)?.to === r.recipient, `message for an unknown recipient "${r.recipient}": ${where}`);
        assert.ok(Date.parse(r.due) > at.getTime(), `due not after the call: ${where}`);
        assert.ok(r.text.da.length > 0 && r.text.en.length > 0, where);
        break;
      case 'closure':
        // PH-3: the closure is in force and makes an offer
        assert.is(activeClosure(state.depts.get(r.deptId), at)?.id, r.closureId, `closure not in force: ${where}`);
        assert.ok(['message', 'callback', 'fallback'].includes(r.offer), where);
        break;
      case 'outside-hours':
        // PH-2 only when the end of the route is outside its phone hours
        assert.ok(endOutsideHours(state, end, at), `outside-hours inside phone hours: ${where}`);
        break;
    }
  }
}

t('PH-4/DV-4: resolveCall ends for every number: no cycle, at most maxHops diversions, someone who can answer rings or an offer is made', () => {
  check(
    fc.property(worldsArb, (worlds) => {
      for (const w of worlds) checkResolutions(w);
    }),
    RUNS.resolve,
  );
});

/**
 * A route is the dialled number, at most maxHops diversions, at most one closure fallback
 * (a fallback's own closure is not followed: closures never chain) and at most one group:
 * maxHops + 3 entries. The example reaches the limit exactly: a → b → c → d (3 hops), d's
 * department closed with fallback f, f away, f's group rings e.
 */
const longRoute = worldFrom(
  municipality(
    [
      { id: 'x', name: 'X', phoneHours: 'Mo-Fr 08:00-16:00' },
      { id: 'y', name: 'Y', phoneHours: 'Mo-Fr 08:00-16:00' },
    ],
    [
      ...['a', 'b', 'c', 'd'].map((id, i) => ({ id, name: id.toUpperCase(), dept: 'x', extension: `10${i}` })),
      { id: 'f', name: 'F', dept: 'y', extension: '200' },
      { id: 'e', name: 'E', dept: 'y', extension: '201' },
    ],
    [{ id: 'y-gruppe', name: 'Y, fællesnummer', dept: 'y', number: '290', members: ['e'] }],
  ),
  `${MONDAY}T10:00:00.000Z`,
  [diverted('a', 'b'), diverted('b', 'c'), diverted('c', 'd'), { personId: 'f', status: { kind: 'away', since: `${MONDAY}T09:00:00.000Z`, until: null, source: 'phone' } }],
  [{ dept: 'x', start: `${MONDAY}T09:30:00.000Z`, end: `${MONDAY}T11:00:00.000Z`, offer: 'fallback', fallback: 'f' }],
);

t('PH-4/DV-4: a route is at most maxHops + 3 long (the number, its diversions, one closure fallback, one group)', () => {
  check(
    fc.property(worldsArb, (worlds) => {
      for (const w of worlds) {
        const limit = w.dir.settings.maxHops + 3;
        for (const number of numbers(w)) {
          const r = resolveCall(w.state, number, w.at);
          assert.ok(r.route.length <= limit, `route longer than maxHops + 3 = ${limit}: ${number} at ${w.at.toISOString()}: ${show(r)}`);
        }
      }
    }),
    RUNS.bound,
    [[[longRoute]]],
  );
});

/**
 * Anna (Borgerservice, until 16:00) diverted to Bo (Familie, until 15:00) at 10:00, which DV-4
 * allows. At 15:30 Anna's number is inside its phone hours, so the caller must not hear
 * Familie's outside-hours message: Anna's side answers (her group, or a message for her).
 */
const divertedPastHours = worldFrom(
  municipality(
    [
      { id: 'borgerservice', name: 'Borgerservice', phoneHours: 'Mo-Fr 08:00-16:00; PH off' },
      { id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00; PH off' },
    ],
    [
      { id: 'anna', name: 'Anna', dept: 'borgerservice', extension: '1001' },
      { id: 'bo', name: 'Bo', dept: 'familie', extension: '2001' },
    ],
  ),
  `${MONDAY}T14:30:00.000Z`,
  [diverted('anna', 'bo')],
);

t('PH-4: inside phone hours and not closed, a call is never answered with outside-hours', () => {
  check(
    fc.property(worldsArb, (worlds) => {
      for (const w of worlds) {
        const { state, at } = w;
        for (const number of numbers(w)) {
          const first = w.dir.byNumber(number)!;
          const dept = first.kind === 'person' ? first.person.dept : first.group.dept;
          const hours = first.kind === 'group' ? groupHours(state, first.group) : deptHours(state, dept)!;
          if (!hours.isOpen(at) || activeClosure(state.depts.get(dept), at)) continue;
          const r = resolveCall(state, number, at);
          assert.is.not(r.kind, 'outside-hours', `${number} is inside its phone hours and open at ${at.toISOString()}, yet: ${show(r)}`);
        }
      }
    }),
    RUNS.ph4,
    [[[divertedPastHours]]],
  );
});

// ---- DV-4 / DV-3: what phones can make of the diversion graph --------------------------------

/** The person chain a call to `from` follows through diversions in force (a group ends it). */
function chainFrom(people: ReadonlyMap<string, PersonRecord>, from: string, at: Date): { path: string[]; cycle: boolean } {
  const path = [from];
  for (let cur = from; ; ) {
    const next = activeDiversion(people.get(cur), at)?.to;
    if (next === undefined) return { path, cycle: false };
    if (path.includes(next)) return { path: [...path, next], cycle: true };
    path.push(next);
    cur = next;
  }
}

function checkGraph(state: PolicyState, at: Date, log: () => string): void {
  const { dir } = state;
  for (const id of dir.people.keys()) {
    const { path, cycle } = chainFrom(state.people, id, at);
    assert.not.ok(cycle, `DV-4: a diversion cycle ${path.join(' → ')} after\n${log()}`);
    assert.ok(path.length - 1 <= dir.settings.maxHops, `DV-4: chain ${path.join(' → ')} is longer than ${dir.settings.maxHops} hops after\n${log()}`);
    const end = dir.people.get(path[path.length - 1]!);
    if (path.length > 1 && end?.role === 'switchboard') {
      const dept = dir.departments.get(dir.people.get(id)!.dept)!;
      assert.ok(dept.switchboardAgreement, `DV-3: ${path.join(' → ')} ends at the switchboard, but ${dept.id} has no agreement; after\n${log()}`);
    }
  }
}

const snapshot = (state: PolicyState) => JSON.stringify({ people: [...state.people], depts: [...state.depts] });

/**
 * DV-3 holds for everyone whose calls reach the switchboard. Carl (Familie, no agreement)
 * diverts to Anna; then Anna (Borgerservice, with an agreement) may not divert to the
 * switchboard, or Carl's calls would end there.
 */
const backToSwitchboard = {
  g: directoryFrom(
    municipality(
      [
        { id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00' },
        { id: 'borgerservice', name: 'Borgerservice', phoneHours: 'Mo-Fr 08:00-15:00', switchboardAgreement: true },
      ],
      [
        { id: 'carl', name: 'Carl', dept: 'familie', extension: '1001' },
        { id: 'anna', name: 'Anna', dept: 'borgerservice', extension: '2001' },
        { id: 'omstillingen', name: 'Omstillingen', dept: 'borgerservice', extension: '89151515', role: 'switchboard' },
      ],
    ),
  ),
  start: new Date(`${MONDAY}T09:00:00.000Z`),
  steps: [stepOf(0, 'carl', { op: 'divert', person: 'carl', target: 'anna', until: null }), stepOf(60_000, 'anna', { op: 'divert', person: 'anna', target: 'omstillingen', until: null })],
};

t('DV-4/DV-3: phone commands never make a cycle, a chain over maxHops or a way back to the switchboard; every refusal names a rule and changes nothing', () => {
  check(
    fc.property(
      directoryArb.chain((g) => fc.record({ g: fc.constant(g), start: instantArb, steps: stepsArb(g) })),
      ({ g, start, steps }) => {
        const people = new Map<string, PersonRecord>();
        const depts = new Map<string, DeptRecord>();
        const state: PolicyState = { dir: g.dir, people, depts };
        const log: string[] = [];
        const history = () => log.join('\n');
        let at = start;
        for (const step of steps) {
          at = new Date(at.getTime() + step.wait);
          const { actor, cmd } = step.make(at, state);
          log.push(`${at.toISOString()} ${actor.personId}: ${JSON.stringify(cmd)}`);
          const before = snapshot(state);
          let out: ReturnType<typeof applyCommand> | null = null;
          try {
            out = applyCommand(state, actor, cmd, at);
          } catch (err) {
            assert.instance(err, OmstilError, `not an OmstilError: ${String(err)}\n${history()}`);
            const e = err as OmstilError;
            assert.ok(e.code, `refusal without a code\n${history()}`);
            assert.ok(e.rule, `refusal "${e.code}" (${e.message}) without a rule\n${history()}`);
            log.push(`  refused ${e.code} (${e.rule})`);
          }
          // pure: neither a refusal nor an outcome touches the state it was given
          assert.is(snapshot(state), before, `applyCommand changed its input\n${history()}`);
          if (!out) continue;
          for (const r of out.people) people.set(r.personId, r);
          for (const r of out.depts) depts.set(r.deptId, r);
          checkGraph(state, at, history);
        }
      },
    ),
    RUNS.commands,
    [[backToSwitchboard]],
  );
});

// ---- PR-2: reasons stay private ---------------------------------------------------------------

/** Every string anywhere in a value, keys included. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return [...Object.keys(v), ...Object.values(v).flatMap(strings)];
  return [];
}

/** Reasons people type, random text, and text that looks like other fields of a payload. */
function reasonArb(w: GenWorld): fc.Arbitrary<string> {
  const fieldLike = [
    ...[...w.dir.people.values()].flatMap((p) => [p.name, p.id, p.extension, p.dept]),
    ...[...w.dir.departments.values()].map((d) => d.name),
    w.at.toISOString(),
    'absent',
    'available',
    'off-hours',
    'Omstillingen',
    'Lukket',
  ];
  return fc
    .oneof(
      fc.constantFrom('sygdom', 'Syg', 'ferie', 'kursus', 'barsel', 'lægebesøg', 'barnets 1. sygedag', 'Kræftbehandling på Rigshospitalet'),
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
      fc.constantFrom(...fieldLike),
      fc.tuple(fc.constantFrom(...fieldLike), fc.string({ maxLength: 8 })).map(([a, b]) => a + b),
    )
    .filter((s) => s.trim().length > 0);
}

const privacyArb = worldArb.chain((w) =>
  fc.record({
    w: fc.constant(w),
    absences: fc.array(
      fc.record({
        person: fc.nat(),
        reason: reasonArb(w),
        kind: fc.constantFrom(null, 'absent', 'away'),
        until: fc.option(fc.integer({ min: 60_000, max: 20 * 86_400_000 }), { nil: null }),
        divertTo: fc.option(fc.nat(), { nil: null }),
        byLeader: fc.boolean(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  }),
);

t('PR-2: an absence reason never appears in a public person or department payload, nor on a colleague\'s phone; the own payload has it', () => {
  check(
    fc.property(privacyArb, ({ w, absences }) => {
      const { dir, at } = w;
      const people = new Map(w.state.people);
      const state: PolicyState = { dir, people, depts: w.state.depts };
      for (const a of absences) {
        const id = w.employees[a.person % w.employees.length]!;
        const leader = dir.people.get(id)!.leader;
        // set as the sources set it: the leader's phone, the person's own, or the calendar (which DV-6 cannot refuse)
        const actors: Actor[] = [
          ...(a.byLeader && leader ? [{ source: 'phone', id: `phone-${leader}`, personId: leader } as const] : []),
          { source: 'phone', id: `phone-${id}`, personId: id },
          { source: 'calendar', id: 'outlook', personId: null },
        ];
        const until = a.until === null ? null : new Date(at.getTime() + a.until).toISOString();
        const cmd: Command = { op: 'set-status', person: id, kind: a.kind, until, reason: a.reason, divertTo: a.divertTo === null ? null : w.targets[a.divertTo % w.targets.length]! };
        for (const actor of actors) {
          try {
            for (const r of applyCommand(state, actor, cmd, at).people) people.set(r.personId, r);
            break;
          } catch {
            // refused (DV-4 target, DV-6 …): the next source tries
          }
        }
      }
      // every reason in the records: set above, or written straight in by the generator
      const reasons = [...people.values()].filter((r) => r.absenceReason !== null).map((r) => [r.personId, r.absenceReason!] as const);
      const deptRecs = [...dir.departments.keys()].map((d) => state.depts.get(d) ?? initialDeptRecord(d, at));
      const publics = (s: PolicyState) => ({
        people: [...s.people.values()].map((r) => personPublic(r, dir)),
        depts: deptRecs.map((r) => deptPublic(s, r, at)),
      });
      const withReasons = publics(state);
      const nulled = new Map([...people].map(([id, r]) => [id, { ...r, absenceReason: null }]));
      // the public payloads do not depend on any reason at all …
      assert.equal(withReasons, publics({ ...state, people: nulled }), 'PR-2: a public payload changes with the reason');
      const publicStrings = strings(withReasons);
      const innocent = new Set(strings(publics({ ...state, people: nulled })));
      for (const [id, reason] of reasons) {
        // … and no string in them contains a reason (unless it is text the payload has anyway: a name, a time)
        const leak = publicStrings.find((s) => s.includes(reason) && !innocent.has(s));
        assert.is(leak, undefined, `PR-2: ${id}'s reason ${JSON.stringify(reason)} leaks in ${JSON.stringify(leak)}`);
        // colleagues' own payloads (their phones) do not carry it either; the leader's may
        const withoutThis = new Map(people);
        withoutThis.set(id, { ...people.get(id)!, absenceReason: null });
        for (const other of people.values()) {
          if (other.personId === id || dir.isLeaderOf(other.personId, id)) continue;
          const base = new Set(strings(personOwn(withoutThis.get(other.personId)!, dir, withoutThis)));
          const s = strings(personOwn(other, dir, people)).find((x) => x.includes(reason) && !base.has(x));
          assert.is(s, undefined, `PR-2: ${id}'s reason ${JSON.stringify(reason)} reaches ${other.personId}'s phone in ${JSON.stringify(s)}`);
        }
        // the person's own payload has it
        const own = personOwn(people.get(id)!, dir, people);
        assert.is(own.absenceReason, reason);
        assert.ok(strings(own).includes(reason), `PR-2: ${id}'s own payload lacks the reason`);
      }
    }),
    RUNS.privacy,
  );
});

// ---- PR-1: presence follows the status and the phone hours ------------------------------------

t("PR-1: absent exactly when an absence holds; off-hours only outside the department's phone hours", () => {
  check(
    fc.property(worldsArb, fc.array(instantArb, { maxLength: 3 }), (worlds, more) => {
      for (const w of worlds) {
        const { state, dir } = w;
        for (const at of [w.at, ...more]) {
          const all = availabilityAll(state, at);
          assert.is(all.size, dir.people.size);
          const now = at.getTime();
          for (const [id, person] of dir.people) {
            const rec = state.people.get(id);
            const av = availabilityOf(state, rec, id, at);
            const where = `${id} at ${at.toISOString()}: ${JSON.stringify(av)}, status ${JSON.stringify(rec?.status)}, onCall ${rec?.onCall}`;
            assert.equal(all.get(id), av, `availabilityAll disagrees: ${where}`);
            const s = rec?.status ?? null;
            const holds = s !== null && Date.parse(s.since) <= now && (s.until === null || now < Date.parse(s.until));
            const absence = holds && s.kind === 'absent';
            assert.is(av.presence === 'absent', absence, `PR-1: absent ⇔ an absence holds; ${where}`);
            if (absence) assert.is(av.backAt, s.until, `PR-1: back at the absence's end; ${where}`);
            const open = deptHours(state, person.dept)!.isOpen(at);
            if (av.presence === 'off-hours') assert.ok(!open && person.role !== 'switchboard', `PR-1: off-hours inside phone hours; ${where}`);
            // precedence: absent > on-call > in-meeting > away > off-hours > available
            if (!absence && rec?.onCall) assert.is(av.presence, 'on-call', where);
            else if (holds && !absence) assert.is(av.presence, s.kind, where);
            else if (!holds && person.role === 'employee') assert.is(av.presence, open ? 'available' : 'off-hours', where);
          }
        }
      }
    }),
    RUNS.presence,
  );
});

t.run();
