/**
 * AS-1..AS-4 on the phone: the messages waiting for a call-back, as the screen lists them.
 * Pure: no DOM, no lit, `now` passed in (test/device-ui/message-model.test.ts).
 */
import type { CallbackMessage, DeviceView, PersonOwn } from '../protocol/index.js';

export interface MessageRow {
  message: CallbackMessage;
  /** AS-2/AS-4: the call-back is late (due at or before now, and not done) */
  overdue: boolean;
  /** PH-4: the message is for a function number I am a member of: its name */
  forGroup: string | null;
  /** AS-3: the caller asked for someone else, and it came to me: their name */
  askedFor: string | null;
  /** AS-4: overdue and escalated: sent on to me (`toMe`: from whom) or on from me (to whom); null: not escalated */
  escalation: MessageEscalationRow | null;
}

export interface MessageEscalationRow {
  level: 1 | 2;
  /** it came to me by escalation: `name` is who it was for; else `name` is where it went */
  toMe: boolean;
  name: string;
  /** AS-2: the due time it passed */
  overdueSince: string;
}

/** AS-4: what an escalated message says on this phone. */
export function escalationRow(m: CallbackMessage): MessageEscalationRow | null {
  const e = m.escalation;
  if (!e) return null;
  return { level: e.level, toMe: e.toMe, name: e.toMe ? e.fromName : e.toName, overdueSince: e.overdueSince };
}

/** AS-2: due at or before `now` and not yet called back. */
export function isOverdue(m: Pick<CallbackMessage, 'due' | 'status'>, now: Date): boolean {
  if (m.status === 'done') return false;
  const due = Date.parse(m.due);
  return Number.isFinite(due) && due <= now.getTime();
}

function byDue(a: CallbackMessage, b: CallbackMessage): number {
  return Date.parse(a.due) - Date.parse(b.due) || Date.parse(a.takenAt) - Date.parse(b.takenAt) || a.id.localeCompare(b.id);
}

/** The messages still to call back, oldest due first (done ones are left out). */
export function messageRows(me: PersonOwn | null | undefined, now: Date): MessageRow[] {
  if (!me) return [];
  return me.messages
    .filter((m) => m.status !== 'done')
    .sort(byDue)
    .map((message) => ({
      message,
      overdue: isOverdue(message, now),
      // AS-4: a message escalated to me names whom it was for in its escalation line instead
      forGroup: message.for !== me.personId && !message.escalation?.toMe ? message.forName : null,
      askedFor: message.askedFor !== null && message.askedFor !== message.for && message.askedFor !== me.personId ? (message.askedForName ?? message.askedFor) : null,
      escalation: escalationRow(message),
    }));
}

export interface MessageCounts {
  /** still to call back (waiting or acknowledged) */
  open: number;
  /** not yet seen */
  waiting: number;
  overdue: number;
}

export function messageCounts(me: PersonOwn | null | undefined, now: Date): MessageCounts {
  const rows = messageRows(me, now);
  return { open: rows.length, waiting: rows.filter((r) => r.message.status === 'waiting').length, overdue: rows.filter((r) => r.overdue).length };
}

export type TakenBy = { kind: 'reception' } | { kind: 'name'; name: string } | { kind: 'unnamed' };

/**
 * Who took the message, for people: a reception terminal as "reception", a phone as its
 * person's name (the hub sends the name; a `phone-<id>` the view knows becomes the name), a
 * system actor (`admin:…`, `calendar:…`) as nobody in particular, anything else as it is.
 */
export function takenBy(m: Pick<CallbackMessage, 'takenBy'>, view: DeviceView | null | undefined): TakenBy {
  const raw = m.takenBy.trim();
  if (/^kiosk-/.test(raw)) return { kind: 'reception' };
  if (raw === '' || /^[a-z]+:/.test(raw)) return { kind: 'unnamed' };
  const phone = /^phone-(.+)$/.exec(raw);
  if (phone) {
    const me = view?.me;
    const p = view?.people.find((x) => x.personId === phone[1]) ?? (me?.personId === phone[1] ? me : undefined);
    if (p) return { kind: 'name', name: p.name };
  }
  return { kind: 'name', name: raw };
}
