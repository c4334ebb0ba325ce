/**
 * AS-4 escalation in the pure policy, on a fake clock: an overdue message (past due, not done)
 * goes to the recipient's department group at its due time, then to their leader one workday
 * later; done stops it; acknowledged does not; every step is in the audit trail; `nextDue`
 * wakes the hub for the next step; who may acknowledge/finish it, step by step.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OmstilError, PersonOwn, PersonPublic, type TakeMessageReply } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { applyCommand, type Actor, type Command } from '../../../broker/policy/commands.js';
import { escalationPlan, LEADER_ESCALATION_WORKDAYS, messageAudience, nextEscalation } from '../../../broker/policy/escalation.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { nextDue, refresh } from '../../../broker/policy/refresh.js';
import { escalationsOf, messageJournal, type MessageRecord } from '../../../broker/state/message-record.js';
import type { PersonRecord } from '../../../broker/state/person-record.js';
import { messagesFor, personOwn, personPublic } from '../../../broker/state/projections.js';

const t = suite('broker/policy/escalation');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [
    { id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00; PH off' },
    { id: 'jobcenter', name: 'Jobcenter', phoneHours: 'Mo-Th 09:00-14:30; Fr 09:00-12:00; PH off', callbackWorkdays: 2 },
    // no group number: an overdue message goes straight to the leader
    { id: 'administration', name: 'Administration', phoneHours: 'Mo-Fr 08:00-16:00; PH off' },
  ],
  groups: [
    { id: 'familie-gruppe', name: 'Familie, fællesnummer', dept: 'familie', number: '1900', members: ['anna', 'bo', 'carl'] },
    { id: 'jobcenter-vagt', name: 'Jobcentrets vagt', dept: 'jobcenter', number: '2900', members: ['dan', 'eva'] },
  ],
  people: [
    { id: 'lea', name: 'Lea Leder', dept: 'familie', extension: '1000' },
    { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001', leader: 'lea' },
    { id: 'bo', name: 'Bo Berg', dept: 'familie', extension: '1002', leader: 'lea' },
    { id: 'carl', name: 'Carl Dahl', dept: 'familie', extension: '1003', leader: 'lea' },
    { id: 'dan', name: 'Dan Eriksen', dept: 'jobcenter', extension: '2001', leader: 'jens' },
    { id: 'eva', name: 'Eva Friis', dept: 'jobcenter', extension: '2002', leader: 'jens' },
    { id: 'jens', name: 'Jens Juhl', dept: 'jobcenter', extension: '2000' },
    { id: 'ole', name: 'Ole Olsen', dept: 'administration', extension: '3000' },
    { id: 'ida', name: 'Ida Isaksen', dept: 'administration', extension: '3001', leader: 'ole' },
  ],
  devices: [
    ...['lea', 'anna', 'bo', 'carl', 'dan', 'eva', 'jens', 'ole', 'ida'].map((p) => ({ id: `phone-${p}`, kind: 'phone' as const, person: p })),
    { id: 'kiosk-1', kind: 'kiosk' as const },
  ],
});

const local = (iso: string) => new Date(`${iso}+01:00`);
/** Monday 23 November 2026, 09:30 in Copenhagen */
const MON = local('2026-11-23T09:30:00');
const TUE_DUE = local('2026-11-24T09:30:00');
const WED_LEADER = local('2026-11-25T09:30:00');

const phone = (personId: string): Actor => ({ source: 'phone', id: `phone-${personId}`, personId });
const kiosk: Actor = { source: 'phone', id: 'kiosk-1', personId: null };
const CALLER = { callerName: 'Jytte Borger', callerNumber: '+45 20 30 40 50', text: 'Ringer om sin ansøgning.' };

