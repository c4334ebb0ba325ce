/**
 * PR-3: iCalendar text → occurrences. Pure: no I/O, no clock, no global registration.
 *
 * - `splitCalendar` cuts a feed or an Outlook export with many events into one VCALENDAR per UID
 *   (the master, its RECURRENCE-ID overrides and the VTIMEZONEs they use).
 * - `expandItem` expands one such object inside a window, bounded in work and output.
 *
 * Feeds are written by many programs, some of them badly, and one bad event must not cost the
 * others: the text is cut into components here (line by line, tolerant of truncation and junk)
 * and ical.js parses each component on its own. Nothing throws; what could not be read is
 * reported in `problems`. PR-2: problems name UIDs, TZIDs and line numbers, never a SUMMARY,
 * DESCRIPTION or LOCATION.
 *
 * Time zones: recurrences are expanded on the wall clock of DTSTART's zone (RFC 5545), with
 * ical.js working on floating times; each wall-clock time is then turned into an instant here:
 * through the object's own VTIMEZONE (an `ICAL.Timezone` built from it, never registered in the
 * process-wide `ICAL.TimezoneService`, so two feeds defining the same TZID differently cannot
 * disturb each other), else through luxon for an IANA name or a Windows name (windows-zones.ts).
 * An unknown TZID and floating times are read as Europe/Copenhagen. All-day entries run from
 * local midnight to local midnight in Copenhagen.
 *
 * ical.js stays inside this file.
 */
import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import type { Occurrence, ShowAs } from '../calendar-source.js';
import { addDays, localDayOf, ZONE } from '../../policy/hours/zone.js';
import { windowsToIana } from './windows-zones.js';

type IcalComponent = InstanceType<typeof ICAL.Component>;
type IcalProperty = InstanceType<typeof ICAL.Property>;
type IcalTime = InstanceType<typeof ICAL.Time>;
type IcalRecur = InstanceType<typeof ICAL.Recur>;
type IcalTimezone = InstanceType<typeof ICAL.Timezone>;
type IcalDuration = InstanceType<typeof ICAL.Duration>;

export interface ExpandWindow {
  from: Date;
  to: Date;
}

export interface ExpandOptions {
  /** at most this many occurrences per UID inside the window (default 500) */
  maxOccurrences?: number;
  /** at most this many recurrence steps per UID, counted from DTSTART (default 20 000) */
  maxIterations?: number;
}

export interface ExpandResult {
  /** sorted by start */
  occurrences: Occurrence[];
  problems: string[];
}

export interface SplitResult {
  /** one VCALENDAR text per UID, in the order the UIDs first appear */
  items: { uid: string; data: string }[];
  problems: string[];
}

export const DEFAULT_MAX_OCCURRENCES = 500;
export const DEFAULT_MAX_ITERATIONS = 20_000;

// ---------------------------------------------------------------------------------------------
// Reading: text → components, tolerant of junk and truncation
// ---------------------------------------------------------------------------------------------

interface RawComponent {
  /** upper case: VEVENT, VTIMEZONE, VTODO, … */
  name: string;
  /** the physical lines as written (still folded), BEGIN and END included */
  lines: string[];
  /** 1-based line number of its BEGIN */
  line: number;
}

interface ParsedComponent extends RawComponent {
  comp: IcalComponent;
}

interface RawCalendar {
  /** the first calendar's own properties (VERSION, PRODID, …), each as its physical lines */
  props: string[][];
  components: ParsedComponent[];
  problems: string[];
}

/** Components that sit directly in a VCALENDAR: meeting one inside another means the first was cut off. */
const TOP_LEVEL = new Set(['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY', 'VTIMEZONE', 'VAVAILABILITY', 'VCALENDAR']);
const CONTENT_LINE = /^[A-Za-z0-9-]+[;:]/;

interface LogicalLine {
  text: string;
  raw: string[];
  line: number;
}

function logicalLines(text: string): LogicalLine[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const out: LogicalLine[] = [];
  for (let i = 0; i < physical.length; i++) {
    const p = physical[i]!;
    const last = out[out.length - 1];
    if ((p.startsWith(' ') || p.startsWith('\t')) && last) {
      last.text += p.slice(1);
      last.raw.push(p);
    } else {
      out.push({ text: p, raw: [p], line: i + 1 });
    }
  }
  return out.filter((l) => l.text.trim() !== '');
}

function beginEnd(text: string): { kind: 'BEGIN' | 'END'; name: string } | null {
  const m = /^(BEGIN|END):(.*)$/i.exec(text);
  return m ? { kind: m[1]!.toUpperCase() as 'BEGIN' | 'END', name: m[2]!.trim().toUpperCase() } : null;
}

