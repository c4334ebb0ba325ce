/**
 * The routing endpoint (RT-2, PH-2, PH-3, PH-4, RT-3): `GET /api/v1/route?to=…&lang=da|en&at=…`
 * for the PBX and the voicebot. Every answer carries the crisis broadcasts in force (RT-3),
 * whose text opens `say`. `to` is a number (extension or function number), a
 * department's id or a task keyword; the answer is what to do with the call now (or at `at`),
 * in the shape of `RouteAnswer` (protocol/route.ts), from the hub's in-memory state only.
 *
 * `routeAnswer` is pure: state, query and instant in, answer out. Keyword search uses an index
 * built once per directory (the hub's directory object is replaced on every import).
 */
import {
  foldDanish,
  IsoTime,
  MAX_ROUTE_CANDIDATES,
  MAX_ROUTE_TO_CHARS,
  OmstilError,
  type RouteAnswer,
  type RouteLang,
  type RouteTarget,
  type Texts,
} from '../../protocol/index.js';
import type { Department, Directory } from '../directory/directory.js';
import { availabilityOf, deptHours } from '../policy/availability.js';
import { closureText } from '../policy/closure-text.js';
import { callbackDue } from '../policy/deadlines.js';
import { outsideHoursText } from '../policy/hours/hours-text.js';
import type { PolicyState } from '../policy/policy-state.js';
import { resolveCall, type CallResolution } from '../policy/resolve-call.js';
import { broadcastActive, byStart } from '../state/broadcast-record.js';
import { activeClosure } from '../state/dept-record.js';
import { localDate } from '../policy/hours/zone.js';

/** What the endpoint reads: the hub (its state and clock) satisfies it. */
export interface RouteSource {
  readonly state: PolicyState;
  now(): Date;
}

export interface RouteQuery {
  to: string;
  lang: RouteLang;
  at: Date;
}

/** 200 with an answer, or 404 with an `unknown` answer (it still has the text to say). */
export interface RouteReply {
  status: 200 | 404;
  body: RouteAnswer;
}

/** Reads the query string; a bad field is an OmstilError (400) naming it, with a text for people. */
export function parseRouteQuery(params: URLSearchParams, now: () => Date): RouteQuery {
  const one = (field: string): string | null => {
    const all = params.getAll(field);
    if (all.length > 1) throw bad(field, `${field}: given ${all.length} times`, { da: `${field} må kun angives én gang.`, en: `${field} may be given only once.` });
    return all[0] ?? null;
  };
  const rawTo = one('to');
  if (rawTo !== null && rawTo.length > MAX_ROUTE_TO_CHARS) {
    throw bad('to', `to: longer than ${MAX_ROUTE_TO_CHARS} characters`, { da: `to er for lang (højst ${MAX_ROUTE_TO_CHARS} tegn).`, en: `to is too long (at most ${MAX_ROUTE_TO_CHARS} characters).` });
  }
  const to = rawTo?.trim() ?? '';
  if (!to) {
    throw bad('to', 'to: missing', {
      da: 'Angiv hvem der ringes til (to): et lokalnummer, et fællesnummer, en afdeling eller et emne.',
      en: 'Say who is called (to): an extension, a function number, a department or a topic.',
    });
  }
  const rawLang = one('lang');
  if (rawLang !== null && rawLang !== 'da' && rawLang !== 'en') throw bad('lang', 'lang: must be da or en', { da: 'lang skal være da eller en.', en: 'lang must be da or en.' });
  const rawAt = one('at');
  let at: Date;
  if (rawAt === null) at = now();
  else {
    at = new Date(rawAt);
    if (!IsoTime.safeParse(rawAt).success || Number.isNaN(at.getTime())) {
      throw bad('at', 'at: not an ISO 8601 time with an offset', {
        da: 'at skal være et tidspunkt i ISO 8601 med tidszone, fx 2026-11-23T10:00:00+01:00.',
        en: 'at must be an ISO 8601 time with an offset, e.g. 2026-11-23T10:00:00+01:00.',
      });
    }
  }
  return { to, lang: rawLang ?? 'da', at };
}

