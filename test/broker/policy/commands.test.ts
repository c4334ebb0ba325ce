import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, OmstilError, type Request } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { applyCommand, type Outcome } from '../../../broker/policy/commands.js';
import { refresh } from '../../../broker/policy/refresh.js';
import { actorForDevice, requestToCommand } from '../../../broker/requests/handle-request.js';
import type { PersonRecord } from '../../../broker/state/person-record.js';

const t = suite('broker/policy/commands (device requests)');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [{ id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00' }],
  people: [
    { id: 'anna', name: 'Anna', dept: 'familie', extension: '1001' },
    { id: 'bo', name: 'Bo', dept: 'familie', extension: '1002' },
    { id: 'carl', name: 'Carl', dept: 'familie', extension: '1003' },
    { id: 'omstillingen', name: 'Omstillingen', dept: 'familie', extension: '1000', role: 'switchboard' },
  ],
  devices: [
    { id: 'phone-anna', kind: 'phone', person: 'anna' },
    { id: 'phone-bo', kind: 'phone', person: 'bo' },
    { id: 'phone-carl', kind: 'phone', person: 'carl' },
    { id: 'kiosk-1', kind: 'kiosk' },
  ],
});

/** The hub's side of the loop, minus I/O: its records, a fake clock, and apply = handle + store the changes. */
class World {
  readonly clock = new FakeClock();
  readonly records = new Map<string, PersonRecord>();
  private n = 0;

  apply(deviceId: string, op: Request['op'], args: Record<string, unknown> = {}): Outcome {
    const req = { id: `r${++this.n}`, op, args } as Request;
    const actor = actorForDevice(dir, deviceId);
    const out = applyCommand(this.state, actor, requestToCommand(actor, req), this.clock.now());
    this.store(out.people);
    return out;
  }

  get state() {
    return { dir, people: this.records, depts: new Map() };
  }

  /** what time changes by itself (the hub's sweep) */
  expire(): PersonRecord[] {
    return refresh(this.state, this.clock.now()).people;
  }

  store(changed: readonly PersonRecord[]): void {
    for (const r of changed) this.records.set(r.personId, r);
  }

  rev(id: string): number {
    return this.records.get(id)?.rev ?? 0;
  }

  revs(): Record<string, number> {
    return Object.fromEntries(['anna', 'bo', 'carl'].map((id) => [id, this.rev(id)]));
  }
}

function throwsOmstil(fn: () => unknown, code: string, opts: { field?: string; rule?: string } = {}): OmstilError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, OmstilError);
    const e = err as OmstilError;
    assert.is(e.code, code);
    if (opts.field !== undefined) assert.is(e.field, opts.field);
    if (opts.rule !== undefined) assert.is(e.rule, opts.rule);
    return e;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

const ids = (out: Outcome) => out.people.map((c) => c.personId);
const inHours = (w: World, h: number) => new Date(w.clock.now().getTime() + h * 3600_000).toISOString();

t('DV-1: divert: the diverter gets an active diversion; diverter and target (DV-2) each get rev + 1', () => {
  const w = new World();
  const out = w.apply('phone-anna', 'divert', { target: 'bo' });
  assert.equal(ids(out), ['anna', 'bo']);
  assert.equal(out.data, { chain: ['bo'] });
  assert.equal(w.revs(), { anna: 1, bo: 1, carl: 0 });
  assert.equal(w.records.get('anna')!.diversion, { to: 'bo', since: w.clock.now().toISOString(), until: null, status: 'active', declinedBy: null, source: 'phone' });
  assert.is(w.records.get('anna')!.updatedAt, w.clock.now().toISOString());
  assert.is(w.records.get('bo')!.diversion, null);
});

t('DV-1: divert with until keeps it', () => {
  const w = new World();
  const until = inHours(w, 2);
  w.apply('phone-anna', 'divert', { target: 'bo', until });
  assert.is(w.records.get('anna')!.diversion!.until, until);
});

t('re-divert to another colleague also bumps the old target (its incoming list changes)', () => {
  const w = new World();
  w.apply('phone-anna', 'divert', { target: 'bo' });
  w.clock.advance(60_000);
  const out = w.apply('phone-anna', 'divert', { target: 'carl' });
  assert.equal([...ids(out)].sort(), ['anna', 'bo', 'carl']);
  assert.equal(w.revs(), { anna: 2, bo: 2, carl: 1 });
  assert.is(w.records.get('anna')!.diversion!.to, 'carl');
  assert.is(w.records.get('anna')!.diversion!.since, w.clock.now().toISOString());
});

