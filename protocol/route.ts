/**
 * The routing endpoint (RT-2, PH-2, PH-3, PH-4): what the PBX or the voicebot does with a call
 * for an extension, a function number, a department or a task keyword, now or at `at`.
 * Served by the hub's admin API server without the admin token: it shows only what the
 * reception board shows (PR-2: never an absence reason).
 */
import * as z from 'zod/mini';
import { ADMIN_API_PREFIX } from './admin.js';
import { BroadcastText, Id, IsoTime, LocalDate, LocalizedText } from './schemas.js';

/** `GET /api/v1/route?to=…&lang=da|en&at=…` */
export const ROUTE_PATH = `${ADMIN_API_PREFIX}/route`;
/** the same endpoint at the short path PBX and IVR configurations use */
export const ROUTE_PATH_SHORT = '/api/route';
/** Longest `to` the endpoint reads (characters). */
export const MAX_ROUTE_TO_CHARS = 100;
/** Other matches offered with a keyword's (or a department's) answer. */
export const MAX_ROUTE_CANDIDATES = 5;

export const RouteLang = z.enum(['da', 'en']);
export type RouteLang = z.infer<typeof RouteLang>;

/** How `to` was read: digits are a number, a department's id a department, anything else a keyword. */
export const RouteQueryKind = z.enum(['number', 'department', 'keyword']);

/** What the caller gets: the phones to ring, a message/call-back offer, or a text (PH-2, PH-3). */
export const RouteKind = z.enum(['ring', 'message', 'outside-hours', 'closure', 'unknown']);
export type RouteKind = z.infer<typeof RouteKind>;

export const RouteTargetKind = z.enum(['person', 'group', 'department']);

/** A phone to ring. `extension` is null in a sensitive department (RT-1): ring it by `id`. */
export const RouteRing = z.strictObject({ id: Id, name: z.string(), extension: z.nullable(z.string()) });

/** One hop of the call: the dialled number, diversions followed (DV-4), a closure's fallback, a group (PH-4). */
export const RouteHop = z.strictObject({ kind: z.enum(['person', 'group']), id: Id, name: z.string() });

/** What `to` reached: a person or group (by number), a department, or a keyword's best match. */
export const RouteTarget = z.strictObject({
  kind: RouteTargetKind,
  id: Id,
  name: z.string(),
  deptId: Id,
  /** the number dialled for it; null for a department without a function number */
  number: z.nullable(z.string()),
});
export type RouteTarget = z.infer<typeof RouteTarget>;

/** AS-1..AS-3 and PH-3: the caller leaves a message or their number; somebody calls back by `due` (AS-2). */
export const RouteCallback = z.strictObject({
  offer: z.enum(['message', 'callback']),
  recipient: z.strictObject({ kind: RouteTargetKind, id: Id, name: z.string() }),
  due: IsoTime,
  /** when the wanted person can be reached again (PR-2: the public part of an absence) */
  backAt: z.nullable(IsoTime),
});

/** Another place the voicebot can offer: a keyword's other matches, a department's other function numbers. */
export const RouteCandidate = z.strictObject({
  ...RouteTarget.shape,
  /** the directory's keyword that matched (for a keyword query) */
  matched: z.nullable(z.string()),
});

/** RT-3: a crisis broadcast in force at the answer's instant. */
export const RouteBroadcast = z.strictObject({ id: Id, text: BroadcastText, expires: IsoTime });

/** PH-5: an expected peak of the answer's department on the answer's day (e.g. tax cards sent out). */
export const RoutePeak = z.strictObject({ id: Id, from: LocalDate, to: LocalDate, text: LocalizedText });

export const RouteAnswer = z.strictObject({
  /** `to` as asked (trimmed) */
  to: z.string(),
  query: RouteQueryKind,
  kind: RouteKind,
  /** the POLICY.md rule that decided */
  rule: z.string(),
  /** the instant the answer is for */
  at: IsoTime,
  target: z.nullable(RouteTarget),
  /** the directory's keyword that matched best (keyword queries) */
  matched: z.nullable(z.string()),
  /** `ring`: the phones to ring now; empty otherwise */
  ring: z.array(RouteRing),
  /** what the voicebot says: the broadcasts in force (RT-3) first, then a peak notice of the department (PH-5), then `text` in the asked language */
  say: z.string(),
  text: LocalizedText,
  /** `message`, and `closure` unless its fallback answers */
  callback: z.nullable(RouteCallback),
  route: z.array(RouteHop),
  deptId: z.nullable(Id),
  candidates: z.array(RouteCandidate).check(z.maxLength(MAX_ROUTE_CANDIDATES)),
  /** `unknown` only: where the caller can turn instead */
  switchboard: z.nullable(z.strictObject({ name: z.string(), number: z.string() })),
  /** RT-3: the crisis broadcasts in force at `at`, by start (their text opens `say`); empty without */
  broadcasts: z.array(RouteBroadcast),
  /** PH-5: the peaks of `deptId` on the answer's day (Europe/Copenhagen), by start; their text follows the broadcasts in `say`; empty without */
  peaks: z.array(RoutePeak),
});
export type RouteAnswer = z.infer<typeof RouteAnswer>;
