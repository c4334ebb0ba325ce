/**
 * PH-1, AS-2: Danish public holidays. date-holidays is the one authority for which days are
 * holidays (type 'public' only: Juleaftensdag, Grundlovsdag and 1. maj are not public holidays,
 * and Store Bededag stopped being one after 2023). Phone hours and workdays both ask here.
 */
import Holidays from 'date-holidays';

export interface Holiday {
  /** 'YYYY-MM-DD' */
  readonly date: string;
  /** Danish name, e.g. 'Anden påskedag' */
  readonly name: string;
  /** English name, for English texts */
  readonly nameEn: string;
}

let calendar: Holidays | null = null;
const byYear = new Map<number, readonly Holiday[]>();
const byDate = new Map<string, Holiday>();

/** date-holidays writes some names with capitals inside ('Anden Juledag'); Danish does not. */
function danishCase(name: string): string {
  return name.charAt(0) + name.slice(1).toLocaleLowerCase('da');
}

function load(year: number): readonly Holiday[] {
  let list = byYear.get(year);
  if (list) return list;
  calendar ??= new Holidays('DK');
  const english = new Map(calendar.getHolidays(year, 'en').filter((h) => h.type === 'public').map((h) => [h.date.slice(0, 10), h.name]));
  list = Object.freeze(
    calendar
      .getHolidays(year, 'da')
      .filter((h) => h.type === 'public')
      .map((h) => {
        const date = h.date.slice(0, 10);
        return Object.freeze({ date, name: danishCase(h.name), nameEn: english.get(date) ?? h.name });
      }),
  );
  for (const h of list) byDate.set(h.date, h);
  byYear.set(year, list);
  return list;
}

/** The public holidays of a year, in date order. */
export function danishHolidays(year: number): Holiday[] {
  if (!Number.isInteger(year)) throw new RangeError(`not a year: ${year}`);
  return [...load(year)];
}

/** The public holiday on a date ('YYYY-MM-DD'), or null. */
export function holidayOn(date: string): Holiday | null {
  const year = Number(date.slice(0, 4));
  if (!byYear.has(year)) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`not a date (YYYY-MM-DD): ${JSON.stringify(date)}`);
    load(year);
  }
  return byDate.get(date) ?? null;
}
