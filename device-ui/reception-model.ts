/**
 * What the reception terminal shows, computed from a DeviceView: the department board
 * (PH-1..PH-5), the directory search (RT-2) and the message form's checks (AS-1, AS-3).
 * Pure functions: no DOM, no lit, no I/O; `now` is always passed in, so they are tested in
 * Node (test/device-ui/reception-model.test.ts).
 */
import {
  CallerNumber,
  MAX_CALLER_NAME_CHARS,
  MAX_MESSAGE_CHARS,
  TakeMessageArgs,
  foldDanish,
  type ArgsOf,
  type DeptPublic,
  type DeviceView,
  type PeakNotice,
  type PersonPublic,
  type PublicClosure,
} from '../protocol/index.js';
import { TIME_ZONE } from './i18n/format.js';
import type { Lang } from './i18n/lang.js';
import { byName, canTakeCalls } from './view-model.js';

// ---- dates and times ----

const LOCALE: Record<Lang, string> = { da: 'da-DK', en: 'en-GB' };

/** The Copenhagen calendar date of `now`, as `YYYY-MM-DD` (the form of LocalDate in the protocol). */
export function copenhagenDate(now: Date): string {
  // en-CA writes dates as YYYY-MM-DD
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** A protocol ClockTime ("08:00", "24:00") as the screen writes times: da "08.00", en "08:00". */
export function localClock(time: string, lang: Lang): string {
  return lang === 'da' ? time.replace(':', '.') : time;
}

/** A span of phone hours: da "08.00–18.00", en "08:00–18:00". */
export function clockSpan(span: { from: string; to: string }, lang: Lang): string {
  return `${localClock(span.from, lang)}–${localClock(span.to, lang)}`;
}

/** Noon UTC of a LocalDate: the same calendar day in Copenhagen all year. */
function noonOf(date: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d, 12));
}

const dayMonth = new Map<Lang, Intl.DateTimeFormat>();
/** LocalDate(s) as a day of the year: da "1. december", "1.–3. december"; en "1 December", "1 – 3 December". */
export function dateSpan(from: string, to: string, lang: Lang): string {
  let f = dayMonth.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALE[lang], { timeZone: TIME_ZONE, day: 'numeric', month: 'long' });
    dayMonth.set(lang, f);
  }
  return from === to || to < from ? f.format(noonOf(from)) : f.formatRange(noonOf(from), noonOf(to));
}

// ---- the department board (PH-1..PH-5) ----

/**
 * Whether a department answers now. `closure`: PH-3, closed inside its phone hours until the
 * closure's end. `open`/`closed`: by its phone hours (PH-1; a holiday closes), as the hub says.
 */
export type DeptStatus =
  | { kind: 'open'; closesAt: string | null }
  | { kind: 'closed'; opensAt: string | null }
  | { kind: 'closure'; closure: PublicClosure };

/** PH-3: the closure in force at `now`, if any. */
export function activeClosure(dept: DeptPublic, now: Date): PublicClosure | null {
  const t = now.getTime();
  return dept.closures.find((c) => Date.parse(c.start) <= t && t < Date.parse(c.end)) ?? null;
}

export function deptStatus(dept: DeptPublic, now: Date): DeptStatus {
  const closure = activeClosure(dept, now);
  if (closure) return { kind: 'closure', closure };
  return dept.openNow ? { kind: 'open', closesAt: dept.nextChange } : { kind: 'closed', opensAt: dept.nextChange };
}

/** PH-3: closures worth showing: the one now, planned ones, and one ended early today (announced at once). */
export interface ClosureRow {
  phase: 'now' | 'planned' | 'ended-early';
  closure: PublicClosure;
}

export function closureRows(dept: DeptPublic, now: Date): ClosureRow[] {
  const t = now.getTime();
  const today = copenhagenDate(now);
  const rows: ClosureRow[] = [];
  for (const c of dept.closures) {
    const start = Date.parse(c.start);
    const end = Date.parse(c.end);
    if (start <= t && t < end) rows.push({ phase: 'now', closure: c });
    else if (start > t) rows.push({ phase: 'planned', closure: c });
    else if (c.endedEarly && end <= t && copenhagenDate(new Date(end)) === today) rows.push({ phase: 'ended-early', closure: c });
  }
  const order = { now: 0, 'ended-early': 1, planned: 2 };
  return rows.sort((a, b) => order[a.phase] - order[b.phase] || a.closure.start.localeCompare(b.closure.start));
}

