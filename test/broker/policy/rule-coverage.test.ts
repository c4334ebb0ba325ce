/**
 * Every rule the policy engine covers is proved by at least one test whose name carries its
 * id (POLICY.md), so a reader can go from a rule to its tests with a search.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../support/hub-process.js';

const t = suite('broker/policy/rule-coverage');

const COVERED = ['PR-1', 'PR-2', 'PR-3', 'PR-4', 'DV-1', 'DV-2', 'DV-3', 'DV-4', 'DV-6', 'PH-1', 'PH-2', 'PH-3', 'PH-4', 'PH-5', 'AS-1', 'AS-2', 'AS-3', 'AS-4', 'AS-5', 'RT-1', 'RT-2', 'RT-3', 'ST-1'];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? testFiles(p) : e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** The names given to uvu tests: the first argument of `name('…', …)` calls at the start of a line. */
function testNames(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/^\s*[a-zA-Z0-9_]+\(\s*(['"`])((?:\\.|(?!\1).)*)\1\s*,/gm)) names.push(m[2]!);
  return names;
}

const names = testFiles(path.join(ROOT, 'test')).flatMap((f) => testNames(readFileSync(f, 'utf8')));

t('the scanner finds test names', () => {
  assert.ok(names.length > 200, `only ${names.length} names found`);
  assert.ok(names.includes('the scanner finds test names'));
});

for (const id of COVERED) {
  t(`${id} appears in at least one test name`, () => {
    const hits = names.filter((n) => new RegExp(`\\b${id}\\b`).test(n));
    assert.ok(hits.length > 0, `no test name mentions ${id}`);
  });
}

t('every id named here exists in POLICY.md', () => {
  const policy = readFileSync(path.join(ROOT, '../shared/POLICY.md'), 'utf8');
  for (const id of COVERED) assert.ok(policy.includes(`**${id} `) || policy.includes(`**${id}**`), id);
});

t.run();
