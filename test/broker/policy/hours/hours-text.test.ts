import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatClock, formatDate, formatWeekSummary, holidayText, openNowText, outsideHoursText } from '../../../../broker/policy/hours/hours-text.js';
import { PhoneHours } from '../../../../broker/policy/hours/phone-hours.js';
import { atLocal } from '../../../../broker/policy/hours/zone.js';
import randers from '../../../fixtures/randers-phone-hours.json' with { type: 'json' };

const t = suite('broker/policy/hours/hours-text');

const BORGERSERVICE = PhoneHours.parse(randers.entries.find((e) => e.id === 'borgerservice-telefon')!.hours);
const info = (at: Date, over: Partial<{ web: string | null; digitalMail: boolean; hours: PhoneHours }> = {}) => ({
  name: 'Borgerservice',
  hours: BORGERSERVICE,
  web: 'https://www.randers.dk/',
  digitalMail: true,
  at,
  ...over,
});

t('formatClock: Danish 8.00, English 08:00', () => {
  assert.is(formatClock('08:00', 'da'), '8.00');
  assert.is(formatClock('14:30', 'da'), '14.30');
  assert.is(formatClock('00:00', 'da'), '0.00');
  assert.is(formatClock('08:00', 'en'), '08:00');
  assert.is(formatDate('2024-04-02', 'da'), 'tirsdag 2. april');
  assert.is(formatDate('2024-04-02', 'en'), 'Tuesday 2 April');
});

t('PH-2: the week in one line, equal neighbours merged, closed days left out (Borgerservice)', () => {
  const week = BORGERSERVICE.typicalWeek();
  assert.is(formatWeekSummary(week, 'da'), 'mandag 8.00-18.00, tirsdag-torsdag 8.00-16.00, fredag 8.00-14.00');
  assert.is(formatWeekSummary(week, 'en'), 'Monday 08:00-18:00, Tuesday-Thursday 08:00-16:00, Friday 08:00-14:00');
});

t('PH-2: week summaries of other shapes', () => {
  const summary = (expr: string, lang: 'da' | 'en' = 'da') => formatWeekSummary(PhoneHours.parse(expr).typicalWeek(), lang);
  assert.is(summary('Mo-Fr 09:00-13:00; PH off'), 'mandag-fredag 9.00-13.00');
  assert.is(summary('Mo,We 09:00-12:00; Tu 10:00-12:00'), 'mandag 9.00-12.00, tirsdag 10.00-12.00, onsdag 9.00-12.00');
  assert.is(summary('Mo-Fr 08:00-12:00,13:00-15:00'), 'mandag-fredag 8.00-12.00 og 13.00-15.00');
  assert.is(summary('Mo-Fr 08:00-12:00,13:00-15:00', 'en'), 'Monday-Friday 08:00-12:00 and 13:00-15:00');
  assert.is(summary('Sa-Su 10:00-12:00'), 'lørdag-søndag 10.00-12.00');
  assert.is(summary('off'), '');
});

t('PH-2: the Danish message outside phone hours, Friday afternoon (Borgerservice)', () => {
  assert.is(
    outsideHoursText(info(atLocal('2025-03-14', '15:00')), 'da'),
    'Du har ringet til Borgerservice uden for telefontiden. Vi åbner igen mandag kl. 8.00. Telefontid: mandag 8.00-18.00, tirsdag-torsdag 8.00-16.00, fredag 8.00-14.00. Lukket på helligdage. Du kan også skrive til os med Digital Post eller læse mere på https://www.randers.dk/.',
  );
});

t('PH-2: the English message outside phone hours, Friday afternoon (Borgerservice)', () => {
  assert.is(
    outsideHoursText(info(atLocal('2025-03-14', '15:00')), 'en'),
    'You have called Borgerservice outside phone hours. We open again on Monday at 08:00. Phone hours: Monday 08:00-18:00, Tuesday-Thursday 08:00-16:00, Friday 08:00-14:00. Closed on public holidays. You can also write to us via Digital Post or read more at https://www.randers.dk/.',
  );
});

