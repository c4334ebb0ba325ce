import { suite } from 'uvu';
import { Directory } from '../../../broker/directory/directory.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import path from 'node:path';
import { SqliteStore } from '../../../broker/store/sqlite-store.js';
import { tempStores } from '../../support/temp-stores.js';
import type { JournalEntry } from '../../../broker/store/store.js';
import { initialRecord, revise, type PersonRecord } from '../../../broker/state/person-record.js';
import type { MessageRecord } from '../../../broker/state/message-record.js';
import type { BroadcastRecord } from '../../../broker/state/broadcast-record.js';

const t = suite('broker/store/sqlite-store');

const NOW = new Date('2026-11-23T09:00:00+01:00');

const { store, file: inTmp } = tempStores(t, 'omstil-store-');

const entry = (op: string, n = 0): JournalEntry => ({ at: new Date(NOW.getTime() + n * 1000).toISOString(), actor: 'phone-anna', op, detail: { n } });

function anna(): PersonRecord {
  return revise(
    initialRecord('anna', NOW),
    { presence: 'absent', backAt: '2026-11-30T08:00:00+01:00', absenceReason: 'kursus', diversion: { to: 'bo', since: NOW.toISOString(), until: null, status: 'active', declinedBy: null, source: 'phone' } },
    NOW,
  );
}

t('a new store runs the migrations: schema version 7, empty', () => {
  const s = store();
  assert.is(s.schemaVersion, 7);
  assert.equal(s.loadPeople(), []);
  assert.equal(s.journal(10), []);
});

t('commit + load round trip: records exactly as written, sorted by person id, latest version only', () => {
  const s = store();
  const a = anna();
  const b = revise(initialRecord('bo', NOW), {}, NOW);
  s.commit([b, a], [], entry('divert'));
  assert.equal(s.loadPeople(), [a, b]);
  const a2 = revise(a, { diversion: null }, NOW);
  s.commit([a2], [], entry('undivert', 1));
  assert.equal(s.loadPeople(), [a2, b]);
});

