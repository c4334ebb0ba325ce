/**
 * ST-1 in Debian Chromium: the quarterly HTML report, as the hub serves it and IT saves it,
 * opens from a file with every network request refused and shows its charts (SVG bars of
 * non-zero size with the figures written on them, the weekly trend); its screenshot is a real,
 * non-blank image (decoded in the browser: its size and its colours); it prints to PDF;
 * axe-core finds no serious or critical violations. The /reports page behind the admin token
 * (the fleet page's login): a wrong token is refused in Danish; the right one shows the
 * quarter's report and the three before it, CSV and JSON downloads whose figures are the
 * API's; English with ?lang=en. Also the API: token, bad quarter, formats and their headers.
 * Screenshots: test-output/screenshots/report-*.png.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../broker/config.js';
import { Directory } from '../../broker/directory/directory.js';
import { AdminApi } from '../../broker/http/admin-api.js';
import { startHubService, type HubService } from '../../broker/main.js';
import { memoryLogger, QuarterReport } from '../../protocol/index.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { SimulatedPbx } from '../../simulator/simulated-pbx.js';
import { ROOT } from '../support/hub-process.js';
import { quarterCalls, quarterMessages } from '../support/report-data.js';
import { clockFrom, tempDir } from '../support/system.js';
import { describeViolations, launchChromium, screenshot, SCREENSHOT_DIR, seriousA11yViolations } from '../support/ui.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/report-ui');
const QUARTER = '2025Q4';
const TOKEN = 'report-ui-test-token-0123456789';
const OUT = path.join(ROOT, 'test-output', 'report');
let dataDir: string;
let hub: HubService;
let api: AdminApi;
let browser: Browser | null = null;
let report: QuarterReport;

const pct = (r: number, lang: 'da' | 'en' = 'da') => new Intl.NumberFormat(lang === 'da' ? 'da-DK' : 'en-GB', { style: 'percent', maximumFractionDigits: 1 }).format(r);
const norm = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();

async function get(p: string, auth: string | null = TOKEN): Promise<Response> {
  return fetch(`${api.url}${p}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
}
const origin = () => new URL(api.url).origin;

e2e.before(async () => {
  dataDir = tempDir('omstil-report-ui-');
  const directory = Directory.parse(demoDirectory({ peoplePerDept: 3, kiosks: 1 }));
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: 0, apiPort: 0, dataDir, sync: 'normal', logLevel: 'info' } });
  // the hub's clock in the middle of 2025Q4: that is "the current quarter" for the page
  hub = await startHubService(config, { logger: memoryLogger('info'), pbx: new SimulatedPbx({ routes: false }), directory, clock: clockFrom('2025-11-20T10:30:00+01:00') });
  for (const c of quarterCalls(directory, QUARTER, 5000, 11)) hub.store.saveCall(c);
  hub.store.commit([], [], { at: new Date().toISOString(), actor: 'admin:test', op: 'test-messages', detail: {} }, quarterMessages(directory, QUARTER, 400, 12));
  // an admin API with the store (broker/main.ts passes it to the hub's own)
  api = new AdminApi({ hub: hub.hub, store: hub.store, token: TOKEN, host: '127.0.0.1', port: 0, logger: memoryLogger('info') });
  await api.start();
  const res = await get(`/reports/${QUARTER}`);
  assert.is(res.status, 200);
  report = QuarterReport.parse(await res.json());
  mkdirSync(OUT, { recursive: true });
  browser = await launchChromium('the quarterly report in Chromium');
});

e2e.after(async () => {
  await browser?.close();
  await api?.stop();
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

e2e('the API: token required; JSON, CSV (a download) and HTML with their types; bad quarter and format named', async () => {
  assert.is((await get(`/reports/${QUARTER}`, null)).status, 401);
  assert.is((await get(`/reports/${QUARTER}`, 'wrong')).status, 401);
  assert.ok(report.totals.offered === 5000 && report.totals.messages === 400, JSON.stringify(report.totals));
  const csv = await get(`/reports/${QUARTER}?format=csv`);
  assert.is(csv.status, 200);
  assert.is(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.is(csv.headers.get('content-disposition'), `attachment; filename="omstil-report-${QUARTER}.csv"`);
  const rows = parseCsv(await csv.text(), { columns: true }) as Record<string, string>[];
  assert.is(Number(rows[0]!.offered), report.totals.offered);
  const html = await get(`/reports/${QUARTER}?format=html&lang=en`);
  assert.is(html.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(html.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.match(await html.text(), /<html lang="en">/);
  for (const [query, field] of [
    ['/reports/2025Q5', 'quarter'],
    ['/reports/..%2Fetc', 'quarter'],
    [`/reports/${QUARTER}?format=xml`, 'format'],
    [`/reports/${QUARTER}?format=html&lang=de`, 'lang'],
  ] as const) {
    const res = await get(query);
    assert.is(res.status, 400, query);
    const body = (await res.json()) as { ok: false; error: { code: string; field: string; rule: string } };
    assert.equal([body.error.code, body.error.field, body.error.rule], ['invalid-payload', field, 'ST-1'], query);
  }
  // an admin API without the store says so, and nothing else breaks
  const bare = new AdminApi({ hub: hub.hub, token: TOKEN, host: '127.0.0.1', port: 0, logger: memoryLogger('info') });
  await bare.start();
  try {
    const res = await fetch(`${bare.url}/reports/${QUARTER}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.is(res.status, 503);
    assert.is((await fetch(`${bare.url}/healthz`)).status, 200);
  } finally {
    await bare.stop();
  }
});

/** Decodes a PNG in the browser: its size and how many distinct colours a grid of samples holds. */
async function decodePng(page: Page, png: Buffer): Promise<{ width: number; height: number; colours: number; dark: number }> {
  await page.setContent('<!doctype html><title>png</title>');
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set<number>();
    let dark = 0;
    const step = 4 * 7; // every 7th pixel
    for (let i = 0; i < data.length; i += step) {
      colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      if (data[i]! + data[i + 1]! + data[i + 2]! < 200) dark++;
    }
    return { width: img.naturalWidth, height: img.naturalHeight, colours: colours.size, dark };
  }, png.toString('base64'));
}

