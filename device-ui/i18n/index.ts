/**
 * The device UI's words. Danish by default, English with `?lang=en`.
 * Everything a person reads passes through here; no raw codes, no stacks.
 */
import { ERROR_CODES, type ErrorCode, type Presence } from '../../protocol/index.js';
import { da } from './da.js';
import { minutesBetween, whenParts } from './format.js';
import type { Lang } from './lang.js';
import type { Messages } from './messages.js';

export { LANGS, langFromSearch, type Lang } from './lang.js';
export type { Messages, ErrorSentence } from './messages.js';
export { clockTime, whenParts, calendarDaysBetween, TIME_ZONE } from './format.js';

/** Danish is always here; English is a bundle chunk of its own, loaded when a page asks for it (`loadLang`). */
const BY_LANG: Partial<Record<Lang, Messages>> = { da };

/** The words for `lang` (Danish until `loadLang(lang)` has finished). */
export function msg(lang: Lang): Messages {
  return BY_LANG[lang] ?? da;
}

/** Loads a language's words; `msg(lang)` has them once this resolves. */
export async function loadLang(lang: Lang): Promise<void> {
  if (lang === 'en' && !BY_LANG.en) BY_LANG.en = (await import('./en.js')).en;
}

/** The policy rule each error code enforces (see POLICY.md); codes of plain faults have none. */
export const ERROR_RULES: Partial<Record<ErrorCode, string>> = {
  'unknown-device': 'RT-1',
  'unknown-person': 'RT-1',
  'no-person': 'DV-1',
  forbidden: 'PR-4',
  'self-diversion': 'DV-4',
  'switchboard-diversion': 'DV-3',
  'diversion-cycle': 'DV-4',
  'chain-too-long': 'DV-4',
  'not-diverted-to-you': 'DV-2',
  'target-unavailable': 'DV-4',
  'needs-colleague': 'DV-6',
  'unknown-department': 'RT-1',
  'unknown-closure': 'PH-3',
  'unknown-broadcast': 'RT-3',
  'too-many-broadcasts': 'RT-3',
};

const RULE_ID = /^[A-Z]{2}-\d{1,2}$/;

/** What the UI knows of a failed request: the hub's error body, or a local one. */
export interface ErrorLike {
  code: string;
  rule?: string | undefined;
  /** the hub's own sentence for people, when it has one (names who and when) */
  text?: { da: string; en: string } | undefined;
}

function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

/**
 * A sentence for an error, naming the rule it enforces:
 * "Du kan ikke viderestille til Omstillingen (DV-3). Vælg en kollega eller et gruppenummer."
 * The hub's English `message` is for logs and is never shown.
 */
export function errorText(err: ErrorLike, lang: Lang): string {
  const code: ErrorCode = isErrorCode(err.code) ? err.code : 'internal';
  const sentence = msg(lang).errors[code];
  const hubRule = err.rule && RULE_ID.test(err.rule) ? err.rule : undefined;
  const rule = ERROR_RULES[code] ?? hubRule;
  const own = typeof err.text?.[lang] === 'string' && err.text[lang].trim() ? err.text[lang].trim().replace(/\.$/, '') : null;
  if (own) return rule ? `${own} (${rule}).` : `${own}.`;
  const head = rule ? `${sentence.text} (${rule}).` : `${sentence.text}.`;
  return sentence.hint ? `${head} ${sentence.hint}` : head;
}

export function presenceName(presence: Presence, lang: Lang): string {
  return msg(lang).presence[presence];
}

/** "mandag kl. 08.00"; null for a missing or unreadable time. */
export function whenText(iso: string | null | undefined, now: Date, lang: Lang): string | null {
  if (!iso) return null;
  const parts = whenParts(iso, now, lang);
  return parts ? msg(lang).when(parts) : null;
}

/** PR-2: "Tilbage mandag kl. 08.00" — when, never why. */
export function backAtText(iso: string | null | undefined, now: Date, lang: Lang): string | null {
  const when = whenText(iso, now, lang);
  return when ? msg(lang).backAt(when) : null;
}

/** "indtil fredag kl. 16.00" */
export function untilText(iso: string | null | undefined, now: Date, lang: Lang): string | null {
  const when = whenText(iso, now, lang);
  return when ? msg(lang).until(when) : null;
}

/** "Viser oplysninger fra kl. 14.02 (for 5 min. siden)" or "Ingen oplysninger modtaget endnu". */
export function dataAgeText(asOf: string | null | undefined, now: Date, lang: Lang): string {
  const m = msg(lang);
  if (!asOf) return m.noDataYet;
  const parts = whenParts(asOf, now, lang);
  if (!parts) return m.noDataYet;
  return m.dataFrom(parts, minutesBetween(new Date(asOf), now));
}
