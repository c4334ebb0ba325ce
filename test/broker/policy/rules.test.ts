/**
 * The policy engine rule by rule (POLICY.md ids in every test name): a small municipality,
 * fixed instants, and the same `applyCommand` every source of change goes through.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OmstilError } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { availabilityOf, canAnswer } from '../../../broker/policy/availability.js';
import { applyCommand, type Actor, type Command } from '../../../broker/policy/commands.js';
import { callbackDue } from '../../../broker/policy/deadlines.js';
import { phoneHoursFor } from '../../../broker/policy/hours/phone-hours.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { nextDue, refresh } from '../../../broker/policy/refresh.js';
import { messageRecipient, resolveCall } from '../../../broker/policy/resolve-call.js';
import type { DeptRecord } from '../../../broker/state/dept-record.js';
import type { PersonRecord } from '../../../broker/state/person-record.js';
import { deptPublic, personOwn, personPublic } from '../../../broker/state/projections.js';

const t = suite('broker/policy/rules');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [
    { id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00; PH off', web: 'https://test.dk/familie', tasks: ['underretning'] },
    { id: 'jobcenter', name: 'Jobcenter', phoneHours: 'Mo-Th 09:00-14:30; Fr 09:00-12:00; PH off', callbackWorkdays: 2 },
    { id: 'administration', name: 'Administration', phoneHours: 'Mo-Fr 08:00-16:00; PH off' },
  ],
  groups: [
    { id: 'familie-gruppe', name: 'Familie, fællesnummer', dept: 'familie', number: '1900', members: ['anna', 'bo', 'carl'] },
    { id: 'jobcenter-vagt', name: 'Jobcentrets vagt', dept: 'jobcenter', number: '2900', members: ['dan', 'eva'], phoneHours: 'Mo-Fr 08:00-16:00; PH off' },
  ],
  people: [
    { id: 'lea', name: 'Lea Leder', dept: 'familie', extension: '1000' },
    { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001', leader: 'lea', preferred: ['bo', 'carl'] },
    { id: 'bo', name: 'Bo Berg', dept: 'familie', extension: '1002', leader: 'lea', preferred: ['anna'] },
    { id: 'carl', name: 'Carl Dahl', dept: 'familie', extension: '1003', leader: 'lea' },
    { id: 'dan', name: 'Dan Eriksen', dept: 'jobcenter', extension: '2001' },
    { id: 'eva', name: 'Eva Friis', dept: 'jobcenter', extension: '2002' },
    { id: 'omstillingen', name: 'Omstillingen', dept: 'administration', extension: '89151515', role: 'switchboard' },
  ],
  devices: [
    { id: 'phone-lea', kind: 'phone', person: 'lea' },
    { id: 'phone-anna', kind: 'phone', person: 'anna' },
    { id: 'phone-bo', kind: 'phone', person: 'bo' },
    { id: 'phone-dan', kind: 'phone', person: 'dan' },
    { id: 'kiosk-1', kind: 'kiosk' },
  ],
});

/** Monday 23 November 2026, 09:30 in Copenhagen (CET, UTC+1). */
const MON = new Date('2026-11-23T09:30:00+01:00');
const at = (local: string) => new Date(`${local}+01:00`);
const hours = (h: number, from = MON) => new Date(from.getTime() + h * 3600_000).toISOString();
const days = (d: number, from = MON) => hours(24 * d, from);

const phone = (personId: string): Actor => ({ source: 'phone', id: `phone-${personId}`, personId });
const admin: Actor = { source: 'admin', id: 'test', personId: null };
const calendar: Actor = { source: 'calendar', id: 'outlook', personId: null };
const pbx: Actor = { source: 'pbx', id: 'sim', personId: null };

