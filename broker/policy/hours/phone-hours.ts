/**
 * PH-1: phone hours in OpenStreetMap `opening_hours` syntax, read on Copenhagen's wall clock,
 * with Danish public holidays from date-holidays (holidays.ts).
 *
 * How an expression is evaluated:
 * - Holidays. opening_hours carries its own Danish holiday list, which disagrees with the law
 *   (it has Juleaftensdag and Grundlovsdag, and lacks Store Bededag up to 2023). So it is never
 *   asked what a holiday is: each expression is compiled into PH-free variants, one per
 *   combination of "is `PH` true today" (and, for `PH +1 day` / `PH -1 day`, yesterday or
 *   tomorrow). A `PH` that holds becomes `Mo-Su` (matches the day), one that does not takes
 *   its rule out of play. Each local day is then evaluated with the variant date-holidays
 *   selects for it. (So hours that run past midnight take their after-midnight part from the
 *   next day's variant: "PH 22:00-02:00" does not reach into an ordinary day after a holiday.)
 * - Time zone. opening_hours reads a Date through its local-time getters. We hand it the
 *   Copenhagen wall-clock day as a process-local day and read the answer back as minutes after
 *   midnight, which we turn into instants with zone.ts. A process-local day that is not 24
 *   hours long (the process's own DST change) cannot show every wall-clock minute, so a
 *   weekday-only expression is then evaluated on the same weekday a week away. (One with
 *   dates or sunrise in it is evaluated on the day itself, and may be off by that hour there.)
 * - Speed. Each PhoneHours keeps the open spans of the local days it has evaluated (LRU) and
 *   answers isOpen/nextChange by binary search; the day last asked about is checked first.
 */
import opening_hours from 'opening_hours';
import { holidayOn, type Holiday } from './holidays.js';
import { addDays, clockText, DAY_MS, dateParts, localDate, localDay, localDayOf, mondayOf, wallInstant, weekday, type LocalDay } from './zone.js';

const MINUTE = 60_000;
/** Where the sun rises for `sunrise`/`sunset` times, and the country whose syntax rules apply. */
const LOCATION = { lat: 55.68, lon: 12.57, address: { country_code: 'dk', state: '' } };
/** opening_hours mode 0: time ranges, as phone hours are. */
const MODE = 0;
/** Local days each PhoneHours remembers. */
const DAY_CACHE = 60;
/** nextChange looks this many days ahead. */
const HORIZON_DAYS = 366;
/** typicalWeek's default week: an ordinary week with no DST change. */
const REFERENCE = new Date('2025-02-12T12:00:00Z');

export class PhoneHoursError extends Error {
  constructor(
    readonly expr: string,
    message: string,
  ) {
    super(message);
    this.name = 'PhoneHoursError';
  }
}

/** A wall-clock range on one day: 'HH:mm' to 'HH:mm' ('24:00' when it runs past midnight). */
export interface ClockRange {
  from: string;
  to: string;
}

export interface Interval {
  start: Date;
  end: Date;
}

export interface DayHours {
  /** 'YYYY-MM-DD' */
  date: string;
  /** 1 = Monday … 7 = Sunday */
  weekday: number;
  /** the public holiday on this date, whether or not the expression closes on it */
  holiday: Holiday | null;
  open: ClockRange[];
}

export interface WeekdayHours {
  weekday: number;
  open: ClockRange[];
}

/** Null when `expr` is valid phone-hours syntax, else the library's message (first line). */
export function checkPhoneHours(expr: string): string | null {
  try {
    PhoneHours.parse(expr);
    return null;
  } catch (err) {
    return String((err as Error).message ?? err).split('\n')[0]!;
  }
}

// ---- compiling an expression into PH-free variants -------------------------------------

interface Selector {
  type: string;
  text: string;
}

interface Rule {
  /** how the rule joins the one before it */
  sep: '; ' | ', ' | ' || ';
  selectors: Selector[];
}

/** prettifyValue's internals: per rule its selectors, and its tokens with the fallback (`||`) flag. */
type PrettifyInternals = [[[number, number, string], string][][], [unknown[][], boolean, ...unknown[]][]];

const HOLIDAY_ITEM = /^(PH|SH)(?:\s*([+-])\s*(\d+)\s*days?)?$/;

function libraryMessage(err: unknown): string {
  return String((err as Error)?.message ?? err);
}

