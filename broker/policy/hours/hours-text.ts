/**
 * PH-2: what callers hear outside phone hours, and the phrases reports and screens use for
 * phone hours — all generated from the expression, in Danish (default) and English.
 */
import type { ClockRange, PhoneHours, WeekdayHours } from './phone-hours.js';
import { addDays, dateParts, localDate, localTime, weekday } from './zone.js';

export type Lang = 'da' | 'en';

const WEEKDAYS: Record<Lang, readonly string[]> = {
  da: ['mandag', 'tirsdag', 'onsdag', 'torsdag', 'fredag', 'lørdag', 'søndag'],
  en: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
};
const MONTHS: Record<Lang, readonly string[]> = {
  da: ['januar', 'februar', 'marts', 'april', 'maj', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'december'],
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
};

/** '08:00' → da '8.00', en '08:00'. */
export function formatClock(time: string, lang: Lang): string {
  if (lang === 'en') return time;
  const [h, m] = time.split(':');
  return `${Number(h)}.${m}`;
}

/** da '8.00-16.00', en '08:00-16:00'. */
export function formatRange(range: ClockRange, lang: Lang): string {
  return `${formatClock(range.from, lang)}-${formatClock(range.to, lang)}`;
}

/** A day's ranges: da '8.00-12.00 og 13.00-16.00'. */
export function formatRanges(open: readonly ClockRange[], lang: Lang): string {
  const parts = open.map((r) => formatRange(r, lang));
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} ${lang === 'da' ? 'og' : 'and'} ${parts[parts.length - 1]}`;
}

/** 1 = Monday … 7 = Sunday → da 'mandag', en 'Monday'. */
export function weekdayName(day: number, lang: Lang): string {
  const name = WEEKDAYS[lang][day - 1];
  if (name === undefined) throw new RangeError(`not a weekday: ${day}`);
  return name;
}

/** da '2. april', en '2 April'. */
export function formatDayMonth(date: string, lang: Lang): string {
  const [, m, d] = dateParts(date);
  return lang === 'da' ? `${d}. ${MONTHS.da[m - 1]}` : `${d} ${MONTHS.en[m - 1]}`;
}

/** da 'tirsdag 2. april', en 'Tuesday 2 April'. */
export function formatDate(date: string, lang: Lang): string {
  return `${weekdayName(weekday(date), lang)} ${formatDayMonth(date, lang)}`;
}

/** The same ranges on every day of a run. */
function sameOpen(a: readonly ClockRange[], b: readonly ClockRange[]): boolean {
  return a.length === b.length && a.every((r, i) => r.from === b[i]!.from && r.to === b[i]!.to);
}

/**
 * PH-2: a week in one line, consecutive days with the same hours merged and closed days left
 * out: da 'mandag 8.00-18.00, tirsdag-torsdag 8.00-16.00, fredag 8.00-14.00'. Empty when the
 * line is closed all week.
 */
export function formatWeekSummary(week: readonly WeekdayHours[], lang: Lang): string {
  const days = [...week].sort((a, b) => a.weekday - b.weekday);
  const parts: string[] = [];
  for (let i = 0; i < days.length; ) {
    let j = i;
    while (j + 1 < days.length && days[j + 1]!.weekday === days[j]!.weekday + 1 && sameOpen(days[j + 1]!.open, days[i]!.open)) j++;
    const first = days[i]!;
    if (first.open.length > 0) {
      const span = j > i ? `${weekdayName(first.weekday, lang)}-${weekdayName(days[j]!.weekday, lang)}` : weekdayName(first.weekday, lang);
      parts.push(`${span} ${formatRanges(first.open, lang)}`);
    }
    i = j + 1;
  }
  return parts.join(', ');
}

/**
 * When `target` is, seen from `at`, for a sentence: 'spoken' says 'i morgen kl. 8.00' /
 * 'mandag kl. 8.00' (the date only when more than six days away); 'dated' says 'kl. 16.00'
 * today and 'tirsdag 2. april kl. 8.00' otherwise.
 */
export function formatWhen(at: Date, target: Date, lang: Lang, style: 'spoken' | 'dated' = 'spoken'): string {
  const da = lang === 'da';
  const today = localDate(at);
  const day = localDate(target);
  const clock = `${da ? 'kl.' : 'at'} ${formatClock(localTime(target), lang)}`;
  const on = da ? '' : 'on ';
  if (day === today) return style === 'spoken' ? `${da ? 'i dag' : 'today'} ${clock}` : clock;
  if (style === 'spoken') {
    if (day === addDays(today, 1)) return `${da ? 'i morgen' : 'tomorrow'} ${clock}`;
    if (day <= addDays(today, 6)) return `${on}${weekdayName(weekday(day), lang)} ${clock}`;
  }
  return `${on}${formatDate(day, lang)} ${clock}`;
}

/** The next time the line opens after `at` (after the current opening if it is open now). */
export function nextOpening(hours: PhoneHours, at: Date): Date | null {
  if (!hours.isOpen(at)) return hours.nextChange(at);
  const closes = hours.nextChange(at);
  return closes && hours.nextChange(closes);
}

/** Report line: da 'Åben nu, lukker kl. 16.00' / 'Lukket nu, åbner tirsdag 2. april kl. 8.00'. */
export function openNowText(hours: PhoneHours, at: Date, lang: Lang): string {
  const open = hours.isOpen(at);
  const change = hours.nextChange(at);
  if (lang === 'da') {
    if (open) return change ? `Åben nu, lukker ${formatWhen(at, change, lang, 'dated')}` : 'Åben nu';
    return change ? `Lukket nu, åbner ${formatWhen(at, change, lang, 'dated')}` : 'Lukket nu, ingen telefontid det næste år';
  }
  if (open) return change ? `Open now, closes ${formatWhen(at, change, lang, 'dated')}` : 'Open now';
  return change ? `Closed now, opens ${formatWhen(at, change, lang, 'dated')}` : 'Closed now, no phone hours within a year';
}

/**
 * PH-1: what the expression does on public holidays, as a sentence: 'Lukket på helligdage.'
 * when it closes them, their hours when they are the same every day, null when holidays are
 * not treated differently (or differ from weekday to weekday).
 */
export function holidayText(hours: PhoneHours, at: Date, lang: Lang): string | null {
  if (!hours.mentionsHolidays) return null;
  const onHolidays = hours.holidayWeek(at);
  const ordinary = hours.typicalWeek(at);
  if (onHolidays.every((d, i) => sameOpen(d.open, ordinary[i]!.open))) return null;
  if (onHolidays.every((d) => d.open.length === 0)) return lang === 'da' ? 'Lukket på helligdage.' : 'Closed on public holidays.';
  const first = onHolidays[0]!.open;
  if (onHolidays.every((d) => sameOpen(d.open, first))) {
    return lang === 'da' ? `På helligdage ${formatRanges(first, lang)}.` : `On public holidays ${formatRanges(first, lang)}.`;
  }
  return null;
}

export interface OutsideHoursInfo {
  /** department or function, as callers know it */
  name: string;
  hours: PhoneHours;
  web: string | null;
  digitalMail: boolean;
  at: Date;
}

/** PH-2: where else callers can turn. */
function alternativesText(web: string | null, digitalMail: boolean, lang: Lang): string | null {
  if (lang === 'da') {
    if (digitalMail && web) return `Du kan også skrive til os med Digital Post eller læse mere på ${web}.`;
    if (digitalMail) return 'Du kan også skrive til os med Digital Post.';
    if (web) return `Du kan også læse mere på ${web}.`;
    return null;
  }
  if (digitalMail && web) return `You can also write to us via Digital Post or read more at ${web}.`;
  if (digitalMail) return 'You can also write to us via Digital Post.';
  if (web) return `You can also read more at ${web}.`;
  return null;
}

/**
 * PH-2: the short message callers hear outside phone hours (PBX, voicebot, reception
 * terminal): closed now, when it opens, the week's phone hours, holidays, the alternatives.
 */
export function outsideHoursText(info: OutsideHoursInfo, lang: Lang = 'da'): string {
  const { name, hours, at } = info;
  const opens = nextOpening(hours, at);
  const summary = formatWeekSummary(hours.typicalWeek(at), lang);
  const da = lang === 'da';
  const sentences = [
    da ? `Du har ringet til ${name} uden for telefontiden.` : `You have called ${name} outside phone hours.`,
    opens ? (da ? `Vi åbner igen ${formatWhen(at, opens, lang)}.` : `We open again ${formatWhen(at, opens, lang)}.`) : null,
    summary ? (da ? `Telefontid: ${summary}.` : `Phone hours: ${summary}.`) : null,
    holidayText(hours, at, lang),
    alternativesText(info.web, info.digitalMail, lang),
  ];
  return sentences.filter((s): s is string => s !== null).join(' ');
}