/** The hub's state, minus I/O: apply = decide + keep the new records. */
class World {
  readonly people = new Map<string, PersonRecord>();
  readonly depts = new Map<string, DeptRecord>();
  constructor(public now: Date = MON) {}
  get state(): PolicyState {
    return { dir, people: this.people, depts: this.depts };
  }
  run(actor: Actor, cmd: Command): unknown {
    const out = applyCommand(this.state, actor, cmd, this.now);
    for (const r of out.people) this.people.set(r.personId, r);
    for (const d of out.depts) this.depts.set(d.deptId, d);
    return out.data;
  }
  refuses(actor: Actor, cmd: Command, code: string, rule: string): OmstilError {
    const before = JSON.stringify([...this.people, ...this.depts]);
    try {
      this.run(actor, cmd);
    } catch (err) {
      assert.instance(err, OmstilError);
      const e = err as OmstilError;
      assert.is(e.code, code, e.message);
      assert.is(e.rule, rule, e.message);
      assert.is(JSON.stringify([...this.people, ...this.depts]), before, 'a refusal changes nothing');
      return e;
    }
    assert.unreachable(`expected ${code} (${rule})`);
    throw new Error('unreachable');
  }
  presence(id: string): string {
    return availabilityOf(this.state, this.people.get(id), id, this.now).presence;
  }
}

const divert = (person: string, target: string, until: string | null = null): Command => ({ op: 'divert', person, target, until });
const absence = (person: string, until: string | null, extra: Partial<Extract<Command, { op: 'set-status' }>> = {}): Command => ({
  op: 'set-status',
  person,
  kind: null,
  until,
  reason: null,
  divertTo: null,
  ...extra,
});

// ---- PR-1 presence ----

t('PR-1: available inside phone hours, off-hours outside them with back-at the next opening', () => {
  const w = new World();
  assert.is(w.presence('anna'), 'available');
  w.now = at('2026-11-23T15:00:00');
  const av = availabilityOf(w.state, undefined, 'anna', w.now);
  assert.is(av.presence, 'off-hours');
  assert.is(av.backAt, at('2026-11-24T08:00:00').toISOString());
});

t('PR-1: a short absence is away, one workday or more is absent; precedence absent > on-call > in-meeting > away', () => {
  const w = new World();
  assert.equal(w.run(phone('anna'), absence('anna', hours(2))), { kind: 'away' });
  assert.is(w.presence('anna'), 'away');
  w.run(pbx, { op: 'set-on-call', person: 'anna', onCall: true });
  assert.is(w.presence('anna'), 'on-call');
  assert.equal(w.run(phone('anna'), absence('anna', days(3), { divertTo: 'bo' })), { kind: 'absent' });
  assert.is(w.presence('anna'), 'absent', 'absent wins over on-call');
  assert.is(w.people.get('anna')!.backAt, days(3));
  w.run(calendar, absence('bo', hours(1), { kind: 'in-meeting' }));
  assert.is(w.presence('bo'), 'in-meeting');
});

t('PR-1: the stored presence follows the inputs (a new revision when it changes)', () => {
  const w = new World();
  w.run(phone('anna'), absence('anna', hours(1)));
  assert.is(w.people.get('anna')!.presence, 'away');
  assert.is(w.people.get('anna')!.backAt, hours(1));
  w.run(phone('anna'), { op: 'clear-status', person: 'anna' });
  assert.is(w.people.get('anna')!.presence, 'available');
  assert.is(w.people.get('anna')!.rev, 2);
});

// ---- PR-2 private reasons ----

t('PR-2: the reason is on the own projection only, never on the public one', () => {
  const w = new World();
  w.run(phone('anna'), absence('anna', days(5), { divertTo: 'bo', reason: 'Sygdom i familien' }));
  const rec = w.people.get('anna')!;
  assert.not.match(JSON.stringify(personPublic(rec, dir)), 'Sygdom');
  assert.is(personOwn(rec, dir, w.people).absenceReason, 'Sygdom i familien');
  assert.is(personPublic(rec, dir).backAt, days(5), 'colleagues see when she is back');
  for (const d of dir.departments.keys()) assert.not.match(JSON.stringify(deptPublic(w.state, w.depts.get(d) ?? emptyDept(d), MON)), 'Sygdom');
  w.run(phone('anna'), { op: 'clear-status', person: 'anna' });
  assert.is(w.people.get('anna')!.absenceReason, null, 'the reason goes with the absence');
});

// ---- PR-3 calendar as a source ----

