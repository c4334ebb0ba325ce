/**
 * SQLite store (better-sqlite3): WAL journal, numbered migrations, synchronous commits.
 * A commit has reached the database file (or its WAL) before `commit` returns, so a
 * request is acknowledged only after its change survives a crash of the process.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PersonRecord } from '../state/person-record.js';
import type { JournalEntry, Store } from './store.js';

/** Migrations in order; index + 1 is the schema version (PRAGMA user_version). Never edit one that shipped. */
const MIGRATIONS: string[] = [
  `CREATE TABLE person_state (
     person_id TEXT PRIMARY KEY,
     rev INTEGER NOT NULL,
     body TEXT NOT NULL
   );
   CREATE TABLE journal (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     actor TEXT NOT NULL,
     op TEXT NOT NULL,
     detail TEXT NOT NULL
   );`,
];

export interface SqliteStoreOptions {
  /** file path, or ':memory:' */
  file: string;
  /** 'full' syncs the WAL on every commit (survives power loss); 'normal' survives a process crash. */
  synchronous?: 'full' | 'normal';
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly append: Database.Statement;

  constructor(opts: SqliteStoreOptions) {
    if (opts.file !== ':memory:') mkdirSync(path.dirname(path.resolve(opts.file)), { recursive: true });
    this.db = new Database(opts.file);
    try {
      this.db.pragma('busy_timeout = 5000');
      // before anything that writes: journal_mode = WAL is itself stored in the file
      this.refuseNewer();
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      this.migrate();
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.upsert = this.db.prepare(
      'INSERT INTO person_state (person_id, rev, body) VALUES (?, ?, ?) ON CONFLICT(person_id) DO UPDATE SET rev = excluded.rev, body = excluded.body',
    );
    this.append = this.db.prepare('INSERT INTO journal (at, actor, op, detail) VALUES (?, ?, ?, ?)');
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private refuseNewer(): void {
    const current = this.schemaVersion;
    if (current > MIGRATIONS.length) {
      throw new Error(`database schema version ${current} is newer than this omstil (${MIGRATIONS.length}); refusing to touch it`);
    }
  }

  private migrate(): void {
    const current = this.schemaVersion;
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  loadPeople(): PersonRecord[] {
    const rows = this.db.prepare('SELECT body FROM person_state ORDER BY person_id').all() as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as PersonRecord);
  }

  commit(records: readonly PersonRecord[], entry: JournalEntry): void {
    this.db.transaction(() => {
      for (const r of records) this.upsert.run(r.personId, r.rev, JSON.stringify(r));
      this.append.run(entry.at, entry.actor, entry.op, JSON.stringify(entry.detail ?? null));
    })();
  }

  journal(limit: number): JournalEntry[] {
    const rows = this.db.prepare('SELECT at, actor, op, detail FROM journal ORDER BY seq DESC LIMIT ?').all(limit) as {
      at: string;
      actor: string;
      op: string;
      detail: string;
    }[];
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
