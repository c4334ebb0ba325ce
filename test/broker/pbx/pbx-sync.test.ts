/**
 * The PBX's side of the policy, pure core: which route each number gets (`pbx-routes.ts`), and
 * how PbxSync pushes, retries, reconciles and takes in forwards set on a desk phone. The PBX
 * here is an in-memory stand-in that can fail on demand; the real adapters (Kamailio with real
 * SIP calls, Asterisk AMI) have their own suites.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger, OmstilError } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { applyCommand, type Actor, type Command } from '../../../broker/policy/commands.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import type { PbxPort, PbxRoute } from '../../../broker/pbx/pbx-port.js';
import { affectedNumbers, allRoutes, routeFor } from '../../../broker/pbx/pbx-routes.js';
import { PbxSync, type PbxHub } from '../../../broker/pbx/pbx-sync.js';
import type { DeptRecord } from '../../../broker/state/dept-record.js';
import { initialRecord, type PersonRecord } from '../../../broker/state/person-record.js';

const t = suite('broker/pbx/pbx-sync');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [
    { id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00; PH off' },
    { id: 'jobcenter', name: 'Jobcenter', phoneHours: 'Mo-Fr 09:00-14:00; PH off' },
  ],
  groups: [{ id: 'familie-gruppe', name: 'Familie, fællesnummer', dept: 'familie', number: '1900', members: ['anna', 'bo', 'carl'] }],
  people: [
    { id: 'lea', name: 'Lea Leder', dept: 'familie', extension: '1000' },
    { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001', leader: 'lea', preferred: ['bo'] },
    { id: 'bo', name: 'Bo Berg', dept: 'familie', extension: '1002', leader: 'lea' },
    { id: 'carl', name: 'Carl Dahl', dept: 'familie', extension: '1003', leader: 'lea' },
    { id: 'dan', name: 'Dan Eriksen', dept: 'jobcenter', extension: '2001' },
  ],
  devices: [],
});

/** Monday 23 November 2026, 10:00 in Copenhagen. */
const MON = new Date('2026-11-23T10:00:00+01:00');
const phone = (personId: string): Actor => ({ source: 'phone', id: `phone-${personId}`, personId });
const admin: Actor = { source: 'admin', id: 'test', personId: null };

class World implements PbxHub {
  readonly people = new Map<string, PersonRecord>();
  readonly depts = new Map<string, DeptRecord>();
  readonly journalled: unknown[] = [];
  readonly statusChanges: string[][] = [];
  sync: PbxSync | null = null;
  constructor(public at: Date = MON) {
    for (const id of dir.people.keys()) this.people.set(id, initialRecord(id, at));
  }
  get state(): PolicyState {
    return { dir, people: this.people, depts: this.depts };
  }
  now(): Date {
    return this.at;
  }
  execute(actor: Actor, cmd: Command): unknown {
    const out = applyCommand(this.state, actor, cmd, this.at);
    for (const r of out.people) this.people.set(r.personId, r);
    for (const d of out.depts) this.depts.set(d.deptId, d);
    this.sync?.changed(out.people, out.depts.length > 0);
    return out.data;
  }
  journal(entry: unknown): void {
    this.journalled.push(entry);
  }
  pbxStatusChanged(ids: readonly string[]): void {
    this.statusChanges.push([...ids]);
  }
}

/** A PBX in memory that fails while `down` is set. */
class MemoryPbx implements PbxPort {
  readonly name = 'memory';
  readonly forwards = new Map<string, string>();
  readonly table = new Map<string, PbxRoute>();
  down = false;
  calls = 0;
  run = 1;
  async instance(): Promise<string> {
    this.check();
    return `run-${this.run}`;
  }
  /** a restart of a PBX that keeps its tables in memory */
  restart(): void {
    this.run++;
    this.forwards.clear();
    this.table.clear();
  }
  private check(): void {
    this.calls++;
    if (this.down) throw new Error('connect ECONNREFUSED');
  }
  async applyForward(ext: string, to: string | null): Promise<void> {
    this.check();
    if (to) this.forwards.set(ext, to);
    else this.forwards.delete(ext);
  }
  async readForwards(): Promise<Map<string, string>> {
    this.check();
    return new Map(this.forwards);
  }
  readonly routes = {
    apply: async (n: string, r: PbxRoute | null) => {
      this.check();
      if (r) this.table.set(n, r);
      else this.table.delete(n);
    },
    read: async () => {
      this.check();
      return new Map(this.table);
    },
  };
}

function setup(at = MON) {
  const world = new World(at);
  const pbx = new MemoryPbx();
  const logger = memoryLogger();
  const sync = new PbxSync({ pbx, hub: world, logger, retryMs: 20, maxRetryMs: 40 });
  world.sync = sync;
  return { world, pbx, sync, logger };
}

