/**
 * Issue 10 `store_commit_ms_*`: what one `Store.commit` costs the hub's event loop (it blocks
 * until the change is durable), on SQLite (a file, WAL, synchronous FULL: the hub's default) and
 * on PostgreSQL 15 (a throwaway cluster on loopback with fsync on, through the store's worker
 * thread). Each commit is what a diversion writes: one person record and its journal entry.
 * Figures are over `commits` timed commits after a warm-up; PostgreSQL figures are null when it
 * is not installed (Debian postgresql-15).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { initialRecord, revise } from '../broker/state/person-record.js';
import { PostgresStore } from '../broker/store/postgres-store.js';
import { SqliteStore } from '../broker/store/sqlite-store.js';
import type { Store } from '../broker/store/store.js';
import { startPostgres } from '../test/support/postgres.js';

export interface StoreBenchOptions {
  /** timed commits per store (default 2,000) */
  commits?: number;
  /** untimed commits first (default 100) */
  warmup?: number;
  /** an existing PostgreSQL database to measure instead of a throwaway cluster (its tables are created; rows are added) */
  postgresUrl?: string;
  progress?: (msg: string) => void;
}

export interface StoreBenchResult {
  store_commit_ms_p50_sqlite: number;
  store_commit_ms_p99_sqlite: number;
  store_commit_ms_p50_postgres: number | null;
  store_commit_ms_p99_postgres: number | null;
  store_commits: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const round = (ms: number) => Math.round(ms * 1000) / 1000;

function timeCommits(store: Store, commits: number, warmup: number): { p50: number; p99: number } {
  const now = new Date('2026-11-23T09:00:00Z');
  let person = initialRecord('anna', now);
  const times: number[] = [];
  for (let i = 0; i < warmup + commits; i++) {
    person = revise(person, { diversion: i % 2 ? null : { to: 'bo', since: now.toISOString(), until: null, status: 'active', declinedBy: null, source: 'phone' } }, now);
    const started = performance.now();
    store.commit([person], [], { at: new Date(now.getTime() + i).toISOString(), actor: 'phone-anna', op: i % 2 ? 'undivert' : 'divert', detail: { target: 'bo', i } });
    if (i >= warmup) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: round(quantile(times, 0.5)), p99: round(quantile(times, 0.99)) };
}

export async function benchStore(opts: StoreBenchOptions = {}): Promise<StoreBenchResult> {
  const commits = opts.commits ?? 2000;
  const warmup = opts.warmup ?? 100;
  const say = opts.progress ?? (() => {});
  const dir = mkdtempSync(path.join(os.tmpdir(), 'omstil-bench-store-'));
  let sqlite: { p50: number; p99: number };
  try {
    say(`store: ${commits} SQLite commits (synchronous FULL)`);
    const s = new SqliteStore({ file: path.join(dir, 'omstil.db'), synchronous: 'full' });
    try {
      sqlite = timeCommits(s, commits, warmup);
    } finally {
      s.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  let postgres: { p50: number; p99: number } | null = null;
  const server = opts.postgresUrl ? null : await startPostgres('bench store_commit_ms_*_postgres', { durable: true });
  const url = opts.postgresUrl ?? (server ? await server.createDatabase('omstil_bench') : null);
  try {
    if (url) {
      say(`store: ${commits} PostgreSQL commits (fsync on, loopback)`);
      const s = new PostgresStore({ url });
      try {
        postgres = timeCommits(s, commits, warmup);
      } finally {
        s.close();
      }
    }
  } finally {
    await server?.stop();
  }
  return {
    store_commit_ms_p50_sqlite: sqlite.p50,
    store_commit_ms_p99_sqlite: sqlite.p99,
    store_commit_ms_p50_postgres: postgres?.p50 ?? null,
    store_commit_ms_p99_postgres: postgres?.p99 ?? null,
    store_commits: commits,
  };
}
