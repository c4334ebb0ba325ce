import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { danishHolidays, holidayOn } from '../../../../broker/policy/hours/holidays.js';
import { PhoneHours } from '../../../../broker/policy/hours/phone-hours.js';
import { addDays, atLocal } from '../../../../broker/policy/hours/zone.js';
import { isWorkday } from '../../../../broker/policy/hours/workdays.js';

const t = suite('broker/policy/hours/holidays');

/**
 * Every Danish public holiday 2024–2030, written out by hand (Easter Sundays: 2024-03-31,
 * 2025-04-20, 2026-04-05, 2027-03-28, 2028-04-16, 2029-04-01, 2030-04-21). date-holidays'
 * names: 'Anden påskedag' is 2. påskedag, and so on.
 */
const HOLIDAYS: Record<number, [string, string][]> = {
  2024: [['2024-01-01', 'Nytårsdag'], ['2024-03-28', 'Skærtorsdag'], ['2024-03-29', 'Langfredag'], ['2024-03-31', 'Påskedag'], ['2024-04-01', 'Anden påskedag'], ['2024-05-09', 'Kristi himmelfartsdag'], ['2024-05-19', 'Pinsedag'], ['2024-05-20', 'Anden pinsedag'], ['2024-12-25', 'Juledag'], ['2024-12-26', 'Anden juledag']],
  2025: [['2025-01-01', 'Nytårsdag'], ['2025-04-17', 'Skærtorsdag'], ['2025-04-18', 'Langfredag'], ['2025-04-20', 'Påskedag'], ['2025-04-21', 'Anden påskedag'], ['2025-05-29', 'Kristi himmelfartsdag'], ['2025-06-08', 'Pinsedag'], ['2025-06-09', 'Anden pinsedag'], ['2025-12-25', 'Juledag'], ['2025-12-26', 'Anden juledag']],
  2026: [['2026-01-01', 'Nytårsdag'], ['2026-04-02', 'Skærtorsdag'], ['2026-04-03', 'Langfredag'], ['2026-04-05', 'Påskedag'], ['2026-04-06', 'Anden påskedag'], ['2026-05-14', 'Kristi himmelfartsdag'], ['2026-05-24', 'Pinsedag'], ['2026-05-25', 'Anden pinsedag'], ['2026-12-25', 'Juledag'], ['2026-12-26', 'Anden juledag']],
  2027: [['2027-01-01', 'Nytårsdag'], ['2027-03-25', 'Skærtorsdag'], ['2027-03-26', 'Langfredag'], ['2027-03-28', 'Påskedag'], ['2027-03-29', 'Anden påskedag'], ['2027-05-06', 'Kristi himmelfartsdag'], ['2027-05-16', 'Pinsedag'], ['2027-05-17', 'Anden pinsedag'], ['2027-12-25', 'Juledag'], ['2027-12-26', 'Anden juledag']],
  2028: [['2028-01-01', 'Nytårsdag'], ['2028-04-13', 'Skærtorsdag'], ['2028-04-14', 'Langfredag'], ['2028-04-16', 'Påskedag'], ['2028-04-17', 'Anden påskedag'], ['2028-05-25', 'Kristi himmelfartsdag'], ['2028-06-04', 'Pinsedag'], ['2028-06-05', 'Anden pinsedag'], ['2028-12-25', 'Juledag'], ['2028-12-26', 'Anden juledag']],
  2029: [['2029-01-01', 'Nytårsdag'], ['2029-03-29', 'Skærtorsdag'], ['2029-03-30', 'Langfredag'], ['2029-04-01', 'Påskedag'], ['2029-04-02', 'Anden påskedag'], ['2029-05-10', 'Kristi himmelfartsdag'], ['2029-05-20', 'Pinsedag'], ['2029-05-21', 'Anden pinsedag'], ['2029-12-25', 'Juledag'], ['2029-12-26', 'Anden juledag']],
  2030: [['2030-01-01', 'Nytårsdag'], ['2030-04-18', 'Skærtorsdag'], ['2030-04-19', 'Langfredag'], ['2030-04-21', 'Påskedag'], ['2030-04-22', 'Anden påskedag'], ['2030-05-30', 'Kristi himmelfartsdag'], ['2030-06-09', 'Pinsedag'], ['2030-06-10', 'Anden pinsedag'], ['2030-12-25', 'Juledag'], ['2030-12-26', 'Anden juledag']],
};

/** Store Bededag, the fourth Friday after Easter: a public holiday until 2023, abolished from 2024. */
const STORE_BEDEDAG: Record<number, string> = {
  2023: '2023-05-05',
  2024: '2024-04-26',
  2025: '2025-05-16',
  2026: '2026-05-01',
  2027: '2027-04-23',
  2028: '2028-05-12',
  2029: '2029-04-27',
  2030: '2030-05-17',
};

for (const [year, list] of Object.entries(HOLIDAYS)) {
  t(`PH-1: the public holidays of ${year}, and nothing else`, () => {
    assert.equal(
      danishHolidays(Number(year)).map((h) => [h.date, h.name]),
      list,
    );
    for (const [date, name] of list) assert.is(holidayOn(date)?.name, name);
  });
}

t('PH-1: Store Bededag is a public holiday in 2023 and an ordinary Friday from 2024', () => {
  assert.is(holidayOn(STORE_BEDEDAG[2023]!)?.name, 'Store bededag');
  for (let year = 2024; year <= 2030; year++) {
    const date = STORE_BEDEDAG[year]!;
    assert.is(holidayOn(date), null, date);
    assert.ok(isWorkday(date), date);
  }
});

t('PH-1: Juleaftensdag, Grundlovsdag, 1. maj and Nytårsaftensdag are not public holidays', () => {
  for (const date of ['2025-12-24', '2025-06-05', '2025-05-01', '2025-12-31']) assert.is(holidayOn(date), null, date);
});

t('holidays carry English names too', () => {
  assert.is(holidayOn('2025-12-25')?.nameEn, 'Christmas Day');
  assert.is(holidayOn('2025-04-21')?.nameEn, 'Easter Monday');
});

t('PH-1: a "PH off" department is closed on every public holiday 2024–2030 and open on the ordinary days around it', () => {
  const hours = PhoneHours.parse('Mo-Su 08:00-16:00; PH off');
  const telefon = PhoneHours.parse('Mo 08:00-18:00; Tu-Th 08:00-16:00; Fr 08:00-14:00; PH off');
  for (const list of Object.values(HOLIDAYS)) {
    for (const [date] of list) {
      assert.is(hours.isOpen(atLocal(date, '10:00')), false, date);
      assert.is(telefon.isOpen(atLocal(date, '10:00')), false, date);
      for (const near of [addDays(date, -1), addDays(date, 1)]) {
        if (holidayOn(near) === null) assert.is(hours.isOpen(atLocal(near, '10:00')), true, near);
      }
    }
  }
  // and a plain Wednesday
  assert.is(telefon.isOpen(atLocal('2025-03-12', '10:00')), true);
});

t('bad input is refused', () => {
  assert.throws(() => holidayOn('1. maj'), /not a date/);
  assert.throws(() => danishHolidays(2025.5), /not a year/);
});

t.run();
