/**
 * Chooses the store adapter by the config key `store` (issue 10): 'sqlite' keeps the hub's
 * database in `<dataDir>/omstil.db`; a postgres:// URL uses PostgreSQL, where several hubs may
 * share one database (one active: postgres-hub-lock.ts).
 */
import path from 'node:path';
import type { Config } from '../config.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/** A store and where its data lives (a file path, or the PostgreSQL URL with its password hidden). */
export type OpenedStore = Store & { readonly file: string };

export function isPostgresStore(config: Pick<Config, 'store'>): boolean {
  return /^postgres(ql)?:\/\//.test(config.store);
}

/** The hub's store as configured (the CLI's import/export/hours/report open the same one). */
export function openStore(config: Pick<Config, 'store' | 'dataDir' | 'sync'>): OpenedStore {
  if (isPostgresStore(config)) return new PostgresStore({ url: config.store });
  return new SqliteStore({ file: path.resolve(config.dataDir, 'omstil.db'), synchronous: config.sync });
}
