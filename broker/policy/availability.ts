/**
 * Who can answer, and when (PR-1, PH-1, PH-3). Pure: state and an instant in, facts out.
 */
import type { Presence } from '../../protocol/index.js';
import type { Group } from '../directory/directory.js';
import { activeClosure } from '../state/dept-record.js';
import { activeStatus, type PersonRecord } from '../state/person-record.js';
import { phoneHoursFor, type PhoneHours } from './hours/phone-hours.js';
import type { PolicyState } from './policy-state.js';

/** PH-1: a department's phone hours. */
export function deptHours(state: PolicyState, deptId: string): PhoneHours | null {
  const dept = state.dir.departments.get(deptId);
  return dept ? phoneHoursFor(dept.phoneHours) : null;
}

/** PH-1: a group (function) number's own phone hours, or its department's. */
export function groupHours(state: PolicyState, group: Group): PhoneHours {
  return phoneHoursFor(group.phoneHours ?? state.dir.departments.get(group.dept)!.phoneHours);
}

/** PH-1 + PH-3: the department answers calls at `at`: inside phone hours and not closed. */
export function deptAnswering(state: PolicyState, deptId: string, at: Date): boolean {
  return (deptHours(state, deptId)?.isOpen(at) ?? false) && activeClosure(state.depts.get(deptId), at) === null;
}

export interface Availability {
  presence: Presence;
  /** when the person can be reached again (PR-2: the public part of an absence) */
  backAt: string | null;
}

/**
 * PR-1: the person's presence at `at`, from their status, the PBX and their department's
 * phone hours. Precedence: absent > on-call > in-meeting > away > off-hours > available.
 */
export function availabilityOf(state: PolicyState, rec: PersonRecord | undefined, personId: string, at: Date): Availability {
  const person = state.dir.people.get(personId);
  if (!person) return { presence: 'off-hours', backAt: null };
  const status = activeStatus(rec, at);
  if (status?.kind === 'absent') return { presence: 'absent', backAt: status.until };
  if (rec?.onCall) return { presence: 'on-call', backAt: null };
  if (status) return { presence: status.kind, backAt: status.until };
  // the switchboard answers on its own terms (DV-3 keeps diversions away from it)
  if (person.role === 'switchboard') return { presence: 'available', backAt: null };
  const hours = deptHours(state, person.dept);
  if (hours && !hours.isOpen(at)) {
    const next = hours.nextChange(at);
    return { presence: 'off-hours', backAt: next ? next.toISOString() : null };
  }
  return { presence: 'available', backAt: null };
}

/** Everyone's presence at one instant (the benchmark's `policy_recompute_ms`). */
export function availabilityAll(state: PolicyState, at: Date): Map<string, Availability> {
  const out = new Map<string, Availability>();
  for (const id of state.dir.people.keys()) out.set(id, availabilityOf(state, state.people.get(id), id, at));
  return out;
}

/** Can this person take a call at `at`: present and their department not closed (PH-3). */
export function canAnswer(state: PolicyState, personId: string, at: Date): boolean {
  const person = state.dir.people.get(personId);
  if (!person) return false;
  const { presence } = availabilityOf(state, state.people.get(personId), personId, at);
  if (presence !== 'available' && presence !== 'on-call') return false;
  return person.role === 'switchboard' || activeClosure(state.depts.get(person.dept), at) === null;
}

/**
 * PH-4: the members of a group who can answer at `at` (none outside the group's phone hours).
 * The group's own hours govern: a member staffing a function that opens before their
 * department does is free, not off-hours. A member on another call is not offered the call.
 */
export function answeringMembers(state: PolicyState, group: Group, at: Date): string[] {
  if (!groupHours(state, group).isOpen(at) || activeClosure(state.depts.get(group.dept), at)) return [];
  return group.members.filter((m) => {
    const p = availabilityOf(state, state.people.get(m), m, at).presence;
    if (p !== 'available' && p !== 'off-hours') return false;
    const dept = state.dir.people.get(m)?.dept;
    return dept === group.dept || activeClosure(state.depts.get(dept ?? ''), at) === null;
  });
}