for (const lang of ['da', 'en'] as const) {
  e2e(`the HTML report (${lang}) opens from a file, offline, and shows its charts; the screenshot is a real image; it prints`, async () => {
    if (!browser) return;
    const res = await get(`/reports/${QUARTER}?format=html&lang=${lang}`);
    const file = path.join(OUT, `omstil-report-${QUARTER}-${lang}.html`);
    writeFileSync(file, await res.text());
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      // self-contained: anything but the file itself is refused and noted
      const requests: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(pathToFileURL(file).href);
      assert.equal(requests, [], 'no request leaves the file');
      assert.equal(errors, []);

      const charts = page.locator('svg.chart');
      assert.is(await charts.count(), 4);
      for (let i = 0; i < 4; i++) {
        const chart = charts.nth(i);
        assert.ok(await chart.isVisible());
        assert.is(await chart.getAttribute('role'), 'img');
        assert.ok(((await chart.getAttribute('aria-label')) ?? '').length > 40);
        const box = (await chart.boundingBox())!;
        assert.ok(box.width > 300 && box.height > 100, JSON.stringify(box));
      }
      // bars: one per department with calls, of non-zero size, in proportion to the rate
      const rateBars = page.locator('#chart-answer-rate rect.bar');
      const withCalls = report.departments.filter((d) => d.figures.answerRate !== null);
      assert.is(await rateBars.count(), withCalls.length);
      const widths: number[] = [];
      for (let i = 0; i < withCalls.length; i++) {
        const b = (await rateBars.nth(i).boundingBox())!;
        assert.ok(b.width > 1 && b.height > 5, JSON.stringify(b));
        widths.push(b.width);
      }
      const rates = withCalls.map((d) => d.figures.answerRate!);
      for (let i = 1; i < widths.length; i++) assert.ok(Math.abs(widths[i]! / widths[0]! - rates[i]! / rates[0]!) < 0.02, 'bar widths follow the rates');
      for (const id of ['chart-wait', 'chart-callbacks']) {
        const bars = page.locator(`#${id} rect.bar`);
        assert.ok((await bars.count()) >= withCalls.length, id);
        const b = (await bars.first().boundingBox())!;
        assert.ok(b.width > 1 && b.height > 5, `${id}: ${JSON.stringify(b)}`);
      }
      assert.is(await page.locator('#chart-weeks .point').count(), 2 * report.weeks.length);
      // the figures are visible: on the bars and in the key figures
      const first = withCalls[0]!;
      const onBar = page.locator(`#chart-answer-rate g[data-dept="${first.id}"] text.value`);
      assert.ok(await onBar.isVisible());
      assert.is(norm(await onBar.textContent()), norm(pct(first.figures.answerRate!, lang)));
      const big = page.locator('[data-key="answer-rate"] .big');
      assert.ok(await big.isVisible());
      assert.is(norm(await big.textContent()), norm(pct(report.totals.answerRate!, lang)));
      assert.is(await page.locator('section.dept').count(), report.departments.length);

      const violations = await seriousA11yViolations(page);
      assert.equal(violations, [], `axe-core found:\n${describeViolations(violations)}`);

      const shot = await screenshot(page, `report-${QUARTER}-${lang}`);
      const png = readFileSync(shot);
      assert.equal([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
      const decoded = await decodePng(await context.newPage(), png);
      assert.is(decoded.width, 1280);
      assert.ok(decoded.height > 2000, `a full page: ${decoded.height}px`);
      assert.ok(decoded.colours > 20, `not blank: ${decoded.colours} colours`);
      assert.ok(decoded.dark > 1000, `text and bars drawn: ${decoded.dark} dark samples`);

      // it prints: A4 PDF from the same file
      await page.emulateMedia({ media: 'print' });
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      assert.is(pdf.subarray(0, 5).toString(), '%PDF-');
      assert.ok(pdf.length > 20_000, `${pdf.length} bytes`);
      writeFileSync(path.join(OUT, `omstil-report-${QUARTER}-${lang}.pdf`), pdf);
    } finally {
      await context.close();
    }
  });
}

e2e('the /reports page under its own CSP: a wrong token is refused; the right one shows the quarter and its neighbours; downloads agree with the API', async () => {
  if (!browser) return;
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    const tid = (id: string) => page.locator(`[data-testid="${id}"]`);
    await page.goto(`${origin()}/reports`);
    assert.is(await page.title(), 'Omstil – kvartalsrapporter');
    await tid('reports-login').waitFor({ timeout: 5000 });
    assert.not.ok(await tid('reports').isVisible(), 'nothing shown before the login');

    await tid('reports-token').fill('ikke-den-rigtige-noegle');
    await tid('reports-token').press('Enter');
    await tid('reports-login-error').waitFor({ timeout: 5000 });
    assert.match(norm(await tid('reports-login-error').textContent()), /^Forkert admin-nøgle\./);
    assert.is(await tid('reports-token').getAttribute('aria-invalid'), 'true');
    assert.is(await page.evaluate(() => sessionStorage.length), 0);
    // the browser logs the refused request itself; nothing else
    assert.ok(problems.every((p) => /status of 401/.test(p)), problems.join('\n'));
    problems.length = 0;

    await tid('reports-token').fill(TOKEN);
    await tid('reports-login-submit').click();
    const frame = page.frameLocator('[data-testid="reports-frame"]');
    await frame.locator('svg.chart').first().waitFor({ timeout: 10_000 });
    assert.is(await frame.locator('svg.chart').count(), 4);
    assert.ok((await frame.locator('#chart-answer-rate rect.bar').count()) > 0);
    assert.is(await page.evaluate(() => sessionStorage.getItem('omstil.adminToken')), TOKEN);
    assert.not.match(page.url(), new RegExp(TOKEN));
    // the frame is sized to the report, not a scroll box of its own
    await waitFor(async () => ((await tid('reports-frame').boundingBox())?.height ?? 0) > 2000, 'the frame to take the report\'s height');

    // the current quarter (by the hub's clock) and the three before it
    const quarters = tid('reports-quarter');
    assert.equal(await quarters.evaluateAll((as) => as.map((a) => a.getAttribute('data-quarter'))), ['2025Q4', '2025Q3', '2025Q2', '2025Q1']);
    assert.is(norm(await quarters.first().textContent()), '4. kvartal 2025 (indtil nu)');
    assert.is(await quarters.first().getAttribute('aria-current'), 'page');

    // downloads: the same figures as the API
    for (const format of ['csv', 'json'] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), tid(`reports-${format}`).click()]);
      assert.is(download.suggestedFilename(), `omstil-report-${QUARTER}.${format}`);
      const text = readFileSync((await download.path())!, 'utf8');
      if (format === 'json') {
        const got = QuarterReport.parse(JSON.parse(text));
        assert.equal(got.totals, report.totals);
        assert.equal(got.departments, report.departments);
      } else {
        const rows = parseCsv(text, { columns: true }) as Record<string, string>[];
        assert.is(rows.length, 1 + report.departments.length + report.departments.reduce((s, d) => s + d.functions.length, 0));
        assert.is(Number(rows[0]!.offered), report.totals.offered);
        assert.is(Number(rows[0]!.callbacks_late), report.totals.callbacksLate);
      }
    }
    await screenshot(page, 'reports-page-da');

    // an earlier quarter: the token is kept for the tab, no second login
    await quarters.nth(1).click();
    await page.waitForURL(/quarter=2025Q3/);
    await frame.locator('svg.chart').first().waitFor({ timeout: 10_000 });
    assert.match(norm(await frame.locator('body').textContent()), /3\. kvartal 2025/);
    assert.match(norm(await frame.locator('body').textContent()), /Ingen opkald i perioden\./);
    assert.not.ok(await tid('reports-login').isVisible());
    assert.equal(problems, [], 'no errors, no CSP violations');

    // English
    await page.goto(`${origin()}/reports?quarter=${QUARTER}&lang=en`);
    await frame.locator('svg.chart').first().waitFor({ timeout: 10_000 });
    assert.is(norm(await quarters.first().textContent()), 'Q4 2025 (so far)');
    assert.is(await frame.locator('html').getAttribute('lang'), 'en');
    assert.match(norm(await frame.locator('[data-key="answer-rate"] .big').textContent()), new RegExp(norm(pct(report.totals.answerRate!, 'en')).replace('.', '\\.')));
    await screenshot(page, 'reports-page-en');

    // log out: the token is gone, the form is back
    await tid('reports-logout').click();
    await tid('reports-login').waitFor();
    assert.is(await page.evaluate(() => sessionStorage.length), 0);
    assert.equal(problems, []);
  } finally {
    await context.close();
  }
});

