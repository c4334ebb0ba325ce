/**
 * The phone screen in Debian Chromium at 800×480 (and 480×272), Danish first: setting an
 * absence (PR-1) with a colleague, a long absence refused without one (DV-6) and the hub's
 * suggestion taken in one press, "Tilbage nu"; the own department's closure (PH-3) and peak
 * (PH-5) at the top; messages to call back (AS-1/AS-4) with "Set" and "Ringet op", overdue
 * by the screen's clock. Hub, broker, SQLite, firmware cores and the local bridge run in this
 * process; the screens are the built bundle in dist/device-ui. The page's clock is set to the
 * hub's (a fixed Monday morning), so "i morgen" means the same to both.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { DirectoryData } from '../../broker/directory/directory.js';
import { LocalBridge } from '../../firmware/local-bridge.js';
import type { TakeMessageReply } from '../../protocol/index.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { defaultUiDir } from '../../simulator/main.js';
import { clockFrom, startSystem, type TestSystem } from '../support/system.js';
import { describeViolations, launchChromium, screenshot, seriousA11yViolations } from '../support/ui.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/phone-ui');
type Person = DirectoryData['people'][number];

/** Monday 23 November 2026, 09:00 in Copenhagen (CET): Borgerservice answers the phone. */
const START = '2026-11-23T09:00:00+01:00';
const clock = clockFrom(START);
/** Tuesday and Wednesday 08:00 in Copenhagen */
const TUE_8 = '2026-11-24T07:00:00.000Z';
const WED_8 = '2026-11-25T07:00:00.000Z';

// Borgerservice in the demo directory: the leader Anna, then Bo and Camilla (the group number's members)
const demo = demoDirectory({ peoplePerDept: 3, kiosks: 1 });
const [anna, bo, camilla] = demo.people as [Person, Person, Person];
const group = demo.groups.find((g) => g.dept === anna.dept)!;

let sys: TestSystem;
let bridge: LocalBridge;
let browser: Browser | null = null;

e2e.before(async () => {
  const uiDir = defaultUiDir();
  if (!existsSync(path.join(uiDir, 'omstil-ui.js'))) throw new Error(`${uiDir}/omstil-ui.js is missing: run \`npm run build\` (npm test does)`);
  sys = await startSystem({ clock, phones: 3, kiosks: 1 });
  bridge = new LocalBridge({ host: '127.0.0.1', port: 0, uiDir, logger: sys.logger.child('bridge') });
  for (const core of sys.fleet.cores.values()) bridge.add(core);
  await bridge.start();
  for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.config && (core.mirror.kind === 'kiosk' || core.mirror.me), `${core.deviceId} to show its state`);
  browser = await launchChromium('phone screen in Chromium');
});

e2e.after(async () => {
  await browser?.close();
  await bridge?.stop();
  await sys?.stop();
});

/** A person's phone page at the hub's time, or null (skipped, and said so) without Chromium. */
async function openPhone(personId: string, opts: { lang?: 'en'; size?: { width: number; height: number } } = {}): Promise<Page | null> {
  if (!browser) return null;
  const page = await browser.newPage({ viewport: opts.size ?? { width: 800, height: 480 } });
  await page.clock.install({ time: clock.now() });
  await page.goto(`${bridge.phoneUrl(`phone-${personId}`)}${opts.lang ? `?lang=${opts.lang}` : ''}`);
  await testid(page, 'own-name').waitFor({ timeout: 5000 });
  return page;
}

const testid = (page: Page, id: string, extra = '') => page.locator(`[data-testid="${id}"]${extra}`);
const clean = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();
const text = async (page: Page, id: string, extra = '') => clean(await testid(page, id, extra).first().textContent());
const admin = { source: 'admin' as const, id: 't', personId: null };
const kiosk = () => sys.fleet.core(sys.fleet.kiosks[0]!.deviceId);

