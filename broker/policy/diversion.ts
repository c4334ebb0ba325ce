/**
 * Diversion decisions (DV-1, DV-3, DV-4). Pure: state, directory and time in, decision out.
 * Every source of change (phone, admin API, calendar, PBX-side forward) is checked here.
 */
import type { Suggestion } from '../../protocol/index.js';
import { activeClosure } from '../state/dept-record.js';
import { activeDiversion, activeStatus, type PersonRecord } from '../state/person-record.js';
import { answeringMembers, availabilityOf, deptHours, groupHours } from './availability.js';
import { formatClock, formatDate } from './hours/hours-text.js';
import { localDate, localTime } from './hours/zone.js';
import type { PolicyState } from './policy-state.js';
import { refusal, type Refusal } from './refusal.js';

export type Decision = { ok: true; chain: string[] } | Refusal;

export interface DiversionOptions {
  /** where the error points in the request (`args.target`, `args.divertTo`) */
  field?: string;
  /** look for a colleague to suggest when the target cannot answer (DV-4) */
  suggest?: boolean;
}

/**
 * May `fromId` divert to `toId` (a person or a group) at `at`? On success, `chain` is where a
 * call to `fromId` goes after each hop; its last element answers.
 */
export function checkDiversion(state: PolicyState, fromId: string, toId: string, at: Date, opts: DiversionOptions = {}): Decision {
  const field = opts.field ?? 'args.target';
  const { dir, people } = state;
  const from = dir.people.get(fromId);
  if (!from) return refusal('unknown-person', 'RT-1', 'person', { da: `Ukendt person "${fromId}".`, en: `unknown person "${fromId}"` });
  const target = dir.target(toId);
  if (!target) return refusal('unknown-person', 'RT-1', field, { da: `Ukendt kollega eller gruppe "${toId}".`, en: `unknown person or group "${toId}"` });
  if (toId === fromId) return refusal('self-diversion', 'DV-4', field, { da: 'Du kan ikke viderestille til dig selv.', en: 'a phone cannot be diverted to itself' });

  const agreement = dir.departments.get(from.dept)?.switchboardAgreement ?? false;
  const upstream = hopsInto(people, fromId, at);
  const chain = [toId];
  let current = toId;
  for (;;) {
    const person = dir.people.get(current);
    // DV-3: never back to the switchboard, unless the department has an agreement; calls
    // already diverted to the diverter would end there too, so their departments need one as well
    if (person?.role === 'switchboard') {
      const without = agreement ? [...upstreamOf(people, fromId, at)].map((id) => dir.people.get(id)).find((p) => p && !dir.departments.get(p.dept)?.switchboardAgreement) : from;
      if (without) {
        const via = without.id === fromId ? '' : ` (${without.name}s opkald går via ${from.name})`;
        const viaEn = without.id === fromId ? '' : ` (${without.name}'s calls come through ${from.name})`;
        return refusal('switchboard-diversion', 'DV-3', field, {
          da: `Opkald må ikke sendes tilbage til ${person.name}${via}.`,
          en: `calls may not be sent back to the switchboard (${person.name})${viaEn}`,
        });
      }
    }
    const next = activeDiversion(people.get(current), at)?.to;
    if (next === undefined) break;
    // DV-4: refuse cycles
    if (next === fromId || chain.includes(next)) {
      return refusal('diversion-cycle', 'DV-4', field, {
        da: `${dir.nameOf(toId)} er viderestillet videre, så opkaldene ville gå i ring tilbage til ${from.name}.`,
        en: `${dir.nameOf(toId)}'s phone leads back to ${from.name}: the calls would go round in circles`,
      });
    }
    chain.push(next);
    current = next;
  }
  // DV-4 counts the whole path a call takes: people already diverted to `fromId` add their hops
  const maxHops = dir.settings.maxHops;
  if (upstream + chain.length > maxHops) {
    return refusal('chain-too-long', 'DV-4', field, {
      da: `Opkaldene ville passere mere end ${maxHops} telefoner, før nogen svarer.`,
      en: `the calls would pass more than ${maxHops} phones before anyone answers`,
    });
  }
  // DV-4: the target itself must be able to take the calls (an absent colleague is not a
  // relay), and so must the end of its chain
  const unavailable = endUnavailable(state, fromId, toId, at) ?? (current !== toId ? endUnavailable(state, fromId, current, at) : null);
  if (unavailable) {
    const instead = opts.suggest === false ? undefined : (coverOf(state, fromId, toId, at) ?? suggestTarget(state, fromId, at, new Set([toId, current])));
    return refusal(
      'target-unavailable',
      'DV-4',
      field,
      {
        da: unavailable.da + (instead ? ` Prøv ${instead.name}.` : ''),
        en: unavailable.en + (instead ? ` Try ${instead.name}.` : ''),
      },
      instead,
    );
  }
  return { ok: true, chain };
}

/**
 * DV-4: calls reach a diversion's end when the diverter's own phone hours run. So the end
 * is checked now if the diverter's department answers now, else at its next opening.
 */
function whenCallsCome(state: PolicyState, fromId: string, at: Date): Date {
  const person = state.dir.people.get(fromId);
  const hours = person ? deptHours(state, person.dept) : null;
  if (!hours || hours.isOpen(at)) return at;
  return hours.nextChange(at) ?? at;
}

