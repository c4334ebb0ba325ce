/**
 * The `Store` port's contract (convention 10), one suite run against every adapter:
 * test/broker/store/sqlite-store-contract.test.ts (SqliteStore) and postgres-store.test.ts
 * (PostgresStore). What an adapter alone has (SQLite's file migrations, PostgreSQL's URL errors
 * and a kill -9 of the process holding it) stays in that adapter's own test file.
 */
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { OmstilError } from '../../protocol/index.js';
import { Directory } from '../../broker/directory/directory.js';
import { Rollout } from '../../broker/ota/rollout.js';
import { initialRecord, revise, type PersonRecord } from '../../broker/state/person-record.js';
import type { MessageRecord } from '../../broker/state/message-record.js';
import type { BroadcastRecord } from '../../broker/state/broadcast-record.js';
import type { DeptRecord } from '../../broker/state/dept-record.js';
import type { CallRecord } from '../../broker/stats/call-record.js';
import type { JournalEntry, Store } from '../../broker/store/store.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';

export interface StoreContractAdapter {
  /** a new, empty store */
  open(): Store | Promise<Store>;
  /** a new, empty database that survives close: returns a function that opens (again) a store on it */
  durable(): (() => Store) | Promise<() => Store>;
}

export const NOW = new Date('2026-11-23T09:00:00+01:00');
const T0 = Date.parse('2026-11-23T09:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

export const entry = (op: string, n = 0): JournalEntry => ({ at: new Date(NOW.getTime() + n * 1000).toISOString(), actor: 'phone-anna', op, detail: { n } });

export function anna(): PersonRecord {
  return revise(
    initialRecord('anna', NOW),
    { presence: 'absent', backAt: '2026-11-30T08:00:00+01:00', absenceReason: 'kursus', diversion: { to: 'bo', since: NOW.toISOString(), until: null, status: 'active', declinedBy: null, source: 'phone' } },
    NOW,
  );
}

export const dept = (): DeptRecord => ({
  deptId: 'familie',
  rev: 2,
  closures: [],
  peaks: [{ id: 'peak-1', from: '2026-12-01', to: '2026-12-02', text: { da: 'Årsopgørelser', en: 'Tax statements' } }],
  openNow: true,
  day: '2026-11-23',
  updatedAt: NOW.toISOString(),
});

export function message(id: string, patch: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id,
    rev: 1,
    for: 'anna',
    askedFor: null,
    callerName: 'Jytte Borger',
    callerNumber: '+45 20 30 40 50',
    text: 'Om ansøgningen "ny" \\ æøå',
    callerInformed: false,
    takenBy: { actor: 'kiosk-1', source: 'phone', person: null },
    takenAt: NOW.toISOString(),
    due: '2026-11-24T08:00:00.000Z',
    rule: 'AS-1',
    status: 'waiting',
    history: [{ at: NOW.toISOString(), status: 'waiting', by: 'kiosk-1', person: null }],
    updatedAt: NOW.toISOString(),
    ...patch,
  };
}

/** RT-3: a storm flood broadcast */
export function storm(patch: Partial<BroadcastRecord> = {}): BroadcastRecord {
  return {
    id: 'stormflod',
    rev: 1,
    text: { da: 'Sandsække udleveres ved Rådhuset.', en: 'Sandbags are handed out at the town hall.' },
    start: '2026-11-23T08:00:00.000Z',
    expires: '2026-11-23T20:00:00+01:00',
    endedEarly: false,
    createdAt: NOW.toISOString(),
    createdBy: 'admin:api',
    updatedAt: NOW.toISOString(),
    ...patch,
  };
}

export function call(callId: string, offeredS: number, patch: Partial<CallRecord> = {}): CallRecord {
  return {
    callId,
    number: '10900',
    deptId: 'borgerservice',
    fn: 'borgerservice-gruppe',
    personId: null,
    offeredAt: at(offeredS),
    answeredAt: at(offeredS + 12.25),
    endedAt: at(offeredS + 200),
    waitS: 12.25,
    outcome: 'answered',
    answeredBy: '10001',
    transfers: 1,
    metUnavailable: false,
    insideHours: true,
    ...patch,
  };
}