e2e('PR-1 in Chromium: "Fravær" in one press, "Til og med i morgen" with a colleague and a private reason; the hub records it and the phone shows it; "Tilbage nu" clears it', async () => {
  const page = await openPhone(bo.id);
  if (!page) return;
  const open = testid(page, 'absence-open-button');
  assert.is(clean(await open.textContent()), 'Fravær');
  assert.match((await open.getAttribute('aria-label')) ?? '', 'hvem der tager dine opkald');
  await open.click();

  const form = testid(page, 'absence-form');
  await form.waitFor({ timeout: 5000 });
  const today = testid(page, 'absence-choice', '[data-choice="today"]');
  assert.is(await today.getAttribute('data-until'), TUE_8, 'rest of today: back Tuesday 08.00');
  assert.is(clean(await today.innerText()), 'Resten af i dag Tilbage i morgen kl. 08.00');
  const next = testid(page, 'absence-choice', '[data-choice="next-workday"]');
  assert.is(await next.getAttribute('data-until'), WED_8);
  assert.is(clean(await next.innerText()), 'Til og med i morgen Tilbage onsdag kl. 08.00', 'Danish, 24-hour');
  // PR-2 said plainly next to the reason field
  assert.match(clean(await form.textContent()), 'kun du og din leder kan se årsagen');
  // preferred colleagues first: Bo prefers Camilla, then Anna
  const covers = await testid(page, 'cover-option').evaluateAll((els) => els.map((e) => e.getAttribute('data-target')));
  assert.equal(covers.slice(0, 3), ['', camilla.id, anna.id]);

  await next.click();
  await testid(page, 'cover-option', `[data-target="${camilla.id}"]`).click();
  await testid(page, 'absence-reason-input').fill('Kursus i Aarhus');
  await testid(page, 'absence-auto-reply').check();
  const a11y = await seriousA11yViolations(page);
  assert.equal(a11y, [], `axe-core on the absence form:\n${describeViolations(a11y)}`);
  await testid(page, 'absence-submit').click();

  const rec = await waitFor(() => (sys.hub.hub.record(bo.id)?.status ? sys.hub.hub.record(bo.id) : undefined), 'the hub to record the absence');
  assert.is(rec.status?.kind, 'absent');
  assert.is(rec.status?.until, WED_8);
  assert.is(rec.status?.autoReply, true, 'Autosvar i Outlook');
  assert.is(rec.absenceReason, 'Kursus i Aarhus');
  assert.is(rec.diversion?.to, camilla.id, 'Camilla takes the calls');
  assert.is(sys.hub.store.journal(20).find((e) => e.op === 'set-status')?.actor, `phone-${bo.id}`);

  const status = testid(page, 'absence-status');
  await status.waitFor({ timeout: 5000 });
  await form.waitFor({ state: 'detached', timeout: 5000 });
  assert.is(await status.getAttribute('data-presence'), 'absent');
  assert.is(await text(page, 'absence-back-at'), 'Tilbage onsdag kl. 08.00');
  assert.is(await text(page, 'absence-reason'), 'Årsag: Kursus i Aarhus (kun du og din leder kan se den)');
  assert.is(await testid(page, 'own-presence').getAttribute('data-presence'), 'absent');
  await testid(page, 'own-diversion', `[data-status="active"][data-to="${camilla.id}"]`).waitFor({ timeout: 5000 });
  // focus came back to the button that opened the form
  assert.is(await page.evaluate(() => (document.querySelector('om-app')?.shadowRoot?.querySelector('om-phone-view')?.shadowRoot?.activeElement as HTMLElement | null)?.dataset['testid']), 'absence-open-button');

  // PR-2: Camilla's phone shows when Bo is back, never why
  const camillasView = sys.fleet.core(`phone-${camilla.id}`).mirror;
  await waitFor(() => camillasView.people.get(bo.id)?.presence === 'absent', 'Camilla to see Bo absent');
  assert.not.match(JSON.stringify(sys.fleet.core(`phone-${camilla.id}`).view()), 'Aarhus');

  await testid(page, 'back-now-button').click();
  await waitFor(() => sys.hub.hub.record(bo.id)?.status === null, 'the hub to clear the absence');
  assert.is(sys.hub.hub.record(bo.id)?.diversion ?? null, null, 'the diversion made for the absence ends with it');
  await status.waitFor({ state: 'detached', timeout: 5000 });
  assert.is(await testid(page, 'own-presence').getAttribute('data-presence'), 'available');
  await page.close();
});

