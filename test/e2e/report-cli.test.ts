/**
 * ST-1 `omstil report` as IT runs it, against a real hub database: a hub ran in 2025Q4 (its
 * clock set there), took messages and a diversion through its admin API, and stored calls
 * (SqliteStore.saveCall) spread over the quarter; then the CLI, as its own process, writes the
 * HTML, CSV and JSON whose figures agree with each other and with the calls, and leaves the
 * database as it was. A bad quarter and a missing database are clear errors with exit 2.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { parse as parseCsv } from 'csv-parse/sync';
import { loadConfig } from '../../broker/config.js';
import { Directory } from '../../broker/directory/directory.js';
import { startHubService } from '../../broker/main.js';
import type { CallRecord } from '../../broker/stats/call-record.js';
import { currentQuarter } from '../../broker/stats/report-quarters.js';
import { memoryLogger, QuarterReport } from '../../protocol/index.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { SimulatedPbx } from '../../simulator/simulated-pbx.js';
import { ROOT } from '../support/hub-process.js';
import { quarterCalls } from '../support/report-data.js';
import { clockFrom, tempDir } from '../support/system.js';

const cli = suite('e2e/report-cli');
const run = promisify(execFile);
const QUARTER = '2025Q4';
const CALLS = 3000;
const MESSAGES = 5;
let dataDir: string;
let outDir: string;
let directory: Directory;
let calls: CallRecord[];

async function omstil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli/omstil.ts'), ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** every row of every table, in a stable order: equal digests, an unchanged database */
function dbDigest(): string {
  const db = new Database(path.join(dataDir, 'omstil.db'), { readonly: true, fileMustExist: true });
  try {
    const h = createHash('sha256');
    h.update(String(db.pragma('user_version', { simple: true })));
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    for (const { name } of tables) h.update(name + JSON.stringify(db.prepare(`SELECT * FROM "${name}" ORDER BY 1`).raw(true).all()));
    return h.digest('hex');
  } finally {
    db.close();
  }
}

const pct = (r: number) => new Intl.NumberFormat('da-DK', { style: 'percent', maximumFractionDigits: 1 }).format(r);

