/**
 * ST-1 in the SQLite store (migration 6): a version-5 database file is migrated with its
 * messages kept and their taken time backfilled from the body (UTC, indexed), and the indexes
 * used. How every store keeps calls, messages taken and the journal by time (ranges, order,
 * streaming, idempotent saves, refusals, a reopen) is the contract in
 * test/support/store-contract.ts, run on SQLite by sqlite-store-contract.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import type { MessageRecord } from '../../../broker/state/message-record.js';
import { SqliteStore } from '../../../broker/store/sqlite-store.js';
import { tempStores } from '../../support/temp-stores.js';
import { call } from '../../support/store-contract.js';

const t = suite('broker/store/call-store');

const { store, file: inTmp } = tempStores(t, 'omstil-call-store-');

const T0 = Date.parse('2026-11-23T09:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

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

t.run();
