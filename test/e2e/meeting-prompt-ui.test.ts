/**
 * DV-5 on the phone screen, in Debian Chromium: a calendar meeting makes the hub offer the
 * diversion, the phone shows "Viderestil til <kollega> under mødet?", one press diverts for
 * exactly the meeting and the card goes. Hub, broker, SQLite, firmware cores and the local
 * bridge run in this process; the screens are the built bundle in dist/device-ui.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { CalendarSource } from '../../broker/calendar/calendar-source.js';
import { LocalBridge } from '../../firmware/local-bridge.js';
import type { DirectoryData } from '../../broker/directory/directory.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { defaultUiDir } from '../../simulator/main.js';
import { needBinary } from '../support/system-deps.js';
import { clockFrom, startSystem, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/meeting-prompt-ui');
type Person = DirectoryData['people'][number];

/** Monday 23 November 2026 in Copenhagen (CET): Borgerservice answers 08:00-18:00; the meeting is 10:00-11:00. */
const START = '2026-11-23T09:57:00+01:00';
const MEETING = { start: new Date('2026-11-23T10:00:00+01:00').toISOString(), end: new Date('2026-11-23T11:00:00+01:00').toISOString() };

// Borgerservice in the demo directory startSystem uses: the leader, then two staff; the leader prefers the next one
const [anna, bo, camilla] = demoDirectory({ peoplePerDept: 3, kiosks: 2 }).people as [Person, Person, Person];

/** A calendar with one meeting for Anna (the calendar sync plans the prompt from it, and takes it away once she is diverted). */
const annasCalendar: CalendarSource = {
  id: 'test-anna',
  personId: anna.id,
  kind: 'ics',
  sync: async () => ({
    full: true,
    items: [{ id: 'moede-1', format: 'occurrences', occurrences: [{ uid: 'moede-1', ...MEETING, allDay: false, show: 'busy', summary: 'Sagsgennemgang' }] }],
    removed: [],
    bytes: 0,
  }),
};

let sys: TestSystem;
let bridge: LocalBridge;
let browser: Browser | null = null;

e2e.before(async () => {
  const uiDir = defaultUiDir();
  if (!existsSync(path.join(uiDir, 'omstil-ui.js'))) throw new Error(`${uiDir}/omstil-ui.js is missing: run \`npm run build\` (npm test does)`);
  sys = await startSystem({ clock: clockFrom(START), phones: 3, kiosks: 0, calendarSources: [annasCalendar] });
  bridge = new LocalBridge({ host: '127.0.0.1', port: 0, uiDir, logger: sys.logger.child('bridge') });
  for (const core of sys.fleet.cores.values()) bridge.add(core);
  await bridge.start();
  for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.me, `${core.deviceId} to show its state`);
});

e2e.after(async () => {
  await browser?.close();
  await bridge?.stop();
  await sys?.stop();
});

/** The phone page in Chromium, or null (skipped, and said so) without Chromium. */
async function openPhone(personId: string, search = ''): Promise<Page | null> {
  const exe = needBinary('chromium', 'chromium', 'Chromium UI test');
  if (!exe) return null;
  browser ??= await chromium.launch({
    executablePath: exe,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 800, height: 480 } });
  await page.goto(`${bridge.phoneUrl(`phone-${personId}`)}${search}`);
  return page;
}

