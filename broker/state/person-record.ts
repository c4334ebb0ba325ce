/**
 * The hub's truth about one person. Each change produces a new record with rev + 1;
 * devices drop anything older than what they have (DESIGN principle 2).
 */
import type { Presence } from '../../protocol/index.js';

export interface DiversionRecord {
  to: string;
  since: string;
  until: string | null;
  /** DV-2: a declined diversion stays visible to its owner but is not in force */
  status: 'active' | 'declined';
  declinedBy: string | null;
}

export interface PersonRecord {
  personId: string;
  rev: number;
  presence: Presence;
  backAt: string | null;
  /** PR-2: private; only ever on the person's own topic */
  absenceReason: string | null;
  diversion: DiversionRecord | null;
  updatedAt: string;
}

export function initialRecord(personId: string, now: Date): PersonRecord {
  return {
    personId,
    rev: 0,
    presence: 'available',
    backAt: null,
    absenceReason: null,
    diversion: null,
    updatedAt: now.toISOString(),
  };
}

/** The next revision of a record with `patch` applied. */
export function revise(rec: PersonRecord, patch: Partial<Omit<PersonRecord, 'personId' | 'rev'>>, now: Date): PersonRecord {
  return { ...rec, ...patch, rev: rec.rev + 1, updatedAt: now.toISOString() };
}

/**
 * The person's diversion if it is in force (not declined). A diversion whose `until` has
 * passed is ended by the hub's sweep (every second), which bumps the revision and tells devices.
 */
export function activeDiversion(rec: PersonRecord | undefined): DiversionRecord | null {
  return rec?.diversion?.status === 'active' ? rec.diversion : null;
}
