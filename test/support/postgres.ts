/**
 * A throwaway PostgreSQL 15 cluster for tests and the bench: initdb in a temporary folder, the
 * server on a free loopback port (and a socket in the same folder), trust authentication for
 * the user `omstil`. Built for speed, not safety: `fsync=off` and `full_page_writes=off`
 * (the server's crash safety is not what the tests check; a killed *hub* loses nothing, since a
 * commit has reached the server before it returns). `synchronous_commit` stays on. The bench
 * asks for `durable` (fsync on, as in production) to measure what a commit costs.
 *
 * PostgreSQL refuses to run as root: under uid 0 (CI) initdb and the server run as the
 * `postgres` system user (the folder is chowned to it). The server is started through
 * `setpriv --pdeathsig KILL` when there is one, so it dies with the test process even on a
 * kill -9; on a normal exit an exit hook kills it too. `stop()` shuts it down and removes the
 * folder.
 *
 * Binaries: `pg_config --bindir`, else /usr/lib/postgresql/15/bin (Debian's postgresql-15; not
 * on PATH). Missing: null after a skip message, or a failure with REQUIRE_SYSTEM_DEPS=1.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './hub-process.js';
import { findBinary, REQUIRED } from './system-deps.js';

export interface TestPostgres {
  /** the cluster's `postgres` database, as user omstil */
  url: string;
  /** the server's port on 127.0.0.1 */
  port: number;
  /** creates a fresh database and returns its URL */
  createDatabase(name: string): Promise<string>;
  /** shuts the server down and removes its folder */
  stop(): Promise<void>;
}

export const POSTGRES_PACKAGE = 'postgresql-15';

/** The folder with initdb and postgres, or null. */
export function postgresBinDir(): string | null {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    /* no pg_config */
  }
  candidates.push('/usr/lib/postgresql/15/bin');
  return candidates.find((dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'))) ?? null;
}

/** Returns the bin folder, or null after printing why the caller should skip (throws with REQUIRE_SYSTEM_DEPS=1). */
export function needPostgres(what: string): string | null {
  const dir = postgresBinDir();
  if (dir) return dir;
  const msg = `${what}: PostgreSQL server binaries (initdb, postgres) not found via pg_config --bindir or in /usr/lib/postgresql/15/bin (Debian package ${POSTGRES_PACKAGE}; run tools/setup-system-deps.sh)`;
  if (REQUIRED) throw new Error(`REQUIRE_SYSTEM_DEPS=1 and ${msg}`);
  process.stdout.write(`\n  skipped: ${msg}\n`);
  return null;
}

const running = new Set<ChildProcess>();
let exitHook = false;

/** The uid and gid to run PostgreSQL as: ours, or the postgres user's when we are root. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('running as root, and PostgreSQL refuses root: there is no `postgres` system user to run it as (it comes with the postgresql-15 package)');
  }
}

/** Starts a throwaway cluster (see the file's header); null when PostgreSQL is not installed (skip). */
export async function startPostgres(what = 'PostgreSQL store tests', opts: { /** fsync on, as in production (the bench); default off */ durable?: boolean } = {}): Promise<TestPostgres | null> {
  const bin = needPostgres(what);
  if (!bin) return null;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'omstil-pg-'));
  const dataDir = path.join(tmp, 'data');
  const as = runAs();
  if (as) chownSync(tmp, as.uid, as.gid);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, LC_ALL: 'C', LANG: 'C' };
  const spawnOpts = { cwd: tmp, env, ...(as ?? {}) };
  try {
    execFileSync(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'omstil', '--auth=trust', '--no-sync', '-E', 'UTF8', '--no-locale', '--no-instructions'], { ...spawnOpts, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`initdb failed: ${e.stderr?.toString() || e.message}`);
  }
  const port = await freePort();
  const serverArgs = [
    '-D', dataDir, '-p', String(port), '-k', tmp, '-c', 'listen_addresses=127.0.0.1',
    ...(opts.durable ? [] : ['-c', 'fsync=off', '-c', 'full_page_writes=off']), '-c', 'shared_buffers=32MB', '-c', 'max_connections=40', '-c', 'log_min_messages=warning',
  ];
  const setpriv = findBinary('setpriv');
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', path.join(bin, 'postgres'), ...serverArgs], { ...spawnOpts, stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(path.join(bin, 'postgres'), serverArgs, { ...spawnOpts, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHook) {
    exitHook = true;
    // a test process that ends without stop(): no server left behind
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  const url = `postgres://omstil@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT'); // fast shutdown
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    port,
    async createDatabase(name: string) {
      if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`createDatabase: name must be [a-z][a-z0-9_]*, got ${name}`);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return `postgres://omstil@127.0.0.1:${port}/${name}`;
    },
    stop,
  };
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`PostgreSQL exited at start:\n${log()}`);
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.end();
      return;
    } catch {
      await c.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`PostgreSQL not ready in 30 s:\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
