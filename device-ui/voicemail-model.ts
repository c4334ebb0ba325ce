/**
 * AS-5 on the phone: the mailbox the PBX reports, as the screen shows it. Pure: no DOM, no lit,
 * `now` passed in (test/device-ui/voicemail-model.test.ts). The flag is the hub's decision
 * (`flaggedAt`, set when the mailbox has been unheard for more than a day); the screen does not
 * second-guess it by its own clock.
 */
import type { OwnVoicemail, PersonOwn } from '../protocol/index.js';
import { calendarDaysBetween, clockTime, weekday, weekdayDate } from './i18n/format.js';
import type { Lang } from './i18n/lang.js';

/** A past instant in the words a person uses for it: "kl. 10.12", "i går kl. 10.12", "tirsdag kl. 10.12". */
export type SinceParts =
  | { kind: 'today'; time: string }
  | { kind: 'yesterday'; time: string }
  | { kind: 'weekday'; day: string; time: string }
  | { kind: 'date'; day: string; time: string };

export interface VoicemailState {
  unheard: number;
  /** AS-5: unheard for more than a day (the hub flagged it) */
  flagged: boolean;
  /** since when there have been unheard messages (the oldest), in words; null when unknown */
  since: SinceParts | null;
  /** the same instant as ISO, for data attributes */
  sinceIso: string | null;
}

/** Splits a past instant relative to `now` (Europe/Copenhagen): today, yesterday, within the last week, else the date. */
export function sinceParts(iso: string, now: Date, lang: Lang): SinceParts | null {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return null;
  const time = clockTime(when, lang);
  const days = calendarDaysBetween(now, when);
  if (days >= 0) return { kind: 'today', time };
  if (days === -1) return { kind: 'yesterday', time };
  if (days > -7) return { kind: 'weekday', day: weekday(when, lang), time };
  return { kind: 'date', day: weekdayDate(when, lang), time };
}

/** What the phone shows about the mailbox, or null: none reported, or nothing unheard. */
export function voicemailState(me: Pick<PersonOwn, 'voicemail'> | null | undefined, now: Date, lang: Lang): VoicemailState | null {
  const v: OwnVoicemail | undefined = me?.voicemail;
  if (!v || v.unheard <= 0) return null;
  return {
    unheard: v.unheard,
    flagged: v.flaggedAt !== null,
    since: v.unheardSince ? sinceParts(v.unheardSince, now, lang) : null,
    sinceIso: v.unheardSince,
  };
}
