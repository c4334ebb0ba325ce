/**
 * RT-3: the crisis broadcasts a screen shows, as banners (om-banners renders them). Pure, `now`
 * passed in. Apart from banner-model.ts so the reception screen, which shows only these, does
 * not load the phone's notice logic.
 */
import type { Broadcast, DeviceView } from '../protocol/index.js';
import type { Banner } from './banner-model.js';
import { msg, untilText, type Lang } from './i18n/index.js';

/**
 * RT-3: the broadcasts in force by the screen's own clock: each switches on at its start and
 * off at its expiry, whenever the hub's next update comes.
 */
export function activeBroadcasts(view: DeviceView | null | undefined, now: Date): Broadcast[] {
  const t = now.getTime();
  return (view?.broadcasts ?? []).filter((b) => Date.parse(b.start) <= t && t < Date.parse(b.expires));
}

/** RT-3: a banner per broadcast in force: the English text on an English screen when there is one, else the Danish. */
export function broadcastBanners(view: DeviceView | null | undefined, now: Date, lang: Lang): Banner[] {
  const m = msg(lang);
  return activeBroadcasts(view, now).map((b): Banner => {
    const text = (lang === 'en' && b.text.en) || b.text.da;
    return {
      key: `crisis:${b.id}`,
      kind: 'crisis',
      rule: 'RT-3',
      title: m.broadcastTitle,
      text,
      ...(lang !== 'da' && text === b.text.da ? { textLang: 'da' as const } : {}),
      until: untilText(b.expires, now, lang),
      end: b.expires,
    };
  });
}