/** PH-5: peaks today and coming; past ones are not shown. */
export interface PeakRow {
  phase: 'today' | 'upcoming';
  peak: PeakNotice;
}

export function peakRows(dept: DeptPublic, now: Date): PeakRow[] {
  const today = copenhagenDate(now);
  return dept.peaks
    .filter((p) => p.to >= today)
    .map((peak): PeakRow => ({ phase: peak.from <= today ? 'today' : 'upcoming', peak }))
    .sort((a, b) => (a.phase === b.phase ? a.peak.from.localeCompare(b.peak.from) : a.phase === 'today' ? -1 : 1));
}

/** Today's phone hours; `stale` when the hub's `today` is not the screen's date (the next update fixes it). */
export function todaysHours(dept: DeptPublic, now: Date): { open: DeptPublic['today']['open']; holiday: string | null; stale: boolean } {
  return { open: dept.today.open, holiday: dept.today.holiday, stale: dept.today.date !== copenhagenDate(now) };
}

/** The departments on the board, by name (Danish order). */
export function boardDepts(view: DeviceView): DeptPublic[] {
  return [...view.depts].sort(byName);
}

// ---- how a person is reached (RT-1) ----

export type Group = DeptPublic['groups'][number];

/** A function number's name inside its department's card: "Borgerservice, fællesnummer" → "Fællesnummer". */
export function groupLabel(group: Group, dept: DeptPublic): string {
  const prefix = `${dept.name}, `;
  if (!group.name.startsWith(prefix) || group.name.length === prefix.length) return group.name;
  const rest = group.name.slice(prefix.length);
  return rest[0]!.toLocaleUpperCase('da-DK') + rest.slice(1);
}

/**
 * The number reception gives for a person: their extension, or — in a sensitive department,
 * whose personal extensions are never published (RT-1) — the department's function number.
 */
export type Contact = { kind: 'extension'; number: string } | { kind: 'group'; group: Group } | { kind: 'none' };

export function personContact(person: PersonPublic, dept: DeptPublic | null | undefined): Contact {
  if (dept?.sensitive) {
    const group = dept.groups[0];
    return group ? { kind: 'group', group } : { kind: 'none' };
  }
  return person.extension ? { kind: 'extension', number: person.extension } : { kind: 'none' };
}

// ---- the directory search (RT-2) ----

/** Why a hit matched, to show next to it ("Opgave: kørekort"). */
export type MatchReason =
  | { field: 'name' }
  | { field: 'extension' }
  | { field: 'task'; text: string }
  | { field: 'group'; text: string }
  /** a person listed because their department matched */
  | { field: 'dept' };

export interface DeptHit {
  kind: 'dept';
  dept: DeptPublic;
  score: number;
  why: MatchReason;
}

export interface PersonHit {
  kind: 'person';
  person: PersonPublic;
  dept: DeptPublic | null;
  score: number;
  why: MatchReason;
}

export interface SearchResult {
  depts: DeptHit[];
  people: PersonHit[];
  /** people hits before `limit` cut the list */
  totalPeople: number;
}

/** Danish letters written without them: "Søren" is also found as "soren", "Ærø" as "aro". */
function looseFold(text: string): string {
  return foldDanish(text.replace(/[æÆ]/g, 'a').replace(/[øØ]/g, 'o').replace(/[åÅ]/g, 'a'));
}

interface Folded {
  strict: string;
  loose: string;
}

/** Names and tasks are folded again on every key press and every view update: keep them. */
const folded = new Map<string, Folded>();
const MAX_FOLDED = 20_000;

function fold(text: string): Folded {
  let f = folded.get(text);
  if (!f) {
    if (folded.size >= MAX_FOLDED) folded.clear();
    f = { strict: foldDanish(text), loose: looseFold(text) };
    folded.set(text, f);
  }
  return f;
}

function scoreOne(q: string, text: string): number {
  if (!q || !text) return 0;
  if (text === q) return 100;
  if (text.startsWith(q)) return 90;
  const words = text.split(' ');
  if (q.split(' ').every((w) => words.some((t) => t.startsWith(w)))) return 80;
  if (q.length >= 3 && text.includes(q)) return 60;
  return 0;
}

