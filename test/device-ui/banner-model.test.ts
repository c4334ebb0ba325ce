import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadLang } from '../../device-ui/i18n/index.js';
import type { Broadcast, PublicClosure } from '../../protocol/index.js';
import { activeBroadcasts, activeClosures, activePeaks, broadcastBanners, dayText, deptBanners, phoneBanners, type Banner } from '../../device-ui/banner-model.js';
import { deptPublicFixture } from '../support/fixtures.js';
import { own, person, phoneView } from './fixtures.js';

// English is loaded on demand in the browser; these tests read it
await loadLang('en');

const t = suite('device-ui/banner-model');

/** Monday 23 November 2026, 10:00 in Copenhagen */
const NOW = new Date('2026-11-23T10:00:00+01:00');

function closure(id: string, start: string, end: string, extra: Partial<PublicClosure> = {}): PublicClosure {
  return {
    id,
    start,
    end,
    endedEarly: false,
    message: { da: 'Vi holder personalemøde. Læg en besked, så ringer vi tilbage.', en: 'We are in a staff meeting. Leave a message and we call back.' },
    offer: 'message',
    fallback: null,
    ...extra,
  };
}

const dept = deptPublicFixture({
  deptId: 'borgerservice',
  name: 'Borgerservice',
  closures: [
    closure('past', '2026-11-23T07:00:00.000Z', '2026-11-23T08:00:00.000Z'),
    closure('now', '2026-11-23T08:30:00.000Z', '2026-11-23T11:00:00.000Z'),
    closure('later', '2026-11-23T13:00:00.000Z', '2026-11-23T14:00:00.000Z'),
    closure('ended', '2026-11-23T08:00:00.000Z', '2026-11-23T08:45:00.000Z', { endedEarly: true }),
  ],
  peaks: [
    { id: 'skat', from: '2026-11-23', to: '2026-11-25', text: { da: 'Forskudsopgørelser sendes ud.', en: 'Tax assessments are sent out.' } },
    { id: 'old', from: '2026-11-10', to: '2026-11-22', text: { da: 'x', en: 'x' } },
    { id: 'next', from: '2026-11-24', to: '2026-11-24', text: { da: 'y', en: 'y' } },
  ],
});

t('PH-3: only a closure in force now; one ended early is over', () => {
  assert.equal(activeClosures(dept, NOW).map((c) => c.id), ['now']);
  assert.equal(activeClosures(dept, new Date('2026-11-23T11:00:00.000Z')).map((c) => c.id), [], 'the end is exclusive');
  // ended early just now: its end is the hub's now, a few seconds ahead of the screen's clock
  const justEnded = { ...dept, closures: [closure('x', '2026-11-23T08:30:00.000Z', '2026-11-23T09:00:05.000Z', { endedEarly: true })] };
  assert.equal(activeClosures(justEnded, NOW), []);
});

t('PH-5: a peak whose dates include today in Copenhagen (first and last day too)', () => {
  assert.equal(activePeaks(dept, NOW).map((p) => p.id), ['skat']);
  assert.equal(activePeaks(dept, new Date('2026-11-24T23:30:00Z')).map((p) => p.id), ['skat'], 'Wednesday 00:30 in Copenhagen is the last day');
  assert.equal(activePeaks(dept, new Date('2026-11-25T23:30:00Z')).map((p) => p.id), [], 'Thursday is after it');
});

t('the Danish banners say what, until when (24-hour), and what callers get', () => {
  const [c, p, ...rest] = deptBanners(dept, NOW, 'da');
  assert.is(rest.length, 0);
  assert.equal(c, {
    key: 'closure:now',
    kind: 'closure',
    rule: 'PH-3',
    title: 'Borgerservice holder telefonlukket',
    text: 'Vi holder personalemøde. Læg en besked, så ringer vi tilbage.',
    until: 'indtil kl. 12.00',
    end: '2026-11-23T11:00:00.000Z',
  });
  assert.equal(p, { key: 'peak:skat', kind: 'peak', rule: 'PH-5', title: 'Mange opkald ventes', text: 'Forskudsopgørelser sendes ud.', until: 'til og med onsdag 25. november', end: '2026-11-25' });
});

t('English, and a fallback names who answers instead', () => {
  const d = { ...dept, closures: [closure('fb', '2026-11-23T08:30:00.000Z', '2026-11-24T11:00:00.000Z', { offer: 'fallback', fallback: { id: 'familie-gruppe', name: 'Familie' } })], peaks: [] };
  const [c] = deptBanners(d, NOW, 'en');
  assert.is(c?.title, 'Borgerservice is closed for calls');
  assert.is(c?.until, 'until tomorrow at 12:00');
  assert.match(c?.text ?? '', 'Calls go to Familie.');
  const [today] = deptBanners({ ...dept, peaks: [] }, NOW, 'en');
  assert.is(today?.until, 'until 12:00', 'not "until at 12:00"');
});

