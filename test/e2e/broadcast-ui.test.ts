/**
 * RT-3 on the screens, in Debian Chromium: a crisis broadcast added through the admin path is
 * shown at the top of the reception terminal (1920×1080) and of a desk phone (800×480), in an
 * alert region, Danish by default and English when the screen is in English (the Danish when
 * there is no English); a planned one switches on at its start by the screen's own clock;
 * ending it early takes it off at once; axe-core finds nothing serious with a broadcast
 * showing. Also RT-1/RT-2/AS-3 at reception: a person's competency finds them, and the
 * switchboard gets no "Tag besked".
 *
 * Hub, broker, SQLite, the firmware cores and the local bridge run in this process; the screens
 * are the built bundle in dist/device-ui.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import type { Actor } from '../../broker/policy/commands.js';
import type { DirectoryData } from '../../broker/directory/directory.js';
import { LocalBridge } from '../../firmware/local-bridge.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { defaultUiDir } from '../../simulator/main.js';
import { clockFrom, startSystem, type TestSystem } from '../support/system.js';
import { describeViolations, launchChromium, screenshot, seriousA11yViolations } from '../support/ui.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/broadcast-ui');
type Person = DirectoryData['people'][number];

/** Monday 23 November 2026, 10:00 in Copenhagen */
const START = '2026-11-23T10:00:00+01:00';
const clock = clockFrom(START);
const at = (local: string) => new Date(`2026-11-23T${local}+01:00`).toISOString();
const ADMIN: Actor = { source: 'admin', id: 'test', personId: null };
const STORM = { da: 'Stormflod: sandsække udleveres ved Rådhuset indtil kl. 20.', en: 'Storm flood: sandbags are handed out at the town hall until 20:00.' };
const WATER = { da: 'Kog drikkevandet i Vestbyen, til Forsyningen melder andet.' };

// Borgerservice in the demo directory: the leader (competencies pas, flytning, folkepension), then Bo
const demo = demoDirectory({ peoplePerDept: 3, kiosks: 1 });
const [leader, bo] = demo.people as [Person, Person];

let sys: TestSystem;
let bridge: LocalBridge;
let browser: Browser | null = null;
let kioskId = '';

/** Every firmware core follows `omstil/v1/broadcast`: state mirror → view → bridge → screen. */
e2e.before(async () => {
  const uiDir = defaultUiDir();
  if (!existsSync(path.join(uiDir, 'omstil-ui.js'))) throw new Error(`${uiDir}/omstil-ui.js is missing: run \`npm run build\` (npm test does)`);
  sys = await startSystem({ clock, phones: 2, kiosks: 1 });
  bridge = new LocalBridge({ host: '127.0.0.1', port: 0, uiDir, logger: sys.logger.child('bridge') });
  for (const core of sys.fleet.cores.values()) bridge.add(core);
  await bridge.start();
  for (const core of sys.fleet.cores.values()) {
    await waitFor(() => core.mirror.config && (core.mirror.kind === 'kiosk' || core.mirror.me), `${core.deviceId} to show its state`);
  }
  kioskId = sys.fleet.kiosks[0]!.deviceId;
  // RT-3: a storm flood now until 20:00 (Danish and English); drinking water from 11:00 (Danish only)
  sys.hub.hub.execute(ADMIN, { op: 'add-broadcast', id: 'stormflod', text: STORM, start: null, expires: at('20:00:00') });
  sys.hub.hub.execute(ADMIN, { op: 'add-broadcast', id: 'drikkevand', text: WATER, start: at('11:00:00'), expires: at('23:00:00') });
  for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.broadcasts.length === 2, `${core.deviceId} to get the broadcasts`);
  browser = await launchChromium('crisis broadcasts on the screens');
});

e2e.after(async () => {
  await browser?.close();
  await bridge?.stop();
  await sys?.stop();
});

/** A page at the hub's time (the page's clock runs on from there, and can be moved on), or null without Chromium. */
async function open(url: string, size: { width: number; height: number }, ready: string): Promise<Page | null> {
  if (!browser) return null;
  const page = await browser.newPage({ viewport: size });
  await page.clock.install({ time: clock.now() });
  await page.goto(url);
  await page.locator(ready).first().waitFor({ timeout: 5000 });
  return page;
}

