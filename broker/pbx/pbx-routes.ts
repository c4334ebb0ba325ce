/**
 * What a PBX that routes by the hub's decision (`PbxPort.routes`) should hold for each dialled
 * number: `resolveCall` (the policy) turned into PBX terms — ring these extensions, or send
 * the caller to the IVR with the reason. Pure.
 *
 * A person's extension that simply rings the person needs no route (the PBX rings it by its
 * registration and forwards); a function number always has one (the PBX knows it only from
 * the hub). Unknown numbers have none.
 */
import type { Directory } from '../directory/directory.js';
import type { CallResolution } from '../policy/resolve-call.js';
import { resolveCall } from '../policy/resolve-call.js';
import type { PolicyState } from '../policy/policy-state.js';
import { activeDiversion } from '../state/person-record.js';
import type { PbxRoute } from './pbx-port.js';

/** The route for `number` at `at`, or null when the PBX's default (ring the extension) is right. */
export function routeFor(state: PolicyState, number: string, at: Date): PbxRoute | null {
  return toRoute(state.dir, number, resolveCall(state, number, at));
}

export function toRoute(dir: Directory, number: string, r: CallResolution): PbxRoute | null {
  switch (r.kind) {
    case 'ring': {
      const extensions = r.ring.map((id) => dir.people.get(id)?.extension).filter((e): e is string => e !== undefined);
      const own = dir.byNumber(number);
      if (own?.kind === 'person' && extensions.length === 1 && extensions[0] === number) return null;
      return extensions.length ? { kind: 'ring', extensions } : { kind: 'announce', reason: 'message' };
    }
    case 'message':
      return { kind: 'announce', reason: 'message' };
    case 'outside-hours':
      return { kind: 'announce', reason: 'outside-hours' };
    case 'closure':
      return { kind: 'announce', reason: 'closure' };
    case 'unknown-number':
      return null;
  }
}

/** Every number the PBX needs to know: people's extensions and function numbers. */
export function allNumbers(dir: Directory): string[] {
  return [...[...dir.people.values()].map((p) => p.extension), ...[...dir.groups.values()].map((g) => g.number)];
}

/** Every route the PBX should hold at `at` (numbers whose default is right are left out). */
export function allRoutes(state: PolicyState, at: Date): Map<string, PbxRoute> {
  const out = new Map<string, PbxRoute>();
  for (const number of allNumbers(state.dir)) {
    const r = routeFor(state, number, at);
    if (r) out.set(number, r);
  }
  return out;
}

/**
 * The numbers whose route may change when these people's records change: everyone in their
 * departments (a person nobody answers for falls back to the department's function numbers,
 * PH-4), the function numbers of those departments and of groups they are members of, and
 * whoever is diverted into any of those, hop by hop (DV-4). Closures' fallbacks into another
 * department are left to the periodic full recompute.
 */
export function affectedNumbers(state: PolicyState, changed: Iterable<string>, at: Date): Set<string> {
  const { dir } = state;
  const depts = new Set<string>();
  const ids = new Set(changed);
  for (const id of ids) {
    const p = dir.people.get(id);
    if (p) depts.add(p.dept);
  }
  for (const g of dir.groups.values()) if (g.members.some((m) => ids.has(m))) depts.add(g.dept);
  const targets = new Set<string>();
  for (const p of dir.people.values()) if (depts.has(p.dept)) targets.add(p.id);
  for (const d of depts) for (const g of dir.groupsOf(d)) targets.add(g.id);
  for (const g of dir.groups.values()) if (g.members.some((m) => ids.has(m))) targets.add(g.id);
  // upstream: people whose calls reach a target through diversions
  for (let hop = 0; hop <= dir.settings.maxHops; hop++) {
    let grew = false;
    for (const rec of state.people.values()) {
      if (targets.has(rec.personId)) continue;
      const to = activeDiversion(rec, at)?.to;
      if (to !== undefined && targets.has(to)) {
        targets.add(rec.personId);
        grew = true;
      }
    }
    if (!grew) break;
  }
  const numbers = new Set<string>();
  for (const id of targets) {
    const t = dir.target(id);
    if (t) numbers.add(t.kind === 'person' ? t.person.extension : t.group.number);
  }
  return numbers;
}

/** A route as a comparable string (the Kamailio adapter's encoding uses the same idea). */
export function routeKey(r: PbxRoute | null | undefined): string {
  if (!r) return '';
  return r.kind === 'ring' ? `ring:${r.extensions.join(',')}` : `announce:${r.reason}`;
}
