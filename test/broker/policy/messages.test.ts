/**
 * Messages and call-backs (AS-1..AS-4) in the pure policy: who takes them, where AS-3 sends
 * them, when they are due (AS-2, Danish workdays), who sees them, how their status moves,
 * and bad input refused naming the field with nothing changed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeRequest, OmstilError, PersonOwn, PersonPublic, type Request, type TakeMessageReply } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { applyCommand, type Actor, type Command, type Outcome } from '../../../broker/policy/commands.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { actorForDevice, requestToCommand } from '../../../broker/requests/handle-request.js';
import type { DeptRecord } from '../../../broker/state/dept-record.js';
import type { MessageRecord } from '../../../broker/state/message-record.js';
import type { PersonRecord } from '../../../broker/state/person-record.js';
import { deptPublic, MAX_OWN_MESSAGES, messagesFor, personOwn, personPublic } from '../../../broker/state/projections.js';

const t = suite('broker/policy/messages');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [
    { id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00; PH off' },
    { id: 'jobcenter', name: 'Jobcenter', phoneHours: 'Mo-Th 09:00-14:30; Fr 09:00-12:00; PH off', callbackWorkdays: 2 },
    // no group number: AS-3 falls back to the leader
    { id: 'administration', name: 'Administration', phoneHours: 'Mo-Fr 08:00-16:00; PH off' },
  ],
  groups: [
    { id: 'familie-gruppe', name: 'Familie, fællesnummer', dept: 'familie', number: '1900', members: ['anna', 'bo', 'carl'] },
    { id: 'jobcenter-vagt', name: 'Jobcentrets vagt', dept: 'jobcenter', number: '2900', members: ['dan', 'eva'] },
  ],
  people: [
    { id: 'lea', name: 'Lea Leder', dept: 'familie', extension: '1000' },
    { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001', leader: 'lea', preferred: ['bo'] },
    { id: 'bo', name: 'Bo Berg', dept: 'familie', extension: '1002', leader: 'lea' },
    { id: 'carl', name: 'Carl Dahl', dept: 'familie', extension: '1003', leader: 'lea' },
    { id: 'dan', name: 'Dan Eriksen', dept: 'jobcenter', extension: '2001', leader: 'jens' },
    { id: 'eva', name: 'Eva Friis', dept: 'jobcenter', extension: '2002', leader: 'jens' },
    { id: 'jens', name: 'Jens Juhl', dept: 'jobcenter', extension: '2000' },
    { id: 'ole', name: 'Ole Olsen', dept: 'administration', extension: '3000' },
    { id: 'ida', name: 'Ida Isaksen', dept: 'administration', extension: '3001', leader: 'ole' },
    { id: 'omstillingen', name: 'Omstillingen', dept: 'administration', extension: '89151515', role: 'switchboard' },
  ],
  devices: [
    { id: 'phone-lea', kind: 'phone', person: 'lea' },
    { id: 'phone-anna', kind: 'phone', person: 'anna' },
    { id: 'phone-bo', kind: 'phone', person: 'bo' },
    { id: 'phone-carl', kind: 'phone', person: 'carl' },
    { id: 'phone-dan', kind: 'phone', person: 'dan' },
    { id: 'phone-eva', kind: 'phone', person: 'eva' },
    { id: 'phone-jens', kind: 'phone', person: 'jens' },
    { id: 'kiosk-1', kind: 'kiosk' },
  ],
});

/** Monday 23 November 2026, 09:30 in Copenhagen (CET, UTC+1). */
const MON = new Date('2026-11-23T09:30:00+01:00');
const local = (iso: string, offset = '+01:00') => new Date(`${iso}${offset}`);
const days = (d: number, from = MON) => new Date(from.getTime() + d * 86_400_000).toISOString();

const phone = (personId: string): Actor => ({ source: 'phone', id: `phone-${personId}`, personId });
const kiosk: Actor = { source: 'phone', id: 'kiosk-1', personId: null };
const admin: Actor = { source: 'admin', id: 'api', personId: null };
const calendar: Actor = { source: 'calendar', id: 'outlook', personId: null };

const CALLER = { callerName: 'Jytte Borger', callerNumber: '+45 20 30 40 50', text: 'Ringer om sin ansøgning om hjælpemidler.' };