/**
 * How well `query` matches `text`, 0 (not) to 100 (the same words), case- and accent-insensitive
 * (æøå folded as Danes write them without the letters, or as plain a/o): 100 equal, 90 the text
 * starts with the query, 80 every query word starts a word of the text, 60 contained (3+ letters).
 */
export function matchScore(query: string, text: string): number {
  const q = fold(query);
  const t = fold(text);
  return Math.max(scoreOne(q.strict, t.strict), scoreOne(q.loose, t.loose));
}

const digitsOnly = (s: string) => s.replace(/[^0-9]/g, '');

function numberScore(query: string, number: string): number {
  const q = query.trim();
  if (!/^[0-9 +-]+$/.test(q)) return 0;
  const d = digitsOnly(q);
  const n = digitsOnly(number);
  if (d.length < 2 || !n) return 0;
  return n === d ? 95 : n.startsWith(d) ? 70 : 0;
}

function bestOf<T>(items: readonly T[], score: (item: T) => number): { item: T; score: number } | null {
  let best: { item: T; score: number } | null = null;
  for (const item of items) {
    const s = score(item);
    if (s > 0 && (!best || s > best.score)) best = { item, score: s };
  }
  return best;
}

/** A department matched by its name, a task keyword (its own or a function number's), or one of its function numbers (name or number). */
export function deptMatch(dept: DeptPublic, query: string): { score: number; why: MatchReason } | null {
  const candidates: { score: number; why: MatchReason }[] = [];
  const name = matchScore(query, dept.name);
  if (name) candidates.push({ score: name, why: { field: 'name' } });
  const task = bestOf([...dept.tasks, ...dept.groups.flatMap((g) => g.tasks)], (t) => matchScore(query, t));
  if (task) candidates.push({ score: task.score * 0.9, why: { field: 'task', text: task.item } });
  const group = bestOf(dept.groups, (g) => Math.max(matchScore(query, g.name) * 0.85, numberScore(query, g.number)));
  if (group) candidates.push({ score: group.score, why: { field: 'group', text: `${group.item.name} ${group.item.number}` } });
  return bestOf(candidates, (c) => c.score)?.item ?? null;
}

/**
 * A person matched by name, by extension (never in a sensitive department: RT-1), or by a
 * competency, which is a task keyword like a department's (RT-1/RT-2).
 */
export function personMatch(person: PersonPublic, dept: DeptPublic | null | undefined, query: string): { score: number; why: MatchReason } | null {
  const name = matchScore(query, person.name);
  const ext = !dept?.sensitive && person.extension ? numberScore(query, person.extension) : 0;
  const task = bestOf(person.competencies, (c) => matchScore(query, c));
  const candidates: { score: number; why: MatchReason }[] = [];
  if (name) candidates.push({ score: name, why: { field: 'name' } });
  if (ext) candidates.push({ score: ext, why: { field: 'extension' } });
  if (task) candidates.push({ score: task.score * 0.9, why: { field: 'task', text: task.item } });
  return bestOf(candidates, (c) => c.score)?.item ?? null;
}

/** AS-3: nobody calls back from the switchboard: a message goes to the person or function the caller wants. */
export function takesMessages(person: PersonPublic): boolean {
  return person.role !== 'switchboard';
}

/** Who can answer now comes first among equally good hits (RT-2: the best target now). */
function reachRank(p: PersonPublic): number {
  if (p.presence === 'available') return 0;
  return canTakeCalls(p.presence) ? 1 : 2;
}

/**
 * RT-2: departments and people for a query. Departments match by name, task keyword or
 * function number; people by name, extension or competency, and the people of a matched department follow
 * the direct hits (who can answer now first). An empty query finds nothing (the view then
 * shows everyone). At most `limit` people.
 */
export function searchDirectory(view: DeviceView, query: string, limit = 50): SearchResult {
  if (!foldDanish(query)) return { depts: [], people: [], totalPeople: 0 };
  const deptById = new Map(view.depts.map((d) => [d.deptId, d] as const));
  const depts: DeptHit[] = [];
  for (const dept of view.depts) {
    const m = deptMatch(dept, query);
    if (m) depts.push({ kind: 'dept', dept, ...m });
  }
  depts.sort((a, b) => b.score - a.score || byName(a.dept, b.dept));
  const matchedDept = new Map(depts.map((h) => [h.dept.deptId, h.score] as const));

  const people: PersonHit[] = [];
  for (const person of view.people) {
    const dept = deptById.get(person.deptId) ?? null;
    const direct = personMatch(person, dept, query);
    const viaDept = matchedDept.get(person.deptId);
    // a person found through their department ranks below every direct hit
    if (direct) people.push({ kind: 'person', person, dept, ...direct });
    else if (viaDept !== undefined) people.push({ kind: 'person', person, dept, score: viaDept / 2, why: { field: 'dept' } });
  }
  people.sort((a, b) => b.score - a.score || reachRank(a.person) - reachRank(b.person) || byName(a.person, b.person));
  return { depts, people: people.slice(0, limit), totalPeople: people.length };
}

