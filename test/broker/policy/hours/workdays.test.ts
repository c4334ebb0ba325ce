import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { addWorkdays, isLongerThanWorkday, isWorkday } from '../../../../broker/policy/hours/workdays.js';
import { atLocal, localDate, localTime } from '../../../../broker/policy/hours/zone.js';

const t = suite('broker/policy/hours/workdays');

const at = (date: string, time: string) => atLocal(date, time);
const wall = (d: Date) => `${localDate(d)} ${localTime(d)}`;

t('AS-2: workdays are Monday–Friday except public holidays', () => {
  const cases: [string, boolean][] = [
    ['2025-03-10', true], // Monday
    ['2025-03-14', true], // Friday
    ['2025-03-15', false], // Saturday
    ['2025-03-16', false], // Sunday
    ['2025-04-17', false], // Skærtorsdag
    ['2025-04-21', false], // Anden påskedag
    ['2025-05-29', false], // Kristi himmelfartsdag
    ['2025-12-24', true], // Juleaftensdag is not a public holiday
    ['2025-06-05', true], // nor is Grundlovsdag
    ['2023-05-05', false], // Store Bededag 2023
    ['2024-04-26', true], // … abolished from 2024
  ];
  for (const [date, expected] of cases) assert.is(isWorkday(date), expected, date);
});

t('AS-2: over a weekend: Friday 14:00 + 1 workday → Monday 14:00', () => {
  assert.is(wall(addWorkdays(at('2025-03-14', '14:00'), 1)), '2025-03-17 14:00');
  assert.is(wall(addWorkdays(at('2025-03-14', '14:00'), 2)), '2025-03-18 14:00');
});

t('AS-2: across Easter: taken the Wednesday before → due the Tuesday after 2. påskedag', () => {
  assert.is(wall(addWorkdays(at('2024-03-27', '10:00'), 1)), '2024-04-02 10:00');
  assert.is(wall(addWorkdays(at('2024-03-27', '10:00'), 2)), '2024-04-03 10:00');
  assert.is(wall(addWorkdays(at('2025-04-16', '15:30'), 1)), '2025-04-22 15:30');
});

t('AS-2: across Christmas and New Year', () => {
  // 24 December is a workday; 25 and 26 are not
  assert.is(wall(addWorkdays(at('2024-12-23', '15:00'), 1)), '2024-12-24 15:00');
  assert.is(wall(addWorkdays(at('2024-12-24', '11:00'), 1)), '2024-12-27 11:00');
  assert.is(wall(addWorkdays(at('2024-12-24', '11:00'), 2)), '2024-12-30 11:00');
  assert.is(wall(addWorkdays(at('2024-12-31', '09:00'), 1)), '2025-01-02 09:00');
  assert.is(wall(addWorkdays(at('2025-12-23', '12:00'), 2)), '2025-12-29 12:00');
});

t('AS-2: taken on a Saturday the clock starts Monday 00:00: +1 → Tuesday 00:00 (the end of Monday)', () => {
  assert.is(wall(addWorkdays(at('2025-03-15', '11:00'), 1)), '2025-03-18 00:00');
  assert.is(wall(addWorkdays(at('2025-03-15', '11:00'), 2)), '2025-03-19 00:00');
  // on a holiday too: Skærtorsdag 2025 → the clock starts Tuesday 22 April
  assert.is(wall(addWorkdays(at('2025-04-17', '09:00'), 1)), '2025-04-23 00:00');
});

t('AS-2: a start at midnight counts that whole workday', () => {
  assert.is(wall(addWorkdays(at('2025-03-17', '00:00'), 1)), '2025-03-18 00:00');
  // Friday 00:00 + 1: the end of Friday, not Monday
  assert.is(wall(addWorkdays(at('2025-03-14', '00:00'), 1)), '2025-03-15 00:00');
  assert.is(wall(addWorkdays(at('2025-03-14', '00:00'), 2)), '2025-03-18 00:00');
});

t('AS-2: the clock time is Copenhagen time across a DST change', () => {
  const due = addWorkdays(at('2025-03-28', '10:00'), 1);
  assert.is(wall(due), '2025-03-31 10:00');
  assert.is(due.toISOString(), '2025-03-31T08:00:00.000Z');
  assert.is(addWorkdays(at('2025-10-24', '10:00'), 1).toISOString(), '2025-10-27T09:00:00.000Z');
});

t('AS-2: seconds are kept; n = 0 is now, or the start of the next workday', () => {
  const taken = new Date('2025-03-12T09:15:42.500Z');
  assert.is(addWorkdays(taken, 1).toISOString(), '2025-03-13T09:15:42.500Z');
  assert.is(addWorkdays(taken, 0).toISOString(), taken.toISOString());
  assert.is(wall(addWorkdays(at('2025-03-15', '11:00'), 0)), '2025-03-17 00:00');
  assert.throws(() => addWorkdays(taken, -1));
  assert.throws(() => addWorkdays(taken, 1.5));
});

t('DV-6: Friday afternoon until Monday morning is not longer than one workday', () => {
  assert.is(isLongerThanWorkday(at('2025-03-14', '14:00'), at('2025-03-17', '09:00')), false);
  assert.is(isLongerThanWorkday(at('2025-03-14', '14:00'), at('2025-03-17', '14:00')), false);
  assert.is(isLongerThanWorkday(at('2025-03-14', '14:00'), at('2025-03-17', '14:01')), true);
});

t('DV-6: Monday until Wednesday is longer than one workday', () => {
  assert.is(isLongerThanWorkday(at('2025-03-10', '10:00'), at('2025-03-12', '10:00')), true);
  assert.is(isLongerThanWorkday(at('2025-03-10', '10:00'), at('2025-03-11', '09:59')), false);
});

t('PR-1: away over Easter (Wednesday to the Tuesday after) is not absent', () => {
  assert.is(isLongerThanWorkday(at('2024-03-27', '12:00'), at('2024-04-02', '09:00')), false);
  assert.is(isLongerThanWorkday(at('2024-03-27', '12:00'), at('2024-04-03', '09:00')), true);
});

t.run();