/** The hub's state minus I/O: apply = decide + keep the new records. */
class World {
  readonly people = new Map<string, PersonRecord>();
  readonly depts = new Map<string, DeptRecord>();
  readonly messages = new Map<string, MessageRecord>();
  private n = 0;
  constructor(public now: Date = MON) {}
  get state(): PolicyState {
    return { dir, people: this.people, depts: this.depts, messages: this.messages };
  }
  apply(actor: Actor, cmd: Command): Outcome {
    const out = applyCommand(this.state, actor, cmd, this.now);
    for (const r of out.people) this.people.set(r.personId, r);
    for (const d of out.depts) this.depts.set(d.deptId, d);
    for (const m of out.messages) this.messages.set(m.id, m);
    return out;
  }
  take(actor: Actor, forId: string, extra: Partial<Extract<Command, { op: 'take-message' }>> = {}): TakeMessageReply {
    return this.apply(actor, { op: 'take-message', id: `m-test-${++this.n}`, for: forId, ...CALLER, callerInformed: false, ...extra }).data as TakeMessageReply;
  }
  status(actor: Actor, message: string, status: 'acknowledged' | 'done'): Outcome {
    return this.apply(actor, { op: 'message-status', message, status });
  }
  /** what a person's own topic shows */
  own(personId: string): PersonOwn {
    const rec = this.people.get(personId) ?? { ...blank(personId) };
    return PersonOwn.parse(personOwn(rec, dir, this.people, undefined, this.messages.values()));
  }
  snapshot(): string {
    return JSON.stringify([[...this.people], [...this.depts], [...this.messages]]);
  }
  refuses(actor: Actor, cmd: Command, code: string, opts: { rule?: string; field?: string } = {}): OmstilError {
    const before = this.snapshot();
    try {
      this.apply(actor, cmd);
    } catch (err) {
      assert.instance(err, OmstilError);
      const e = err as OmstilError;
      assert.is(e.code, code, e.message);
      if (opts.rule) assert.is(e.rule, opts.rule);
      if (opts.field) assert.is(e.field, opts.field);
      assert.ok(e.text?.da && e.text.en, 'a refusal says why in Danish and English');
      assert.is(this.snapshot(), before, 'a refusal changes nothing');
      return e;
    }
    assert.unreachable(`expected ${code}`);
    throw new Error('unreachable');
  }
}

function blank(personId: string): PersonRecord {
  return { personId, rev: 0, presence: 'available', backAt: null, absenceReason: null, status: null, onCall: false, diversion: null, meetingPrompt: null, updatedAt: MON.toISOString() };
}

const absent = (person: string, until: string, divertTo: string | null = null): Command => ({ op: 'set-status', person, kind: 'absent', until, reason: 'sygdom', divertTo });

// ---- AS-1: take a message ----

t('AS-1: a kiosk takes a message for an available person: it is theirs, waiting, due in one workday, and on their own topic only', () => {
  const w = new World();
  const out = w.apply(kiosk, { op: 'take-message', id: 'm-1', for: 'anna', ...CALLER, callerInformed: false });
  assert.equal(out.data, { id: 'm-1', for: 'anna', forName: 'Anna Holm', due: local('2026-11-24T09:30:00').toISOString(), rule: 'AS-1' });
  assert.equal(out.people, [], 'no person record changes: the message is its own record');
  assert.equal(out.messages.length, 1);
  const m = out.messages[0]!;
  assert.equal({ for: m.for, askedFor: m.askedFor, status: m.status, rev: m.rev, rule: m.rule, takenBy: m.takenBy, takenAt: m.takenAt }, {
    for: 'anna',
    askedFor: null,
    status: 'waiting',
    rev: 1,
    rule: 'AS-1',
    takenBy: { actor: 'kiosk-1', source: 'phone', person: null },
    takenAt: MON.toISOString(),
  });
  const shown = w.own('anna').messages;
  assert.equal(shown, [
    {
      id: 'm-1',
      for: 'anna',
      forName: 'Anna Holm',
      askedFor: null,
      askedForName: null,
      ...CALLER,
      takenBy: 'kiosk-1',
      takenAt: MON.toISOString(),
      due: local('2026-11-24T09:30:00').toISOString(),
      rule: 'AS-1',
      status: 'waiting',
    },
  ]);
  assert.equal(w.own('bo').messages, [], 'a colleague does not see it');
  assert.equal(w.own('lea').messages, [], "the leader's own list does not carry it (her phone follows Anna's own topic, PR-4)");
});

