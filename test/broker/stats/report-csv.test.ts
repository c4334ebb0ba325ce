import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'csv-parse/sync';
import { CSV_COLUMNS, CSV_FIGURE_COLUMNS, renderReportCsv } from '../../../broker/stats/report-csv.js';
import type { ReportFigures } from '../../../protocol/index.js';
import { sampleReport } from './report-fixture.js';

const t = suite('broker/stats/report-csv');

const rows = (csv: string) => parse(csv, { columns: true, skip_empty_lines: true }) as Record<string, string>[];

t('header: stable English column names, in order', () => {
  const csv = renderReportCsv(sampleReport());
  const header = csv.split('\r\n')[0]!;
  assert.is(
    header,
    'quarter,level,dept_id,dept_name,function_id,function_name,offered,answered,answer_rate,wait_avg_s,wait_p90_s,transfers_per_call,met_unavailable,message_calls,voicemail,lost,diversions,messages,callbacks_on_time,callbacks_late,callbacks_open,callback_on_time_rate',
  );
  assert.is(header.split(',').length, CSV_COLUMNS.length);
});

t('a totals row, a row per department and per function; parsed back, the figures are the report\'s', () => {
  const report = sampleReport();
  const parsed = rows(renderReportCsv(report));
  assert.equal(
    parsed.map((r) => [r.level, r.dept_id, r.function_id]),
    [
      ['total', '', ''],
      ['department', 'borgerservice', ''],
      ['department', 'boern-unge', ''],
      ['function', 'boern-unge', 'pas-visitation'],
      ['department', 'natur', ''],
    ],
  );
  const check = (row: Record<string, string>, f: ReportFigures) => {
    assert.is(row.quarter, '2026Q4');
    for (const [col, key] of CSV_FIGURE_COLUMNS) {
      const v = f[key];
      if (v === null) assert.is(row[col], '', `${col} is empty for null`);
      else assert.ok(Math.abs(Number(row[col]) - v) <= (col.endsWith('_s') ? 0.05 : 5e-4) + 1e-9, `${col}: ${row[col]} vs ${v}`); // seconds to 0.1, rates to 0.0001
    }
  };
  check(parsed[0]!, report.totals);
  check(parsed[1]!, report.departments[0]!.figures);
  check(parsed[2]!, report.departments[1]!.figures);
  check(parsed[3]!, report.departments[1]!.functions[0]!.figures);
  check(parsed[4]!, report.departments[2]!.figures);
  // names survive quoting (comma, quotes, ampersand)
  assert.is(parsed[2]!.dept_name, 'Børn & <Unge> "PPR"');
  assert.is(parsed[3]!.function_name, 'Pladsanvisning <visitation>');
});

t('machine-readable numbers: dot decimal, rates 0..1, no thousands separator, no float noise', () => {
  const parsed = rows(renderReportCsv(sampleReport()));
  const bs = parsed[1]!;
  assert.is(bs.answer_rate, '0.93');
  assert.is(bs.wait_avg_s, '28');
  assert.is(bs.wait_p90_s, '61.5');
  assert.is(bs.transfers_per_call, '0.125');
  assert.is(bs.callback_on_time_rate, '0.8182'); // 45/55
  assert.is(parsed[0]!.offered, '1400');
  assert.is(parsed[0]!.answer_rate, '0.8786'); // 1230/1400
  for (const r of parsed) for (const col of ['answer_rate', 'callback_on_time_rate']) if (r[col] !== '') assert.ok(Number(r[col]) >= 0 && Number(r[col]) <= 1);
  for (const r of parsed) for (const [col] of CSV_FIGURE_COLUMNS) assert.ok(r[col] === '' || /^\d+(\.\d+)?$/.test(r[col]!), `${col}=${r[col]}`);
});

t('an empty department: counts 0, measured figures empty (not 0)', () => {
  const natur = rows(renderReportCsv(sampleReport())).find((r) => r.dept_id === 'natur')!;
  assert.is(natur.offered, '0');
  assert.is(natur.answer_rate, '');
  assert.is(natur.wait_avg_s, '');
  assert.is(natur.callback_on_time_rate, '');
});

t.run();