t('day words: today, tomorrow, else weekday and date', () => {
  assert.is(dayText('2026-11-23', NOW, 'da'), 'i dag');
  assert.is(dayText('2026-11-24', NOW, 'da'), 'i morgen');
  assert.is(dayText('2026-11-24', NOW, 'en'), 'tomorrow');
  assert.is(dayText('2026-12-01', NOW, 'da'), 'tirsdag 1. december');
});

/** RT-3: a storm flood broadcast, 09:00-18:00 on Monday (Copenhagen) */
const STORM: Broadcast = {
  id: 'stormflod',
  text: { da: 'Stormflod: sandsække udleveres ved Rådhuset indtil kl. 18.', en: 'Storm flood: sandbags are handed out at the town hall until 18:00.' },
  start: '2026-11-23T08:00:00.000Z',
  expires: '2026-11-23T17:00:00.000Z',
  createdAt: '2026-11-23T07:55:00.000Z',
};
const LATER: Broadcast = { id: 'vand', text: { da: 'Drikkevandet skal koges.' }, start: '2026-11-23T12:00:00.000Z', expires: '2026-11-24T12:00:00.000Z', createdAt: '2026-11-23T07:55:00.000Z' };

t('the phone shows its own department\'s banners only, a crisis broadcast (RT-3) first', () => {
  const other = deptPublicFixture({ deptId: 'familie', name: 'Familie', closures: [closure('f', '2026-11-23T08:00:00.000Z', '2026-11-23T12:00:00.000Z')] });
  const view = phoneView(own(person('anna-holm')), [], { depts: [other, dept] });
  assert.equal(phoneBanners(view, NOW, 'da').map((b) => b.key), ['closure:now', 'peak:skat']);
  const withCrisis = { ...view, broadcasts: [STORM] };
  assert.equal(phoneBanners(withCrisis, NOW, 'da').map((b) => b.key), ['crisis:stormflod', 'closure:now', 'peak:skat']);
  const [crisis] = phoneBanners(withCrisis, NOW, 'da') as [Banner];
  assert.equal(
    { kind: crisis.kind, rule: crisis.rule, title: crisis.title, text: crisis.text, until: crisis.until, end: crisis.end, textLang: crisis.textLang },
    { kind: 'crisis', rule: 'RT-3', title: 'Vigtig meddelelse', text: STORM.text.da, until: 'indtil kl. 18.00', end: STORM.expires, textLang: undefined },
  );
  assert.equal(phoneBanners(phoneView(null, []), NOW, 'da'), []);
});

t('RT-3: a broadcast shows from its start until its expiry by the screen\'s own clock, whatever the hub sent', () => {
  const view = phoneView(null, [], { broadcasts: [STORM, LATER] });
  const shown = (iso: string) => activeBroadcasts(view, new Date(iso)).map((b) => b.id);
  assert.equal(shown('2026-11-23T07:59:59.999Z'), [], 'not before its start');
  assert.equal(shown('2026-11-23T08:00:00.000Z'), ['stormflod'], 'on at its start');
  assert.equal(shown('2026-11-23T12:00:00.000Z'), ['stormflod', 'vand'], 'the next one switches on by itself');
  assert.equal(shown('2026-11-23T17:00:00.000Z'), ['vand'], 'off at its expiry');
  assert.equal(shown('2026-11-24T12:00:00.000Z'), []);
  assert.equal(activeBroadcasts(null, NOW), []);
});

t('RT-3: English screens show the English text; without one, the Danish, marked as Danish', () => {
  const view = phoneView(null, [], { broadcasts: [STORM, LATER] });
  const at = new Date('2026-11-23T13:00:00.000Z');
  const en = broadcastBanners(view, at, 'en');
  assert.equal(en.map((b) => [b.title, b.text, b.textLang, b.until]), [
    ['Important notice', STORM.text.en, undefined, 'until 18:00'],
    ['Important notice', LATER.text.da, 'da', 'until tomorrow at 13:00'],
  ]);
  const da = broadcastBanners(view, at, 'da');
  assert.equal(da.map((b) => [b.text, b.textLang]), [[STORM.text.da, undefined], [LATER.text.da, undefined]]);
});

t.run();