t('PR-3 / DV-6: a calendar absence without a colleague is taken (it happened) and the person and leader are alerted', () => {
  const w = new World();
  w.run(calendar, absence('carl', days(7), { kind: 'absent', reason: 'Ferie' }));
  assert.is(w.presence('carl'), 'absent');
  const own = personOwn(w.people.get('carl')!, dir, w.people);
  assert.equal(own.alerts.map((a) => a.rule), ['DV-6']);
  assert.match(own.alerts[0]!.text.da, 'viderestilles');
  // the leader's phone follows carl's own topic (PR-4); a diversion clears the alert
  w.run(phone('lea'), divert('carl', 'bo'));
  assert.equal(personOwn(w.people.get('carl')!, dir, w.people).alerts, []);
});

// ---- PR-4 leaders ----

t('PR-4: a leader sets absence and diversion for their own staff, nobody else\'s', () => {
  const w = new World();
  w.run(phone('lea'), absence('anna', days(2), { divertTo: 'bo', reason: 'Syg' }));
  assert.is(w.people.get('anna')!.diversion!.to, 'bo');
  w.refuses(phone('lea'), absence('dan', days(2), { divertTo: 'eva' }), 'forbidden', 'PR-4');
  w.refuses(phone('anna'), divert('lea', 'bo'), 'forbidden', 'PR-4');
  w.refuses(phone('anna'), divert('bo', 'carl'), 'forbidden', 'PR-4');
  // a leader may not decline on behalf of staff: that is the target's own answer
  w.refuses(pbx, divert('anna', 'carl'), 'forbidden', 'PR-4');
});

// ---- DV-1 / DV-2 ----

t('DV-1: one press diverts to a colleague or to a group number; the PBX forward follows the group number', () => {
  const w = new World();
  assert.equal(w.run(phone('anna'), divert('anna', 'familie-gruppe')), { chain: ['familie-gruppe'] });
  const r = resolveCall(w.state, '1001', MON);
  assert.is(r.kind, 'ring');
  if (r.kind === 'ring') {
    assert.equal(r.route, ['anna', 'familie-gruppe']);
    assert.equal(r.ring.sort(), ['bo', 'carl'], 'every available member but the diverter (who is a member too)');
  }
});

t('DV-2: the target accepts (still in force) or declines (not in force); only the target can', () => {
  const w = new World();
  w.run(phone('anna'), divert('anna', 'bo'));
  w.refuses(phone('carl'), { op: 'accept-diversion', person: 'carl', from: 'anna' }, 'not-diverted-to-you', 'DV-2');
  w.run(phone('bo'), { op: 'accept-diversion', person: 'bo', from: 'anna' });
  assert.is(w.people.get('anna')!.diversion!.status, 'accepted');
  assert.equal(resolveCall(w.state, '1001', MON).kind === 'ring' && (resolveCall(w.state, '1001', MON) as { ring: string[] }).ring, ['bo']);
  w.run(phone('bo'), { op: 'decline-diversion', person: 'bo', from: 'anna' });
  assert.is(w.people.get('anna')!.diversion!.status, 'declined');
  const r = resolveCall(w.state, '1001', MON);
  assert.equal(r.route, ['anna'], 'a declined diversion is not followed');
});

// ---- DV-3 / DV-4 ----

t('DV-3: a diversion to the switchboard is refused, from the phone and the admin API alike', () => {
  const w = new World();
  w.refuses(phone('anna'), divert('anna', 'omstillingen'), 'switchboard-diversion', 'DV-3');
  w.refuses(admin, divert('anna', 'omstillingen'), 'switchboard-diversion', 'DV-3');
  w.refuses(admin, { op: 'add-closure', dept: 'familie', start: MON.toISOString(), end: hours(2), message: null, offer: 'fallback', fallback: 'omstillingen' }, 'switchboard-diversion', 'DV-3');
});