/** The hub minus I/O, with a fake clock: `tick` is what the hub does when `nextDue` has passed. */
class World {
  readonly people = new Map<string, PersonRecord>();
  readonly messages = new Map<string, MessageRecord>();
  private n = 0;
  constructor(public now: Date = MON) {}
  get state(): PolicyState {
    return { dir, people: this.people, depts: new Map(), messages: this.messages };
  }
  take(forId: string, actor: Actor = kiosk): string {
    const out = applyCommand(this.state, actor, { op: 'take-message', id: `m-${++this.n}`, for: forId, ...CALLER, callerInformed: false }, this.now);
    for (const m of out.messages) this.messages.set(m.id, m);
    return (out.data as TakeMessageReply).id;
  }
  status(actor: Actor, message: string, status: 'acknowledged' | 'done'): void {
    const out = applyCommand(this.state, actor, { op: 'message-status', message, status } satisfies Command, this.now);
    for (const m of out.messages) this.messages.set(m.id, m);
  }
  /** moves the fake clock and commits what `refresh` returns: the escalated messages */
  tick(to: Date): MessageRecord[] {
    this.now = to;
    const out = refresh(this.state, to).messages;
    for (const m of out) this.messages.set(m.id, m);
    return out;
  }
  /** the ids on a person's own topic */
  shown(personId: string): string[] {
    return messagesFor(personId, dir, this.messages.values()).map((m) => m.id);
  }
  own(personId: string): PersonOwn {
    const rec: PersonRecord = { personId, rev: 1, presence: 'available', backAt: null, absenceReason: null, status: null, onCall: false, diversion: null, meetingPrompt: null, updatedAt: MON.toISOString() };
    return PersonOwn.parse(personOwn(rec, dir, this.people, undefined, this.messages.values()));
  }
  may(personId: string | null, message: string): boolean {
    try {
      applyCommand(this.state, personId ? phone(personId) : kiosk, { op: 'message-status', message, status: 'acknowledged' }, this.now);
      return true;
    } catch (err) {
      assert.instance(err, OmstilError);
      assert.equal([(err as OmstilError).code, (err as OmstilError).rule], ['forbidden', 'AS-4']);
      return false;
    }
  }
}

t('AS-4: not yet due: nothing escalates, and nextDue wakes the hub at the due time', () => {
  const w = new World();
  const id = w.take('anna');
  assert.equal(w.tick(new Date(TUE_DUE.getTime() - 1000)), []);
  assert.is(nextEscalation(w.state, w.now)?.toISOString(), TUE_DUE.toISOString());
  // after Tuesday's openings (08:00, 09:00) the due time is the next thing that happens
  assert.is(nextDue(w.state, local('2026-11-24T09:00:01')).toISOString(), TUE_DUE.toISOString());
  assert.equal(w.shown('bo'), []);
  assert.is(w.messages.get(id)!.rev, 1);
});

t('AS-4: at the due time an open message escalates to the recipient\'s department group; its members see it, marked, on their own topic', () => {
  const w = new World();
  const id = w.take('anna');
  const [m] = w.tick(TUE_DUE);
  assert.ok(m);
  assert.equal([m.rev, m.status, m.updatedAt], [2, 'waiting', TUE_DUE.toISOString()]);
  assert.equal(escalationsOf(m), [{ level: 1, to: 'familie-gruppe', at: TUE_DUE.toISOString() }]);
  assert.equal(m.history.at(-1), { at: TUE_DUE.toISOString(), status: 'waiting', by: 'hub', person: null, escalated: { level: 1, to: 'familie-gruppe' } });
  for (const p of ['anna', 'bo', 'carl']) assert.equal(w.shown(p), [id], p);
  // the leader is not yet involved; other departments never
  for (const p of ['lea', 'dan', 'jens', 'ole']) assert.equal(w.shown(p), [], p);
  const bo = w.own('bo').messages[0]!;
  assert.equal(bo.escalation, { level: 1, from: 'anna', fromName: 'Anna Holm', to: 'familie-gruppe', toName: 'Familie, fællesnummer', overdueSince: TUE_DUE.toISOString(), at: TUE_DUE.toISOString(), toMe: true });
  assert.is(w.own('anna').messages[0]!.escalation?.toMe, false, 'the recipient sees where it went');
  // the journal keeps the step, never the caller's data
  const j = JSON.stringify(messageJournal(m));
  assert.ok(j.includes('familie-gruppe'));
  for (const s of Object.values(CALLER)) assert.not.ok(j.includes(s));
  // once only
  assert.equal(w.tick(new Date(TUE_DUE.getTime() + 60_000)), []);
  assert.is(nextEscalation(w.state, w.now)?.toISOString(), WED_LEADER.toISOString());
});