function rollout() {
  const now = new Date('2026-12-03T10:00:00Z');
  const { rollout } = Rollout.create(
    { id: 'r1', image: { version: '1.1.0', kind: 'any', size: 1000, sha256: 'b'.repeat(64), chunkSize: 256 }, stages: [50, 100] },
    [0, 1, 2, 3].map((i) => ({ deviceId: `phone-${i}`, kind: 'phone' as const, fw: '1.0.0', online: true })),
    now,
  );
  return { rollout, now };
}

/** Adds the contract's cases to `t`; every store opened in a case is closed after it. */
export function storeContract(t: Test, adapter: StoreContractAdapter): void {
  const opened: Store[] = [];
  const track = (s: Store) => (opened.push(s), s);
  const store = async () => track(await adapter.open());
  const durable = async () => {
    const open = await adapter.durable();
    return () => track(open());
  };
  t.after.each(() => {
    for (const s of opened.splice(0)) s.close();
  });

  t('contract: an empty store has nothing', async () => {
    const s = await store();
    assert.equal(s.loadPeople(), []);
    assert.equal(s.loadDepts(), []);
    assert.equal(s.loadMessages(new Date(0)), []);
    assert.equal(s.loadBroadcasts(), []);
    assert.equal(s.journal(10), []);
    assert.is(s.loadDirectory(), null);
    assert.is(s.directoryVersion(), 0);
    assert.equal(s.loadRollouts(), []);
    assert.equal(s.loadCredentials(), []);
    assert.equal([...s.calls(new Date(0), new Date(T0 * 2))], []);
  });

  t('contract: commit + load round trip: records exactly as written, sorted by id, latest version only', async () => {
    const s = await store();
    const a = anna();
    const b = revise(initialRecord('bo', NOW), {}, NOW);
    s.commit([b, a], [], entry('divert'));
    assert.equal(s.loadPeople(), [a, b]);
    const a2 = revise(a, { diversion: null }, NOW);
    s.commit([a2], [], entry('undivert', 1));
    assert.equal(s.loadPeople(), [a2, b]);
    // the same record twice in one commit: the last one wins
    const a3 = revise(a2, { presence: 'available' }, NOW);
    s.commit([a2, a3], [], entry('set-absence', 2));
    assert.equal(s.loadPeople(), [a3, b]);
  });

  t('contract: people, department, message and broadcast in one commit with its journal entry; all read back', async () => {
    const s = await store();
    s.commit([anna()], [dept()], entry('add-peak'), [message('m-1')], [storm()]);
    assert.equal(s.loadPeople(), [anna()]);
    assert.equal(s.loadDepts(), [dept()]);
    assert.equal(s.loadMessages(NOW), [message('m-1')]);
    assert.equal(s.message('m-1'), message('m-1'));
    assert.is(s.message('m-2'), null);
    assert.equal(s.loadBroadcasts(), [storm()]);
    assert.equal(s.journal(5), [entry('add-peak')]);
  });

  t('contract: journal: newest first, limited, detail round-trips; a missing detail is stored as null', async () => {
    const s = await store();
    s.commit([], [], entry('divert', 0));
    s.commit([], [], entry('decline-diversion', 1));
    s.commit([], [], { at: NOW.toISOString(), actor: 'hub', op: 'expire-diversions', detail: undefined });
    assert.equal(s.journal(10), [{ at: NOW.toISOString(), actor: 'hub', op: 'expire-diversions', detail: null }, entry('decline-diversion', 1), entry('divert', 0)]);
    assert.equal(s.journal(2).map((e) => e.op), ['expire-diversions', 'decline-diversion']);
    assert.equal(s.journal(0), []);
  });

  t('contract: a commit that fails half-way leaves nothing written (records and journal in one transaction)', async () => {
    const s = await store();
    const before = anna();
    s.commit([before], [], entry('divert'));
    const bad = { ...initialRecord('bo', NOW), rev: 1 } as PersonRecord;
    Object.defineProperty(bad, 'presence', { enumerable: true, get: () => { throw new Error('boom'); } });
    const a2 = revise(before, { diversion: null }, NOW);
    assert.throws(() => s.commit([a2, bad], [], entry('undivert', 1)), /boom/);
    assert.equal(s.loadPeople(), [before]);
    assert.equal(s.journal(10).map((e) => e.op), ['divert']);
  });

  t('contract: a journal entry that cannot be written rolls back the records, messages and broadcasts of the same commit', async () => {
    const s = await store();
    assert.throws(() => s.commit([anna()], [dept()], { ...entry('divert'), detail: { n: 1n } }, [message('m-1')], [storm()]), /BigInt/);
    assert.equal(s.loadPeople(), []);
    assert.equal(s.loadDepts(), []);
    assert.equal(s.loadMessages(NOW), []);
    assert.equal(s.loadBroadcasts(), []);
    assert.equal(s.journal(10), []);
    // and the store still works afterwards
    s.commit([anna()], [], entry('divert'));
    assert.equal(s.loadPeople(), [anna()]);
  });

  t('contract: a closed store refuses to commit; close twice is harmless; nothing of it was written', async () => {
    const open = await durable();
    const s = open();
    s.close();
    assert.throws(() => s.commit([anna()], [], entry('divert')));
    s.close();
    assert.equal(open().loadPeople(), []);
  });

  t('contract: AS-1: a new message revision replaces the old', async () => {
    const s = await store();
    const m = message('m-1');
    s.commit([], [], entry('take-message'), [m]);
    const acked = message('m-1', { rev: 2, status: 'acknowledged', history: [...m.history, { at: NOW.toISOString(), status: 'acknowledged', by: 'phone-anna', person: 'anna' }] });
    s.commit([], [], entry('message-status', 1), [acked]);
    assert.equal(s.loadMessages(NOW), [acked]);
    assert.equal(s.journal(5).map((e) => e.op), ['message-status', 'take-message']);
  });

  t('contract: AS-4: done messages are kept; loading skips those done before the cut-off (offset times compared in UTC)', async () => {
    const s = await store();
    const later = new Date(NOW.getTime() + 8 * 86_400_000);
    const open = message('m-open');
    const doneLongAgo = message('m-old', { status: 'done', rev: 2, updatedAt: NOW.toISOString() });
    const doneRecently = message('m-new', { status: 'done', rev: 2, updatedAt: new Date(later.getTime() - 1000).toISOString() });
    const doneOffset = message('m-off', { status: 'done', rev: 2, updatedAt: '2026-12-01T09:00:00+01:00' });
    s.commit([], [], entry('x'), [open, doneLongAgo, doneRecently, doneOffset]);
    const cutoff = new Date(later.getTime() - 86_400_000);
    assert.equal(s.loadMessages(cutoff).map((m) => m.id), ['m-new', 'm-off', 'm-open']);
    assert.equal(s.loadMessages(NOW).map((m) => m.id), ['m-new', 'm-off', 'm-old', 'm-open']);
    assert.equal(s.message('m-old'), doneLongAgo, 'still stored');
  });

  t('contract: RT-3: a new broadcast revision replaces the old; broadcasts by id', async () => {
    const s = await store();
    s.commit([], [], entry('add-broadcast'), [], [storm()]);
    const ended = storm({ rev: 2, expires: '2026-11-23T09:30:00.000Z', endedEarly: true });
    s.commit([], [], entry('end-broadcast', 1), [], [ended]);
    assert.equal(s.loadBroadcasts(), [ended]);
    s.commit([], [], entry('add-broadcast', 2), [], [storm({ id: 'vand', text: { da: 'Kog drikkevandet.' } })]);
    assert.equal(s.loadBroadcasts().map((b) => [b.id, b.rev]), [['stormflod', 2], ['vand', 1]]);
  });

  t('contract: RT-1: saving a directory is idempotent: the same data twice is one version; a change is the next', async () => {
    const s = await store();
    const data = Directory.parse(demoDirectory({ peoplePerDept: 2, kiosks: 1 })).data;
    assert.equal(s.saveDirectory(data, 'a.json', NOW), { version: 1, changed: true });
    assert.equal(s.saveDirectory(structuredClone(data), 'a.csv', NOW), { version: 1, changed: false });
    assert.is(s.directoryVersion(), 1);
    const changed = { ...data, municipality: 'Anden Kommune' };
    assert.equal(s.saveDirectory(changed, 'b.json', NOW), { version: 2, changed: true });
    assert.is(s.directoryVersion(), 2);
    const back = s.loadDirectory()!;
    assert.equal(back.data, changed);
    assert.equal([back.version, back.source, back.importedAt], [2, 'b.json', NOW.toISOString()]);
    assert.equal(s.journal(5).map((e) => [e.op, e.actor, e.detail]), [['import-directory', 'b.json', { version: 2 }], ['import-directory', 'a.json', { version: 1 }]]);
    // going back to the first data is a new version, not the old one
    assert.equal(s.saveDirectory(data, 'a.json', NOW), { version: 3, changed: true });
  });

  t('contract: OTA: a rollout and its devices read back as saved; later saves write only what changed, with their journal entry', async () => {
    const s = await store();
    const { rollout: r, now } = rollout();
    s.saveRollout(r.record, [...r.devices.values()], { at: now.toISOString(), actor: 'admin:api', op: 'ota-rollout', detail: { rollout: 'r1' } });
    const first = r.record.order[0]!;
    r.report(first, { job: 'r1', state: 'confirmed', done: 4, total: 4, running: '1.1.0', error: null, at: now.toISOString() }, now);
    s.saveRollout(r.record, [r.devices.get(first)!]);
    assert.equal(s.journal(5).map((e) => e.op), ['ota-rollout']);
    const [back, ...rest] = s.loadRollouts();
    assert.equal(rest, []);
    assert.equal(back!.record, r.record);
    assert.equal(back!.devices, [...r.devices.values()].sort((x, y) => (x.deviceId < y.deviceId ? -1 : 1)));
    const restored = Rollout.restore(back!.record, back!.devices);
    for (const id of r.record.order) restored.deviceOnline(id, true, null, now);
    assert.equal(restored.summary(), r.summary());
  });

  t('contract: ST-1: calls by offered time [from, to), oldest first (ties by call id); every field round-trips', async () => {
    const s = await store();
    const all = [
      call('c3', 30, { outcome: 'message', answeredAt: null, answeredBy: null, waitS: 40, transfers: 0, metUnavailable: true, personId: 'anna', fn: null }),
      call('c1', 0),
      call('c2', 10, { deptId: null, fn: null, number: '+4587654321', outcome: 'no-answer', answeredAt: null, answeredBy: null, insideHours: false }),
      call('c0', 10, { outcome: 'voicemail', answeredAt: null, answeredBy: null }),
    ];
    for (const c of all) s.saveCall(c);
    const ids = (from: number, to: number) => [...s.calls(new Date(T0 + from * 1000), new Date(T0 + to * 1000))].map((c) => c.callId);
    assert.equal(ids(0, 31), ['c1', 'c0', 'c2', 'c3']);
    assert.equal(ids(0, 30), ['c1', 'c0', 'c2']);
    assert.equal(ids(10, 11), ['c0', 'c2']);
    assert.equal(ids(0.001, 10), []);
    assert.equal(ids(31, 3600), []);
    assert.equal([...s.calls(new Date(T0), new Date(T0 + 31_000))], [all[1], all[3], all[2], all[0]]);
  });

  t('contract: ST-1: calls() streams across pages: every call once, in order, with equal offered times on page edges; a loop that stops early leaves the store usable', async () => {
    const s = await store();
    // 60 calls, three at each offered time, saved out of order
    const saved: CallRecord[] = [];
    for (let i = 59; i >= 0; i--) saved.push(call(`c${String(i).padStart(3, '0')}`, Math.floor(i / 3)));
    for (const c of saved) s.saveCall(c);
    const expected = [...saved].sort((a, b) => (a.offeredAt < b.offeredAt ? -1 : a.offeredAt > b.offeredAt ? 1 : a.callId < b.callId ? -1 : 1));
    assert.equal([...s.calls(new Date(T0), new Date(T0 + 3600_000))], expected);
    // a range that starts and ends inside groups of equal times
    assert.equal([...s.calls(new Date(T0 + 4000), new Date(T0 + 17_000))].map((c) => c.callId), expected.filter((c) => c.offeredAt >= at(4) && c.offeredAt < at(17)).map((c) => c.callId));
    const it = s.calls(new Date(T0), new Date(T0 + 3600_000))[Symbol.iterator]();
    assert.is(it.next().value?.callId, 'c000');
    assert.is(it.next().value?.callId, 'c001');
    it.return?.();
    let n = 0;
    for (const c of s.calls(new Date(T0), new Date(T0 + 3600_000))) {
      if (++n === 10) break;
      assert.ok(c.callId);
    }
    s.saveCall(call('late', 2000));
    assert.is([...s.calls(new Date(T0), new Date(T0 + 3600_000))].length, 61);
  });

  t('contract: ST-1: saving a call again replaces it (one row per call id): idempotent', async () => {
    const s = await store();
    s.saveCall(call('c1', 0, { outcome: 'no-answer', answeredAt: null, answeredBy: null }));
    s.saveCall(call('c1', 0));
    s.saveCall(call('c1', 0));
    assert.equal([...s.calls(new Date(T0), new Date(T0 + 1000))], [call('c1', 0)]);
    s.saveCall(call('c1', 0, { transfers: 3 }));
    assert.equal([...s.calls(new Date(T0), new Date(T0 + 1000))].map((c) => c.transfers), [3]);
  });

  t('contract: ST-1: a bad call is refused with invalid-payload naming the field; nothing is stored', async () => {
    const s = await store();
    const bad: [Partial<CallRecord>, string][] = [
      [{ offeredAt: 'yesterday' }, 'call.offeredAt'],
      [{ endedAt: '' }, 'call.endedAt'],
      [{ answeredAt: 'soon' }, 'call.answeredAt'],
      [{ callId: '' }, 'call.callId'],
    ];
    for (const [patch, field] of bad) {
      try {
        s.saveCall(call('c1', 0, patch));
        assert.unreachable(field);
      } catch (err) {
        assert.instance(err, OmstilError);
        assert.equal([(err as OmstilError).code, (err as OmstilError).field, (err as OmstilError).rule], ['invalid-payload', field, 'ST-1']);
      }
    }
    assert.equal([...s.calls(new Date(0), new Date(T0 * 2))], []);
  });

  t('contract: ST-1: messagesTaken by taken time in UTC [from, to), oldest first; the taken time is kept when a message changes', async () => {
    const s = await store();
    const m1 = message('m-1', { takenAt: '2026-11-23T09:00:00.000Z' });
    const m2 = message('m-2', { takenAt: '2026-11-23T10:30:00+01:00' }); // 09:30 UTC
    const m3 = message('m-3', { takenAt: '2026-11-24T08:00:00.000Z' });
    s.commit([], [], entry('take-message'), [m3, m2, m1]);
    assert.equal(s.messagesTaken(new Date(T0), new Date(T0 + 3600_000)).map((m) => m.id), ['m-1', 'm-2']);
    assert.equal(s.messagesTaken(new Date(T0 + 1), new Date(T0 + 86_400_000)).map((m) => m.id), ['m-2', 'm-3']);
    const done = { ...m2, rev: 2, status: 'done' as const, updatedAt: at(7200) };
    s.commit([], [], entry('message-status', 1), [done]);
    assert.equal(s.messagesTaken(new Date('2026-11-23T09:30:00Z'), new Date('2026-11-23T09:30:00.001Z')), [done]);
  });

  t('contract: ST-1: journalBetween by time [from, to) and op, oldest first; no ops, no entries; an op is a value, not SQL', async () => {
    const s = await store();
    const j = (n: number, op: string) => s.commit([], [], { at: at(n), actor: 'phone-anna', op, detail: { n } });
    j(0, 'divert');
    j(1, 'undivert');
    j(2, 'set-status');
    j(3, 'divert');
    j(4, 'pbx-forward');
    const ops = (from: number, to: number, which: string[]) => s.journalBetween(new Date(T0 + from * 1000), new Date(T0 + to * 1000), which).map((e) => [e.op, (e.detail as { n: number }).n]);
    assert.equal(ops(0, 5, ['divert', 'set-status', 'pbx-forward']), [['divert', 0], ['set-status', 2], ['divert', 3], ['pbx-forward', 4]]);
    assert.equal(ops(1, 4, ['divert']), [['divert', 3]]);
    assert.equal(ops(0, 3, ['divert']), [['divert', 0]]);
    assert.equal(ops(0, 5, []), []);
    assert.equal(ops(0, 5, ["divert' OR 1=1 --"]), []);
  });

  t('contract: issue 10: issuing a credential stores it; issuing again rotates it; revoke marks it and is false when none is in force; provisioning again lifts it', async () => {
    const s = await store();
    const t1 = new Date('2026-11-23T08:00:00Z');
    const t2 = new Date('2026-11-23T09:00:00Z');
    const t3 = new Date('2026-11-23T10:00:00Z');
    s.issueCredential('phone-bo', 'sha256:' + 'b'.repeat(64), t1);
    s.issueCredential('phone-anna', 'sha256:' + '1'.repeat(64), t1, 'admin:it');
    s.issueCredential('phone-anna', 'sha256:' + '2'.repeat(64), t2);
    assert.equal(s.loadCredentials(), [
      { deviceId: 'phone-anna', tokenHash: 'sha256:' + '2'.repeat(64), issuedAt: t2.toISOString(), revokedAt: null },
      { deviceId: 'phone-bo', tokenHash: 'sha256:' + 'b'.repeat(64), issuedAt: t1.toISOString(), revokedAt: null },
    ]);
    assert.is(s.revokeCredential('phone-anna', t3), true);
    assert.is(s.revokeCredential('phone-anna', t3), false, 'none in force any more');
    assert.is(s.revokeCredential('phone-carl', t3), false, 'never had one');
    assert.equal(s.loadCredentials()[0], { deviceId: 'phone-anna', tokenHash: 'sha256:' + '2'.repeat(64), issuedAt: t2.toISOString(), revokedAt: t3.toISOString() });
    s.issueCredential('phone-anna', 'sha256:' + '3'.repeat(64), t3);
    assert.is(s.loadCredentials()[0]!.revokedAt, null);
    assert.equal(s.journal(10).reverse().map((e) => [e.actor, e.op, e.detail]), [
      ['admin:api', 'provision-device', { device: 'phone-bo', rotated: false }],
      ['admin:it', 'provision-device', { device: 'phone-anna', rotated: false }],
      ['admin:api', 'provision-device', { device: 'phone-anna', rotated: true }],
      ['admin:api', 'revoke-device', { device: 'phone-anna' }],
      ['admin:api', 'provision-device', { device: 'phone-anna', rotated: true }],
    ]);
  });

  t('contract: durability: every kind of change survives closing and reopening the store', async () => {
    const open = await durable();
    const first = open();
    const data = Directory.parse(demoDirectory({ peoplePerDept: 2, kiosks: 1 })).data;
    const { rollout: r, now } = rollout();
    first.saveDirectory(data, 'a.json', NOW);
    first.commit([anna()], [dept()], entry('divert', 1), [message('m-1')], [storm()]);
    first.saveRollout(r.record, [...r.devices.values()]);
    first.saveCall(call('c1', 0));
    first.issueCredential('phone-anna', 'sha256:' + '1'.repeat(64), now);
    first.close();
    const again = open();
    assert.equal(again.loadPeople(), [anna()]);
    assert.equal(again.loadDepts(), [dept()]);
    assert.equal(again.loadMessages(NOW), [message('m-1')]);
    assert.equal(again.loadBroadcasts(), [storm()]);
    assert.equal(again.loadDirectory()?.data, data);
    assert.equal(again.loadRollouts()[0]?.record, r.record);
    assert.equal([...again.calls(new Date(T0), new Date(T0 + 1000))], [call('c1', 0)]);
    assert.is(again.loadCredentials().length, 1);
    assert.equal(again.journal(10).map((e) => e.op), ['provision-device', 'divert', 'import-directory']);
    // and it goes on from there: the next directory is version 2
    assert.equal(again.saveDirectory({ ...data, municipality: 'Anden Kommune' }, 'b.json', NOW), { version: 2, changed: true });
  });
}
