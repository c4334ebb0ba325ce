/**
 * AS-5 in the pure policy, on a fake clock: the PBX's mailbox reports (`set-voicemail`, source
 * `pbx` only) keep since when a mailbox has had unheard messages; `refresh` flags it once that
 * passes a day and `nextDue` wakes the hub for it; a hub that was down catches up; a repeat is
 * a no-op; bad input is refused naming the field and the rule; the state is on the own
 * projection only (PR-2); records stored before AS-5 still work.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OmstilError, PersonOwn, PersonPublic } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { applyCommand, type Actor, type Command, type Outcome } from '../../../broker/policy/commands.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { nextDue, refresh } from '../../../broker/policy/refresh.js';
import { nextVoicemail, VOICEMAIL_FLAG_AFTER_MS, voicemailFlagDue } from '../../../broker/policy/voicemail.js';
import { initialRecord, normalizeRecord, type PersonRecord } from '../../../broker/state/person-record.js';
import { personOwn, personPublic } from '../../../broker/state/projections.js';

const t = suite('broker/policy/voicemail');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [{ id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00; PH off' }],
  groups: [],
  people: [
    { id: 'lea', name: 'Lea Leder', dept: 'familie', extension: '1000' },
    { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001', leader: 'lea' },
  ],
  devices: [
    { id: 'phone-lea', kind: 'phone' as const, person: 'lea' },
    { id: 'phone-anna', kind: 'phone' as const, person: 'anna' },
  ],
});

const local = (iso: string) => new Date(`${iso}+01:00`);
/** Tuesday 24 November 2026, 10:12 in Copenhagen */
const TUE = local('2026-11-24T10:12:00');
const HOUR = 3_600_000;
const pbx: Actor = { source: 'pbx', id: 'asterisk', personId: null };
const vm = (unheard: number, heard: number, at: Date): Command => ({ op: 'set-voicemail', person: 'anna', unheard, heard, at: at.toISOString() });

/** The hub minus I/O: commits what the policy returns, and what `refresh` returns when time passes. */
class World {
  readonly people = new Map<string, PersonRecord>();
  constructor(public now: Date = TUE) {
    for (const id of dir.people.keys()) this.people.set(id, initialRecord(id, TUE));
  }
  get state(): PolicyState {
    return { dir, people: this.people, depts: new Map() };
  }
  run(cmd: Command, actor: Actor = pbx): Outcome {
    const out = applyCommand(this.state, actor, cmd, this.now);
    for (const p of out.people) this.people.set(p.personId, p);
    return out;
  }
  tick(to: Date): PersonRecord[] {
    this.now = to;
    const out = refresh(this.state, to).people;
    for (const p of out) this.people.set(p.personId, p);
    return out;
  }
  get anna(): PersonRecord {
    return this.people.get('anna')!;
  }
}

function refusal(fn: () => unknown): OmstilError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, OmstilError);
    return err as OmstilError;
  }
  assert.unreachable('expected a refusal');
  throw new Error('unreachable');
}

t('AS-5: a message left starts the clock; more keep it; heard stops it', () => {
  const w = new World();
  const out = w.run(vm(1, 0, TUE));
  assert.equal(out.people.map((p) => p.personId), ['anna']);
  assert.equal(w.anna.voicemail, { unheard: 1, unheardSince: TUE.toISOString(), flaggedAt: null });
  assert.equal(out.journal, { person: 'anna', unheard: 1, heard: 0 }, 'the journal keeps counts only');
  w.now = new Date(TUE.getTime() + 3 * HOUR);
  w.run(vm(2, 0, w.now));
  assert.equal(w.anna.voicemail, { unheard: 2, unheardSince: TUE.toISOString(), flaggedAt: null }, 'the oldest unheard one sets the clock');
  w.run(vm(0, 2, w.now));
  assert.equal(w.anna.voicemail, { unheard: 0, unheardSince: null, flaggedAt: null });
  const later = new Date(TUE.getTime() + 5 * HOUR);
  w.now = later;
  w.run(vm(1, 2, later));
  assert.equal(w.anna.voicemail?.unheardSince, later.toISOString(), 'a new message after all were heard starts afresh');
});

t('AS-5: unheard for more than a day is flagged by refresh, at the moment nextDue names', () => {
  const w = new World();
  w.run(vm(2, 0, TUE));
  const due = new Date(TUE.getTime() + VOICEMAIL_FLAG_AFTER_MS);
  assert.is(VOICEMAIL_FLAG_AFTER_MS, 24 * HOUR);
  assert.is(voicemailFlagDue(w.anna.voicemail)?.toISOString(), due.toISOString());
  // Tuesday 23:00: Wednesday's midnight and opening come first; after 09:00 Wednesday, the flag is next
  assert.ok(nextDue(w.state, local('2026-11-24T23:00:00')).getTime() <= due.getTime());
  assert.is(nextDue(w.state, local('2026-11-25T09:30:00')).toISOString(), due.toISOString());
  const rev = w.anna.rev;
  assert.equal(w.tick(new Date(due.getTime() - 1000)).filter((p) => p.voicemail?.flaggedAt), [], 'not a second early');
  assert.is(w.anna.voicemail?.flaggedAt ?? null, null);
  w.tick(due);
  assert.is(w.anna.voicemail?.flaggedAt, due.toISOString());
  assert.ok(w.anna.rev > rev);
  // flagged once: the next sweep changes nothing, and the flag is no longer due
  const again = w.tick(new Date(due.getTime() + 60_000));
  assert.not.ok(again.some((p) => p.personId === 'anna'));
  assert.is(voicemailFlagDue(w.anna.voicemail), null);
  assert.ok(nextDue(w.state, w.now).getTime() > w.now.getTime());
});

