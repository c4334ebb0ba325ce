/**
 * ST-1: the quarterly report as CSV for spreadsheets and the municipality's own BI: one row
 * for the whole municipality, one per department and one per function (group number), with
 * stable English column names. Numbers are machine-readable, not Danish: a dot as decimal
 * separator, no thousands separator, rates as 0..1, waits in seconds; an empty cell is a
 * figure with nothing to measure (null in the JSON), never zero. Pure.
 */
import { stringify } from 'csv-stringify/sync';
import type { QuarterReport, ReportFigures } from '../../protocol/index.js';

/** The figure columns, in order: CSV name → the report's field. */
export const CSV_FIGURE_COLUMNS = [
  ['offered', 'offered'],
  ['answered', 'answered'],
  ['answer_rate', 'answerRate'],
  ['wait_avg_s', 'waitAvgS'],
  ['wait_p90_s', 'waitP90S'],
  ['transfers_per_call', 'transfersPerCall'],
  ['met_unavailable', 'metUnavailable'],
  ['message_calls', 'messageCalls'],
  ['voicemail', 'voicemail'],
  ['lost', 'lost'],
  ['diversions', 'diversions'],
  ['messages', 'messages'],
  ['callbacks_on_time', 'callbacksOnTime'],
  ['callbacks_late', 'callbacksLate'],
  ['callbacks_open', 'callbacksOpen'],
  ['callback_on_time_rate', 'callbackOnTimeRate'],
] as const satisfies readonly (readonly [string, keyof ReportFigures])[];

/** Every column of the CSV, in order. */
export const CSV_COLUMNS = ['quarter', 'level', 'dept_id', 'dept_name', 'function_id', 'function_name', ...CSV_FIGURE_COLUMNS.map(([c]) => c)] as const;

export type CsvLevel = 'total' | 'department' | 'function';

/** rates to 4 decimals, seconds to 1, transfers per call to 3: enough, without float noise */
const DECIMALS: Partial<Record<keyof ReportFigures, number>> = { answerRate: 4, callbackOnTimeRate: 4, waitAvgS: 1, waitP90S: 1, transfersPerCall: 3 };

function cell(key: keyof ReportFigures, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '';
  const d = DECIMALS[key];
  return d === undefined ? String(v) : String(Number(v.toFixed(d)));
}

/** ST-1: the report as CSV (RFC 4180, header row, `\r\n`). */
export function renderReportCsv(report: QuarterReport): string {
  const row = (level: CsvLevel, deptId: string, deptName: string, fnId: string, fnName: string, f: ReportFigures) => [
    report.quarter,
    level,
    deptId,
    deptName,
    fnId,
    fnName,
    ...CSV_FIGURE_COLUMNS.map(([, key]) => cell(key, f[key])),
  ];
  const rows: string[][] = [row('total', '', '', '', '', report.totals)];
  for (const d of report.departments) {
    rows.push(row('department', d.id, d.name, '', '', d.figures));
    for (const fn of d.functions) rows.push(row('function', d.id, d.name, fn.id, fn.name, fn.figures));
  }
  return stringify(rows, { header: true, columns: [...CSV_COLUMNS], record_delimiter: 'windows' });
}