const testid = (scope: Page | Locator, id: string, extra = '') => scope.locator(`[data-testid="${id}"]${extra}`);
const textOf = async (l: Locator) => ((await l.first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
const crisis = (page: Page, key?: string) => testid(page, 'banner', `[data-kind="crisis"]${key ? `[data-key="crisis:${key}"]` : ''}`);

e2e('RT-3 at reception (1920×1080): the broadcast in force across the top in an alert region, Danish; the planned one not yet; no serious axe-core violations', async () => {
  const page = await open(bridge.kioskUrl(kioskId), { width: 1920, height: 1080 }, '[data-testid="dept-card"]');
  if (!page) return;
  const storm = crisis(page, 'stormflod');
  await storm.waitFor({ timeout: 5000 });
  assert.is(await crisis(page).count(), 1, 'only the one in force');
  assert.is(await storm.getAttribute('data-rule'), 'RT-3');
  assert.is(await textOf(storm.locator('[data-testid="banner-title"]')), 'Vigtig meddelelse');
  assert.is(await textOf(storm.locator('[data-testid="banner-until"]')), 'indtil kl. 20.00');
  assert.is(await textOf(storm.locator('[data-testid="banner-text"]')), STORM.da);
  assert.is(await storm.locator('xpath=..').getAttribute('role'), 'alert', 'read out at once');
  // prominent: at the top, under the header, above the search and the board, full width
  const [box, search, board] = [await storm.boundingBox(), await testid(page, 'directory-search-input').boundingBox(), await testid(page, 'dept-board').boundingBox()];
  assert.ok(box && search && board && box.y + box.height <= search.y && box.y + box.height <= board.y, 'above the search and the board');
  assert.ok(box!.width > 1800, `full width (${box!.width})`);
  // the theme's danger pair: white on dark red (contrast AA, test/device-ui/theme.test.ts)
  const colours = await storm.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
  assert.equal(colours, ['rgb(255, 255, 255)', 'rgb(164, 38, 29)']);
  await screenshot(page, 'broadcast-reception-da');
  const violations = await seriousA11yViolations(page);
  assert.equal(violations, [], `axe-core found:\n${describeViolations(violations)}`);
  await page.close();
});

e2e('RT-3 at reception in English: the English text; a broadcast without one shows the Danish, marked as Danish; it switches on at its start by the screen\'s clock', async () => {
  const page = await open(`${bridge.kioskUrl(kioskId)}?lang=en`, { width: 1920, height: 1080 }, '[data-testid="dept-card"]');
  if (!page) return;
  const storm = crisis(page, 'stormflod');
  await storm.waitFor({ timeout: 5000 });
  assert.is(await textOf(storm.locator('[data-testid="banner-title"]')), 'Important notice');
  assert.is(await textOf(storm.locator('[data-testid="banner-text"]')), STORM.en);
  assert.is(await textOf(storm.locator('[data-testid="banner-until"]')), 'until 20:00');
  assert.is(await crisis(page, 'drikkevand').count(), 0, 'not before 11:00');
  // 11:00 on the screen's clock: on, without a word from the hub
  await page.clock.fastForward('01:00:30');
  const water = crisis(page, 'drikkevand');
  await water.waitFor({ timeout: 15_000 });
  assert.is(await textOf(water.locator('[data-testid="banner-text"]')), WATER.da);
  assert.is(await water.locator('[data-testid="banner-text"]').getAttribute('lang'), 'da');
  assert.equal(await crisis(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-key'))), ['crisis:stormflod', 'crisis:drikkevand']);
  await screenshot(page, 'broadcast-reception-en');
  await page.close();
});

e2e('RT-3 on a phone (800×480): at the top above the own name; ended early, it goes at once', async () => {
  const page = await open(bridge.phoneUrl(`phone-${bo.id}`), { width: 800, height: 480 }, '[data-testid="own-name"]');
  if (!page) return;
  const storm = crisis(page, 'stormflod');
  await storm.waitFor({ timeout: 5000 });
  assert.is(await textOf(storm.locator('[data-testid="banner-text"]')), STORM.da);
  const [box, name] = [await storm.boundingBox(), await testid(page, 'own-name').boundingBox()];
  assert.ok(box && name && box.y + box.height <= name.y, 'above the name');
  await screenshot(page, 'broadcast-phone-800x480');
  const violations = await seriousA11yViolations(page);
  assert.equal(violations, [], `axe-core found:\n${describeViolations(violations)}`);

  sys.hub.hub.execute(ADMIN, { op: 'end-broadcast', broadcast: 'stormflod' });
  await storm.waitFor({ state: 'detached', timeout: 5000 });
  assert.is(await testid(page, 'own-name').count(), 1);
  await page.close();
});

e2e('RT-2 / RT-1 at reception: a person\'s competency finds them and says which; AS-3: the switchboard has no "Tag besked", it says where messages go', async () => {
  const page = await open(bridge.kioskUrl(kioskId), { width: 1920, height: 1080 }, '[data-testid="dept-card"]');
  if (!page) return;
  const input = testid(page, 'directory-search-input');
  await input.fill('FOLKEPENSION');
  const row = testid(page, 'reception-row', `[data-person="${leader.id}"]`);
  await row.waitFor({ timeout: 5000 });
  assert.is(await textOf(row.locator('[data-testid="search-why"]')), 'Opgave: folkepension');
  const first = testid(page, 'search-results').locator('[data-testid="reception-row"]').first();
  assert.is(await first.getAttribute('data-person'), leader.id, 'found by competency, before the department\'s other people');

  await input.fill('omstillingen');
  const sw = testid(page, 'reception-row', '[data-person="omstillingen"]');
  await sw.waitFor({ timeout: 5000 });
  assert.is(await sw.locator('[data-testid="take-message-button"]').count(), 0);
  assert.is(await textOf(sw.locator('[data-testid="no-message-note"]')), 'Beskeder lægges til den person eller funktion, borgeren søger (AS-3).');
  assert.is(await testid(page, 'reception-row', `[data-person="${leader.id}"]`).count(), 0);
  await screenshot(page, 'reception-switchboard-da');
  const violations = await seriousA11yViolations(page);
  assert.equal(violations, [], `axe-core found:\n${describeViolations(violations)}`);
  await page.close();
});

e2e.run();