t('AS-5: a hub that was down flags on its first sweep; hearing everything clears the flag', () => {
  const w = new World();
  w.run(vm(1, 4, TUE));
  const back = new Date(TUE.getTime() + 3 * 24 * HOUR); // Friday
  w.tick(back);
  assert.is(w.anna.voicemail?.flaggedAt, back.toISOString());
  w.run(vm(2, 4, back));
  assert.equal(w.anna.voicemail, { unheard: 2, unheardSince: TUE.toISOString(), flaggedAt: back.toISOString() }, 'another message keeps the flag');
  w.run(vm(1, 5, back));
  assert.ok(w.anna.voicemail?.flaggedAt, 'hearing some is not hearing all: the oldest may still be unheard');
  w.run(vm(0, 6, back));
  assert.equal(w.anna.voicemail, { unheard: 0, unheardSince: null, flaggedAt: null });
});

t('AS-5: a report of a mailbox already unheard for over a day (the sweep not yet run) is flagged at once', () => {
  const w = new World();
  w.run(vm(1, 0, TUE));
  w.now = new Date(TUE.getTime() + 25 * HOUR);
  w.run(vm(2, 0, w.now));
  assert.is(w.anna.voicemail?.flaggedAt, w.now.toISOString());
});

t('AS-5: a repeated identical report, or one that changes only the heard count, is a no-op (no new rev)', () => {
  const w = new World();
  w.run(vm(3, 1, TUE));
  const rev = w.anna.rev;
  const again = w.run(vm(3, 1, new Date(TUE.getTime() + 60_000)));
  assert.equal([again.people, w.anna.rev], [[], rev]);
  assert.equal(w.run(vm(3, 0, TUE)).people, [], 'a heard message deleted shows nothing new');
  // nothing ever reported and nothing unheard: nothing to show
  const fresh = new World();
  assert.equal(fresh.run(vm(0, 7, TUE)).people, []);
  assert.is(fresh.anna.voicemail, undefined);
});

t('AS-5: the PBX\'s instant is kept, never one in the future of the hub', () => {
  const w = new World();
  const early = new Date(TUE.getTime() - 2 * HOUR);
  w.run(vm(1, 0, early));
  assert.is(w.anna.voicemail?.unheardSince, early.toISOString());
  const v = nextVoicemail(null, 1, new Date(TUE.getTime() + HOUR), TUE);
  assert.is(v.unheardSince, TUE.toISOString());
});

t('AS-5: only the PBX sets voicemail; phones (own or leader) and the admin API are refused with the rule', () => {
  const w = new World();
  for (const actor of [
    { source: 'phone', id: 'phone-anna', personId: 'anna' },
    { source: 'phone', id: 'phone-lea', personId: 'lea' },
    { source: 'admin', id: 'it', personId: null },
    { source: 'calendar', id: 'cal', personId: null },
    { source: 'hub', id: 'hub', personId: null },
  ] satisfies Actor[]) {
    const err = refusal(() => w.run(vm(1, 0, TUE), actor));
    assert.equal([err.code, err.rule, err.field], ['forbidden', 'AS-5', 'op'], actor.source);
  }
  assert.is(w.anna.rev, 0, 'nothing changed');
});

t('AS-5: bad reports are refused naming the field and the rule, and change nothing', () => {
  const w = new World();
  const cases: Array<[Command, string]> = [
    [{ ...vm(1, 0, TUE), unheard: -1 } as Command, 'unheard'],
    [{ ...vm(1, 0, TUE), unheard: 1.5 } as Command, 'unheard'],
    [{ ...vm(1, 0, TUE), heard: Number.NaN } as Command, 'heard'],
    [{ ...vm(1, 0, TUE), at: 'igår' } as Command, 'at'],
  ];
  for (const [cmd, field] of cases) {
    const err = refusal(() => w.run(cmd));
    assert.equal([err.code, err.rule, err.field], ['invalid-payload', 'AS-5', field]);
  }
  const unknown = refusal(() => w.run({ ...vm(1, 0, TUE), person: 'nobody' } as Command));
  assert.equal([unknown.code, unknown.field], ['unknown-person', 'args.person']);
  assert.is(w.anna.rev, 0);
  assert.is(w.anna.voicemail, undefined);
});

t('AS-5 / PR-2: voicemail is on the own projection only; a record stored before AS-5 loads and projects', () => {
  const w = new World();
  w.run(vm(2, 0, TUE));
  w.tick(new Date(TUE.getTime() + 25 * HOUR));
  const rec = w.anna;
  const own = PersonOwn.parse(personOwn(rec, dir, w.people));
  assert.equal(own.voicemail, { unheard: 2, unheardSince: TUE.toISOString(), flaggedAt: rec.voicemail!.flaggedAt });
  const pub = PersonPublic.parse(personPublic(rec, dir));
  assert.not.ok('voicemail' in pub);
  assert.not.ok(/voicemail|unheard|flaggedAt/.test(JSON.stringify(pub)));
  // an old record (no voicemail field at all)
  const { voicemail: _v, ...old } = initialRecord('anna', TUE);
  const loaded = normalizeRecord(old as PersonRecord);
  const ownOld = PersonOwn.parse(personOwn(loaded, dir, new Map([['anna', loaded]])));
  assert.is(ownOld.voicemail, undefined);
  assert.equal(refresh({ dir, people: new Map([['anna', loaded]]), depts: new Map() }, TUE).people.filter((p) => p.voicemail), []);
});

t.run();