e2e('DV-6 in Chromium: a long absence without a colleague shows the hub\'s text and its suggestion; one press takes it', async () => {
  const page = await openPhone(camilla.id);
  if (!page) return;
  await testid(page, 'absence-open-button').click();
  await testid(page, 'absence-choice', '[data-choice="next-workday"]').click();
  assert.ok(await testid(page, 'cover-option', '[data-target=""] input').isChecked(), 'no colleague chosen');
  // keyboard: Enter in the form sends it
  await testid(page, 'absence-reason-input').focus();
  await page.keyboard.press('Enter');

  const error = testid(page, 'absence-form').locator('[data-testid="error-text"]');
  await error.waitFor({ timeout: 5000 });
  const shown = clean(await error.textContent());
  assert.match(shown, /^Fravær ud over en arbejdsdag kræver, at telefonen viderestilles til en kollega, fx .+\. Telefonsvarer er ikke nok \(DV-6\)\.$/);
  assert.not.match(shown, /needs-colleague|Error|undefined/);
  assert.is(sys.hub.hub.record(camilla.id)?.status ?? null, null, 'nothing was set');

  const take = testid(page, 'absence-suggestion-button');
  const suggested = await take.getAttribute('data-target');
  assert.ok(suggested);
  const name = demo.people.find((p) => p.id === suggested)?.name ?? demo.groups.find((g) => g.id === suggested)?.name;
  assert.match(shown, `fx ${name}`, 'the text names the suggestion');
  assert.is(clean(await take.textContent()), `Viderestil til ${name} og sæt fravær`);
  await take.click();

  const rec = await waitFor(() => (sys.hub.hub.record(camilla.id)?.status ? sys.hub.hub.record(camilla.id) : undefined), 'the hub to take the absence');
  assert.is(rec.status?.kind, 'absent');
  assert.is(rec.status?.until, WED_8);
  assert.is(rec.diversion?.to, suggested);
  await testid(page, 'absence-status', '[data-presence="absent"]').waitFor({ timeout: 5000 });

  await testid(page, 'back-now-button').click();
  await testid(page, 'absence-status').waitFor({ state: 'detached', timeout: 5000 });
  assert.is(sys.hub.hub.record(camilla.id)?.status, null);
  await page.close();
});

e2e('PR-1 in Chromium: a date and a 24-hour time picked by hand; a time in the past is caught on the screen; Escape leaves the form', async () => {
  const page = await openPhone(anna.id);
  if (!page) return;
  await testid(page, 'absence-open-button').click();
  await testid(page, 'absence-choice', '[data-choice="date"]').click();
  await testid(page, 'absence-date').fill('2026-11-23');
  await testid(page, 'absence-hour').selectOption('08');
  await testid(page, 'absence-minute').selectOption('30');
  assert.is(await text(page, 'absence-date-back'), 'Tidspunktet skal ligge i fremtiden.');
  await testid(page, 'absence-submit').click();
  await testid(page, 'absence-problem').waitFor({ timeout: 2000 });
  assert.is(sys.hub.hub.record(anna.id)?.status ?? null, null, 'nothing was sent');

  await testid(page, 'absence-hour').selectOption('13');
  assert.is(await text(page, 'absence-date-back'), 'Tilbage kl. 13.30');
  assert.is(await testid(page, 'absence-choice', '[data-choice="date"]').getAttribute('data-until'), '2026-11-23T12:30:00.000Z');
  const hours = await testid(page, 'absence-hour').locator('option').allTextContents();
  assert.is(hours.length, 24);
  assert.is(hours[23], '23', '24-hour clock');

  await page.keyboard.press('Escape');
  await testid(page, 'absence-form').waitFor({ state: 'detached', timeout: 2000 });
  await testid(page, 'absence-open-button').waitFor();
  await page.close();
});

