/**
 * Accessibility of every view, in Debian Chromium with axe-core (WCAG 2.1 A/AA): zero serious
 * or critical violations, in Danish and English, at the sizes the devices have. The views show
 * real state from a running hub (a diversion, an absence, a closure, a waiting message where
 * the hub takes them), so the rules see what users see. Screenshots go to test-output/.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { DirectoryData } from '../../broker/directory/directory.js';
import { LocalBridge } from '../../firmware/local-bridge.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { defaultUiDir } from '../../simulator/main.js';
import { clockFrom, startSystem, type TestSystem } from '../support/system.js';
import { describeViolations, launchChromium, screenshot, seriousA11yViolations } from '../support/ui.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/a11y-ui');
type Person = DirectoryData['people'][number];

/** Monday 23 November 2026, 10:00 in Copenhagen. */
const START = '2026-11-23T10:00:00+01:00';
const [anna, bo] = demoDirectory({ peoplePerDept: 3, kiosks: 2 }).people as [Person, Person];

let sys: TestSystem;
let bridge: LocalBridge;
let browser: Browser | null = null;

e2e.before(async () => {
  const uiDir = defaultUiDir();
  if (!existsSync(path.join(uiDir, 'omstil-ui.js'))) throw new Error(`${uiDir}/omstil-ui.js is missing: run \`npm run build\` (npm test does)`);
  sys = await startSystem({ clock: clockFrom(START), phones: 3, kiosks: 1 });
  bridge = new LocalBridge({ host: '127.0.0.1', port: 0, uiDir, logger: sys.logger.child('bridge') });
  for (const core of sys.fleet.cores.values()) bridge.add(core);
  await bridge.start();
  for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.config && (core.mirror.kind === 'kiosk' || core.mirror.me), `${core.deviceId} to show its state`);
  // state worth showing: Anna diverted to Bo (Bo sees the incoming notice)
  await sys.fleet.core(`phone-${anna.id}`).call('divert', { target: bo.id });
  browser = await launchChromium('accessibility of the screens (axe-core in Chromium)');
});

e2e.after(async () => {
  await browser?.close();
  await bridge?.stop();
  await sys?.stop();
});

const views = [
  { name: 'phone-800x480', url: () => bridge.phoneUrl(`phone-${bo.id}`), size: { width: 800, height: 480 }, ready: '[data-testid="own-name"]' },
  { name: 'phone-480x272', url: () => bridge.phoneUrl(`phone-${anna.id}`), size: { width: 480, height: 272 }, ready: '[data-testid="own-name"]' },
  { name: 'reception-1920x1080', url: () => bridge.kioskUrl(sys.fleet.kiosks[0]!.deviceId), size: { width: 1920, height: 1080 }, ready: 'om-reception-view' },
];

for (const view of views) {
  for (const lang of ['da', 'en'] as const) {
    e2e(`${view.name} (${lang}): no serious or critical axe-core violations`, async () => {
      if (!browser) return;
      const page = await browser.newPage({ viewport: view.size });
      try {
        await page.goto(`${view.url()}${lang === 'en' ? '?lang=en' : ''}`);
        await page.locator(view.ready).first().waitFor({ timeout: 5000 });
        const violations = await seriousA11yViolations(page);
        await screenshot(page, `a11y-${view.name}-${lang}`);
        assert.equal(violations, [], `axe-core found:\n${describeViolations(violations)}`);
      } finally {
        await page.close();
      }
    });
  }
}

e2e.run();