t('PH-2: "i morgen" / "tomorrow", "i dag" / "today", and a date when it is further away', () => {
  assert.match(outsideHoursText(info(atLocal('2025-03-11', '17:00')), 'da'), 'Vi åbner igen i morgen kl. 8.00.');
  assert.match(outsideHoursText(info(atLocal('2025-03-11', '17:00')), 'en'), 'We open again tomorrow at 08:00.');
  assert.match(outsideHoursText(info(atLocal('2025-03-11', '06:30')), 'da'), 'Vi åbner igen i dag kl. 8.00.');
  assert.match(outsideHoursText(info(atLocal('2025-03-11', '06:30')), 'en'), 'We open again today at 08:00.');
  // Skærtorsdag 2025: closed over Easter until Tuesday
  assert.match(outsideHoursText(info(atLocal('2025-04-17', '10:00')), 'da'), 'Vi åbner igen tirsdag kl. 8.00.');
  const summer = PhoneHours.parse('Mo-Fr 08:00-16:00; Jul off; PH off');
  assert.match(outsideHoursText(info(atLocal('2025-06-30', '17:00'), { hours: summer }), 'da'), 'Vi åbner igen fredag 1. august kl. 8.00.');
  assert.match(outsideHoursText(info(atLocal('2025-06-30', '17:00'), { hours: summer }), 'en'), 'We open again on Friday 1 August at 08:00.');
});

t('PH-2: the alternatives follow the data', () => {
  const at = atLocal('2025-03-14', '15:00');
  assert.ok(outsideHoursText(info(at, { web: null }), 'da').endsWith('Lukket på helligdage. Du kan også skrive til os med Digital Post.'));
  assert.ok(outsideHoursText(info(at, { digitalMail: false }), 'da').endsWith('Du kan også læse mere på https://www.randers.dk/.'));
  assert.ok(outsideHoursText(info(at, { web: null, digitalMail: false }), 'da').endsWith('Lukket på helligdage.'));
  assert.ok(outsideHoursText(info(at, { web: null, digitalMail: false }), 'en').endsWith('Closed on public holidays.'));
});

t('PH-2: holidays are mentioned only as the expression treats them', () => {
  const at = atLocal('2025-03-14', '15:00');
  assert.is(holidayText(BORGERSERVICE, at, 'da'), 'Lukket på helligdage.');
  assert.is(holidayText(PhoneHours.parse('Mo-Fr 08:00-16:00'), at, 'da'), null);
  assert.is(holidayText(PhoneHours.parse('Mo-Fr 08:00-16:00; PH 10:00-12:00'), at, 'da'), 'På helligdage 10.00-12.00.');
  assert.is(holidayText(PhoneHours.parse('Mo-Fr 08:00-16:00; PH 10:00-12:00'), at, 'en'), 'On public holidays 10:00-12:00.');
  assert.not.match(outsideHoursText(info(at, { hours: PhoneHours.parse('Mo-Fr 08:00-14:00') }), 'da'), 'helligdage');
});

t('PH-2: a line with no phone hours at all says so without inventing any', () => {
  const text = outsideHoursText(info(atLocal('2025-03-14', '15:00'), { hours: PhoneHours.parse('off') }), 'da');
  assert.is(text, 'Du har ringet til Borgerservice uden for telefontiden. Du kan også skrive til os med Digital Post eller læse mere på https://www.randers.dk/.');
});

t('open now / closed now, for reports', () => {
  assert.is(openNowText(BORGERSERVICE, atLocal('2024-04-02', '10:00'), 'da'), 'Åben nu, lukker kl. 16.00');
  assert.is(openNowText(BORGERSERVICE, atLocal('2024-04-02', '10:00'), 'en'), 'Open now, closes at 16:00');
  assert.is(openNowText(BORGERSERVICE, atLocal('2024-03-29', '10:00'), 'da'), 'Lukket nu, åbner tirsdag 2. april kl. 8.00');
  assert.is(openNowText(BORGERSERVICE, atLocal('2024-03-29', '10:00'), 'en'), 'Closed now, opens on Tuesday 2 April at 08:00');
  assert.is(openNowText(BORGERSERVICE, atLocal('2024-04-02', '07:00'), 'da'), 'Lukket nu, åbner kl. 8.00');
  assert.is(openNowText(PhoneHours.parse('24/7'), atLocal('2024-04-02', '07:00'), 'da'), 'Åben nu');
  assert.is(openNowText(PhoneHours.parse('off'), atLocal('2024-04-02', '07:00'), 'da'), 'Lukket nu, ingen telefontid det næste år');
});

t.run();
