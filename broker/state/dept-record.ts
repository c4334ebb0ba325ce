/**
 * The hub's truth about one department beyond the directory: closures (PH-3) and peak
 * notices (PH-5). `openNow` and `today` are derived (PH-1) and stored as last published, so
 * a phone-hours change is a new revision devices can order.
 */
import type { ClosureOffer, Texts } from '../../protocol/index.js';
import type { Source } from './person-record.js';

export interface ClosureRecord {
  id: string;
  start: string;
  end: string;
  /** PH-3: ended before the planned end; announced at once */
  endedEarly: boolean;
  /** what callers hear; null: generated from the department's data */
  message: Texts | null;
  offer: ClosureOffer;
  /** for `fallback`: the person or group that answers instead */
  fallback: string | null;
  source: Source;
}

export interface PeakRecord {
  id: string;
  from: string;
  to: string;
  text: Texts;
}

export interface DeptRecord {
  deptId: string;
  rev: number;
  closures: ClosureRecord[];
  peaks: PeakRecord[];
  /** derived, as last published */
  openNow: boolean;
  /** derived: the local date `openNow`/today's hours were computed for */
  day: string;
  updatedAt: string;
}

export function initialDeptRecord(deptId: string, now: Date): DeptRecord {
  return { deptId, rev: 0, closures: [], peaks: [], openNow: false, day: '', updatedAt: now.toISOString() };
}

export function reviseDept(rec: DeptRecord, patch: Partial<Omit<DeptRecord, 'deptId' | 'rev'>>, now: Date): DeptRecord {
  return { ...rec, ...patch, rev: rec.rev + 1, updatedAt: now.toISOString() };
}

/** PH-3: the closure in force at `at`, if any. */
export function activeClosure(rec: DeptRecord | undefined, at: Date): ClosureRecord | null {
  if (!rec) return null;
  const t = at.getTime();
  for (const c of rec.closures) if (Date.parse(c.start) <= t && t < Date.parse(c.end)) return c;
  return null;
}
