/**
 * ST-1: the quarterly report, built from finished calls (`call-log.ts`), the messages taken
 * (AS-1..AS-4) and the diversions set (DV-1) in the quarter. `buildQuarterReport` is pure and
 * reads the calls in one pass (a quarter may hold 100,000: they are never all in memory);
 * `quarterReportFromStore` reads the quarter, Europe/Copenhagen days, from the Store.
 *
 * What counts where (docs/statistics.md):
 * - a call counts for the department and the function it was classified to when offered;
 *   calls to numbers outside the directory (deptId null) are not counted at all; calls to a
 *   department no longer in the directory count in the totals only;
 * - a message counts for its recipient's department (a group recipient: also that function);
 * - a diversion counts for the diverted person's department and the function they are a member of.
 */
import { DateTime } from 'luxon';
import { OmstilError, quarterDays, type QuarterReport, type ReportDepartment, type ReportFigures, type ReportWeek } from '../../protocol/index.js';
import type { Directory } from '../directory/directory.js';
import type { MessageRecord } from '../state/message-record.js';
import type { JournalEntry, Store } from '../store/store.js';
import { CallTally, type CallRecord } from './call-record.js';

export const REPORT_ZONE = 'Europe/Copenhagen';

/** The journal ops that set a diversion (DV-1): a divert, an absence with a colleague (DV-6), a forward set on the PBX. */
export const DIVERSION_OPS = ['divert', 'set-status', 'pbx-forward'] as const;

export interface QuarterReportInput {
  dir: Directory;
  /** `2026Q4` */
  quarter: string;
  now: Date;
  calls: Iterable<CallRecord>;
  messages: readonly MessageRecord[];
  diversions: readonly { at: string; personId: string }[];
}

/** A quarter's bounds: its first and last local day, and [start, end) as instants (Europe/Copenhagen). */
export interface QuarterBounds {
  from: string;
  to: string;
  start: Date;
  end: Date;
}

/** ST-1: `2026Q4` → its days and instants; OmstilError `invalid-payload` naming `quarter` when it is not one. */
export function quarterBounds(quarter: string): QuarterBounds {
  const days = typeof quarter === 'string' ? quarterDays(quarter) : null;
  if (!days) {
    throw new OmstilError('invalid-payload', `quarter: must be a quarter like 2026Q4, got ${JSON.stringify(quarter)}`, {
      field: 'quarter',
      rule: 'ST-1',
      text: { da: `Kvartalet skal skrives som fx 2026Q4, ikke ${JSON.stringify(quarter)}.`, en: `the quarter must be written like 2026Q4, not ${JSON.stringify(quarter)}` },
    });
  }
  const start = DateTime.fromISO(days.from, { zone: REPORT_ZONE }).startOf('day');
  const end = DateTime.fromISO(days.to, { zone: REPORT_ZONE }).startOf('day').plus({ days: 1 });
  return { ...days, start: start.toJSDate(), end: end.toJSDate() };
}

/** One department's, function's or the municipality's running sums. */
class Bucket {
  /** the call figures, counted as `aggregateCalls` counts them */
  private readonly calls = new CallTally();
  diversions = 0;
  messages = 0;
  onTime = 0;
  late = 0;
  open = 0;

  addCall(c: CallRecord): void {
    this.calls.add(c);
  }

  addMessage(state: CallbackState): void {
    this.messages++;
    if (state === 'on-time') this.onTime++;
    else if (state === 'late') this.late++;
    else this.open++;
  }

  figures(): ReportFigures {
    const c = this.calls.figures();
    const due = this.onTime + this.late;
    return {
      offered: c.offered,
      answered: c.answered,
      answerRate: c.answerRate,
      waitAvgS: c.waitAvgS,
      waitP90S: c.waitP90S,
      transfersPerCall: c.transfersPerCall,
      metUnavailable: c.metUnavailable,
      messageCalls: c.messages,
      voicemail: c.voicemail,
      lost: c.lost,
      diversions: this.diversions,
      messages: this.messages,
      callbacksOnTime: this.onTime,
      callbacksLate: this.late,
      callbacksOpen: this.open,
      callbackOnTimeRate: due ? this.onTime / due : null,
    };
  }
}

export type CallbackState = 'on-time' | 'late' | 'open';

/**
 * AS-2/AS-4: a message's call-back at `now`: on time when done at or before its due time (the
 * time of the history entry that made it done), late when done after it or still not done past
 * it, open when not done and not yet due.
 */
export function callbackState(m: Pick<MessageRecord, 'status' | 'due' | 'history'>, now: Date): CallbackState {
  const due = Date.parse(m.due);
  const done = m.history.find((h) => h.status === 'done');
  if (done || m.status === 'done') {
    const doneAt = done ? Date.parse(done.at) : NaN;
    return Number.isFinite(doneAt) && doneAt <= due ? 'on-time' : 'late';
  }
  return now.getTime() > due ? 'late' : 'open';
}

/** The ISO weeks (Europe/Copenhagen) touching [start, end): label and first instant, in order. */
function isoWeeks(start: Date, end: Date): { week: string; from: number }[] {
  const out: { week: string; from: number }[] = [];
  let monday = DateTime.fromJSDate(start, { zone: REPORT_ZONE }).startOf('week');
  while (monday.toMillis() < end.getTime()) {
    out.push({ week: `${monday.weekYear}-W${String(monday.weekNumber).padStart(2, '0')}`, from: monday.toMillis() });
    monday = monday.plus({ weeks: 1 });
  }
  return out;
}

