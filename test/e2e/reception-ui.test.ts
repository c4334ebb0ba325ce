/**
 * The reception terminal in Debian Chromium at 1920×1080: the department board (PH-1..PH-5),
 * the directory search (RT-2, RT-1, PR-2) and taking a message (AS-1..AS-3). Hub, broker,
 * SQLite, the kiosk's firmware core and the local bridge run in this process; the screen is the
 * built bundle in dist/device-ui. The hub's clock starts on a fixed Monday morning and the
 * page's clock is fixed to the same instant, so nothing depends on the time of day the tests run.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { LocalBridge } from '../../firmware/local-bridge.js';
import { defaultUiDir } from '../../simulator/main.js';
import type { Actor } from '../../broker/policy/commands.js';
import { clockFrom, startSystem, type TestSystem } from '../support/system.js';
import { launchChromium, screenshot } from '../support/ui.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/reception-ui');

/**
 * Monday 23 November 2026, 08:30 in Copenhagen (CET). Borgerservice answers 08:00-18:00,
 * Social- og arbejdsmarkedsforvaltningen 09:00-13:00 (so it is closed now), Jobcenter 09:00-14:30.
 */
const START = '2026-11-23T08:30:00+01:00';
const ADMIN: Actor = { source: 'admin', id: 'test', personId: null };
const CLOSURE = {
  da: 'Jobcentret flytter og tager ikke telefonen før kl. 12.00.',
  en: 'The job centre is moving and does not answer before 12:00.',
};
const PEAK = { da: 'Skattekortene er sendt ud – mange ringer om dem.', en: 'Tax cards have been sent out – many will call about them.' };

let sys: TestSystem;
let bridge: LocalBridge;
let browser: Browser | null = null;
let kioskId = '';

e2e.before(async () => {
  const uiDir = defaultUiDir();
  if (!existsSync(path.join(uiDir, 'omstil-ui.js'))) throw new Error(`${uiDir}/omstil-ui.js is missing: run \`npm run build\` (npm test does)`);
  sys = await startSystem({ clock: clockFrom(START), phones: 0, kiosks: 1 });
  bridge = new LocalBridge({ host: '127.0.0.1', port: 0, uiDir, logger: sys.logger.child('bridge') });
  for (const core of sys.fleet.cores.values()) bridge.add(core);
  await bridge.start();
  const kiosk = sys.fleet.kiosks[0]!;
  kioskId = kiosk.deviceId;
  // PH-3: Jobcenter closed this morning until 12:00; PH-5: a busy day at Borgerservice
  sys.hub.hub.execute(ADMIN, { op: 'add-closure', dept: 'jobcenter', id: 'flytning', start: '2026-11-23T08:00:00+01:00', end: '2026-11-23T12:00:00+01:00', message: CLOSURE, offer: 'callback', fallback: null });
  sys.hub.hub.execute(ADMIN, { op: 'add-peak', dept: 'borgerservice', id: 'skattekort', from: '2026-11-23', to: '2026-11-24', text: PEAK });
  // AS-3: Ole Sørensen is away all week; Niels Jensen covers (PR-2: the reason never reaches the kiosk)
  sys.hub.hub.execute(ADMIN, { op: 'set-status', person: 'ole-soerensen', kind: 'absent', until: '2026-11-30T08:00:00+01:00', reason: 'Hemmelig grund 4711', divertTo: 'niels-jensen' });
  await waitFor(() => kiosk.mirror.depts.get('jobcenter')?.closures.length && kiosk.mirror.depts.get('borgerservice')?.peaks.length, 'the kiosk to get the closure and the peak');
  await waitFor(() => kiosk.mirror.people.get('ole-soerensen')?.presence === 'absent', 'the kiosk to see Ole absent');
  browser = await launchChromium('reception UI test');
});

e2e.after(async () => {
  await browser?.close();
  await bridge?.stop();
  await sys?.stop();
});

/** The reception page at 1920×1080 with the page's clock fixed at START, or null without Chromium. */
async function openReception(lang: 'da' | 'en' = 'da'): Promise<Page | null> {
  if (!browser) return null;
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.clock.setFixedTime(new Date(START));
  await page.goto(`${bridge.kioskUrl(kioskId)}${lang === 'en' ? '?lang=en' : ''}`);
  await page.locator('[data-testid="dept-card"]').first().waitFor({ timeout: 5000 });
  return page;
}

