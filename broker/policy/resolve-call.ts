/**
 * Call resolution (PH-4, DV-4, PH-2, PH-3, AS-1..AS-3): who a dialled number reaches at an
 * instant. Never loops (a visited set and the hop limit bound every walk) and never ends in
 * silence inside phone hours: with nobody to ring, the caller is offered a message.
 */
import type { Texts } from '../../protocol/index.js';
import type { Person } from '../directory/directory.js';
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
  const ctx: Ctx = { state, number, at };
  const result = resolveAt(ctx, route, current, true);
  // PH-4: the caller rang inside the dialled number's phone hours; the diversion's end has
  // closed since. Never another department's "we are closed": the dialled side answers.
  if (result.kind === 'outside-hours' && route.length > 1 && answersNow(ctx, first)) return unansweredAt(ctx, route, first);
  return result;
}

interface Ctx {
  state: PolicyState;
  number: string;
  at: Date;
}

/** The number `id` (person or group) is inside its phone hours and its department not closed. */
function answersNow(ctx: Ctx, id: string): boolean {
  const { state, at } = ctx;
  const group = state.dir.groups.get(id);
  if (group) return groupHours(state, group).isOpen(at) && !activeClosure(state.depts.get(group.dept), at);
  const person = state.dir.people.get(id);
  if (!person) return false;
  if (person.role === 'switchboard') return true;
  return (deptHours(state, person.dept)?.isOpen(at) ?? false) && !activeClosure(state.depts.get(person.dept), at);
}

/**
 * Where the call stops at `id`. A closure's fallback is followed once (`fallback`), so
 * closures cannot chain: a route is at most the dialled number, maxHops diversions, one
 * fallback and one group.
 */
function resolveAt(ctx: Ctx, route: string[], id: string, fallback: boolean): CallResolution {
  const { state, number, at } = ctx;
  const group = state.dir.groups.get(id);
  const person = group ? null : state.dir.people.get(id)!;
  if (person?.role === 'switchboard') return { kind: 'ring', number, route, ring: [person.id], rule: 'DV-3' };
  const deptId = group ? group.dept : person!.dept;
  const dept = state.dir.departments.get(deptId)!;
  // PH-2 first: outside phone hours, a closure is moot
  const hours = group ? groupHours(state, group) : deptHours(state, deptId);
  if (hours && !hours.isOpen(at)) {
    const input = { name: group?.name ?? dept.name, hours, web: dept.web, digitalMail: dept.digitalMail, at };
    return { kind: 'outside-hours', number, route, deptId, rule: 'PH-2', text: { da: outsideHoursText(input, 'da'), en: outsideHoursText(input, 'en') } };
  }
  // PH-3: a closure inside phone hours: its fallback answers, else its offer
  const closure = activeClosure(state.depts.get(deptId), at);
  if (closure) {
    if (fallback && closure.offer === 'fallback' && closure.fallback && state.dir.target(closure.fallback) && !route.includes(closure.fallback)) {
      const inner = resolveAt(ctx, [...route, closure.fallback], closure.fallback, false);
      if (inner.kind === 'ring' || inner.kind === 'message') return inner;
    }
    return { kind: 'closure', number, route, deptId, closureId: closure.id, offer: closure.offer, text: closureText(dept.name, closure, at), due: callbackDue(state.dir, deptId, at).toISOString(), rule: 'PH-3' };
  }
  if (person && canAnswer(state, person.id, at)) return { kind: 'ring', number, route, ring: [person.id], rule: route.length > 1 ? 'DV-4' : 'PR-1' };
  return unansweredAt(ctx, route, id);
}

/**
 * Nobody rings at `id` inside phone hours. A person's department group rings if someone
 * there can answer (PH-4), else the caller is offered a message (AS-1, AS-3): never silence.
 */
function unansweredAt(ctx: Ctx, route: string[], id: string): CallResolution {
  const { state, number, at } = ctx;
  const group = state.dir.groups.get(id);
  if (group) {
    // whoever diverted to the group does not get their own calls back
    const ring = answeringMembers(state, group, at).filter((m) => !route.includes(m));
    if (ring.length) return { kind: 'ring', number, route, ring, rule: 'PH-4' };
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
  const person = state.dir.people.get(id)!;
  for (const g of state.dir.groupsOf(person.dept)) {
    if (route.includes(g.id)) continue;
    const ring = answeringMembers(state, g, at).filter((m) => !route.includes(m));
    if (ring.length) return { kind: 'ring', number, route: [...route, g.id], ring, rule: 'PH-4' };
  }
  return messageFor(state, number, route, person, at);
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
