/**
 * System packages some tests need (installed by tools/setup-system-deps.sh). Without them a
 * test is skipped and says so; with REQUIRE_SYSTEM_DEPS=1 a missing one fails the run.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export const REQUIRED = process.env.REQUIRE_SYSTEM_DEPS === '1';

export function findBinary(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/**
 * Returns the binary's path, or null after printing why the caller should skip.
 * Throws when REQUIRE_SYSTEM_DEPS=1, so CI cannot pass without the dependency.
 */
export function needBinary(name: string, pkg: string, what: string): string | null {
  const found = findBinary(name);
  if (found) return found;
  const msg = `${what}: ${name} not found (Debian package ${pkg}; run tools/setup-system-deps.sh)`;
  if (REQUIRED) throw new Error(`REQUIRE_SYSTEM_DEPS=1 and ${msg}`);
  process.stdout.write(`\n  skipped: ${msg}\n`);
  return null;
}
