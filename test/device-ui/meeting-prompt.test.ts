import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadLang } from '../../device-ui/i18n/index.js';
import { meetingPromptText, type MeetingPrompt } from '../../device-ui/components/om-meeting-prompt.js';

// English is loaded on demand in the browser; these tests read it
await loadLang('en');

const t = suite('device-ui/meeting-prompt');

/** Monday 23 November 2026, 10:00-11:00 in Copenhagen (CET, +01) */
const winter: MeetingPrompt = { start: '2026-11-23T09:00:00.000Z', end: '2026-11-23T10:00:00.000Z', suggestion: { id: 'bo-berg', name: 'Bo Berg' } };

t('DV-5: the Danish card asks for the suggested colleague and gives the meeting in 24-hour Copenhagen time', () => {
  const text = meetingPromptText(winter, 'da');
  assert.is(text.heading, 'Viderestil til Bo Berg under mødet?');
  assert.is(text.time, 'Mødet er kl. 10.00-11.00');
  assert.is(text.button?.text, 'Ja, viderestil');
  assert.match(text.button!.label, 'Bo Berg');
  assert.match(text.button!.label, '10.00-11.00', 'the accessible label says when');
});

t('DV-5: the English card', () => {
  const text = meetingPromptText(winter, 'en');
  assert.is(text.heading, 'Divert to Bo Berg during the meeting?');
  assert.is(text.time, 'The meeting is 10:00-11:00');
  assert.is(text.button?.text, 'Yes, divert');
  assert.match(text.button!.label, 'Bo Berg');
});

t('DV-5: summer time, an afternoon meeting, and the clock reads 24 hours', () => {
  // 14:30-15:15 CEST (+02) on Monday 15 June 2026
  const text = meetingPromptText({ start: '2026-06-15T12:30:00Z', end: '2026-06-15T13:15:00Z', suggestion: { id: 'x', name: 'X' } }, 'da');
  assert.is(text.time, 'Mødet er kl. 14.30-15.15');
  assert.is(meetingPromptText({ start: '2026-06-15T12:30:00Z', end: '2026-06-15T13:15:00Z', suggestion: null }, 'en').time, 'The meeting is 14:30-15:15');
});

t('DV-5: with nobody to suggest the card says so and offers no button', () => {
  for (const lang of ['da', 'en'] as const) {
    const text = meetingPromptText({ ...winter, suggestion: null }, lang);
    assert.is(text.button, null, lang);
    assert.not.match(text.heading, 'Bo Berg');
  }
  assert.is(meetingPromptText({ ...winter, suggestion: null }, 'da').heading, 'Ingen kollega kan tage dine opkald under mødet – de kommer stadig til dig');
  assert.is(meetingPromptText({ ...winter, suggestion: null }, 'en').heading, 'Nobody can take your calls during the meeting – they still come to you');
});

t.run();
