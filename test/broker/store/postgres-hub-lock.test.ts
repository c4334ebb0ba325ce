/**
 * Issue 10, two hubs on one database: the advisory lock (postgres-hub-lock.ts) lets one hub be
 * active; the other stands by (and says so once) and takes over within a few seconds when the
 * holder's connection is killed (pg_terminate_backend from a third connection) or released; a
 * holder whose connection dies hears it (onLost), a released one does not.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { ConfigError } from '../../../broker/config.js';
import { PostgresHubLock } from '../../../broker/store/postgres-hub-lock.js';
import { freePort } from '../../support/hub-process.js';
import { needPostgres, startPostgres, type TestPostgres } from '../../support/postgres.js';
import { waitFor } from '../../support/wait.js';

const t = suite('broker/store/postgres-hub-lock');
let server: TestPostgres | null = null;
let url = '';
const locks: PostgresHubLock[] = [];
let key = 100;

// without PostgreSQL installed: a skip message (a failure with REQUIRE_SYSTEM_DEPS=1); the case that needs no server still runs
const available = needPostgres('PostgreSQL hub lock tests') !== null;

t.before(async () => {
  if (available) server = await startPostgres('PostgreSQL hub lock tests');
  if (server) url = await server.createDatabase('omstil_lock');
});
t.after.each(async () => {
  for (const l of locks.splice(0)) await l.release();
});
t.after(async () => {
  await server?.stop();
});

/** two (or more) hubs' locks on one key, new for each case */
function hubs(count: number): { lock: PostgresHubLock; standby: number; lost: string[] }[] {
  key++;
  return Array.from({ length: count }, () => {
    const h = { lock: null as unknown as PostgresHubLock, standby: 0, lost: [] as string[] };
    h.lock = new PostgresHubLock({ url, key, onStandby: () => h.standby++ });
    h.lock.onLost((reason) => h.lost.push(reason));
    locks.push(h.lock);
    return h;
  });
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** the backend holding the advisory lock on `key`, from pg_locks */
const holderPid = (k: number) =>
  admin(async (c) => (await c.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1", [k])).rows.map((r) => r.pid));

t('one hub acquires; the other stands by (said once) and does not acquire while the first holds it', async () => {
  if (!server) return;
  const [a, b] = hubs(2);
  await a!.lock.acquire();
  assert.ok(a!.lock.held);
  let bActive = false;
  void b!.lock.acquire().then(() => (bActive = true), () => {});
  await waitFor(() => b!.standby === 1, 'b standing by');
  await new Promise((r) => setTimeout(r, 2500)); // two polls and more
  assert.is(bActive, false);
  assert.is(b!.lock.held, false);
  assert.is(b!.standby, 1, 'standby said once, not at every poll');
  assert.is((await holderPid(key)).length, 1);
});

t('the holder\'s connection killed (pg_terminate_backend): it reports lost; the other acquires within a few seconds', async () => {
  if (!server) return;
  const [a, b] = hubs(2);
  await a!.lock.acquire();
  const waiting = b!.lock.acquire();
  await waitFor(() => b!.standby === 1, 'b standing by');
  const [pid] = await holderPid(key);
  assert.ok(pid);
  const killedAt = Date.now();
  await admin((c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
  await waiting;
  const tookOver = Date.now() - killedAt;
  assert.ok(tookOver < 5000, `took over after ${tookOver} ms`);
  assert.ok(b!.lock.held);
  await waitFor(() => a!.lost.length === 1, 'a reporting the loss');
  assert.match(a!.lost[0]!, /hub lock lost/);
  assert.is(a!.lock.held, false);
  assert.equal(b!.lost, []);
  const now = await holderPid(key);
  assert.is(now.length, 1);
  assert.is.not(now[0], pid, 'held by the other hub\'s session now');
});

t('released: the other acquires within a few seconds; the released one reports no loss; a release while waiting ends the wait', async () => {
  if (!server) return;
  const [a, b, c] = hubs(3);
  await a!.lock.acquire();
  const bWaits = b!.lock.acquire();
  await waitFor(() => b!.standby === 1, 'b standing by');
  const released = Date.now();
  await a!.lock.release();
  await bWaits;
  assert.ok(Date.now() - released < 3000, `took over after ${Date.now() - released} ms`);
  assert.equal(a!.lost, []);
  const cWaits = c!.lock.acquire().then(() => 'acquired', (err: Error) => err.message);
  await waitFor(() => c!.standby === 1, 'c standing by');
  await c!.lock.release();
  assert.match(await cWaits, /released while waiting/);
  assert.ok(b!.lock.held);
});

t('a standby whose own connection is killed connects again at its next poll and still takes over', async () => {
  if (!server) return;
  const [a, b] = hubs(2);
  await a!.lock.acquire();
  const bWaits = b!.lock.acquire();
  await waitFor(() => b!.standby === 1, 'b standing by');
  const [holder] = await holderPid(key);
  const standbyPids = await admin(async (c) => (await c.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'omstil-hub-lock' AND pid <> $1", [holder])).rows.map((r) => r.pid));
  assert.is(standbyPids.length, 1);
  await admin((c) => c.query('SELECT pg_terminate_backend($1)', [standbyPids[0]]));
  await new Promise((r) => setTimeout(r, 1500)); // a poll on the dead connection, and one on a new one
  assert.ok(a!.lock.held);
  assert.is(b!.lock.held, false);
  await a!.lock.release();
  await bWaits;
  assert.ok(b!.lock.held);
  assert.equal(b!.lost, []);
});

t('an unreachable database: acquire fails with a ConfigError naming the key store, without the password', async () => {
  const port = await freePort();
  const lock = new PostgresHubLock({ url: `postgres://omstil:s3cret@127.0.0.1:${port}/omstil`, connectTimeoutMs: 2000 });
  locks.push(lock);
  try {
    await lock.acquire();
    assert.unreachable('acquired without a database');
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, /^config store: cannot connect to PostgreSQL at postgres:\/\/omstil:\*\*\*@127\.0\.0\.1:\d+\/omstil for the hub lock/);
    assert.not.match((err as Error).message, /s3cret/);
  }
});

t.run();