t('AS-1: any phone, a kiosk and the admin API may take messages; a calendar or the PBX may not', () => {
  const w = new World();
  w.take(phone('bo'), 'anna');
  w.take(phone('dan'), 'anna'); // another department's phone
  w.take(kiosk, 'anna');
  w.take(admin, 'anna');
  const takers = w.own('anna').messages.map((m) => m.takenBy);
  assert.equal(takers, ['Bo Berg', 'Dan Eriksen', 'kiosk-1', 'admin:api']);
  w.refuses(calendar, { op: 'take-message', id: 'm-x', for: 'anna', ...CALLER, callerInformed: false }, 'forbidden');
  w.refuses({ source: 'pbx', id: 'sim', personId: null }, { op: 'take-message', id: 'm-y', for: 'anna', ...CALLER, callerInformed: false }, 'forbidden');
});

t('AS-1: the same message id twice is one message (a repeated request), answered the same', () => {
  const w = new World();
  const cmd: Command = { op: 'take-message', id: 'm-1', for: 'anna', ...CALLER, callerInformed: false };
  const first = w.apply(kiosk, cmd);
  w.now = new Date(MON.getTime() + 60_000);
  const again = w.apply(kiosk, cmd);
  assert.equal(again.messages, []);
  assert.equal(again.data, first.data);
  assert.is(w.messages.size, 1);
});

t('AS-1: the journal gets who, where to and when due, never the caller\'s name, number or text', () => {
  const w = new World();
  const out = w.apply(kiosk, { op: 'take-message', id: 'm-1', for: 'anna', ...CALLER, callerInformed: false });
  assert.equal(out.journal, { message: 'm-1', for: 'anna', askedFor: null, status: 'waiting', rule: 'AS-1', due: local('2026-11-24T09:30:00').toISOString(), callerInformed: false });
  const text = JSON.stringify(out.journal);
  for (const secret of Object.values(CALLER)) assert.not.ok(text.includes(secret), secret);
  const st = w.status(phone('anna'), 'm-1', 'acknowledged');
  assert.equal(st.journal, { message: 'm-1', for: 'anna', askedFor: null, status: 'acknowledged', rule: 'AS-1', due: local('2026-11-24T09:30:00').toISOString(), callerInformed: false });
});

// ---- AS-3: not into the void ----

t('AS-3: a message for someone absent more than one workday goes to the colleague covering', () => {
  const w = new World();
  w.apply(phone('anna'), absent('anna', days(7), 'bo'));
  const r = w.take(kiosk, 'anna');
  assert.equal(r, { id: 'm-test-1', for: 'bo', forName: 'Bo Berg', due: local('2026-11-24T09:30:00').toISOString(), rule: 'AS-3' });
  const [m] = w.own('bo').messages;
  assert.equal([m!.for, m!.askedFor, m!.askedForName, m!.rule], ['bo', 'anna', 'Anna Holm', 'AS-3']);
  assert.equal(w.own('anna').messages, [], 'not left for the absent person');
});

t('AS-3: absent without a colleague covering: to the department\'s group; without a group: to the leader', () => {
  const w = new World();
  w.apply(calendar, absent('carl', days(7))); // a calendar's absence is taken without a diversion (DV-6 flags it)
  assert.equal(w.take(kiosk, 'carl'), { id: 'm-test-1', for: 'familie-gruppe', forName: 'Familie, fællesnummer', due: local('2026-11-24T09:30:00').toISOString(), rule: 'AS-3' });
  w.apply(calendar, absent('ida', days(7)));
  assert.equal(w.take(kiosk, 'ida'), { id: 'm-test-2', for: 'ole', forName: 'Ole Olsen', due: local('2026-11-24T09:30:00').toISOString(), rule: 'AS-3' });
  assert.is(w.own('ole').messages[0]!.askedFor, 'ida');
});