e2e('PH-3/PH-5 in Chromium: the own department\'s closure and peak at the top with their end; another department\'s closure is not shown; ending it early removes it', async () => {
  const now = clock.now();
  const end = new Date(now.getTime() + 2 * 3600_000);
  sys.hub.hub.execute(admin, { op: 'add-closure', dept: anna.dept, id: 'personalemoede', start: now.toISOString(), end: end.toISOString(), message: null, offer: 'message', fallback: null });
  sys.hub.hub.execute(admin, { op: 'add-peak', dept: anna.dept, id: 'forskud', from: '2026-11-23', to: '2026-11-24', text: { da: 'Forskudsopgørelsen sendes ud.', en: 'Tax assessments are sent out.' } });
  const other = demo.departments.find((d) => d.id !== anna.dept)!;
  sys.hub.hub.execute(admin, { op: 'add-closure', dept: other.id, id: 'andet', start: now.toISOString(), end: end.toISOString(), message: null, offer: 'message', fallback: null });

  const page = await openPhone(anna.id);
  if (!page) return;
  const closure = testid(page, 'banner', '[data-kind="closure"]');
  await closure.waitFor({ timeout: 5000 });
  assert.is(await testid(page, 'banner').count(), 2, 'one closure, one peak: the own department only');
  assert.is(await closure.getAttribute('data-key'), 'closure:personalemoede');
  assert.is(await closure.getAttribute('data-rule'), 'PH-3');
  assert.is(clean(await closure.locator('[data-testid="banner-title"]').textContent()), 'Borgerservice holder telefonlukket');
  assert.is(clean(await closure.locator('[data-testid="banner-until"]').textContent()), `indtil kl. ${String(((now.getUTCHours() + 1 + 2) % 24)).padStart(2, '0')}.${String(now.getUTCMinutes()).padStart(2, '0')}`);
  assert.ok(clean(await closure.locator('[data-testid="banner-text"]').textContent()).length > 0, 'what callers get');
  const peak = testid(page, 'banner', '[data-kind="peak"]');
  assert.is(clean(await peak.locator('[data-testid="banner-until"]').textContent()), 'til og med i morgen');
  assert.is(clean(await peak.locator('[data-testid="banner-text"]').textContent()), 'Forskudsopgørelsen sendes ud.');
  // at the top: above the name
  const [bannerBox, nameBox] = [await closure.boundingBox(), await testid(page, 'own-name').boundingBox()];
  assert.ok(bannerBox && nameBox && bannerBox.y + bannerBox.height <= nameBox.y);

  sys.hub.hub.execute(admin, { op: 'end-closure', dept: anna.dept, closure: 'personalemoede' });
  await closure.waitFor({ state: 'detached', timeout: 5000 });
  assert.is(await testid(page, 'banner').count(), 1, 'the peak stays');
  sys.hub.hub.execute(admin, { op: 'end-closure', dept: other.id, closure: 'andet' });
  sys.hub.hub.execute(admin, { op: 'remove-peak', dept: anna.dept, peak: 'forskud' });
  await testid(page, 'banners').waitFor({ state: 'detached', timeout: 5000 });
  await page.close();
});

