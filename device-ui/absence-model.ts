/**
 * The phone's "Sæt fravær" form (PR-1, DV-6) as pure functions: the quick choices and their
 * back-at times on Copenhagen's wall clock (whatever zone the device is set to, across summer
 * time and weekends), a date and time picked by hand, who can take the calls, and what a
 * refusal offers instead. No DOM, no lit: tested in Node (test/device-ui/absence-model.test.ts).
 *
 * The screen knows weekends, not public holidays; the hub counts workdays with the holidays
 * and decides away/absent and DV-6 by them, so a quick choice is a proposal the hub checks.
 */
import type { DeptPublic, DeviceView, PersonOwn, Presence } from '../protocol/index.js';
import { TIME_ZONE } from './i18n/format.js';
import type { RequestError } from './bridge-client.js';
import { colleagueRows, type ColleagueRow } from './view-model.js';

/** When a workday starts if the department does not say (08:00). */
export const DEFAULT_START_TIME = '08:00';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_MS = 86_400_000;

const wallFmt = new Intl.DateTimeFormat('en-US', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  hourCycle: 'h23',
});

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallOf(t: number): Wall {
  const get = (parts: Intl.DateTimeFormatPart[], type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const parts = wallFmt.formatToParts(new Date(t));
  return { year: get(parts, 'year'), month: get(parts, 'month'), day: get(parts, 'day'), hour: get(parts, 'hour') % 24, minute: get(parts, 'minute'), second: get(parts, 'second') };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Copenhagen's UTC offset at instant `t`, in ms (+1 h in winter, +2 h in summer). */
function offsetAt(t: number): number {
  const w = wallOf(t);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(t / 1000) * 1000;
}

/** "2026-11-23": the Copenhagen calendar date of `when`. */
export function copenhagenDate(when: Date): string {
  const w = wallOf(when.getTime());
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** "09.57" → "09:57": the Copenhagen wall-clock time of `when` as HH:mm. */
export function copenhagenTime(when: Date): string {
  const w = wallOf(when.getTime());
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

function dateParts(date: string): [number, number, number] {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a date (YYYY-MM-DD): ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function isDate(date: string): boolean {
  const m = DATE_RE.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

export function isClockTime(time: string): boolean {
  return TIME_RE.test(time);
}

/** A calendar date `n` days later (n may be negative). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = dateParts(date);
  return new Date(Date.UTC(y, m - 1, d) + n * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday of a calendar date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const [y, m, d] = dateParts(date);
  return ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
}

/** Monday to Friday. (Public holidays are the hub's to know.) */
export function isWeekday(date: string): boolean {
  return isoWeekday(date) <= 5;
}

export type WorkdayTest = (date: string) => boolean;

/** The first workday after `date`. */
export function nextWorkday(date: string, isWorkday: WorkdayTest = isWeekday): string {
  let d = addDays(date, 1);
  for (let i = 0; i < 366 && !isWorkday(d); i++) d = addDays(d, 1);
  return d;
}

/**
 * The instant a Copenhagen wall-clock date and time name. A time that does not exist (the hour
 * skipped when summer time starts) gives the instant just after the gap; a time that exists twice
 * (the hour repeated when it ends) gives the later one.
 */
export function copenhagenInstant(date: string, time: string): Date {
  const [y, mo, d] = dateParts(date);
  const t = TIME_RE.exec(time);
  if (!t) throw new RangeError(`not a clock time (HH:mm): ${time}`);
  const asUtc = Date.UTC(y, mo - 1, d, Number(t[1]), Number(t[2]));
  const a = asUtc - offsetAt(asUtc);
  const b = asUtc - offsetAt(a);
  const fits = (x: number) => copenhagenDate(new Date(x)) === date && copenhagenTime(new Date(x)) === time;
  const ok = [a, b].filter(fits);
  return new Date(ok.length > 0 ? Math.max(...ok) : Math.max(a, b));
}

// ---- quick choices ----

export type AbsenceChoiceKind = 'today' | 'next-workday' | 'date';

export interface AbsenceChoice {
  kind: AbsenceChoiceKind;
  /** back-at (ISO) */
  until: string;
  /** the last day away (Copenhagen date) */
  lastDay: string;
}

export interface ChoiceOptions {
  /** HH:mm the workday starts (the department's phone hours); default 08:00 */
  startTime?: string;
  isWorkday?: WorkdayTest;
}

/**
 * PR-1 quick choices, both back at the start of a workday:
 * - `today`: the rest of today → back the next workday (Friday → Monday);
 * - `next-workday`: through the next workday too → back the workday after it
 *   (Monday → Wednesday; Thursday → Monday; Friday → Tuesday). Longer than one workday: DV-6.
 */
export function quickChoices(now: Date, opts: ChoiceOptions = {}): { today: AbsenceChoice; nextWorkday: AbsenceChoice } {
  const start = opts.startTime && isClockTime(opts.startTime) ? opts.startTime : DEFAULT_START_TIME;
  const isWorkday = opts.isWorkday ?? isWeekday;
  const today = copenhagenDate(now);
  const back1 = nextWorkday(today, isWorkday);
  const back2 = nextWorkday(back1, isWorkday);
  return {
    today: { kind: 'today', until: copenhagenInstant(back1, start).toISOString(), lastDay: today },
    nextWorkday: { kind: 'next-workday', until: copenhagenInstant(back2, start).toISOString(), lastDay: back1 },
  };
}

export type CustomUntil = { ok: true; until: string } | { ok: false; problem: 'invalid' | 'past' };

/** A back-at date and time picked by hand (Copenhagen wall clock); it must lie after `now`. */
export function customUntil(date: string, time: string, now: Date): CustomUntil {
  if (!isDate(date) || !isClockTime(time)) return { ok: false, problem: 'invalid' };
  const at = copenhagenInstant(date, time);
  if (at.getTime() <= now.getTime()) return { ok: false, problem: 'past' };
  return { ok: true, until: at.toISOString() };
}

/** When the department's workday starts: the first span of today's phone hours, else 08:00. */
export function startTimeOf(dept: DeptPublic | null | undefined): string {
  const from = dept?.today.open[0]?.from;
  return from && isClockTime(from) ? from : DEFAULT_START_TIME;
}

/** The phone's own department, from the view. */
export function ownDept(view: DeviceView | null | undefined): DeptPublic | null {
  const deptId = view?.me?.deptId;
  return (deptId && view?.depts.find((d) => d.deptId === deptId)) || null;
}

/** The hours the picker offers, 00..23, and the minutes, every quarter. */
export const HOURS: readonly string[] = Array.from({ length: 24 }, (_, h) => pad(h));
export const MINUTES: readonly string[] = ['00', '15', '30', '45'];

// ---- own absence ----

export interface OwnAbsence {
  presence: Extract<Presence, 'away' | 'absent'>;
  backAt: string | null;
  /** PR-2: private; only on the own topic */
  reason: string | null;
}

/** PR-1: the person is away or absent now (set by hand or from the calendar); null otherwise. */
export function ownAbsence(me: PersonOwn | null | undefined): OwnAbsence | null {
  if (!me || (me.presence !== 'away' && me.presence !== 'absent')) return null;
  return { presence: me.presence, backAt: me.backAt, reason: me.absenceReason };
}

// ---- who takes the calls (DV-1, DV-6) ----

export interface CoverOption {
  id: string;
  name: string;
  /** a colleague (with presence) or a function number of the own department */
  kind: 'person' | 'group';
  presence: Presence | null;
  preferred: boolean;
}

/** Who can be chosen to take the calls: preferred colleagues first, the rest by name, then the own department's function numbers. */
export function coverOptions(view: DeviceView): CoverOption[] {
  const people = colleagueRows(view).map((r: ColleagueRow): CoverOption => ({ id: r.person.personId, name: r.person.name, kind: 'person', presence: r.person.presence, preferred: r.preferred }));
  const groups = (ownDept(view)?.groups ?? []).map((g): CoverOption => ({ id: g.id, name: g.name, kind: 'group', presence: null, preferred: false }));
  return [...people, ...groups];
}

export interface Suggestion {
  id: string;
  name: string;
}

/** DV-4/DV-6: who the hub suggests instead, carried on its refusal; null when it named nobody. */
export function suggestionOf(err: RequestError | null | undefined): Suggestion | null {
  const s = (err as { suggestion?: unknown } | null | undefined)?.suggestion;
  if (typeof s !== 'object' || s === null) return null;
  const { id, name } = s as { id?: unknown; name?: unknown };
  return typeof id === 'string' && typeof name === 'string' && id && name ? { id, name } : null;
}
