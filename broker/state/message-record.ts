/**
 * AS-1..AS-4: a message taken for someone to call back. The hub keeps every message, done
 * ones too (the audit trail); only waiting and acknowledged ones are shown, and only on the
 * own topics of the people who are to call back. Caller name, number and text are personal
 * data: they live in this record and nowhere else (not in the journal, never on a public topic).
 */
import type { Source } from './person-record.js';

/** AS-4: only ever moves forward, waiting → acknowledged → done; done is final */
export type MessageStatus = 'waiting' | 'acknowledged' | 'done';
export const MESSAGE_STATUS_ORDER: readonly MessageStatus[] = ['waiting', 'acknowledged', 'done'];

export interface MessageRecord {
  id: string;
  rev: number;
  /** who is to call back: a person or a group (function number), after AS-3 */
  for: string;
  /** who the caller asked for, when AS-3 sent the message to someone else; else null */
  askedFor: string | null;
  callerName: string;
  callerNumber: string;
  text: string;
  /** AS-3: the caller was told the person is away and wanted the message left for them anyway */
  callerInformed: boolean;
  /** who took it: the actor as the journal names it (a device id, `admin:api`), its source, and the phone's person (null for a kiosk) */
  takenBy: { actor: string; source: Source; person: string | null };
  takenAt: string;
  /** AS-2 */
  due: string;
  /** 'AS-1', or 'AS-3' when it went to someone other than who was asked for */
  rule: string;
  status: MessageStatus;
  /** AS-4: every status change, oldest first (the taking is the first entry) */
  history: { at: string; status: MessageStatus; by: string; person: string | null }[];
  updatedAt: string;
}

/** What the journal keeps of a message: who, when, where to, never the caller's data. */
export function messageJournal(m: MessageRecord): { message: string; for: string; askedFor: string | null; status: MessageStatus; rule: string; due: string; callerInformed: boolean } {
  return { message: m.id, for: m.for, askedFor: m.askedFor, status: m.status, rule: m.rule, due: m.due, callerInformed: m.callerInformed };
}