t('an identical repeat changes nothing, and still answers with the chain', () => {
  const w = new World();
  const until = inHours(w, 1);
  w.apply('phone-anna', 'divert', { target: 'bo', until });
  const before = structuredClone([...w.records]);
  w.clock.advance(1000);
  const out = w.apply('phone-anna', 'divert', { target: 'bo', until });
  assert.equal(out.people, []);
  assert.equal(out.data, { chain: ['bo'] });
  assert.equal([...w.records], before);
});

t('a repeat with a different until is a change', () => {
  const w = new World();
  w.apply('phone-anna', 'divert', { target: 'bo' });
  const out = w.apply('phone-anna', 'divert', { target: 'bo', until: inHours(w, 1) });
  assert.equal(ids(out), ['anna', 'bo']);
  assert.equal(w.revs(), { anna: 2, bo: 2, carl: 0 });
});

t('until now or in the past is refused, naming args.until, and nothing changes', () => {
  const w = new World();
  for (const until of [inHours(w, -1), w.clock.now().toISOString()]) {
    throwsOmstil(() => w.apply('phone-anna', 'divert', { target: 'bo', until }), 'invalid-time', { field: 'args.until' });
  }
  assert.equal(w.revs(), { anna: 0, bo: 0, carl: 0 });
});

t('policy refusals come through with their rule and field (DV-4 self, DV-3 switchboard, DV-4 cycle)', () => {
  const w = new World();
  throwsOmstil(() => w.apply('phone-anna', 'divert', { target: 'anna' }), 'self-diversion', { rule: 'DV-4', field: 'args.target' });
  throwsOmstil(() => w.apply('phone-anna', 'divert', { target: 'omstillingen' }), 'switchboard-diversion', { rule: 'DV-3', field: 'args.target' });
  w.apply('phone-anna', 'divert', { target: 'bo' });
  throwsOmstil(() => w.apply('phone-bo', 'divert', { target: 'anna' }), 'diversion-cycle', { rule: 'DV-4', field: 'args.target' });
  assert.equal(w.revs(), { anna: 1, bo: 1, carl: 0 });
});

t('PR-4: a kiosk (no person) gets no-person for every op', () => {
  const w = new World();
  for (const [op, args] of [
    ['divert', { target: 'bo' }],
    ['undivert', {}],
    ['decline-diversion', { from: 'anna' }],
  ] as const) {
    throwsOmstil(() => w.apply('kiosk-1', op, args), 'no-person', { field: 'device' });
  }
  assert.is(w.records.size, 0);
});

t('an unknown device gets unknown-device', () => {
  const w = new World();
  throwsOmstil(() => w.apply('phone-ghost', 'undivert'), 'unknown-device', { field: 'device' });
});

t('DV-1: undivert ends the diversion and bumps the old target', () => {
  const w = new World();
  w.apply('phone-anna', 'divert', { target: 'bo' });
  const out = w.apply('phone-anna', 'undivert');
  assert.equal(ids(out), ['anna', 'bo']);
  assert.is(w.records.get('anna')!.diversion, null);
  assert.equal(w.revs(), { anna: 2, bo: 2, carl: 0 });
});

t('DV-1: undivert when not diverted changes nothing', () => {
  const w = new World();
  assert.equal(w.apply('phone-anna', 'undivert').people, []);
  assert.is(w.records.size, 0);
  w.apply('phone-anna', 'divert', { target: 'bo' });
  w.apply('phone-anna', 'undivert');
  assert.equal(w.apply('phone-anna', 'undivert').people, []);
  assert.equal(w.revs(), { anna: 2, bo: 2, carl: 0 });
});

t('DV-2: the target declines → status declined with declinedBy; both get rev + 1', () => {
  const w = new World();
  const since = w.clock.now().toISOString();
  w.apply('phone-anna', 'divert', { target: 'bo' });
  w.clock.advance(5000);
  const out = w.apply('phone-bo', 'decline-diversion', { from: 'anna' });
  assert.equal(ids(out), ['anna', 'bo']);
  assert.equal(w.records.get('anna')!.diversion, { to: 'bo', since, until: null, status: 'declined', declinedBy: 'bo', source: 'phone' });
  assert.equal(w.revs(), { anna: 2, bo: 2, carl: 0 });
});

