/**
 * ST-1 in the SQLite store (migration 6): a version-5 database file is migrated with its
 * messages kept and their taken time backfilled from the body (UTC, indexed); finished calls
 * by offered time, half-open ranges, oldest first, streamed; saving a call again replaces it;
 * a bad call is refused naming the field and changes nothing; the quarter's messages and
 * journal entries by time and op; everything survives a reopen.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { OmstilError } from '../../../protocol/index.js';
import type { MessageRecord } from '../../../broker/state/message-record.js';
import type { CallRecord } from '../../../broker/stats/call-record.js';
import { SqliteStore } from '../../../broker/store/sqlite-store.js';
import { tempStores } from '../../support/temp-stores.js';

const t = suite('broker/store/call-store');

const { store, file: inTmp } = tempStores(t, 'omstil-call-store-');

const T0 = Date.parse('2026-11-23T09:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function call(callId: string, offeredS: number, patch: Partial<CallRecord> = {}): CallRecord {
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

function message(id: string, takenAt: string): MessageRecord {
  return {
    id,
    rev: 1,
    for: 'anna',
    askedFor: null,
    callerName: 'Jytte Test',
    callerNumber: '+45 11 22 33 44',
    text: 'Ring tilbage',
    callerInformed: false,
    takenBy: { actor: 'kiosk-1', source: 'phone', person: null },
    takenAt,
    due: '2026-11-24T14:00:00.000Z',
    rule: 'AS-1',
    status: 'waiting',
    history: [{ at: takenAt, status: 'waiting', by: 'kiosk-1', person: null }],
    updatedAt: takenAt,
  };
}

t('a version-5 database is migrated to 6: messages kept, taken time backfilled in UTC and indexed, calls table added', () => {
  const file = inTmp('v5.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE person_state (person_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, body TEXT NOT NULL);
           CREATE TABLE journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, op TEXT NOT NULL, detail TEXT NOT NULL);
           CREATE TABLE dept_state (dept_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, body TEXT NOT NULL);
           CREATE TABLE directory (version INTEGER PRIMARY KEY AUTOINCREMENT, imported_at TEXT NOT NULL, source TEXT NOT NULL, body TEXT NOT NULL);
           CREATE TABLE message (message_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, recipient TEXT NOT NULL, status TEXT NOT NULL, updated_at TEXT NOT NULL, body TEXT NOT NULL);
           CREATE INDEX message_by_status ON message (status, updated_at);
           CREATE INDEX message_by_recipient ON message (recipient);
           CREATE TABLE broadcast (broadcast_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, expires TEXT NOT NULL, body TEXT NOT NULL);
           CREATE TABLE ota_rollout (rollout_id TEXT PRIMARY KEY, state TEXT NOT NULL, created_at TEXT NOT NULL, body TEXT NOT NULL);
           CREATE TABLE ota_device (rollout_id TEXT NOT NULL, device_id TEXT NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (rollout_id, device_id));`);
  db.pragma('user_version = 5');
  // one taken in UTC, one written with an offset (10:30 in Copenhagen is 09:30 UTC)
  const old = [message('m-1', '2026-11-23T09:00:00.000Z'), message('m-2', '2026-11-23T10:30:00+01:00'), message('m-3', '2026-11-24T08:00:00.000Z')];
  const insert = db.prepare('INSERT INTO message VALUES (?, ?, ?, ?, ?, ?)');
  for (const m of old) insert.run(m.id, m.rev, m.for, m.status, m.updatedAt, JSON.stringify(m));
  db.prepare('INSERT INTO journal (at, actor, op, detail) VALUES (?, ?, ?, ?)').run(at(0), 'phone-anna', 'divert', JSON.stringify({ target: 'bo' }));
  db.close();

  const s = new SqliteStore({ file });
  try {
    assert.is(s.schemaVersion, 7);
    assert.equal(s.loadMessages(new Date(T0)), old, 'no message lost or changed');
    assert.equal(s.message('m-2'), old[1]);
    assert.equal(s.messagesTaken(new Date(T0), new Date(T0 + 3600_000)).map((m) => m.id), ['m-1', 'm-2']);
    assert.equal(s.messagesTaken(new Date(T0 + 1), new Date(T0 + 86_400_000)).map((m) => m.id), ['m-2', 'm-3']);
    assert.equal(s.journalBetween(new Date(T0), new Date(T0 + 1), ['divert']).map((e) => [e.actor, e.detail]), [['phone-anna', { target: 'bo' }]]);
    assert.equal([...s.calls(new Date(0), new Date(T0 * 2))], []);
    s.saveCall(call('c1', 0));
  } finally {
    s.close();
  }
  const raw = new Database(file, { readonly: true });
  try {
    assert.equal(raw.prepare('SELECT message_id, taken_at FROM message ORDER BY message_id').all(), [
      { message_id: 'm-1', taken_at: '2026-11-23T09:00:00.000Z' },
      { message_id: 'm-2', taken_at: '2026-11-23T09:30:00.000Z' },
      { message_id: 'm-3', taken_at: '2026-11-24T08:00:00.000Z' },
    ]);
    const plan = raw.prepare("EXPLAIN QUERY PLAN SELECT body FROM message WHERE taken_at >= '2026' AND taken_at < '2027'").all() as { detail: string }[];
    assert.ok(plan.some((p) => /message_by_taken/.test(p.detail)), JSON.stringify(plan));
    const callPlan = raw.prepare("EXPLAIN QUERY PLAN SELECT * FROM call WHERE offered_at >= '2026' AND offered_at < '2027' ORDER BY offered_at").all() as { detail: string }[];
    assert.ok(callPlan.some((p) => /call_by_offered/.test(p.detail)), JSON.stringify(callPlan));
  } finally {
    raw.close();
  }
  // reopened: migrations do not run again, the call is there
  const again = store(file);
  assert.is(again.schemaVersion, 7);
  assert.equal([...again.calls(new Date(T0), new Date(T0 + 1))], [call('c1', 0)]);
});

t('new messages get their taken time written on commit (and keep it when they change)', () => {
  const s = store();
  const m = message('m-9', '2026-11-23T11:00:00+01:00');
  s.commit([], [], { at: at(0), actor: 'kiosk-1', op: 'take-message', detail: {} }, [m]);
  const done = { ...m, rev: 2, status: 'done' as const, updatedAt: at(7200), history: [...m.history, { at: at(7200), status: 'done' as const, by: 'phone-anna', person: 'anna' }] };
  s.commit([], [], { at: at(7200), actor: 'phone-anna', op: 'message-status', detail: {} }, [done]);
  assert.equal(s.messagesTaken(new Date('2026-11-23T10:00:00Z'), new Date('2026-11-23T10:00:00.001Z')), [done]);
  assert.equal(s.messagesTaken(new Date('2026-11-23T10:00:00.001Z'), new Date('2026-11-24T00:00:00Z')), []);
});

t('calls: the offered time picks them, [from, to), oldest first; every field round-trips', () => {
  const s = store();
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
  assert.equal(
    [...s.calls(new Date(T0), new Date(T0 + 31_000))],
    [all[1], all[3], all[2], all[0]],
  );
});

t('calls() streams: rows are read as the caller goes; a loop that stops early frees the connection', () => {
  const s = store();
  for (let i = 0; i < 1000; i++) s.saveCall(call(`c${String(i).padStart(4, '0')}`, i));
  const it = s.calls(new Date(T0), new Date(T0 + 1000_000))[Symbol.iterator]();
  assert.is(it.next().value?.callId, 'c0000');
  assert.is(it.next().value?.callId, 'c0001');
  it.return?.();
  let n = 0;
  for (const c of s.calls(new Date(T0), new Date(T0 + 1000_000))) {
    if (++n === 10) break;
    assert.ok(c.callId);
  }
  // the connection is free again: writing and reading work
  s.saveCall(call('late', 2000));
  assert.is([...s.calls(new Date(T0), new Date(T0 + 3000_000))].length, 1001);
});

t('saving a call again replaces it (one row per call id): idempotent', () => {
  const s = store();
  s.saveCall(call('c1', 0, { outcome: 'no-answer', answeredAt: null, answeredBy: null }));
  s.saveCall(call('c1', 0));
  s.saveCall(call('c1', 0));
  assert.equal([...s.calls(new Date(T0), new Date(T0 + 1000))], [call('c1', 0)]);
  // a PBX that dials on after an unanswered round stores the call again, with its final outcome
  s.saveCall(call('c1', 0, { transfers: 3 }));
  assert.equal([...s.calls(new Date(T0), new Date(T0 + 1000))].map((c) => c.transfers), [3]);
});

t('a bad call is refused with invalid-payload naming the field; nothing is stored', () => {
  const s = store();
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

t('journalBetween: by time [from, to) and op, oldest first; no ops, no entries', () => {
  const s = store();
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

t('calls and the journal survive a reopen of a file store (a restart)', () => {
  const file = inTmp('restart.db');
  const first = new SqliteStore({ file });
  first.saveCall(call('c1', 0));
  first.commit([], [], { at: at(1), actor: 'phone-anna', op: 'divert', detail: { target: 'bo' } });
  first.close();
  const s = store(file);
  assert.equal([...s.calls(new Date(T0), new Date(T0 + 1000))], [call('c1', 0)]);
  assert.is(s.journalBetween(new Date(T0), new Date(T0 + 1000_000), ['divert']).length, 1);
});

t.run();
