/**
 * SQLite store (better-sqlite3): WAL journal, numbered migrations, synchronous commits.
 * A commit has reached the database file (or its WAL) before `commit` returns, so a
 * request is acknowledged only after its change survives a crash of the process.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DirectoryData } from '../directory/directory.js';
import type { BroadcastRecord } from '../state/broadcast-record.js';
import type { DeptRecord } from '../state/dept-record.js';
import type { MessageRecord } from '../state/message-record.js';
import { normalizeRecord, type PersonRecord } from '../state/person-record.js';
import type { RolloutDevice, RolloutRecord } from '../ota/rollout.js';
import type { CallRecord } from '../stats/call-record.js';
import { OmstilError } from '../../protocol/index.js';
import { CALL_COLUMNS, callFromRow, callToRow, checkCall, utc, type CallRow } from './call-columns.js';
import type { JournalEntry, Store, StoredCredential, StoredDirectory, StoredRollout } from './store.js';

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
  // 2: the policy engine: department state (closures, peaks) and the imported directory
  `CREATE TABLE dept_state (
     dept_id TEXT PRIMARY KEY,
     rev INTEGER NOT NULL,
     body TEXT NOT NULL
   );
   CREATE TABLE directory (
     version INTEGER PRIMARY KEY AUTOINCREMENT,
     imported_at TEXT NOT NULL,
     source TEXT NOT NULL,
     body TEXT NOT NULL
   );`,
  // 3: messages and call-backs (AS-1..AS-4); done ones stay (the audit trail). `recipient`,
  // `status` and `updated_at` repeat the body's fields for the queries.
  `CREATE TABLE message (
     message_id TEXT PRIMARY KEY,
     rev INTEGER NOT NULL,
     recipient TEXT NOT NULL,
     status TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     body TEXT NOT NULL
   );
   CREATE INDEX message_by_status ON message (status, updated_at);
   CREATE INDEX message_by_recipient ON message (recipient);`,
  // 4: crisis broadcasts (RT-3); every one is kept (who announced what, when). `expires`
  // repeats the body's field (ISO instant in UTC) for queries.
  `CREATE TABLE broadcast (
     broadcast_id TEXT PRIMARY KEY,
     rev INTEGER NOT NULL,
     expires TEXT NOT NULL,
     body TEXT NOT NULL
   );`,
  // 5: OTA rollouts (issue 8): the rollout (its order and stages) and every device's state in
  // it, so a restarted hub carries on. `state` repeats the body's field for queries.
  `CREATE TABLE ota_rollout (
     rollout_id TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     created_at TEXT NOT NULL,
     body TEXT NOT NULL
   );
   CREATE TABLE ota_device (
     rollout_id TEXT NOT NULL,
     device_id TEXT NOT NULL,
     state TEXT NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (rollout_id, device_id)
   );`,
  // 6: statistics (ST-1). `call`: every finished call, one row per PBX call id, in columns (no
  // JSON to parse: a quarter's 100,000 rows are read in one pass); instants are ISO in UTC so
  // text order is time order. `message.taken_at` (the body's takenAt, ISO in UTC) and
  // `journal (at)` let a quarter's messages and diversions be found without a scan.
  `CREATE TABLE call (
     call_id TEXT PRIMARY KEY,
     offered_at TEXT NOT NULL,
     number TEXT NOT NULL,
     dept_id TEXT,
     fn TEXT,
     person_id TEXT,
     answered_at TEXT,
     ended_at TEXT NOT NULL,
     wait_s REAL NOT NULL,
     outcome TEXT NOT NULL,
     answered_by TEXT,
     transfers INTEGER NOT NULL,
     met_unavailable INTEGER NOT NULL,
     inside_hours INTEGER NOT NULL
   );
   CREATE INDEX call_by_offered ON call (offered_at);
   ALTER TABLE message ADD COLUMN taken_at TEXT;
   UPDATE message SET taken_at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(body, '$.takenAt')), json_extract(body, '$.takenAt'));
   CREATE INDEX message_by_taken ON message (taken_at);
   CREATE INDEX journal_by_at ON journal (at);`,
  // 7: per-device credentials (issue 10): the SHA-256 of each device's token, never the token;
  // a revoked one stays (revoked_at set) until the device is provisioned again.
  `CREATE TABLE device_credential (
     device_id TEXT PRIMARY KEY,
     token_hash TEXT NOT NULL,
     issued_at TEXT NOT NULL,
     revoked_at TEXT
   );`,
];

/** The `call` table's columns in the order `calls()` reads them. */


