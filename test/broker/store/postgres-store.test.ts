/**
 * PostgresStore (issue 10) on a throwaway PostgreSQL 15 cluster (test/support/postgres.ts): the
 * Store contract (test/support/store-contract.ts) with a page size of 7 so `calls()` crosses many
 * page edges; then what PostgreSQL alone has: its schema versions, a newer schema refused, the
 * config key named (password hidden) for a bad URL or an unreachable server, openStore's choice,
 * and no acknowledged commit lost when the process holding the store is killed with -9.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { ConfigError } from '../../../broker/config.js';
import { openStore } from '../../../broker/store/create-store.js';
import { PostgresStore } from '../../../broker/store/postgres-store.js';
import { SqliteStore } from '../../../broker/store/sqlite-store.js';
import { PG_MIGRATIONS } from '../../../broker/store/postgres-schema.js';
import { freePort, ROOT } from '../../support/hub-process.js';
import { needPostgres, startPostgres, type TestPostgres } from '../../support/postgres.js';
import { storeContract, anna, entry } from '../../support/store-contract.js';
import { tempStores } from '../../support/temp-stores.js';

const t = suite('broker/store/postgres-store');
let server: TestPostgres | null = null;
let n = 0;
const { file: inTmp } = tempStores(t, 'omstil-pg-store-');

// without PostgreSQL installed: a skip message (a failure with REQUIRE_SYSTEM_DEPS=1); the cases that need no server still run
const available = needPostgres('PostgreSQL store tests') !== null;

t.before(async () => {
  if (available) server = await startPostgres('PostgreSQL store tests');
});
t.after(async () => {
  await server?.stop();
});

/** a fresh database's URL, or null when PostgreSQL is not installed (the case returns: skipped, said once at start) */
async function database(): Promise<string | null> {
  return server ? server.createDatabase(`omstil_t${++n}`) : null;
}

const open = (url: string) => new PostgresStore({ url, pageSize: 7 });

/** a fresh database's URL; only called when PostgreSQL is there */
async function fresh(): Promise<string> {
  if (!server) throw new Error('no PostgreSQL server');
  return server.createDatabase(`omstil_t${++n}`);
}

/**
 * The contract's database: created and migrated once, emptied before each case (TRUNCATE takes
 * some 20 ms where CREATE DATABASE and the migration take 600).
 */
let contractUrl: string | null = null;
async function emptied(): Promise<string> {
  if (!contractUrl) {
    contractUrl = await fresh();
    open(contractUrl).close();
  }
  const c = new pg.Client({ connectionString: contractUrl });
  await c.connect();
  try {
    const tables = (await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'omstil_schema'")).rows.map((r) => r.tablename);
    await c.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY`);
  } finally {
    await c.end();
  }
  return contractUrl;
}

if (available) {
  storeContract(t, {
    open: async () => open(await emptied()),
    durable: async () => {
      const url = await emptied();
      return () => open(url);
    },
  });
}

t('the schema: every migration recorded in omstil_schema; opening again runs none', async () => {
  const url = await database();
  if (!url) return;
  const s = open(url);
  assert.is(s.schemaVersion, PG_MIGRATIONS.length);
  s.close();
  open(url).close();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rows = (await c.query<{ version: number }>('SELECT version FROM omstil_schema ORDER BY version')).rows;
    assert.equal(rows.map((r) => r.version), PG_MIGRATIONS.map((_, i) => i + 1));
    const tables = (await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows.map((r) => r.tablename);
    assert.equal(tables, ['call', 'dept_state', 'device_credential', 'directory', 'journal', 'message', 'omstil_schema', 'ota_device', 'ota_rollout', 'person_state', 'broadcast'].sort());
  } finally {
    await c.end();
  }
});

t('a database with a newer schema version is refused and left untouched', async () => {
  const url = await database();
  if (!url) return;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CREATE TABLE omstil_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now()); INSERT INTO omstil_schema (version) VALUES (99)');
    assert.throws(() => open(url), /schema version 99 is newer than this omstil/);
    const tables = (await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows.map((r) => r.tablename);
    assert.equal(tables, ['omstil_schema']);
  } finally {
    await c.end();
  }
});

t('a bad URL names the config key store and hides the password', () => {
  for (const bad of ['postgres://omstil:s3cret@', 'postgres://omstil:s3cret@db:99999/omstil', 'http://omstil:s3cret@db/omstil']) {
    try {
      new PostgresStore({ url: bad });
      assert.unreachable(bad);
    } catch (err) {
      assert.instance(err, ConfigError, bad);
      assert.match((err as Error).message, /^config store: /);
      assert.not.match((err as Error).message, /s3cret/);
    }
  }
});

t('an unreachable server: a ConfigError naming the key store, the URL without its password, and why', async () => {
  const port = await freePort(); // nothing listens there
  const started = Date.now();
  try {
    new PostgresStore({ url: `postgres://omstil:s3cret@127.0.0.1:${port}/omstil`, connectTimeoutMs: 3000 });
    assert.unreachable('connected to nothing');
  } catch (err) {
    assert.instance(err, ConfigError);
    const msg = (err as Error).message;
    assert.match(msg, new RegExp(`^config store: cannot connect to PostgreSQL at postgres://omstil:\\*\\*\\*@127\\.0\\.0\\.1:${port}/omstil: .*ECONNREFUSED`));
    assert.not.match(msg, /s3cret/);
  }
  assert.ok(Date.now() - started < 10_000, 'refused at once, not after a time-out');
});

