/**
 * What only SqliteStore has: its file, PRAGMA user_version and the migration of older database
 * files. What every store must do is the contract (test/support/store-contract.ts), run on
 * SQLite by sqlite-store-contract.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import path from 'node:path';
import { SqliteStore } from '../../../broker/store/sqlite-store.js';
import { tempStores } from '../../support/temp-stores.js';
import type { PersonRecord } from '../../../broker/state/person-record.js';
import { anna, entry, message, NOW, storm } from '../../support/store-contract.js';

const t = suite('broker/store/sqlite-store');

const { store, file: inTmp } = tempStores(t, 'omstil-store-');

t('a new store runs the migrations: schema version 7, empty', () => {
  const s = store();
  assert.is(s.schemaVersion, 7);
  assert.equal(s.loadPeople(), []);
  assert.equal(s.journal(10), []);
});

t('a file-backed store keeps its data across a reopen; migrations do not run twice', () => {
  const file = inTmp(path.join('nested', 'dir', 'omstil.db')); // the directory is created
  const first = new SqliteStore({ file, synchronous: 'normal' });
  first.commit([anna()], [], entry('divert'));
  first.close();
  const again = store(file);
  assert.is(again.schemaVersion, 7);
  assert.equal(again.loadPeople(), [anna()]);
  assert.equal(again.journal(5), [entry('divert')]);
});

t('a database with a newer schema version is refused and left untouched', () => {
  const file = inTmp('newer.db');
  const db = new Database(file);
  db.pragma('journal_mode = DELETE');
  db.exec('CREATE TABLE future (x INTEGER)');
  db.pragma('user_version = 99');
  db.close();
  assert.throws(() => new SqliteStore({ file }), /schema version 99 is newer/);
  const check = new Database(file, { readonly: true });
  try {
    assert.is(check.pragma('user_version', { simple: true }), 99);
    assert.is(check.pragma('journal_mode', { simple: true }), 'delete', 'refusing to touch it means not switching it to WAL either');
    assert.equal(
      (check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name),
      ['future'],
    );
  } finally {
    check.close();
  }
});

t('a version-1 database is migrated: its people keep their state and gain the new fields (no data lost)', () => {
  const file = inTmp('v1.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE person_state (person_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, body TEXT NOT NULL);
           CREATE TABLE journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, op TEXT NOT NULL, detail TEXT NOT NULL);`);
  db.pragma('user_version = 1');
  const old = { personId: 'anna', rev: 4, presence: 'available', backAt: null, absenceReason: null, updatedAt: NOW.toISOString(), diversion: { to: 'bo', since: NOW.toISOString(), until: null, status: 'active', declinedBy: null } };
  db.prepare('INSERT INTO person_state VALUES (?, ?, ?)').run('anna', 4, JSON.stringify(old));
  db.close();
  const s = new SqliteStore({ file });
  try {
    assert.is(s.schemaVersion, 7);
    const [anna] = s.loadPeople();
    assert.equal(anna, { ...old, status: null, onCall: false, meetingPrompt: null, diversion: { ...old.diversion, source: 'phone' } } as unknown as PersonRecord);
    assert.equal(s.loadDepts(), []);
    assert.is(s.loadDirectory(), null);
    assert.is(s.directoryVersion(), 0);
  } finally {
    s.close();
  }
});

// ---- AS-1..AS-4: messages (migration 3) ----

t('a version-2 database is migrated to the current version: people, departments and directory kept, messages table added; reopened, messages survive', () => {
  const file = inTmp('v2.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE person_state (person_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, body TEXT NOT NULL);
           CREATE TABLE journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, op TEXT NOT NULL, detail TEXT NOT NULL);
           CREATE TABLE dept_state (dept_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, body TEXT NOT NULL);
           CREATE TABLE directory (version INTEGER PRIMARY KEY AUTOINCREMENT, imported_at TEXT NOT NULL, source TEXT NOT NULL, body TEXT NOT NULL);`);
  db.pragma('user_version = 2');
  db.prepare('INSERT INTO person_state VALUES (?, ?, ?)').run('anna', anna().rev, JSON.stringify(anna()));
  db.close();
  const s = new SqliteStore({ file });
  try {
    assert.is(s.schemaVersion, 7);
    assert.equal(s.loadPeople(), [anna()]);
    assert.equal(s.loadMessages(NOW), []);
    s.commit([], [], entry('take-message'), [message('m-1')]);
  } finally {
    s.close();
  }
  const again = store(file);
  assert.equal(again.loadMessages(NOW), [message('m-1')]);
});

/** RT-3: a storm flood broadcast */
t('RT-3: a version-3 database is migrated to 4: messages kept, broadcasts table added; broadcasts survive a reopen (a restart)', () => {
  const file = inTmp('v3.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE person_state (person_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, body TEXT NOT NULL);
           CREATE TABLE journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, op TEXT NOT NULL, detail TEXT NOT NULL);
           CREATE TABLE dept_state (dept_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, body TEXT NOT NULL);
           CREATE TABLE directory (version INTEGER PRIMARY KEY AUTOINCREMENT, imported_at TEXT NOT NULL, source TEXT NOT NULL, body TEXT NOT NULL);
           CREATE TABLE message (message_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, recipient TEXT NOT NULL, status TEXT NOT NULL, updated_at TEXT NOT NULL, body TEXT NOT NULL);`);
  db.pragma('user_version = 3');
  const m = message('m-1');
  db.prepare('INSERT INTO message VALUES (?, ?, ?, ?, ?, ?)').run(m.id, m.rev, m.for, m.status, m.updatedAt, JSON.stringify(m));
  db.close();
  const s = new SqliteStore({ file });
  try {
    assert.is(s.schemaVersion, 7);
    assert.equal(s.loadMessages(NOW), [m]);
    assert.equal(s.loadBroadcasts(), []);
    s.commit([], [], entry('add-broadcast'), [], [storm()]);
  } finally {
    s.close();
  }
  const again = store(file);
  assert.is(again.schemaVersion, 7);
  assert.equal(again.loadBroadcasts(), [storm()]);
  assert.equal(again.journal(1).map((e) => e.op), ['add-broadcast']);
  const row = new Database(file, { readonly: true });
  try {
    assert.equal(row.prepare('SELECT broadcast_id, rev, expires FROM broadcast').all(), [{ broadcast_id: 'stormflod', rev: 1, expires: '2026-11-23T19:00:00.000Z' }]);
  } finally {
    row.close();
  }
});

t.run();