function construct(expr: string): opening_hours {
  return new opening_hours(expr, LOCATION, MODE);
}

/** The rules of a parsed expression, each as its prettified selectors. */
function rulesOf(expr: string, oh: opening_hours): Rule[] {
  // `get_internals` is in the library's source and docs but not in its typings
  const prettify = oh.prettifyValue as unknown as (this: opening_hours, arg: { get_internals: true }) => PrettifyInternals;
  const [groups, tokenRules] = prettify.call(oh, { get_internals: true });
  const rules: Rule[] = [];
  let g = 0;
  for (const [tokens, fallback] of tokenRules) {
    if (tokens.length === 0) continue;
    const group = groups[g++];
    if (!group) throw new PhoneHoursError(expr, 'unexpected opening_hours structure');
    const first = tokens[0] as unknown[];
    const sep = first[1] === 'rule separator' ? ', ' : fallback === true ? ' || ' : '; ';
    rules.push({ sep, selectors: group.map(([[, , type], text]) => ({ type, text })) });
  }
  return rules;
}

/** Split a selector's list at the commas that are not inside brackets ('Mo[1,3],PH'). */
function listItems(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ',' && depth === 0) {
      items.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(text.slice(start).trim());
  return items;
}

/** The day offset a holiday item refers to: 'PH' 0, 'PH +1 day' +1 (the day after a holiday). */
function holidayOffset(expr: string, item: string): number | null {
  const m = HOLIDAY_ITEM.exec(item);
  if (!m) return null;
  if (m[1] === 'SH') throw new PhoneHoursError(expr, 'school holidays (SH) are not supported');
  return m[2] === undefined ? 0 : (m[2] === '-' ? -1 : 1) * Number(m[3]);
}

/** The offsets of every PH item in the expression, e.g. [0] for '…; PH off'. */
function holidayOffsets(expr: string, rules: Rule[]): number[] {
  const offsets = new Set<number>();
  for (const rule of rules) {
    for (const sel of rule.selectors) {
      if (sel.type !== 'weekday' && sel.type !== 'holiday') continue;
      for (const item of listItems(sel.text)) {
        const off = holidayOffset(expr, item);
        if (off !== null) offsets.add(off);
      }
    }
  }
  return [...offsets].sort((a, b) => a - b);
}

/**
 * The expression with every PH item decided by `holds(offset)`. Rules keep their order and
 * separators (opening_hours' override logic looks at neighbouring rules), so a rule whose PH
 * cannot hold is kept but dated 1970, which no day matches.
 */
function renderVariant(expr: string, rules: Rule[], holds: (offset: number) => boolean): string {
  const out: string[] = [];
  for (const rule of rules) {
    const selectors: Selector[] = [];
    let never = false;
    let holidayAt = -1;
    for (const sel of rule.selectors) {
      if (sel.type === 'weekday' || sel.type === 'holiday') {
        const items = listItems(sel.text);
        const holiday = items.filter((item) => holidayOffset(expr, item) !== null);
        if (holiday.length > 0) {
          const days = items.filter((item) => holidayOffset(expr, item) === null);
          if (holiday.some((item) => holds(holidayOffset(expr, item)!))) {
            // a PH that holds makes the selector match the whole day
            if (sel.type === 'weekday' || days.length > 0) selectors.push({ type: 'weekday', text: 'Mo-Su' });
            else holidayAt = selectors.length;
          } else if (days.length > 0) {
            selectors.push({ type: 'weekday', text: days.join(',') });
          } else {
            never = true;
          }
          continue;
        }
      }
      selectors.push(sel);
    }
    if (holidayAt >= 0 && !selectors.some((s) => s.type === 'weekday')) selectors.splice(holidayAt, 0, { type: 'weekday', text: 'Mo-Su' });
    const kept = never ? [{ type: 'year', text: '1970' }, ...selectors.filter((s) => s.type !== 'year')] : selectors;
    const text = kept.map((s) => s.text).join(' ');
    out.push(out.length === 0 ? text : rule.sep + text);
  }
  return out.join('');
}

/** Selector types that do not depend on the date beyond its weekday (PH is settled per date). */
const WEEKDAY_ONLY = new Set(['weekday', 'holiday', 'time', 'state', 'comment', '24/7']);