const testid = (page: Page, id: string, extra = '') => page.locator(`[data-testid="${id}"]${extra}`);
const text = async (page: Page, id: string) => ((await testid(page, id).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
const setPrompt = (person: string, suggestion: string | null) =>
  sys.hub.hub.execute({ source: 'calendar', id: 'test', personId: null }, { op: 'set-meeting-prompt', person, prompt: { ...MEETING, suggestion } });

e2e('DV-5 in Chromium: the phone asks "Viderestil til Bo Larsen under mødet?" in Danish; one press (Enter) diverts until the meeting ends and the card goes', async () => {
  assert.is(anna.preferred[0], bo.id, 'Bo is the colleague the hub suggests');
  await waitFor(() => sys.fleet.core(`phone-${anna.id}`).mirror.me?.meetingPrompt, 'the calendar to offer the diversion');
  const page = await openPhone(anna.id);
  if (!page) return;

  const card = testid(page, 'meeting-prompt');
  await card.waitFor({ timeout: 5000 });
  assert.is(await card.getAttribute('data-start'), MEETING.start);
  assert.is(await card.getAttribute('data-end'), MEETING.end);
  assert.is(await card.getAttribute('role'), 'region');
  assert.is(await card.getAttribute('aria-live'), 'polite');
  assert.is(await text(page, 'meeting-heading'), `Viderestil til ${bo.name} under mødet?`);
  assert.is(await text(page, 'meeting-time'), 'Mødet er kl. 10.00-11.00', '24-hour Copenhagen time');
  const button = testid(page, 'meeting-divert-button');
  assert.is(await button.getAttribute('data-target'), bo.id);
  assert.match((await button.getAttribute('aria-label')) ?? '', bo.name, 'the button has an accessible label naming the colleague');
  // the card sits above the big divert button
  const [cardBox, bigBox] = [await card.boundingBox(), await testid(page, 'divert-button').boundingBox()];
  assert.ok(cardBox && bigBox && cardBox.y + cardBox.height <= bigBox.y, 'the card is above the big button');

  // keyboard operable: focus and Enter
  await button.focus();
  await page.keyboard.press('Enter');

  const d = await waitFor(() => sys.hub.hub.record(anna.id)?.diversion, 'the hub to record the diversion');
  assert.equal([d.to, d.until], [bo.id, MEETING.end], 'diverted to Bo for exactly the meeting');
  const entry = sys.hub.store.journal(20).find((e) => e.op === 'divert');
  assert.is(entry?.actor, `phone-${anna.id}`, 'the press came from her phone');
  await card.waitFor({ state: 'detached', timeout: 5000 });
  await testid(page, 'own-diversion', '[data-status="active"]').waitFor({ timeout: 5000 });
  await waitFor(() => sys.hub.hub.record(anna.id)?.meetingPrompt === null, 'the hub to withdraw the offer');
  await page.close();
});

e2e('DV-5 in Chromium: with nobody to suggest, the card says so (English here) and has no button', async () => {
  setPrompt(bo.id, null);
  await waitFor(() => sys.fleet.core(`phone-${bo.id}`).mirror.me?.meetingPrompt, 'Bo\'s phone to get the offer');
  const page = await openPhone(bo.id, '?lang=en');
  if (!page) return;
  await testid(page, 'meeting-prompt').waitFor({ timeout: 5000 });
  assert.is(await text(page, 'meeting-heading'), 'Nobody can take your calls during the meeting – they still come to you');
  assert.is(await text(page, 'meeting-time'), 'The meeting is 10:00-11:00');
  assert.is(await testid(page, 'meeting-divert-button').count(), 0);
  // the offer withdrawn, the card goes
  sys.hub.hub.execute({ source: 'calendar', id: 'test', personId: null }, { op: 'set-meeting-prompt', person: bo.id, prompt: null });
  await testid(page, 'meeting-prompt').waitFor({ state: 'detached', timeout: 5000 });
  await page.close();
});

e2e('DV-5 / DV-3 in Chromium: a refused press shows the hub\'s reason with the rule as text, and the card stays', async () => {
  setPrompt(camilla.id, 'omstillingen'); // a suggestion the policy refuses (DV-3)
  const page = await openPhone(camilla.id);
  if (!page) return;
  const button = testid(page, 'meeting-divert-button');
  await button.waitFor({ timeout: 5000 });
  await button.click();
  const error = testid(page, 'meeting-prompt').locator('[data-testid="error-text"]');
  await error.waitFor({ timeout: 5000 });
  assert.is(((await error.textContent()) ?? '').trim(), 'Opkald må ikke sendes tilbage til Omstillingen (DV-3).');
  assert.is(await button.getAttribute('data-state'), 'ready');
  assert.is(await testid(page, 'meeting-prompt').count(), 1, 'the offer stays');
  assert.is(sys.hub.hub.record(camilla.id)!.diversion, null, 'nothing changed');
  await page.close();
});

e2e.run();