e2e('the /reports page: axe-core finds no serious or critical violations; a bad ?quarter is said, not a crash', async () => {
  if (!browser) return;
  // axe-core is injected as a script, which the page's CSP forbids: this context lets the harness in
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  try {
    const page = await context.newPage();
    await page.goto(`${origin()}/reports?quarter=2025Q9`);
    await page.locator('[data-testid="reports-bad-quarter"]').waitFor({ timeout: 5000 });
    assert.match(norm(await page.locator('[data-testid="reports-bad-quarter"]').textContent()), /"2025Q9" er ikke et kvartal/);
    let violations = await seriousA11yViolations(page);
    assert.equal(violations, [], `axe-core (login) found:\n${describeViolations(violations)}`);
    await page.locator('[data-testid="reports-token"]').fill(TOKEN);
    await page.locator('[data-testid="reports-login-submit"]').click();
    await page.frameLocator('[data-testid="reports-frame"]').locator('svg.chart').first().waitFor({ timeout: 10_000 });
    assert.is(await page.locator('[data-testid="reports-quarter"][aria-current="page"]').getAttribute('data-quarter'), '2025Q4');
    violations = await seriousA11yViolations(page);
    assert.equal(violations, [], `axe-core found:\n${describeViolations(violations)}`);
  } finally {
    await context.close();
  }
  assert.ok(SCREENSHOT_DIR.length > 0);
});

e2e.run();
