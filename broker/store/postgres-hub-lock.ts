/**
 * Issue 10, two hubs on one PostgreSQL database without double processing: only the hub that
 * holds a session-level advisory lock is active (MQTT requests, timers, PBX, OTA); the others
 * stand by, asking for the lock every `pollMs`, and the first to get it takes over when the
 * active hub stops, crashes or loses its connection (PostgreSQL frees a session's advisory
 * locks when the session ends).
 *
 * The lock lives on its own connection (not the store's, whose worker may reconnect and so
 * silently drop a session lock). When that connection dies the lock is gone and another hub
 * may already be active: `onLost` tells the hub, which must stop at once instead of running
 * on as a second active hub. A heartbeat (`SELECT 1` every `heartbeatMs`) notices a connection
 * that died without a word; until then, at most one heartbeat's time, two hubs may overlap.
 */
import pg from 'pg';
import { ConfigError } from '../config.js';
import { HUB_LOCK, LOCK_CLASS } from './postgres-schema.js';
import { checkPostgresUrl, redactUrl } from './postgres-store.js';

export interface PostgresHubLockOptions {
  /** the config key `store` (postgres://…) */
  url: string;
  /** how often a standing-by hub asks for the lock (default 1 s) */
  pollMs?: number;
  /** how often the active hub checks its lock connection is alive (default 5 s) */
  heartbeatMs?: number;
  connectTimeoutMs?: number;
  /** called once when this hub starts waiting because another holds the lock (for a log line) */
  onStandby?: () => void;
  /** the lock's second key; tests use their own (default: the hub's) */
  key?: number;
}

export class PostgresHubLock {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private _held = false;
  private released = false;
  private lostListeners: ((reason: string) => void)[] = [];
  private wake: (() => void) | null = null;

  constructor(private readonly opts: PostgresHubLockOptions) {
    checkPostgresUrl(opts.url);
  }

  /** true while this hub is the active one */
  get held(): boolean {
    return this._held;
  }

  /**
   * Resolves when this hub holds the lock (at once when no other hub does). Rejects when the
   * database cannot be reached at first, or when `release()` is called while waiting. A lost
   * connection while waiting is opened again at the next poll.
   */
  async acquire(): Promise<void> {
    if (this._held) return;
    this.released = false;
    const pollMs = this.opts.pollMs ?? 1000;
    let standby = false;
    let everConnected = false;
    for (;;) {
      if (this.released) throw new Error('hub lock: released while waiting for it');
      try {
        const c = await this.connect();
        everConnected = true;
        const r = await c.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [LOCK_CLASS, this.key]);
        if (r.rows[0]?.locked) {
          if (this.released) {
            await c.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, this.key]).catch(() => {});
            throw new Error('hub lock: released while waiting for it');
          }
          this._held = true;
          this.startHeartbeat();
          return;
        }
      } catch (err) {
        if (!everConnected) throw err;
        if (this.released) throw err;
        this.dropClient(); // a lost connection while waiting: try again at the next poll
      }
      if (!standby) {
        standby = true;
        this.opts.onStandby?.();
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, pollMs);
      });
      this.wake = null;
    }
  }

  /** `listener(reason)` runs once when the held lock is lost; returns a function that removes it. */
  onLost(listener: (reason: string) => void): () => void {
    this.lostListeners.push(listener);
    return () => {
      this.lostListeners = this.lostListeners.filter((l) => l !== listener);
    };
  }

  /** Gives the lock up (or stops waiting for it) and closes the connection. */
  async release(): Promise<void> {
    this.released = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wake?.();
    const c = this.client;
    const held = this._held;
    this._held = false;
    this.client = null;
    if (!c) return;
    if (held) await c.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, this.key]).catch(() => {});
    await c.end().catch(() => {});
  }

  private get key(): number {
    return this.opts.key ?? HUB_LOCK;
  }

  private async connect(): Promise<pg.Client> {
    if (this.client) return this.client;
    const c = new pg.Client({ connectionString: this.opts.url, connectionTimeoutMillis: this.opts.connectTimeoutMs ?? 10_000, keepAlive: true, application_name: 'omstil-hub-lock' });
    c.on('error', (err) => this.connectionGone(c, err.message));
    c.on('end', () => this.connectionGone(c, 'the connection ended'));
    try {
      await c.connect();
    } catch (err) {
      c.end().catch(() => {});
      throw new ConfigError(`config store: cannot connect to PostgreSQL at ${redactUrl(this.opts.url)} for the hub lock: ${(err as Error).message}`);
    }
    this.client = c;
    return c;
  }

  private dropClient(): void {
    const c = this.client;
    this.client = null;
    c?.end().catch(() => {});
  }

  private startHeartbeat(): void {
    const c = this.client!;
    const beat = () => {
      this.timer = setTimeout(() => {
        c.query('SELECT 1').then(
          () => {
            if (this._held && this.client === c) beat();
          },
          (err: Error) => this.connectionGone(c, err.message),
        );
      }, this.opts.heartbeatMs ?? 5000);
    };
    beat();
  }

  /** The lock's connection died: while held, the lock is gone (another hub may be active now). */
  private connectionGone(c: pg.Client, reason: string): void {
    if (this.client !== c) return;
    this.client = null;
    c.end().catch(() => {});
    if (!this._held) return; // waiting: the next poll connects again
    this._held = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const l of this.lostListeners.splice(0)) l(`hub lock lost: ${reason}`);
  }
}
