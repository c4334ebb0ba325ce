/**
 * Call resolution (PH-4, DV-4, PH-2, PH-3, AS-1..AS-3): who a dialled number reaches at an
 * instant. Never loops (a visited set and the hop limit bound every walk) and never ends in
 * silence inside phone hours: with nobody to ring, the caller is offered a message.
 */
import type { Texts } from '../../protocol/index.js';
import type { Group, Person } from '../directory/directory.js';
import { activeClosure, type ClosureRecord } from '../state/dept-record.js';
import { activeDiversion } from '../state/person-record.js';
import { answeringMembers, availabilityOf, canAnswer, deptHours, groupHours } from './availability.js';
import { closureText } from './closure-text.js';
import { callbackDue } from './deadlines.js';
import { outsideHoursText } from './hours/hours-text.js';
import type { PolicyState } from './policy-state.js';

export type CallResolution =
  /** PH-4 / DV-4: these phones ring now */
  | { kind: 'ring'; number: string; route: string[]; ring: string[]; rule: string }
  /** AS-1: nobody can answer inside phone hours: take a message for `recipient`, due by `due` (AS-2) */
  | { kind: 'message'; number: string; route: string[]; recipient: string; due: string; backAt: string | null; text: Texts; rule: string }
  /** PH-2: outside phone hours */
  | { kind: 'outside-hours'; number: string; route: string[]; deptId: string; text: Texts; rule: 'PH-2' }
  /** PH-3: the department is closed; what the closure offers */
  | { kind: 'closure'; number: string; route: string[]; deptId: string; closureId: string; offer: ClosureRecord['offer']; text: Texts; due: string | null; rule: 'PH-3' }
  | { kind: 'unknown-number'; number: string; route: []; text: Texts; rule: 'RT-1' };

export function resolveCall(state: PolicyState, number: string, at: Date): CallResolution {
  const { dir } = state;
  const start = dir.byNumber(number);
  if (!start) {
    return { kind: 'unknown-number', number, route: [], rule: 'RT-1', text: { da: 'Nummeret findes ikke.', en: 'the number does not exist' } };
  }
  const first = start.kind === 'person' ? start.person.id : start.group.id;
  const route = [first];
  const seen = new Set(route);
  let current = first;
  // DV-4: follow diversions in force, at most maxHops, never round a cycle
  for (let hop = 0; hop < dir.settings.maxHops; hop++) {
    const next = activeDiversion(state.people.get(current), at)?.to;
    if (next === undefined || seen.has(next) || !dir.target(next)) break;
    route.push(next);
    seen.add(next);
    current = next;
  }
  const group = dir.groups.get(current);
  if (group) return resolveGroup(state, number, route, group, at);
  return resolvePerson(state, number, route, dir.people.get(current)!, at);
}

function resolvePerson(state: PolicyState, number: string, route: string[], person: Person, at: Date): CallResolution {
  if (person.role === 'switchboard') return { kind: 'ring', number, route, ring: [person.id], rule: 'DV-3' };
  const closed = closureOrHours(state, number, route, person.dept, null, at);
  if (closed) return closed;
  if (canAnswer(state, person.id, at)) return { kind: 'ring', number, route, ring: [person.id], rule: route.length > 1 ? 'DV-4' : 'PR-1' };
  // the person cannot answer: the department's group rings if someone there can (PH-4) …
  for (const g of state.dir.groupsOf(person.dept)) {
    const ring = answeringMembers(state, g, at).filter((m) => !route.includes(m));
    if (ring.length) return { kind: 'ring', number, route: [...route, g.id], ring, rule: 'PH-4' };
  }
  // … else a message, for the colleague covering a long absence (AS-3)
  return messageFor(state, number, route, person, at);
}

