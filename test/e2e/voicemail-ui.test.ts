/**
 * AS-5 on the phone screen, in Debian Chromium: a call nobody answers goes to voicemail on the
 * SimulatedPbx; the phone says "Telefonsvarer: 1 ubeaflyttet besked"; when the hub's clock has
 * passed a day it warns "Ikke aflyttet i over et døgn (siden kl. …)" (24-hour Copenhagen time),
 * in English with `?lang=en`; listening clears it; the screen stays accessible. Hub, broker,
 * SQLite, firmware cores and the local bridge run in this process; the screens are the built
 * bundle in dist/device-ui (`OMSTIL_TEST_UI_DIR` names another build of it).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { LocalBridge } from '../../firmware/local-bridge.js';
import type { DirectoryData } from '../../broker/directory/directory.js';
import { clockTime } from '../../device-ui/i18n/format.js';
import type { Clock } from '../../protocol/index.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { defaultUiDir } from '../../simulator/main.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { describeViolations, launchChromium, screenshot, seriousA11yViolations } from '../support/ui.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/voicemail-ui');
type Person = DirectoryData['people'][number];

// Borgerservice in the demo directory startSystem uses: the leader, then staff
const [, employee] = demoDirectory({ peoplePerDept: 3, kiosks: 2 }).people as [Person, Person];

/**
 * The hub's clock runs at real speed from now, so the browser's own clock (which words the
 * time) agrees with it; `advance` moves the hub on, as a day passing.
 */
let offset = 0;
const clock: Clock = { now: () => new Date(Date.now() + offset) };

let sys: TestSystem;
let bridge: LocalBridge;
let browser: Browser | null = null;

e2e.before(async () => {
  const uiDir = process.env.OMSTIL_TEST_UI_DIR ?? defaultUiDir();
  if (!existsSync(path.join(uiDir, 'omstil-ui.js'))) throw new Error(`${uiDir}/omstil-ui.js is missing: run \`npm run build\` (npm test does)`);
  sys = await startSystem({ clock, phones: 3, kiosks: 0, pbxVoicemail: true });
  bridge = new LocalBridge({ host: '127.0.0.1', port: 0, uiDir, logger: sys.logger.child('bridge') });
  for (const core of sys.fleet.cores.values()) bridge.add(core);
  await bridge.start();
  for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.me, `${core.deviceId} to show its state`);
  sys.pbx.register(employee.extension, () => false); // away from the desk: calls go to voicemail
});

e2e.after(async () => {
  await browser?.close();
  await bridge?.stop();
  await sys?.stop();
});

async function openPhone(search = ''): Promise<Page | null> {
  browser ??= await launchChromium('Chromium UI test');
  if (!browser) return null;
  const page = await browser.newPage({ viewport: { width: 800, height: 480 } });
  await page.goto(`${bridge.phoneUrl(`phone-${employee.id}`)}${search}`);
  return page;
}

const testid = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
const text = async (page: Page, id: string) => ((await testid(page, id).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
const mirror = () => sys.fleet.core(`phone-${employee.id}`).mirror;

e2e('AS-5 in Chromium: "Telefonsvarer: 1 ubeaflyttet besked", then past a day "Ikke aflyttet i over et døgn (siden kl. …)"; listening clears it', async () => {
  const page = await openPhone();
  if (!page) return;
  await testid(page, 'own-name').waitFor({ timeout: 5000 });
  assert.is(await testid(page, 'voicemail').count(), 0, 'nothing before a message is left');

  assert.is(sys.pbx.call('+4570202020', employee.extension).outcome, 'voicemail');
  const box = testid(page, 'voicemail');
  await box.waitFor({ timeout: 5000 });
  assert.is(await text(page, 'voicemail-count'), 'Telefonsvarer: 1 ubeaflyttet besked');
  assert.is(await box.getAttribute('data-flagged'), 'false');
  assert.is(await testid(page, 'voicemail-flag').count(), 0);
  const since = mirror().me!.voicemail!.unheardSince!;
  assert.is(await box.getAttribute('data-since'), since);

  sys.pbx.call('+4570202021', employee.extension);
  await page.locator('[data-testid="voicemail"][data-unheard="2"]').waitFor({ timeout: 5000 });
  assert.is(await text(page, 'voicemail-count'), 'Telefonsvarer: 2 ubeaflyttede beskeder');

  offset += 24 * 3_600_000 + 60_000; // the hub's day passes
  await page.locator('[data-testid="voicemail"][data-flagged="true"]').waitFor({ timeout: 5000 });
  // the browser's clock is still at the day the message came: "siden kl. 10.12"
  assert.is(await text(page, 'voicemail-flag'), `Ikke aflyttet i over et døgn (siden kl. ${clockTime(new Date(since), 'da')})`);
  assert.is(await text(page, 'voicemail-count'), 'Telefonsvarer: 2 ubeaflyttede beskeder');
  await screenshot(page, 'phone-voicemail-flag');
  const violations = await seriousA11yViolations(page);
  assert.equal(violations, [], describeViolations(violations));

  sys.pbx.listenVoicemail(employee.extension);
  await box.waitFor({ state: 'detached', timeout: 5000 });
  await page.close();
});

e2e('AS-5 in Chromium: the same in English with ?lang=en', async () => {
  sys.pbx.call('+4570202022', employee.extension);
  await waitFor(() => mirror().me?.voicemail?.unheard === 1, 'a new message');
  const since = mirror().me!.voicemail!.unheardSince!;
  offset += 24 * 3_600_000 + 60_000;
  await waitFor(() => mirror().me?.voicemail?.flaggedAt, 'the flag');
  const page = await openPhone('?lang=en');
  if (!page) return;
  await page.locator('[data-testid="voicemail"][data-flagged="true"]').waitFor({ timeout: 5000 });
  assert.is(await text(page, 'voicemail-count'), 'Voicemail: 1 unheard message');
  assert.is(await text(page, 'voicemail-flag'), `Not listened to for over a day (since ${clockTime(new Date(since), 'en')})`);
  await page.close();
});

e2e.run();