t(`AS-4: still not done ${LEADER_ESCALATION_WORKDAYS} workday later: it escalates to the leader, who sees it on their own topic`, () => {
  const w = new World();
  const id = w.take('anna');
  w.tick(TUE_DUE);
  assert.equal(w.tick(new Date(WED_LEADER.getTime() - 1)), []);
  const [m] = w.tick(WED_LEADER);
  assert.equal(escalationsOf(m!).map((e) => [e.level, e.to]), [[1, 'familie-gruppe'], [2, 'lea']]);
  assert.equal(w.shown('lea'), [id]);
  assert.equal(w.own('lea').messages[0]!.escalation, { level: 2, from: 'anna', fromName: 'Anna Holm', to: 'lea', toName: 'Lea Leder', overdueSince: TUE_DUE.toISOString(), at: WED_LEADER.toISOString(), toMe: true });
  assert.equal(w.shown('bo'), [id], 'the group keeps it');
  assert.equal(messageAudience(dir, m!).sort(), ['anna', 'bo', 'carl', 'lea']);
  assert.is(nextEscalation(w.state, w.now), null, 'nothing more to come');
});

t('AS-4: done before the due time: no escalation ever, nothing scheduled', () => {
  const w = new World();
  const id = w.take('anna');
  w.status(phone('anna'), id, 'done');
  assert.is(nextEscalation(w.state, w.now), null);
  assert.equal(w.tick(WED_LEADER), []);
  assert.equal(escalationsOf(w.messages.get(id)!), []);
});

t('AS-4: acknowledged is not done: an acknowledged message still escalates when overdue', () => {
  const w = new World();
  const id = w.take('anna');
  w.status(phone('anna'), id, 'acknowledged');
  const [m] = w.tick(TUE_DUE);
  assert.equal([m!.id, m!.status, escalationsOf(m!).length], [id, 'acknowledged', 1]);
});

t('AS-4: a group member finishes it after level 1: the leader never gets it, it leaves every phone', () => {
  const w = new World();
  const id = w.take('anna');
  w.tick(TUE_DUE);
  w.now = local('2026-11-24T11:00:00');
  w.status(phone('bo'), id, 'done');
  assert.is(nextEscalation(w.state, w.now), null);
  assert.equal(w.tick(WED_LEADER), []);
  for (const p of ['anna', 'bo', 'carl', 'lea']) assert.equal(w.shown(p), [], p);
});

t('AS-4: the audit trail says who did what when: taken, acknowledged, escalated to the group, to the leader, done', () => {
  const w = new World();
  const id = w.take('anna');
  w.now = local('2026-11-23T10:00:00');
  w.status(phone('anna'), id, 'acknowledged');
  w.tick(TUE_DUE);
  w.tick(WED_LEADER);
  w.now = local('2026-11-25T10:15:00');
  w.status(phone('lea'), id, 'done');
  const m = w.messages.get(id)!;
  assert.equal(
    m.history.map((h) => [h.at, h.status, h.by, h.person, h.escalated ?? null]),
    [
      [MON.toISOString(), 'waiting', 'kiosk-1', null, null],
      [local('2026-11-23T10:00:00').toISOString(), 'acknowledged', 'phone-anna', 'anna', null],
      [TUE_DUE.toISOString(), 'acknowledged', 'hub', null, { level: 1, to: 'familie-gruppe' }],
      [WED_LEADER.toISOString(), 'acknowledged', 'hub', null, { level: 2, to: 'lea' }],
      [local('2026-11-25T10:15:00').toISOString(), 'done', 'phone-lea', 'lea', null],
    ],
  );
  assert.is(m.rev, 5);
});

