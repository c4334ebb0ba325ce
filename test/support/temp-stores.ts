/**
 * SQLite stores for a store test suite: a temporary folder for file databases (removed after
 * the suite) and every store opened in a test closed after it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'uvu';
import { SqliteStore } from '../../broker/store/sqlite-store.js';

export function tempStores(t: Test, prefix: string): { store(file?: string): SqliteStore; file(name: string): string } {
  let tmp = '';
  const open: SqliteStore[] = [];
  t.before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  t.after.each(() => {
    for (const s of open.splice(0)) s.close();
  });
  t.after(() => {
    rmSync(tmp, { recursive: true, force: true });
  });
  return {
    /** a store on `file` (':memory:' by default), closed after the test */
    store(file = ':memory:') {
      const s = new SqliteStore({ file });
      open.push(s);
      return s;
    },
    /** a path in the suite's temporary folder */
    file(name: string) {
      return path.join(tmp, name);
    },
  };
}