function readCalendar(text: string): RawCalendar {
  const problems: string[] = [];
  const props: string[][] = [];
  const raw: RawComponent[] = [];
  let calendars = 0;
  let inCalendar = false;
  let current: RawComponent | null = null;
  let stack: string[] = [];
  let junk = 0;
  let firstJunk = 0;

  const dropCurrent = (why: string) => {
    if (current) problems.push(`${describeRaw(current)} ${why}; skipped`);
    current = null;
    stack = [];
  };

  for (const l of logicalLines(text)) {
    const be = beginEnd(l.text);
    if (!inCalendar) {
      if (be?.kind === 'BEGIN' && be.name === 'VCALENDAR') {
        inCalendar = true;
        calendars++;
      }
      continue; // anything outside a VCALENDAR is ignored
    }
    if (!be && !CONTENT_LINE.test(l.text)) {
      if (junk++ === 0) firstJunk = l.line;
      continue;
    }
    if (current === null) {
      if (be?.kind === 'END' && be.name === 'VCALENDAR') inCalendar = false;
      else if (be?.kind === 'BEGIN' && be.name !== 'VCALENDAR') {
        current = { name: be.name, lines: [...l.raw], line: l.line };
        stack = [be.name];
      } else if (!be && calendars === 1) props.push(l.raw);
      continue;
    }
    const cur: RawComponent = current;
    if (be?.kind === 'BEGIN' && TOP_LEVEL.has(be.name)) {
      dropCurrent(`has no END:${cur.name} (cut off)`);
      if (be.name !== 'VCALENDAR') {
        current = { name: be.name, lines: [...l.raw], line: l.line };
        stack = [be.name];
      }
      continue;
    }
    if (be?.kind === 'END' && be.name === 'VCALENDAR') {
      dropCurrent(`has no END:${cur.name} (cut off)`);
      inCalendar = false;
      continue;
    }
    cur.lines.push(...l.raw);
    if (be?.kind === 'BEGIN') stack.push(be.name);
    else if (be?.kind === 'END') {
      const at = stack.lastIndexOf(be.name);
      if (at >= 0) stack.length = at; // an END that skips an open child leaves ical.js to refuse the component
      if (stack.length === 0) {
        raw.push(cur);
        current = null;
      }
    }
  }
  if (calendars === 0) return { props: [], components: [], problems: ['not iCalendar: no BEGIN:VCALENDAR found'] };
  if (current) dropCurrent(`has no END:${(current as RawComponent).name}: the text ends inside it (truncated?)`);
  if (inCalendar) problems.push('no END:VCALENDAR: the text looks truncated; read what was complete');
  if (junk > 0) problems.push(`${junk} line(s) that are not iCalendar content lines were skipped (first at line ${firstJunk})`);

  const components: ParsedComponent[] = [];
  for (const r of raw) {
    try {
      const jcal = ICAL.parse(r.lines.join('\r\n'));
      const comp = new ICAL.Component(jcal as unknown as unknown[]);
      components.push({ ...r, comp });
    } catch (e) {
      problems.push(`${describeRaw(r)} could not be read (${icalMessage(e)}); skipped`);
    }
  }
  return { props, components, problems };
}

/** ical.js quotes the offending text in some messages; that text could be private (PR-2): keep what comes before any quote. */
function icalMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const cut = msg.split('"')[0]!.replace(/[\s(:]+$/, '').replace(/\s+/g, ' ').slice(0, 120);
  return cut || 'unreadable';
}

function describeRaw(r: RawComponent): string {
  const at = r.lines.findIndex((l) => /^UID[;:]/i.test(l));
  let uidLine = at >= 0 ? r.lines[at]! : '';
  for (let i = at + 1; at >= 0 && i < r.lines.length && /^[ \t]/.test(r.lines[i]!); i++) uidLine += r.lines[i]!.slice(1);
  const uid = uidLine ? uidLine.slice(uidLine.indexOf(':') + 1).trim() : '';
  return `${r.name} at line ${r.line}${uid ? ` (UID ${shortUid(uid)})` : ''}`;
}

function shortUid(uid: string): string {
  return uid.length > 48 ? `${uid.slice(0, 36)}…${uid.slice(-8)}` : uid;
}

interface EventEntry {
  uid: string;
  comp: IcalComponent;
  raw: ParsedComponent;
  recurrenceId: IcalProperty | null;
}

/** The calendar's VEVENTs that have a UID and a readable DTSTART; the others are reported. */
function usableEvents(cal: RawCalendar, problems: string[]): EventEntry[] {
  const out: EventEntry[] = [];
  for (const c of cal.components) {
    if (c.name !== 'VEVENT') continue;
    const uidValue = safe(() => c.comp.getFirstPropertyValue('uid'));
    const uid = typeof uidValue === 'string' ? uidValue.trim() : '';
    if (!uid) {
      problems.push(`${describeRaw(c)} has no UID; skipped`);
      continue;
    }
    const start = safe(() => c.comp.getFirstPropertyValue('dtstart'));
    if (!(start instanceof ICAL.Time)) {
      problems.push(`${describeRaw(c)} has no readable DTSTART; skipped`);
      continue;
    }
    const recurrenceId = c.comp.getFirstProperty('recurrence-id');
    if (recurrenceId && !(safe(() => recurrenceId.getFirstValue()) instanceof ICAL.Time)) {
      problems.push(`${describeRaw(c)} has an unreadable RECURRENCE-ID; skipped`);
      continue;
    }
    out.push({ uid, comp: c.comp, raw: c, recurrenceId });
  }
  return out;
}

