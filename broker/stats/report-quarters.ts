/** ST-1: which quarter is which, in Copenhagen time, for the CLI and the reports page. Pure. */
import { DateTime } from 'luxon';
import { quarterOf } from '../../protocol/index.js';

const ZONE = 'Europe/Copenhagen';

/** The quarter `now` falls in, by the Copenhagen calendar (`2026Q4`). */
export function currentQuarter(now: Date): string {
  return quarterOf(DateTime.fromJSDate(now, { zone: ZONE }).toISODate()!);
}

/** The quarter before `quarter` (`2026Q1` → `2025Q4`). */
export function previousQuarter(quarter: string): string {
  const year = Number(quarter.slice(0, 4));
  const q = Number(quarter.slice(5));
  return q === 1 ? `${year - 1}Q4` : `${year}Q${q - 1}`;
}

/** The current quarter and the `count - 1` before it, newest first. */
export function recentQuarters(now: Date, count = 4): string[] {
  const out = [currentQuarter(now)];
  while (out.length < count) out.push(previousQuarter(out.at(-1)!));
  return out;
}

/** `omstil-report-2026Q4.html` and its .csv/.json siblings. */
export function reportFileName(quarter: string, ext: 'html' | 'csv' | 'json'): string {
  return `omstil-report-${quarter}.${ext}`;
}
