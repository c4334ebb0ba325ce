#!/usr/bin/env node
// Runs every test file under test/ with uvu (TypeScript through tsx) and ends with the one
// summary line CI reads: `N passed, N failed` (with `N skipped` on the line before when some were).
// Usage: node tools/run-tests.mjs [pattern]   e.g. `node tools/run-tests.mjs hub`
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pattern = process.argv[2] ? `${process.argv[2]}.*\\.test\\.ts$` : '\\.test\\.ts$';
const uvu = path.join(root, 'node_modules', 'uvu', 'bin.js');
const child = spawn(process.execPath, ['--import', 'tsx', uvu, 'test', pattern, '--no-color'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FORCE_COLOR: '0' },
});
let out = '';
child.stdout.on('data', (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
// A suite that leaves a socket or timer open would keep uvu alive forever; CI must not hang.
const limitMs = Number(process.env.OMSTIL_TEST_TIMEOUT_MS ?? 12 * 60_000);
const killer = setTimeout(() => {
  process.stdout.write(`\ntest run exceeded ${limitMs} ms; stopping it\n`);
  child.kill('SIGKILL');
}, limitMs);
child.on('close', (code, signal) => {
  clearTimeout(killer);
  const num = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(out)?.[1] ?? 0);
  const total = num('Total');
  // a test that finds a system package missing prints `skipped: …` and returns (see test/support/system-deps.ts)
  const selfSkipped = (out.match(/^\s+skipped: /gm) ?? []).length;
  const passed = num('Passed') - selfSkipped;
  const skipped = num('Skipped') + selfSkipped;
  let failed = total - passed - skipped;
  if ((code !== 0 || signal) && failed === 0) failed = 1; // crashed or hung: never report green
  // the last line is exactly `N passed, N failed`, as CI reads it; skips are said on the line before
  if (skipped) process.stdout.write(`\n${skipped} skipped (see the "skipped:" lines above)`);
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exit(failed > 0 ? 1 : 0);
});
