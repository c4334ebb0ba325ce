import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Occurrence, ShowAs } from '../../../broker/calendar/calendar-source.js';
import { calendarStatusAt, kindOf, nextMeeting, nextTransition, type TimelineOptions } from '../../../broker/calendar/timeline.js';
import { atLocal } from '../../../broker/policy/hours/zone.js';

const t = suite('broker/calendar/timeline');

const BUSY_ONLY: TimelineOptions = { tentative: 'free' };
const TENTATIVE_MEETS: TimelineOptions = { tentative: 'in-meeting' };

/** Copenhagen wall clock → ISO instant, e.g. cph('2026-03-02 10:00'). */
const cph = (s: string) => atLocal(s.slice(0, 10), s.slice(11)).toISOString();
const at = (s: string) => new Date(cph(s));

let n = 0;
function occ(start: string, end: string, show: ShowAs, extra: Partial<Occurrence> = {}): Occurrence {
  return { uid: `u${++n}`, start: cph(start), end: cph(end), allDay: false, show, summary: null, ...extra };
}
/** An all-day entry from local midnight of `from` to local midnight of `to` (exclusive). */
function allDay(from: string, to: string, show: ShowAs): Occurrence {
  return occ(`${from} 00:00`, `${to} 00:00`, show, { allDay: true });
}

t('PR-3: each kind of entry maps to absent, in-meeting or nothing', () => {
  const timed = (show: ShowAs) => occ('2026-03-02 10:00', '2026-03-02 11:00', show);
  assert.is(kindOf(timed('oof'), BUSY_ONLY), 'absent');
  assert.is(kindOf(timed('busy'), BUSY_ONLY), 'in-meeting');
  assert.is(kindOf(timed('tentative'), BUSY_ONLY), null);
  assert.is(kindOf(timed('tentative'), TENTATIVE_MEETS), 'in-meeting');
  assert.is(kindOf(timed('free'), TENTATIVE_MEETS), null);
  assert.is(kindOf(timed('elsewhere'), TENTATIVE_MEETS), null);
  assert.is(kindOf(allDay('2026-03-02', '2026-03-03', 'busy'), BUSY_ONLY), 'absent');
  assert.is(kindOf(allDay('2026-03-02', '2026-03-03', 'oof'), BUSY_ONLY), 'absent');
  assert.is(kindOf(allDay('2026-03-02', '2026-03-03', 'free'), BUSY_ONLY), null);
  assert.is(kindOf(allDay('2026-03-02', '2026-03-03', 'elsewhere'), BUSY_ONLY), null);
});

t('PR-3: a busy meeting means in-meeting from its start until its end (end exclusive)', () => {
  const m = occ('2026-03-02 10:00', '2026-03-02 11:00', 'busy');
  assert.is(calendarStatusAt([m], at('2026-03-02 09:59'), BUSY_ONLY), null);
  assert.equal(calendarStatusAt([m], at('2026-03-02 10:00'), BUSY_ONLY), { kind: 'in-meeting', since: m.start, until: m.end });
  assert.equal(calendarStatusAt([m], at('2026-03-02 10:59'), BUSY_ONLY), { kind: 'in-meeting', since: m.start, until: m.end });
  assert.is(calendarStatusAt([m], at('2026-03-02 11:00'), BUSY_ONLY), null);
});

t('PR-3: free and working-elsewhere entries say nothing', () => {
  const list = [occ('2026-03-02 10:00', '2026-03-02 11:00', 'free'), occ('2026-03-02 10:00', '2026-03-02 16:00', 'elsewhere'), allDay('2026-03-02', '2026-03-03', 'free')];
  assert.is(calendarStatusAt(list, at('2026-03-02 10:30'), TENTATIVE_MEETS), null);
});

t('PR-3: tentative is configurable: free by default setting, in-meeting when so configured', () => {
  const m = occ('2026-03-02 10:00', '2026-03-02 11:00', 'tentative');
  assert.is(calendarStatusAt([m], at('2026-03-02 10:30'), BUSY_ONLY), null);
  assert.equal(calendarStatusAt([m], at('2026-03-02 10:30'), TENTATIVE_MEETS), { kind: 'in-meeting', since: m.start, until: m.end });
});

t('PR-3: out of office (timed) and all-day busy entries mean absent, back at their end', () => {
  const oof = occ('2026-03-02 12:00', '2026-03-02 16:00', 'oof');
  assert.equal(calendarStatusAt([oof], at('2026-03-02 13:00'), BUSY_ONLY), { kind: 'absent', since: oof.start, until: oof.end });
  const course = allDay('2026-03-04', '2026-03-05', 'busy');
  assert.equal(calendarStatusAt([course], at('2026-03-04 08:00'), BUSY_ONLY), { kind: 'absent', since: cph('2026-03-04 00:00'), until: cph('2026-03-05 00:00') });
});

