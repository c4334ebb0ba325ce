import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  addDays,
  copenhagenDate,
  copenhagenInstant,
  copenhagenTime,
  coverOptions,
  customUntil,
  isoWeekday,
  nextWorkday,
  ownAbsence,
  quickChoices,
  startTimeOf,
  suggestionOf,
} from '../../device-ui/absence-model.js';
import { deptPublicFixture } from '../support/fixtures.js';
import { own, person, phoneView } from './fixtures.js';

const t = suite('device-ui/absence-model');

const at = (iso: string) => new Date(iso);
const utc = (d: Date | string) => new Date(d).toISOString();

t('Copenhagen calendar date and clock, whatever the instant says in UTC', () => {
  // 00:30 on Monday in Copenhagen is still Sunday in UTC
  assert.is(copenhagenDate(at('2026-11-22T23:30:00Z')), '2026-11-23');
  assert.is(copenhagenTime(at('2026-11-22T23:30:00Z')), '00:30');
  assert.is(copenhagenDate(at('2026-06-15T21:59:00Z')), '2026-06-15');
  assert.is(copenhagenDate(at('2026-06-15T22:00:00Z')), '2026-06-16', 'midnight in summer time is 22:00 UTC');
  assert.is(isoWeekday('2026-11-23'), 1);
  assert.is(isoWeekday('2026-11-29'), 7);
  assert.is(addDays('2026-12-31', 1), '2027-01-01');
  assert.is(addDays('2026-03-01', -1), '2026-02-28');
});

t('a wall-clock time becomes the right instant in winter and in summer', () => {
  assert.is(utc(copenhagenInstant('2026-11-24', '08:00')), '2026-11-24T07:00:00.000Z', 'CET is UTC+1');
  assert.is(utc(copenhagenInstant('2026-06-16', '08:00')), '2026-06-16T06:00:00.000Z', 'CEST is UTC+2');
  assert.is(utc(copenhagenInstant('2026-03-29', '08:00')), '2026-03-29T06:00:00.000Z', 'the morning summer time starts');
  assert.is(utc(copenhagenInstant('2026-10-25', '08:00')), '2026-10-25T07:00:00.000Z', 'the morning summer time ends');
});

t('DST edges: the skipped hour gives the instant after the gap; the repeated hour the later one', () => {
  // 29 March 2026: 02:00 → 03:00; 02:30 does not exist
  const gap = copenhagenInstant('2026-03-29', '02:30');
  assert.is(copenhagenDate(gap), '2026-03-29');
  assert.is(copenhagenTime(gap), '03:30');
  // 25 October 2026: 03:00 → 02:00; 02:30 happens twice (00:30Z CEST and 01:30Z CET)
  assert.is(utc(copenhagenInstant('2026-10-25', '02:30')), '2026-10-25T01:30:00.000Z');
});

t('PR-1 quick choices on a Monday morning: rest of today → back Tuesday 08.00; through tomorrow → back Wednesday 08.00', () => {
  const q = quickChoices(at('2026-11-23T09:57:00+01:00'));
  assert.is(q.today.until, '2026-11-24T07:00:00.000Z');
  assert.is(q.today.lastDay, '2026-11-23');
  assert.is(q.nextWorkday.until, '2026-11-25T07:00:00.000Z');
  assert.is(q.nextWorkday.lastDay, '2026-11-24');
});

t('weekends: on a Thursday "through the next workday" is through Friday, back Monday; on a Friday the rest of today is back Monday', () => {
  const thu = quickChoices(at('2026-11-26T14:00:00+01:00'));
  assert.is(thu.today.until, '2026-11-27T07:00:00.000Z');
  assert.is(thu.nextWorkday.lastDay, '2026-11-27');
  assert.is(thu.nextWorkday.until, '2026-11-30T07:00:00.000Z');
  const fri = quickChoices(at('2026-11-27T10:00:00+01:00'));
  assert.is(fri.today.until, '2026-11-30T07:00:00.000Z');
  assert.is(fri.nextWorkday.lastDay, '2026-11-30', 'the next workday after Friday is Monday');
  assert.is(fri.nextWorkday.until, '2026-12-01T07:00:00.000Z');
  const sat = quickChoices(at('2026-11-28T11:00:00+01:00'));
  assert.is(sat.today.until, '2026-11-30T07:00:00.000Z', 'set on a Saturday: back Monday');
});

t('across the start of summer time: Friday 27 March (CET) → back Monday 30 March 08.00 CEST', () => {
  const q = quickChoices(at('2026-03-27T15:00:00+01:00'));
  assert.is(q.today.until, '2026-03-30T06:00:00.000Z');
  assert.is(q.nextWorkday.until, '2026-03-31T06:00:00.000Z');
});

t('across the end of summer time: Friday 23 October (CEST) → back Monday 26 October 08.00 CET', () => {
  const q = quickChoices(at('2026-10-23T10:00:00+02:00'));
  assert.is(q.today.until, '2026-10-26T07:00:00.000Z');
  assert.is(q.nextWorkday.until, '2026-10-27T07:00:00.000Z');
});

