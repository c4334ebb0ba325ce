/**
 * `omstil sim --scenario day` as an analyst runs it (issue 9, docs/scenario.md): through tsx,
 * the JSON form and the table, the same seed twice, and a bad option.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DayResult } from '../../simulator/scenario/day-scenario.js';
import { DEFAULT_PARAMS } from '../../simulator/scenario/scenario-params.js';

const cli = suite('e2e/scenario-cli');
const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function omstil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'tools/cli/omstil.ts', 'sim', '--scenario', 'day', ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

cli('--seed 7 --json: one JSON object with the parameters, the day and both runs\' KPIs; the same again', async () => {
  const [a, b] = await Promise.all([omstil('--seed', '7', '--json'), omstil('--seed', '7', '--json')]);
  assert.is(a.code, 0, a.stderr);
  const r = JSON.parse(a.stdout) as DayResult;
  assert.equal(r.params, { ...DEFAULT_PARAMS, seed: 7 });
  assert.is(r.day.departments, 20);
  for (const k of [r.with, r.without]) {
    assert.is(k.offered, r.day.calls);
    assert.ok(k.answerRate !== null && k.answerRate > 0 && k.answerRate <= 1);
    assert.type(k.lost, 'number');
    assert.type(k.transfersPerCall, 'number');
    assert.type(k.firstContactRate, 'number');
  }
  assert.is(r.without.callbacks.taken, 0);
  assert.is(b.stdout, a.stdout, 'the same seed prints the same result');
});

cli('the table: parameters and seed, the day, the KPIs side by side', async () => {
  const { code, stdout, stderr } = await omstil('--seed', '7', '--departments', '6');
  assert.is(code, 0, stderr);
  assert.match(stdout, /seed 7/);
  for (const name of Object.keys(DEFAULT_PARAMS)) assert.match(stdout, new RegExp(`^  ${name} `, 'm'));
  assert.match(stdout, /^ {2}departments +6 /m);
  assert.match(stdout, /^ {2}6 departments, /m);
  assert.match(stdout, /^KPI +with omstil +without omstil$/m);
  for (const row of ['answer rate', 'calls lost \\(inside phone hours\\)', 'first-contact resolution', 'transfers per call', 'call-backs on time']) {
    assert.match(stdout, new RegExp(`^${row} +\\S.* +\\S`, 'm'));
  }
  assert.match(stdout, /open, not late/);
});

cli('a bad option is named, with no stack trace', async () => {
  const bad = await omstil('--departments', '0');
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /^omstil: --departments: /);
  assert.not.match(bad.stderr, /\n\s+at /);
  const weekend = await omstil('--date', '2026-11-28');
  assert.is(weekend.code, 2);
  assert.match(weekend.stderr, /--date: 2026-11-28 is not a workday/);
  const seed = await omstil('--seed', 'abc');
  assert.ok(seed.code !== 0);
  assert.match(seed.stderr, /--seed/);
  assert.not.match(seed.stderr, /\n\s+at /);
});

cli.run();
