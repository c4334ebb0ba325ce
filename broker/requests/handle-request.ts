/**
 * Requests from devices, applied to the hub's state. Pure: no I/O, no clock of its own.
 * Returns the changed records (each with rev + 1) for the caller to commit and publish,
 * or throws OmstilError with the rule it enforces.
 */
import { OmstilError, type Request } from '../../protocol/index.js';
import type { Directory } from '../directory/directory.js';
import { checkDiversion } from '../policy/diversion.js';
import { initialRecord, revise, type PersonRecord } from '../state/person-record.js';

export interface Actor {
  deviceId: string;
  personId: string | null;
}

export interface Outcome {
  changed: PersonRecord[];
  data?: unknown;
}

export function handleRequest(dir: Directory, records: ReadonlyMap<string, PersonRecord>, actor: Actor, req: Request, now: Date): Outcome {
  const device = dir.devices.get(actor.deviceId);
  if (!device) throw new OmstilError('unknown-device', `unknown device "${actor.deviceId}"`, { field: 'device' });
  const personId = device.person;
  if (!personId) throw new OmstilError('no-person', `${req.op} needs a phone that belongs to a person; ${actor.deviceId} is a ${device.kind}`, { field: 'device' });
  const get = (id: string) => records.get(id) ?? initialRecord(id, now);
  const me = get(personId);

  switch (req.op) {
    case 'divert': {
      const { target, until = null } = req.args;
      if (until !== null && Date.parse(until) <= now.getTime()) {
        throw new OmstilError('invalid-payload', 'args.until: must be in the future', { field: 'args.until', rule: 'DV-1' });
      }
      const decision = checkDiversion(dir, records, personId, target);
      if (!decision.ok) throw new OmstilError(decision.code, decision.message, { rule: decision.rule, field: decision.field });
      const old = me.diversion;
      if (old && old.status === 'active' && old.to === target && old.until === until) {
        return { changed: [], data: { chain: decision.chain } }; // idempotent repeat
      }
      const changed = [
        revise(me, { diversion: { to: target, since: now.toISOString(), until, status: 'active', declinedBy: null } }, now),
        // DV-2: the target's own view changes (it now receives these calls)
        revise(get(target), {}, now),
      ];
      if (old && old.to !== target && old.status === 'active') changed.push(revise(get(old.to), {}, now));
      return { changed, data: { chain: decision.chain } };
    }
    case 'undivert': {
      const old = me.diversion;
      if (!old) return { changed: [] };
      const changed = [revise(me, { diversion: null }, now)];
      if (old.status === 'active') changed.push(revise(get(old.to), {}, now));
      return { changed };
    }
    case 'decline-diversion': {
      const { from } = req.args;
      if (!dir.people.has(from)) throw new OmstilError('unknown-person', `unknown person "${from}"`, { field: 'args.from', rule: 'DV-2' });
      const theirs = records.get(from)?.diversion;
      if (!theirs || theirs.status !== 'active' || theirs.to !== personId) {
        throw new OmstilError('not-diverted-to-you', `${from}'s calls are not diverted to you`, { field: 'args.from', rule: 'DV-2' });
      }
      // DV-2: a declined diversion is not in force; its owner sees who declined.
      return {
        changed: [revise(get(from), { diversion: { ...theirs, status: 'declined', declinedBy: personId } }, now), revise(me, {}, now)],
      };
    }
  }
}

/** Diversions whose `until` has passed end by themselves. */
export function expireDiversions(records: ReadonlyMap<string, PersonRecord>, now: Date): PersonRecord[] {
  // One new revision per person: a target whose own diversion also expires (a chain) must not
  // appear twice with the same rev and different contents.
  const changed = new Map<string, PersonRecord>();
  const change = (rec: PersonRecord, patch: Parameters<typeof revise>[1]) => {
    const done = changed.get(rec.personId);
    changed.set(rec.personId, done ? { ...done, ...patch } : revise(rec, patch, now));
  };
  for (const rec of records.values()) {
    const d = rec.diversion;
    if (d?.until && Date.parse(d.until) <= now.getTime()) {
      change(rec, { diversion: null });
      const target = records.get(d.to);
      if (d.status === 'active' && target) change(target, {}); // DV-2: the target's incoming list changes
    }
  }
  return [...changed.values()];
}
