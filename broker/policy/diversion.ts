/**
 * Diversion rules that the walking skeleton enforces: DV-3 (never back to the switchboard)
 * and the basic DV-4 (not to oneself, no cycle, at most MAX_HOPS hops).
 * Pure: directory and state in, decision out. The full policy engine grows here.
 */
import type { Directory } from '../directory/directory.js';
import { activeDiversion, type PersonRecord } from '../state/person-record.js';
import type { ErrorCode } from '../../protocol/index.js';

/** DV-4: a diversion may follow at most this many hops in all, the new one included. */
export const MAX_HOPS = 3;

export type Decision =
  | { ok: true; chain: string[] }
  | { ok: false; code: ErrorCode; rule: string; message: string; field: string };

/**
 * May `fromId` divert to `toId` now? On success, `chain` is where a call to `fromId` ends
 * up after each hop (the last element answers).
 */
export function checkDiversion(dir: Directory, records: ReadonlyMap<string, PersonRecord>, fromId: string, toId: string): Decision {
  const refuse = (code: ErrorCode, rule: string, message: string): Decision => ({ ok: false, code, rule, message, field: 'args.target' });
  const from = dir.people.get(fromId);
  const to = dir.people.get(toId);
  if (!from) return { ok: false, code: 'unknown-person', rule: 'RT-1', message: `unknown person "${fromId}"`, field: 'person' };
  if (!to) return refuse('unknown-person', 'RT-1', `unknown person "${toId}"`);
  if (toId === fromId) return refuse('self-diversion', 'DV-4', 'a phone cannot be diverted to itself');

  const agreement = dir.departments.get(from.dept)?.switchboardAgreement ?? false;
  // DV-4 counts the whole path a call takes: people already diverted to `fromId` add their hops
  const upstream = hopsInto(records, fromId);
  const chain = [toId];
  let current = toId;
  for (;;) {
    const person = dir.people.get(current);
    if (person?.role === 'switchboard' && !agreement) {
      return refuse('switchboard-diversion', 'DV-3', `calls may not be sent back to the switchboard (${person.name})`);
    }
    const next = activeDiversion(records.get(current))?.to;
    if (next === undefined) break;
    if (next === fromId || chain.includes(next)) {
      return refuse('diversion-cycle', 'DV-4', `${to.name}'s phone leads back to ${from.name}: the calls would go round in circles`);
    }
    chain.push(next);
    current = next;
  }
  if (upstream + chain.length > MAX_HOPS) {
    return refuse('chain-too-long', 'DV-4', `the calls would pass more than ${MAX_HOPS} phones before anyone answers`);
  }
  return { ok: true, chain };
}

/** The longest run of diversions in force that ends at `personId` (0 when nobody diverts to them). */
function hopsInto(records: ReadonlyMap<string, PersonRecord>, personId: string, seen = new Set<string>()): number {
  seen.add(personId);
  let longest = 0;
  for (const rec of records.values()) {
    if (activeDiversion(rec)?.to === personId && !seen.has(rec.personId)) {
      longest = Math.max(longest, 1 + hopsInto(records, rec.personId, seen));
    }
  }
  return longest;
}
