/**
 * What a calendar asks of the hub (PR-3, DV-5, DV-6) and the precedence rules between the
 * calendar and changes made by hand, through the same applyCommand every source uses.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Occurrence } from '../../../broker/calendar/calendar-source.js';
import { newPlanMemory, planPerson, type PlanMemory } from '../../../broker/calendar/calendar-plan.js';
import { Directory } from '../../../broker/directory/directory.js';
import { applyCommand, type Actor, type Command } from '../../../broker/policy/commands.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { refresh } from '../../../broker/policy/refresh.js';
import type { DeptRecord } from '../../../broker/state/dept-record.js';
import { initialRecord, type PersonRecord } from '../../../broker/state/person-record.js';
import { personOwn, personPublic } from '../../../broker/state/projections.js';

const t = suite('broker/calendar/calendar-plan');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [{ id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-16:00' }],
  people: [
    { id: 'lea', name: 'Lea Leder', dept: 'familie', extension: '1000' },
    { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001', leader: 'lea', preferred: ['bo'] },
    { id: 'bo', name: 'Bo Berg', dept: 'familie', extension: '1002', leader: 'lea', preferred: ['anna'], autoDivertMeetings: true },
  ],
  devices: [],
});

const at = (local: string) => new Date(`2026-11-23T${local}:00+01:00`);
const occ = (start: string, end: string, show: Occurrence['show'] = 'busy', extra: Partial<Occurrence> = {}): Occurrence => ({
  uid: `m-${start}`,
  start: at(start).toISOString(),
  end: at(end).toISOString(),
  allDay: false,
  show,
  summary: 'Teammøde',
  ...extra,
});
const calendar: Actor = { source: 'calendar', id: 'sync', personId: null };
const phone = (p: string): Actor => ({ source: 'phone', id: `phone-${p}`, personId: p });
const plan = { promptMinutes: 5, tentative: 'free' as const };

class World {
  readonly people = new Map<string, PersonRecord>(['lea', 'anna', 'bo'].map((id) => [id, initialRecord(id, at('08:00'))]));
  readonly depts = new Map<string, DeptRecord>();
  readonly memory = new Map<string, PlanMemory>();
  now = at('09:00');
  get state(): PolicyState {
    return { dir, people: this.people, depts: this.depts };
  }
  apply(actor: Actor, cmd: Command): void {
    const out = applyCommand(this.state, actor, cmd, this.now);
    for (const r of out.people) this.people.set(r.personId, r);
  }
  /** one tick of calendar sync for `person`: the commands it ran */
  sync(person: string, occurrences: Occurrence[]): Command[] {
    let m = this.memory.get(person);
    if (!m) this.memory.set(person, (m = newPlanMemory()));
    const cmds = planPerson(this.state, person, occurrences, this.now, plan, m);
    for (const c of cmds) this.apply(calendar, c);
    return cmds;
  }
  /** time passes: what the hub's refresh does */
  advance(local: string): void {
    this.now = at(local);
    for (const r of refresh(this.state, this.now).people) this.people.set(r.personId, r);
  }
  rec(id: string): PersonRecord {
    return this.people.get(id)!;
  }
}

t('PR-3: a meeting in the calendar makes the person in-meeting for exactly its time, with back-at its end', () => {
  const w = new World();
  const entries = [occ('10:00', '11:00')];
  assert.equal(w.sync('anna', entries).filter((c) => c.op === 'set-status'), []);
  w.advance('10:00');
  w.sync('anna', entries);
  assert.equal([w.rec('anna').presence, w.rec('anna').backAt], ['in-meeting', at('11:00').toISOString()]);
  assert.is(w.rec('anna').status!.source, 'calendar');
  w.advance('11:00');
  w.sync('anna', entries);
  assert.is(w.rec('anna').presence, 'available');
});

t('PR-3 / DV-6: out of office for a week is absent with back-at; without a colleague the leader is told', () => {
  const w = new World();
  const week = [occ('00:00', '23:59', 'oof', { end: new Date('2026-11-30T00:00:00+01:00').toISOString(), summary: 'Ferie' })];
  w.sync('anna', week);
  const rec = w.rec('anna');
  assert.equal([rec.presence, rec.backAt], ['absent', new Date('2026-11-30T00:00:00+01:00').toISOString()]);
  assert.equal(personOwn(rec, dir, w.people).alerts.map((a) => a.rule), ['DV-6'], 'the leader\'s phone follows anna\'s own topic');
  assert.not.match(JSON.stringify(personPublic(rec, dir)), 'Ferie', 'PR-2: the entry\'s title never goes public');
  // the leader sets the diversion (PR-4): the alert goes
  w.apply(phone('lea'), { op: 'divert', person: 'anna', target: 'bo', until: null });
  assert.equal(personOwn(w.rec('anna'), dir, w.people).alerts, []);
});