t('DV-4: a cycle is refused from every source: phone, admin API and a PBX-side forward', () => {
  const w = new World();
  w.run(phone('anna'), divert('anna', 'bo'));
  w.refuses(phone('bo'), divert('bo', 'anna'), 'diversion-cycle', 'DV-4');
  w.refuses(admin, divert('bo', 'anna'), 'diversion-cycle', 'DV-4');
  // *72 on bo's desk phone to anna's extension: the PBX reports it, the policy refuses it
  w.refuses(pbx, { op: 'pbx-forward', extension: '1002', to: '1001' }, 'diversion-cycle', 'DV-4');
  // a harmless PBX-side forward is taken in, marked as coming from the PBX
  w.run(pbx, { op: 'pbx-forward', extension: '1003', to: '1002' });
  assert.is(w.people.get('carl')!.diversion!.source, 'pbx');
});

t('DV-4: a target absent for a week is refused with a reason-free text, suggesting who covers for them', () => {
  const w = new World();
  w.run(phone('bo'), absence('bo', days(7), { divertTo: 'carl', reason: 'Ferie' }));
  const e = w.refuses(phone('anna'), divert('anna', 'bo'), 'target-unavailable', 'DV-4');
  assert.equal(e.suggestion, { id: 'carl', name: 'Carl Dahl' });
  assert.match(e.text!.da, 'Bo Berg er fraværende');
  assert.match(e.text!.da, 'Prøv Carl Dahl');
  assert.not.match(JSON.stringify(e.text), 'Ferie');
  w.refuses(admin, divert('anna', 'bo'), 'target-unavailable', 'DV-4');
  // the suggestion is accepted
  assert.equal(w.run(phone('anna'), divert('anna', 'carl')), { chain: ['carl'] });
});

t('DV-4: with nobody covering, the suggestion is the first preferred colleague who can answer', () => {
  const w = new World();
  w.run(calendar, absence('bo', days(7), { kind: 'absent' }));
  const e = w.refuses(phone('anna'), divert('anna', 'bo'), 'target-unavailable', 'DV-4');
  assert.equal(e.suggestion, { id: 'carl', name: 'Carl Dahl' }, 'bo is out, carl is next in preferred');
});

t('DV-4: a target outside their phone hours when the calls come is refused; inside them it is allowed', () => {
  const w = new World(at('2026-11-23T08:30:00'));
  // familie answers from 08:00, the jobcenter from 09:00: dan cannot take anna's 08:30 calls
  w.refuses(phone('anna'), divert('anna', 'dan'), 'target-unavailable', 'DV-4');
  // in the evening both are closed: the calls come at familie's next opening (08:00), dan starts at 09:00
  w.now = at('2026-11-23T19:00:00');
  w.refuses(phone('anna'), divert('anna', 'dan'), 'target-unavailable', 'DV-4');
  w.now = at('2026-11-23T09:30:00');
  assert.equal(w.run(phone('anna'), divert('anna', 'dan')), { chain: ['dan'] });
  w.run(phone('anna'), { op: 'undivert', person: 'anna' });
  // and the other way round in the evening: jobcenter opens at 09:00, familie is open then
  w.now = at('2026-11-23T19:00:00');
  assert.equal(w.run(phone('dan'), divert('dan', 'anna')), { chain: ['anna'] });
});

t('DV-4: chains are followed up to maxHops (3); one more is refused', () => {
  const w = new World();
  w.run(phone('bo'), divert('bo', 'carl'));
  w.run(admin, divert('carl', 'lea'));
  w.run(admin, divert('lea', 'dan'));
  w.refuses(phone('anna'), divert('anna', 'bo'), 'chain-too-long', 'DV-4');
  w.run(admin, { op: 'undivert', person: 'lea' });
  assert.equal(w.run(phone('anna'), divert('anna', 'bo')), { chain: ['bo', 'carl', 'lea'] });
});

// ---- DV-6 ----

t('DV-6: an absence longer than one workday without a colleague is refused, naming the field and suggesting one', () => {
  const w = new World();
  const e = w.refuses(phone('anna'), absence('anna', days(7)), 'needs-colleague', 'DV-6');
  assert.is(e.field, 'args.divertTo');
  assert.equal(e.suggestion, { id: 'bo', name: 'Bo Berg' });
  w.refuses(phone('anna'), absence('anna', null), 'needs-colleague', 'DV-6');
  w.refuses(admin, absence('anna', days(2)), 'needs-colleague', 'DV-6');
  // exactly one workday (Monday 09:30 → Tuesday 09:30) is not longer than one workday
  assert.equal(w.run(phone('anna'), absence('anna', days(1))), { kind: 'absent' });
});

