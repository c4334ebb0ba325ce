/**
 * The fleet page for IT in Debian Chromium, served by the hub's admin API at /fleet: a wrong
 * token gets a clear Danish error; the right one shows every simulated device online with its
 * firmware; a refused request shows as the phone's last error; a device that stops (its Will)
 * shows offline within seconds; filters work from the keyboard; a failing connection says
 * "Forbindelse afbrudt" and recovers by itself; axe-core finds no serious or critical
 * violations; it fits 1920×1080 and 1280×800. Screenshots: test-output/screenshots/fleet-*.png.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FIRMWARE_VERSION } from '../../firmware/device-core.js';
import { defaultUiDir } from '../../simulator/main.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { describeViolations, launchChromium, screenshot, seriousA11yViolations } from '../support/ui.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/fleet-ui');
let sys: TestSystem;
let browser: Browser | null = null;
let context: BrowserContext;
let page: Page;
let fleetUrl: string;
let token: string;

e2e.before(async () => {
  const uiDir = defaultUiDir();
  if (!existsSync(path.join(uiDir, 'omstil-ui.js'))) throw new Error(`${uiDir}/omstil-ui.js is missing: run \`npm run build\` (npm test does)`);
  sys = await startSystem({ phones: 4, kiosks: 1 });
  fleetUrl = sys.hub.api!.fleetUrl;
  token = readFileSync(sys.hub.adminTokenFile!, 'utf8').trim();
  browser = await launchChromium('the fleet page in Chromium');
  if (!browser) return;
  // axe-core is injected as an inline script, which the page's CSP forbids: this context lets the
  // test harness in; the page itself is checked under its CSP below
  context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, bypassCSP: true });
  page = await context.newPage();
});

e2e.after(async () => {
  await browser?.close();
  await sys?.stop();
});

const testid = (id: string, extra = '') => page.locator(`[data-testid="${id}"]${extra}`);
const row = (deviceId: string) => testid('fleet-row', `[data-device="${deviceId}"]`);
const cell = (deviceId: string, id: string) => row(deviceId).locator(`[data-testid="${id}"]`);
const text = async (l: ReturnType<typeof testid>) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();

e2e('under its own CSP the page runs, asks for the token and shows the fleet; no CSP violations', async () => {
  if (!browser) return;
  const strict = await browser.newPage();
  try {
    const problems: string[] = [];
    strict.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    strict.on('pageerror', (e) => problems.push(e.message));
    await strict.goto(fleetUrl);
    await strict.locator('[data-testid="fleet-login"]').waitFor({ timeout: 5000 });
    assert.is(await strict.title(), 'Omstil – enheder (IT)');
    await strict.locator('[data-testid="fleet-token"]').fill(token);
    await strict.locator('[data-testid="fleet-login-submit"]').click();
    await strict.locator('[data-testid="fleet-row"]').first().waitFor({ timeout: 5000 });
    assert.equal(problems, []);
  } finally {
    await strict.close();
  }
});

e2e('a wrong token gets a clear Danish error and is not kept', async () => {
  if (!browser) return;
  await page.goto(fleetUrl);
  await testid('fleet-token').fill('ikke-den-rigtige-noegle');
  await testid('fleet-token').press('Enter');
  const error = testid('fleet-login-error');
  await error.waitFor({ timeout: 5000 });
  assert.match(await text(error), /^Forkert admin-nøgle\./);
  assert.is(await testid('fleet-token').getAttribute('aria-invalid'), 'true');
  assert.is(await page.evaluate(() => sessionStorage.length), 0);
});

e2e('the right token: every simulated device online with its firmware; the count at the top', async () => {
  if (!browser) return;
  await testid('fleet-token').fill(token);
  await testid('fleet-login-submit').click();
  await testid('fleet-table').waitFor({ timeout: 5000 });
  assert.not.match(page.url(), new RegExp(token), 'the token is never in the URL');
  assert.is(await page.evaluate(() => sessionStorage.getItem('omstil.adminToken')), token, 'kept for this tab only');
  const simulated = [...sys.fleet.cores.keys()];
  for (const id of simulated) {
    await row(id).and(page.locator('[data-state="online"]')).waitFor({ timeout: 5000 });
    assert.match(await text(cell(id, 'fleet-status')), /^Online$/);
    assert.is(await text(cell(id, 'fleet-fw')), FIRMWARE_VERSION);
    assert.match(await text(cell(id, 'fleet-since')), /^kl\. \d{2}\.\d{2} (lige nu|for \d+ sek\. siden)$/, '24-hour Copenhagen time and age');
  }
  const total = sys.directory.devices.size;
  assert.is(await testid('fleet-row').count(), total, 'every device in the directory has a row');
  assert.is(await text(testid('fleet-summary-online')), `${simulated.length} af ${total} online`);
  assert.match(await text(testid('fleet-summary')), new RegExp(`${total - simulated.length} aldrig set`));
  const kiosk = sys.fleet.kiosks[0]!.deviceId;
  assert.is(await text(cell(kiosk, 'fleet-kind')), 'kiosk');
  assert.is(await text(cell(kiosk, 'fleet-owner')), 'Receptionen');
  const phone = sys.fleet.phones[0]!.deviceId;
  const person = sys.directory.people.get(sys.directory.devices.get(phone)!.person!)!;
  assert.is(await text(cell(phone, 'fleet-kind')), 'telefon');
  assert.match(await text(cell(phone, 'fleet-owner')), new RegExp(`^${person.name} ${sys.directory.departments.get(person.dept)!.name}$`));
  // never seen: sorted after the offline ones, before the online ones
  const states = await testid('fleet-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
  assert.equal(states, [...states].sort((a, b) => ['offline', 'never-seen', 'online'].indexOf(a!) - ['offline', 'never-seen', 'online'].indexOf(b!)));
});

e2e('a refused request from a phone shows as its last error: code, rule and time', async () => {
  if (!browser) return;
  const phone = sys.fleet.phones[0]!;
  const me = sys.directory.devices.get(phone.deviceId)!.person!;
  assert.is((await phone.request('divert', { target: me })).ok, false);
  const error = cell(phone.deviceId, 'fleet-error');
  await waitFor(async () => (await error.getAttribute('data-code')) === 'self-diversion', 'the last error to show', 5000);
  assert.match(await text(error), /^self-diversion \(DV-4\) kl\. \d{2}\.\d{2}$/);
  assert.match(await text(testid('fleet-summary')), /1 med fejl/);
});

e2e('an update in progress shows in words with a bar and a percentage; a finished one without the bar', async () => {
  if (!browser) return;
  const phone = sys.fleet.phones[1]!;
  const update = cell(phone.deviceId, 'fleet-update');
  sys.hub.hub.fleet.update(phone.deviceId, { state: 'downloading', done: 45, total: 100, at: new Date().toISOString() });
  await waitFor(async () => (await update.getAttribute('data-state')) === 'downloading', 'the update to show', 5000);
  assert.is(await text(update), 'Henter 45 %');
  const bar = update.locator('progress');
  assert.is(await bar.getAttribute('value'), '45');
  assert.is(await bar.getAttribute('aria-label'), `Opdatering af ${phone.deviceId}`);
  sys.hub.hub.fleet.update(phone.deviceId, { state: 'confirmed', done: 100, total: 100, at: new Date().toISOString() });
  await waitFor(async () => (await update.getAttribute('data-state')) === 'confirmed', 'the update to finish', 5000);
  assert.is(await text(update), 'Opdateret');
  assert.is(await bar.count(), 0);
  sys.hub.hub.fleet.update(phone.deviceId, null);
  await waitFor(async () => (await update.getAttribute('data-state')) === '', 'the update to clear', 5000);
});

e2e('a device that stops shows offline within seconds (its Will)', async () => {
  if (!browser) return;
  const core = sys.fleet.phones[3]!;
  const t0 = Date.now();
  await core.stop();
  await row(core.deviceId).and(page.locator('[data-state="offline"]')).waitFor({ timeout: 5000 });
  const ms = Date.now() - t0;
  assert.ok(ms < 5000, `took ${ms} ms`);
  assert.match(await text(cell(core.deviceId, 'fleet-status')), /^Offline$/);
  assert.is(await text(cell(core.deviceId, 'fleet-fw')), FIRMWARE_VERSION, 'the firmware is still shown');
  const total = sys.directory.devices.size;
  assert.is(await text(testid('fleet-summary-online')), `${sys.fleet.cores.size - 1} af ${total} online`);
  // problems first: the offline device is the first row
  assert.is(await testid('fleet-row').first().getAttribute('data-device'), core.deviceId);
});

e2e('filters from the keyboard: offline and never seen; with errors; all', async () => {
  if (!browser) return;
  await testid('fleet-filter-all').focus();
  await page.keyboard.press('ArrowRight');
  await waitFor(async () => (await testid('fleet-row', '[data-state="online"]').count()) === 0, 'online rows to be filtered out');
  assert.is(await testid('fleet-row').count(), sys.directory.devices.size - (sys.fleet.cores.size - 1));
  await page.keyboard.press('ArrowRight');
  await waitFor(async () => (await testid('fleet-row').count()) === 1, 'only the phone with an error');
  assert.is(await testid('fleet-row').first().getAttribute('data-device'), sys.fleet.phones[0]!.deviceId);
  await screenshot(page, 'fleet-da-errors');
  await page.keyboard.press('ArrowRight'); // wraps around to "all"
  await waitFor(async () => (await testid('fleet-row').count()) === sys.directory.devices.size, 'all rows again');
});

e2e('axe-core: no serious or critical violations; screenshots at 1920×1080 and 1280×800', async () => {
  if (!browser) return;
  const violations = await seriousA11yViolations(page);
  await screenshot(page, 'fleet-da');
  assert.equal(violations, [], `axe-core found:\n${describeViolations(violations)}`);
  await page.setViewportSize({ width: 1280, height: 800 });
  const fits = await page.locator('om-fleet-view').evaluate((el) => {
    const main = el.shadowRoot!.querySelector('main')!;
    return main.scrollWidth <= main.clientWidth;
  });
  assert.ok(fits, 'no sideways scrolling at 1280×800');
  await screenshot(page, 'fleet-da-1280x800');
  await page.setViewportSize({ width: 1920, height: 1080 });
});

e2e('when the hub cannot be reached: "Forbindelse afbrudt" with the age of the data, then it recovers by itself', async () => {
  if (!browser) return;
  await page.route('**/api/v1/devices**', (route) => route.abort('connectionrefused'));
  // the request waiting at the hub answers on the next change; the one after it fails
  const phone = sys.fleet.phones[1]!;
  await phone.request('divert', { target: sys.directory.devices.get(phone.deviceId)!.person! });
  const banner = testid('connection-banner');
  await banner.waitFor({ timeout: 5000 });
  assert.match(await text(banner), /^Forbindelse afbrudt Viser oplysninger fra kl\. \d{2}\.\d{2} \(under 1 min\. siden\)/);
  assert.is(await testid('fleet-row').count(), sys.directory.devices.size, 'the last data stays on screen');
  await page.unroute('**/api/v1/devices**');
  await banner.waitFor({ state: 'detached', timeout: 10_000 });
  await waitFor(async () => (await cell(phone.deviceId, 'fleet-error').getAttribute('data-code')) === 'self-diversion', 'the news from meanwhile');
});

e2e('English with ?lang=en; the token is kept for the tab (no second login)', async () => {
  if (!browser) return;
  await page.goto(`${fleetUrl}?lang=en`);
  await testid('fleet-table').waitFor({ timeout: 5000 });
  assert.match(await text(testid('fleet-summary-online')), / of \d+ online$/);
  assert.match(await text(cell(sys.fleet.phones[3]!.deviceId, 'fleet-status')), /^Offline$/);
  await screenshot(page, 'fleet-en');
  const violations = await seriousA11yViolations(page);
  assert.equal(violations, [], `axe-core found:\n${describeViolations(violations)}`);
  // log out: the token is gone and the form is back
  await testid('fleet-logout').click();
  await testid('fleet-login').waitFor();
  assert.is(await page.evaluate(() => sessionStorage.length), 0);
});

e2e.run();