t('openStore: a postgres:// store opens PostgreSQL (its URL without the password as its file); sqlite opens <dataDir>/omstil.db', async () => {
  const url = await database();
  if (!url) return;
  const pgStore = openStore({ store: url.replace('omstil@', 'omstil:pw@'), dataDir: inTmp('unused'), sync: 'normal' });
  try {
    assert.instance(pgStore, PostgresStore);
    assert.is(pgStore.file, url.replace('omstil@', 'omstil:***@'));
  } finally {
    pgStore.close();
  }
  const sqlite = openStore({ store: 'sqlite', dataDir: inTmp('data'), sync: 'normal' });
  try {
    assert.instance(sqlite, SqliteStore);
    assert.is(sqlite.file, path.join(inTmp('data'), 'omstil.db'));
  } finally {
    sqlite.close();
  }
});

t('a store whose connection was killed between calls connects again for the next one', async () => {
  const url = await database();
  if (!url) return;
  const s = open(url);
  try {
    s.commit([], [], entry('before'));
    const db = new URL(url).pathname.slice(1);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const killed = await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'omstil-hub' AND datname = $1", [db]);
      assert.is(killed.rowCount, 1);
    } finally {
      await c.end();
    }
    await new Promise((r) => setTimeout(r, 300)); // the worker hears of it
    s.commit([anna()], [], entry('divert', 1));
    assert.equal(s.loadPeople(), [anna()]);
    assert.equal(s.journal(5).map((e) => e.op), ['divert', 'before']);
  } finally {
    s.close();
  }
});

t('kill -9 of the process holding the store: every commit it acknowledged is there after a reopen', async () => {
  const url = await database();
  if (!url) return;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/store-commit-child.ts'), url], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 50 commits in 20 s:\n${out}\n${err}`)), 20_000);
    child.stdout.on('data', (c) => {
      out += c;
      if (/committed 50\n/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => reject(new Error(`the child exited:\n${err}`)));
  });
  child.kill('SIGKILL');
  await exited;
  const acknowledged = [...out.matchAll(/committed (\d+)\n/g)].map((m) => Number(m[1]));
  assert.ok(acknowledged.length >= 50);
  const s = open(url);
  try {
    const stored = new Set(s.journal(100_000).map((e) => (e.detail as { n: number }).n));
    const lost = acknowledged.filter((k) => !stored.has(k));
    assert.equal(lost, [], 'acknowledged commits lost');
    // and the store goes on
    s.commit([anna()], [], entry('divert'));
    assert.equal(s.loadPeople(), [anna()]);
  } finally {
    s.close();
  }
});

t.run();