t('DV-6: with a colleague in the same request, or a diversion already in force, the absence is taken', () => {
  const w = new World();
  assert.equal(w.run(phone('anna'), absence('anna', days(7), { divertTo: 'bo' })), { kind: 'absent' });
  const d = w.people.get('anna')!.diversion!;
  assert.equal([d.to, d.until], ['bo', days(7)], 'the diversion lasts exactly as long as the absence');
  w.run(phone('carl'), divert('carl', 'bo'));
  assert.equal(w.run(phone('carl'), absence('carl', days(7))), { kind: 'absent' });
});

t('DV-6 / PR-1: back early: clearing the absence ends the diversion made for it, not one made on its own', () => {
  const w = new World();
  w.run(phone('anna'), absence('anna', days(7), { divertTo: 'bo' }));
  w.run(phone('anna'), { op: 'clear-status', person: 'anna' });
  assert.is(w.people.get('anna')!.diversion, null);
  assert.is(w.presence('anna'), 'available');
  w.run(phone('carl'), divert('carl', 'bo'));
  w.now = new Date(hours(1));
  w.run(phone('carl'), absence('carl', days(3)));
  w.run(phone('carl'), { op: 'clear-status', person: 'carl' });
  assert.is(w.people.get('carl')!.diversion?.to, 'bo', 'the diversion carl made before stays');
  // a colleague for an absence that has not started yet is not taken: the diversion would start now
  w.refuses(admin, absence('bo', days(9), { since: days(2), divertTo: 'lea' }), 'invalid-time', 'DV-6');
});

t('DV-6: the colleague named for an absence is checked like any diversion (DV-3, DV-4)', () => {
  const w = new World();
  w.refuses(phone('anna'), absence('anna', days(7), { divertTo: 'omstillingen' }), 'switchboard-diversion', 'DV-3');
  w.run(phone('bo'), divert('bo', 'anna'));
  w.refuses(phone('anna'), absence('anna', days(7), { divertTo: 'bo' }), 'diversion-cycle', 'DV-4');
});

// ---- PH-1 .. PH-5 ----

t('PH-1 / PH-2: outside phone hours a call gets the department\'s message with its hours and alternatives', () => {
  const w = new World(at('2026-11-23T17:00:00'));
  const r = resolveCall(w.state, '1001', w.now);
  assert.is(r.kind, 'outside-hours');
  if (r.kind !== 'outside-hours') return;
  assert.is(r.rule, 'PH-2');
  assert.match(r.text.da, 'Familie');
  assert.match(r.text.da, '8.00');
  assert.match(r.text.da, 'https://test.dk/familie');
  assert.match(r.text.en, 'Familie');
});

t('PH-1: Danish public holidays are closed (Juledag 2026), and the next workday answers', () => {
  const w = new World();
  assert.is(resolveCall(w.state, '1001', at('2026-12-25T10:00:00')).kind, 'outside-hours');
  assert.is(resolveCall(w.state, '1001', at('2026-12-28T10:00:00')).kind, 'ring');
  // a group number with its own hours: the jobcenter's duty line answers from 08:00, the jobcenter from 09:00
  assert.is(resolveCall(w.state, '2900', at('2026-11-23T08:30:00')).kind, 'ring');
  assert.is(resolveCall(w.state, '2001', at('2026-11-23T08:30:00')).kind, 'outside-hours');
});

t('PH-1: phone hours that say nothing about holidays are closed on them (the policy default); 24/7 stays open', () => {
  const xmas = at('2026-12-25T10:00:00');
  assert.is(phoneHoursFor('Mo-Fr 08:00-15:00').isOpen(xmas), false);
  assert.is(phoneHoursFor('Mo-Fr 08:00-15:00').isOpen(at('2026-12-28T10:00:00')), true);
  assert.is(phoneHoursFor('24/7').isOpen(xmas), true);
  assert.is(phoneHoursFor('Mo-Fr 08:00-15:00; PH 10:00-12:00').isOpen(xmas), true, 'stated hours on holidays hold');
});