function bad(field: string, message: string, text: Texts): OmstilError {
  return new OmstilError('invalid-payload', message, { field, text });
}

/** The HTTP side: query string in, status and body out (bad input throws, see parseRouteQuery). */
export function answerRoute(source: RouteSource, params: URLSearchParams): RouteReply {
  const query = parseRouteQuery(params, () => source.now());
  return routeAnswer(source.state, query);
}

// ---- the answer (pure) ----

/** What `to` is: digits a number, a department's id a department, anything else a keyword (RT-2). */
export function routeAnswer(state: PolicyState, q: RouteQuery): RouteReply {
  const { dir } = state;
  const number = asNumber(q.to);
  if (number !== null) {
    const res = resolveCall(state, number, q.at);
    if (res.kind === 'unknown-number') {
      const dept = dir.departments.get(q.to); // an id may be all digits
      return dept ? { status: 200, body: departmentAnswer(state, q, 'department', dept, null, []) } : unknown(state, q, 'number');
    }
    const t = dir.byNumber(number)!;
    const target: RouteTarget = t.kind === 'person'
      ? { kind: 'person', id: t.person.id, name: t.person.name, deptId: t.person.dept, number }
      : { kind: 'group', id: t.group.id, name: t.group.name, deptId: t.group.dept, number };
    return { status: 200, body: fromResolution(state, q, 'number', res, target, null, []) };
  }
  const dept = dir.departments.get(q.to);
  if (dept) return { status: 200, body: departmentAnswer(state, q, 'department', dept, null, []) };
  return keywordAnswer(state, q);
}

/** Digits, as people write them ("89 15 15 15", "+45 8915 1515"): the internal number, else null. */
function asNumber(to: string): string | null {
  if (!/^\+?[0-9][0-9 .-]*$/.test(to)) return null;
  let digits = to.replace(/[^0-9]/g, '');
  if (to.startsWith('+45') && digits.length === 10) digits = digits.slice(2);
  else if (digits.startsWith('0045') && digits.length === 12) digits = digits.slice(4);
  return digits;
}

function departmentAnswer(state: PolicyState, q: RouteQuery, query: RouteAnswer['query'], dept: Department, matched: string | null, others: RouteAnswer['candidates']): RouteAnswer {
  const groups = state.dir.groupsOf(dept.id);
  const asDept = (number: string | null): RouteTarget => ({ kind: 'department', id: dept.id, name: dept.name, deptId: dept.id, number });
  if (groups.length) {
    // PH-4: the department answers on its function numbers; the first that rings now, else the first
    const resolved = groups.map((g) => resolveCall(state, g.number, q.at));
    const i = Math.max(0, resolved.findIndex((r) => r.kind === 'ring'));
    const chosen = groups[i]!;
    const rest = groups.filter((_, k) => k !== i).map((g) => ({ kind: 'group' as const, id: g.id, name: g.name, deptId: g.dept, number: g.number, matched: null }));
    return fromResolution(state, q, query, resolved[i]!, asDept(chosen.number), matched, [...rest, ...others].slice(0, MAX_ROUTE_CANDIDATES));
  }
  return fromResolution(state, q, query, withoutGroup(state, dept, q.at), asDept(null), matched, others);
}

/**
 * A department without a function number: PH-2 outside its phone hours, PH-3 in a closure
 * (its fallback rings if it can), else whoever in it is available rings (PH-4), else a message
 * for its leader (AS-1): never silence.
 */
