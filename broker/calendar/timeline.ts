/**
 * PR-3, DV-5: a person's calendar (all their calendars' occurrences merged) → what it says at an
 * instant. Pure: occurrences and an instant in, a status out.
 *
 * PR-3: out of office → absent; an all-day entry shown as busy or out of office → absent;
 * busy (and tentative, when so configured) → in-meeting; free and working elsewhere → nothing.
 * Absent wins over in-meeting. Entries of the same kind that overlap or touch form one block
 * (a week of OOF entered as five daily entries; OOF from Friday 16:00 to Monday 08:00), and the
 * status runs from the block's start to its end: the end is the "back at" that PR-2 lets others see.
 */
import type { Occurrence } from './calendar-source.js';

export type CalendarStatusKind = 'absent' | 'in-meeting';

export interface TimelineOptions {
  /** tentative entries count as meetings, or as free */
  tentative: 'free' | 'in-meeting';
}

export interface CalendarStatus {
  kind: CalendarStatusKind;
  /** ISO instant: start of the continuous block */
  since: string;
  /** ISO instant: end of the continuous block (the back-at for absent) */
  until: string;
}

export interface NextMeeting {
  uid: string;
  start: string;
  end: string;
}

interface Span {
  start: number;
  end: number;
}

/** PR-3: the kind an occurrence makes its person, or null when it does not count. */
export function kindOf(o: Occurrence, opts: TimelineOptions): CalendarStatusKind | null {
  if (o.show === 'oof') return 'absent';
  if (o.allDay && o.show === 'busy') return 'absent';
  if (o.show === 'busy' || (o.show === 'tentative' && opts.tentative === 'in-meeting')) return 'in-meeting';
  return null;
}

function spanOf(o: Occurrence): Span | null {
  const start = Date.parse(o.start);
  const end = Date.parse(o.end);
  return Number.isFinite(start) && Number.isFinite(end) && end > start ? { start, end } : null;
}

/** The spans of one kind, merged where they overlap or touch, sorted. */
function blocks(occurrences: readonly Occurrence[], kind: CalendarStatusKind, opts: TimelineOptions): Span[] {
  const spans: Span[] = [];
  for (const o of occurrences) {
    if (kindOf(o, opts) !== kind) continue;
    const s = spanOf(o);
    if (s) spans.push(s);
  }
  spans.sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }
  return merged;
}

function blockAt(merged: readonly Span[], at: number): Span | null {
  for (const b of merged) {
    if (b.start > at) break;
    if (at < b.end) return b;
  }
  return null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** PR-3: the calendar's status at `at`, with the whole continuous block it belongs to; null when the calendar says nothing. */
export function calendarStatusAt(occurrences: readonly Occurrence[], at: Date, opts: TimelineOptions): CalendarStatus | null {
  const t = at.getTime();
  for (const kind of ['absent', 'in-meeting'] as const) {
    const b = blockAt(blocks(occurrences, kind, opts), t);
    if (b) return { kind, since: iso(b.start), until: iso(b.end) };
  }
  return null;
}

/**
 * DV-5: the next meeting (a timed entry that makes the person in-meeting) starting after `at`,
 * for the "Viderestil under mødet?" prompt. Meetings that start inside an absence are skipped:
 * the absence already covers them.
 */
export function nextMeeting(occurrences: readonly Occurrence[], at: Date, opts: TimelineOptions): NextMeeting | null {
  const t = at.getTime();
  const absences = blocks(occurrences, 'absent', opts);
  let best: { o: Occurrence; span: Span } | null = null;
  for (const o of occurrences) {
    if (o.allDay || kindOf(o, opts) !== 'in-meeting') continue;
    const span = spanOf(o);
    if (!span || span.start <= t) continue;
    if (best && (span.start > best.span.start || (span.start === best.span.start && span.end >= best.span.end))) continue;
    if (blockAt(absences, span.start)) continue;
    best = { o, span };
  }
  return best ? { uid: best.o.uid, start: iso(best.span.start), end: iso(best.span.end) } : null;
}

/**
 * The next instant after `at` at which `calendarStatusAt` may change: the next start or end of
 * an entry that can count (free and working-elsewhere entries never do). Null when none is left.
 */
export function nextTransition(occurrences: readonly Occurrence[], at: Date): Date | null {
  const t = at.getTime();
  let next = Infinity;
  for (const o of occurrences) {
    if (o.show === 'free' || o.show === 'elsewhere') continue;
    const span = spanOf(o);
    if (!span) continue;
    if (span.start > t && span.start < next) next = span.start;
    if (span.end > t && span.end < next) next = span.end;
  }
  return Number.isFinite(next) ? new Date(next) : null;
}