function safe<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

function tzidOf(prop: IcalProperty): string | null {
  const p = prop.getParameter('tzid');
  const v = Array.isArray(p) ? p[0] : p;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function tzidOfComponent(c: ParsedComponent): string | null {
  const v = safe(() => c.comp.getFirstPropertyValue('tzid'));
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

// ---------------------------------------------------------------------------------------------
// splitCalendar
// ---------------------------------------------------------------------------------------------

/** One VCALENDAR per UID (master + overrides + the VTIMEZONEs they use). Never throws. */
export function splitCalendar(text: string): SplitResult {
  try {
    return split(String(text ?? ''));
  } catch (e) {
    return { items: [], problems: [`the calendar could not be read (${icalMessage(e)})`] };
  }
}

function split(text: string): SplitResult {
  const cal = readCalendar(text);
  const problems = [...cal.problems];
  const events = usableEvents(cal, problems);
  const zones = new Map<string, ParsedComponent>();
  for (const c of cal.components) {
    const id = c.name === 'VTIMEZONE' ? tzidOfComponent(c) : null;
    if (id && !zones.has(id)) zones.set(id, c);
  }
  const byUid = new Map<string, EventEntry[]>();
  for (const e of events) {
    const list = byUid.get(e.uid);
    if (list) list.push(e);
    else byUid.set(e.uid, [e]);
  }
  const head = cal.props.filter((p) => /^(VERSION|PRODID|CALSCALE)[;:]/i.test(p[0]!));
  if (!head.some((p) => /^PRODID[;:]/i.test(p[0]!))) head.unshift(['PRODID:-//omstil//calendar split//EN']);
  if (!head.some((p) => /^VERSION[;:]/i.test(p[0]!))) head.unshift(['VERSION:2.0']);

  const items: SplitResult['items'] = [];
  for (const [uid, list] of byUid) {
    const used = new Set<string>();
    for (const e of list) {
      for (const p of e.comp.getAllProperties()) {
        const id = tzidOf(p);
        if (id) used.add(id);
      }
    }
    const lines = ['BEGIN:VCALENDAR', ...head.flat()];
    for (const id of used) {
      const z = zones.get(id);
      if (z) lines.push(...z.lines);
    }
    for (const e of list) lines.push(...e.raw.lines);
    lines.push('END:VCALENDAR');
    items.push({ uid, data: `${lines.join('\r\n')}\r\n` });
  }
  return { items, problems };
}

// ---------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------

/** A wall-clock reading (month 1-12). */
interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

interface Conv {
  toMs(w: Wall): number;
}

const UTC_CONV: Conv = { toMs: (w) => Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) };

const ianaConvs = new Map<string, Conv>();

function ianaConv(name: string): Conv {
  let conv = ianaConvs.get(name);
  if (!conv) {
    const zone = IANAZone.create(name);
    conv = {
      toMs: (w) => {
        const ms = DateTime.fromObject({ year: w.y, month: w.mo, day: w.d, hour: w.h, minute: w.mi, second: w.s }, { zone }).toMillis();
        // luxon refuses impossible fields; normalised walls never have them, but be sure
        return Number.isNaN(ms) ? UTC_CONV.toMs(w) - zone.offset(UTC_CONV.toMs(w)) * 60_000 : ms;
      },
    };
    ianaConvs.set(name, conv);
  }
  return conv;
}

const COPENHAGEN = (): Conv => ianaConv(ZONE);

function vtimezoneConv(tz: IcalTimezone): Conv {
  return {
    toMs: (w) => {
      const t = ICAL.Time.fromData({ year: w.y, month: w.mo, day: w.d, hour: w.h, minute: w.mi, second: w.s, isDate: false });
      return UTC_CONV.toMs(w) - tz.utcOffset(t) * 1000;
    },
  };
}

// Building an ICAL.Timezone expands its rules from their DTSTART (Outlook writes 1601) — some
// milliseconds. Outlook repeats the same VTIMEZONE in every object: remember recent ones by text.
const TZ_CACHE_SIZE = 64;
const tzCache = new Map<string, IcalTimezone | string>();

/** An ICAL.Timezone for a VTIMEZONE, or the reason it cannot be used. */
function timezoneOf(c: ParsedComponent, tzid: string): IcalTimezone | string {
  const key = c.lines.join('\n');
  const hit = tzCache.get(key);
  if (hit !== undefined) return hit;
  let result: IcalTimezone | string;
  try {
    const observances = c.comp.getAllSubcomponents().filter((s) => s.name === 'standard' || s.name === 'daylight');
    if (observances.length === 0) throw new Error('no STANDARD or DAYLIGHT part');
    for (const o of observances) {
      if (!o.hasProperty('tzoffsetto') || !o.hasProperty('tzoffsetfrom') || !o.hasProperty('dtstart')) throw new Error('an observance lacks DTSTART or TZOFFSET');
      // ical.js expands these rules unguarded: accept only yearly rules that yield occurrences at once
      for (const p of o.getAllProperties('rrule')) {
        const rule = p.getFirstValue() as IcalRecur;
        if (rule.freq !== 'YEARLY') throw new Error(`an observance rule is ${rule.freq}, not YEARLY`);
        const probe = guardedIterator(rule, o.getFirstPropertyValue('dtstart') as IcalTime, new Budget(2_000));
        probe.next();
        probe.next();
      }
    }
    const tz = new ICAL.Timezone({ component: c.comp, tzid });
    tz.utcOffset(ICAL.Time.fromData({ year: 2026, month: 6, day: 1, hour: 12, minute: 0, second: 0, isDate: false }));
    result = tz;
  } catch (e) {
    result = e === BUDGET_EXHAUSTED ? 'an observance rule never matches' : icalMessage(e);
  }
  if (tzCache.size >= TZ_CACHE_SIZE) tzCache.delete(tzCache.keys().next().value!);
  tzCache.set(key, result);
  return result;
}

/** An IANA name hidden in a TZID such as `/mozilla.org/20050126_1/Europe/Copenhagen`. */
function ianaName(tzid: string): string | null {
  if (IANAZone.isValidZone(tzid)) return tzid;
  const parts = tzid.split('/');
  for (let i = 1; i < parts.length - 1; i++) {
    const candidate = parts.slice(i).join('/');
    if (candidate.includes('/') && IANAZone.isValidZone(candidate)) return candidate;
  }
  return null;
}

class ZoneResolver {
  private readonly convs = new Map<string, Conv>();

  constructor(
    private readonly vtimezones: Map<string, ParsedComponent>,
    private readonly problems: Set<string>,
  ) {}

  /** The converter for a property's times: its TZID, UTC (`Z`), or floating (Copenhagen). */
  forTime(prop: IcalProperty, time: IcalTime): Conv {
    if (time.zone === ICAL.Timezone.utcTimezone) return UTC_CONV; // `Z` (a TZID beside it is void, RFC 5545 3.3.5)
    const tzid = tzidOf(prop);
    if (tzid) return this.forTzid(tzid);
    return COPENHAGEN(); // floating: the municipality's wall clock
  }

  forTzid(tzid: string): Conv {
    let conv = this.convs.get(tzid);
    if (conv) return conv;
    const vtz = this.vtimezones.get(tzid);
    if (vtz) {
      const tz = timezoneOf(vtz, tzid);
      if (typeof tz !== 'string') conv = vtimezoneConv(tz);
      else this.problems.add(`VTIMEZONE ${tzid} cannot be used (${tz}); reading the name instead`);
    }
    if (!conv) {
      const iana = ianaName(tzid) ?? windowsToIana(tzid);
      if (iana) conv = ianaConv(iana);
    }
    if (!conv) {
      this.problems.add(`unknown time zone TZID ${JSON.stringify(tzid)}: its times are read as ${ZONE}`);
      conv = COPENHAGEN();
    }
    this.convs.set(tzid, conv);
    return conv;
  }
}

// ---------------------------------------------------------------------------------------------
// Bounded recurrence iteration
// ---------------------------------------------------------------------------------------------

const BUDGET_EXHAUSTED = new Error('recurrence budget exhausted');

class Budget {
  used = 0;
  constructor(readonly limit: number) {}
  tick(steps = 1): void {
    this.used += steps;
    if (this.used > this.limit) throw BUDGET_EXHAUSTED;
  }
}

/**
 * ical.js's iterator loops internally until a candidate passes the rule's BY-filters; a rule
 * that can never match (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30), one far from the window
 * (FREQ=SECONDLY since last year) or a huge INTERVAL would run for minutes. Every candidate,
 * month and year step costs a tick; the budget throws when spent.
 */
function guardedIterator(rule: IcalRecur, dtstart: IcalTime, budget: Budget) {
  class GuardedIterator extends ICAL.RecurIterator {
    override check_contracting_rules(): boolean {
      budget.tick();
      return super.check_contracting_rules();
    }
    override increment_month(): void {
      budget.tick();
      super.increment_month();
    }
    override increment_year(inc: number): void {
      budget.tick();
      super.increment_year(inc);
    }
    // lays out a whole year of candidate days: some twenty candidates' worth of work
    override expand_year_days(year: number): number {
      budget.tick(20);
      return super.expand_year_days(year);
    }
    // a day at a time, `inc` times (FREQ=DAILY;INTERVAL=100000000), each day about half a candidate's cost
    override increment_monthday(inc: number): void {
      budget.tick(Math.max(1, Math.ceil(Math.abs(inc) / 2)));
      super.increment_monthday(inc);
    }
  }
  return new GuardedIterator({ rule, dtstart });
}

// ---------------------------------------------------------------------------------------------
// Expansion
// ---------------------------------------------------------------------------------------------

function wallOf(t: IcalTime): Wall {
  return { y: t.year, mo: t.month, d: t.day, h: t.isDate ? 0 : t.hour, mi: t.isDate ? 0 : t.minute, s: t.isDate ? 0 : t.second };
}

/** Normalised wall `days` days and `seconds` seconds later (on the wall clock, not in elapsed time). */
function addWall(w: Wall, days: number, seconds = 0): Wall {
  const d = new Date(Date.UTC(w.y, w.mo - 1, w.d + days, w.h, w.mi, w.s + seconds));
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() };
}