function withoutGroup(state: PolicyState, dept: Department, at: Date): CallResolution {
  const { dir } = state;
  const hours = deptHours(state, dept.id)!;
  if (!hours.isOpen(at)) {
    const input = { name: dept.name, hours, web: dept.web, digitalMail: dept.digitalMail, at };
    return { kind: 'outside-hours', number: '', route: [], deptId: dept.id, rule: 'PH-2', text: { da: outsideHoursText(input, 'da'), en: outsideHoursText(input, 'en') } };
  }
  const due = callbackDue(dir, dept.id, at).toISOString();
  const closure = activeClosure(state.depts.get(dept.id), at);
  if (closure) {
    const fb = closure.offer === 'fallback' && closure.fallback ? dir.target(closure.fallback) : undefined;
    if (fb) {
      const inner = resolveCall(state, fb.kind === 'person' ? fb.person.extension : fb.group.number, at);
      if (inner.kind === 'ring' || inner.kind === 'message') return inner;
    }
    return { kind: 'closure', number: '', route: [], deptId: dept.id, closureId: closure.id, offer: closure.offer, text: closureText(dept.name, closure, at), due, rule: 'PH-3' };
  }
  const members = dir.membersOf(dept.id).filter((p) => p.role === 'employee');
  const ring = members.filter((p) => availabilityOf(state, state.people.get(p.id), p.id, at).presence === 'available').map((p) => p.id);
  if (ring.length) return { kind: 'ring', number: '', route: [], ring, rule: 'PH-4' };
  // nobody available: a message for its leader (AS-1); a department with nobody in it takes the message itself
  const leader = members.find((p) => dir.staffOf(p.id).length > 0) ?? members[0];
  return {
    kind: 'message',
    number: '',
    route: [],
    recipient: leader?.id ?? dept.id,
    due,
    backAt: null,
    rule: 'PH-4',
    text: { da: `Alle medarbejdere i ${dept.name} er optaget. Læg en besked, så ringer vi dig op.`, en: `Everyone in ${dept.name} is busy. Leave a message and we will call you back.` },
  };
}

const MESSAGE_OFFER: Texts = { da: 'Læg en besked, så vender vi tilbage.', en: 'Leave a message and we will get back to you.' };

/** A `resolveCall` result as the IVR acts on it. PR-2: built field by field; no reason can get in. */
function fromResolution(state: PolicyState, q: RouteQuery, query: RouteAnswer['query'], res: CallResolution, target: RouteTarget, matched: string | null, candidates: RouteAnswer['candidates']): RouteAnswer {
  const { dir } = state;
  const who = (id: string) => ({ kind: dir.groups.has(id) ? ('group' as const) : ('person' as const), id, name: dir.nameOf(id) });
  const route = res.route.map(who);
  const recipientOf = (id: string) => {
    const d = dir.people.has(id) || dir.groups.has(id) ? undefined : dir.departments.get(id);
    return d ? { kind: 'department' as const, id, name: d.name } : who(id);
  };
  const deptOf = (id: string) => dir.people.get(id)?.dept ?? dir.groups.get(id)?.dept ?? null;
  const crisis = crisisOf(state, q);
  const answer = (kind: RouteAnswer['kind'], rule: string, text: Texts, rest: Pick<RouteAnswer, 'ring' | 'callback' | 'deptId'>): RouteAnswer => {
    const peaks = peaksOf(state, rest.deptId, q);
    return {
      to: q.to,
      query,
      kind,
      rule,
      at: q.at.toISOString(),
      target,
      matched,
      say: crisis.say([...peaks.map((p) => sentence(p.text[q.lang] || p.text.da)), text[q.lang]].join(' ')),
      text,
      ring: rest.ring,
      callback: rest.callback,
      route,
      deptId: rest.deptId,
      candidates,
      switchboard: null,
      broadcasts: crisis.broadcasts,
      peaks,
    };
  };
  switch (res.kind) {
    case 'ring': {
      const ring = res.ring.map((id) => {
        const p = dir.people.get(id)!;
        const sensitive = dir.departments.get(p.dept)?.sensitive ?? false;
        return { id, name: p.name, extension: sensitive ? null : p.extension }; // RT-1
      });
      const last = res.route.length ? dir.nameOf(res.route[res.route.length - 1]!) : target.name;
      const text = { da: `Du bliver stillet videre til ${last}.`, en: `Putting you through to ${last}.` };
      const end = res.route[res.route.length - 1] ?? res.ring[0];
      return answer('ring', res.rule, text, { ring, callback: null, deptId: (end && deptOf(end)) ?? target.deptId });
    }
    case 'message': {
      const r = recipientOf(res.recipient);
      return answer('message', res.rule, res.text, { ring: [], callback: { offer: 'message', recipient: r, due: res.due, backAt: res.backAt }, deptId: deptOf(res.recipient) ?? target.deptId });
    }
    case 'outside-hours':
      return answer('outside-hours', res.rule, res.text, { ring: [], callback: null, deptId: res.deptId });
    case 'closure': {
      // PH-3: its offer; a fallback that cannot answer still leaves the caller a message (PH-4: never silence)
      const group = dir.groupsOf(res.deptId)[0];
      const recipient = group ? who(group.id) : { kind: 'department' as const, id: res.deptId, name: dir.departments.get(res.deptId)?.name ?? res.deptId };
      const offer = res.offer === 'callback' ? 'callback' : 'message';
      const text = res.offer === 'fallback' ? { da: `${res.text.da} ${MESSAGE_OFFER.da}`, en: `${res.text.en} ${MESSAGE_OFFER.en}` } : res.text;
      return answer('closure', res.rule, text, { ring: [], callback: { offer, recipient, due: res.due ?? callbackDue(dir, res.deptId, q.at).toISOString(), backAt: null }, deptId: res.deptId });
    }
    case 'unknown-number':
      throw new Error('unreachable: unknown numbers are answered by unknown()');
  }
}

