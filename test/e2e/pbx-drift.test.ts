/**
 * Drift between the PBX and the hub, end to end with the phone screen in Debian Chromium:
 * a forward set directly on the PBX (the *72 feature code on a desk phone) is taken in at the
 * next reconcile through the policy — adopted, or reverted with the rule id — and the phone
 * says which and why; a PBX that cannot be reached leaves the change "not yet applied" on the
 * phone until it is, with nothing lost. The PBX is the simulator's, routing by the hub's
 * decision per number; the Kamailio suite proves the same port with real SIP.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { DirectoryData } from '../../broker/directory/directory.js';
import { LocalBridge } from '../../firmware/local-bridge.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { defaultUiDir } from '../../simulator/main.js';
import { needBinary } from '../support/system-deps.js';
import { clockFrom, startSystem, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/pbx-drift');
type Person = DirectoryData['people'][number];

/** Monday 23 November 2026, 10:00 in Copenhagen: Borgerservice answers. */
const START = '2026-11-23T10:00:00+01:00';
const [anna, bo, camilla] = demoDirectory({ peoplePerDept: 3, kiosks: 2 }).people as [Person, Person, Person];

let sys: TestSystem;
let bridge: LocalBridge;
let browser: Browser | null = null;

e2e.before(async () => {
  const uiDir = defaultUiDir();
  if (!existsSync(path.join(uiDir, 'omstil-ui.js'))) throw new Error(`${uiDir}/omstil-ui.js is missing: run \`npm run build\` (npm test does)`);
  sys = await startSystem({ clock: clockFrom(START), phones: 3, kiosks: 0, pbxRoutes: true, reconcileSeconds: 1 });
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

async function openPhone(personId: string): Promise<Page | null> {
  const exe = needBinary('chromium', 'chromium', 'Chromium UI test');
  if (!exe) return null;
  browser ??= await chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 800, height: 480 } });
  await page.goto(bridge.phoneUrl(`phone-${personId}`));
  return page;
}

const notice = (page: Page) => page.locator('[data-testid="pbx-notice"]');
const clean = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

e2e('a forward set on Bo\'s desk phone is adopted within one reconcile period; calls follow it; his phone says so', async () => {
  const page = await openPhone(bo.id);
  sys.pbx.forwardFromPhone(bo.extension, camilla.extension);
  const d = await waitFor(() => sys.hub.hub.record(bo.id)?.diversion, 'the hub to take the forward in', 5000);
  assert.is(d.to, camilla.id);
  assert.is(d.source, 'pbx');
  await waitFor(() => sys.pbx.routes && sys.pbx.call('citizen', bo.extension).answeredBy === camilla.extension, 'a call to Bo to be answered by Camilla');
  await waitFor(() => sys.fleet.core(`phone-${camilla.id}`).mirror.me?.incoming.some((i) => i.from === bo.id), 'Camilla to be told (DV-2)');
  if (!page) return;
  await notice(page).and(page.locator('[data-kind="adopted"]')).waitFor({ timeout: 5000 });
  assert.match(clean(await notice(page).textContent()), `Viderestilling til ${camilla.name} sat på telefonen er overtaget`);
  await page.close();
});

e2e('a forward the policy refuses (a cycle, DV-4) is reverted on the PBX and the phone says why, with the rule', async () => {
  const page = await openPhone(camilla.id);
  sys.pbx.forwardFromPhone(camilla.extension, bo.extension); // Bo is diverted to Camilla
  await waitFor(() => sys.hub.store.journal(10).some((e) => e.op === 'pbx-forward-refused'), 'the refusal to be journalled', 5000);
  await waitFor(() => sys.pbx.forwardOf(camilla.extension) === null, 'the PBX to be put back');
  assert.is(sys.hub.hub.record(camilla.id)?.diversion ?? null, null);
  assert.is(sys.pbx.call('citizen', camilla.extension).answeredBy, camilla.extension, 'calls to Camilla still ring Camilla');
  if (!page) return;
  await notice(page).and(page.locator('[data-kind="refused"]')).waitFor({ timeout: 5000 });
  const shown = clean(await notice(page).textContent());
  assert.match(shown, 'afvist');
  assert.match(shown, '(DV-4)');
  assert.not.match(shown, /Error|undefined|stack/i);
  await page.close();
});

e2e('the PBX cannot be reached: the phone says "not yet in the phone system"; when it is back the change lands by itself', async () => {
  const page = await openPhone(anna.id);
  sys.pbx.unreachable = true;
  await sys.fleet.core(`phone-${anna.id}`).call('divert', { target: camilla.id });
  await waitFor(() => sys.fleet.core(`phone-${anna.id}`).mirror.me?.pbx.forward === 'pending', 'the phone to show pending');
  if (page) await page.locator('[data-testid="pbx-pending"]').waitFor({ timeout: 5000 });
  assert.is(sys.pbx.forwardOf(anna.extension), null, 'not on the PBX yet');
  sys.pbx.unreachable = false;
  await waitFor(() => sys.pbx.forwardOf(anna.extension) === camilla.extension, 'the retry to land', 10_000);
  await waitFor(() => sys.fleet.core(`phone-${anna.id}`).mirror.me?.pbx.forward === 'applied', 'the phone to show it applied');
  assert.is(sys.pbx.call('citizen', anna.extension).answeredBy, camilla.extension);
  if (page) {
    await page.locator('[data-testid="pbx-pending"]').waitFor({ state: 'detached', timeout: 5000 });
    await page.close();
  }
});

e2e.run();