t('AS-4: who may acknowledge or finish it, step by step; everyone else is refused (forbidden, AS-4)', () => {
  const w = new World();
  const id = w.take('anna');
  const matrix = () => Object.fromEntries(['anna', 'lea', 'bo', 'carl', 'dan', 'jens', 'ida', null].map((p) => [p ?? 'kiosk', w.may(p, id)]));
  // before: the recipient and their leader (PR-4)
  assert.equal(matrix(), { anna: true, lea: true, bo: false, carl: false, dan: false, jens: false, ida: false, kiosk: false });
  w.tick(TUE_DUE);
  assert.equal(matrix(), { anna: true, lea: true, bo: true, carl: true, dan: false, jens: false, ida: false, kiosk: false });
  w.tick(WED_LEADER);
  assert.equal(matrix(), { anna: true, lea: true, bo: true, carl: true, dan: false, jens: false, ida: false, kiosk: false });
});

t('AS-4: the leader of a message for a group may finish it only once it reached them; another department\'s leader never', () => {
  // ida's department has no group: straight to her leader ole at the due time
  const w = new World();
  const id = w.take('ida');
  assert.equal(escalationPlan(dir, w.messages.get(id)!).map((s) => [s.level, s.to, s.at.toISOString()]), [[2, 'ole', TUE_DUE.toISOString()]]);
  assert.equal(w.shown('ole'), []);
  assert.ok(w.may('ole', id), 'PR-4: the leader of the recipient may always');
  assert.not.ok(w.may('lea', id));
  w.tick(TUE_DUE);
  assert.equal(w.shown('ole'), [id]);
  assert.not.ok(w.may('lea', id));
});

t('AS-4: a message for a function number skips the group step: its members\' leader gets it at the due time (AS-2: the department\'s two workdays)', () => {
  const w = new World();
  const id = w.take('jobcenter-vagt');
  const due = local('2026-11-25T09:30:00');
  assert.is(w.messages.get(id)!.due, due.toISOString());
  assert.equal(w.tick(new Date(due.getTime() - 1)), []);
  assert.equal(w.shown('jens'), []);
  const [m] = w.tick(due);
  assert.equal(escalationsOf(m!).map((e) => [e.level, e.to]), [[2, 'jens']]);
  assert.equal(w.shown('jens'), [id]);
  assert.equal(w.own('jens').messages[0]!.escalation?.from, 'jobcenter-vagt');
  assert.is(w.own('dan').messages[0]!.escalation?.toMe, false);
});

t('AS-4: the leader step counts workdays: taken Friday, due Monday, to the leader Tuesday', () => {
  const w = new World(local('2026-11-27T10:00:00'));
  const id = w.take('anna');
  assert.equal(
    escalationPlan(dir, w.messages.get(id)!).map((s) => [s.level, s.at.toISOString()]),
    [
      [1, local('2026-11-30T10:00:00').toISOString()],
      [2, local('2026-12-01T10:00:00').toISOString()],
    ],
  );
  assert.equal(w.tick(local('2026-11-29T12:00:00')), [], 'not over the weekend');
});

t('AS-4: a hub that was down catches up: both steps in one revision, at the time it woke', () => {
  const w = new World();
  const id = w.take('anna');
  const late = local('2026-11-26T08:00:00');
  const [m] = w.tick(late);
  assert.equal([m!.id, m!.rev], [id, 2]);
  assert.equal(escalationsOf(m!), [
    { level: 1, to: 'familie-gruppe', at: late.toISOString() },
    { level: 2, to: 'lea', at: late.toISOString() },
  ]);
});

t('PR-2: an escalated message is never on a public projection', () => {
  const w = new World();
  w.take('anna');
  w.tick(WED_LEADER);
  for (const p of ['anna', 'bo', 'lea']) {
    const rec: PersonRecord = { personId: p, rev: 1, presence: 'available', backAt: null, absenceReason: null, status: null, onCall: false, diversion: null, meetingPrompt: null, updatedAt: MON.toISOString() };
    const pub = JSON.stringify(PersonPublic.parse(personPublic(rec, dir)));
    for (const s of [...Object.values(CALLER), 'escalation']) assert.not.ok(pub.includes(s), `${p}: ${s}`);
  }
});

t.run();