t('AS-3: unless the caller was told and still wants to leave it: then it is for the absent person', () => {
  const w = new World();
  w.apply(phone('anna'), absent('anna', days(7), 'bo'));
  const r = w.take(kiosk, 'anna', { callerInformed: true });
  assert.equal([r.for, r.rule], ['anna', 'AS-1']);
  assert.is(w.own('anna').messages[0]!.askedFor, null);
  assert.is(w.messages.get(r.id)!.callerInformed, true);
});

t('AS-3: away for less than a workday (lunch) is not absent: the message is for the person', () => {
  const w = new World();
  w.apply(phone('anna'), { op: 'set-status', person: 'anna', kind: null, until: new Date(MON.getTime() + 3600_000).toISOString(), reason: null, divertTo: null });
  assert.is(w.people.get('anna')!.presence, 'away');
  assert.equal([w.take(kiosk, 'anna').for, w.take(kiosk, 'anna').rule], ['anna', 'AS-1']);
});

t('AS-3: a message cannot be left for the switchboard', () => {
  const w = new World();
  w.refuses(kiosk, { op: 'take-message', id: 'm-1', for: 'omstillingen', ...CALLER, callerInformed: false }, 'invalid-payload', { rule: 'AS-3', field: 'args.for' });
});

// ---- AS-2: deadlines in Danish workdays ----

t('AS-2: due one workday later at the same clock time; Friday afternoon → Monday', () => {
  const fri = new World(local('2026-11-27T14:40:00'));
  assert.is(fri.take(kiosk, 'anna').due, local('2026-11-30T14:40:00').toISOString());
  const sat = new World(local('2026-11-28T11:00:00'));
  assert.is(sat.take(kiosk, 'anna').due, local('2026-12-01T00:00:00').toISOString(), 'taken on a Saturday: the end of Monday');
});

t('AS-2: public holidays are skipped: taken the Wednesday before Easter → due the Tuesday after 2. påskedag', () => {
  const w = new World(local('2026-04-01T10:15:00', '+02:00'));
  assert.is(w.take(kiosk, 'anna').due, local('2026-04-07T10:15:00', '+02:00').toISOString());
});

t("AS-2: the department's setting: the jobcenter promises two workdays, for a person and for its group number", () => {
  const w = new World();
  assert.is(w.take(kiosk, 'dan').due, local('2026-11-25T09:30:00').toISOString());
  assert.is(w.take(kiosk, 'jobcenter-vagt').due, local('2026-11-25T09:30:00').toISOString());
  const xmas = new World(local('2026-12-23T10:00:00'));
  assert.is(xmas.take(kiosk, 'jobcenter-vagt').due, local('2026-12-28T10:00:00').toISOString(), '24 December is a workday; 25-27 are not');
});

t('AS-2: the deadline follows the department asked for, also when AS-3 sends it elsewhere', () => {
  const w = new World();
  w.apply(phone('dan'), absent('dan', days(7), 'anna')); // Dan (jobcenter, 2 days) is covered by Anna (familie, 1 day)
  const r = w.take(kiosk, 'dan');
  assert.equal([r.for, r.due], ['anna', local('2026-11-25T09:30:00').toISOString()]);
});

// ---- group messages ----

t('PH-4/AS-1: a message for a function number is seen by every member, on their own topics only', () => {
  const w = new World();
  const r = w.take(kiosk, 'familie-gruppe');
  assert.equal([r.for, r.forName, r.rule], ['familie-gruppe', 'Familie, fællesnummer', 'AS-1']);
  for (const member of ['anna', 'bo', 'carl']) assert.equal(w.own(member).messages.map((m) => m.id), [r.id], member);
  for (const other of ['lea', 'dan', 'eva']) assert.equal(w.own(other).messages, [], other);
});

