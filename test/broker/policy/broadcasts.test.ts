/**
 * RT-3 crisis broadcasts in the policy engine: who may add and end them, the checks (each
 * refusal names its field and RT-3), ending early, and the instants the hub republishes at.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeRequest, MAX_BROADCAST_CHARS, MAX_BROADCASTS, OmstilError } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { applyCommand, type Actor, type Command } from '../../../broker/policy/commands.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { nextDue } from '../../../broker/policy/refresh.js';
import type { BroadcastRecord } from '../../../broker/state/broadcast-record.js';

const t = suite('broker/policy/broadcasts');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [{ id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00; PH off' }],
  people: [{ id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001' }],
  devices: [
    { id: 'phone-anna', kind: 'phone', person: 'anna' },
    { id: 'kiosk-1', kind: 'kiosk' },
  ],
});

/** Monday 23 November 2026, 09:30 in Copenhagen */
const MON = new Date('2026-11-23T09:30:00+01:00');
const hours = (h: number) => new Date(MON.getTime() + h * 3600_000).toISOString();

const admin: Actor = { source: 'admin', id: 'api', personId: null };
const others: Actor[] = [
  { source: 'phone', id: 'phone-anna', personId: 'anna' },
  { source: 'phone', id: 'kiosk-1', personId: null },
  { source: 'calendar', id: 'outlook', personId: null },
  { source: 'pbx', id: 'sim', personId: null },
  { source: 'hub', id: 'directory', personId: null },
];

const SANDBAGS = { da: 'Stormflod: sandsække udleveres ved Rådhuset.', en: 'Storm flood: sandbags at the town hall.' };
const add = (extra: Partial<Extract<Command, { op: 'add-broadcast' }>> = {}): Command => ({ op: 'add-broadcast', text: SANDBAGS, start: null, expires: hours(8), ...extra });

class World {
  readonly broadcasts = new Map<string, BroadcastRecord>();
  constructor(public now: Date = MON) {}
  get state(): PolicyState {
    return { dir, people: new Map(), depts: new Map(), broadcasts: this.broadcasts };
  }
  run(actor: Actor, cmd: Command): BroadcastRecord | undefined {
    const out = applyCommand(this.state, actor, cmd, this.now);
    assert.equal([out.people, out.depts, out.messages], [[], [], []], 'a broadcast changes no person, department or message');
    for (const b of out.broadcasts) this.broadcasts.set(b.id, b);
    return (out.data as { broadcast: BroadcastRecord } | undefined)?.broadcast;
  }
  refuses(actor: Actor, cmd: Command, code: string, field: string): OmstilError {
    const before = JSON.stringify([...this.broadcasts]);
    try {
      this.run(actor, cmd);
    } catch (err) {
      assert.instance(err, OmstilError);
      const e = err as OmstilError;
      assert.equal([e.code, e.rule, e.field], [code, 'RT-3', field], e.message);
      assert.ok(e.text?.da && e.text.en, 'a sentence for people in both languages');
      assert.is(JSON.stringify([...this.broadcasts]), before, 'a refusal changes nothing');
      return e;
    }
    assert.unreachable(`expected ${code} on ${field}`);
    throw new Error('unreachable');
  }
}

t('RT-3: the admin adds a broadcast: from now unless a start is given, Danish and English trimmed, an id of its own, who made it', () => {
  const w = new World();
  const b = w.run(admin, add({ text: { da: '  Sandsække ved Rådhuset.  ', en: ' Sandbags at the town hall. ' } }))!;
  assert.equal(b, {
    id: 'broadcast-1',
    rev: 1,
    text: { da: 'Sandsække ved Rådhuset.', en: 'Sandbags at the town hall.' },
    start: MON.toISOString(),
    expires: hours(8),
    endedEarly: false,
    createdAt: MON.toISOString(),
    createdBy: 'admin:api',
    updatedAt: MON.toISOString(),
  });
  const planned = w.run(admin, add({ start: '2026-11-24T08:00:00+01:00', expires: '2026-11-24T16:00:00+01:00', text: { da: 'Kog drikkevandet.', en: '  ' } }))!;
  assert.equal([planned.id, planned.start, planned.expires, planned.text], ['broadcast-2', '2026-11-24T07:00:00.000Z', '2026-11-24T15:00:00.000Z', { da: 'Kog drikkevandet.' }], 'a blank English text is none');
  assert.is(w.run(admin, add({ id: 'vand', text: { da: 'Vand.', en: null } }))!.id, 'vand', 'the admin may name it');
});

t('RT-3: the same id again changes nothing (a repeated request)', () => {
  const w = new World();
  const first = w.run(admin, add({ id: 'stormflod' }))!;
  const out = applyCommand(w.state, admin, add({ id: 'stormflod', text: { da: 'Noget andet' } }), w.now);
  assert.equal(out.broadcasts, []);
  assert.equal((out.data as { broadcast: BroadcastRecord }).broadcast, first);
});

t('RT-3: refusals name the field and the rule: no Danish text, a text over the limit (either language)', () => {
  const w = new World();
  w.refuses(admin, add({ text: { da: '   ', en: 'Sandbags' } }), 'invalid-payload', 'text.da');
  w.refuses(admin, add({ text: { da: 'x'.repeat(MAX_BROADCAST_CHARS + 1) } }), 'invalid-payload', 'text.da');
  w.refuses(admin, add({ text: { da: 'Sandsække', en: 'x'.repeat(MAX_BROADCAST_CHARS + 1) } }), 'invalid-payload', 'text.en');
  assert.ok(w.run(admin, add({ text: { da: 'x'.repeat(MAX_BROADCAST_CHARS), en: 'y'.repeat(MAX_BROADCAST_CHARS) } })), 'the limit itself is allowed');
});

