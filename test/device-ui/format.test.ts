import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadLang } from '../../device-ui/i18n/index.js';
import { backAtText, calendarDaysBetween, clockTime, dataAgeText, untilText } from '../../device-ui/i18n/index.js';

// English is loaded on demand in the browser; these tests read it
await loadLang('en');

const t = suite('device-ui/i18n/format');
const at = (iso: string) => new Date(iso);

t('24-hour Copenhagen clock, whatever the process time zone', () => {
  assert.is(clockTime(at('2025-01-15T13:05:00Z'), 'da'), '14.05');
  assert.is(clockTime(at('2025-07-15T13:05:00Z'), 'da'), '15.05');
  assert.is(clockTime(at('2025-07-15T13:05:00Z'), 'en'), '15:05');
  assert.is(clockTime(at('2025-01-15T23:00:00Z'), 'da'), '00.00', 'midnight is 00.00, not 24.00');
});

t('PR-2 example: "Tilbage mandag kl. 08.00" across the autumn DST change', () => {
  // now: Friday 24 Oct 2025 (CEST, +02); back: Monday 27 Oct 08:00 (CET, +01) — the clocks went back on the 26th
  const now = at('2025-10-24T12:00:00Z');
  assert.is(backAtText('2025-10-27T07:00:00Z', now, 'da'), 'Tilbage mandag kl. 08.00');
  assert.is(backAtText('2025-10-27T07:00:00Z', now, 'en'), 'Back Monday at 08:00');
  assert.is(backAtText('2025-10-24T14:00:00Z', now, 'da'), 'Tilbage kl. 16.00', 'same day: time only (CEST)');
});

t('across the spring DST change', () => {
  // now: Friday 28 Mar 2025 (CET); back: Monday 31 Mar 08:00 (CEST, +02)
  const now = at('2025-03-28T09:00:00Z');
  assert.is(backAtText('2025-03-31T06:00:00Z', now, 'da'), 'Tilbage mandag kl. 08.00');
  assert.is(untilText('2025-03-28T15:00:00Z', now, 'da'), 'indtil kl. 16.00');
});

t('calendar days follow Copenhagen dates, not 24-hour blocks', () => {
  // 00:30 Sunday 30 Mar (CET) → 00:30 Monday 31 Mar (CEST) is only 23 hours, yet one day
  assert.is(calendarDaysBetween(at('2025-03-29T23:30:00Z'), at('2025-03-30T22:30:00Z')), 1);
  assert.is(backAtText('2025-03-30T22:30:00Z', at('2025-03-29T23:30:00Z'), 'da'), 'Tilbage i morgen kl. 00.30');
  // 00:30 Sunday 26 Oct (CEST) → 00:30 Monday 27 Oct (CET) is 25 hours, one day
  assert.is(calendarDaysBetween(at('2025-10-25T22:30:00Z'), at('2025-10-26T23:30:00Z')), 1);
  // 23:30 UTC is already the next day in Copenhagen
  assert.is(calendarDaysBetween(at('2025-01-15T12:00:00Z'), at('2025-01-15T23:30:00Z')), 1);
});

t('tomorrow, later this week, and further away', () => {
  const now = at('2025-10-22T10:00:00Z'); // Wednesday
  assert.is(backAtText('2025-10-23T06:00:00Z', now, 'da'), 'Tilbage i morgen kl. 08.00');
  assert.is(backAtText('2025-10-23T06:00:00Z', now, 'en'), 'Back tomorrow at 08:00');
  assert.is(backAtText('2025-10-24T06:00:00Z', now, 'da'), 'Tilbage fredag kl. 08.00');
  assert.is(backAtText('2025-11-03T07:00:00Z', now, 'da'), 'Tilbage mandag 3. november kl. 08.00');
  assert.is(backAtText('2025-11-03T07:00:00Z', now, 'en'), 'Back Monday 3 November at 08:00');
});

t('missing or broken times give no text', () => {
  const now = at('2025-10-22T10:00:00Z');
  assert.is(backAtText(null, now, 'da'), null);
  assert.is(backAtText('not a time', now, 'da'), null);
  assert.is(untilText(undefined, now, 'da'), null);
});

t('age of the data shown', () => {
  const now = at('2025-10-22T12:07:30Z');
  assert.is(dataAgeText('2025-10-22T12:00:00Z', now, 'da'), 'Viser oplysninger fra kl. 14.00 (for 7 min. siden)');
  assert.is(dataAgeText('2025-10-22T12:07:10Z', now, 'da'), 'Viser oplysninger fra kl. 14.07 (under 1 min. siden)');
  assert.is(dataAgeText('2025-10-22T09:50:00Z', now, 'da'), 'Viser oplysninger fra kl. 11.50 (for 2 t. 17 min. siden)');
  assert.is(dataAgeText('2025-10-22T12:00:00Z', now, 'en'), 'Showing information from 14:00 (7 min ago)');
  assert.is(dataAgeText(null, now, 'da'), 'Ingen oplysninger modtaget endnu');
});

t.run();