/** 404: nothing matched. The switchboard's number, when the directory has one, so the caller is not left alone. */
function unknown(state: PolicyState, q: RouteQuery, query: RouteAnswer['query']): RouteReply {
  const sw = keywordIndex(state.dir).switchboard;
  const head: Texts = query === 'number'
    ? { da: 'Nummeret findes ikke.', en: 'That number does not exist.' }
    : { da: 'Vi kunne ikke finde, hvem der tager sig af det.', en: 'We could not find who handles that.' };
  const text = sw ? { da: `${head.da} Ring til ${sw.name} på ${sw.number}.`, en: `${head.en} Call ${sw.name} on ${sw.number}.` } : head;
  const crisis = crisisOf(state, q);
  return {
    status: 404,
    body: {
      to: q.to,
      query,
      kind: 'unknown',
      rule: query === 'number' ? 'RT-1' : 'RT-2',
      at: q.at.toISOString(),
      target: null,
      matched: null,
      say: crisis.say(text[q.lang]),
      text,
      ring: [],
      callback: null,
      route: [],
      deptId: null,
      candidates: [],
      switchboard: sw,
      broadcasts: crisis.broadcasts,
      peaks: [],
    },
  };
}

/**
 * RT-3: the crisis broadcasts in force at the answer's instant, and the sentence that puts
 * them before whatever the voicebot says: in the asked language, else the Danish.
 */
function crisisOf(state: PolicyState, q: RouteQuery): { broadcasts: RouteAnswer['broadcasts']; say: (rest: string) => string } {
  const live = [...(state.broadcasts?.values() ?? [])].filter((b) => broadcastActive(b, q.at)).sort(byStart);
  if (!live.length) return { broadcasts: [], say: (rest) => rest };
  const said = live.map((b) => sentence((q.lang === 'en' && b.text.en) || b.text.da));
  return {
    broadcasts: live.map((b) => ({ id: b.id, text: b.text.en ? { da: b.text.da, en: b.text.en } : { da: b.text.da }, expires: b.expires })),
    say: (rest) => [...said, rest].join(' '),
  };
}

/** Text as a spoken sentence: trimmed, ending in a full stop unless it has its own. */
function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/**
 * PH-5: the department's expected peaks on the answer's day (Copenhagen date), by start, so
 * the voicebot warns the caller as the reception board does.
 */
function peaksOf(state: PolicyState, deptId: string | null, q: RouteQuery): RouteAnswer['peaks'] {
  if (!deptId) return [];
  const day = localDate(q.at);
  return (state.depts.get(deptId)?.peaks ?? [])
    .filter((p) => p.from <= day && day <= p.to)
    .sort((a, b) => a.from.localeCompare(b.from))
    .map((p) => ({ id: p.id, from: p.from, to: p.to, text: { da: p.text.da, en: p.text.en } }));
}

// ---- keyword search (RT-2) ----