export interface SqliteStoreOptions {
  /** file path, or ':memory:' */
  file: string;
  /** 'full' syncs the WAL on every commit (survives power loss); 'normal' survives a process crash. */
  synchronous?: 'full' | 'normal';
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly upsertDept: Database.Statement;
  private readonly upsertMessage: Database.Statement;
  private readonly upsertBroadcast: Database.Statement;
  private readonly append: Database.Statement;
  private readonly upsertRollout: Database.Statement;
  private readonly upsertOtaDevice: Database.Statement;
  private readonly upsertCall: Database.Statement;

  /** where the database lives (':memory:' for none) */
  readonly file: string;

  constructor(opts: SqliteStoreOptions) {
    this.file = opts.file === ':memory:' ? opts.file : path.resolve(opts.file);
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
    this.upsertDept = this.db.prepare(
      'INSERT INTO dept_state (dept_id, rev, body) VALUES (?, ?, ?) ON CONFLICT(dept_id) DO UPDATE SET rev = excluded.rev, body = excluded.body',
    );
    this.upsertMessage = this.db.prepare(
      'INSERT INTO message (message_id, rev, recipient, status, updated_at, taken_at, body) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(message_id) DO UPDATE SET rev = excluded.rev, recipient = excluded.recipient, status = excluded.status, updated_at = excluded.updated_at, taken_at = excluded.taken_at, body = excluded.body',
    );
    this.upsertBroadcast = this.db.prepare(
      'INSERT INTO broadcast (broadcast_id, rev, expires, body) VALUES (?, ?, ?, ?) ON CONFLICT(broadcast_id) DO UPDATE SET rev = excluded.rev, expires = excluded.expires, body = excluded.body',
    );
    this.append = this.db.prepare('INSERT INTO journal (at, actor, op, detail) VALUES (?, ?, ?, ?)');
    this.upsertRollout = this.db.prepare(
      'INSERT INTO ota_rollout (rollout_id, state, created_at, body) VALUES (?, ?, ?, ?) ON CONFLICT(rollout_id) DO UPDATE SET state = excluded.state, body = excluded.body',
    );
    this.upsertOtaDevice = this.db.prepare(
      'INSERT INTO ota_device (rollout_id, device_id, state, body) VALUES (?, ?, ?, ?) ON CONFLICT(rollout_id, device_id) DO UPDATE SET state = excluded.state, body = excluded.body',
    );
    this.upsertCall = this.db.prepare(`INSERT OR REPLACE INTO call (${CALL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
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
    return rows.map((r) => normalizeRecord(JSON.parse(r.body) as PersonRecord));
  }

  loadDepts(): DeptRecord[] {
    const rows = this.db.prepare('SELECT body FROM dept_state ORDER BY dept_id').all() as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as DeptRecord);
  }

  loadMessages(doneSince: Date): MessageRecord[] {
    const rows = this.db.prepare("SELECT body FROM message WHERE status != 'done' OR updated_at >= ? ORDER BY message_id").all(doneSince.toISOString()) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as MessageRecord);
  }

  message(id: string): MessageRecord | null {
    const row = this.db.prepare('SELECT body FROM message WHERE message_id = ?').get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as MessageRecord) : null;
  }

  loadBroadcasts(): BroadcastRecord[] {
    const rows = this.db.prepare('SELECT body FROM broadcast ORDER BY broadcast_id').all() as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as BroadcastRecord);
  }

  commit(people: readonly PersonRecord[], depts: readonly DeptRecord[], entry: JournalEntry, messages: readonly MessageRecord[] = [], broadcasts: readonly BroadcastRecord[] = []): void {
    this.db.transaction(() => {
      for (const r of people) this.upsert.run(r.personId, r.rev, JSON.stringify(r));
      for (const d of depts) this.upsertDept.run(d.deptId, d.rev, JSON.stringify(d));
      // updated_at as an ISO instant in UTC, so `>=` on the text orders it
      for (const m of messages) this.upsertMessage.run(m.id, m.rev, m.for, m.status, utc(m.updatedAt), utc(m.takenAt), JSON.stringify(m));
      for (const b of broadcasts) this.upsertBroadcast.run(b.id, b.rev, new Date(b.expires).toISOString(), JSON.stringify(b));
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

  loadDirectory(): StoredDirectory | null {
    const row = this.db.prepare('SELECT version, imported_at, source, body FROM directory ORDER BY version DESC LIMIT 1').get() as
      | { version: number; imported_at: string; source: string; body: string }
      | undefined;
    return row ? { version: row.version, importedAt: row.imported_at, source: row.source, data: JSON.parse(row.body) as DirectoryData } : null;
  }

  directoryVersion(): number {
    const row = this.db.prepare('SELECT max(version) AS v FROM directory').get() as { v: number | null };
    return row.v ?? 0;
  }

  saveDirectory(data: DirectoryData, source: string, at: Date): { version: number; changed: boolean } {
    const body = JSON.stringify(data);
    return this.db.transaction(() => {
      const current = this.db.prepare('SELECT version, body FROM directory ORDER BY version DESC LIMIT 1').get() as { version: number; body: string } | undefined;
      if (current && current.body === body) return { version: current.version, changed: false };
      const info = this.db.prepare('INSERT INTO directory (imported_at, source, body) VALUES (?, ?, ?)').run(at.toISOString(), source, body);
      this.append.run(at.toISOString(), source, 'import-directory', JSON.stringify({ version: Number(info.lastInsertRowid) }));
      return { version: Number(info.lastInsertRowid), changed: true };
    })();
  }

  loadRollouts(): StoredRollout[] {
    const rows = this.db.prepare('SELECT rollout_id, body FROM ota_rollout ORDER BY created_at, rollout_id').all() as { rollout_id: string; body: string }[];
    const devices = this.db.prepare('SELECT body FROM ota_device WHERE rollout_id = ? ORDER BY device_id');
    return rows.map((r) => ({
      record: JSON.parse(r.body) as RolloutRecord,
      devices: (devices.all(r.rollout_id) as { body: string }[]).map((d) => JSON.parse(d.body) as RolloutDevice),
    }));
  }

  saveRollout(record: RolloutRecord, devices: readonly RolloutDevice[], entry?: JournalEntry): void {
    this.db.transaction(() => {
      this.upsertRollout.run(record.id, record.state, record.createdAt, JSON.stringify(record));
      for (const d of devices) this.upsertOtaDevice.run(record.id, d.deviceId, d.state, JSON.stringify(d));
      if (entry) this.append.run(entry.at, entry.actor, entry.op, JSON.stringify(entry.detail ?? null));
    })();
  }

  saveCall(c: CallRecord): void {
    checkCall(c);
    this.upsertCall.run(...callToRow(c, (b) => (b ? 1 : 0)));
  }

  /**
   * Streams the rows of an open query: nothing else may use this connection until the
   * iteration ends (better-sqlite3), so read it to the end (or break) before writing.
   */
  *calls(from: Date, to: Date): Iterable<CallRecord> {
    const stmt = this.db.prepare(`SELECT ${CALL_COLUMNS} FROM call WHERE offered_at >= ? AND offered_at < ? ORDER BY offered_at, call_id`).raw(true);
    for (const r of stmt.iterate(from.toISOString(), to.toISOString()) as IterableIterator<CallRow>) {
      yield callFromRow(r);
    }
  }

  messagesTaken(from: Date, to: Date): MessageRecord[] {
    const rows = this.db.prepare('SELECT body FROM message WHERE taken_at >= ? AND taken_at < ? ORDER BY taken_at, message_id').all(from.toISOString(), to.toISOString()) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as MessageRecord);
  }

  journalBetween(from: Date, to: Date, ops: readonly string[]): JournalEntry[] {
    if (!ops.length) return [];
    const rows = this.db
      .prepare(`SELECT at, actor, op, detail FROM journal WHERE at >= ? AND at < ? AND op IN (${ops.map(() => '?').join(', ')}) ORDER BY at, seq`)
      .all(from.toISOString(), to.toISOString(), ...ops) as { at: string; actor: string; op: string; detail: string }[];
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown }));
  }

  issueCredential(deviceId: string, tokenHash: string, at: Date, actor = 'admin:api'): void {
    const when = at.toISOString();
    this.db.transaction(() => {
      const before = this.db.prepare('SELECT 1 FROM device_credential WHERE device_id = ?').get(deviceId);
      this.db
        .prepare('INSERT INTO device_credential (device_id, token_hash, issued_at, revoked_at) VALUES (?, ?, ?, NULL) ON CONFLICT(device_id) DO UPDATE SET token_hash = excluded.token_hash, issued_at = excluded.issued_at, revoked_at = NULL')
        .run(deviceId, tokenHash, when);
      // never the token or its hash in the journal
      this.append.run(when, actor, 'provision-device', JSON.stringify({ device: deviceId, rotated: before !== undefined }));
    })();
  }

  revokeCredential(deviceId: string, at: Date, actor = 'admin:api'): boolean {
    const when = at.toISOString();
    return this.db.transaction(() => {
      const info = this.db.prepare('UPDATE device_credential SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL').run(when, deviceId);
      if (info.changes === 0) return false;
      this.append.run(when, actor, 'revoke-device', JSON.stringify({ device: deviceId }));
      return true;
    })();
  }

  loadCredentials(): StoredCredential[] {
    const rows = this.db.prepare('SELECT device_id, token_hash, issued_at, revoked_at FROM device_credential ORDER BY device_id').all() as {
      device_id: string;
      token_hash: string;
      issued_at: string;
      revoked_at: string | null;
    }[];
    return rows.map((r) => ({ deviceId: r.device_id, tokenHash: r.token_hash, issuedAt: r.issued_at, revokedAt: r.revoked_at }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