/** Whether an expression's answer for a date depends only on its weekday and its holidays. */
function isWeekdayOnly(rules: Rule[]): boolean {
  return rules.every((r) => r.selectors.every((s) => WEEKDAY_ONLY.has(s.type) && !/sun|dawn|dusk/.test(s.text)));
}

/** One PH-free expression, ready to evaluate a wall-clock day. */
class Variant {
  private readonly oh: opening_hours;

  /** `weekdayOnly`: the answer depends on the weekday only (no dates, no sunrise) */
  constructor(
    readonly source: string,
    readonly text: string,
    private readonly weekdayOnly: boolean,
  ) {
    try {
      this.oh = construct(text);
    } catch (err) {
      throw new PhoneHoursError(source, `PH-1: cannot evaluate "${text}" (from "${source}"): ${libraryMessage(err)}`);
    }
  }

  /** Open ranges on a local day, in minutes after midnight, [from, to) with to ≤ 1440. */
  openMinutes(date: string): [number, number][] {
    let [y, m, d] = dateParts(date);
    if (this.weekdayOnly && !(regularDay(y, m, d) && regularDay(y, m, d - 1))) {
      for (const k of [-7, 7, -14, 14, -21, 21]) {
        if (regularDay(y, m, d + k) && regularDay(y, m, d + k - 1)) {
          [y, m, d] = dateParts(addDays(date, k));
          break;
        }
      }
    }
    const from = new Date(y, m - 1, d);
    const to = new Date(y, m - 1, d + 1);
    const minutes = (t: Date) => (t.getDate() === from.getDate() ? t.getHours() * 60 + t.getMinutes() : 1440);
    const out: [number, number][] = [];
    const it = this.oh.getIterator(from);
    // 'unknown' (open end, conditional) is not a promise to answer: counted as closed
    let openFrom = it.getState() ? 0 : -1;
    while (it.advance(to)) {
      const at = minutes(it.getDate());
      if (it.getState()) {
        if (openFrom < 0) openFrom = at;
      } else if (openFrom >= 0) {
        if (at > openFrom) out.push([openFrom, at]);
        openFrom = -1;
      }
    }
    if (openFrom >= 0 && openFrom < 1440) out.push([openFrom, 1440]);
    return out;
  }
}

/** Does the process's own time zone give this day exactly 24 hours, starting at 00:00? */
function regularDay(y: number, m: number, d: number): boolean {
  const start = new Date(y, m - 1, d);
  return start.getHours() === 0 && new Date(y, m - 1, d + 1).getTime() - start.getTime() === DAY_MS;
}

// ---- evaluated days ---------------------------------------------------------------------

interface DayRecord extends LocalDay {
  readonly holiday: Holiday | null;
  /** open ranges in wall-clock minutes */
  readonly minutes: readonly (readonly [number, number])[];
  /** the same as instants, flat and sorted: [start0, end0, start1, end1, …], ends exclusive */
  readonly spans: Float64Array;
}

/** Index of the last span start ≤ t, or -1. */
function spanAt(spans: Float64Array, t: number): number {
  let lo = 0;
  let hi = spans.length / 2 - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid * 2]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function ranges(minutes: readonly (readonly [number, number])[]): ClockRange[] {
  return minutes.map(([a, b]) => ({ from: clockText(a), to: clockText(b) }));
}

/** PH-1: one department's or function's phone hours. Immutable; caches what it has evaluated. */
export class PhoneHours {
  /** PH offsets the expression uses (0 for PH, +1 for 'PH +1 day', …) */
  private readonly offsets: readonly number[];
  private readonly variants = new Map<string, Variant>();
  private readonly days = new Map<string, DayRecord>();
  private hot: DayRecord | null = null;
  /** what the last nextChange found: no change in [from, to); `to` is the change when `found` */
  private lastChange: { from: number; to: number; found: boolean } | null = null;
  private typical: { monday: string; ordinary: WeekdayHours[]; holiday: WeekdayHours[] } | null = null;

  private constructor(
    readonly expr: string,
    rules: Rule[],
  ) {
    this.offsets = holidayOffsets(expr, rules);
    // compile every variant now, so a bad expression fails here and not on some holiday
    const n = this.offsets.length;
    const weekdayOnly = isWeekdayOnly(rules);
    for (let bits = 0; bits < 1 << n; bits++) {
      const key = this.offsets.map((_, i) => ((bits >> i) & 1 ? '1' : '0')).join('');
      const holds = (off: number) => ((bits >> this.offsets.indexOf(off)) & 1) === 1;
      const text = n === 0 ? expr : renderVariant(expr, rules, holds);
      this.variants.set(key, new Variant(expr, text, weekdayOnly));
    }
  }

