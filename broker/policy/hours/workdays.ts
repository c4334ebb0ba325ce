/**
 * AS-2 (call-back deadlines), DV-6 and PR-1 (absence longer than one workday): workdays are
 * Monday to Friday except Danish public holidays, counted on Copenhagen's wall clock.
 */
import { holidayOn } from './holidays.js';
import { addDays, DAY_MS, localDate, wallInstant, wallMsOfDay, weekday } from './zone.js';

/** AS-2: Monday–Friday and not a public holiday. */
export function isWorkday(date: string): boolean {
  return weekday(date) <= 5 && holidayOn(date) === null;
}

function nextWorkday(date: string): string {
  let d = addDays(date, 1);
  while (!isWorkday(d)) d = addDays(d, 1);
  return d;
}

/**
 * AS-2: the deadline `n` workdays after `at`: the same Copenhagen clock time on the n-th
 * following workday. Only workday time counts: taken outside a workday, the clock starts at
 * 00:00 of the next workday (Saturday 11:00 + 1 → Tuesday 00:00, the end of Monday), and a
 * start at exactly midnight ends at the end of the n-th workday itself.
 */
export function addWorkdays(at: Date, n: number): Date {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`workdays must be a whole number ≥ 0: ${n}`);
  let date = localDate(at);
  let clock = wallMsOfDay(at);
  if (!isWorkday(date)) {
    date = nextWorkday(date);
    clock = 0;
  }
  if (n === 0) return new Date(wallInstant(date, clock));
  if (clock === 0) {
    // n whole workdays from the start of `date`: the end of the n-th workday, counting `date`
    for (let i = 1; i < n; i++) date = nextWorkday(date);
    return new Date(wallInstant(date, DAY_MS));
  }
  for (let i = 0; i < n; i++) date = nextWorkday(date);
  return new Date(wallInstant(date, clock));
}

/** DV-6, PR-1: does an absence from `from` until `until` last longer than one workday? */
export function isLongerThanWorkday(from: Date, until: Date): boolean {
  return until.getTime() > addWorkdays(from, 1).getTime();
}
