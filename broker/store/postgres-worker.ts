/**
 * The PostgreSQL store's worker thread (see postgres-store.ts for why there is one): holds the
 * `pg` connections of every PostgresStore in the process (one each, by number) and runs the
 * statements they send, one at a time. The sending thread blocks in `Atomics.wait` on
 * `signal[0]` until this thread has posted the reply and set it to 1.
 *
 * A lost connection is opened again before the next statement, except inside a transaction:
 * then every statement fails until the store ends the transaction with a rollback, so no
 * statement of a transaction can run outside it on a new connection.
 *
 * Imports nothing of omstil: rollup bundles it alone as dist/cli/postgres-worker.js.
 */
import pg from 'pg';
import { workerData, type MessagePort } from 'node:worker_threads';

export interface WorkerInit {
  signal: Int32Array;
  port: MessagePort;
}

export interface ConnectionSettings {
  /** the connection URL (postgres://…) */
  url: string;
  /** pg's connect and query time-outs */
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

export type WorkerRequest =
  | { id: number; conn: number; op: 'connect'; settings: ConnectionSettings }
  | { id: number; conn: number; op: 'query'; sql: string; params: unknown[]; name?: string; array?: boolean }
  | { id: number; conn: number; op: 'begin' | 'commit' | 'rollback' | 'close' };

export type WorkerReply =
  | { id: number; ok: true; rows: unknown[]; rowCount: number }
  | { id: number; ok: false; error: { message: string; code?: string; connect?: boolean } };

class Connection {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private inTransaction = false;
  /** the connection died inside a transaction: everything fails until the rollback */
  private lostInTransaction = false;

  constructor(private readonly settings: ConnectionSettings) {}

  open(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const s = this.settings;
      const c = new pg.Client({ connectionString: s.url, connectionTimeoutMillis: s.connectTimeoutMs, query_timeout: s.queryTimeoutMs, keepAlive: true, application_name: 'omstil-hub' });
      // a connection that dies while idle emits 'error': without a listener it would end this thread
      c.on('error', () => this.drop(c));
      c.on('end', () => this.drop(c));
      try {
        await c.connect();
      } catch (err) {
        c.end().catch(() => {});
        throw Object.assign(err as Error, { connectFailed: true });
      }
      this.client = c;
      return c;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private drop(c: pg.Client): void {
    if (this.client !== c) return;
    this.client = null;
    if (this.inTransaction) this.lostInTransaction = true;
  }

  /** The connection for the next statement: opened again if it was lost, unless inside a transaction. */
  private usable(): Promise<pg.Client> {
    if (this.lostInTransaction) return Promise.reject(new Error('the connection to PostgreSQL was lost inside a transaction; nothing of it was committed'));
    return this.open();
  }

  async run(msg: WorkerRequest): Promise<{ rows: unknown[]; rowCount: number }> {
    const none = { rows: [], rowCount: 0 };
    switch (msg.op) {
      case 'connect':
        await this.open();
        return none;
      case 'close': {
        const c = this.client;
        this.client = null;
        await c?.end().catch(() => {});
        return none;
      }
      case 'rollback':
        this.inTransaction = false;
        if (this.lostInTransaction) {
          this.lostInTransaction = false; // the server rolled it back when the connection died
          return none;
        }
        if (this.client) await this.client.query('ROLLBACK');
        return none;
      case 'begin': {
        const c = await this.usable();
        await c.query('BEGIN');
        this.inTransaction = true;
        return none;
      }
      case 'commit': {
        const c = await this.usable();
        this.inTransaction = false;
        await c.query('COMMIT');
        return none;
      }
      case 'query': {
        const c = await this.usable();
        const res = await c.query({ text: msg.sql, values: msg.params, ...(msg.name ? { name: msg.name } : {}), ...(msg.array ? { rowMode: 'array' as const } : {}) });
        return { rows: res.rows, rowCount: res.rowCount ?? 0 };
      }
    }
  }
}

const connections = new Map<number, Connection>();

async function handle(msg: WorkerRequest): Promise<{ rows: unknown[]; rowCount: number }> {
  if (msg.op === 'connect') connections.set(msg.conn, new Connection(msg.settings));
  const conn = connections.get(msg.conn);
  if (!conn) throw new Error(`connection ${msg.conn} is closed`);
  try {
    return await conn.run(msg);
  } finally {
    if (msg.op === 'close') connections.delete(msg.conn);
  }
}

const init = workerData as WorkerInit | null;
if (init?.port) {
  const { port, signal } = init;
  port.on('message', (msg: WorkerRequest) => {
    void handle(msg)
      .then(
        (res): WorkerReply => ({ id: msg.id, ok: true, ...res }),
        (err: Error & { code?: unknown; connectFailed?: boolean }): WorkerReply => ({
          id: msg.id,
          ok: false,
          error: { message: err.message || String(err), ...(typeof err.code === 'string' ? { code: err.code } : {}), ...(err.connectFailed ? { connect: true } : {}) },
        }),
      )
      .then((reply) => {
        port.postMessage(reply);
        Atomics.store(signal, 0, 1);
        Atomics.notify(signal, 0);
      });
  });
}