const waitFor = async (cond: () => boolean, what: string, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

t('routes: a person who rings herself needs none; a function number rings its available members (PH-4); a diversion rings the colleague (DV-4)', () => {
  const w = new World();
  assert.is(routeFor(w.state, '1001', MON), null);
  assert.equal(routeFor(w.state, '1900', MON), { kind: 'ring', extensions: ['1001', '1002', '1003'] });
  w.execute(phone('anna'), { op: 'divert', person: 'anna', target: 'bo', until: null });
  assert.equal(routeFor(w.state, '1001', MON), { kind: 'ring', extensions: ['1002'] });
  assert.equal(routeFor(w.state, '1900', MON), { kind: 'ring', extensions: ['1001', '1002', '1003'] }, 'a member who diverted her own number is still available for the group (PH-4)');
  assert.is(routeFor(w.state, '9999', MON), null, 'unknown numbers get no route');
});

t('routes: outside phone hours → announce outside-hours (PH-2); a closure → announce closure (PH-3); nobody to answer → announce message (AS-1)', () => {
  const evening = new World(new Date('2026-11-23T19:00:00+01:00'));
  assert.equal(routeFor(evening.state, '1900', evening.at), { kind: 'announce', reason: 'outside-hours' });
  assert.equal(routeFor(evening.state, '2001', evening.at), { kind: 'announce', reason: 'outside-hours' });
  const w = new World();
  w.execute(admin, { op: 'add-closure', dept: 'familie', start: MON.toISOString(), end: new Date(MON.getTime() + 3600_000).toISOString(), message: null, offer: 'message', fallback: null });
  assert.equal(routeFor(w.state, '1900', MON), { kind: 'announce', reason: 'closure' });
  const all = allRoutes(w.state, MON);
  assert.equal(all.get('1001'), { kind: 'announce', reason: 'closure' });
  assert.is(all.has('2001'), false, 'jobcenter is open and Dan rings himself');
  const busy = new World();
  for (const p of ['dan']) busy.execute(phone(p), { op: 'set-status', person: p, kind: 'away', until: null, reason: null, divertTo: null });
  assert.equal(routeFor(busy.state, '2001', MON), { kind: 'announce', reason: 'message' });
});

t('affectedNumbers: the changed person\'s department, its function numbers, and whoever is diverted into them', () => {
  const w = new World();
  w.execute(phone('dan'), { op: 'divert', person: 'dan', target: 'bo', until: null });
  const n = affectedNumbers(w.state, ['carl'], MON);
  assert.equal([...n].sort(), ['1000', '1001', '1002', '1003', '1900', '2001']);
  assert.equal([...affectedNumbers(w.state, ['lea'], MON)].includes('2001'), true, 'Dan reaches Bo, who falls back to the group Lea\'s change can affect');
});

t('a change is pushed: the forward and the routes it affects; nothing is pushed twice', async () => {
  const { world, pbx, sync } = setup();
  await sync.reconcile();
  assert.equal(pbx.table.get('1900'), { kind: 'ring', extensions: ['1001', '1002', '1003'] });
  world.execute(phone('anna'), { op: 'divert', person: 'anna', target: 'bo', until: null });
  await sync.flush();
  assert.is(pbx.forwards.get('1001'), '1002');
  assert.equal(pbx.table.get('1001'), { kind: 'ring', extensions: ['1002'] });
  const calls = pbx.calls;
  await sync.flush();
  assert.is(pbx.calls, calls, 'an idle flush asks nothing');
  world.execute(phone('anna'), { op: 'undivert', person: 'anna' });
  await sync.flush();
  assert.is(pbx.forwards.has('1001'), false);
  assert.is(pbx.table.has('1001'), false);
});

t('PBX down: the push stays pending (the phone is told), is retried with backoff, and lands when the PBX is back; nothing is lost', async () => {
  const { world, pbx, sync } = setup();
  await sync.reconcile();
  pbx.down = true;
  world.execute(phone('anna'), { op: 'divert', person: 'anna', target: 'bo', until: null });
  await waitFor(() => sync.statusOf('anna').forward === 'pending', 'pending');
  assert.equal(world.statusChanges.at(-1), ['anna']);
  assert.is(sync.statusOf('bo').forward, 'applied');
  const tries = pbx.calls;
  await waitFor(() => pbx.calls > tries + 2, 'retries');
  pbx.down = false;
  await waitFor(() => pbx.forwards.get('1001') === '1002', 'applied after the PBX came back');
  await waitFor(() => sync.statusOf('anna').forward === 'applied', 'applied again');
  assert.equal(pbx.table.get('1001'), { kind: 'ring', extensions: ['1002'] });
  sync.stop();
});

t('reconcile repairs drift: a lost route table (PBX restart) and a stray forward come back to the hub\'s truth', async () => {
  const { world, pbx, sync } = setup();
  world.execute(phone('anna'), { op: 'divert', person: 'anna', target: 'bo', until: null });
  await sync.reconcile();
  pbx.restart();
  const repaired = await sync.reconcile();
  assert.ok(repaired >= 3, `repaired ${repaired}`);
  assert.is(world.people.get('anna')!.diversion?.to, 'bo', 'a restart is not taken for Anna clearing her forward');
  assert.is(pbx.forwards.get('1001'), '1002');
  assert.equal(pbx.table.get('1001'), { kind: 'ring', extensions: ['1002'] });
  assert.equal(pbx.table.get('1900'), { kind: 'ring', extensions: ['1001', '1002', '1003'] });
  pbx.table.set('4444', { kind: 'ring', extensions: ['1'] });
  await sync.reconcile();
  assert.is(pbx.table.has('4444'), false, 'a route for a number the hub does not know is removed');
});

t('a forward set on the desk phone is adopted through the policy, and the phone is told', async () => {
  const { world, pbx, sync } = setup();
  await sync.reconcile();
  pbx.forwards.set('1003', '1002'); // *72 1002 on Carl's phone
  await sync.reconcile();
  assert.is(world.people.get('carl')!.diversion?.to, 'bo');
  const st = sync.statusOf('carl');
  assert.is(st.notice?.kind, 'adopted');
  assert.match(st.notice!.text.da, /Bo Berg/);
  assert.equal(pbx.table.get('1003'), { kind: 'ring', extensions: ['1002'] });
  assert.ok(world.statusChanges.some((c) => c.includes('carl')));
});

t('a forward the policy refuses is reverted on the PBX, journalled, and the phone says why with the rule id', async () => {
  const { world, pbx, sync } = setup();
  world.execute(phone('anna'), { op: 'divert', person: 'anna', target: 'bo', until: null });
  await sync.reconcile();
  pbx.forwards.set('1002', '1001'); // Bo *72 to Anna, who is diverted to Bo: a cycle (DV-4)
  await sync.reconcile();
  assert.is(pbx.forwards.has('1002'), false, 'reverted');
  assert.is(world.people.get('bo')!.diversion, null);
  const st = sync.statusOf('bo');
  assert.is(st.notice?.kind, 'refused');
  assert.is(st.notice?.rule, 'DV-4');
  assert.match(st.notice!.text.da, /fjernet igen/);
  assert.is((world.journalled[0] as { op: string }).op, 'pbx-forward-refused');
});

t('a forward cleared on the desk phone (*73) ends the diversion in omstil', async () => {
  const { world, pbx, sync } = setup();
  world.execute(phone('anna'), { op: 'divert', person: 'anna', target: 'bo', until: null });
  await sync.reconcile();
  pbx.forwards.delete('1001');
  await sync.reconcile();
  assert.is(world.people.get('anna')!.diversion, null);
  assert.is(sync.statusOf('anna').notice?.kind, 'adopted');
  assert.is(pbx.table.has('1001'), false);
});

t('busy lamps: every lamp is set after a start, then only the people whose presence changed; a failed one is retried', async () => {
  const { world, pbx, sync } = setup();
  const lamps: [string, string][] = [];
  let fail = false;
  Object.assign(pbx, {
    setPresence: async (ext: string, presence: string) => {
      if (fail) throw new Error('down');
      lamps.push([ext, presence]);
    },
  });
  await sync.reconcile();
  assert.equal(lamps.map(([e]) => e).sort(), ['1000', '1001', '1002', '1003', '2001']);
  lamps.length = 0;
  world.execute(phone('bo'), { op: 'set-status', person: 'bo', kind: 'away', until: null, reason: 'privat', divertTo: null });
  await sync.flush();
  assert.equal(lamps, [['1002', 'away']]);
  assert.not.match(JSON.stringify(lamps), 'privat', 'PR-2: a reason never goes to the PBX');
  fail = true;
  world.execute(phone('bo'), { op: 'clear-status', person: 'bo' });
  await sync.flush();
  fail = false;
  await waitFor(() => lamps.length === 2, 'the retry');
  assert.equal(lamps[1], ['1002', 'available']);
  sync.stop();
});

t('a refusal from the policy never escapes as an exception from reconcile', async () => {
  const { pbx, sync } = setup();
  await sync.reconcile();
  pbx.forwards.set('1001', '9999'); // a number nobody has
  await sync.reconcile();
  assert.is(pbx.forwards.has('1001'), false);
  assert.is(sync.statusOf('anna').notice?.kind, 'refused');
  assert.ok(!(sync.statusOf('anna').notice instanceof OmstilError));
});

t.run();
