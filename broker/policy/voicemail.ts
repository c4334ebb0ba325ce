/**
 * AS-5: "Voicemail, where allowed, is heard at least once a day; an unheard message older than
 * that is flagged." Pure: the PBX's message-waiting reports come in through the `set-voicemail`
 * command (commands.ts), the flag is set by time in `refresh` (refresh.ts).
 *
 * What is measured is the mailbox, not each message: PBXes report message-waiting as counts
 * (Asterisk's `MessageWaiting` New/Old, SIP message-summary), never per-message ages. The clock
 * starts when the mailbox goes from none to some unheard messages and is kept while more arrive,
 * so the oldest unheard message sets it; it stops when the count reaches 0 (everything heard).
 * Hearing some but not all keeps it running: the oldest may be among those still unheard.
 */
import type { VoicemailRecord } from '../state/person-record.js';

/**
 * AS-5: "at least once a day" read as 24 hours, not "by the end of the calendar day" nor a
 * workday: a message left Friday 10:12 is flagged Saturday 10:12, and the flag waits on the phone
 * on Monday morning. Calendar days would flag a message left at 23:55 five minutes later; workdays
 * would hide a message left before a weekend for three days, which the rule's "a day" does not
 * allow.
 */
export const VOICEMAIL_FLAG_AFTER_MS = 24 * 3_600_000;

/** The state after a report of `unheard` messages at `reportedAt` (the PBX's instant, never later than `now`). */
export function nextVoicemail(old: VoicemailRecord | null | undefined, unheard: number, reportedAt: Date, now: Date): VoicemailRecord {
  if (unheard === 0) return { unheard: 0, unheardSince: null, flaggedAt: null };
  const since = old && old.unheard > 0 && old.unheardSince !== null ? old.unheardSince : new Date(Math.min(reportedAt.getTime(), now.getTime())).toISOString();
  const next: VoicemailRecord = { unheard, unheardSince: since, flaggedAt: old && old.unheard > 0 ? old.flaggedAt : null };
  return flagged(next, now) ?? next;
}

/** When an unflagged mailbox is to be flagged (AS-5), or null: nothing unheard, or flagged already. */
export function voicemailFlagDue(v: VoicemailRecord | null | undefined): Date | null {
  if (!v || v.unheard === 0 || v.unheardSince === null || v.flaggedAt !== null) return null;
  const since = Date.parse(v.unheardSince);
  return Number.isNaN(since) ? null : new Date(since + VOICEMAIL_FLAG_AFTER_MS);
}

/** The flagged state if the flag is due at `at` (AS-5), else null. `flaggedAt` is when the hub flagged it. */
export function flagged(v: VoicemailRecord | null | undefined, at: Date): VoicemailRecord | null {
  const due = voicemailFlagDue(v);
  if (!v || due === null || due.getTime() > at.getTime()) return null;
  return { ...v, flaggedAt: at.toISOString() };
}

export function sameVoicemail(a: VoicemailRecord | null | undefined, b: VoicemailRecord | null | undefined): boolean {
  if (!a || !b) return (a ?? null) === (b ?? null);
  return a.unheard === b.unheard && a.unheardSince === b.unheardSince && a.flaggedAt === b.flaggedAt;
}