  /** Throws PhoneHoursError with opening_hours' message when `expr` is not valid. */
  static parse(expr: string): PhoneHours {
    // opening_hours has no Danish school holidays and would print a "library bug" notice for SH
    if (/\bSH\b/.test(expr.replace(/"[^"]*"/g, ''))) throw new PhoneHoursError(expr, 'school holidays (SH) are not defined for Denmark; use dates instead');
    let oh: opening_hours;
    try {
      oh = construct(expr);
    } catch (err) {
      throw new PhoneHoursError(expr, libraryMessage(err));
    }
    return new PhoneHours(expr, rulesOf(expr, oh));
  }

  /** The PH-free expressions this one is evaluated with (for tests and diagnostics). */
  get variantTexts(): { ordinary: string; holiday: string } {
    return { ordinary: this.variantFor(() => false).text, holiday: this.variantFor(() => true).text };
  }

  /** Whether PH appears in the expression at all. */
  get mentionsHolidays(): boolean {
    return this.offsets.length > 0;
  }

  /** PH-1: is the line open at `at`? */
  isOpen(at: Date): boolean {
    const t = at.getTime();
    let day = this.hot;
    if (day === null || t < day.start || t >= day.end) {
      day = this.record(localDay(t).date);
      this.hot = day;
    }
    const i = spanAt(day.spans, t);
    return i >= 0 && t < day.spans[i * 2 + 1]!;
  }

  /** The next instant after `at` at which the line opens or closes; null if none within 366 days. */
  nextChange(at: Date): Date | null {
    const t = at.getTime();
    const today = localDay(t).date;
    const limit = localDayOf(addDays(today, HORIZON_DAYS)).end;
    // what the last call learnt: the state does not change in [from, to)
    let known = this.lastChange;
    if (!known || t < known.from || t >= known.to) known = { from: t, to: t, found: false };
    else if (known.found) return new Date(known.to);
    const remember = (to: number, found: boolean) => {
      this.lastChange = { from: known.from, to, found };
      return found ? new Date(to) : null;
    };
    const cursor = known.to;
    if (cursor >= limit) return null;
    const open = this.isOpen(new Date(known.from));
    if (cursor > t && this.isOpen(new Date(cursor)) !== open) return remember(cursor, true);
    const from = localDay(cursor).date;
    const count = Math.round((Date.parse(addDays(today, HORIZON_DAYS)) - Date.parse(from)) / DAY_MS) + 1;
    for (const [start, end, more] of this.spansFrom(from, count)) {
      if (end <= cursor) continue;
      if (start > cursor) return remember(start, true);
      return more ? remember(limit, false) : remember(end, true);
    }
    return remember(limit, false);
  }

  /**
   * Open spans of `count` local days from `date`, joined across midnight: [start, end, more],
   * `more` when the last span runs to the end of the last day (it may go on after it).
   */
  private *spansFrom(date: string, count: number): Generator<[number, number, boolean]> {
    let pending: [number, number] | null = null;
    let last: DayRecord | null = null;
    for (let i = 0; i < count; i++, date = addDays(date, 1)) {
      last = this.record(date);
      const s = last.spans;
      for (let k = 0; k < s.length; k += 2) {
        if (pending && pending[1] === s[k]) pending[1] = s[k + 1]!;
        else {
          if (pending) yield [pending[0], pending[1], false];
          pending = [s[k]!, s[k + 1]!];
        }
      }
      // a span that ends before midnight cannot be joined to anything later
      if (pending && pending[1] < last.end) {
        yield [pending[0], pending[1], false];
        pending = null;
      }
    }
    if (pending) yield [pending[0], pending[1], pending[1] === last?.end];
  }

  /** The open intervals overlapping [from, to), clipped to it; spans across midnight are joined. */
  intervals(from: Date, to: Date): Interval[] {
    const a = from.getTime();
    const b = to.getTime();
    const out: { start: number; end: number }[] = [];
    if (!(b > a)) return [];
    for (let date = localDay(a).date; ; date = addDays(date, 1)) {
      const day = this.record(date);
      if (day.start >= b) break;
      const s = day.spans;
      for (let k = 0; k < s.length; k += 2) {
        const start = Math.max(s[k]!, a);
        const end = Math.min(s[k + 1]!, b);
        if (end <= start) continue;
        const last = out[out.length - 1];
        if (last && last.end === start) last.end = end;
        else out.push({ start, end });
      }
    }
    return out.map((i) => ({ start: new Date(i.start), end: new Date(i.end) }));
  }

  /** PH-1: the hours of one local day, holidays applied. */
  day(date: string): DayHours {
    const r = this.record(date);
    return { date, weekday: weekday(date), holiday: r.holiday, open: ranges(r.minutes) };
  }

  /** Monday to Sunday of the local week containing `at`. */
  week(at: Date): DayHours[] {
    const monday = mondayOf(localDate(at));
    return Array.from({ length: 7 }, (_, i) => this.day(addDays(monday, i)));
  }

  /**
   * A normal week's hours, public holidays ignored: the week containing `at` (by default a
   * fixed ordinary week) evaluated as if no day were a holiday.
   */
  typicalWeek(at: Date = REFERENCE): WeekdayHours[] {
    return this.weekAs(at).ordinary;
  }

  /** The hours each weekday would have if it were a public holiday (PH-2: "Lukket på helligdage"). */
  holidayWeek(at: Date = REFERENCE): WeekdayHours[] {
    return this.weekAs(at).holiday;
  }

  private weekAs(at: Date): { ordinary: WeekdayHours[]; holiday: WeekdayHours[] } {
    const monday = mondayOf(localDate(at));
    if (this.typical?.monday !== monday) {
      const ordinary = this.variantFor(() => false);
      const holiday = this.variantFor(() => true);
      const dates = Array.from({ length: 7 }, (_, i) => addDays(monday, i));
      this.typical = {
        monday,
        ordinary: dates.map((d, i) => ({ weekday: i + 1, open: ranges(ordinary.openMinutes(d)) })),
        holiday: dates.map((d, i) => ({ weekday: i + 1, open: ranges(holiday.openMinutes(d)) })),
      };
    }
    return this.typical;
  }

  private variantFor(holds: (offset: number) => boolean): Variant {
    return this.variants.get(this.offsets.map((off) => (holds(off) ? '1' : '0')).join(''))!;
  }

  /** The evaluated local day, from the cache or computed (and cached, least recently used out). */
  private record(date: string): DayRecord {
    const cached = this.days.get(date);
    if (cached) {
      this.days.delete(date);
      this.days.set(date, cached);
      return cached;
    }
    const holiday = holidayOn(date);
    // PH +n day holds on a date when the date n days earlier is a holiday (date-holidays decides)
    const variant = this.variantFor((off) => (off === 0 ? holiday !== null : holidayOn(addDays(date, -off)) !== null));
    const minutes = variant.openMinutes(date);
    const bounds = localDayOf(date);
    const spans: number[] = [];
    for (const [a, b] of minutes) {
      const start = wallInstant(date, a * MINUTE);
      const end = wallInstant(date, b * MINUTE);
      if (end <= start) continue; // wholly inside the spring-forward gap
      if (spans.length > 0 && spans[spans.length - 1]! >= start) spans[spans.length - 1] = Math.max(end, spans[spans.length - 1]!);
      else spans.push(start, end);
    }
    const record: DayRecord = { date, start: bounds.start, end: bounds.end, holiday, minutes, spans: Float64Array.from(spans) };
    if (this.days.size >= DAY_CACHE) this.days.delete(this.days.keys().next().value!);
    this.days.set(date, record);
    return record;
  }
}

const SHARED_LIMIT = 1000;
const shared = new Map<string, PhoneHours>();

/**
 * One shared PhoneHours per distinct expression (people and groups share their department's).
 * PH-1: "Danish public holidays are closed unless stated": an expression that says nothing
 * about PH gets `; PH off`, except `24/7`, which states every day.
 */
export function phoneHoursFor(expr: string): PhoneHours {
  let hours = shared.get(expr);
  if (!hours) {
    const parsed = PhoneHours.parse(expr);
    hours = parsed.mentionsHolidays || expr.trim() === '24/7' ? parsed : PhoneHours.parse(`${expr}; PH off`);
    if (shared.size >= SHARED_LIMIT) shared.delete(shared.keys().next().value!);
    shared.set(expr, hours);
  }
  return hours;
}