t('PR-3: absent wins over in-meeting', () => {
  const list = [occ('2026-03-02 10:00', '2026-03-02 11:00', 'busy'), allDay('2026-03-02', '2026-03-03', 'oof')];
  assert.equal(calendarStatusAt(list, at('2026-03-02 10:30'), BUSY_ONLY), { kind: 'absent', since: cph('2026-03-02 00:00'), until: cph('2026-03-03 00:00') });
});

t('PR-3: a week of OOF entered as five daily all-day entries is one absence until Saturday 00:00', () => {
  const week = ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06'].map((d, i, all) => allDay(d, all[i + 1] ?? '2026-03-07', 'oof'));
  for (const when of ['2026-03-02 08:00', '2026-03-04 12:00', '2026-03-06 23:59']) {
    assert.equal(calendarStatusAt(week.slice().reverse(), at(when), BUSY_ONLY), { kind: 'absent', since: cph('2026-03-02 00:00'), until: cph('2026-03-07 00:00') }, when);
  }
  assert.is(calendarStatusAt(week, at('2026-03-07 00:00'), BUSY_ONLY), null);
});

t('PR-3: OOF from Friday 16:00 to Monday 08:00, and a following entry that overlaps it, merge into one block', () => {
  const list = [occ('2026-03-06 16:00', '2026-03-09 08:00', 'oof'), occ('2026-03-09 07:00', '2026-03-09 12:00', 'oof'), allDay('2026-03-10', '2026-03-11', 'busy')];
  const want = { kind: 'absent', since: cph('2026-03-06 16:00'), until: cph('2026-03-09 12:00') };
  assert.equal(calendarStatusAt(list, at('2026-03-07 12:00'), BUSY_ONLY), want);
  assert.equal(calendarStatusAt(list, at('2026-03-09 11:00'), BUSY_ONLY), want);
  // a gap (12:00 → midnight) separates the all-day entry
  assert.is(calendarStatusAt(list, at('2026-03-09 13:00'), BUSY_ONLY), null);
  assert.equal(calendarStatusAt(list, at('2026-03-10 09:00'), BUSY_ONLY), { kind: 'absent', since: cph('2026-03-10 00:00'), until: cph('2026-03-11 00:00') });
});

t('PR-3: the absence block spans the DST change (all-day entries are 23 and 25 hours then)', () => {
  const list = [allDay('2026-03-28', '2026-03-29', 'oof'), allDay('2026-03-29', '2026-03-30', 'oof')];
  assert.equal(calendarStatusAt(list, at('2026-03-29 12:00'), BUSY_ONLY), { kind: 'absent', since: '2026-03-27T23:00:00.000Z', until: '2026-03-29T22:00:00.000Z' });
});

t('PR-3: back-to-back meetings are one in-meeting block; a minute between them is not', () => {
  const list = [occ('2026-03-02 09:00', '2026-03-02 10:00', 'busy'), occ('2026-03-02 10:00', '2026-03-02 11:00', 'busy'), occ('2026-03-02 11:01', '2026-03-02 12:00', 'busy')];
  assert.equal(calendarStatusAt(list, at('2026-03-02 09:30'), BUSY_ONLY), { kind: 'in-meeting', since: cph('2026-03-02 09:00'), until: cph('2026-03-02 11:00') });
  assert.is(calendarStatusAt(list, at('2026-03-02 11:00'), BUSY_ONLY), null);
  // a tentative one in the gap joins them only when tentative counts
  const withTentative = [...list, occ('2026-03-02 10:55', '2026-03-02 11:05', 'tentative')];
  assert.is(calendarStatusAt(withTentative, at('2026-03-02 09:30'), BUSY_ONLY)!.until, cph('2026-03-02 11:00'));
  assert.is(calendarStatusAt(withTentative, at('2026-03-02 09:30'), TENTATIVE_MEETS)!.until, cph('2026-03-02 12:00'));
});

t('PR-3: overlapping meetings from two calendars merge; entries without length or with bad times are ignored', () => {
  const list = [
    occ('2026-03-02 09:00', '2026-03-02 10:30', 'busy'),
    occ('2026-03-02 10:00', '2026-03-02 11:00', 'busy'),
    occ('2026-03-02 12:00', '2026-03-02 12:00', 'busy'),
    { uid: 'bad', start: 'not a date', end: 'neither', allDay: false, show: 'oof' as const, summary: null },
  ];
  assert.equal(calendarStatusAt(list, at('2026-03-02 10:45'), BUSY_ONLY), { kind: 'in-meeting', since: cph('2026-03-02 09:00'), until: cph('2026-03-02 11:00') });
  assert.is(calendarStatusAt(list, at('2026-03-02 12:00'), BUSY_ONLY), null);
});

