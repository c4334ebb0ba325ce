/**
 * PH-1, AS-2: the municipality's wall clock. Every phone-hours and workday rule is stated in
 * Europe/Copenhagen local time; this module converts between that wall clock and instants.
 * Dates are 'YYYY-MM-DD', clock times 'HH:mm'. Pure: no clock of its own, and nothing here
 * depends on the time zone of the process.
 */
import { IANAZone } from 'luxon';

export const ZONE = 'Europe/Copenhagen';

const zone = IANAZone.create(ZONE);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY_MS = 24 * HOUR;

/** A local (Copenhagen) day: its date and its instants, `end` exclusive (23, 24 or 25 hours later). */
export interface LocalDay {
  readonly date: string;
  readonly start: number;
  readonly end: number;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})$/;

/** [year, month (1-12), day] of a 'YYYY-MM-DD' date; throws RangeError on anything else. */
export function dateParts(date: string): [number, number, number] {
  const m = DATE_RE.exec(date);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const probe = new Date(Date.UTC(y, mo - 1, d));
    if (probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d) return [y, mo, d];
  }
  throw new RangeError(`not a date (YYYY-MM-DD): ${JSON.stringify(date)}`);
}

/** Minutes since midnight of 'HH:mm' ('24:00' is the end of the day). */
export function clockMinutes(time: string): number {
  const m = TIME_RE.exec(time);
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  if (!m || min > 59 || h > 24 || (h === 24 && min > 0)) throw new RangeError(`not a clock time (HH:mm): ${JSON.stringify(time)}`);
  return h * 60 + min;
}

/** 'HH:mm' of minutes since midnight (1440 → '24:00'). */
export function clockText(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The date of a UTC-based day number (days since 1970-01-01). */
function dateOfEpochDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

interface YearOffsets {
  /** offset at the start of the (UTC) year, ms */
  readonly initial: number;
  /** [instant, offset from then on] for each change within the year */
  readonly changes: readonly (readonly [number, number])[];
}

const offsetYears = new Map<number, YearOffsets>();

/**
 * The zone's offset changes in a year, found once with luxon (which asks Intl): sampled weekly,
 * each change pinned down to the minute. Asking Intl for every conversion would cost microseconds.
 */
function yearOffsets(year: number): YearOffsets {
  let entry = offsetYears.get(year);
  if (entry) return entry;
  const luxonOffset = (ms: number) => zone.offset(ms) * MINUTE;
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const initial = luxonOffset(start);
  const changes: [number, number][] = [];
  let prevAt = start;
  let prev = initial;
  for (let t = start + 7 * DAY_MS; prevAt < end; t = Math.min(t + 7 * DAY_MS, end)) {
    const off = luxonOffset(t);
    if (off !== prev) {
      let lo = prevAt;
      let hi = t;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (luxonOffset(mid) === prev) lo = mid;
        else hi = mid;
      }
      changes.push([hi, off]);
      prev = off;
    }
    prevAt = t;
  }
  entry = { initial, changes };
  offsetYears.set(year, entry);
  return entry;
}

/** UTC offset in Copenhagen at an instant, in ms. */
function offsetAt(ms: number): number {
  const { initial, changes } = yearOffsets(new Date(ms).getUTCFullYear());
  let off = initial;
  for (const [at, o] of changes) {
    if (ms < at) break;
    off = o;
  }
  return off;
}

/**
 * The instant at which Copenhagen's wall clock shows `wall` (a wall-clock reading written as
 * if it were UTC). In the autumn overlap the earlier instant; in the spring-forward gap the
 * next valid instant, i.e. the moment the clocks jump (02:30 on the last Sunday of March → 03:00).
 */
function wallToInstant(wall: number): number {
  const before = offsetAt(wall - DAY_MS);
  const after = offsetAt(wall + DAY_MS);
  const a = wall - before;
  const b = wall - after;
  const okA = a + offsetAt(a) === wall;
  const okB = b + offsetAt(b) === wall;
  if (okA && okB) return Math.min(a, b);
  if (okA) return a;
  if (okB) return b;
  // A gap: the offset changes from `before` to `after` somewhere in (b, a]. Find that instant.
  // Transitions fall on whole minutes: search that grid.
  let lo = Math.floor(Math.min(a, b) / MINUTE) * MINUTE;
  let hi = Math.ceil(Math.max(a, b) / MINUTE) * MINUTE;
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (offsetAt(mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The instant at `ms` milliseconds after local midnight of `date` on the wall clock. */
export function wallInstant(date: string, msOfDay: number): number {
  const [y, m, d] = dateParts(date);
  return wallToInstant(Date.UTC(y, m - 1, d) + msOfDay);
}

/** Wall clock → instant. `time` is 'HH:mm' ('24:00' = the next midnight). See wallToInstant for DST. */
export function atLocal(date: string, time: string): Date {
  return new Date(wallInstant(date, clockMinutes(time) * MINUTE));
}

// Day bounds are asked for constantly (every isOpen outside the hot day): keep the recent ones.
const DAY_CACHE_SIZE = 400;
const days = new Map<string, LocalDay>();
let lastDay: LocalDay | null = null;

/** The local day called `date`. */
export function localDayOf(date: string): LocalDay {
  let day = days.get(date);
  if (!day) {
    day = Object.freeze({ date, start: wallInstant(date, 0), end: wallInstant(date, DAY_MS) });
    if (days.size >= DAY_CACHE_SIZE) days.delete(days.keys().next().value!);
    days.set(date, day);
  }
  return day;
}

/** The local day containing an instant. */
export function localDay(at: Date | number): LocalDay {
  const ms = typeof at === 'number' ? at : at.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid instant');
  if (lastDay && ms >= lastDay.start && ms < lastDay.end) return lastDay;
  const wall = ms + offsetAt(ms);
  lastDay = localDayOf(dateOfEpochDay(wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS)));
  return lastDay;
}

/** 'YYYY-MM-DD' in Copenhagen at an instant. */
export function localDate(at: Date): string {
  return localDay(at).date;
}

/** 'HH:mm' in Copenhagen at an instant. */
export function localTime(at: Date): string {
  const ms = at.getTime();
  const wall = ms + offsetAt(ms);
  const minutes = Math.floor((((wall % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE);
  return clockText(minutes);
}

/** Milliseconds shown on Copenhagen's wall clock since local midnight at an instant. */
export function wallMsOfDay(at: Date): number {
  const ms = at.getTime();
  const wall = ms + offsetAt(ms);
  return ((wall % DAY_MS) + DAY_MS) % DAY_MS;
}

/** 1 = Monday … 7 = Sunday. */
export function weekday(date: string): number {
  const [y, m, d] = dateParts(date);
  const day = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The date `n` days after `date` (n may be negative). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = dateParts(date);
  return dateOfEpochDay(Date.UTC(y, m - 1, d + n));
}

/** The Monday of the week containing `date`. */
export function mondayOf(date: string): string {
  return addDays(date, 1 - weekday(date));
}