t('the department\'s start time and its own workdays (the hub knows the holidays; a test can too)', () => {
  const q = quickChoices(at('2026-11-23T09:00:00+01:00'), { startTime: '07:30' });
  assert.is(q.today.until, '2026-11-24T06:30:00.000Z');
  const christmas = new Set(['2026-12-24', '2026-12-25']);
  const isWorkday = (d: string) => isoWeekday(d) <= 5 && !christmas.has(d);
  assert.is(nextWorkday('2026-12-23', isWorkday), '2026-12-28');
  const xmas = quickChoices(at('2026-12-23T09:00:00+01:00'), { isWorkday });
  assert.is(xmas.today.until, '2026-12-28T07:00:00.000Z');
  // a bad start time falls back to 08:00
  assert.is(quickChoices(at('2026-11-23T09:00:00+01:00'), { startTime: '8' }).today.until, '2026-11-24T07:00:00.000Z');
});

t('the answers do not depend on the device\'s own time zone', () => {
  const before = process.env.TZ;
  const now = at('2026-11-22T23:30:00Z'); // Monday 00:30 in Copenhagen, Sunday evening in New York
  const inCph = quickChoices(now);
  try {
    process.env.TZ = 'America/New_York';
    assert.equal(quickChoices(now), inCph);
    assert.is(copenhagenDate(now), '2026-11-23');
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
  assert.is(inCph.today.until, '2026-11-24T07:00:00.000Z');
});

t('a date and a time picked by hand must lie in the future and be real', () => {
  const now = at('2026-11-23T09:57:00+01:00');
  assert.equal(customUntil('2026-11-30', '08:00', now), { ok: true, until: '2026-11-30T07:00:00.000Z' });
  assert.equal(customUntil('2026-11-23', '09:45', now), { ok: false, problem: 'past' });
  assert.equal(customUntil('2026-11-23', '10:00', now), { ok: true, until: '2026-11-23T09:00:00.000Z' });
  assert.equal(customUntil('', '08:00', now), { ok: false, problem: 'invalid' });
  assert.equal(customUntil('2026-02-30', '08:00', now), { ok: false, problem: 'invalid' });
  assert.equal(customUntil('2026-12-01', '8:00', now), { ok: false, problem: 'invalid' });
  assert.equal(customUntil('2026-12-01', '24:00', now), { ok: false, problem: 'invalid' });
});

t('the start of the workday comes from today\'s phone hours, else 08:00', () => {
  assert.is(startTimeOf(deptPublicFixture({ deptId: 'a', name: 'A', today: { date: '2026-11-23', holiday: null, open: [{ from: '09:00', to: '15:00' }] } })), '09:00');
  assert.is(startTimeOf(deptPublicFixture({ deptId: 'a', name: 'A', today: { date: '2026-11-28', holiday: null, open: [] } })), '08:00');
  assert.is(startTimeOf(null), '08:00');
});

t('PR-1/PR-2: own absence while away or absent, with the private reason; nothing otherwise', () => {
  const me = own(person('anna-holm', { presence: 'absent', backAt: '2026-11-25T07:00:00.000Z' }), { absenceReason: 'Kursus' });
  assert.equal(ownAbsence(me), { presence: 'absent', backAt: '2026-11-25T07:00:00.000Z', reason: 'Kursus' });
  assert.is(ownAbsence(own(person('anna-holm', { presence: 'away', backAt: null })))?.presence, 'away');
  assert.is(ownAbsence(own(person('anna-holm', { presence: 'in-meeting' }))), null);
  assert.is(ownAbsence(own(person('anna-holm'))), null);
  assert.is(ownAbsence(null), null);
});

t('DV-1: who can take the calls: preferred first in their order, the rest by name, then the department\'s function numbers', () => {
  const me = own(person('anna-holm'));
  const view = phoneView(me, [person('ole-dahl'), person('bo-berg', { presence: 'absent' }), person('carl-ek'), person('ida-lund', { deptId: 'familie' })], {
    preferred: ['ida-lund', 'carl-ek'],
    depts: [deptPublicFixture({ deptId: 'borgerservice', name: 'Borgerservice', groups: [{ id: 'bs-gruppe', name: 'Borgerservice, fællesnummer', number: '4900', tasks: [] }] })],
  });
  const opts = coverOptions(view);
  assert.equal(
    opts.map((o) => [o.id, o.kind, o.preferred]),
    [
      ['ida-lund', 'person', true],
      ['carl-ek', 'person', true],
      ['bo-berg', 'person', false],
      ['ole-dahl', 'person', false],
      ['bs-gruppe', 'group', false],
    ],
  );
  assert.is(opts.find((o) => o.id === 'bo-berg')?.presence, 'absent', 'presence is shown; the hub decides (DV-4)');
  assert.not.ok(opts.some((o) => o.id === 'anna-holm'), 'never myself');
});

t('DV-6: the suggestion on a refusal, and nothing from a refusal without one or with junk', () => {
  const err = { code: 'needs-colleague' as const, message: 'x', rule: 'DV-6', suggestion: { id: 'bo-berg', name: 'Bo Berg' } };
  assert.equal(suggestionOf(err), { id: 'bo-berg', name: 'Bo Berg' });
  assert.is(suggestionOf({ code: 'needs-colleague', message: 'x' }), null);
  assert.is(suggestionOf({ code: 'internal', message: 'x', suggestion: 'bo' } as never), null);
  assert.is(suggestionOf({ code: 'internal', message: 'x', suggestion: { id: 1, name: 'x' } } as never), null);
  assert.is(suggestionOf(null), null);
});

t.run();