t('DV-5: nextMeeting is the next busy timed entry that starts after now', () => {
  const list = [
    occ('2026-03-02 09:00', '2026-03-02 10:00', 'busy'), // already started
    occ('2026-03-02 10:00', '2026-03-02 10:30', 'free'),
    occ('2026-03-02 10:15', '2026-03-02 10:45', 'elsewhere'),
    occ('2026-03-02 10:20', '2026-03-02 10:50', 'tentative'),
    allDay('2026-03-03', '2026-03-04', 'busy'),
    occ('2026-03-02 13:00', '2026-03-02 14:00', 'busy', { uid: 'later' }),
    occ('2026-03-02 11:00', '2026-03-02 12:00', 'busy', { uid: 'next' }),
  ];
  assert.equal(nextMeeting(list, at('2026-03-02 09:30'), BUSY_ONLY), { uid: 'next', start: cph('2026-03-02 11:00'), end: cph('2026-03-02 12:00') });
  assert.is(nextMeeting(list, at('2026-03-02 09:30'), TENTATIVE_MEETS)!.start, cph('2026-03-02 10:20'));
  // starts strictly after `at`
  assert.is(nextMeeting(list, at('2026-03-02 11:00'), BUSY_ONLY)!.uid, 'later');
  assert.is(nextMeeting(list, at('2026-03-02 13:00'), BUSY_ONLY), null);
});

t('DV-5: nextMeeting skips meetings inside an absence (no prompt while absent)', () => {
  const list = [
    allDay('2026-03-02', '2026-03-04', 'oof'),
    occ('2026-03-02 10:00', '2026-03-02 11:00', 'busy', { uid: 'in-absence' }),
    occ('2026-03-03 14:00', '2026-03-03 15:00', 'busy', { uid: 'in-absence-too' }),
    occ('2026-03-04 09:00', '2026-03-04 10:00', 'busy', { uid: 'after' }),
  ];
  assert.is(nextMeeting(list, at('2026-03-01 12:00'), BUSY_ONLY)!.uid, 'after');
  // an absence ending when the meeting starts does not hide it
  const edge = [occ('2026-03-02 08:00', '2026-03-02 10:00', 'oof'), occ('2026-03-02 10:00', '2026-03-02 11:00', 'busy', { uid: 'edge' })];
  assert.is(nextMeeting(edge, at('2026-03-02 07:00'), BUSY_ONLY)!.uid, 'edge');
});

t('PR-3: nextTransition is the next start or end of an entry that can count', () => {
  const list = [
    occ('2026-03-02 09:00', '2026-03-02 10:00', 'busy'),
    occ('2026-03-02 09:30', '2026-03-02 09:45', 'free'),
    occ('2026-03-02 11:00', '2026-03-02 12:00', 'tentative'),
    allDay('2026-03-03', '2026-03-04', 'oof'),
  ];
  assert.is(nextTransition(list, at('2026-03-02 08:00'))!.toISOString(), cph('2026-03-02 09:00'));
  assert.is(nextTransition(list, at('2026-03-02 09:00'))!.toISOString(), cph('2026-03-02 10:00'));
  assert.is(nextTransition(list, at('2026-03-02 10:00'))!.toISOString(), cph('2026-03-02 11:00'));
  assert.is(nextTransition(list, at('2026-03-02 12:00'))!.toISOString(), cph('2026-03-03 00:00'));
  assert.is(nextTransition(list, at('2026-03-03 12:00'))!.toISOString(), cph('2026-03-04 00:00'));
  assert.is(nextTransition(list, at('2026-03-04 00:00')), null);
  assert.is(nextTransition([], at('2026-03-04 00:00')), null);
});

t('PR-3: the status only changes at a transition (checked minute by minute over a busy day)', () => {
  const list = [
    occ('2026-03-02 09:00', '2026-03-02 10:00', 'busy'),
    occ('2026-03-02 10:00', '2026-03-02 10:30', 'tentative'),
    occ('2026-03-02 10:15', '2026-03-02 12:00', 'oof'),
    allDay('2026-03-02', '2026-03-03', 'free'),
    occ('2026-03-02 13:00', '2026-03-02 13:00', 'busy'),
    occ('2026-03-02 14:00', '2026-03-02 15:00', 'busy'),
  ];
  for (const opts of [BUSY_ONLY, TENTATIVE_MEETS]) {
    let prev = JSON.stringify(calendarStatusAt(list, at('2026-03-02 00:00'), opts));
    let next = nextTransition(list, at('2026-03-02 00:00'));
    for (let ms = at('2026-03-02 00:01').getTime(); ms < at('2026-03-03 01:00').getTime(); ms += 60_000) {
      const now = JSON.stringify(calendarStatusAt(list, new Date(ms), opts));
      if (now !== prev) assert.is(ms, next?.getTime(), `changed at ${new Date(ms).toISOString()} without a transition`);
      if (next && ms >= next.getTime()) next = nextTransition(list, new Date(ms));
      prev = now;
    }
  }
});

t.run();