function keywordAnswer(state: PolicyState, q: RouteQuery): RouteReply {
  const index = keywordIndex(state.dir);
  const found = index.search(q.to);
  if (!found.length) return unknown(state, q, 'keyword');
  // the top tier (same quality of match and kind): the first that rings now, else the first
  const top = found.filter((c) => c.level === found[0]!.level && c.words === found[0]!.words && c.rank === found[0]!.rank).slice(0, 3);
  let best = top[0]!;
  let res: CallResolution | null = null;
  for (const c of top) {
    if (c.target.kind === 'department') continue;
    const r = resolveCall(state, c.target.number!, q.at);
    if (r.kind === 'ring') {
      best = c;
      res = r;
      break;
    }
    if (c === best) res = r;
  }
  const others = found.filter((c) => c !== best).slice(0, MAX_ROUTE_CANDIDATES).map((c) => ({ ...c.target, matched: c.matched }));
  if (best.target.kind === 'department') {
    const dept = state.dir.departments.get(best.target.id)!;
    return { status: 200, body: departmentAnswer(state, q, 'keyword', dept, best.matched, others) };
  }
  res ??= resolveCall(state, best.target.number!, q.at);
  return { status: 200, body: fromResolution(state, q, 'keyword', res, best.target, best.matched, others) };
}

/**
 * Case- and accent-insensitive: "Kørekort", "KØREKORT" and "koerekort" are one word. æ, ø, å
 * become ae, oe, aa (as Danes write them without the letters); other accents are dropped.
 */
export function foldKeyword(text: string): string {
  return foldDanish(text);
}

/** Looser still, for a keyboard or a speech engine without æøå: "korekort", "hjalpemidler", "radgivning". */
function loosen(folded: string): string {
  return folded.replace(/aa/g, 'a').replace(/ae/g, 'a').replace(/oe/g, 'o');
}

/** Match quality: higher is better. */
const Level = {
  /** the end of a compound: "tilladelse" → "byggetilladelse" */
  Suffix: 1,
  /** "byggetil" → "byggetilladelse" */
  Prefix: 2,
  /** one word of a keyword or a name: "jobcenter" → "Jobcenter, Regimentvej 10" */
  Word: 3,
  /** "korekort" → "kørekort" */
  Loose: 4,
  /** "Kørekort" → "kørekort" */
  Exact: 5,
} as const;
type Level = (typeof Level)[keyof typeof Level];
/** Partial matches (word, prefix, suffix) need a word of at least this many letters. */
const MIN_PARTIAL = 4;
/** Words of a long utterance tried one by one. */
const MAX_QUERY_WORDS = 12;
/** Distinct queries whose matches are kept per directory. */
const MATCH_CACHE = 2000;

/** PH-4: a function answers before a department, a department before one person. */
const RANK = { group: 3, department: 2, person: 1 } as const;

interface Entry {
  target: RouteTarget;
  /** the keyword as the directory writes it */
  keyword: string;
}

export interface KeywordMatch {
  target: RouteTarget;
  matched: string;
  level: Level;
  /** how many words of the query matched (when the whole query did not) */
  words: number;
  rank: number;
}

/** The keyword index of one directory, built once (RT-2: department tasks and names, group tasks and names, competencies). */
export class KeywordIndex {
  readonly switchboard: { name: string; number: string } | null;
  private readonly maps = new Map<Level, Map<string, Entry[]>>([
    [Level.Exact, new Map()],
    [Level.Loose, new Map()],
    [Level.Word, new Map()],
    [Level.Prefix, new Map()],
    [Level.Suffix, new Map()],
  ]);
  private readonly cache = new Map<string, readonly KeywordMatch[]>();

