/**
 * Colours of the device UI. Every text/background pair used for text is checked for
 * WCAG AA contrast (≥ 4.5:1) in test/device-ui/theme.test.ts. Colour is never the only
 * signal: a presence always has its name next to its colour (PR-1).
 */
import type { Presence } from '../protocol/index.js';

export interface Pair {
  fg: string;
  bg: string;
}

export const PRESENCE_COLORS: Record<Presence, Pair> = {
  available: { fg: '#ffffff', bg: '#1b6e35' },
  'on-call': { fg: '#ffffff', bg: '#b3261e' },
  'in-meeting': { fg: '#ffffff', bg: '#6a3fa0' },
  away: { fg: '#ffffff', bg: '#8a5300' },
  absent: { fg: '#ffffff', bg: '#545b62' },
  'off-hours': { fg: '#ffffff', bg: '#263238' },
};

/** Surfaces and texts used across the components (CSS custom properties on om-app). */
export const UI_COLORS = {
  page: { fg: '#1a1c1e', bg: '#f4f5f7' },
  card: { fg: '#1a1c1e', bg: '#ffffff' },
  muted: { fg: '#4a5058', bg: '#ffffff' },
  primary: { fg: '#ffffff', bg: '#0b57a4' },
  primaryPending: { fg: '#ffffff', bg: '#4f6478' },
  danger: { fg: '#ffffff', bg: '#a4261d' },
  error: { fg: '#8c1d18', bg: '#fdecea' },
  warning: { fg: '#1a1c1e', bg: '#ffd66b' },
  notice: { fg: '#0b3d6e', bg: '#e3effb' },
  header: { fg: '#ffffff', bg: '#1f2d3d' },
} satisfies Record<string, Pair>;

function channel(hex2: string): number {
  const c = parseInt(hex2, 16) / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG 2 relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return 0.2126 * channel(m[1]!) + 0.7152 * channel(m[2]!) + 0.0722 * channel(m[3]!);
}

/** WCAG 2 contrast ratio, 1..21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
