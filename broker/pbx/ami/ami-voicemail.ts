/**
 * AS-5: Asterisk's `MessageWaiting` AMI event → the hub's PbxVoicemailEvent. Pure.
 *
 * Asterisk raises `MessageWaiting` (class `call`, so a session logged in with `Events: call`
 * hears it) whenever a mailbox's message-waiting state changes: a message left, heard, deleted
 * (main/mwi.c `mwi_to_ami`; AMI Events → MessageWaiting):
 *
 * ```
 * Event: MessageWaiting
 * Privilege: call,all
 * Mailbox: 1001@default
 * Waiting: 1
 * New: 2
 * Old: 5
 * ```
 *
 * `Mailbox` is `<box>@<context>` (app_voicemail's mailbox; FreePBX puts every extension's box
 * in `default`); the box is the extension. `New` is the unheard count, `Old` the heard ones.
 * Asterisk before 12 could leave `New`/`Old` out: then `Waiting` (`1`/`0`, or `Yes`/`No`) says
 * whether at least one is unheard, taken as 1 or 0. An event without a readable mailbox or
 * count is ignored (null), never guessed at.
 */
import type { Clock } from '../../../protocol/index.js';
import type { PbxVoicemailEvent } from '../pbx-port.js';
import type { AmiEventLike } from './ami-call-events.js';

/** A mailbox's box: what an extension can be (digits, and the few signs dial plans use). */
const BOX = /^[0-9A-Za-z+*#._-]{1,64}$/;
const COUNT = /^\d{1,9}$/;

export interface MailboxFilter {
  /** only mailboxes in these voicemail contexts (default: any) */
  contexts?: readonly string[];
}

/** The event a `MessageWaiting` means, or null (another event, or one that cannot be read). */
export function voicemailEvent(e: AmiEventLike, clock: Clock, filter: MailboxFilter = {}): PbxVoicemailEvent | null {
  if (e.get('Event')?.trim() !== 'MessageWaiting') return null;
  const raw = e.get('Mailbox')?.trim();
  if (!raw) return null;
  const at = raw.lastIndexOf('@');
  const box = at < 0 ? raw : raw.slice(0, at);
  const context = at < 0 ? 'default' : raw.slice(at + 1);
  if (!BOX.test(box)) return null;
  if (filter.contexts && !filter.contexts.includes(context)) return null;
  const heard = count(e.get('Old')) ?? 0;
  let unheard = count(e.get('New'));
  if (unheard === undefined) {
    const waiting = e.get('Waiting')?.trim().toLowerCase();
    if (waiting === '1' || waiting === 'yes') unheard = 1;
    else if (waiting === '0' || waiting === 'no') unheard = 0;
    else return null;
  }
  return { mailbox: box, unheard, heard, at: instantOf(e, clock) };
}

function count(v: string | undefined): number | undefined {
  const s = v?.trim();
  return s !== undefined && COUNT.test(s) ? Number(s) : undefined;
}

/** `Timestamp: 1763452800.123456` (manager.conf timestampevents=yes), else the hub's clock. */
function instantOf(e: AmiEventLike, clock: Clock): string {
  const ts = e.get('Timestamp')?.trim();
  if (ts && /^\d{9,11}(\.\d+)?$/.test(ts)) return new Date(Math.round(Number(ts) * 1000)).toISOString();
  return clock.now().toISOString();
}

/**
 * AS-5 reconcile: the answer to `Action: MailboxCount` / `Mailbox: 1001@default` → the box's counts,
 * or null when it cannot be read. main/manager.c (`action_mailboxcount`, Asterisk 1.6–21) answers
 *
 * ```
 * Response: Success
 * ActionID: …
 * Message: Mailbox Message Count
 * Mailbox: 1001@default
 * UrgMessages: 0
 * NewMessages: 2
 * OldMessages: 5
 * ```
 *
 * (the AMI docs name the urgent count `UrgentMessages`, the code writes `UrgMessages`: both are
 * read; Asterisk before 1.6 has neither). Urgent messages are unheard too, kept in their own
 * folder: app_voicemail's `MessageWaiting` reports `New` = new + urgent, and so does this.
 * A box app_voicemail does not have is counted as empty (it counts the files in the box's
 * folders), so an unknown box reads 0/0.
 */
export function mailboxCount(p: AmiEventLike): { unheard: number; heard: number } | null {
  const fresh = count(p.get('NewMessages'));
  const heard = count(p.get('OldMessages'));
  if (fresh === undefined || heard === undefined) return null;
  const urgentRaw = p.get('UrgMessages') ?? p.get('UrgentMessages');
  const urgent = urgentRaw === undefined ? 0 : count(urgentRaw);
  if (urgent === undefined) return null;
  return { unheard: fresh + urgent, heard };
}
