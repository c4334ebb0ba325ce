/**
 * The directory and phone-hours commands as IT runs them: the bundled CLI against a data
 * directory (RT-1 import/export, PH-1/PH-2 hours).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { formatDirectoryFile, parseDirectoryFile } from '../../broker/directory/directory-file.js';
import { SqliteStore } from '../../broker/store/sqlite-store.js';
import { BUNDLED_CLI, ROOT } from '../support/hub-process.js';
import { tempDir } from '../support/system.js';

const cli = suite('e2e/cli-directory');
const run = promisify(execFile);
const FIX = path.join(ROOT, 'test/fixtures/directory');
let dataDir: string;

async function omstil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BUNDLED_CLI, ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function storedVersion(): number {
  const store = new SqliteStore({ file: path.join(dataDir, 'omstil.db') });
  try {
    return store.directoryVersion();
  } finally {
    store.close();
  }
}

cli.before(() => {
  if (!existsSync(BUNDLED_CLI)) throw new Error(`${BUNDLED_CLI} is missing: run \`npm run build\` (npm test does)`);
  dataDir = tempDir();
});
cli.after(() => rmSync(dataDir, { recursive: true, force: true }));

cli('RT-1: import of a file with three mistakes reports all three with line and column, and imports nothing', async () => {
  const r = await omstil('import', path.join(FIX, 'three-errors.csv'), '--data-dir', dataDir);
  assert.is(r.code, 1);
  const lines = r.stderr.split('\n').filter((l) => /three-errors\.csv:\d+:\d+ /.test(l));
  assert.is(lines.length, 3, r.stderr);
  assert.match(lines[0]!, /:4:13 +phone_hours: not valid opening_hours syntax \(PH-1\)/);
  assert.match(lines[1]!, /:7:4 +dept: unknown department "famillie"/);
  assert.match(lines[2]!, /:8:6 +extension: must be 2-8 digits/);
  assert.match(r.stderr, '3 problem(s); nothing was imported');
  assert.is(storedVersion(), 0, 'nothing changed');
  const json = await omstil('import', path.join(FIX, 'three-errors.json'), '--data-dir', dataDir);
  assert.is(json.code, 1);
  assert.is(json.stderr.split('\n').filter((l) => /three-errors\.json:\d+:\d+ /.test(l)).length, 3, json.stderr);
  assert.is(storedVersion(), 0);
});

cli('RT-1: a valid file imports; importing it again (or the same directory as JSON) changes nothing', async () => {
  const first = await omstil('import', path.join(FIX, 'valid.csv'), '--data-dir', dataDir);
  assert.is(first.code, 0, first.stderr);
  assert.match(first.stdout, /imported .*valid\.csv as directory version 1: 2 departments added, 1 group added, 4 people added/);
  const again = await omstil('import', path.join(FIX, 'valid.csv'), '--data-dir', dataDir);
  assert.match(again.stdout, /no changes: .*matches directory version 1/);
  const asJson = await omstil('import', path.join(FIX, 'valid.json'), '--data-dir', dataDir);
  assert.match(asJson.stdout, /no changes/);
  assert.is(storedVersion(), 1);
});

cli('RT-1: export writes the directory in force in the format import reads, and it imports as no change', async () => {
  const out = path.join(dataDir, 'export.csv');
  const r = await omstil('export', '--data-dir', dataDir, '-o', out);
  assert.is(r.code, 0, r.stderr);
  const parsed = parseDirectoryFile(readFileSync(path.join(FIX, 'valid.csv'), 'utf8'), 'csv');
  assert.ok(parsed.ok);
  if (parsed.ok) assert.is(readFileSync(out, 'utf8'), formatDirectoryFile(parsed.data, 'csv'));
  assert.match((await omstil('import', out, '--data-dir', dataDir)).stdout, /no changes/);
  const json = await omstil('export', '--data-dir', dataDir, '--format', 'json');
  assert.is(JSON.parse(json.stdout).municipality, 'Testrup Kommune');
});

cli('PH-1: `omstil hours` on a Danish holiday says closed; on the next workday it gives the right hours', async () => {
  const fresh = tempDir(); // no import: the built-in demo municipality (Randers' phone hours)
  try {
    const xmas = await omstil('hours', 'borgerservice', '--at', '2026-12-25T10:00', '--data-dir', fresh);
    assert.is(xmas.code, 0, xmas.stderr);
    assert.match(xmas.stdout, /fredag +25\. december +lukket \(Juledag\) +<- i dag/);
    assert.match(xmas.stdout, 'Lukket nu, åbner mandag 28. december kl. 8.00');
    assert.match(xmas.stdout, 'Du har ringet til Borgerservice uden for telefontiden');
    const monday = await omstil('hours', 'borgerservice', '--at', '2026-12-28T10:00', '--data-dir', fresh);
    assert.match(monday.stdout, /mandag +28\. december +8\.00-18\.00 +<- i dag/);
    assert.match(monday.stdout, 'Åben nu, lukker kl. 18.00');
    const unknown = await omstil('hours', 'nope', '--data-dir', fresh);
    assert.is(unknown.code, 2);
    assert.match(unknown.stderr, 'borgerservice');
    assert.not.match(unknown.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});

cli.run();