/** ST-1: the quarterly report. Pure; reads `calls` once. */
export function buildQuarterReport(input: QuarterReportInput): QuarterReport {
  const { dir, now } = input;
  const q = quarterBounds(input.quarter);
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new OmstilError('invalid-payload', 'now: not a time', { field: 'now', rule: 'ST-1' });
  const start = q.start.getTime();
  const end = q.end.getTime();

  const totals = new Bucket();
  const depts = new Map<string, Bucket>();
  const fns = new Map<string, Bucket>();
  for (const d of dir.departments.keys()) depts.set(d, new Bucket());
  for (const g of dir.groups.values()) fns.set(`${g.dept}\u0000${g.id}`, new Bucket());
  const fnOf = (deptId: string, fn: string | null) => (fn === null ? undefined : fns.get(`${deptId}\u0000${fn}`));

  const weeks = isoWeeks(q.start, q.end);
  const weekOffered = new Array<number>(weeks.length).fill(0);
  const weekAnswered = new Array<number>(weeks.length).fill(0);

  for (const c of input.calls) {
    if (c.deptId === null) continue; // not a municipal number
    const t = Date.parse(c.offeredAt);
    if (!(t >= start && t < end)) continue;
    totals.addCall(c);
    depts.get(c.deptId)?.addCall(c);
    fnOf(c.deptId, c.fn)?.addCall(c);
    let w = weeks.length - 1;
    while (w > 0 && weeks[w]!.from > t) w--;
    weekOffered[w]!++;
    if (c.outcome === 'answered') weekAnswered[w]!++;
  }

  for (const m of input.messages) {
    const state = callbackState(m, now);
    totals.addMessage(state);
    const person = dir.people.get(m.for);
    const group = person ? undefined : dir.groups.get(m.for);
    const deptId = person?.dept ?? group?.dept;
    if (deptId === undefined) continue;
    depts.get(deptId)?.addMessage(state);
    if (group) fnOf(group.dept, group.id)?.addMessage(state);
  }

  for (const d of input.diversions) {
    totals.diversions++;
    const person = dir.people.get(d.personId);
    if (!person) continue;
    const dept = depts.get(person.dept);
    if (dept) dept.diversions++;
    const group = dir.groupsOf(person.dept).find((g) => g.members.includes(person.id));
    const fn = group ? fnOf(person.dept, group.id) : undefined;
    if (fn) fn.diversions++;
  }

  const departments: ReportDepartment[] = [...dir.departments.values()].map((d) => ({
    id: d.id,
    name: d.name,
    figures: depts.get(d.id)!.figures(),
    functions: dir.groupsOf(d.id).map((g) => ({ id: g.id, name: g.name, figures: fnOf(d.id, g.id)!.figures() })),
  }));
  const weekRows: ReportWeek[] = weeks.map((w, i) => ({
    week: w.week,
    offered: weekOffered[i]!,
    answered: weekAnswered[i]!,
    answerRate: weekOffered[i] ? weekAnswered[i]! / weekOffered[i]! : null,
  }));
  return {
    quarter: input.quarter,
    municipality: dir.data.municipality,
    from: q.from,
    to: q.to,
    generatedAt: now.toISOString(),
    timezone: REPORT_ZONE,
    partial: now.getTime() < end,
    totals: totals.figures(),
    departments,
    weeks: weekRows,
  };
}

/**
 * DV-1: who a journal entry diverted, or null when it set no diversion. The detail is what the
 * hub journalled: a phone's request args (`{target, until?, person?}`, the person being the
 * phone's own when absent), the admin API's or calendar's command (`{person, target, ...}`), an
 * absence with `divertTo` (DV-6), or a forward set on the PBX (`{extension, to}`).
 */
export function divertedPerson(dir: Directory, e: JournalEntry): string | null {
  const d = (e.detail ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
  const person = () => str(d['person']) ?? dir.devices.get(e.actor)?.person ?? null;
  switch (e.op) {
    case 'divert':
      return person();
    case 'set-status':
      return str(d['divertTo']) ? person() : null;
    case 'pbx-forward': {
      const ext = str(d['extension']);
      const t = ext && str(d['to']) ? dir.byNumber(ext) : undefined;
      return t?.kind === 'person' ? t.person.id : null;
    }
    default:
      return null;
  }
}

/** ST-1: the quarter's report from what the store holds: [first day 00:00, day after the last 00:00) Europe/Copenhagen. */
export function quarterReportFromStore(store: Store, dir: Directory, quarter: string, now: Date): QuarterReport {
  const q = quarterBounds(quarter);
  // messages and the journal first: the calls stream from an open query to the end
  const messages = store.messagesTaken(q.start, q.end);
  const diversions: { at: string; personId: string }[] = [];
  for (const e of store.journalBetween(q.start, q.end, DIVERSION_OPS)) {
    const personId = divertedPerson(dir, e);
    if (personId) diversions.push({ at: e.at, personId });
  }
  return buildQuarterReport({ dir, quarter, now, calls: store.calls(q.start, q.end), messages, diversions });
}
