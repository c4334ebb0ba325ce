/**
 * ST-1: the quarterly report, as the admin API (`GET /api/v1/reports/{quarter}`), `omstil
 * report --json` and the reports page carry it. One shape for all three: the HTML and CSV are
 * rendered from it. Figures are per department and per function (group number); rates are
 * 0..1, waits are seconds; null means "nothing to measure" (no calls), never zero.
 */
import * as z from 'zod/mini';
import { Id, IsoTime, LocalDate } from './schemas.js';

/** `2026Q4` */
export const QUARTER_PATTERN = /^(\d{4})Q([1-4])$/;
export const Quarter = z.string().check(z.regex(QUARTER_PATTERN, 'must be a quarter like 2026Q4'));

const Rate = z.nullable(z.number().check(z.gte(0), z.lte(1)));
const Seconds = z.nullable(z.number().check(z.gte(0)));
const Count = z.int().check(z.gte(0));

/** The figures of one department, one function, or the whole municipality. */
export const ReportFigures = z.strictObject({
  /** calls offered (rang, or were sent to the IVR) */
  offered: Count,
  answered: Count,
  answerRate: Rate,
  /** over answered calls */
  waitAvgS: Seconds,
  waitP90S: Seconds,
  /** transfers per answered call */
  transfersPerCall: z.nullable(z.number().check(z.gte(0))),
  /** calls whose dialled person could not answer at the time */
  metUnavailable: Count,
  /** calls that ended as a message for a call-back (AS-1) */
  messageCalls: Count,
  /** calls that ended in a mailbox (AS-5) */
  voicemail: Count,
  /** offered inside phone hours, neither answered nor left as a message */
  lost: Count,
  /** diversions set (DV-1) by the department's people */
  diversions: Count,
  /** messages taken (AS-1) for the department or function, from phones, kiosks or the IVR */
  messages: Count,
  /** of those: done by their due time (AS-2) */
  callbacksOnTime: Count,
  /** of those: done after their due time, or still not done past it (AS-4) */
  callbacksLate: Count,
  /** of those: not done and not yet due */
  callbacksOpen: Count,
  /** callbacksOnTime / (callbacksOnTime + callbacksLate); null when none was due */
  callbackOnTimeRate: Rate,
});
export type ReportFigures = z.infer<typeof ReportFigures>;

export const ReportFunction = z.strictObject({
  /** the group (function number) id */
  id: Id,
  name: z.string(),
  figures: ReportFigures,
});
export type ReportFunction = z.infer<typeof ReportFunction>;

export const ReportDepartment = z.strictObject({
  id: Id,
  name: z.string(),
  figures: ReportFigures,
  functions: z.array(ReportFunction),
});
export type ReportDepartment = z.infer<typeof ReportDepartment>;

/** One week of the quarter (ISO week), for the trend chart. */
export const ReportWeek = z.strictObject({
  /** `2026-W41` */
  week: z.string().check(z.regex(/^\d{4}-W\d{2}$/, 'must be an ISO week like 2026-W41')),
  offered: Count,
  answered: Count,
  answerRate: Rate,
});
export type ReportWeek = z.infer<typeof ReportWeek>;

export const QuarterReport = z.strictObject({
  quarter: Quarter,
  municipality: z.string(),
  /** first and last day of the quarter (Europe/Copenhagen) */
  from: LocalDate,
  to: LocalDate,
  generatedAt: IsoTime,
  timezone: z.literal('Europe/Copenhagen'),
  /** the quarter is not over: figures so far */
  partial: z.boolean(),
  totals: ReportFigures,
  departments: z.array(ReportDepartment),
  weeks: z.array(ReportWeek),
});
export type QuarterReport = z.infer<typeof QuarterReport>;

/** `2026Q4` → its first and last day; null when not a quarter. */
export function quarterDays(quarter: string): { from: string; to: string } | null {
  const m = QUARTER_PATTERN.exec(quarter);
  if (!m) return null;
  const year = Number(m[1]);
  const q = Number(m[2]);
  const firstMonth = (q - 1) * 3 + 1;
  const lastMonth = firstMonth + 2;
  const lastDay = new Date(Date.UTC(year, lastMonth, 0)).getUTCDate();
  const pad = (n: number) => String(n).padStart(2, '0');
  return { from: `${year}-${pad(firstMonth)}-01`, to: `${year}-${pad(lastMonth)}-${pad(lastDay)}` };
}

/** The quarter a local date (`YYYY-MM-DD`) falls in. */
export function quarterOf(localDate: string): string {
  return `${localDate.slice(0, 4)}Q${Math.floor((Number(localDate.slice(5, 7)) - 1) / 3) + 1}`;
}
