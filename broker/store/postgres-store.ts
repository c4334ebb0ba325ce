/**
 * PostgreSQL store (issue 10: `store: postgres://…`), the same port and the same facts as
 * SqliteStore, so two hubs can share one database (one active, see postgres-hub-lock.ts).
 *
 * Why synchronous, through a worker thread: the `Store` port is synchronous, like
 * better-sqlite3, and the hub relies on it: a request is acknowledged only after `commit`
 * returned, and the hub, the OTA service, the CLI and the tests call the store without
 * awaiting. `pg` is asynchronous, so it runs in a worker thread (postgres-worker.ts) and this
 * thread blocks in `Atomics.wait` until the worker replies. A commit therefore blocks the
 * hub's event loop until PostgreSQL has it, just as SQLite's fsync does. synckit's
 * `createSyncFn` does the same, but keeps one worker per file for the whole process with one
 * time-out for all callers, and from source under tsx on Node 20 its TypeScript worker never
 * answers (tried: `createSyncFn(…, { tsRunner: 'tsx' })` timed out: Node 20 does not hand tsx's
 * loader to a worker); BlockingWorker below does what the store needs, registering tsx in the
 * worker itself when it runs from source.
 *
 * What it costs, measured on a shared 2-core machine (bench/store.ts: 2,000 commits of one person
 * and its journal entry; PostgreSQL 15 on loopback, fsync on; two runs): commit p50 1.2-1.9 ms,
 * p99 23-27 ms, against SQLite (WAL, synchronous FULL) p50 0.25-0.30 ms, p99 8-29 ms: the p99s
 * are the disk's flush; the p50 is PostgreSQL's round trip and WAL write. The thread hop itself
 * is 0.02-0.05 ms (an echo worker); a trivial SELECT took 0.6-0.9 ms with `pg` awaited directly and
 * 0.9-1.9 ms through the worker (scheduling of three threads on two cores). A commit is one
 * statement (data-modifying CTEs over unnest()ed arrays), so one round trip whatever it holds; the
 * rare multi-step writes (directory, rollouts, credentials) are transactions over a few calls.
 *
 * If the worker does not answer within `waitTimeoutMs` (PostgreSQL gone without a word), the
 * call throws and the store refuses every later call: the hub must not guess what was written.
 * A connection lost between calls is opened again on the next one (not inside a transaction).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { DirectoryData } from '../directory/directory.js';
import type { BroadcastRecord } from '../state/broadcast-record.js';
import type { DeptRecord } from '../state/dept-record.js';
import type { MessageRecord } from '../state/message-record.js';
import { normalizeRecord, type PersonRecord } from '../state/person-record.js';
import type { RolloutDevice, RolloutRecord } from '../ota/rollout.js';
import type { CallRecord } from '../stats/call-record.js';
import { ConfigError } from '../config.js';
import { OmstilError } from '../../protocol/index.js';
import { CALL_COLUMNS, callFromRow, callToRow, checkCall, utc, type CallRow } from './call-columns.js';
import type { JournalEntry, Store, StoredCredential, StoredDirectory, StoredRollout } from './store.js';
import { LOCK_CLASS, MIGRATION_LOCK, PG_MIGRATIONS, PG_SCHEMA_TABLE } from './postgres-schema.js';
import type { ConnectionSettings, WorkerInit, WorkerReply, WorkerRequest } from './postgres-worker.js';

export interface PostgresStoreOptions {
  /** postgres:// or postgresql:// URL (the config key `store`) */
  url: string;
  /** rows per page when `calls()` streams (keyset pagination) */
  pageSize?: number;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  /** how long this thread waits for the worker before the store gives up on the connection */
  waitTimeoutMs?: number;
}

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}

/** Checks the config key `store` holds a usable PostgreSQL URL; throws ConfigError naming it. */
export function checkPostgresUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`config store: not a valid URL: ${redactUrl(url)} (expected postgres://user:password@host:5432/database)`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new ConfigError(`config store: must be 'sqlite' or a postgres:// URL, got ${redactUrl(url)}`);
  if (!u.hostname && !u.searchParams.get('host')) throw new ConfigError(`config store: ${redactUrl(url)} names no host (postgres://user:password@host:5432/database)`);
  if (u.port && !(Number(u.port) >= 1 && Number(u.port) <= 65535)) throw new ConfigError(`config store: ${redactUrl(url)}: port must be 1-65535`);
}