function resolveGroup(state: PolicyState, number: string, route: string[], group: Group, at: Date): CallResolution {
  const closed = closureOrHours(state, number, route, group.dept, group, at);
  if (closed) return closed;
  // whoever diverted to the group does not get their own calls back
  const ring = answeringMembers(state, group, at).filter((m) => !route.includes(m));
  if (ring.length) return { kind: 'ring', number, route, ring, rule: 'PH-4' };
  // PH-4: nobody available inside phone hours → a message for the group, never silence
  return {
    kind: 'message',
    number,
    route,
    recipient: group.id,
    due: callbackDue(state.dir, group.dept, at).toISOString(),
    backAt: null,
    rule: 'PH-4',
    text: {
      da: `Alle medarbejdere i ${group.name} er optaget. Læg en besked, så ringer vi dig op.`,
      en: `Everyone in ${group.name} is busy. Leave a message and we will call you back.`,
    },
  };
}

/** PH-3 first (a closure is inside phone hours by definition), then PH-2. */
function closureOrHours(state: PolicyState, number: string, route: string[], deptId: string, group: Group | null, at: Date): CallResolution | null {
  const dept = state.dir.departments.get(deptId)!;
  const closure = activeClosure(state.depts.get(deptId), at);
  if (closure) {
    if (closure.offer === 'fallback' && closure.fallback) {
      const fb = state.dir.target(closure.fallback);
      // the fallback answers like any other number, one step further along the route
      if (fb && !route.includes(closure.fallback)) {
        const inner = fb.kind === 'group' ? resolveGroup(state, number, [...route, fb.group.id], fb.group, at) : resolvePerson(state, number, [...route, fb.person.id], fb.person, at);
        if (inner.kind === 'ring' || inner.kind === 'message') return inner;
      }
    }
    const text = closureText(dept.name, closure, at);
    return { kind: 'closure', number, route, deptId, closureId: closure.id, offer: closure.offer, text, due: callbackDue(state.dir, deptId, at).toISOString(), rule: 'PH-3' };
  }
  const hours = group ? groupHours(state, group) : deptHours(state, deptId);
  if (hours && !hours.isOpen(at)) {
    const input = { name: group?.name ?? dept.name, hours, web: dept.web, digitalMail: dept.digitalMail, at };
    return { kind: 'outside-hours', number, route, deptId, rule: 'PH-2', text: { da: outsideHoursText(input, 'da'), en: outsideHoursText(input, 'en') } };
  }
  return null;
}

function messageFor(state: PolicyState, number: string, route: string[], person: Person, at: Date): CallResolution {
  const { recipient } = messageRecipient(state, person.id, at);
  const av = availabilityOf(state, state.people.get(person.id), person.id, at);
  const forOther = recipient !== person.id;
  const name = state.dir.nameOf(recipient);
  return {
    kind: 'message',
    number,
    route,
    recipient,
    due: callbackDue(state.dir, person.dept, at).toISOString(),
    backAt: av.backAt,
    rule: forOther ? 'AS-3' : 'AS-1',
    text: forOther
      ? { da: `${person.name} er fraværende. Læg en besked til ${name}, som dækker, så ringer vi dig op.`, en: `${person.name} is away. Leave a message for ${name}, who is covering, and we will call you back.` }
      : { da: `${person.name} kan ikke tage telefonen lige nu. Læg en besked, så ringer vi dig op.`, en: `${person.name} cannot answer right now. Leave a message and we will call you back.` },
  };
}

/**
 * AS-3: a message is never left for someone absent more than one workday, unless the
 * caller has been told so: it goes to the colleague covering (their diversion, even a
 * declined one's target is not used), else their department's group, else their leader.
 */
export function messageRecipient(state: PolicyState, personId: string, at: Date, opts: { callerInformed?: boolean } = {}): { recipient: string; rule: string } {
  const { dir } = state;
  const person = dir.people.get(personId);
  if (!person) return { recipient: personId, rule: 'AS-1' };
  const rec = state.people.get(personId);
  const av = availabilityOf(state, rec, personId, at);
  const longAbsent = av.presence === 'absent';
  if (!longAbsent || opts.callerInformed) return { recipient: personId, rule: 'AS-1' };
  const covering = activeDiversion(rec, at)?.to;
  if (covering) return { recipient: covering, rule: 'AS-3' };
  const group = dir.groupsOf(person.dept).find((g) => g.members.some((m) => m !== personId));
  if (group) return { recipient: group.id, rule: 'AS-3' };
  if (person.leader) return { recipient: person.leader, rule: 'AS-3' };
  return { recipient: personId, rule: 'AS-1' };
}