t('PR-3 precedence: a status set by hand wins until its own end; then the calendar applies', () => {
  const w = new World();
  w.apply(phone('anna'), { op: 'set-status', person: 'anna', kind: null, until: at('10:30').toISOString(), reason: null, divertTo: null });
  const entries = [occ('10:00', '11:00')];
  w.advance('10:00');
  assert.equal(w.sync('anna', entries).filter((c) => c.op === 'set-status'), [], 'away by hand until 10:30 wins');
  assert.is(w.rec('anna').presence, 'away');
  w.advance('10:30');
  w.sync('anna', entries);
  assert.equal([w.rec('anna').presence, w.rec('anna').status!.source], ['in-meeting', 'calendar']);
});

t('PR-3 precedence: a calendar status cleared by hand stays cleared for that meeting; the next one applies', () => {
  const w = new World();
  const entries = [occ('10:00', '11:00'), occ('13:00', '14:00')];
  w.advance('10:00');
  w.sync('anna', entries);
  assert.is(w.rec('anna').presence, 'in-meeting');
  w.apply(phone('anna'), { op: 'clear-status', person: 'anna' }); // the meeting was cancelled in person
  w.advance('10:05');
  assert.equal(w.sync('anna', entries).filter((c) => c.op === 'set-status'), []);
  assert.is(w.rec('anna').presence, 'available');
  w.advance('13:00');
  w.sync('anna', entries);
  assert.is(w.rec('anna').presence, 'in-meeting');
});

t('PR-3: an entry deleted from the calendar ends the status it set', () => {
  const w = new World();
  w.advance('10:00');
  w.sync('anna', [occ('10:00', '11:00')]);
  assert.is(w.rec('anna').presence, 'in-meeting');
  w.advance('10:10');
  assert.equal(w.sync('anna', []).map((c) => c.op), ['clear-status', 'set-meeting-prompt'], 'the status and the offer go');
  assert.is(w.rec('anna').presence, 'available');
});

t('DV-5: five minutes before a meeting the phone offers the diversion; one press diverts for exactly the meeting', () => {
  const w = new World();
  const entries = [occ('10:00', '11:00')];
  w.advance('09:54');
  w.sync('anna', entries);
  assert.is(w.rec('anna').meetingPrompt, null, 'not yet');
  w.advance('09:55');
  w.sync('anna', entries);
  assert.equal(w.rec('anna').meetingPrompt, { start: at('10:00').toISOString(), end: at('11:00').toISOString(), suggestion: 'bo' });
  assert.equal(personOwn(w.rec('anna'), dir, w.people).meetingPrompt?.suggestion, { id: 'bo', name: 'Bo Berg' });
  // the one press: divert to the suggestion until the meeting's end
  const p = w.rec('anna').meetingPrompt!;
  w.apply(phone('anna'), { op: 'divert', person: 'anna', target: p.suggestion!, until: p.end });
  w.sync('anna', entries);
  assert.is(w.rec('anna').meetingPrompt, null, 'diverted: no more offer');
  w.advance('11:00');
  w.sync('anna', entries);
  assert.equal([w.rec('anna').diversion, w.rec('anna').presence], [null, 'available'], 'reverted at the meeting\'s end');
});

t('DV-5: people who opt in are diverted automatically when the meeting starts, once', () => {
  const w = new World();
  const entries = [occ('10:00', '11:00')];
  w.advance('09:57');
  w.sync('bo', entries);
  assert.is(w.rec('bo').diversion, null, 'not before the meeting');
  w.advance('10:00');
  w.sync('bo', entries);
  assert.equal([w.rec('bo').diversion?.to, w.rec('bo').diversion?.until, w.rec('bo').diversion?.source], ['anna', at('11:00').toISOString(), 'calendar']);
  w.apply(phone('bo'), { op: 'undivert', person: 'bo' }); // he stepped out of the meeting
  w.advance('10:20');
  w.sync('bo', entries);
  assert.is(w.rec('bo').diversion, null, 'not diverted again');
});

t('DV-5: no offer while absent, and none for free or tentative entries (tentative configurable)', () => {
  const w = new World();
  w.advance('09:56');
  w.sync('anna', [occ('10:00', '11:00', 'free'), occ('09:58', '10:30', 'tentative')]);
  assert.is(w.rec('anna').meetingPrompt, null);
  let m = newPlanMemory();
  const cmds = planPerson(w.state, 'anna', [occ('09:58', '10:30', 'tentative')], w.now, { promptMinutes: 5, tentative: 'in-meeting' }, m);
  assert.ok(cmds.some((c) => c.op === 'set-meeting-prompt' && c.prompt !== null));
  m = newPlanMemory();
  w.sync('anna', [occ('00:00', '23:59', 'oof'), occ('10:00', '11:00')]);
  assert.is(w.rec('anna').presence, 'absent');
  assert.is(w.rec('anna').meetingPrompt, null);
});

t.run();
