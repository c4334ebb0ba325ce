/**
 * AS-5 on the phone, pure: what the screen says about the mailbox, in Danish and English,
 * 24-hour Copenhagen time; the flag is the hub's (`flaggedAt`), not the screen's clock.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { da } from '../../device-ui/i18n/da.js';
import { en } from '../../device-ui/i18n/en.js';
import { sinceParts, voicemailState } from '../../device-ui/voicemail-model.js';

const t = suite('device-ui/voicemail-model');

/** Wednesday 25 November 2026, 11:00 in Copenhagen */
const NOW = new Date('2026-11-25T11:00:00+01:00');
const TUE_1012 = '2026-11-24T09:12:00.000Z'; // 10:12 in Copenhagen

t('AS-5: nothing reported or nothing unheard shows nothing', () => {
  assert.is(voicemailState(null, NOW, 'da'), null);
  assert.is(voicemailState({}, NOW, 'da'), null);
  assert.is(voicemailState({ voicemail: { unheard: 0, unheardSince: null, flaggedAt: null } }, NOW, 'da'), null);
});

t('AS-5: the count in Danish and English; singular and plural', () => {
  const s = voicemailState({ voicemail: { unheard: 2, unheardSince: TUE_1012, flaggedAt: null } }, NOW, 'da')!;
  assert.equal([s.unheard, s.flagged, s.sinceIso], [2, false, TUE_1012]);
  assert.is(da.voicemailUnheard(2), 'Telefonsvarer: 2 ubeaflyttede beskeder');
  assert.is(da.voicemailUnheard(1), 'Telefonsvarer: 1 ubeaflyttet besked');
  assert.is(en.voicemailUnheard(2), 'Voicemail: 2 unheard messages');
  assert.is(en.voicemailUnheard(1), 'Voicemail: 1 unheard message');
});

t('AS-5: flagged by the hub: "Ikke aflyttet i over et døgn (siden i går kl. 10.12)", 24-hour Copenhagen time', () => {
  const s = voicemailState({ voicemail: { unheard: 1, unheardSince: TUE_1012, flaggedAt: '2026-11-25T09:12:00.000Z' } }, NOW, 'da')!;
  assert.ok(s.flagged);
  assert.is(da.voicemailFlag(da.voicemailSince(s.since!)), 'Ikke aflyttet i over et døgn (siden i går kl. 10.12)');
  const e = voicemailState({ voicemail: { unheard: 1, unheardSince: TUE_1012, flaggedAt: '2026-11-25T09:12:00.000Z' } }, NOW, 'en')!;
  assert.is(en.voicemailFlag(en.voicemailSince(e.since!)), 'Not listened to for over a day (since yesterday 10:12)');
  // not flagged until the hub says so, whatever the screen's clock thinks
  assert.not.ok(voicemailState({ voicemail: { unheard: 1, unheardSince: TUE_1012, flaggedAt: null } }, new Date('2026-12-01T12:00:00Z'), 'da')!.flagged);
});

t('AS-5: since when, in words: today, yesterday, a weekday in the last week, else the date', () => {
  assert.equal(sinceParts('2026-11-25T07:05:00.000Z', NOW, 'da'), { kind: 'today', time: '08.05' });
  assert.equal(sinceParts(TUE_1012, NOW, 'da'), { kind: 'yesterday', time: '10.12' });
  assert.equal(sinceParts('2026-11-23T22:30:00.000Z', NOW, 'da'), { kind: 'weekday', day: 'mandag', time: '23.30' }); // Monday 23:30 local
  assert.is(da.voicemailSince(sinceParts('2026-11-23T22:30:00.000Z', NOW, 'da')!), 'mandag kl. 23.30');
  const old = sinceParts('2026-11-16T09:12:00.000Z', NOW, 'en')!;
  assert.is(old.kind, 'date');
  assert.is(en.voicemailSince(old), 'Monday 16 November 10:12');
  assert.is(sinceParts('not a time', NOW, 'da'), null);
});

t.run();