function dateText(w: Wall): string {
  const n = addWall(w, 0);
  return `${String(n.y).padStart(4, '0')}-${String(n.mo).padStart(2, '0')}-${String(n.d).padStart(2, '0')}`;
}

function dayDiff(a: Wall, b: Wall): number {
  return Math.round((Date.UTC(b.y, b.mo - 1, b.d) - Date.UTC(a.y, a.mo - 1, a.d)) / 86_400_000);
}

/** How long each occurrence lasts, from DTEND or DURATION. */
type Length =
  | { kind: 'days'; days: number } // all-day
  | { kind: 'wall'; days: number; seconds: number; exactMs: number } // nominal days + wall seconds, then exact ms
  | { kind: 'exact'; ms: number };

interface Timed {
  allDay: boolean;
  wall: Wall;
  startMs: number;
}

const BUSY_STATUS = new Map<string, ShowAs>([
  ['FREE', 'free'],
  ['TENTATIVE', 'tentative'],
  ['BUSY', 'busy'],
  ['OOF', 'oof'],
  ['WORKINGELSEWHERE', 'elsewhere'],
]);

function textValue(comp: IcalComponent, name: string): string | null {
  const v = safe(() => comp.getFirstPropertyValue(name));
  return typeof v === 'string' ? v : null;
}