const testid = (scope: Page | Locator, id: string, extra = '') => scope.locator(`[data-testid="${id}"]${extra}`);
const textOf = async (l: Locator) => ((await l.first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
const boardCard = (page: Page, dept: string) => testid(page, 'dept-board').locator(`[data-testid="dept-card"][data-dept="${dept}"]`);
/** The form's receipt after a send; fails with the text the form shows when the send was refused. */
async function receiptOf(page: Page): Promise<Locator> {
  const receipt = testid(page, 'message-receipt');
  const refusal = testid(page, 'message-form').locator('[data-testid="error-text"]');
  await receipt.or(refusal).first().waitFor({ timeout: 5000 });
  if (!(await receipt.count())) assert.unreachable(`the form shows "${await textOf(refusal)}" instead of a receipt`);
  return receipt;
}
const search = async (page: Page, query: string) => {
  await testid(page, 'directory-search-input').fill(query);
  await testid(page, 'search-count').filter({ hasText: /fundet|found|Intet|Nothing/ }).waitFor({ timeout: 5000 });
};

e2e('PH-1..PH-5 board: open with today\'s hours and when it closes, closed with when it opens and what callers hear, a closure with its end, a peak', async () => {
  const page = await openReception();
  if (!page) return;
  assert.is(await textOf(testid(page, 'reception-clock')), '08.30', '24-hour Copenhagen time');
  assert.is(await textOf(testid(page, 'reception-date')), 'mandag 23. november');

  const bs = boardCard(page, 'borgerservice');
  assert.is(await bs.getAttribute('data-status'), 'open');
  assert.is(await textOf(bs.locator('[data-testid="dept-status"]')), 'Åben', 'the status is a word, not only a colour');
  assert.is(await textOf(bs.locator('[data-testid="dept-hours"]')), 'Telefontid i dag 08.00–18.00');
  assert.is(await textOf(bs.locator('[data-testid="dept-next-change"]')), 'Lukker kl. 18.00');
  const peak = bs.locator('[data-testid="dept-peak"]');
  assert.is(await peak.getAttribute('data-phase'), 'today');
  assert.match(await textOf(peak), 'Forventet travlhed i dag');
  assert.match(await textOf(peak), PEAK.da);
  assert.is(await bs.locator('[data-testid="dept-outside-hours"]').count(), 0, 'an open department shows no outside-hours text');
  assert.is(await textOf(bs.locator('[data-testid="dept-group-number"]')), 'Fællesnr. 10900', 'PH-4: the function number (its label for screen readers)');

  const social = boardCard(page, 'social-arbejdsmarked');
  assert.is(await social.getAttribute('data-status'), 'closed');
  assert.is(await textOf(social.locator('[data-testid="dept-status"]')), 'Lukket');
  assert.is(await textOf(social.locator('[data-testid="dept-hours"]')), 'Telefontid i dag 09.00–13.00');
  assert.is(await textOf(social.locator('[data-testid="dept-next-change"]')), 'Åbner kl. 09.00');
  assert.match(await textOf(social.locator('[data-testid="dept-outside-hours"]')), /^Opkaldere hører: .+/, 'PH-2: what callers hear');

  const job = boardCard(page, 'jobcenter');
  assert.is(await job.getAttribute('data-status'), 'closure');
  assert.is(await textOf(job.locator('[data-testid="dept-status"]')), 'Lukket nu');
  const closure = job.locator('[data-testid="dept-closure"]');
  assert.is(await closure.getAttribute('data-phase'), 'now');
  assert.is(await textOf(closure), `Lukket indtil kl. 12.00 ${CLOSURE.da}`, 'PH-3: the end and the message');

  // every department is on the board
  assert.is(await testid(page, 'dept-board').locator('[data-testid="dept-card"]').count(), sys.directory.departments.size);
  await screenshot(page, 'reception-da');
  await page.close();
});

e2e('the board in English: words and 24-hour times', async () => {
  const page = await openReception('en');
  if (!page) return;
  const bs = boardCard(page, 'borgerservice');
  assert.is(await textOf(bs.locator('[data-testid="dept-status"]')), 'Open');
  assert.is(await textOf(bs.locator('[data-testid="dept-hours"]')), 'Phone hours today 08:00–18:00');
  assert.is(await textOf(bs.locator('[data-testid="dept-next-change"]')), 'Closes at 18:00');
  assert.is(await textOf(boardCard(page, 'social-arbejdsmarked').locator('[data-testid="dept-next-change"]')), 'Opens at 09:00');
  assert.is(await textOf(boardCard(page, 'jobcenter').locator('[data-testid="dept-closure"] strong')), 'Closed until 12:00');
  await screenshot(page, 'reception-en');
  await page.close();
});

e2e('RT-2: a task keyword, typed without æøå and in capitals, finds the department with its card and function number', async () => {
  const page = await openReception();
  if (!page) return;
  await search(page, 'KOEREKORT');
  const hit = testid(page, 'search-dept-hit', '[data-dept="borgerservice"]');
  await hit.waitFor({ timeout: 5000 });
  assert.is(await textOf(hit.locator('[data-testid="search-why"]')), 'Opgave: kørekort');
  const card = hit.locator('[data-testid="dept-card"]');
  assert.is(await card.getAttribute('data-status'), 'open');
  assert.is(await textOf(card.locator('[data-testid="dept-hours"]')), 'Telefontid i dag 08.00–18.00');
  const group = card.locator('[data-testid="dept-group"][data-group="borgerservice-gruppe"]');
  assert.match(await textOf(group), '10900');
  assert.is(await group.locator('[data-testid="take-message-button"]').getAttribute('data-target'), 'borgerservice-gruppe');
  // "korekort" (ø as o) finds it too
  await search(page, 'korekort');
  await testid(page, 'search-dept-hit', '[data-dept="borgerservice"]').waitFor({ timeout: 5000 });
  await page.close();
});

e2e('RT-2 / RT-1 / PR-2: a name finds the person with presence and back-at; in a sensitive department the function number stands in for the extension', async () => {
  const page = await openReception();
  if (!page) return;
  await search(page, 'ostergaard'); // Sofie Østergaard (Betalingskontor) and Emil Østergaard (Misbrugscentret, sensitive)
  const sofie = testid(page, 'reception-row', '[data-person="sofie-oestergaard"]');
  await sofie.waitFor({ timeout: 5000 });
  assert.is(await textOf(sofie.locator('[data-testid="person-name"]')), 'Sofie Østergaard');
  assert.match(await textOf(sofie.locator('[data-testid="person-dept"]')), 'Betalingskontor/Adressekontrol');
  const presence = sys.fleet.kiosks[0]!.mirror.people.get('sofie-oestergaard')!.presence;
  assert.is(presence, 'off-hours', 'Betalingskontor opens at 09:00');
  assert.is(await sofie.locator('om-presence-badge').getAttribute('presence'), presence);
  assert.match(await textOf(sofie.locator('om-presence-badge .badge')), 'Uden for telefontid', 'the presence in words');
  assert.is(await textOf(sofie.locator('[data-testid="reception-back-at"]')), 'Tilbage kl. 09.00');
  assert.is(await textOf(sofie.locator('[data-testid="reception-extension"]')), 'Lokalnr.15002');

  const emil = testid(page, 'reception-row', '[data-person="emil-oestergaard"]');
  assert.is(await emil.locator('[data-testid="reception-extension"]').count(), 0, 'RT-1: no personal extension');
  assert.match(await textOf(emil.locator('[data-testid="reception-function-number"]')), '21900');
  assert.not.match(await textOf(emil), '21001', 'the extension is nowhere in the row');

  // the whole sensitive department, found by its name: no extension anywhere
  await search(page, 'misbrugscentret');
  await testid(page, 'search-dept-hit', '[data-dept="misbrugscenter"]').waitFor({ timeout: 5000 });
  const rows = testid(page, 'search-results').locator('[data-testid="reception-row"][data-dept="misbrugscenter"]');
  assert.is(await rows.count(), 3);
  assert.is(await testid(page, 'search-results').locator('[data-dept="misbrugscenter"] [data-testid="reception-extension"]').count(), 0);
  for (const ext of ['21000', '21001', '21002']) assert.not.match(await textOf(testid(page, 'search-results')), ext);

  // PR-2: an absent person shows when they are back, never why
  await search(page, 'ole sorensen');
  const ole = testid(page, 'reception-row', '[data-person="ole-soerensen"]');
  await ole.waitFor({ timeout: 5000 });
  assert.is(await ole.getAttribute('data-presence'), 'absent');
  assert.is(await textOf(ole.locator('[data-testid="reception-back-at"]')), 'Tilbage mandag 30. november kl. 08.00');
  assert.match(await textOf(ole.locator('[data-testid="reception-diversion"]')), 'Viderestillet til Niels Jensen');
  assert.not.match((await page.content()) + (await textOf(testid(page, 'search-results'))), 'Hemmelig');
  await page.close();
});

e2e('AS-1: take a message from a search hit: limits shown, errors next to the fields, Enter sends, the due time in Danish, the form clears; Escape closes', async () => {
  const page = await openReception();
  if (!page) return;
  await search(page, 'anna holm');
  const open = testid(page, 'reception-row', '[data-person="anna-holm"]').locator('[data-testid="take-message-button"]');
  await open.click();
  const form = testid(page, 'message-form');
  await form.waitFor({ timeout: 5000 });
  assert.is(await form.getAttribute('data-target'), 'anna-holm');
  assert.is(await textOf(testid(page, 'message-form-title')), 'Besked til Anna Holm');
  assert.is(await page.evaluate(() => (document.querySelector('om-app')!.shadowRoot!.querySelector('om-reception-view')!.shadowRoot!.querySelector('om-message-form')!.shadowRoot!.activeElement as HTMLElement | null)?.dataset.testid), 'message-caller-name', 'the caller\'s name has focus');
  assert.match(await textOf(form), 'Højst 100 tegn', 'the limits are shown');
  assert.match(await textOf(form), '0 af 1000 tegn');
  assert.is(await testid(page, 'message-caller-informed').count(), 0, 'no AS-3 checkbox for someone available');

  // Enter with nothing filled in: each field says what is wrong, nothing is sent
  await page.keyboard.press('Enter');
  assert.is(await textOf(testid(page, 'message-caller-name-error')), 'Skriv opkalderens navn.');
  assert.is(await textOf(testid(page, 'message-caller-number-error')), 'Skriv opkalderens telefonnummer.');
  assert.is(await testid(page, 'message-caller-name').getAttribute('aria-invalid'), 'true');
  await testid(page, 'message-caller-name').fill('Hans Hansen');
  await testid(page, 'message-caller-number').fill('12');
  await testid(page, 'message-caller-number').press('Enter');
  assert.is(await testid(page, 'message-caller-name-error').count(), 0);
  assert.is(await textOf(testid(page, 'message-caller-number-error')), 'Telefonnummeret skal have 6–20 tegn og kun cifre, mellemrum, + og -.');
  assert.is(await testid(page, 'message-receipt').count(), 0, 'nothing was sent');

  await testid(page, 'message-caller-number').fill('+45 20 30 40 50');
  await testid(page, 'message-text').fill('Vil gerne høre om sit nye pas');
  await testid(page, 'message-text').press('Enter'); // Enter sends; Shift+Enter would be a new line
  const receipt = await receiptOf(page);
  assert.is(await receipt.getAttribute('data-for'), 'anna-holm');
  assert.is(await textOf(testid(page, 'message-receipt-to')), 'Beskeden er sendt til Anna Holm.');
  const due = (await receipt.getAttribute('data-due'))!;
  assert.ok(due, 'the hub\'s due time');
  const time = new Intl.DateTimeFormat('da-DK', { timeZone: 'Europe/Copenhagen', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(due));
  assert.is(await textOf(testid(page, 'message-receipt-due')), `Ringes op senest tirsdag 24. november kl. ${time}`, 'AS-2: one workday later');
  const stored = sys.hub.hub.message((await receipt.getAttribute('data-message'))!);
  assert.equal([stored?.for, stored?.callerName, stored?.callerNumber, stored?.text], ['anna-holm', 'Hans Hansen', '+45 20 30 40 50', 'Vil gerne høre om sit nye pas']);
  assert.is(await testid(page, 'message-caller-name').inputValue(), '', 'the form is cleared');
  assert.is(await testid(page, 'message-text').inputValue(), '');

  await page.keyboard.press('Escape');
  await form.waitFor({ state: 'detached', timeout: 5000 });
  await waitFor(async () => (await open.evaluate((el) => el.matches(':focus'))) || null, 'focus to return to the button');
  await page.close();
});

e2e('AS-3: for someone absent the form asks whether the caller knows; without it the message goes to the colleague covering, and the receipt says so', async () => {
  const page = await openReception();
  if (!page) return;
  await search(page, 'ole sørensen');
  await testid(page, 'reception-row', '[data-person="ole-soerensen"]').locator('[data-testid="take-message-button"]').click();
  await testid(page, 'message-form').waitFor({ timeout: 5000 });
  assert.match(await textOf(testid(page, 'message-target-state')), 'Tilbage mandag 30. november kl. 08.00');
  const informed = testid(page, 'message-caller-informed');
  assert.is(await informed.isChecked(), false);
  await testid(page, 'message-caller-name').fill('Grete Jensen');
  await testid(page, 'message-caller-number').fill('86 42 00 00');
  await testid(page, 'message-send-button').click();
  const receipt = await receiptOf(page);
  assert.is(await receipt.getAttribute('data-for'), 'niels-jensen');
  assert.is(await receipt.getAttribute('data-rule'), 'AS-3');
  assert.is(await textOf(testid(page, 'message-receipt-to')), 'Beskeden går til Niels Jensen i stedet for Ole Sørensen (AS-3).');

  // the caller knows and wants it to go to Ole anyway
  await testid(page, 'message-caller-name').fill('Grete Jensen');
  await testid(page, 'message-caller-number').fill('86 42 00 00');
  await informed.check();
  await testid(page, 'message-send-button').click();
  await waitFor(async () => (await receipt.getAttribute('data-for')) === 'ole-soerensen' || null, 'the second message to go to Ole');
  assert.is(await textOf(testid(page, 'message-receipt-to')), 'Beskeden er sendt til Ole Sørensen.');
  await testid(page, 'message-close-button').click();
  await testid(page, 'message-form').waitFor({ state: 'detached', timeout: 5000 });
  await page.close();
});

e2e('AS-1 in English, for a function number from a department hit; AS-3: no "Take a message" for the switchboard, and a hub refusal shows as text with its rule', async () => {
  const page = await openReception('en');
  if (!page) return;
  await search(page, 'Borgerservice');
  await testid(page, 'search-dept-hit', '[data-dept="borgerservice"]').locator('[data-testid="take-message-button"][data-target="borgerservice-gruppe"]').click();
  await testid(page, 'message-form').waitFor({ timeout: 5000 });
  assert.is(await textOf(testid(page, 'message-form-title')), 'Message for Borgerservice, fællesnummer');
  await testid(page, 'message-caller-name').fill('Peter Smith');
  await testid(page, 'message-caller-number').fill('+44 20 7946 0000');
  await testid(page, 'message-caller-number').press('Enter');
  assert.is(await (await receiptOf(page)).getAttribute('data-for'), 'borgerservice-gruppe');
  assert.match(await textOf(testid(page, 'message-receipt-due')), /^To be called back by Tuesday 24 November at \d\d:\d\d$/);
  await page.keyboard.press('Escape');

  // the switchboard takes no messages (AS-3): the screen does not offer it and says where messages go
  await search(page, 'omstillingen');
  const sw = testid(page, 'reception-row', '[data-person="omstillingen"]');
  await sw.waitFor({ timeout: 5000 });
  assert.is(await sw.locator('[data-testid="take-message-button"]').count(), 0);
  assert.is(await textOf(sw.locator('[data-testid="no-message-note"]')), 'Messages go to the person or function the caller wants (AS-3).');
  // a screen that still asks (an older bundle) gets the hub's reason, as text with the rule, never a code
  await page.evaluate(() => {
    const main = document.querySelector('om-app')?.shadowRoot?.querySelector('om-reception-view')?.shadowRoot?.querySelector('main');
    main?.dispatchEvent(new CustomEvent('om-take-message', { detail: { kind: 'person', id: 'omstillingen' }, bubbles: true, composed: true }));
  });
  await testid(page, 'message-caller-name').fill('Peter Smith');
  await testid(page, 'message-caller-number').fill('+44 20 7946 0000');
  await testid(page, 'message-caller-number').press('Enter');
  const error = testid(page, 'message-form').locator('[data-testid="error-text"]');
  await error.waitFor({ timeout: 5000 });
  const text = await textOf(error);
  assert.match(text, '(AS-3)');
  assert.not.match(text, 'invalid-payload');
  assert.is(await testid(page, 'message-receipt').count(), 0);
  await page.close();
});

e2e.run();