t('AS-4: own messages: mine and my groups\', oldest due first, done ones gone, at most 200', () => {
  const w = new World();
  const a = w.take(kiosk, 'jobcenter-vagt'); // due in two workdays
  w.now = new Date(MON.getTime() + 3600_000);
  const b = w.take(kiosk, 'dan'); // also two workdays, an hour later
  w.now = new Date(MON.getTime() - 3600_000);
  const c = w.take(kiosk, 'dan'); // an hour earlier
  assert.equal(w.own('dan').messages.map((m) => m.id), [c.id, a.id, b.id]);
  assert.equal(w.own('eva').messages.map((m) => m.id), [a.id]);
  w.status(phone('dan'), c.id, 'done');
  assert.equal(w.own('dan').messages.map((m) => m.id), [a.id, b.id]);
  w.status(phone('eva'), a.id, 'acknowledged');
  assert.equal(w.own('dan').messages.map((m) => [m.id, m.status]), [[a.id, 'acknowledged'], [b.id, 'waiting']], 'acknowledged stays until done');
  // the cap: the oldest due 200
  const many = new World();
  for (let i = 0; i < MAX_OWN_MESSAGES + 5; i++) {
    many.now = new Date(MON.getTime() + (MAX_OWN_MESSAGES + 5 - i) * 60_000);
    many.take(kiosk, 'anna');
  }
  const shown = many.own('anna').messages;
  assert.is(shown.length, MAX_OWN_MESSAGES);
  assert.is(shown[0]!.id, `m-test-${MAX_OWN_MESSAGES + 5}`, 'the one due first');
  assert.ok(shown.every((m, i) => i === 0 || shown[i - 1]!.due <= m.due));
  assert.is(messagesFor('anna', dir, many.messages.values()).length, MAX_OWN_MESSAGES);
});

// ---- AS-4: status ----

t('AS-4: waiting → acknowledged → done by the recipient; the same status again changes nothing; done is final', () => {
  const w = new World();
  const { id } = w.take(kiosk, 'anna');
  w.now = new Date(MON.getTime() + 60_000);
  const ack = w.status(phone('anna'), id, 'acknowledged');
  assert.equal(ack.data, { id, status: 'acknowledged' });
  assert.equal([ack.messages[0]!.status, ack.messages[0]!.rev, ack.messages[0]!.updatedAt], ['acknowledged', 2, w.now.toISOString()]);
  const again = w.status(phone('anna'), id, 'acknowledged');
  assert.equal(again.messages, [], 'no new revision');
  assert.equal(again.data, { id, status: 'acknowledged' });
  const done = w.status(phone('anna'), id, 'done');
  assert.equal(done.messages[0]!.status, 'done');
  assert.equal(w.status(phone('anna'), id, 'done').messages, [], 'done twice is a no-op');
  const e = w.refuses(phone('anna'), { op: 'message-status', message: id, status: 'acknowledged' }, 'invalid-payload', { rule: 'AS-4', field: 'args.status' });
  assert.match(e.text!.da, 'afsluttet');
  // the audit trail: every step with who and when
  assert.equal(w.messages.get(id)!.history.map((h) => [h.status, h.by, h.person]), [
    ['waiting', 'kiosk-1', null],
    ['acknowledged', 'phone-anna', 'anna'],
    ['done', 'phone-anna', 'anna'],
  ]);
});

t('AS-4: waiting → done in one step is forward too', () => {
  const w = new World();
  const { id } = w.take(kiosk, 'anna');
  assert.is(w.status(phone('anna'), id, 'done').messages[0]!.status, 'done');
  assert.equal(w.own('anna').messages, []);
});

t('AS-4/PR-4: the recipient, a member of the recipient group, or their leader may change a message; nobody else', () => {
  const w = new World();
  const mine = w.take(kiosk, 'anna');
  const group = w.take(kiosk, 'jobcenter-vagt');
  const cmd = (message: string): Command => ({ op: 'message-status', message, status: 'acknowledged' });
  for (const other of [phone('bo'), phone('dan'), phone('jens'), kiosk]) w.refuses(other, cmd(mine.id), 'forbidden', { rule: 'AS-4', field: 'args.message' });
  w.refuses(admin, cmd(mine.id), 'forbidden'); // the admin API takes messages; it does not call back
  w.status(phone('lea'), mine.id, 'acknowledged'); // Anna's leader (PR-4)
  for (const other of [phone('anna'), phone('lea'), kiosk]) w.refuses(other, cmd(group.id), 'forbidden', { rule: 'AS-4' });
  w.status(phone('eva'), group.id, 'acknowledged'); // a member
  w.status(phone('jens'), group.id, 'done'); // the members' leader
  assert.equal([w.messages.get(mine.id)!.status, w.messages.get(group.id)!.status], ['acknowledged', 'done']);
});

t('AS-4: an unknown message id is refused naming args.message', () => {
  const w = new World();
  w.refuses(phone('anna'), { op: 'message-status', message: 'm-nope', status: 'done' }, 'invalid-payload', { rule: 'AS-4', field: 'args.message' });
});