  constructor(dir: Directory) {
    const sw = [...dir.people.values()].find((p) => p.role === 'switchboard');
    this.switchboard = sw ? { name: sw.name, number: sw.extension } : null;
    const deptTarget = new Map<string, RouteTarget>();
    for (const d of dir.departments.values()) {
      deptTarget.set(d.id, { kind: 'department', id: d.id, name: d.name, deptId: d.id, number: dir.groupsOf(d.id)[0]?.number ?? null });
    }
    for (const d of dir.departments.values()) {
      const t = deptTarget.get(d.id)!;
      for (const k of [d.name, d.id, ...d.tasks]) this.add(k, t);
    }
    for (const g of dir.groups.values()) {
      const t: RouteTarget = { kind: 'group', id: g.id, name: g.name, deptId: g.dept, number: g.number };
      for (const k of [g.name, ...g.tasks]) this.add(k, t);
    }
    for (const p of dir.people.values()) {
      if (p.role !== 'employee' || !p.competencies.length) continue;
      // RT-1: a sensitive department's personal extensions are not published: its function answers
      const t: RouteTarget = dir.departments.get(p.dept)?.sensitive ? deptTarget.get(p.dept)! : { kind: 'person', id: p.id, name: p.name, deptId: p.dept, number: p.extension };
      for (const k of p.competencies) this.add(k, t);
    }
  }

  private add(keyword: string, target: RouteTarget): void {
    const strict = foldKeyword(keyword);
    if (!strict) return;
    const put = (level: Level, key: string) => {
      const map = this.maps.get(level)!;
      const list = map.get(key);
      if (!list) map.set(key, [{ target, keyword }]);
      else if (!list.some((e) => e.target === target)) list.push({ target, keyword });
    };
    put(Level.Exact, strict);
    put(Level.Loose, loosen(strict));
    for (const word of loosen(strict).split(' ')) {
      if (word.length < MIN_PARTIAL) continue;
      put(Level.Word, word);
      for (let n = MIN_PARTIAL; n < word.length; n++) put(Level.Prefix, word.slice(0, n));
      for (let n = 1; word.length - n >= MIN_PARTIAL; n++) put(Level.Suffix, word.slice(n));
    }
  }

  /** Every match, best first; cached per query (matches depend on the directory only, not on time). */
  search(query: string): readonly KeywordMatch[] {
    const strict = foldKeyword(query);
    const hit = this.cache.get(strict);
    if (hit) return hit;
    let found = this.match(strict);
    if (!found.size) {
      // a sentence ("jeg skal forny mit pas"): its words one by one; more matching words rank higher
      const words = [...new Set(strict.split(' '))].filter((w) => w.length >= 2).slice(0, MAX_QUERY_WORDS);
      if (words.length > 1) {
        for (const w of words) {
          for (const [key, m] of this.match(w)) {
            const prev = found.get(key);
            if (!prev) found.set(key, m);
            else found.set(key, { ...(m.level > prev.level ? m : prev), words: prev.words + 1 });
          }
        }
      }
    }
    const list = [...found.values()].sort((a, b) => b.level - a.level || b.words - a.words || b.rank - a.rank || a.target.name.localeCompare(b.target.name, 'da'));
    if (this.cache.size >= MATCH_CACHE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(strict, list);
    return list;
  }

  /** Matches of one folded query, by target (a number or a department without one), at the best level found. */
  private match(strict: string): Map<string, KeywordMatch> {
    const out = new Map<string, KeywordMatch>();
    if (!strict) return out;
    const loose = loosen(strict);
    const tries: [Level, string][] = [[Level.Exact, strict], [Level.Loose, loose]];
    if (loose.length >= MIN_PARTIAL) tries.push([Level.Word, loose], [Level.Prefix, loose], [Level.Suffix, loose]);
    for (const [level, key] of tries) {
      for (const e of this.maps.get(level)!.get(key) ?? []) {
        const k = e.target.number ?? `dept:${e.target.id}`;
        const prev = out.get(k);
        // a department and its first function number are one place to call; the more specific wins
        if (!prev || level > prev.level || (level === prev.level && RANK[e.target.kind] > prev.rank)) {
          out.set(k, { target: e.target, matched: e.keyword, level, words: 1, rank: RANK[e.target.kind] });
        }
      }
    }
    return out;
  }
}

const indexes = new WeakMap<Directory, KeywordIndex>();

/** The keyword index of `dir`, built on first use; a new directory (an import) gets a new one. */
export function keywordIndex(dir: Directory): KeywordIndex {
  let index = indexes.get(dir);
  if (!index) {
    index = new KeywordIndex(dir);
    indexes.set(dir, index);
  }
  return index;
}