t('journal: newest first, limited, detail round-trips; a missing detail is stored as null', () => {
  const s = store();
  s.commit([], [], entry('divert', 0));
  s.commit([], [], entry('decline-diversion', 1));
  s.commit([], [], { at: NOW.toISOString(), actor: 'hub', op: 'expire-diversions', detail: undefined });
  assert.equal(s.journal(10), [
    { at: NOW.toISOString(), actor: 'hub', op: 'expire-diversions', detail: null },
    entry('decline-diversion', 1),
    entry('divert', 0),
  ]);
  assert.equal(s.journal(2).map((e) => e.op), ['expire-diversions', 'decline-diversion']);
  assert.equal(s.journal(0), []);
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

t('a commit that fails half-way leaves nothing written (records and journal in one transaction)', () => {
  const s = store();
  const before = anna();
  s.commit([before], [], entry('divert'));
  const bad = { ...initialRecord('bo', NOW), rev: 1 } as PersonRecord;
  Object.defineProperty(bad, 'presence', { enumerable: true, get: () => { throw new Error('boom'); } });
  const a2 = revise(before, { diversion: null }, NOW);
  // a2 is written before the bad record fails
  assert.throws(() => s.commit([a2, bad], [], entry('undivert', 1)), /boom/);
  assert.equal(s.loadPeople(), [before]);
  assert.equal(s.journal(10).map((e) => e.op), ['divert']);
});

t('a journal entry that cannot be written rolls back the records of the same commit', () => {
  const s = store();
  const a = anna();
  assert.throws(() => s.commit([a], [], { ...entry('divert'), detail: { n: 1n } }), /BigInt/);
  assert.equal(s.loadPeople(), []);
  assert.equal(s.journal(10), []);
  // and the store still works afterwards
  s.commit([a], [], entry('divert'));
  assert.equal(s.loadPeople(), [a]);
});

t('a closed store refuses to commit; close twice is harmless', () => {
  const file = inTmp('closed.db');
  const s = new SqliteStore({ file });
  s.close();
  assert.throws(() => s.commit([anna()], [], entry('divert')));
  s.close();
  const again = store(file);
  assert.equal(again.loadPeople(), []);
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

t('RT-1: saving a directory is idempotent: the same data twice is one version', () => {
  const s = new SqliteStore({ file: ':memory:' });
  try {
    const data = Directory.parse(demoDirectory({ peoplePerDept: 2, kiosks: 1 })).data;
    assert.equal(s.saveDirectory(data, 'a.json', NOW), { version: 1, changed: true });
    assert.equal(s.saveDirectory(structuredClone(data), 'a.csv', NOW), { version: 1, changed: false });
    assert.is(s.directoryVersion(), 1);
    const changed = { ...data, municipality: 'Anden Kommune' };
    assert.equal(s.saveDirectory(changed, 'b.json', NOW), { version: 2, changed: true });
    assert.equal(s.loadDirectory()!.data, changed);
    assert.is(s.loadDirectory()!.source, 'b.json');
    assert.equal(s.journal(5).map((e) => e.op), ['import-directory', 'import-directory']);
  } finally {
    s.close();
  }
});

t('department state round-trips with the people in one commit', () => {
  const s = new SqliteStore({ file: ':memory:' });
  try {
    const dept = { deptId: 'familie', rev: 2, closures: [], peaks: [{ id: 'peak-1', from: '2026-12-01', to: '2026-12-02', text: { da: 'Årsopgørelser', en: 'Tax statements' } }], openNow: true, day: '2026-11-23', updatedAt: NOW.toISOString() };
    s.commit([anna()], [dept], entry('add-peak'));
    assert.equal(s.loadDepts(), [dept]);
    assert.equal(s.loadPeople(), [anna()]);
  } finally {
    s.close();
  }
});

// ---- AS-1..AS-4: messages (migration 3) ----

function message(id: string, patch: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id,
    rev: 1,
    for: 'anna',
    askedFor: null,
    callerName: 'Jytte Borger',
    callerNumber: '+45 20 30 40 50',
    text: 'Om ansøgningen',
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

t('AS-1: messages round-trip with their journal entry in one commit; a new revision replaces the old', () => {
  const s = store();
  const m = message('m-1');
  s.commit([], [], entry('take-message'), [m]);
  assert.equal(s.loadMessages(NOW), [m]);
  assert.equal(s.message('m-1'), m);
  assert.is(s.message('m-2'), null);
  const acked = message('m-1', { rev: 2, status: 'acknowledged', history: [...m.history, { at: NOW.toISOString(), status: 'acknowledged', by: 'phone-anna', person: 'anna' }] });
  s.commit([], [], entry('message-status', 1), [acked]);
  assert.equal(s.loadMessages(NOW), [acked]);
  assert.equal(s.journal(5).map((e) => e.op), ['message-status', 'take-message']);
});

t('AS-4: done messages are kept (the audit trail); loading skips those done before the cut-off', () => {
  const s = store();
  const later = new Date(NOW.getTime() + 8 * 86_400_000);
  const open = message('m-open');
  const doneLongAgo = message('m-old', { status: 'done', rev: 2, updatedAt: NOW.toISOString() });
  const doneRecently = message('m-new', { status: 'done', rev: 2, updatedAt: new Date(later.getTime() - 1000).toISOString() });
  // an offset time is stored as UTC, so the text comparison still orders it
  const doneOffset = message('m-off', { status: 'done', rev: 2, updatedAt: '2026-12-01T09:00:00+01:00' });
  s.commit([], [], entry('x'), [open, doneLongAgo, doneRecently, doneOffset]);
  const cutoff = new Date(later.getTime() - 86_400_000);
  assert.equal(s.loadMessages(cutoff).map((m) => m.id), ['m-new', 'm-off', 'm-open']);
  assert.equal(s.loadMessages(NOW).map((m) => m.id), ['m-new', 'm-off', 'm-old', 'm-open']);
  assert.equal(s.message('m-old'), doneLongAgo, 'still stored');
});

t('AS-1: a commit that fails leaves no message written either', () => {
  const s = store();
  assert.throws(() => s.commit([], [], { ...entry('take-message'), detail: { n: 1n } }, [message('m-1')]), /BigInt/);
  assert.equal(s.loadMessages(NOW), []);
});

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
function storm(patch: Partial<BroadcastRecord> = {}): BroadcastRecord {
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

t('RT-3: broadcasts round-trip with their journal entry in one commit; a new revision replaces the old; the expiry column is UTC', () => {
  const s = store();
  assert.equal(s.loadBroadcasts(), []);
  s.commit([], [], entry('add-broadcast'), [], [storm()]);
  assert.equal(s.loadBroadcasts(), [storm()]);
  const ended = storm({ rev: 2, expires: '2026-11-23T09:30:00.000Z', endedEarly: true });
  s.commit([], [], entry('end-broadcast', 1), [], [ended]);
  assert.equal(s.loadBroadcasts(), [ended]);
  assert.equal(s.journal(5).map((e) => e.op), ['end-broadcast', 'add-broadcast']);
  s.commit([], [], entry('add-broadcast', 2), [], [storm({ id: 'vand', text: { da: 'Kog drikkevandet.' } })]);
  assert.equal(s.loadBroadcasts().map((b) => [b.id, b.rev]), [['stormflod', 2], ['vand', 1]]);
});

t('RT-3: a commit that fails writes no broadcast either (records, broadcasts and journal in one transaction)', () => {
  const s = store();
  assert.throws(() => s.commit([anna()], [], { ...entry('add-broadcast'), detail: { n: 1n } }, [], [storm()]), /BigInt/);
  assert.equal(s.loadBroadcasts(), []);
  assert.equal(s.loadPeople(), []);
});

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