// ---- bad input ----

t('AS-1: an unknown recipient is refused naming args.for; nothing changes', () => {
  const w = new World();
  w.refuses(kiosk, { op: 'take-message', id: 'm-1', for: 'nobody-here', ...CALLER, callerInformed: false }, 'unknown-person', { rule: 'RT-1', field: 'args.for' });
});

/** Each field of TakeMessageArgs with values that must be refused, naming it. */
const BAD_ARGS: Record<string, unknown[]> = {
  for: ['Anna', 'a b', '', 5, null, undefined],
  callerName: ['', '   ', 'x'.repeat(101), 5, null, undefined],
  callerNumber: ['abc', '12', '+45 2030 4050 6070 8090 1', '20304050x', '', null, undefined],
  text: ['x'.repeat(1001), 5, null, undefined],
  callerInformed: ['ja', 1, null],
};

t('AS-1: every field of TakeMessageArgs is checked on the wire: refused naming the field', () => {
  const good = { for: 'anna', ...CALLER, callerInformed: true };
  assert.ok(decodeRequest(JSON.stringify({ id: 'r0', op: 'take-message', args: good })).ok);
  for (const [field, values] of Object.entries(BAD_ARGS)) {
    for (const v of values) {
      const args: Record<string, unknown> = { ...good, [field]: v };
      if (v === undefined) delete args[field];
      const r = decodeRequest(JSON.stringify({ id: 'r1', op: 'take-message', args }));
      assert.is(r.ok, false, `${field} = ${JSON.stringify(v)}`);
      if (!r.ok) assert.equal([r.error.code, r.error.field], ['invalid-payload', `args.${field}`], `${field} = ${JSON.stringify(v)}`);
    }
  }
});

t('AS-1: the policy checks the same fields for every source (admin too): refused naming args.<field>, nothing changes', () => {
  const w = new World();
  for (const [field, values] of Object.entries(BAD_ARGS)) {
    if (field === 'for') continue; // an id that is not in the directory: unknown-person, above
    for (const v of values) {
      if (v === undefined && field === 'callerInformed') continue;
      const cmd = { op: 'take-message', id: 'm-bad', for: 'anna', ...CALLER, callerInformed: false, [field]: v } as Command;
      for (const actor of [kiosk, admin]) w.refuses(actor, cmd, 'invalid-payload', { rule: 'AS-1', field: `args.${field}` });
    }
  }
  assert.is(w.messages.size, 0);
});

t('AS-1: a request from a kiosk becomes a take-message command with a fresh id; message-status maps through', () => {
  const actor = actorForDevice(dir, 'kiosk-1');
  const req: Request = { id: 'r1', op: 'take-message', args: { for: 'anna', ...CALLER } };
  const cmd = requestToCommand(actor, req);
  assert.equal({ ...cmd, id: 'x' }, { op: 'take-message', id: 'x', for: 'anna', ...CALLER, callerInformed: false });
  const id = (cmd as { id: string }).id;
  assert.match(id, /^m-[0-9a-z]+-[0-9a-f]{8}$/);
  assert.is.not((requestToCommand(actor, req) as { id: string }).id, id, 'every request a new id');
  assert.equal(requestToCommand(actorForDevice(dir, 'phone-anna'), { id: 'r2', op: 'message-status', args: { message: id, status: 'done' } }), { op: 'message-status', message: id, status: 'done' });
});

// ---- privacy ----

t('PR-2/AS-1: caller name, number and text are only on own topics: never in the public person or department projection', () => {
  const w = new World();
  w.take(kiosk, 'anna');
  w.take(kiosk, 'familie-gruppe');
  const publicText = JSON.stringify([
    ...['anna', 'bo', 'carl'].map((id) => PersonPublic.parse(personPublic(w.people.get(id) ?? blank(id), dir))),
    deptPublic(w.state, { deptId: 'familie', rev: 0, closures: [], peaks: [], openNow: true, day: '', updatedAt: MON.toISOString() }, MON),
  ]);
  for (const secret of Object.values(CALLER)) assert.not.ok(publicText.includes(secret), secret);
  assert.ok(JSON.stringify(w.own('anna')).includes(CALLER.callerNumber), 'the own topic has it');
});

t.run();
