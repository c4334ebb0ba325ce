/**
 * The screens when the connection drops, in Debian Chromium: the hub process killed (-9) and
 * started again, and the local bridge (the screen's own link to its firmware) stopped and
 * started again. Both the phone and the reception screen say "Forbindelse afbrudt" with the
 * age of what they show, a divert pressed meanwhile is refused and says so (nothing
 * changes), and both recover by themselves and show the current truth.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Directory } from '../../broker/directory/directory.js';
import { LocalBridge } from '../../firmware/local-bridge.js';
import { memoryLogger, systemClock } from '../../protocol/index.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { defaultUiDir } from '../../simulator/main.js';
import { SimFleet } from '../../simulator/sim-fleet.js';
import { freePort, killHard, spawnCli } from '../support/hub-process.js';
import { fleetLoginsFromHub } from '../support/fleet-tokens.js';
import { tempDir } from '../support/system.js';
import { launchChromium, screenshot } from '../support/ui.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/connection-ui');
const dataDir = tempDir();
const directory = Directory.parse(demoDirectory()); // what `omstil hub` loads by default
const anna = directory.data.people[0]!;
const colleague = anna.preferred[0]!;

let hub: Awaited<ReturnType<typeof spawnCli>> | null = null;
let hubArgs: string[] = [];
let fleet: SimFleet | null = null;
let bridge: LocalBridge | null = null;
let bridgePort = 0;
let browser: Browser | null = null;

const testid = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);
const clean = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

async function startBridge(): Promise<LocalBridge> {
  const b = new LocalBridge({ host: '127.0.0.1', port: bridgePort, uiDir: defaultUiDir(), logger: memoryLogger('warn') });
  for (const core of fleet!.cores.values()) b.add(core);
  await b.start();
  return b;
}

e2e.before(async () => {
  if (!existsSync(path.join(defaultUiDir(), 'omstil-ui.js'))) throw new Error(`${defaultUiDir()}/omstil-ui.js is missing: run \`npm run build\` (npm test does)`);
  const [port, apiPort] = [await freePort(), await freePort()];
  hubArgs = ['hub', '--mqtt-port', String(port), '--no-ws-port', '--api-port', String(apiPort), '--data-dir', dataDir, '--log-level', 'warn'];
  hub = await spawnCli(hubArgs, /omstil hub is up/);
  // issue 10: each device its own token, from the hub's admin API
  const deviceMqttOptions = await fleetLoginsFromHub({ apiPort, dataDir, directory, pick: { phones: 2, kiosks: 1 } });
  fleet = new SimFleet({ directory, mqttUrl: `mqtt://127.0.0.1:${port}`, clock: systemClock, logger: memoryLogger('warn'), phones: 2, kiosks: 1, deviceMqttOptions });
  await fleet.start();
  for (const core of fleet.cores.values()) await waitFor(() => core.mirror.config && (core.mirror.kind === 'kiosk' || core.mirror.me), `${core.deviceId} to show its state`);
  bridgePort = await freePort();
  bridge = await startBridge();
  browser = await launchChromium('connection banner in Chromium');
});

e2e.after(async () => {
  await browser?.close();
  await bridge?.stop();
  await fleet?.stop();
  if (hub) await killHard(hub.child);
  rmSync(dataDir, { recursive: true, force: true });
});

async function open(url: string, size: { width: number; height: number }, ready: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: size });
  await page.goto(url);
  await testid(page, ready).waitFor({ timeout: 5000 });
  return page;
}

e2e('the hub goes away (kill -9): phone and reception say "Forbindelse afbrudt" with the age of what they show, a divert is refused and changes nothing, and both recover by themselves', async () => {
  if (!browser) return;
  const phone = await open(bridge!.phoneUrl(`phone-${anna.id}`), { width: 800, height: 480 }, 'own-name');
  const kiosk = await open(bridge!.kioskUrl(fleet!.kiosks[0]!.deviceId), { width: 1920, height: 1080 }, 'dept-board');
  assert.is(await testid(phone, 'connection-banner').count(), 0, 'no banner while connected');
  assert.is(await testid(kiosk, 'connection-banner').count(), 0);

  await killHard(hub!.child);
  for (const page of [phone, kiosk]) {
    await testid(page, 'connection-banner').waitFor({ timeout: 10_000 });
    const banner = clean(await testid(page, 'connection-banner').textContent());
    assert.match(banner, /Forbindelse afbrudt/);
    assert.match(clean(await testid(page, 'data-age').textContent()), /\d/, `the banner says how old the data is: "${banner}"`);
  }
  await screenshot(phone, 'connection-lost-phone-800x480');
  await screenshot(kiosk, 'connection-lost-reception-1920x1080');

  // a divert pressed while the hub is away: refused on screen, in words, and nothing changes
  await testid(phone, 'divert-button').click();
  await testid(phone, 'error-text').waitFor({ timeout: 5000 });
  assert.match(clean(await testid(phone, 'error-text').textContent()), /Ingen forbindelse/);
  assert.is(await testid(phone, 'undivert-button').count(), 0, 'the phone does not pretend it diverted');

  hub = await spawnCli(hubArgs, /omstil hub is up/);
  for (const page of [phone, kiosk]) await testid(page, 'connection-banner').waitFor({ state: 'detached', timeout: 20_000 });

  // the current truth afterwards: a divert now works and the reception board shows it
  await testid(phone, 'divert-button').click();
  await testid(phone, 'undivert-button').waitFor({ timeout: 5000 });
  await waitFor(() => fleet!.kiosks[0]!.mirror.people.get(anna.id)?.diversion?.to === colleague, 'the kiosk to hear of the diversion');
  await testid(phone, 'undivert-button').click();
  await testid(phone, 'divert-button').waitFor({ timeout: 5000 });
  await phone.close();
  await kiosk.close();
});

e2e('the screen loses its own bridge (the local server stops): the banner shows, and the screen reconnects when it is back', async () => {
  if (!browser) return;
  const phone = await open(bridge!.phoneUrl(`phone-${anna.id}`), { width: 480, height: 272 }, 'own-name');
  await bridge!.stop();
  await testid(phone, 'connection-banner').waitFor({ timeout: 10_000 });
  assert.match(clean(await testid(phone, 'connection-banner').textContent()), /Forbindelse afbrudt/);
  assert.is(clean(await testid(phone, 'own-name').textContent()), anna.name, 'what it showed stays on screen');
  await screenshot(phone, 'connection-lost-phone-480x272');
  bridge = await startBridge();
  await testid(phone, 'connection-banner').waitFor({ state: 'detached', timeout: 20_000 });
  assert.is(clean(await testid(phone, 'own-name').textContent()), anna.name);
  await phone.close();
});

e2e.run();