t('RT-3: refusals name the field and the rule: an expiry not after the start, an expiry not in the future, a time that cannot be read', () => {
  const w = new World();
  w.refuses(admin, add({ start: hours(2), expires: hours(2) }), 'invalid-time', 'expires');
  w.refuses(admin, add({ start: hours(3), expires: hours(2) }), 'invalid-time', 'expires');
  w.refuses(admin, add({ start: hours(-3), expires: hours(-1) }), 'invalid-time', 'expires');
  w.refuses(admin, add({ expires: MON.toISOString() }), 'invalid-time', 'expires');
  w.refuses(admin, add({ start: 'i morgen' }), 'invalid-payload', 'start');
  w.refuses(admin, add({ expires: 'snart' }), 'invalid-payload', 'expires');
  assert.ok(w.run(admin, add({ start: hours(-1), expires: hours(1) })), 'one that started a while ago is in force now');
});

t(`RT-3: at most ${MAX_BROADCASTS} in force or planned at once; an expired or ended one leaves room`, () => {
  const w = new World(new Date(Date.parse(hours(-6))));
  w.run(admin, add({ id: 'gammel', start: hours(-5), expires: hours(-4) })); // over by now: the hub holds it, it does not count
  w.now = MON;
  for (let i = 0; i < MAX_BROADCASTS; i++) w.run(admin, add({ id: `b-${i}`, start: i === 0 ? null : hours(24 * i), expires: hours(24 * i + 8) }));
  const e = w.refuses(admin, add({ id: 'en-for-meget' }), 'too-many-broadcasts', 'broadcasts');
  assert.match(e.text!.da, `${MAX_BROADCASTS} aktive eller planlagte`);
  w.run(admin, { op: 'end-broadcast', broadcast: 'b-2' }); // a planned one, ended before it starts
  assert.is(w.run(admin, add({ id: 'plads' }))!.id, 'plads');
});

t('RT-3: the hub\'s own clock in the command: the "over" check is done at the command\'s instant', () => {
  const w = new World();
  w.run(admin, add({ id: 'kort', expires: hours(1) }));
  w.now = new Date(Date.parse(hours(1)));
  for (let i = 0; i < MAX_BROADCASTS; i++) w.run(admin, add({ id: `ny-${i}`, expires: hours(5) }));
  assert.is(w.broadcasts.size, MAX_BROADCASTS + 1, 'the expired one did not count');
});

t('RT-3: ending early is announced at once: the broadcast expires now and is marked ended early (like a closure, PH-3)', () => {
  const w = new World();
  w.run(admin, add({ id: 'stormflod', start: hours(-1) }));
  w.run(admin, add({ id: 'senere', start: hours(2), expires: hours(6) }));
  w.now = new Date(Date.parse(hours(1)));
  const ended = w.run(admin, { op: 'end-broadcast', broadcast: 'stormflod' })!;
  assert.equal([ended.rev, ended.start, ended.expires, ended.endedEarly, ended.updatedAt], [2, hours(-1), hours(1), true, hours(1)]);
  const planned = w.run(admin, { op: 'end-broadcast', broadcast: 'senere' })!;
  assert.equal([planned.start, planned.expires, planned.endedEarly], [hours(1), hours(1), true], 'one not yet started never shows');
  // ending one that is over changes nothing
  const again = applyCommand(w.state, admin, { op: 'end-broadcast', broadcast: 'stormflod' }, w.now);
  assert.equal(again.broadcasts, []);
  assert.equal((again.data as { broadcast: BroadcastRecord }).broadcast, ended);
  w.refuses(admin, { op: 'end-broadcast', broadcast: 'findes-ikke' }, 'unknown-broadcast', 'broadcast');
});

t('RT-3: only the admin API broadcasts: a phone, a kiosk, a calendar, the PBX or the hub may neither add nor end one', () => {
  const w = new World();
  w.run(admin, add({ id: 'stormflod' }));
  for (const actor of others) {
    w.refuses(actor, add({ id: `fra-${actor.source}` }), 'forbidden', 'op');
    w.refuses(actor, { op: 'end-broadcast', broadcast: 'stormflod' }, 'forbidden', 'op');
  }
  // and a device cannot even ask: the ops are not in the device protocol
  const res = decodeRequest(JSON.stringify({ id: 'r1', op: 'add-broadcast', args: { text: SANDBAGS, expires: hours(8) } }));
  assert.equal(res.ok ? null : [res.error.code, res.error.field, res.id], ['unknown-op', 'op', 'r1']);
});

t('RT-3: the hub\'s sweep is due at a broadcast\'s start and at its expiry', () => {
  const w = new World(new Date('2026-11-23T09:30:00+01:00'));
  w.run(admin, add({ id: 'senere', start: '2026-11-23T10:00:00+01:00', expires: '2026-11-23T10:30:00+01:00' }));
  assert.is(nextDue(w.state, w.now).toISOString(), '2026-11-23T09:00:00.000Z', 'its start (before any phone-hours change)');
  assert.is(nextDue(w.state, new Date('2026-11-23T10:00:00+01:00')).toISOString(), '2026-11-23T09:30:00.000Z', 'then its expiry');
});

t.run();
