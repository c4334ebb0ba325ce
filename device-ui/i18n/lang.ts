export const LANGS = ['da', 'en'] as const;
export type Lang = (typeof LANGS)[number];

/** Danish unless the page asks for `?lang=en`. */
export function langFromSearch(search: string): Lang {
  const wanted = new URLSearchParams(search).get('lang');
  return wanted === 'en' ? 'en' : 'da';
}
