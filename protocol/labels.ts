/**
 * Words shown to people in more than one place (the phone screen, a PBX's busy lamp text, the
 * reception board), kept once. Danish first (the UI's own English lives in device-ui/i18n).
 */
import type { Presence } from './schemas.js';

/** A presence as Danish staff say it. PR-2: a label only, never an absence reason. */
export const PRESENCE_DA: Readonly<Record<Presence, string>> = {
  available: 'Ledig',
  'on-call': 'I telefon',
  'in-meeting': 'I møde',
  away: 'Kort fravær',
  absent: 'Fraværende',
  'off-hours': 'Uden for telefontid',
};

/**
 * Case- and accent-insensitive form of Danish text: "Kørekort", "KØREKORT" and "koerekort" are
 * one word. æ, ø, å become ae, oe, aa (as Danes write them without the letters); other accents
 * are dropped; anything but letters and digits becomes `sep`.
 */
export function foldDanish(text: string, sep = ' '): string {
  return text
    .toLowerCase()
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'oe')
    .replace(/å/g, 'aa')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, sep)
    .split(sep)
    .filter(Boolean)
    .join(sep);
}
