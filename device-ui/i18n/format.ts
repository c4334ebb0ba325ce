/**
 * Times as people in a Danish town hall read them: 24-hour clock, Europe/Copenhagen,
 * whatever time zone the device itself is set to. Pure; `now` is always passed in.
 */
import type { Lang } from './lang.js';

export const TIME_ZONE = 'Europe/Copenhagen';

const LOCALE: Record<Lang, string> = { da: 'da-DK', en: 'en-GB' };

const cache = new Map<string, Intl.DateTimeFormat>();
function fmt(lang: Lang, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALE[lang], { timeZone: TIME_ZONE, ...opts });
    cache.set(key, f);
  }
  return f;
}

/** "08.00" (da) or "08:00" (en); always 24-hour. */
export function clockTime(when: Date, lang: Lang): string {
  // hourCycle h23, not hour12:false: the latter gives "24.00" at midnight in some engines.
  return fmt(lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(when);
}

/** "mandag" / "Monday" */
export function weekday(when: Date, lang: Lang): string {
  return fmt(lang, { weekday: 'long' }).format(when);
}

/** "mandag 27. oktober" / "Monday 27 October" */
export function weekdayDate(when: Date, lang: Lang): string {
  return fmt(lang, { weekday: 'long', day: 'numeric', month: 'long' }).format(when);
}

/** Days since 1970-01-01 of the Copenhagen calendar date of `when`. */
export function copenhagenDayNumber(when: Date): number {
  const parts = fmt('en', { year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(when);
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  return Math.round(Date.UTC(get('year'), get('month') - 1, get('day')) / 86_400_000);
}

/** How many Copenhagen calendar days `when` lies after `now` (0 = same day, -1 = yesterday). */
export function calendarDaysBetween(now: Date, when: Date): number {
  return copenhagenDayNumber(when) - copenhagenDayNumber(now);
}

export type WhenParts =
  | { kind: 'today'; time: string }
  | { kind: 'tomorrow'; time: string }
  | { kind: 'weekday'; day: string; time: string }
  | { kind: 'date'; day: string; time: string };

/**
 * Splits a point in time into the words a person uses for it, relative to `now`:
 * today → only the time; tomorrow; within the coming week → the weekday; else weekday + date.
 */
export function whenParts(iso: string, now: Date, lang: Lang): WhenParts | null {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return null;
  const time = clockTime(when, lang);
  const days = calendarDaysBetween(now, when);
  if (days === 0) return { kind: 'today', time };
  if (days === 1) return { kind: 'tomorrow', time };
  if (days > 1 && days < 7) return { kind: 'weekday', day: weekday(when, lang), time };
  return { kind: 'date', day: weekdayDate(when, lang), time };
}

/** Rounded whole minutes between two instants, never negative. */
export function minutesBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 60_000));
}