// ---- taking a message (AS-1..AS-3) ----

/** Who a message is for: a person or a function number (PH-4). */
export type MessageTarget = { kind: 'person'; id: string } | { kind: 'group'; id: string };

export type ResolvedTarget =
  | { kind: 'person'; id: string; name: string; person: PersonPublic; dept: DeptPublic | null }
  | { kind: 'group'; id: string; name: string; group: Group; dept: DeptPublic };

/** The target as the view has it now (presence changes while the form is open); null when gone. */
export function resolveTarget(view: DeviceView | null, target: MessageTarget | null): ResolvedTarget | null {
  if (!view || !target) return null;
  if (target.kind === 'person') {
    const person = view.people.find((p) => p.personId === target.id);
    if (!person) return null;
    return { kind: 'person', id: person.personId, name: person.name, person, dept: view.depts.find((d) => d.deptId === person.deptId) ?? null };
  }
  for (const dept of view.depts) {
    const group = dept.groups.find((g) => g.id === target.id);
    if (group) return { kind: 'group', id: group.id, name: group.name, group, dept };
  }
  return null;
}

/**
 * AS-3: a person absent (one workday or more) gets a message only when the caller knows and
 * wants it so; the form then asks. Otherwise the hub sends it to the colleague covering.
 */
export function offersCallerInformed(target: ResolvedTarget | null): boolean {
  return target?.kind === 'person' && target.person.presence === 'absent';
}

/** The limits of TakeMessageArgs (protocol/schemas.ts), for the form's hints. */
export const MESSAGE_LIMITS = {
  callerName: MAX_CALLER_NAME_CHARS,
  text: MAX_MESSAGE_CHARS,
  /** CallerNumber: a digit and then 5 to 19 digits, spaces or -, after an optional + */
  numberMin: 6,
  numberMax: 20,
} as const;

export interface MessageDraft {
  callerName: string;
  callerNumber: string;
  text: string;
  callerInformed: boolean;
}

export const EMPTY_DRAFT: MessageDraft = { callerName: '', callerNumber: '', text: '', callerInformed: false };

export type DraftField = 'callerName' | 'callerNumber' | 'text';
export type FieldProblem = 'required' | 'too-long' | 'invalid';

export type TakeMessageRequest = ArgsOf<'take-message'>;
export type DraftCheck = { ok: true; args: TakeMessageRequest } | { ok: false; problems: Partial<Record<DraftField, FieldProblem>> };

/**
 * AS-1: checks the form against the protocol's own schema before anything is sent, and
 * names each wrong field. `callerInformed` is sent only when the form offered it (AS-3).
 */
export function checkDraft(forId: string, draft: MessageDraft, offerInformed: boolean): DraftCheck {
  const callerName = draft.callerName.trim();
  const callerNumber = draft.callerNumber.trim();
  const text = draft.text.trim();
  const problems: Partial<Record<DraftField, FieldProblem>> = {};
  if (!callerName) problems.callerName = 'required';
  if (!callerNumber) problems.callerNumber = 'required';
  const args: TakeMessageRequest = { for: forId, callerName, callerNumber, text, ...(offerInformed ? { callerInformed: draft.callerInformed } : {}) };
  const parsed = TakeMessageArgs.safeParse(args);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if (field !== 'callerName' && field !== 'callerNumber' && field !== 'text') continue;
      if (problems[field]) continue;
      problems[field] = issue.code === 'too_big' ? 'too-long' : issue.code === 'too_small' ? 'required' : 'invalid';
    }
  }
  if (Object.keys(problems).length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, args: parsed.data };
}

/** A caller's number as the protocol takes it (for tests and hints). */
export function isCallerNumber(text: string): boolean {
  return CallerNumber.safeParse(text.trim()).success;
}