t('PH-3: a closure answers inside phone hours with its message; ended early, calls ring again at once', () => {
  const w = new World();
  const data = w.run(admin, { op: 'add-closure', dept: 'familie', start: MON.toISOString(), end: hours(3), message: null, offer: 'callback', fallback: null }) as { closure: { id: string } };
  const r = resolveCall(w.state, '1001', MON);
  assert.is(r.kind, 'closure');
  if (r.kind === 'closure') {
    assert.is(r.offer, 'callback');
    assert.match(r.text.da, 'Familie er lukket indtil kl. 12.30');
  }
  assert.not.ok(canAnswer(w.state, 'anna', MON), 'nobody in a closed department takes calls');
  const pub = deptPublic(w.state, w.depts.get('familie')!, MON);
  assert.is(pub.closures.length, 1);
  w.now = new Date(MON.getTime() + 3600_000);
  w.run(admin, { op: 'end-closure', dept: 'familie', closure: data.closure.id });
  assert.is(w.depts.get('familie')!.closures[0]!.endedEarly, true);
  assert.is(resolveCall(w.state, '1001', w.now).kind, 'ring');
  w.refuses(admin, { op: 'end-closure', dept: 'familie', closure: 'nope' }, 'unknown-closure', 'PH-3');
});

t('PH-3: a closure with an agreed fallback rings the fallback instead', () => {
  const w = new World();
  w.run(admin, { op: 'add-closure', dept: 'jobcenter', start: MON.toISOString(), end: hours(2), message: null, offer: 'fallback', fallback: 'familie-gruppe' });
  const r = resolveCall(w.state, '2001', MON);
  assert.is(r.kind, 'ring');
  if (r.kind === 'ring') assert.equal(r.ring.sort(), ['anna', 'bo', 'carl']);
  w.refuses(admin, { op: 'add-closure', dept: 'jobcenter', start: MON.toISOString(), end: hours(-1), message: null, offer: 'message', fallback: null }, 'invalid-time', 'PH-3');
});

t('PH-4: a group number rings its available members; with none, a message offer (never silence)', () => {
  const w = new World();
  w.run(pbx, { op: 'set-on-call', person: 'dan', onCall: true });
  let r = resolveCall(w.state, '2900', MON);
  assert.equal(r.kind === 'ring' && r.ring, ['eva']);
  w.run(calendar, absence('eva', hours(2), { kind: 'in-meeting' }));
  r = resolveCall(w.state, '2900', MON);
  assert.is(r.kind, 'message');
  if (r.kind === 'message') {
    assert.is(r.rule, 'PH-4');
    assert.is(r.recipient, 'jobcenter-vagt');
    assert.is(r.due, at('2026-11-25T09:30:00').toISOString(), 'AS-2: the jobcenter promises two workdays');
  }
});

t('PH-4: a person who cannot answer falls back to their department\'s group, else a message', () => {
  const w = new World();
  w.run(phone('anna'), absence('anna', hours(1)));
  const r = resolveCall(w.state, '1001', MON);
  assert.equal(r.kind === 'ring' && [r.route, r.ring.sort()], [['anna', 'familie-gruppe'], ['bo', 'carl']]);
});

t('PH-5: a peak notice is shown on the department board until it is removed', () => {
  const w = new World();
  const data = w.run(admin, { op: 'add-peak', dept: 'familie', from: '2026-11-30', to: '2026-12-01', text: { da: 'Mange henvendelser om børnecheck', en: 'Many calls about child benefit' } }) as { peak: { id: string } };
  assert.equal(deptPublic(w.state, w.depts.get('familie')!, MON).peaks.map((p) => p.from), ['2026-11-30']);
  w.run(admin, { op: 'remove-peak', dept: 'familie', peak: data.peak.id });
  assert.equal(deptPublic(w.state, w.depts.get('familie')!, MON).peaks, []);
  w.refuses(admin, { op: 'add-peak', dept: 'nope', from: '2026-11-30', to: '2026-12-01', text: { da: 'x', en: 'x' } }, 'unknown-department', 'RT-1');
});