/** PR-3: Outlook's "Vis som" (X-MICROSOFT-CDO-BUSYSTATUS) first, then TRANSP. */
function showOf(comp: IcalComponent): ShowAs {
  for (const name of ['x-microsoft-cdo-busystatus', 'x-microsoft-cdo-intendedstatus']) {
    const show = BUSY_STATUS.get(textValue(comp, name)?.trim().toUpperCase() ?? '');
    if (show) return show;
  }
  return textValue(comp, 'transp')?.trim().toUpperCase() === 'TRANSPARENT' ? 'free' : 'busy';
}

function isCancelled(comp: IcalComponent): boolean {
  return textValue(comp, 'status')?.trim().toUpperCase() === 'CANCELLED';
}

function sequenceOf(comp: IcalComponent): number {
  const v = safe(() => comp.getFirstPropertyValue('sequence'));
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

interface SeriesContext {
  uid: string;
  zones: ZoneResolver;
  problems: Set<string>;
  from: number;
  to: number;
}

class Series {
  readonly startProp: IcalProperty;
  readonly start: IcalTime;
  readonly allDay: boolean;
  readonly conv: Conv;
  readonly length: Length;

  constructor(
    readonly comp: IcalComponent,
    private readonly ctx: SeriesContext,
    fallback: Length | null,
  ) {
    this.startProp = comp.getFirstProperty('dtstart')!;
    this.start = this.startProp.getFirstValue() as IcalTime;
    this.allDay = this.start.isDate;
    this.conv = ctx.zones.forTime(this.startProp, this.start);
    this.length = this.lengthOf(fallback);
  }

  private lengthOf(fallback: Length | null): Length {
    const { comp, start, allDay, ctx } = this;
    const endProp = comp.getFirstProperty('dtend');
    const end = endProp ? safe(() => endProp.getFirstValue()) : null;
    if (endProp && end instanceof ICAL.Time) {
      if (allDay) return { kind: 'days', days: Math.max(1, dayDiff(wallOf(start), wallOf(end))) };
      const startMs = this.instant(this.startProp, start);
      const endMs = this.instant(endProp, end);
      if (endMs < startMs) {
        ctx.problems.add(`UID ${shortUid(ctx.uid)}: DTEND is before DTSTART; read as lasting no time`);
        return { kind: 'exact', ms: 0 };
      }
      // same zone: keep the wall-clock length (a 10–11 meeting stays 10–11 on a DST day)
      if (!end.isDate && tzidOf(endProp) === tzidOf(this.startProp) && (end.zone === ICAL.Timezone.utcTimezone) === (start.zone === ICAL.Timezone.utcTimezone)) {
        const seconds = (UTC_CONV.toMs(wallOf(end)) - UTC_CONV.toMs(wallOf(start))) / 1000;
        return { kind: 'wall', days: 0, seconds, exactMs: 0 };
      }
      return { kind: 'exact', ms: endMs - startMs };
    }
    const dur = safe(() => comp.getFirstPropertyValue('duration'));
    if (dur instanceof ICAL.Duration) return durationLength(dur, allDay, ctx);
    if (fallback && (fallback.kind === 'days') === allDay) return fallback;
    // RFC 5545: no DTEND and no DURATION — a date lasts one day, a date-time no time at all
    return allDay ? { kind: 'days', days: 1 } : { kind: 'exact', ms: 0 };
  }

  /** An instant for a time in any property of this event. */
  instant(prop: IcalProperty, t: IcalTime): number {
    if (t.isDate) return localDayOf(dateText(wallOf(t))).start;
    return this.ctx.zones.forTime(prop, t).toMs(wallOf(t));
  }

  /** The occurrence starting at `wall` on this series' clock. */
  at(wall: Wall): Timed {
    return { allDay: this.allDay, wall, startMs: this.allDay ? localDayOf(dateText(wall)).start : this.conv.toMs(wall) };
  }

  endOf(o: Timed, length: Length = this.length): number {
    switch (length.kind) {
      case 'days':
        return localDayOf(addDays(dateText(o.wall), length.days)).start;
      case 'wall': {
        const wallEnd = this.conv.toMs(addWall(o.wall, length.days, length.seconds));
        return Math.max(o.startMs, wallEnd) + length.exactMs;
      }
      case 'exact':
        return o.startMs + length.ms;
    }
  }
}

function durationLength(dur: IcalDuration, allDay: boolean, ctx: SeriesContext): Length {
  if (dur.isNegative) {
    ctx.problems.add(`UID ${shortUid(ctx.uid)}: negative DURATION; read as lasting no time`);
    return allDay ? { kind: 'days', days: 1 } : { kind: 'exact', ms: 0 };
  }
  const days = dur.weeks * 7 + dur.days;
  const seconds = dur.hours * 3600 + dur.minutes * 60 + dur.seconds;
  if (allDay) return { kind: 'days', days: Math.max(1, days + Math.ceil(seconds / 86_400)) };
  return { kind: 'wall', days, seconds: 0, exactMs: seconds * 1000 };
}

const SLACK_MS = 26 * 3_600_000;

/** An upper bound of an occurrence's length. */
function longestMs(length: Length): number {
  switch (length.kind) {
    case 'days':
      return length.days * 25 * 3_600_000;
    case 'wall':
      return length.days * 25 * 3_600_000 + length.seconds * 1000 + length.exactMs + 3_600_000;
    case 'exact':
      return length.ms;
  }
}

/** Keys an occurrence is known by: its instant (`t:`) and its date on the series' clock (`d:`). */
function keysOf(o: Timed): string[] {
  return o.allDay ? [`d:${dateText(o.wall)}`] : [`t:${o.startMs}`, `d:${dateText(o.wall)}`];
}

/** The key a RECURRENCE-ID or EXDATE value names, matched against the series' occurrences. */
function keyOf(series: Series, prop: IcalProperty, t: IcalTime): string {
  if (t.isDate || series.allDay) return `d:${dateText(wallOf(t))}`;
  return `t:${series.instant(prop, t)}`;
}

interface ExpandState {
  budget: Budget;
  max: number;
  out: Occurrence[];
}

function expandUid(uid: string, entries: EventEntry[], zones: ZoneResolver, problems: Set<string>, window: { from: number; to: number }, state: ExpandState): void {
  const ctx: SeriesContext = { uid, zones, problems, ...window };
  const label = `UID ${shortUid(uid)}`;
  const byNewest = (a: EventEntry, b: EventEntry) => sequenceOf(a.comp) - sequenceOf(b.comp);
  const masters = entries.filter((e) => !e.recurrenceId).sort(byNewest);
  if (masters.length > 1) problems.add(`${label}: ${masters.length} copies of the event; using the one with the highest SEQUENCE`);
  const masterEntry = masters[masters.length - 1] ?? null;

  let master: Series | null = null;
  if (masterEntry) {
    try {
      master = new Series(masterEntry.comp, ctx, null);
    } catch (e) {
      problems.add(`${label}: could not be read (${icalMessage(e)}); skipped`);
    }
  }

  // Overrides by the occurrence they replace; the newest wins.
  const overrides = new Map<string, EventEntry>();
  for (const e of entries.filter((x) => x.recurrenceId).sort(byNewest)) {
    const prop = e.recurrenceId!;
    if (String(prop.getParameter('range') ?? '').toUpperCase() === 'THISANDFUTURE') {
      problems.add(`${label}: RECURRENCE-ID;RANGE=THISANDFUTURE is not supported; read as changing one occurrence`);
    }
    const t = prop.getFirstValue() as IcalTime;
    let key: string;
    try {
      key = master ? keyOf(master, prop, t) : `t:${e.uid}:${overrides.size}`;
    } catch (err) {
      problems.add(`${label}: unreadable RECURRENCE-ID (${icalMessage(err)}); skipped`);
      continue;
    }
    overrides.set(key, e);
  }

  // At most max + 1 from the master (to know there were more) plus the overrides; trimmed below.
  const found: Occurrence[] = [];
  const push = (o: Timed, endMs: number, comp: IcalComponent): void => {
    if (!overlaps(o.startMs, endMs, window)) return;
    found.push({
      uid,
      start: new Date(o.startMs).toISOString(),
      end: new Date(endMs).toISOString(),
      allDay: o.allDay,
      show: showOf(comp),
      summary: textValue(comp, 'summary') ?? (masterEntry ? textValue(masterEntry.comp, 'summary') : null),
    });
  };

  if (master && !isCancelled(master.comp)) expandMaster(master, overrides, ctx, state, push);

  for (const e of overrides.values()) {
    if (isCancelled(e.comp)) continue; // a cancelled occurrence is simply gone
    try {
      const s = new Series(e.comp, ctx, master?.length ?? null);
      const o = s.at(wallOf(s.start));
      push(o, s.endOf(o), e.comp);
    } catch (err) {
      problems.add(`${label}: an override could not be read (${icalMessage(err)}); skipped`);
    }
  }

  found.sort((a, b) => a.start.localeCompare(b.start) || a.end.localeCompare(b.end));
  if (found.length > state.max) {
    problems.add(`${label}: more than ${state.max} occurrences in the window; kept the first ${state.max}`);
    found.length = state.max;
  }
  state.out.push(...found);
}

/** Overlaps the window; an entry lasting no time counts when it starts inside it. */
function overlaps(startMs: number, endMs: number, window: { from: number; to: number }): boolean {
  return endMs > startMs ? endMs > window.from && startMs < window.to : startMs >= window.from && startMs < window.to;
}

const SUB_DAY_SECONDS = new Map([
  ['SECONDLY', 1],
  ['MINUTELY', 60],
  ['HOURLY', 3600],
]);
const MAX_SUB_DAY_STEP_SECONDS = 10 * 366 * 86_400;

function expandMaster(
  master: Series,
  overrides: Map<string, EventEntry>,
  ctx: SeriesContext,
  state: ExpandState,
  push: (o: Timed, endMs: number, comp: IcalComponent) => void,
): void {
  const label = `UID ${shortUid(ctx.uid)}`;
  const excluded = new Set<string>();
  for (const p of master.comp.getAllProperties('exdate')) {
    for (const v of safe(() => p.getValues()) ?? []) if (v instanceof ICAL.Time) excluded.add(keyOf(master, p, v));
  }

  // Candidate starts from DTSTART, every RRULE and every RDATE, by instant.
  const candidates = new Map<number, { o: Timed; length: Length }>();
  const add = (o: Timed, length: Length = master.length) => {
    if (!candidates.has(o.startMs)) candidates.set(o.startMs, { o, length });
  };
  add(master.at(wallOf(master.start)));

  const budget = state.budget;
  for (const p of master.comp.getAllProperties('rrule')) {
    const rule = safe(() => p.getFirstValue());
    if (!(rule instanceof ICAL.Recur)) {
      ctx.problems.add(`${label}: unreadable RRULE; only DTSTART is used`);
      continue;
    }
    // ical.js normalises a huge sub-day step (FREQ=HOURLY;INTERVAL=100000000) a month at a time, unguarded
    const unit = SUB_DAY_SECONDS.get(rule.freq);
    if (unit !== undefined && rule.interval * unit > MAX_SUB_DAY_STEP_SECONDS) {
      ctx.problems.add(`${label}: the recurrence steps more than ten years at a time (${rule.freq} INTERVAL=${rule.interval}); only DTSTART is used`);
      continue;
    }
    // UNTIL is checked here, as an instant: ical.js compares it with the floating wall clock it iterates on
    const until = rule.until;
    rule.until = null;
    let untilMs = Infinity;
    let untilDate: string | null = null;
    if (until) {
      if (master.allDay) untilDate = until.isDate ? dateText(wallOf(until)) : null;
      if (until.isDate && !master.allDay) untilMs = master.conv.toMs({ ...wallOf(until), h: 23, mi: 59, s: 59 });
      else if (!until.isDate) untilMs = until.zone === ICAL.Timezone.utcTimezone ? UTC_CONV.toMs(wallOf(until)) : master.conv.toMs(wallOf(until));
    }
    const w = wallOf(master.start);
    const floatingStart = ICAL.Time.fromData({ year: w.y, month: w.mo, day: w.d, hour: w.h, minute: w.mi, second: w.s, isDate: master.allDay });
    floatingStart.zone = ICAL.Timezone.localTimezone;
    let kept = 0;
    try {
      const it = guardedIterator(rule, floatingStart, budget);
      // The wall clock read as UTC is within 14 hours of the instant: far-off candidates need no zone lookup.
      const reach = longestMs(master.length) + SLACK_MS;
      for (let t = it.next(); t; t = it.next()) {
        const wall = wallOf(t);
        const roughMs = UTC_CONV.toMs(wall);
        if (untilDate === null && roughMs - SLACK_MS > untilMs) break;
        if (roughMs + reach <= ctx.from) continue;
        const o = master.at(wall);
        if (untilDate !== null ? dateText(o.wall) > untilDate : o.startMs > untilMs) break;
        if (o.startMs >= ctx.to) break;
        if (!overlaps(o.startMs, master.endOf(o), ctx)) continue;
        if (keysOf(o).some((k) => excluded.has(k) || overrides.has(k))) continue;
        add(o);
        if (++kept > state.max) break;
      }
    } catch (e) {
      if (e === BUDGET_EXHAUSTED) {
        ctx.problems.add(`${label}: the recurrence needs more than ${budget.limit} steps (a rule like FREQ=SECONDLY, or one that never matches); expansion stopped there`);
      } else {
        ctx.problems.add(`${label}: the recurrence rule could not be expanded (${icalMessage(e)}); expansion stopped there`);
      }
    }
  }

  for (const p of master.comp.getAllProperties('rdate')) {
    for (const v of safe(() => p.getValues()) ?? []) {
      if (v instanceof ICAL.Time) {
        add({ ...master.at(wallOf(v)), startMs: master.instant(p, v) });
      } else if (v instanceof ICAL.Period) {
        const startMs = master.instant(p, v.start);
        const endMs = v.end ? master.instant(p, v.end) : startMs + (v.duration ? v.duration.toSeconds() * 1000 : 0);
        add({ allDay: false, wall: wallOf(v.start), startMs }, { kind: 'exact', ms: Math.max(0, endMs - startMs) });
      }
    }
  }

  for (const { o, length } of [...candidates.values()].sort((a, b) => a.o.startMs - b.o.startMs)) {
    if (keysOf(o).some((k) => excluded.has(k) || overrides.has(k))) continue;
    push(o, master.endOf(o, length), master.comp);
  }
}

/**
 * Occurrences of an iCalendar object inside `window` (those that overlap it), sorted by start.
 * Meant for one UID with its overrides (what `splitCalendar` and CalDAV give), but any
 * VCALENDAR works. Bounded per UID by `maxOccurrences` and `maxIterations`. Never throws.
 */
export function expandItem(data: string, window: ExpandWindow, opts: ExpandOptions = {}): ExpandResult {
  try {
    return expand(String(data ?? ''), window, opts);
  } catch (e) {
    return { occurrences: [], problems: [`the calendar could not be expanded (${icalMessage(e)})`] };
  }
}

function expand(data: string, window: ExpandWindow, opts: ExpandOptions): ExpandResult {
  const problems = new Set<string>();
  const cal = readCalendar(data);
  for (const p of cal.problems) problems.add(p);
  const listed: string[] = [];
  const events = usableEvents(cal, listed);
  for (const p of listed) problems.add(p);

  const vtimezones = new Map<string, ParsedComponent>();
  for (const c of cal.components) {
    const id = c.name === 'VTIMEZONE' ? tzidOfComponent(c) : null;
    if (id && !vtimezones.has(id)) vtimezones.set(id, c);
  }
  const zones = new ZoneResolver(vtimezones, problems);
  const from = window.from.getTime();
  const to = window.to.getTime();
  const out: Occurrence[] = [];
  if (!(from < to)) return { occurrences: out, problems: [...problems] };

  const byUid = new Map<string, EventEntry[]>();
  for (const e of events) {
    const list = byUid.get(e.uid);
    if (list) list.push(e);
    else byUid.set(e.uid, [e]);
  }
  for (const [uid, entries] of byUid) {
    const state: ExpandState = {
      budget: new Budget(Math.max(1, opts.maxIterations ?? DEFAULT_MAX_ITERATIONS)),
      max: Math.max(1, opts.maxOccurrences ?? DEFAULT_MAX_OCCURRENCES),
      out,
    };
    try {
      expandUid(uid, entries, zones, problems, { from, to }, state);
    } catch (e) {
      problems.add(`UID ${shortUid(uid)}: could not be expanded (${icalMessage(e)}); skipped`);
    }
  }
  out.sort((a, b) => a.start.localeCompare(b.start) || a.end.localeCompare(b.end) || a.uid.localeCompare(b.uid));
  return { occurrences: out, problems: [...problems] };
}
