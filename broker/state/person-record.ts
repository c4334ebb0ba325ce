/**
 * The hub's truth about one person. Each change produces a new record with rev + 1;
 * devices drop anything older than what they have (DESIGN principle 2).
 *
 * `status`, `onCall`, `diversion` and `absenceReason` are inputs (set by phones, the admin
 * API, calendars and the PBX). `presence` and `backAt` are derived from them and the phone
 * hours by the policy (PR-1) and stored as last published, so a time-driven change (phone
 * hours start, an absence ends) is a new revision like any other. `voicemail` comes from the
 * PBX's message-waiting reports (AS-5); its flag is set by time (broker/policy/voicemail.ts).
 */
import type { Presence } from '../../protocol/index.js';

/** Where a change came from. Every source goes through the same policy. */
export type Source = 'phone' | 'admin' | 'calendar' | 'pbx' | 'hub';

export interface DiversionRecord {
  to: string;
  since: string;
  until: string | null;
  /** DV-2: `active` until the target accepts or declines; a declined diversion is not in force */
  status: 'active' | 'accepted' | 'declined';
  declinedBy: string | null;
  source: Source;
}

/** PR-1: what the person is doing, when it is not simply being at work. */
export interface StatusRecord {
  kind: 'away' | 'absent' | 'in-meeting';
  since: string;
  /** back at; null: until further notice */
  until: string | null;
  source: Source;
  /** set the Outlook automatic reply for this absence (Microsoft Graph) */
  autoReply?: boolean;
}

/** DV-5: the "divert during the meeting?" offer on the person's phone. */
export interface MeetingPrompt {
  start: string;
  end: string;
  /** person or group id the one press diverts to */
  suggestion: string | null;
}

/**
 * AS-5: the person's mailbox as the PBX last reported it. Counts only: who called and what
 * they said stay in the PBX. Private (PR-2): only on the person's own topic.
 */
export interface VoicemailRecord {
  /** messages not yet heard */
  unheard: number;
  /** when the mailbox went from none to some unheard messages (kept while more arrive); null at 0 */
  unheardSince: string | null;
  /** AS-5: when the hub flagged it (unheard for more than a day); null: not flagged */
  flaggedAt: string | null;
}

export interface PersonRecord {
  personId: string;
  rev: number;
  /** PR-1, derived */
  presence: Presence;
  /** derived: when the person can be reached again (public, PR-2) */
  backAt: string | null;
  /** PR-2: private; only ever on the person's own topic (and so their leader's phone) */
  absenceReason: string | null;
  status: StatusRecord | null;
  /** from the PBX's call events */
  onCall: boolean;
  diversion: DiversionRecord | null;
  /** DV-5, from calendar sync */
  meetingPrompt: MeetingPrompt | null;
  /** AS-5, from a PBX that reports voicemail; absent or null: none reported (records stored before AS-5 have none) */
  voicemail?: VoicemailRecord | null;
  updatedAt: string;
}

export function initialRecord(personId: string, now: Date): PersonRecord {
  return {
    personId,
    rev: 0,
    presence: 'available',
    backAt: null,
    absenceReason: null,
    status: null,
    onCall: false,
    diversion: null,
    meetingPrompt: null,
    updatedAt: now.toISOString(),
  };
}

/** A record as stored by an older version, brought to the current shape. */
export function normalizeRecord(raw: PersonRecord): PersonRecord {
  const diversion = raw.diversion ? { ...raw.diversion, source: raw.diversion.source ?? 'phone' } : null;
  return { ...raw, status: raw.status ?? null, onCall: raw.onCall ?? false, diversion, meetingPrompt: raw.meetingPrompt ?? null };
}

/** The next revision of a record with `patch` applied. */
export function revise(rec: PersonRecord, patch: Partial<Omit<PersonRecord, 'personId' | 'rev'>>, now: Date): PersonRecord {
  return { ...rec, ...patch, rev: rec.rev + 1, updatedAt: now.toISOString() };
}

/** The person's diversion if it is in force (not declined, not past its `until`). */
export function activeDiversion(rec: PersonRecord | undefined, at?: Date): DiversionRecord | null {
  const d = rec?.diversion;
  if (!d || d.status === 'declined') return null;
  if (at && d.until !== null && Date.parse(d.until) <= at.getTime()) return null;
  return d;
}

/** The person's status if it still holds at `at`. */
export function activeStatus(rec: PersonRecord | undefined, at: Date): StatusRecord | null {
  const s = rec?.status;
  if (!s) return null;
  if (s.until !== null && Date.parse(s.until) <= at.getTime()) return null;
  return Date.parse(s.since) <= at.getTime() ? s : null;
}
