import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { addDays, atLocal, localDate, localDayOf, localTime, mondayOf, weekday, ZONE } from '../../../../broker/policy/hours/zone.js';

const t = suite('broker/policy/hours/zone');

const iso = (d: Date) => d.toISOString();
const utc = (s: string) => new Date(s);
const HOUR = 3_600_000;

t('the zone is Copenhagen', () => {
  assert.is(ZONE, 'Europe/Copenhagen');
});

t('wall clock ↔ instant in winter (+01:00) and summer (+02:00)', () => {
  assert.is(iso(atLocal('2025-01-15', '08:00')), '2025-01-15T07:00:00.000Z');
  assert.is(iso(atLocal('2025-07-15', '08:00')), '2025-07-15T06:00:00.000Z');
  assert.is(localTime(utc('2025-01-15T07:00:00Z')), '08:00');
  assert.is(localTime(utc('2025-07-15T06:00:00Z')), '08:00');
  assert.is(localDate(utc('2025-07-15T22:30:00Z')), '2025-07-16');
  assert.is(localDate(utc('2025-12-31T23:00:00Z')), '2026-01-01');
  assert.is(iso(atLocal('2025-12-31', '24:00')), '2025-12-31T23:00:00.000Z');
});

/** Last Sundays of March (02:00 → 03:00) and October (03:00 → 02:00), 2024–2026. */
const SWITCHES = [
  { year: 2024, spring: '2024-03-31', autumn: '2024-10-27' },
  { year: 2025, spring: '2025-03-30', autumn: '2025-10-26' },
  { year: 2026, spring: '2026-03-29', autumn: '2026-10-25' },
];

for (const { year, spring, autumn } of SWITCHES) {
  t(`PH-1: spring forward ${spring} (${year}): 02:00 → 03:00; a time in the gap is the next valid instant`, () => {
    assert.is(weekday(spring), 7);
    assert.is(iso(atLocal(spring, '01:59')), `${spring}T00:59:00.000Z`);
    assert.is(iso(atLocal(spring, '02:00')), `${spring}T01:00:00.000Z`);
    assert.is(iso(atLocal(spring, '02:30')), `${spring}T01:00:00.000Z`);
    assert.is(iso(atLocal(spring, '03:00')), `${spring}T01:00:00.000Z`);
    assert.is(iso(atLocal(spring, '03:01')), `${spring}T01:01:00.000Z`);
    assert.is(localTime(utc(`${spring}T00:59:00Z`)), '01:59');
    assert.is(localTime(utc(`${spring}T01:00:00Z`)), '03:00');
    const day = localDayOf(spring);
    assert.is(day.end - day.start, 23 * HOUR);
  });

  t(`PH-1: fall back ${autumn} (${year}): 03:00 → 02:00; an hour that happens twice means its first time`, () => {
    assert.is(weekday(autumn), 7);
    assert.is(iso(atLocal(autumn, '01:59')), `${addDays(autumn, -1)}T23:59:00.000Z`);
    assert.is(iso(atLocal(autumn, '02:30')), `${autumn}T00:30:00.000Z`);
    assert.is(iso(atLocal(autumn, '03:00')), `${autumn}T02:00:00.000Z`);
    assert.is(localTime(utc(`${autumn}T00:30:00Z`)), '02:30');
    assert.is(localTime(utc(`${autumn}T01:30:00Z`)), '02:30');
    assert.is(localDate(utc(`${autumn}T01:30:00Z`)), autumn);
    const day = localDayOf(autumn);
    assert.is(day.end - day.start, 25 * HOUR);
  });
}

t('weekday is 1 = Monday … 7 = Sunday', () => {
  assert.equal(
    ['2025-03-10', '2025-03-11', '2025-03-12', '2025-03-13', '2025-03-14', '2025-03-15', '2025-03-16'].map(weekday),
    [1, 2, 3, 4, 5, 6, 7],
  );
  assert.is(mondayOf('2025-03-16'), '2025-03-10');
  assert.is(mondayOf('2025-03-10'), '2025-03-10');
});

t('addDays crosses months, years and leap days', () => {
  assert.is(addDays('2024-02-28', 1), '2024-02-29');
  assert.is(addDays('2024-12-31', 1), '2025-01-01');
  assert.is(addDays('2025-03-01', -1), '2025-02-28');
  assert.is(addDays('2025-03-30', 1), '2025-03-31');
});

t('bad dates and times are refused', () => {
  assert.throws(() => weekday('2025-02-30'), /not a date/);
  assert.throws(() => addDays('25-1-1', 1), /not a date/);
  assert.throws(() => atLocal('2025-01-01', '8:00'), /not a clock time/);
  assert.throws(() => atLocal('2025-01-01', '24:01'), /not a clock time/);
  assert.throws(() => localDate(new Date(NaN)), /invalid/);
});

t.run();