t('PH-1: the department board says open now, today\'s hours and the next change', () => {
  const w = new World();
  const pub = deptPublic(w.state, refreshed(w).depts.get('familie')!, MON);
  assert.is(pub.openNow, true);
  assert.equal(pub.today.open, [{ from: '08:00', to: '15:00' }]);
  assert.is(pub.nextChange, at('2026-11-23T15:00:00').toISOString());
  assert.equal(pub.groups, [{ id: 'familie-gruppe', name: 'Familie, fællesnummer', number: '1900', tasks: [] }]);
});

// ---- time: refresh ----

t('PR-1 / PH-1: time moves presence: at 15:00 familie goes off-hours with a new revision; nextDue says when', () => {
  const w = new World();
  refreshed(w);
  w.run(phone('anna'), divert('anna', 'bo', hours(1)));
  assert.is(nextDue(w.state, MON).toISOString(), hours(1), 'the diversion ends first');
  w.now = new Date(hours(1));
  refreshed(w);
  assert.is(w.people.get('anna')!.diversion, null, 'DV-1: a timed diversion ends by itself');
  assert.is(nextDue(w.state, w.now).toISOString(), at('2026-11-23T14:30:00').toISOString(), 'the jobcenter closes first');
  w.now = at('2026-11-23T15:00:00');
  const before = w.people.get('bo')!.rev;
  refreshed(w);
  assert.is(w.people.get('bo')!.presence, 'off-hours');
  assert.is(w.people.get('bo')!.rev, before + 1);
  assert.is(w.depts.get('familie')!.openNow, false);
  assert.equal(refresh(w.state, w.now), { people: [], depts: [], messages: [] }, 'idempotent');
});

// ---- AS-2 / AS-3 ----

t('AS-2: call-backs are due in the department\'s workdays, skipping weekends and Christmas', () => {
  assert.is(callbackDue(dir, 'familie', at('2026-11-23T10:00:00')).toISOString(), at('2026-11-24T10:00:00').toISOString());
  assert.is(callbackDue(dir, 'familie', at('2026-11-27T10:00:00')).toISOString(), at('2026-11-30T10:00:00').toISOString(), 'Friday → Monday');
  // 24 December is a workday by law (no public holiday); 25-27 are skipped
  assert.is(callbackDue(dir, 'jobcenter', at('2026-12-23T10:00:00')).toISOString(), at('2026-12-28T10:00:00').toISOString(), 'two workdays over Christmas');
  assert.is(callbackDue(dir, 'familie', at('2026-12-31T10:00:00')).toISOString(), at('2027-01-04T10:00:00').toISOString(), 'over New Year');
});

t('AS-3: a message for someone absent goes to the colleague covering, else their group; unless the caller was told', () => {
  const w = new World();
  w.run(phone('anna'), absence('anna', days(7), { divertTo: 'bo' }));
  assert.equal(messageRecipient(w.state, 'anna', MON), { recipient: 'bo', rule: 'AS-3' });
  assert.equal(messageRecipient(w.state, 'anna', MON, { callerInformed: true }), { recipient: 'anna', rule: 'AS-1' });
  w.run(calendar, absence('carl', days(7), { kind: 'absent' }));
  assert.equal(messageRecipient(w.state, 'carl', MON), { recipient: 'familie-gruppe', rule: 'AS-3' });
  assert.equal(messageRecipient(w.state, 'bo', MON), { recipient: 'bo', rule: 'AS-1' });
});

t('RT-1: an unknown number reaches nobody, and says so', () => {
  const r = resolveCall(new World().state, '4242', MON);
  assert.is(r.kind, 'unknown-number');
});

function emptyDept(deptId: string): DeptRecord {
  return { deptId, rev: 0, closures: [], peaks: [], openNow: false, day: '', updatedAt: MON.toISOString() };
}

/** Applies what time has changed, like the hub's sweep. */
function refreshed(w: World): World {
  const out = refresh(w.state, w.now);
  for (const r of out.people) w.people.set(r.personId, r);
  for (const d of out.depts) w.depts.set(d.deptId, d);
  return w;
}

t.run();
