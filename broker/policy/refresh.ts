/**
 * Changes that time makes by itself: diversions and absences reach their end (DV-1, PR-1),
 * phone hours open and close (PH-1), closures start and end (PH-3), a new day begins, an overdue
 * message escalates to the group, then the leader (AS-4), a mailbox unheard for more than a day
 * is flagged (AS-5); `nextDue`
 * also names the starts and expiries of broadcasts (RT-3), which the hub republishes. Pure:
 * the hub calls `refresh` when `nextDue` has passed and commits what it returns.
 */
import { reviseDept, initialDeptRecord, type DeptRecord } from '../state/dept-record.js';
import type { MessageRecord } from '../state/message-record.js';
import { revise, type PersonRecord } from '../state/person-record.js';
import { availabilityOf, deptAnswering, deptHours } from './availability.js';
import { escalateMessages, nextEscalation } from './escalation.js';
import { addDays, atLocal, localDate } from './hours/zone.js';
import { OverlayMap } from './overlay-map.js';
import type { PolicyState } from './policy-state.js';
import { flagged, voicemailFlagDue } from './voicemail.js';

export interface Refreshed {
  people: PersonRecord[];
  depts: DeptRecord[];
  /** AS-4: messages that escalated (rev + 1) */
  messages: MessageRecord[];
}

/** Closures and peaks are kept this many days after they end, then dropped. */
const KEEP_DAYS = 7;

export function refresh(state: PolicyState, at: Date): Refreshed {
  const t = at.getTime();
  const people = new Map<string, PersonRecord>();
  // one new revision per person, whatever changes it (a chain expiring at once touches some twice)
  const change = (rec: PersonRecord, patch: Partial<PersonRecord>) => {
    const done = people.get(rec.personId);
    people.set(rec.personId, done ? { ...done, ...patch } : revise(rec, patch, at));
  };
  for (const rec of state.people.values()) {
    const d = rec.diversion;
    if (d?.until && Date.parse(d.until) <= t) {
      change(rec, { diversion: null });
      const target = state.people.get(d.to);
      if (d.status !== 'declined' && target) change(target, {}); // DV-2: the target's incoming list changes
    }
    const s = rec.status;
    if (s?.until && Date.parse(s.until) <= t) change(rec, { status: null, absenceReason: null });
    // AS-5: unheard for more than a day (a hub that was down flags on its first sweep)
    const vm = flagged(rec.voicemail, at);
    if (vm) change(rec, { voicemail: vm });
  }
  // read through to the hub's state: no copy of every person each sweep
  const overlay = new OverlayMap(state.people);
  for (const [id, rec] of people) overlay.set(id, rec);
  const view: PolicyState = { ...state, people: overlay };
  for (const id of state.dir.people.keys()) {
    const rec = view.people.get(id);
    if (!rec) continue;
    const av = availabilityOf(view, rec, id, at);
    if (av.presence !== rec.presence || av.backAt !== rec.backAt || people.has(id)) change(rec, { presence: av.presence, backAt: av.backAt });
  }
  const depts: DeptRecord[] = [];
  const today = localDate(at);
  const cutoff = atLocal(addDays(today, -KEEP_DAYS), '00:00').getTime();
  const oldestPeak = addDays(today, -1);
  for (const deptId of state.dir.departments.keys()) {
    const rec = state.depts.get(deptId) ?? initialDeptRecord(deptId, at);
    const openNow = deptAnswering(state, deptId, at);
    const closures = rec.closures.filter((c) => Date.parse(c.end) >= cutoff);
    const peaks = rec.peaks.filter((p) => p.to >= oldestPeak);
    if (openNow !== rec.openNow || today !== rec.day || closures.length !== rec.closures.length || peaks.length !== rec.peaks.length || rec.rev === 0) {
      depts.push(reviseDept(rec, { openNow, day: today, closures, peaks }, at));
    }
  }
  return { people: [...people.values()], depts, messages: escalateMessages(state, at) };
}

/**
 * The instants at which time itself changes this person's record (DV-1 and PR-1 ends, an
 * absence's start, AS-5's flag), in any order, past ones included. A person's presence
 * depends only on their own record, their department's hours and the directory, so after a
 * commit that changed only people the hub's sweep is due at the earliest of these, not at once.
 */
export function personTimes(rec: PersonRecord): string[] {
  const out: string[] = [];
  for (const x of [rec.diversion?.until, rec.status?.until, rec.status?.since, voicemailFlagDue(rec.voicemail)?.toISOString()]) if (x) out.push(x);
  return out;
}

/** The earliest instant in `personTimes`, as ms; Infinity when there is none. */
export function personDue(rec: PersonRecord): number {
  return personTimes(rec).reduce((due, x) => Math.min(due, Date.parse(x)), Infinity);
}

/** The next instant at which `refresh` may change something (never later than the next local midnight). */
export function nextDue(state: PolicyState, at: Date): Date {
  const t = at.getTime();
  let due = atLocal(addDays(localDate(at), 1), '00:00').getTime();
  const consider = (iso: string | null | undefined) => {
    if (!iso) return;
    const x = Date.parse(iso);
    if (x > t && x < due) due = x;
  };
  for (const rec of state.people.values()) for (const x of personTimes(rec)) consider(x);
  for (const deptId of state.dir.departments.keys()) {
    const next = deptHours(state, deptId)?.nextChange(at);
    if (next) consider(next.toISOString());
    const rec = state.depts.get(deptId);
    for (const c of rec?.closures ?? []) {
      consider(c.start);
      consider(c.end);
    }
  }
  // RT-3: a broadcast's start and expiry change what the hub publishes (not any record)
  for (const b of state.broadcasts?.values() ?? []) {
    consider(b.start);
    consider(b.expires);
  }
  // AS-4: an overdue message's next escalation (group, then leader)
  consider(nextEscalation(state, at)?.toISOString());
  // group numbers with their own hours change people's offers but not their presence: nothing to do here
  return new Date(due);
}
