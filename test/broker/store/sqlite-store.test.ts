import { suite } from 'uvu';
import { Directory } from '../../../broker/directory/directory.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../../../broker/store/sqlite-store.js';
import type { JournalEntry } from '../../../broker/store/store.js';
import { initialRecord, revise, type PersonRecord } from '../../../broker/state/person-record.js';

const t = suite('broker/store/sqlite-store');

const NOW = new Date('2026-11-23T09:00:00+01:00');

let tmp = '';
const open: SqliteStore[] = [];
t.before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'omstil-store-'));
});
t.after.each(() => {
  for (const s of open.splice(0)) s.close();
});
t.after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function store(file = ':memory:'): SqliteStore {
  const s = new SqliteStore({ file });
  open.push(s);
  return s;
}

const entry = (op: string, n = 0): JournalEntry => ({ at: new Date(NOW.getTime() + n * 1000).toISOString(), actor: 'phone-anna', op, detail: { n } });

function anna(): PersonRecord {
  return revise(
    initialRecord('anna', NOW),
    { presence: 'absent', backAt: '2026-11-30T08:00:00+01:00', absenceReason: 'kursus', diversion: { to: 'bo', since: NOW.toISOString(), until: null, status: 'active', declinedBy: null, source: 'phone' } },
    NOW,
  );
}

t('a new store runs the migrations: schema version 1, empty', () => {
  const s = store();
  assert.is(s.schemaVersion, 2);
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
  const file = path.join(tmp, 'nested', 'dir', 'omstil.db'); // the directory is created
  const first = new SqliteStore({ file, synchronous: 'normal' });
  first.commit([anna()], [], entry('divert'));
  first.close();
  const again = store(file);
  assert.is(again.schemaVersion, 2);
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
  const file = path.join(tmp, 'closed.db');
  const s = new SqliteStore({ file });
  s.close();
  assert.throws(() => s.commit([anna()], [], entry('divert')));
  s.close();
  const again = store(file);
  assert.equal(again.loadPeople(), []);
});

t('a database with a newer schema version is refused and left untouched', () => {
  const file = path.join(tmp, 'newer.db');
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
  const file = path.join(tmp, 'v1.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE person_state (person_id TEXT PRIMARY KEY, rev INTEGER NOT NULL, body TEXT NOT NULL);
           CREATE TABLE journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, op TEXT NOT NULL, detail TEXT NOT NULL);`);
  db.pragma('user_version = 1');
  const old = { personId: 'anna', rev: 4, presence: 'available', backAt: null, absenceReason: null, updatedAt: NOW.toISOString(), diversion: { to: 'bo', since: NOW.toISOString(), until: null, status: 'active', declinedBy: null } };
  db.prepare('INSERT INTO person_state VALUES (?, ?, ?)').run('anna', 4, JSON.stringify(old));
  db.close();
  const s = new SqliteStore({ file });
  try {
    assert.is(s.schemaVersion, 2);
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

t.run();