t('DV-2: declining a diversion that does not target you → not-diverted-to-you; nothing changes', () => {
  const w = new World();
  w.apply('phone-anna', 'divert', { target: 'bo' });
  throwsOmstil(() => w.apply('phone-carl', 'decline-diversion', { from: 'anna' }), 'not-diverted-to-you', { rule: 'DV-2', field: 'args.from' });
  // nobody diverts to bo from carl
  throwsOmstil(() => w.apply('phone-bo', 'decline-diversion', { from: 'carl' }), 'not-diverted-to-you', { rule: 'DV-2' });
  assert.is(w.records.get('anna')!.diversion!.status, 'active');
  assert.equal(w.revs(), { anna: 1, bo: 1, carl: 0 });
});

t('DV-2: a declined diversion cannot be declined again; an unknown person is unknown-person', () => {
  const w = new World();
  w.apply('phone-anna', 'divert', { target: 'bo' });
  w.apply('phone-bo', 'decline-diversion', { from: 'anna' });
  throwsOmstil(() => w.apply('phone-bo', 'decline-diversion', { from: 'anna' }), 'not-diverted-to-you', { rule: 'DV-2' });
  throwsOmstil(() => w.apply('phone-bo', 'decline-diversion', { from: 'ghost' }), 'unknown-person', { field: 'args.from' });
});

t('DV-1: undivert of a declined diversion clears it without bumping the target (it no longer receives the calls)', () => {
  const w = new World();
  w.apply('phone-anna', 'divert', { target: 'bo' });
  w.apply('phone-bo', 'decline-diversion', { from: 'anna' });
  const out = w.apply('phone-anna', 'undivert');
  assert.equal(ids(out), ['anna']);
  assert.is(w.records.get('anna')!.diversion, null);
});

t('DV-1: diverting again after a decline re-activates it', () => {
  const w = new World();
  w.apply('phone-anna', 'divert', { target: 'bo' });
  w.apply('phone-bo', 'decline-diversion', { from: 'anna' });
  const out = w.apply('phone-anna', 'divert', { target: 'bo' });
  assert.equal(ids(out), ['anna', 'bo']);
  assert.is(w.records.get('anna')!.diversion!.status, 'active');
  assert.is(w.records.get('anna')!.diversion!.declinedBy, null);
});

t('DV-1 ends by itself: nothing before until; at until the diversion ends and the target gets rev + 1', () => {
  const w = new World();
  const until = inHours(w, 1);
  w.apply('phone-anna', 'divert', { target: 'bo', until });
  w.apply('phone-carl', 'divert', { target: 'bo' }); // no until: never expires
  w.clock.advance(3600_000 - 1);
  assert.equal(w.expire(), []);
  w.clock.advance(1);
  const changed = w.expire();
  assert.equal(changed.map((c) => c.personId), ['anna', 'bo']);
  w.store(changed);
  assert.is(w.records.get('anna')!.diversion, null);
  assert.is(w.records.get('anna')!.updatedAt, until);
  assert.is(w.records.get('carl')!.diversion!.to, 'bo');
  assert.equal(w.revs(), { anna: 2, bo: 3, carl: 1 });
  // idempotent: a second sweep finds nothing
  assert.equal(w.expire(), []);
});

t('DV-1 ends by itself: a declined diversion expires without bumping its (former) target', () => {
  const w = new World();
  w.apply('phone-anna', 'divert', { target: 'bo', until: inHours(w, 1) });
  w.apply('phone-bo', 'decline-diversion', { from: 'anna' });
  w.clock.advance(2 * 3600_000);
  assert.equal(w.expire().map((c) => c.personId), ['anna']);
});

t('DV-1 ends by itself: a chain expiring at once lists each person once, with one new revision holding every change', () => {
  const w = new World();
  const until = inHours(w, 1);
  w.apply('phone-anna', 'divert', { target: 'bo', until }); // anna 1, bo 1
  w.apply('phone-bo', 'divert', { target: 'carl', until }); // bo 2, carl 1
  w.clock.set(until);
  const changed = w.expire();
  const people = changed.map((c) => c.personId);
  assert.equal([...people].sort(), ['anna', 'bo', 'carl'], `each person once: ${people.join(', ')}`);
  const bo = changed.find((c) => c.personId === 'bo')!;
  assert.is(bo.rev, 3);
  assert.is(bo.diversion, null);
  w.store(changed);
  assert.equal(w.revs(), { anna: 2, bo: 3, carl: 2 });
  for (const id of ['anna', 'bo', 'carl']) assert.is(w.records.get(id)!.diversion, null, id);
});

t.run();
