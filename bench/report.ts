/**
 * ST-1 `report_quarter_s`: the time IT waits for `omstil report` on a quarter of 100,000 calls.
 * A temporary hub database (SqliteStore, WAL, as the hub writes it) is filled with 100,000
 * CallRecords spread over the quarter's working days across the demo municipality's
 * departments and functions, 3,000 messages with their audit trail and 300 diversions in the
 * journal; then, as the CLI does, each run opens the database, reads the directory in force,
 * builds the report (`quarterReportFromStore`) and renders HTML, CSV and JSON. The figure is the
 * median of the runs (target ≤ 5 s); the filling is not timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Directory } from '../broker/directory/directory.js';
import { quarterReportFromStore } from '../broker/stats/quarter-report.js';
import { renderReportCsv } from '../broker/stats/report-csv.js';
import { renderReportHtml } from '../broker/stats/report-html.js';
import { SqliteStore } from '../broker/store/sqlite-store.js';
import { demoDirectory } from '../simulator/demo/demo-directory.js';
import { quarterCalls, quarterMessages } from '../test/support/report-data.js';
import { seededRandom } from '../test/support/seeded-random.js';

export interface ReportBenchOptions {
  /** calls in the quarter (default 100,000) */
  calls?: number;
  /** messages taken in the quarter (default 3,000) */
  messages?: number;
  /** timed runs; the median is reported (default 5) */
  runs?: number;
  progress?: (msg: string) => void;
}

export interface ReportBenchResult {
  /** median seconds: open the database, build the quarter's report, render HTML + CSV + JSON */
  report_quarter_s: number | null;
  report_quarter_s_max: number | null;
  report_calls: number;
  report_messages: number;
  report_departments: number;
  report_html_kb: number | null;
  report_csv_kb: number | null;
  report_json_kb: number | null;
  report_runs: number;
}

/** a finished quarter, so the whole of it is read */
const QUARTER = '2025Q4';

export async function benchReport(opts: ReportBenchOptions = {}): Promise<ReportBenchResult> {
  const calls = opts.calls ?? 100_000;
  const messageCount = opts.messages ?? 3_000;
  const runs = opts.runs ?? 5;
  const say = opts.progress ?? (() => {});
  const work = mkdtempSync(path.join(os.tmpdir(), 'omstil-bench-report-'));
  const file = path.join(work, 'omstil.db');
  try {
    const dir = Directory.parse(demoDirectory({ peoplePerDept: 20, kiosks: 4 }));
    say(`report: filling a hub database with ${calls} calls and ${messageCount} messages in ${QUARTER} (${dir.departments.size} departments, ${dir.people.size} people)`);
    const fill = new SqliteStore({ file, synchronous: 'normal' });
    try {
      fill.saveDirectory(dir.data, 'bench', new Date('2025-09-01T08:00:00Z'));
      for (const c of quarterCalls(dir, QUARTER, calls, 2025)) fill.saveCall(c);
      const messages = quarterMessages(dir, QUARTER, messageCount, 2026);
      fill.commit([], [], { at: '2025-12-31T12:00:00.000Z', actor: 'admin:bench', op: 'bench-messages', detail: {} }, messages);
      // DV-1: diversions set during the quarter, as the journal holds them
      const rnd = seededRandom(7);
      const people = [...dir.people.values()];
      for (let i = 0; i < 300; i++) {
        const p = people[Math.floor(rnd() * people.length)]!;
        const to = people[Math.floor(rnd() * people.length)]!;
        const at = new Date(Date.parse('2025-10-01T06:00:00Z') + Math.floor(rnd() * 90) * 86_400_000).toISOString();
        fill.commit([], [], { at, actor: 'admin:api', op: 'divert', detail: { person: p.id, target: to.id, until: null } });
      }
    } finally {
      fill.close();
    }

    const times: number[] = [];
    let sizes = { html: 0, csv: 0, json: 0 };
    let departments = 0;
    let counted = 0;
    for (let i = 0; i < runs + 1; i++) {
      const t0 = performance.now();
      // what `omstil report` does: open, read the directory in force, build, render, close
      const store = new SqliteStore({ file });
      let html: string;
      let csv: string;
      let json: string;
      try {
        const stored = store.loadDirectory()!;
        const report = quarterReportFromStore(store, Directory.parse(stored.data), QUARTER, new Date());
        html = renderReportHtml(report, { language: 'da' });
        csv = renderReportCsv(report);
        json = JSON.stringify(report, null, 2);
        departments = report.departments.length;
        counted = report.totals.offered;
      } finally {
        store.close();
      }
      const s = (performance.now() - t0) / 1000;
      if (i > 0) times.push(s); // the first run warms the JIT and the page cache
      sizes = { html: html.length, csv: csv.length, json: json.length };
      say(`report: run ${i === 0 ? 'warm-up' : i} ${s.toFixed(2)} s`);
    }
    if (counted !== calls) throw new Error(`the report counted ${counted} calls, ${calls} were stored`);
    times.sort((a, b) => a - b);
    const kb = (n: number) => Math.round(n / 1024);
    return {
      report_quarter_s: Number(times[Math.floor(times.length / 2)]!.toFixed(3)),
      report_quarter_s_max: Number(times.at(-1)!.toFixed(3)),
      report_calls: calls,
      report_messages: messageCount,
      report_departments: departments,
      report_html_kb: kb(sizes.html),
      report_csv_kb: kb(sizes.csv),
      report_json_kb: kb(sizes.json),
      report_runs: runs,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
