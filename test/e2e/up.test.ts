/**
 * The acceptance path a newcomer takes: `omstil up` (what `npm start` runs) prints its
 * endpoints; mosquitto_sub reads retained public person topics; in Debian Chromium, pressing
 * the divert button on a phone shows the diversion on the colleague's phone and on the
 * reception terminal, and the colleague's decline shows on both.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import mqtt from 'mqtt';
import { existsSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { waitFor } from '../support/wait.js';
import { BUNDLED_CLI, freePort, spawnCli } from '../support/hub-process.js';
import { needBinary } from '../support/system-deps.js';
import { tempDir } from '../support/system.js';

const up = suite('e2e/up');
const dataDir = tempDir();
let proc: Awaited<ReturnType<typeof spawnCli>> | null = null;
let browser: Browser | null = null;
let urls: Record<string, string> = {};
let startMs = 0;

up.before(async () => {
  if (!existsSync(BUNDLED_CLI)) throw new Error(`${BUNDLED_CLI} is missing: run \`npm run build\` (npm test does)`);
  const [mqtt, ws, http, api] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const t0 = Date.now();
  proc = await spawnCli(['up', '--mqtt-port', String(mqtt), '--ws-port', String(ws), '--http-port', String(http), '--api-port', String(api), '--data-dir', dataDir, '--log-level', 'warn'], /Press Ctrl\+C/, { bundle: true, timeoutMs: 15_000 });
  startMs = Date.now() - t0;
  for (const m of proc.stdout().matchAll(/^\s+(\S+)\s+(\S+:\/\/\S+)/gm)) urls[m[1]!] = m[2]!;
});

up.after(async () => {
  await browser?.close();
  if (proc && proc.child.exitCode === null) {
    const exited = new Promise((r) => proc!.child.once('exit', r));
    proc.child.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

up('prints every endpoint within 15 s', () => {
  assert.ok(startMs < 15_000, `took ${startMs} ms`);
  for (const key of ['mqtt', 'mqtt-ws', 'phone', 'colleague', 'reception', 'devices']) assert.ok(urls[key], `no ${key} line in:\n${proc!.stdout()}`);
  assert.match(urls.mqtt!, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  assert.match(urls.phone!, /^http:\/\/127\.0\.0\.1:\d+\/phone\/phone-[a-z0-9-]+$/);
  assert.match(urls.reception!, /^http:\/\/127\.0\.0\.1:\d+\/kiosk\/kiosk-1$/);
});

up('mosquitto_sub on the printed port receives retained omstil/v1/person/+/public messages', async () => {
  const sub = needBinary('mosquitto_sub', 'mosquitto-clients', 'mosquitto_sub check');
  if (!sub) return;
  const port = new URL(urls.mqtt!).port;
  const { stdout } = await promisify(execFile)(sub, ['-h', '127.0.0.1', '-p', port, '-t', 'omstil/v1/person/+/public', '-v', '-C', '5', '-W', '10']);
  const lines = stdout.trim().split('\n');
  assert.is(lines.length, 5);
  for (const line of lines) {
    const [topic, ...rest] = line.split(' ');
    assert.match(topic!, /^omstil\/v1\/person\/[a-z0-9-]+\/public$/);
    const body = JSON.parse(rest.join(' ')) as Record<string, unknown>;
    assert.is(typeof body.rev, 'number');
    assert.not.ok('absenceReason' in body, 'PR-2: no private field on a public topic');
  }
  // an observer cannot read anyone's own topic (PR-2)
  const own = await promisify(execFile)(sub, ['-h', '127.0.0.1', '-p', port, '-t', 'omstil/v1/person/+/own', '-C', '1', '-W', '2']).then(
    (r) => r.stdout,
    (e: { stdout?: string }) => e.stdout ?? '',
  );
  assert.is(own.trim(), '', 'no own topic reaches an observer');
});

up('MQTT over WebSocket (for browsers and tools) serves the same retained state', async () => {
  const client = await mqtt.connectAsync(urls['mqtt-ws']!, { clientId: 'ws-observer', reconnectPeriod: 0 });
  try {
    const got = new Promise<string>((resolve) => client.once('message', (topic) => resolve(topic)));
    await client.subscribeAsync('omstil/v1/person/+/public', { qos: 1 });
    assert.match(await got, /^omstil\/v1\/person\/[a-z0-9-]+\/public$/);
  } finally {
    await client.endAsync(true);
  }
});

const testid = (page: Page, id: string, extra = '') => page.locator(`[data-testid="${id}"]${extra}`);
const textOf = async (l: Locator) => ((await l.count()) ? ((await l.first().textContent()) ?? '').trim() : '');

up('in Chromium: pressing divert shows it on the colleague\'s phone and the reception view; decline shows everywhere', async () => {
  const exe = needBinary('chromium', 'chromium', 'Chromium UI test');
  if (!exe) return;
  browser = await chromium.launch({
    executablePath: exe,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const phone = await browser.newPage({ viewport: { width: 800, height: 480 } });
  const colleague = await browser.newPage({ viewport: { width: 800, height: 480 } });
  const reception = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await Promise.all([phone.goto(urls.phone!), colleague.goto(urls.colleague!), reception.goto(urls.reception!)]);
  const me = urls.phone!.split('/phone/phone-')[1]!;
  const them = urls.colleague!.split('/phone/phone-')[1]!;

  const button = testid(phone, 'divert-button');
  await button.waitFor({ timeout: 10_000 });
  assert.is(await button.getAttribute('data-target'), them, 'the big button names the preferred colleague (DV-1)');
  assert.match((await button.textContent()) ?? '', /Viderestil til/);
  const row = testid(reception, 'reception-row', `[data-person="${me}"]`);
  const diverted = row.locator('[data-testid="reception-diversion"]');
  await row.waitFor();
  assert.is(await textOf(diverted), '', 'nothing diverted yet');

  await button.click();

  // DV-2: the colleague's phone says the calls now come to them
  const notice = testid(colleague, 'incoming-notice', `[data-from="${me}"]`);
  await notice.waitFor({ timeout: 5000 });
  assert.match((await notice.textContent()) ?? '', /kommer nu til dig/);
  // the reception view shows where the calls go
  const colleagueName = (await testid(colleague, 'own-name').textContent())!.trim();
  await waitFor(async () => (await textOf(diverted)).includes(colleagueName), `reception to show "Viderestillet til ${colleagueName}"`);
  // and the phone itself offers to undo it
  await testid(phone, 'own-diversion', '[data-status="active"]').waitFor({ timeout: 5000 });
  await testid(phone, 'undivert-button').waitFor({ timeout: 5000 });

  // DV-2: the colleague declines; the diversion is no longer in force anywhere
  await notice.locator('[data-testid="decline-button"]').click();
  await notice.waitFor({ state: 'detached', timeout: 5000 });
  await testid(phone, 'own-diversion', '[data-status="declined"]').waitFor({ timeout: 5000 });
  await waitFor(async () => (await textOf(diverted)) === '', 'reception to drop the diversion');
  await phone.screenshot({ path: `${dataDir}/phone-declined.png` });
});

up('in Chromium, as a new user: on the printed reception URL find a person by a task keyword, take a message for them, then see it waiting on their phone (AS-1, RT-2)', async () => {
  const exe = needBinary('chromium', 'chromium', 'Chromium UI test');
  if (!exe) return;
  browser ??= await chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const reception = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await reception.goto(urls.reception!);
  // RT-2: "kørekort" is one of Borgerservice's tasks; typed without the ø, as on a foreign keyboard
  await testid(reception, 'directory-search-input').fill('korekort');
  await testid(reception, 'search-dept-hit', '[data-dept="borgerservice"]').waitFor({ timeout: 5000 });
  // someone not absent, so AS-3 keeps the message with them whatever the demo's state
  const row = testid(reception, 'reception-row', '[data-dept="borgerservice"]:not([data-presence="absent"])').first();
  await row.waitFor({ timeout: 5000 });
  const personId = (await row.getAttribute('data-person'))!;
  await row.locator('[data-testid="take-message-button"]').click();
  await testid(reception, 'message-form').waitFor({ timeout: 5000 });
  await testid(reception, 'message-caller-name').fill('Karin Borger');
  await testid(reception, 'message-caller-number').fill('+45 20 30 40 50');
  await testid(reception, 'message-text').fill('Vil gerne høre om fornyelse af kørekort.');
  await testid(reception, 'message-send-button').click();
  const receipt = testid(reception, 'message-receipt');
  await receipt.waitFor({ timeout: 5000 });
  assert.match(await textOf(testid(reception, 'message-receipt-due')), /senest .* kl\. \d{2}\.\d{2}/, 'the due time in Danish, 24-hour');
  await reception.screenshot({ path: `${dataDir}/reception-message.png` });

  // the person's phone, at the address the devices page lists
  const to = await textOf(testid(reception, 'message-receipt-to'));
  const phoneUrl = new URL(`/phone/phone-${personId}`, urls.devices!).href;
  const phone = await browser.newPage({ viewport: { width: 800, height: 480 } });
  await phone.goto(phoneUrl);
  const waiting = testid(phone, 'message');
  await waiting.first().waitFor({ timeout: 5000 });
  assert.is(await textOf(testid(phone, 'message-caller')), 'Karin Borger');
  assert.match(await textOf(testid(phone, 'message-text')), 'fornyelse af kørekort');
  assert.is(await waiting.first().getAttribute('data-status'), 'waiting');
  assert.ok(to === '' || !to.includes('i stedet'), `the message went to the person asked for: ${to}`);
});

up.run();