e2e('AS-1/AS-4 in Chromium: messages taken at reception show on the phone, oldest due first, with a count; "Set" and "Ringet op" reach the hub; late ones are marked by the screen\'s clock', async () => {
  const direct = (await kiosk().call('take-message', { for: bo.id, callerName: 'Jens Borger', callerNumber: '+45 86 12 34 56', text: 'Vil gerne tale om sit pas.' })) as TakeMessageReply;
  assert.is(direct.for, bo.id);
  const forGroup = (await kiosk().call('take-message', { for: group.id, callerName: 'Lise Dam', callerNumber: '40 12 34 56', text: 'Spørgsmål om flytning.' })) as TakeMessageReply;
  assert.is(forGroup.for, group.id);

  const page = await openPhone(bo.id);
  if (!page) return;
  const badge = testid(page, 'messages-badge');
  await badge.waitFor({ timeout: 5000 });
  assert.is(await badge.getAttribute('data-count'), '2');
  assert.is(clean(await badge.textContent()), '2 beskeder');
  assert.is(await badge.getAttribute('aria-label'), '2 beskeder at ringe op. Gå til beskederne');
  const items = testid(page, 'message');
  assert.equal(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-message'))), [direct.id, forGroup.id], 'oldest due first');

  const first = items.first();
  assert.is(clean(await first.locator('[data-testid="message-caller"]').textContent()), 'Jens Borger');
  assert.is(clean(await first.locator('[data-testid="message-number"]').textContent()), 'Telefonnummer: +45 86 12 34 56');
  assert.is(clean(await first.locator('[data-testid="message-text"]').textContent()), 'Vil gerne tale om sit pas.');
  assert.match(clean(await first.locator('[data-testid="message-taken"]').textContent()), /^Taget af Receptionen kl\. 09\.\d\d$/);
  assert.is(await first.locator('[data-testid="message-due"]').getAttribute('data-due'), direct.due);
  assert.match(clean(await first.locator('[data-testid="message-due"]').textContent()), /^Ring op senest i morgen kl\. 09\.\d\d$/, 'AS-2: within one workday, 24-hour');
  assert.is(await first.getAttribute('data-overdue'), 'false');
  assert.is(await first.locator('[data-testid="message-for"]').count(), 0, 'for me: no group line');
  const second = items.nth(1);
  assert.is(clean(await second.locator('[data-testid="message-for"]').textContent()), `Til ${group.name}`);

  // the badge takes focus to the list (keyboard)
  await badge.focus();
  await page.keyboard.press('Enter');
  assert.is(await page.evaluate(() => {
    const phone = document.querySelector('om-app')?.shadowRoot?.querySelector('om-phone-view')?.shadowRoot;
    return (phone?.querySelector('om-messages')?.shadowRoot?.activeElement as HTMLElement | null)?.dataset['testid'];
  }), 'messages-heading');

  await first.locator('[data-testid="message-seen-button"]').click();
  await waitFor(() => sys.hub.hub.message(direct.id)?.status === 'acknowledged', 'the hub to record "Set"');
  await first.locator('[data-testid="message-seen-tag"]').waitFor({ timeout: 5000 });
  assert.is(await first.getAttribute('data-status'), 'acknowledged');
  assert.is(await first.locator('[data-testid="message-seen-button"]').count(), 0);

  // a day later on the screen's clock, both are late (AS-2)
  await page.clock.fastForward('25:00:00');
  await first.and(page.locator('[data-overdue="true"]')).waitFor({ timeout: 15_000 });
  assert.is(clean(await first.locator('[data-testid="message-overdue"]').textContent()), 'Overskredet');
  assert.match(clean(await first.locator('[data-testid="message-due"]').textContent()), /^Fristen var /);
  assert.is(await badge.getAttribute('data-overdue'), '2');
  assert.is(await badge.getAttribute('aria-label'), '2 beskeder at ringe op, 2 overskredet. Gå til beskederne');

  await first.locator('[data-testid="message-done-button"]').click();
  await waitFor(() => sys.hub.hub.message(direct.id)?.status === 'done', 'the hub to record "Ringet op"');
  await testid(page, 'message', `[data-message="${direct.id}"]`).waitFor({ state: 'detached', timeout: 5000 });
  assert.is(await badge.getAttribute('data-count'), '1');
  assert.is(clean(await badge.textContent()), '1 besked');

  // Camilla is in the group too: her phone shows the group's message; "Ringet op" from there ends it for both
  const camillas = await openPhone(camilla.id);
  if (!camillas) return;
  const hers = testid(camillas, 'message', `[data-message="${forGroup.id}"]`);
  await hers.waitFor({ timeout: 5000 });
  await hers.locator('[data-testid="message-done-button"]').click();
  await waitFor(() => sys.hub.hub.message(forGroup.id)?.status === 'done', 'the hub to record the group\'s message done');
  await testid(page, 'messages').waitFor({ state: 'detached', timeout: 5000 });
  assert.is(await badge.count(), 0, 'no badge without messages');
  await camillas.close();
  await page.close();
});

e2e('AS-3 in Chromium: a message for a colleague absent for days comes to the one covering, and says who the caller asked for', async () => {
  await sys.fleet.core(`phone-${camilla.id}`).call('set-absence', { until: WED_8, divertTo: bo.id });
  const reply = (await kiosk().call('take-message', { for: camilla.id, callerName: 'Ole Berg', callerNumber: '86 11 22 33', text: 'Om en ansøgning.' })) as TakeMessageReply;
  assert.equal([reply.for, reply.rule], [bo.id, 'AS-3'], 'to Bo, who covers for Camilla');
  const page = await openPhone(bo.id, { lang: 'en' });
  if (!page) return;
  const item = testid(page, 'message', `[data-message="${reply.id}"]`);
  await item.waitFor({ timeout: 5000 });
  assert.is(clean(await item.locator('[data-testid="message-asked-for"]').textContent()), `Asked for ${camilla.name}`);
  assert.is(await item.locator('[data-testid="message-for"]').count(), 0);
  assert.match(clean(await item.locator('[data-testid="message-due"]').textContent()), /^Call back, due tomorrow at 09:\d\d$/);
  await item.locator('[data-testid="message-done-button"]').click();
  await waitFor(() => sys.hub.hub.message(reply.id)?.status === 'done', 'the hub to record "Called back"');
  await item.waitFor({ state: 'detached', timeout: 5000 });
  await sys.fleet.core(`phone-${camilla.id}`).call('clear-absence', {});
  await page.close();
});

e2e('screenshots: 800×480 and 480×272 in Danish, 800×480 in English (closure, peak, messages)', async () => {
  // DV-2: Anna's calls come to Camilla (set before the closure: a closed department takes no diversions)
  await sys.fleet.core(`phone-${anna.id}`).call('divert', { target: camilla.id });
  const now = clock.now();
  sys.hub.hub.execute(admin, { op: 'add-closure', dept: anna.dept, id: 'billede', start: now.toISOString(), end: new Date(now.getTime() + 3 * 3600_000).toISOString(), message: null, offer: 'callback', fallback: null });
  sys.hub.hub.execute(admin, { op: 'add-peak', dept: anna.dept, id: 'billede', from: '2026-11-23', to: '2026-11-25', text: { da: 'Forskudsopgørelsen sendes ud – mange opkald.', en: 'Tax assessments are sent out – many calls.' } });
  await kiosk().call('take-message', { for: camilla.id, callerName: 'Karen Holm', callerNumber: '+45 86 40 50 60', text: 'Ring venligst om hendes sygesikringskort.' });
  await kiosk().call('take-message', { for: group.id, callerName: 'Per Madsen', callerNumber: '21 22 23 24', text: 'Spørger til flytning af adresse.' });

  for (const shot of [
    { name: 'phone-800x480-da', size: { width: 800, height: 480 } },
    { name: 'phone-480x272-da', size: { width: 480, height: 272 } },
    { name: 'phone-800x480-en', size: { width: 800, height: 480 }, lang: 'en' as const },
  ]) {
    const page = await openPhone(camilla.id, { size: shot.size, ...(shot.lang ? { lang: shot.lang } : {}) });
    if (!page) return;
    await testid(page, 'message').nth(1).waitFor({ timeout: 5000 });
    await testid(page, 'banner', '[data-kind="closure"]').waitFor({ timeout: 5000 });
    await testid(page, 'incoming-notice').waitFor({ timeout: 5000 });
    if (shot.size.height === 272) {
      // 480×272: one column that scrolls; nothing is wider than the screen
      const content = await page.evaluate(() => {
        const el = document.querySelector('om-app')?.shadowRoot?.querySelector<HTMLElement>('.content');
        return el ? { scroll: el.scrollWidth, client: el.clientWidth } : null;
      });
      assert.ok(content && content.scroll <= content.client, `no sideways scrolling (${JSON.stringify(content)})`);
    }
    const a11y = await seriousA11yViolations(page);
    assert.equal(a11y, [], `axe-core (${shot.name}):\n${describeViolations(a11y)}`);
    await screenshot(page, shot.name);
    if (shot.name === 'phone-800x480-da') {
      await testid(page, 'absence-open-button').click();
      await testid(page, 'absence-form').waitFor({ timeout: 5000 });
      await screenshot(page, 'phone-800x480-da-absence');
    }
    await page.close();
  }
});

e2e.run();