cli.before(async () => {
  dataDir = tempDir('omstil-report-');
  outDir = path.join(dataDir, 'out');
  directory = Directory.parse(demoDirectory({ peoplePerDept: 3, kiosks: 1 }));
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: 0, apiPort: 0, dataDir, sync: 'normal', logLevel: 'info' } });
  const hub = await startHubService(config, { logger: memoryLogger('info'), pbx: new SimulatedPbx({ routes: false }), directory, clock: clockFrom('2025-11-12T10:30:00+01:00') });
  try {
    const token = readFileSync(hub.adminTokenFile!, 'utf8').trim();
    const post = async (method: string, p: string, body: unknown) => {
      const res = await fetch(`${hub.api!.url}${p}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.is(res.status, 200, `${method} ${p}: ${await res.text()}`);
    };
    // AS-1: messages for a person and for a function; DV-1: one diversion
    for (let i = 0; i < MESSAGES; i++) await post('POST', '/messages', { for: i % 2 ? 'bo-larsen' : 'borgerservice-gruppe', callerName: `Borger ${i}`, callerNumber: '+4512345678', text: 'Ring tilbage' });
    await post('PUT', '/people/bo-larsen/diversion', { target: 'camilla-olsen' });
    calls = [...quarterCalls(directory, QUARTER, CALLS, 7)];
    for (const c of calls) hub.store.saveCall(c);
    // outside the quarter (Copenhagen days) or not a municipal number: not counted
    const base = calls[0]!;
    hub.store.saveCall({ ...base, callId: 'before', offeredAt: '2025-09-30T21:59:59.000Z' }); // 23:59:59 on 30 September, local
    hub.store.saveCall({ ...base, callId: 'after', offeredAt: '2025-12-31T23:00:00.000Z' }); // 00:00 on 1 January, local
    hub.store.saveCall({ ...base, callId: 'outside', deptId: null, fn: null });
  } finally {
    await hub.stop();
  }
});
cli.after(() => rmSync(dataDir, { recursive: true, force: true }));

cli('writes the HTML, CSV and JSON; their figures agree with the stored calls and each other; the database is unchanged', async () => {
  const before = dbDigest();
  const r = await omstil('report', '--quarter', QUARTER, '--data-dir', dataDir, '--out', outDir);
  assert.is(r.code, 0, r.stderr);
  const files = ['html', 'csv', 'json'].map((ext) => path.join(outDir, `omstil-report-${QUARTER}.${ext}`));
  for (const f of files) {
    assert.ok(existsSync(f), f);
    assert.ok(r.stdout.includes(f), `the summary names ${f}:\n${r.stdout}`);
  }
  assert.match(r.stdout, new RegExp(`report ${QUARTER} for Omstil Kommune \\(demo\\) \\(2025-10-01 to 2025-12-31\\)`));
  assert.is(dbDigest(), before, 'the report only reads the database');

  const report = QuarterReport.parse(JSON.parse(readFileSync(files[2]!, 'utf8')));
  assert.is(report.quarter, QUARTER);
  assert.is(report.partial, false);
  // the calls: every one in the quarter, by department
  assert.is(report.totals.offered, CALLS);
  assert.is(report.totals.answered, calls.filter((c) => c.outcome === 'answered').length);
  assert.is(report.departments.length, directory.departments.size);
  for (const d of report.departments) {
    const mine = calls.filter((c) => c.deptId === d.id);
    assert.is(d.figures.offered, mine.length, d.id);
    assert.is(d.figures.answered, mine.filter((c) => c.outcome === 'answered').length, d.id);
  }
  assert.is(report.weeks.reduce((s, w) => s + w.offered, 0), CALLS);
  // the messages and the diversion through the hub's API
  assert.is(report.totals.messages, MESSAGES);
  assert.is(report.totals.callbacksOnTime + report.totals.callbacksLate + report.totals.callbacksOpen, MESSAGES);
  assert.is(report.departments.find((d) => d.id === 'borgerservice')!.figures.messages, MESSAGES);
  assert.is(report.totals.diversions, 1);

  // CSV: the same figures
  const rows = parseCsv(readFileSync(files[1]!, 'utf8'), { columns: true }) as Record<string, string>[];
  const total = rows.find((x) => x.level === 'total')!;
  assert.is(Number(total.offered), report.totals.offered);
  assert.is(Number(total.messages), MESSAGES);
  assert.ok(Math.abs(Number(total.answer_rate) - report.totals.answerRate!) < 1e-4);
  for (const d of report.departments) {
    const row = rows.find((x) => x.level === 'department' && x.dept_id === d.id)!;
    assert.is(Number(row.offered), d.figures.offered, d.id);
    assert.is(Number(row.answered), d.figures.answered, d.id);
    assert.ok(Math.abs(Number(row.wait_avg_s) - d.figures.waitAvgS!) <= 0.05 + 1e-9, d.id);
  }
  assert.is(rows.filter((x) => x.level === 'function').length, directory.groups.size);

  // HTML: Danish, each department's answer rate as the overview table and its chart show it
  const html = readFileSync(files[0]!, 'utf8');
  assert.match(html, /<html lang="da">/);
  assert.match(html, /4\. kvartal 2025/);
  for (const d of report.departments) {
    const row = new RegExp(`<tr data-dept="${d.id}">[\\s\\S]*?</tr>`).exec(html)![0];
    assert.ok(row.includes(pct(d.figures.answerRate!)), `${d.id}: ${pct(d.figures.answerRate!)} in ${row}`);
  }
  assert.is((html.match(/<svg /g) ?? []).length, 4);
});

cli('--json prints the report on stdout (the same as the file); --lang en writes English', async () => {
  const r = await omstil('report', '--quarter', QUARTER, '--data-dir', dataDir, '--out', outDir, '--json', '--lang', 'en');
  assert.is(r.code, 0, r.stderr);
  const printed = QuarterReport.parse(JSON.parse(r.stdout));
  const file = JSON.parse(readFileSync(path.join(outDir, `omstil-report-${QUARTER}.json`), 'utf8')) as QuarterReport;
  assert.equal(printed, file);
  const html = readFileSync(path.join(outDir, `omstil-report-${QUARTER}.html`), 'utf8');
  assert.match(html, /<html lang="en">/);
  assert.match(html, /Q4 2025/);
});

cli('without --quarter: the current quarter, figures so far', async () => {
  const out = path.join(dataDir, 'out-current');
  const r = await omstil('report', '--data-dir', dataDir, '--out', out);
  assert.is(r.code, 0, r.stderr);
  const q = currentQuarter(new Date());
  const report = QuarterReport.parse(JSON.parse(readFileSync(path.join(out, `omstil-report-${q}.json`), 'utf8')));
  assert.is(report.quarter, q);
  assert.is(report.partial, true);
  assert.is(report.totals.offered, 0);
  assert.match(r.stdout, /so far/);
});

cli('a bad quarter: a clear error naming --quarter, exit 2, nothing written', async () => {
  const out = path.join(dataDir, 'out-bad');
  for (const bad of ['2025Q5', '25Q1', 'Q4-2025']) {
    const r = await omstil('report', '--quarter', bad, '--data-dir', dataDir, '--out', out);
    assert.is(r.code, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /--quarter: must be a quarter like 2026Q4/);
    assert.ok(r.stderr.includes(`"${bad}"`));
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.not.ok(existsSync(out));
});

cli('no database in --data-dir: a clear error, exit 2, and no database is created', async () => {
  const empty = path.join(dataDir, 'empty');
  const r = await omstil('report', '--quarter', QUARTER, '--data-dir', empty, '--out', path.join(dataDir, 'out-none'));
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /no hub database at .*omstil\.db: pass the hub's --data-dir/);
  assert.not.ok(existsSync(path.join(empty, 'omstil.db')));
  assert.not.ok(existsSync(path.join(dataDir, 'out-none')));
  assert.ok(readdirSync(dataDir).includes('omstil.db'));
});

cli.run();
