/**
 * Screens in Debian Chromium (playwright-core, never a downloaded browser): one browser per
 * test file, screenshots under test-output/screenshots/, and an accessibility check with
 * axe-core (WCAG 2.1 A/AA rules) that fails on serious or critical violations.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './hub-process.js';
import { needBinary } from './system-deps.js';

export const SCREENSHOT_DIR = path.join(ROOT, 'test-output', 'screenshots');

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Debian's Chromium, headless; null (and said why) when it is not installed. */
export async function launchChromium(what: string): Promise<Browser | null> {
  const exe = needBinary('chromium', 'chromium', what);
  if (!exe) return null;
  return chromium.launch({ executablePath: exe, args: ARGS });
}

/** Saves a full-page screenshot as test-output/screenshots/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
  targets: string[];
}

const axeSource = (() => {
  const require = createRequire(import.meta.url);
  return require.resolve('axe-core/axe.min.js');
})();

/**
 * Runs axe-core in the page (shadow DOM included: lit components) with the WCAG 2.0/2.1 A and
 * AA rules; returns the serious and critical violations (empty = passes).
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: axeSource });
  const results = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, targets: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) }));
  });
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** A readable list for an assertion message. */
export function describeViolations(vs: readonly AxeViolation[]): string {
  return vs.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes}× e.g. ${v.targets.join(' ')})`).join('\n');
}
