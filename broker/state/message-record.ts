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
  /**
   * AS-4: the audit trail, oldest first: the taking (the first entry), every status change, and
   * every escalation (by `hub`, the status unchanged, `escalated` naming the level and to whom).
   */
  history: MessageHistoryEntry[];
  updatedAt: string;
}

/** AS-4: 1 = the recipient's department group, 2 = the recipient's leader */
export type EscalationLevel = 1 | 2;

export interface MessageHistoryEntry {
  at: string;
  status: MessageStatus;
  by: string;
  person: string | null;
  /** AS-4: this entry is an escalation of an overdue message (absent: a status change or the taking) */
  escalated?: { level: EscalationLevel; to: string };
}

/** AS-4: one escalation step as the audit trail records it */
export interface MessageEscalation {
  level: EscalationLevel;
  /** a group id (level 1) or a person id (level 2) */
  to: string;
  at: string;
}

/** AS-4: the escalations a message has had, oldest first (read from its audit trail). */
export function escalationsOf(m: Pick<MessageRecord, 'history'>): MessageEscalation[] {
  const out: MessageEscalation[] = [];
  for (const h of m.history) if (h.escalated) out.push({ level: h.escalated.level, to: h.escalated.to, at: h.at });
  return out;
}

/** What the journal keeps of a message: who, when, where to, never the caller's data. */
export function messageJournal(m: MessageRecord): { message: string; for: string; askedFor: string | null; status: MessageStatus; rule: string; due: string; callerInformed: boolean; escalated?: MessageEscalation } {
  const esc = escalationsOf(m).at(-1);
  return { message: m.id, for: m.for, askedFor: m.askedFor, status: m.status, rule: m.rule, due: m.due, callerInformed: m.callerInformed, ...(esc ? { escalated: esc } : {}) };
}
