/**
 * What the screens show at the top right now: a crisis broadcast (RT-3) on every screen; on
 * a phone also its own department's active closure (PH-3) and expected peak (PH-5). Pure,
 * `now` passed in (test/device-ui/banner-model.test.ts); om-banners only renders the list.
 */
import type { DeptPublic, DeviceView } from '../protocol/index.js';
import { addDays, copenhagenDate, copenhagenInstant, isDate } from './absence-model.js';
import { broadcastBanners } from './broadcast-model.js';

export { activeBroadcasts, broadcastBanners } from './broadcast-model.js';
import { weekdayDate } from './i18n/format.js';
import { msg, untilText, type Lang } from './i18n/index.js';

export type BannerKind = 'crisis' | 'closure' | 'peak';

export interface Banner {
  /** stable across renders: `<kind>:<id>` */
  key: string;
  kind: BannerKind;
  /** the policy rule it comes from, for data-rule */
  rule: 'RT-3' | 'PH-3' | 'PH-5';
  title: string;
  /** what callers get, or the department's note; may be empty */
  text: string;
  /** the language of `text` when it is not the screen's (a Danish broadcast on an English screen) */
  textLang?: Lang;
  /** "indtil kl. 12.00" / "til og med onsdag 25. november"; null without an end */
  until: string | null;
  /** the end as an ISO time or a date, for tests (data-end) */
  end: string | null;
}

/** Crisis first, then closures, then peaks. */
const ORDER: Record<BannerKind, number> = { crisis: 0, closure: 1, peak: 2 };

/**
 * PH-3: closures in force at `now` (started, not yet ended). One ended early is over at once,
 * even while the screen's clock (which ticks every few seconds) has not reached its new end.
 */
export function activeClosures(dept: DeptPublic, now: Date): DeptPublic['closures'] {
  const t = now.getTime();
  return dept.closures.filter((c) => !c.endedEarly && Date.parse(c.start) <= t && t < Date.parse(c.end));
}

/** PH-5: peaks whose dates include today (Copenhagen). */
export function activePeaks(dept: DeptPublic, now: Date): DeptPublic['peaks'] {
  const today = copenhagenDate(now);
  return dept.peaks.filter((p) => p.from <= today && today <= p.to);
}

/** "i dag", "i morgen" or "onsdag 25. november" for a Copenhagen date. */
export function dayText(date: string, now: Date, lang: Lang): string {
  const m = msg(lang);
  const today = copenhagenDate(now);
  if (!isDate(date)) return date;
  if (date === today) return m.today;
  if (date === addDays(today, 1)) return m.tomorrow;
  return weekdayDate(copenhagenInstant(date, '12:00'), lang);
}

/** The banners of a department at `now`. */
export function deptBanners(dept: DeptPublic, now: Date, lang: Lang): Banner[] {
  const m = msg(lang);
  const closures = activeClosures(dept, now).map(
    (c): Banner => ({
      key: `closure:${c.id}`,
      kind: 'closure',
      rule: 'PH-3',
      title: m.closureTitle(dept.name),
      text: [c.message[lang].trim(), c.fallback ? m.closureFallback(c.fallback.name) : ''].filter(Boolean).join(' '),
      until: untilText(c.end, now, lang),
      end: c.end,
    }),
  );
  const peaks = activePeaks(dept, now).map(
    (p): Banner => ({
      key: `peak:${p.id}`,
      kind: 'peak',
      rule: 'PH-5',
      title: m.peakTitle,
      text: p.text[lang].trim(),
      until: m.peakUntil(dayText(p.to, now, lang)),
      end: p.to,
    }),
  );
  return [...closures, ...peaks];
}

/** The banners the phone shows: crisis broadcasts, then its own department's, most urgent first. */
export function phoneBanners(view: DeviceView | null | undefined, now: Date, lang: Lang): Banner[] {
  const deptId = view?.me?.deptId;
  const dept = deptId ? view?.depts.find((d) => d.deptId === deptId) : undefined;
  const own = dept ? deptBanners(dept, now, lang) : [];
  return [...broadcastBanners(view, now, lang), ...own].sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
}