/** Why the end of a chain cannot answer (absent, off-hours, department closed), or null. */
function endUnavailable(state: PolicyState, fromId: string, endId: string, at: Date): { da: string; en: string } | null {
  const { dir } = state;
  const when = whenCallsCome(state, fromId, at);
  const group = dir.groups.get(endId);
  if (group) {
    if (!groupHours(state, group).isOpen(when)) {
      return { da: `${group.name} har ikke telefontid, når dine opkald kommer.`, en: `${group.name} is outside its phone hours when your calls come` };
    }
    if (activeClosure(state.depts.get(group.dept), when)) {
      return { da: `${group.name} er lukket (PH-3).`, en: `${group.name} is closed (PH-3)` };
    }
    // a group needs at least one member who is not absent
    const someone = group.members.some((m) => m !== fromId && activeStatus(state.people.get(m), when)?.kind !== 'absent');
    return someone ? null : { da: `Ingen i ${group.name} er til stede.`, en: `nobody in ${group.name} is present` };
  }
  const person = dir.people.get(endId)!;
  if (person.role === 'switchboard') return null;
  const av = availabilityOf(state, state.people.get(endId), endId, when);
  const back = av.backAt ? backText(new Date(av.backAt)) : null;
  if (av.presence === 'absent') {
    return {
      da: `${person.name} er fraværende${back ? ` til ${back.da}` : ''}.`,
      en: `${person.name} is absent${back ? ` until ${back.en}` : ''}`,
    };
  }
  if (av.presence === 'off-hours') {
    return { da: `${person.name} har ikke telefontid, når dine opkald kommer.`, en: `${person.name} is outside their phone hours when your calls come` };
  }
  if (activeClosure(state.depts.get(person.dept), when)) {
    const dept = dir.departments.get(person.dept)?.name ?? person.dept;
    return { da: `${dept} er lukket, så ${person.name} kan ikke tage dine opkald.`, en: `${dept} is closed, so ${person.name} cannot take your calls` };
  }
  return null;
}

function backText(at: Date): { da: string; en: string } {
  const day = localDate(at);
  const time = localTime(at);
  return { da: `${formatDate(day, 'da')} kl. ${formatClock(time, 'da')}`, en: `${formatDate(day, 'en')} at ${formatClock(time, 'en')}` };
}

/** The colleague already taking an unavailable target's calls, when a diversion to them is allowed. */
function coverOf(state: PolicyState, fromId: string, targetId: string, at: Date): Suggestion | undefined {
  const cover = activeDiversion(state.people.get(targetId), at)?.to;
  if (!cover || cover === fromId) return undefined;
  return checkDiversion(state, fromId, cover, at, { suggest: false }).ok ? { id: cover, name: state.dir.nameOf(cover) } : undefined;
}

/**
 * DV-4's "next suggestion": the first of the person's preferred colleagues, then their
 * department's colleagues, then its group numbers, that a diversion may go to now.
 */
export function suggestTarget(state: PolicyState, fromId: string, at: Date, exclude: ReadonlySet<string> = new Set()): Suggestion | undefined {
  const { dir } = state;
  const from = dir.people.get(fromId);
  if (!from) return undefined;
  const candidates = [
    ...from.preferred,
    ...dir.membersOf(from.dept).filter((p) => p.role === 'employee').map((p) => p.id),
    ...dir.groupsOf(from.dept).map((g) => g.id),
  ];
  const seen = new Set<string>([fromId, ...exclude]);
  for (const id of candidates) {
    if (seen.has(id)) continue;
    seen.add(id);
    const decision = checkDiversion(state, fromId, id, at, { suggest: false });
    if (!decision.ok) continue;
    const end = decision.chain[decision.chain.length - 1]!;
    const group = dir.groups.get(end);
    // prefer someone who answers right now
    if (group ? answeringMembers(state, group, at).length > 0 || !groupHours(state, group).isOpen(at) : isPresent(state, end, at)) {
      return { id, name: dir.nameOf(id) };
    }
  }
  return undefined;
}

function isPresent(state: PolicyState, personId: string, at: Date): boolean {
  const p = availabilityOf(state, state.people.get(personId), personId, at).presence;
  return p === 'available' || p === 'on-call' || p === 'off-hours';
}

/** Everyone whose calls reach `personId` through diversions in force. */
function upstreamOf(records: ReadonlyMap<string, PersonRecord>, personId: string, at: Date): Set<string> {
  const found = new Set<string>();
  const queue = [personId];
  while (queue.length) {
    const to = queue.pop()!;
    for (const rec of records.values()) {
      if (activeDiversion(rec, at)?.to === to && !found.has(rec.personId) && rec.personId !== personId) {
        found.add(rec.personId);
        queue.push(rec.personId);
      }
    }
  }
  return found;
}

/** The longest run of diversions in force that ends at `personId` (0 when nobody diverts to them). */
export function hopsInto(records: ReadonlyMap<string, PersonRecord>, personId: string, at?: Date, seen = new Set<string>()): number {
  seen.add(personId);
  let longest = 0;
  for (const rec of records.values()) {
    if (activeDiversion(rec, at)?.to === personId && !seen.has(rec.personId)) {
      longest = Math.max(longest, 1 + hopsInto(records, rec.personId, at, seen));
    }
  }
  return longest;
}
