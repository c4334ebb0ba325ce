/** Small helpers for tests that read files and expect typed errors. */
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'uvu';

/** A temporary folder for one suite (made before, removed after) and a writer of files in it. */
export function scratchFolder(t: Test, prefix: string): { dir: () => string; file: (name: string, body: unknown) => string } {
  let dir = '';
  t.before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir: () => dir,
    file(name, body) {
      const f = path.join(dir, name);
      writeFileSync(f, typeof body === 'string' ? body : JSON.stringify(body));
      return f;
    },
  };
}

/** The error `fn` throws, which must be an instance of `type`. */
export function thrown<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (err) {
    assert.instance(err, type);
    return err as E;
  }
  assert.unreachable(`no ${type.name}`);
  throw new Error('unreachable');
}