/** A request without its id (given when it is sent), and without the connection (given by the store). */
type RequestBody = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
type Op = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id' | 'conn'> : never) : never;

/**
 * The worker thread shared by every PostgresStore of the process (one connection each): started
 * once, since loading it costs 50-600 ms (the TypeScript source under tsx), and never keeping the
 * process alive. A request blocks this thread until the worker answers or `timeoutMs` passes;
 * after a time-out the worker is abandoned (the next store starts a new one).
 */
class BlockingWorker {
  private static current: BlockingWorker | null = null;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  private nextConn = 1;
  private dead = false;

  static shared(): BlockingWorker {
    if (!BlockingWorker.current || BlockingWorker.current.dead) BlockingWorker.current = new BlockingWorker();
    return BlockingWorker.current;
  }

  private constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const init: WorkerInit = { signal: this.signal, port: port2 };
    const here = import.meta.url;
    if (here.endsWith('.ts')) {
      // from source (tsx): Node 20 does not pass tsx's loader on to a worker, so the worker registers it first
      const tsx = import.meta.resolve('tsx/esm/api');
      const source = new URL('./postgres-worker.ts', here).href;
      const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(source)});`;
      this.worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: init, transferList: [port2] });
    } else {
      // the rollup bundle: dist/cli/postgres-worker.js beside omstil.js
      const file = new URL('./postgres-worker.js', here);
      if (!existsSync(fileURLToPath(file))) throw new Error(`PostgreSQL store: its worker ${fileURLToPath(file)} is missing (built without it?)`);
      this.worker = new Worker(file, { workerData: init, transferList: [port2] });
    }
    this.worker.unref();
    this.port.unref();
    // a worker that fails shows as a time-out to the caller; an 'error' event without a listener would end the process
    this.worker.on('error', () => {
      this.dead = true;
    });
  }

  connection(): number {
    return this.nextConn++;
  }

  /** Sends one request and blocks until the worker answers; throws after `timeoutMs`. */
  request(req: RequestBody, timeoutMs: number): WorkerReply {
    if (this.dead) throw new Error('the worker thread is gone');
    const id = this.nextId++;
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage({ ...req, id } as WorkerRequest);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = receiveMessageOnPort(this.port) as { message: WorkerReply } | undefined;
      if (got && got.message.id === id) return got.message;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.dead = true;
        void this.worker.terminate();
        throw new Error(`no answer within ${timeoutMs} ms`);
      }
      Atomics.wait(this.signal, 0, 0, Math.min(left, 1000));
      Atomics.store(this.signal, 0, 0);
    }
  }
}



/** The last of each key wins, as with SQLite's row-by-row upserts (one statement may not touch a row twice). */
function lastByKey<T>(items: readonly T[], key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const it of items) {
    const k = key(it);
    m.delete(k);
    m.set(k, it);
  }
  return [...m.values()];
}

/** Records, departments, messages, broadcasts and the journal entry in one statement: one round trip, atomic. */
const COMMIT_SQL = `WITH p AS (
    INSERT INTO person_state (person_id, rev, body) SELECT i, r, b::json FROM unnest($1::text[], $2::bigint[], $3::text[]) AS u(i, r, b)
    ON CONFLICT (person_id) DO UPDATE SET rev = excluded.rev, body = excluded.body
  ), d AS (
    INSERT INTO dept_state (dept_id, rev, body) SELECT i, r, b::json FROM unnest($4::text[], $5::bigint[], $6::text[]) AS u(i, r, b)
    ON CONFLICT (dept_id) DO UPDATE SET rev = excluded.rev, body = excluded.body
  ), m AS (
    INSERT INTO message (message_id, rev, recipient, status, updated_at, taken_at, body)
    SELECT i, r, f, s, ua, ta, b::json FROM unnest($7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[]) AS u(i, r, f, s, ua, ta, b)
    ON CONFLICT (message_id) DO UPDATE SET rev = excluded.rev, recipient = excluded.recipient, status = excluded.status, updated_at = excluded.updated_at, taken_at = excluded.taken_at, body = excluded.body
  ), b AS (
    INSERT INTO broadcast (broadcast_id, rev, expires, body) SELECT i, r, e, b::json FROM unnest($14::text[], $15::bigint[], $16::text[], $17::text[]) AS u(i, r, e, b)
    ON CONFLICT (broadcast_id) DO UPDATE SET rev = excluded.rev, expires = excluded.expires, body = excluded.body
  )
  INSERT INTO journal (at, actor, op, detail) VALUES ($18, $19, $20, $21::json)`;

const APPEND_SQL = 'INSERT INTO journal (at, actor, op, detail) VALUES ($1, $2, $3, $4::json)';

export class PostgresStore implements Store {
  /** where the data lives, password hidden (the hub prints it as its database) */
  readonly file: string;
  private readonly pageSize: number;
  private readonly waitTimeoutMs: number;
  private readonly worker: BlockingWorker;
  private readonly conn: number;
  private closed = false;
  /** why the store gave up (a worker that did not answer) */
  private broken: string | null = null;
  private _schemaVersion = 0;

  constructor(opts: PostgresStoreOptions) {
    checkPostgresUrl(opts.url);
    this.file = redactUrl(opts.url);
    this.pageSize = opts.pageSize ?? 2000;
    const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    const queryTimeoutMs = opts.queryTimeoutMs ?? 30_000;
    this.waitTimeoutMs = opts.waitTimeoutMs ?? connectTimeoutMs + queryTimeoutMs + 5_000;
    this.worker = BlockingWorker.shared();
    this.conn = this.worker.connection();
    const settings: ConnectionSettings = { url: opts.url, connectTimeoutMs, queryTimeoutMs };
    try {
      const r = this.call({ op: 'connect', settings });
      if (!r.ok) {
        const reason = r.error.connect ? 'cannot connect to PostgreSQL at' : 'PostgreSQL refused the connection to';
        throw new ConfigError(`config store: ${reason} ${this.file}: ${r.error.message}`);
      }
      this.migrate();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  get schemaVersion(): number {
    return this._schemaVersion;
  }

  /** Sends one request for this store's connection and blocks until the worker answers. */
  private call(req: Op): WorkerReply {
    if (this.closed) throw new Error('PostgreSQL store: closed');
    if (this.broken) throw new Error(`PostgreSQL store: ${this.broken}`);
    try {
      return this.worker.request({ ...req, conn: this.conn } as RequestBody, this.waitTimeoutMs);
    } catch (err) {
      this.broken = `no answer from PostgreSQL (${this.file}): ${(err as Error).message}; the store stops here`;
      throw new Error(`PostgreSQL store: ${this.broken}`);
    }
  }

  private query<R = Record<string, unknown>>(sql: string, params: unknown[] = [], opts: { name?: string; array?: boolean } = {}): { rows: R[]; rowCount: number } {
    const r = this.call({ op: 'query', sql, params, ...opts });
    if (!r.ok) throw Object.assign(new Error(`PostgreSQL store: ${r.error.message}`), r.error.code ? { code: r.error.code } : {});
    return { rows: r.rows as R[], rowCount: r.rowCount };
  }

  private control(op: 'begin' | 'commit' | 'rollback'): void {
    const r = this.call({ op });
    if (!r.ok) throw Object.assign(new Error(`PostgreSQL store: ${op}: ${r.error.message}`), r.error.code ? { code: r.error.code } : {});
  }

  /** Runs `fn` in a transaction: committed when it returns, rolled back when it throws. */
  private transaction<T>(fn: () => T): T {
    this.control('begin');
    let result: T;
    try {
      result = fn();
    } catch (err) {
      try {
        this.control('rollback');
      } catch {
        /* the first error is the one to report */
      }
      throw err;
    }
    this.control('commit');
    return result;
  }

  private migrate(): void {
    this.transaction(() => {
      this.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, MIGRATION_LOCK]);
      this.query(PG_SCHEMA_TABLE);
      const current = this.query<{ v: number | null }>('SELECT max(version) AS v FROM omstil_schema').rows[0]?.v ?? 0;
      if (current > PG_MIGRATIONS.length) {
        throw new Error(`database schema version ${current} is newer than this omstil (${PG_MIGRATIONS.length}); refusing to touch it (${this.file})`);
      }
      for (let v = current; v < PG_MIGRATIONS.length; v++) {
        try {
          this.query(PG_MIGRATIONS[v]!);
        } catch (err) {
          // e.g. a role that may not create tables: nothing of the migration stays (one transaction)
          throw new Error(`PostgreSQL store (${this.file}): migrating to schema version ${v + 1} failed, nothing changed: ${(err as Error).message.replace(/^PostgreSQL store: /, '')}`);
        }
        this.query('INSERT INTO omstil_schema (version) VALUES ($1)', [v + 1]);
      }
      this._schemaVersion = PG_MIGRATIONS.length;
    });
  }

  loadPeople(): PersonRecord[] {
    return this.bodies('SELECT body::text AS body FROM person_state ORDER BY person_id').map((b) => normalizeRecord(b as PersonRecord));
  }

  loadDepts(): DeptRecord[] {
    return this.bodies('SELECT body::text AS body FROM dept_state ORDER BY dept_id') as DeptRecord[];
  }

  loadMessages(doneSince: Date): MessageRecord[] {
    return this.bodies("SELECT body::text AS body FROM message WHERE status <> 'done' OR updated_at >= $1 ORDER BY message_id", [doneSince.toISOString()]) as MessageRecord[];
  }

  message(id: string): MessageRecord | null {
    return (this.bodies('SELECT body::text AS body FROM message WHERE message_id = $1', [id])[0] as MessageRecord | undefined) ?? null;
  }

  loadBroadcasts(): BroadcastRecord[] {
    return this.bodies('SELECT body::text AS body FROM broadcast ORDER BY broadcast_id') as BroadcastRecord[];
  }

  /** JSON travels as text and is parsed here, as in SqliteStore (a string crosses the thread cheaper than an object). */
  private bodies(sql: string, params: unknown[] = []): unknown[] {
    return this.query<[string]>(sql, params, { array: true }).rows.map((r) => JSON.parse(r[0]) as unknown);
  }

  commit(people: readonly PersonRecord[], depts: readonly DeptRecord[], entry: JournalEntry, messages: readonly MessageRecord[] = [], broadcasts: readonly BroadcastRecord[] = []): void {
    // everything is serialized before anything is sent: a record that cannot be written leaves nothing written
    const p = lastByKey(people, (r) => r.personId);
    const d = lastByKey(depts, (r) => r.deptId);
    const m = lastByKey(messages, (r) => r.id);
    const b = lastByKey(broadcasts, (r) => r.id);
    const params: unknown[] = [
      p.map((r) => r.personId),
      p.map((r) => r.rev),
      p.map((r) => JSON.stringify(r)),
      d.map((r) => r.deptId),
      d.map((r) => r.rev),
      d.map((r) => JSON.stringify(r)),
      m.map((r) => r.id),
      m.map((r) => r.rev),
      m.map((r) => r.for),
      m.map((r) => r.status),
      // updated_at and taken_at as ISO instants in UTC, so `>=` on the text orders them
      m.map((r) => utc(r.updatedAt)),
      m.map((r) => utc(r.takenAt)),
      m.map((r) => JSON.stringify(r)),
      b.map((r) => r.id),
      b.map((r) => r.rev),
      b.map((r) => new Date(r.expires).toISOString()),
      b.map((r) => JSON.stringify(r)),
      entry.at,
      entry.actor,
      entry.op,
      JSON.stringify(entry.detail ?? null),
    ];
    this.query(COMMIT_SQL, params, { name: 'omstil-commit' });
  }

  journal(limit: number): JournalEntry[] {
    // SQLite reads a negative LIMIT as none
    const rows = this.query<[string, string, string, string]>('SELECT at, actor, op, detail::text FROM journal ORDER BY seq DESC LIMIT $1', [limit < 0 ? null : limit], { array: true }).rows;
    return rows.map(([at, actor, op, detail]) => ({ at, actor, op, detail: JSON.parse(detail) as unknown }));
  }

  loadDirectory(): StoredDirectory | null {
    const row = this.query<[number, string, string, string]>('SELECT version, imported_at, source, body::text FROM directory ORDER BY version DESC LIMIT 1', [], { array: true }).rows[0];
    return row ? { version: row[0], importedAt: row[1], source: row[2], data: JSON.parse(row[3]) as DirectoryData } : null;
  }

  directoryVersion(): number {
    return this.query<[number | null]>('SELECT max(version) FROM directory', [], { array: true }).rows[0]?.[0] ?? 0;
  }

  saveDirectory(data: DirectoryData, source: string, at: Date): { version: number; changed: boolean } {
    const body = JSON.stringify(data);
    return this.transaction(() => {
      // one import at a time (the hub and `omstil import` may both write): readers are not blocked
      this.query('LOCK TABLE directory IN EXCLUSIVE MODE');
      const current = this.query<[number, boolean]>('SELECT version, body::text = $1 FROM directory ORDER BY version DESC LIMIT 1', [body], { array: true }).rows[0];
      if (current && current[1]) return { version: current[0], changed: false };
      const version = (current?.[0] ?? 0) + 1;
      this.query('INSERT INTO directory (version, imported_at, source, body) VALUES ($1, $2, $3, $4::json)', [version, at.toISOString(), source, body]);
      this.query(APPEND_SQL, [at.toISOString(), source, 'import-directory', JSON.stringify({ version })]);
      return { version, changed: true };
    });
  }

  loadRollouts(): StoredRollout[] {
    const rollouts = this.query<[string, string]>('SELECT rollout_id, body::text FROM ota_rollout ORDER BY created_at, rollout_id', [], { array: true }).rows;
    if (!rollouts.length) return [];
    const devices = this.query<[string, string]>('SELECT rollout_id, body::text FROM ota_device ORDER BY rollout_id, device_id', [], { array: true }).rows;
    const byRollout = new Map<string, RolloutDevice[]>();
    for (const [id, body] of devices) {
      const list = byRollout.get(id) ?? [];
      list.push(JSON.parse(body) as RolloutDevice);
      byRollout.set(id, list);
    }
    return rollouts.map(([id, body]) => ({ record: JSON.parse(body) as RolloutRecord, devices: byRollout.get(id) ?? [] }));
  }

  saveRollout(record: RolloutRecord, devices: readonly RolloutDevice[], entry?: JournalEntry): void {
    const dev = lastByKey(devices, (d) => d.deviceId);
    const params = [record.id, record.state, record.createdAt, JSON.stringify(record), dev.map((d) => d.deviceId), dev.map((d) => d.state), dev.map((d) => JSON.stringify(d))];
    const journal = entry ? [entry.at, entry.actor, entry.op, JSON.stringify(entry.detail ?? null)] : null;
    this.transaction(() => {
      this.query(
        `WITH r AS (
           INSERT INTO ota_rollout (rollout_id, state, created_at, body) VALUES ($1, $2, $3, $4::json)
           ON CONFLICT (rollout_id) DO UPDATE SET state = excluded.state, body = excluded.body
         )
         INSERT INTO ota_device (rollout_id, device_id, state, body) SELECT $1, i, s, b::json FROM unnest($5::text[], $6::text[], $7::text[]) AS u(i, s, b)
         ON CONFLICT (rollout_id, device_id) DO UPDATE SET state = excluded.state, body = excluded.body`,
        params,
        { name: 'omstil-save-rollout' },
      );
      if (journal) this.query(APPEND_SQL, journal);
    });
  }

  saveCall(c: CallRecord): void {
    checkCall(c);
    this.query(
      `INSERT INTO call (${CALL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (call_id) DO UPDATE SET offered_at = excluded.offered_at, number = excluded.number, dept_id = excluded.dept_id, fn = excluded.fn,
         person_id = excluded.person_id, answered_at = excluded.answered_at, ended_at = excluded.ended_at, wait_s = excluded.wait_s, outcome = excluded.outcome,
         answered_by = excluded.answered_by, transfers = excluded.transfers, met_unavailable = excluded.met_unavailable, inside_hours = excluded.inside_hours`,
      callToRow(c, (b) => b),
      { name: 'omstil-save-call' },
    );
  }

  /**
   * Streams in pages of `pageSize` rows (keyset pagination on (offered_at, call_id), not an
   * OFFSET and not one result of 100,000 rows). Each page is its own query, so writing between
   * pages is allowed; a call saved meanwhile appears if it sorts after the page read last.
   */
  *calls(from: Date, to: Date): Iterable<CallRecord> {
    const range = [from.toISOString(), to.toISOString()];
    let after: [string, string] | null = null;
    for (;;) {
      const rows: CallRow[] = after
        ? this.query<CallRow>(
            `SELECT ${CALL_COLUMNS} FROM call WHERE offered_at < $2 AND (offered_at, call_id) > ($3, $4) AND offered_at >= $1 ORDER BY offered_at, call_id LIMIT $5`,
            [...range, after[0], after[1], this.pageSize],
            { array: true, name: 'omstil-calls-next' },
          ).rows
        : this.query<CallRow>(`SELECT ${CALL_COLUMNS} FROM call WHERE offered_at >= $1 AND offered_at < $2 ORDER BY offered_at, call_id LIMIT $3`, [...range, this.pageSize], {
            array: true,
            name: 'omstil-calls-first',
          }).rows;
      for (const r of rows) {
        yield callFromRow(r);
      }
      if (rows.length < this.pageSize) return;
      const last = rows[rows.length - 1]!;
      after = [last[1], last[0]];
    }
  }

  messagesTaken(from: Date, to: Date): MessageRecord[] {
    return this.bodies('SELECT body::text FROM message WHERE taken_at >= $1 AND taken_at < $2 ORDER BY taken_at, message_id', [from.toISOString(), to.toISOString()]) as MessageRecord[];
  }

  journalBetween(from: Date, to: Date, ops: readonly string[]): JournalEntry[] {
    if (!ops.length) return [];
    const rows = this.query<[string, string, string, string]>(
      'SELECT at, actor, op, detail::text FROM journal WHERE at >= $1 AND at < $2 AND op = ANY($3::text[]) ORDER BY at, seq',
      [from.toISOString(), to.toISOString(), [...ops]],
      { array: true },
    ).rows;
    return rows.map(([at, actor, op, detail]) => ({ at, actor, op, detail: JSON.parse(detail) as unknown }));
  }

  issueCredential(deviceId: string, tokenHash: string, at: Date, actor = 'admin:api'): void {
    const when = at.toISOString();
    this.transaction(() => {
      const before = this.query('SELECT 1 FROM device_credential WHERE device_id = $1 FOR UPDATE', [deviceId]).rowCount > 0;
      this.query(
        'INSERT INTO device_credential (device_id, token_hash, issued_at, revoked_at) VALUES ($1, $2, $3, NULL) ON CONFLICT (device_id) DO UPDATE SET token_hash = excluded.token_hash, issued_at = excluded.issued_at, revoked_at = NULL',
        [deviceId, tokenHash, when],
      );
      // never the token or its hash in the journal
      this.query(APPEND_SQL, [when, actor, 'provision-device', JSON.stringify({ device: deviceId, rotated: before })]);
    });
  }

  revokeCredential(deviceId: string, at: Date, actor = 'admin:api'): boolean {
    const when = at.toISOString();
    return this.transaction(() => {
      const changed = this.query('UPDATE device_credential SET revoked_at = $1 WHERE device_id = $2 AND revoked_at IS NULL', [when, deviceId]).rowCount;
      if (changed === 0) return false;
      this.query(APPEND_SQL, [when, actor, 'revoke-device', JSON.stringify({ device: deviceId })]);
      return true;
    });
  }

  loadCredentials(): StoredCredential[] {
    const rows = this.query<[string, string, string, string | null]>('SELECT device_id, token_hash, issued_at, revoked_at FROM device_credential ORDER BY device_id', [], { array: true }).rows;
    return rows.map(([deviceId, tokenHash, issuedAt, revokedAt]) => ({ deviceId, tokenHash, issuedAt, revokedAt }));
  }

  close(): void {
    if (this.closed) return;
    if (!this.broken) {
      try {
        this.call({ op: 'close' });
      } catch {
        /* closing anyway */
      }
    }
    this.closed = true;
  }
}
