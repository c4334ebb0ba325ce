/**
 * What the screens show, computed from a DeviceView. Pure functions: no DOM, no lit, no I/O,
 * so they are tested in Node (test/device-ui/view-model.test.ts).
 */
import { isId, type DeviceView, type PersonOwn, type PersonPublic, type Presence } from '../protocol/index.js';
import { langFromSearch, type Lang } from './i18n/lang.js';

// ---- page address ----

export type Route =
  | { mode: 'phone' | 'kiosk'; deviceId: string; lang: Lang }
  | { mode: 'invalid'; lang: Lang };

/** `/phone/{deviceId}` or `/kiosk/{deviceId}`, optionally `?lang=en`. */
export function parseRoute(pathname: string, search: string): Route {
  const lang = langFromSearch(search);
  const m = /^\/(phone|kiosk)\/([^/]+)\/?$/.exec(pathname);
  if (!m) return { mode: 'invalid', lang };
  let deviceId: string;
  try {
    deviceId = decodeURIComponent(m[2]!);
  } catch {
    return { mode: 'invalid', lang };
  }
  if (!isId(deviceId)) return { mode: 'invalid', lang };
  return { mode: m[1] as 'phone' | 'kiosk', deviceId, lang };
}

/** The bridge WebSocket on the same host and port as the page: ws:// for http, wss:// for https. */
export function bridgeUrl(page: { protocol: string; host: string }, path: string): string {
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${page.host}${path}`;
}

// ---- own diversion (DV-1, DV-2) ----

export type OwnDiversionState =
  | { kind: 'none' }
  | { kind: 'active'; to: string; toName: string; until: string | null }
  /** DV-2: the colleague declined; the diversion is not in force and calls come to me */
  | { kind: 'declined'; to: string; toName: string };

export function ownDiversionState(me: PersonOwn | null | undefined): OwnDiversionState {
  const d = me?.ownDiversion;
  if (!d) return { kind: 'none' };
  if (d.status === 'declined') return { kind: 'declined', to: d.to, toName: d.toName };
  return { kind: 'active', to: d.to, toName: d.toName, until: d.until };
}

/**
 * DV-4: a target that is absent cannot answer, so it is no dead end to offer. One outside
 * phone hours cannot take calls that come now; when I am outside phone hours too, my calls
 * come when my hours start, which the hub checks against theirs (the hub decides either way).
 */
export function canTakeCalls(presence: Presence, mine: Presence = 'available'): boolean {
  if (presence === 'absent') return false;
  return presence !== 'off-hours' || mine === 'off-hours';
}

function personById(view: DeviceView, id: string): PersonPublic | undefined {
  return view.people.find((p) => p.personId === id);
}

/**
 * DV-1: the colleague the one big button diverts to: the first preferred colleague who can
 * take calls now, is not diverted back to me (DV-4: no cycle) and has not just declined (DV-2).
 * Null when no preferred colleague fits; the phone then offers the short list only.
 */
export function divertCandidate(view: DeviceView): PersonPublic | null {
  const me = view.me;
  if (!me) return null;
  const declined = me.ownDiversion?.status === 'declined' ? me.ownDiversion.to : null;
  for (const id of view.preferred) {
    if (id === me.personId || id === declined) continue;
    const p = personById(view, id);
    if (!p || !canTakeCalls(p.presence, me.presence)) continue;
    if (p.diversion?.to === me.personId) continue;
    return p;
  }
  return null;
}

// ---- colleague list (DV-1 "a short list next") ----

export interface ColleagueRow {
  person: PersonPublic;
  preferred: boolean;
  /** my calls go to this person now (my diversion is active and targets them) */
  isMyTarget: boolean;
}

const collator = new Intl.Collator('da-DK');

export function byName(a: { name: string }, b: { name: string }): number {
  return collator.compare(a.name, b.name);
}

/** Everyone but me: preferred colleagues first in the directory's order, then the rest by name. */
export function colleagueRows(view: DeviceView): ColleagueRow[] {
  const myId = view.me?.personId ?? null;
  const own = ownDiversionState(view.me);
  const target = own.kind === 'active' ? own.to : null;
  const others = view.people.filter((p) => p.personId !== myId);
  const rank = new Map(view.preferred.map((id, i) => [id, i] as const));
  const preferred = others.filter((p) => rank.has(p.personId)).sort((a, b) => rank.get(a.personId)! - rank.get(b.personId)!);
  const rest = others.filter((p) => !rank.has(p.personId)).sort(byName);
  return [...preferred, ...rest].map((person) => ({
    person,
    preferred: rank.has(person.personId),
    isMyTarget: person.personId === target,
  }));
}

// ---- reception board ----

export interface DeptGroup {
  /** null for people whose department is not in view.depts */
  deptId: string | null;
  name: string | null;
  people: PersonPublic[];
}

/** People grouped by department (by department name), each group by person name; empty groups left out. */
export function receptionGroups(view: DeviceView): DeptGroup[] {
  const known = new Set(view.depts.map((d) => d.deptId));
  const groups: DeptGroup[] = [...view.depts]
    .sort(byName)
    .map((d) => ({ deptId: d.deptId, name: d.name, people: view.people.filter((p) => p.deptId === d.deptId).sort(byName) }));
  const orphans = view.people.filter((p) => !known.has(p.deptId)).sort(byName);
  if (orphans.length > 0) groups.push({ deptId: null, name: null, people: orphans });
  return groups.filter((g) => g.people.length > 0);
}

// ---- connection ----

export interface LinkState {
  /** the bridge WebSocket is open */
  linkUp: boolean;
  /** connection attempts that failed or dropped since the last successful open */
  failures: number;
}

/**
 * Whether to show "Forbindelse afbrudt", and how old the shown data is. Silent while the very
 * first connection is being made; shown when the bridge socket is down or the firmware says
 * it has lost the hub (`view.connected === false`).
 */
export function connectionProblem(link: LinkState, view: DeviceView | null): { asOf: string | null } | null {
  const hubDown = view !== null && !view.connected;
  const bridgeDown = !link.linkUp && (view !== null || link.failures > 0);
  if (!hubDown && !bridgeDown) return null;
  return { asOf: view?.asOf ?? null };
}

export type IncomingDiversion = PersonOwn['incoming'][number];
