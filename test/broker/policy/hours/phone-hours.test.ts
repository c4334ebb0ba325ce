import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import opening_hours from 'opening_hours';
import { checkPhoneHours, PhoneHours, PhoneHoursError, phoneHoursFor, type DayHours } from '../../../../broker/policy/hours/phone-hours.js';
import { holidayOn } from '../../../../broker/policy/hours/holidays.js';
import { addDays, atLocal, localDate, localTime } from '../../../../broker/policy/hours/zone.js';
import randers from '../../../fixtures/randers-phone-hours.json' with { type: 'json' };

const t = suite('broker/policy/hours/phone-hours');

const at = (date: string, time: string) => atLocal(date, time);
const wall = (d: Date | null) => (d ? `${localDate(d)} ${localTime(d)}` : null);
const open = (day: DayHours) => day.open.map((r) => `${r.from}-${r.to}`).join(',');

// ---- Randers (002): every entry, by hand ------------------------------------------------

/** Each Randers entry's hours Monday–Friday, written out from the source table; weekends closed. */
const RANDERS: Record<string, [string, string, string, string, string]> = {
  borgerservice: ['09:00-18:00', '09:00-16:00', '09:00-16:00', '09:00-16:00', '09:00-14:00'],
  'borgerservice-telefon': ['08:00-18:00', '08:00-16:00', '08:00-16:00', '08:00-16:00', '08:00-14:00'],
  administration: ['09:00-15:00', '09:00-15:00', '09:00-15:00', '09:00-15:00', '09:00-13:00'],
  'social-arbejdsmarked': ['09:00-13:00', '09:00-13:00', '09:00-13:00', '09:00-13:00', '09:00-13:00'],
  jobcenter: ['09:00-14:30', '09:00-14:30', '09:00-14:30', '09:00-17:00', '09:00-14:30'],
  familie: ['09:00-17:00', '09:00-15:00', '09:00-15:00', '09:00-15:00', '09:00-13:00'],
  betalingskontor: ['09:00-17:00', '09:00-15:00', '09:00-15:00', '09:00-15:00', '09:00-13:00'],
  daginstitution: ['09:00-15:00', '09:00-15:00', '09:00-15:00', '09:00-15:00', '09:00-13:00'],
  kontanthjaelp: ['09:00-13:00', '09:00-13:00', '09:00-13:00', '09:00-13:00', '09:00-13:00'],
  visitationen: ['08:00-15:00', '08:00-15:00', '08:00-15:00', '08:00-15:00', '08:00-13:00'],
  'miljo-teknik': ['08:00-15:00', '08:00-15:00', '08:00-15:00', '08:00-15:00', '08:00-13:00'],
  ppr: ['09:00-17:00', '09:00-15:00', '09:00-15:00', '09:00-15:00', '09:00-15:00'],
  misbrugscenter: ['08:00-15:00', '08:00-15:00', '08:00-15:00', '08:00-17:00', '08:00-12:00'],
  'born-skole': ['08:00-15:00', '08:00-15:00', '08:00-15:00', '08:00-15:00', '08:00-13:00'],
  'kultur-borgerservice': ['08:00-15:00', '08:00-15:00', '08:00-15:00', '08:00-15:00', '08:00-13:00'],
  kirkegaard: ['08:00-15:00', '08:00-15:00', '08:00-15:00', '08:00-15:00', '08:00-13:30'],
};
/** An ordinary winter week (Monday 10 March 2025) and a summer one (Monday 16 June 2025). */
const WEEKS = ['2025-03-10', '2025-06-16'];

const minus1 = (time: string) => {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const total = h * 60 + m - 1;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
};

t('the Randers fixture is the reference data, and every entry has a row here', () => {
  assert.equal(randers.entries.map((e) => e.id).sort(), Object.keys(RANDERS).sort());
});

for (const entry of randers.entries) {
  t(`PH-1: Randers ${entry.name}: open exactly in its hours, Monday to Friday; closed at weekends`, () => {
    const hours = PhoneHours.parse(entry.hours);
    const expected = RANDERS[entry.id]!;
    for (const monday of WEEKS) {
      expected.forEach((range, i) => {
        const date = addDays(monday, i);
        const [from, to] = range.split('-') as [string, string];
        assert.is(hours.isOpen(at(date, minus1(from))), false, `${entry.id} ${date} ${minus1(from)}`);
        assert.is(hours.isOpen(at(date, from)), true, `${entry.id} ${date} ${from}`);
        assert.is(hours.isOpen(at(date, minus1(to))), true, `${entry.id} ${date} ${minus1(to)}`);
        assert.is(hours.isOpen(at(date, to)), false, `${entry.id} ${date} ${to}`);
        assert.is(open(hours.day(date)), range);
        assert.is(wall(hours.nextChange(at(date, '06:00'))), `${date} ${from}`);
        assert.is(wall(hours.nextChange(at(date, from))), `${date} ${to}`);
      });
      for (const weekend of [addDays(monday, 5), addDays(monday, 6)]) {
        assert.is(hours.isOpen(at(weekend, '10:00')), false);
        assert.equal(hours.day(weekend).open, []);
      }
    }
  });

  t(`PH-1: Randers ${entry.name}: closed on Skærtorsdag, Langfredag and 2. påskedag; normal hours the Tuesday after`, () => {
    const hours = PhoneHours.parse(entry.hours);
    for (const date of ['2025-04-17', '2025-04-18', '2025-04-21']) {
      assert.ok(holidayOn(date));
      assert.is(hours.isOpen(at(date, '10:00')), false, date);
      assert.equal(hours.day(date).open, []);
    }
    const tuesday = RANDERS[entry.id]![1];
    assert.is(open(hours.day('2025-04-22')), tuesday);
    assert.is(hours.isOpen(at('2025-04-22', '10:00')), true);
    // closed from Wednesday's closing until Tuesday's opening
    assert.is(wall(hours.nextChange(at('2025-04-17', '07:00'))), `2025-04-22 ${tuesday.slice(0, 5)}`);
  });
}

t('PH-1: Borgerservice, telefon: Monday 17:30 open, Tuesday 17:30 closed, Friday closes 14:00', () => {
  const hours = PhoneHours.parse(randers.entries.find((e) => e.id === 'borgerservice-telefon')!.hours);
  assert.is(hours.isOpen(at('2025-03-10', '17:30')), true);
  assert.is(hours.isOpen(at('2025-03-11', '17:30')), false);
  assert.is(hours.isOpen(at('2025-03-14', '13:59')), true);
  assert.is(hours.isOpen(at('2025-03-14', '14:00')), false);
  assert.is(wall(hours.nextChange(at('2025-03-14', '14:00'))), '2025-03-17 08:00');
});

t('PH-1: Friday closing times differ per function (Misbrugscentret 12:00, Kirkegårdskontoret 13:30, PPR 15:00)', () => {
  const friday = '2025-03-14';
  const closes = (id: string) => wall(PhoneHours.parse(randers.entries.find((e) => e.id === id)!.hours).nextChange(at(friday, '10:00')));
  assert.is(closes('misbrugscenter'), `${friday} 12:00`);
  assert.is(closes('kirkegaard'), `${friday} 13:30`);
  assert.is(closes('ppr'), `${friday} 15:00`);
  assert.is(closes('jobcenter'), `${friday} 14:30`);
});

// ---- PH means date-holidays' public holidays ---------------------------------------------

const LOCATION = { lat: 55.68, lon: 12.57, address: { country_code: 'dk', state: '' } };
const raw = new Map<string, opening_hours>();
const rawOf = (expr: string) => raw.get(expr) ?? raw.set(expr, new opening_hours(expr, LOCATION, 0)).get(expr)!;
const localClock = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

/** What opening_hours says on its own about a wall-clock day, in the test process's zone. */
function rawDay(expr: string, date: string): string | null {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const from = new Date(y, m - 1, d);
  const to = new Date(y, m - 1, d + 1);
  if (to.getTime() - from.getTime() !== 86_400_000 || from.getHours() !== 0) return null; // the process's own DST day
  return rawOf(expr)
    .getOpenIntervals(from, to)
    .map(([a, b]) => `${localClock(a as Date)}-${b && (b as Date).getDate() === d ? localClock(b as Date) : '24:00'}`)
    .join(',');
}

/** opening_hours' own idea of a Danish public holiday. */
function rawIsHoliday(date: string): boolean {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return rawOf('PH off').getPublicHolidayContext(new Date(y, m - 1, d, 12)).isHoliday;
}

t('PH-1: PH is date-holidays\' public holidays, not opening_hours\' own list', () => {
  const hours = PhoneHours.parse('Mo-Fr 08:00-16:00; PH off');
  // Store Bededag 2023: a holiday opening_hours does not know
  assert.is(rawDay('Mo-Fr 08:00-16:00; PH off', '2023-05-05') ?? '08:00-16:00', '08:00-16:00');
  assert.is(hours.isOpen(at('2023-05-05', '10:00')), false);
  assert.is(hours.day('2023-05-05').holiday?.name, 'Store bededag');
  // Juleaftensdag and Grundlovsdag: opening_hours calls them PH; they are not public holidays
  for (const date of ['2024-12-24', '2025-06-05', '2026-06-05']) {
    assert.ok(rawIsHoliday(date), date);
    assert.is(hours.isOpen(at(date, '10:00')), true, date);
  }
});

t('PH-1: on every other day 2024–2026 the answer is exactly what opening_hours gives', () => {
  const exprs = [
    ...randers.entries.map((e) => e.hours),
    'Mo-Fr,PH 08:00-12:00',
    'Mo-Fr 08:00-16:00; PH 10:00-12:00',
    'Mo-Fr 08:00-16:00, PH 18:00-19:00',
    'PH Mo-Fr 10:00-11:00; Sa 09:00-10:00',
    'Mo-Su 07:00-09:00 || PH closed',
    'Mo-Fr 08:00-16:00; PH +1 day 08:00-10:00',
    'Mo-Fr 08:00-16:00; PH -1 day 08:00-12:00; PH off',
    'Mo-Fr 08:00-16:00; Jul off; PH off',
  ];
  const hours = exprs.map((e) => PhoneHours.parse(e));
  let compared = 0;
  for (let date = '2024-01-01'; date < '2027-01-01'; date = addDays(date, 1)) {
    // days whose PH status (or a neighbour's) opening_hours gets wrong are proved above
    const agree = [-1, 0, 1].every((k) => rawIsHoliday(addDays(date, k)) === (holidayOn(addDays(date, k)) !== null));
    if (!agree) continue;
    exprs.forEach((expr, i) => {
      const raw = rawDay(expr, date);
      if (raw === null) return;
      assert.is(open(hours[i]!.day(date)), raw, `${expr} on ${date}`);
      compared++;
    });
  }
  assert.ok(compared > 1000 * exprs.length * 0.9);
});

t('PH-1: PH rules of every form follow date-holidays', () => {
  // PH +1 day: the day after a public holiday
  const after = PhoneHours.parse('PH +1 day 10:00-12:00');
  assert.is(after.isOpen(at('2023-05-06', '11:00')), true); // after Store Bededag 2023
  assert.is(after.isOpen(at('2024-12-25', '11:00')), false); // after Juleaftensdag: not a holiday
  assert.is(after.isOpen(at('2024-12-26', '11:00')), true); // after Juledag
  // PH in a weekday list, and PH with its own hours
  const list = PhoneHours.parse('Mo-Fr,PH 08:00-12:00');
  assert.is(open(list.day('2025-04-20')), '08:00-12:00'); // Påskedag, a Sunday
  assert.is(open(list.day('2025-04-19')), ''); // the Saturday between
  const own = PhoneHours.parse('Mo-Fr 08:00-16:00; PH 10:00-12:00');
  assert.is(open(own.day('2025-04-17')), '10:00-12:00');
  assert.is(open(own.day('2025-04-16')), '08:00-16:00');
  assert.equal(own.variantTexts, { ordinary: 'Mo-Fr 08:00-16:00; 1970 10:00-12:00', holiday: 'Mo-Fr 08:00-16:00; Mo-Su 10:00-12:00' });
});

// ---- DST --------------------------------------------------------------------------------

const SWITCHES = [
  ['2024-03-31', '2024-10-27'],
  ['2025-03-30', '2025-10-26'],
  ['2026-03-29', '2026-10-25'],
] as const;

for (const [spring, autumn] of SWITCHES) {
  t(`PH-1: "Mo-Su 01:00-04:00" across the gap (${spring}) lasts 2 hours, across the overlap (${autumn}) 4`, () => {
    const hours = PhoneHours.parse('Mo-Su 01:00-04:00');
    const springDay = hours.intervals(at(spring, '00:00'), at(spring, '24:00'));
    assert.equal(springDay.map((i) => [i.start.toISOString(), i.end.toISOString()]), [[`${spring}T00:00:00.000Z`, `${spring}T02:00:00.000Z`]]);
    assert.is(hours.isOpen(new Date(`${spring}T01:30:00Z`)), true); // 03:30 summer time
    assert.is(hours.isOpen(new Date(`${spring}T02:00:00Z`)), false); // 04:00
    assert.is(hours.nextChange(new Date(`${spring}T00:30:00Z`))!.toISOString(), `${spring}T02:00:00.000Z`);
    assert.equal(hours.day(spring).open, [{ from: '01:00', to: '04:00' }]);

    const autumnDay = hours.intervals(at(autumn, '00:00'), at(autumn, '24:00'));
    assert.equal(autumnDay.map((i) => [i.start.toISOString(), i.end.toISOString()]), [[`${addDays(autumn, -1)}T23:00:00.000Z`, `${autumn}T03:00:00.000Z`]]);
    assert.is(hours.isOpen(new Date(`${autumn}T01:30:00Z`)), true); // the second 02:30
    assert.is(hours.nextChange(new Date(`${autumn}T00:00:00Z`))!.toISOString(), `${autumn}T03:00:00.000Z`);
  });

  t(`PH-1: hours wholly inside the spring gap (${spring}) never open; in the autumn overlap (${autumn}) they do, once`, () => {
    const hours = PhoneHours.parse('Su 02:15-02:45');
    assert.equal(hours.intervals(at(spring, '00:00'), at(spring, '24:00')), []);
    assert.is(hours.isOpen(new Date(`${spring}T01:00:00Z`)), false);
    const autumnDay = hours.intervals(at(autumn, '00:00'), at(autumn, '24:00'));
    assert.equal(autumnDay.map((i) => [i.start.toISOString(), i.end.toISOString()]), [[`${autumn}T00:15:00.000Z`, `${autumn}T00:45:00.000Z`]]);
  });

  t(`PH-1: the Monday after a DST change opens at the right instant (${spring}, ${autumn})`, () => {
    const borgerservice = PhoneHours.parse(randers.entries.find((e) => e.id === 'borgerservice')!.hours);
    const summerMonday = addDays(spring, 1);
    const winterMonday = addDays(autumn, 1);
    if (holidayOn(summerMonday) === null) {
      assert.is(borgerservice.nextChange(at(spring, '12:00'))!.toISOString(), `${summerMonday}T07:00:00.000Z`);
    } else {
      assert.is(borgerservice.nextChange(at(spring, '12:00'))!.toISOString(), `${addDays(summerMonday, 1)}T07:00:00.000Z`);
    }
    assert.is(borgerservice.nextChange(at(autumn, '12:00'))!.toISOString(), `${winterMonday}T08:00:00.000Z`);
    assert.is(borgerservice.isOpen(new Date(`${winterMonday}T07:59:00Z`)), false);
    assert.is(borgerservice.isOpen(new Date(`${winterMonday}T08:00:00Z`)), true);
  });
}

// ---- the rest of the API ----------------------------------------------------------------

t('PH-1: a bad expression throws PhoneHoursError with the library\'s message; checkPhoneHours gives its first line', () => {
  try {
    PhoneHours.parse('Mo-Fr 08:00-16:00 Xy');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, PhoneHoursError);
    assert.is((err as PhoneHoursError).expr, 'Mo-Fr 08:00-16:00 Xy');
    assert.ok((err as Error).message.length > 0);
    assert.is(checkPhoneHours('Mo-Fr 08:00-16:00 Xy'), (err as Error).message.split('\n')[0]);
  }
  assert.is(checkPhoneHours('Mo-Fr 08:00-16:00; PH off'), null);
  assert.ok(checkPhoneHours('SH off')); // no school holidays for Denmark
});

t('intervals: clipped to the window; spans across midnight are joined', () => {
  const night = PhoneHours.parse('Fr 22:00-02:00');
  const found = night.intervals(at('2025-03-14', '00:00'), at('2025-03-17', '00:00'));
  assert.equal(found.map((i) => [wall(i.start), wall(i.end)]), [['2025-03-14 22:00', '2025-03-15 02:00']]);
  assert.equal(night.day('2025-03-14').open, [{ from: '22:00', to: '24:00' }]);
  assert.equal(night.day('2025-03-15').open, [{ from: '00:00', to: '02:00' }]);
  assert.is(wall(night.nextChange(at('2025-03-14', '23:00'))), '2025-03-15 02:00');
  const clipped = PhoneHours.parse('Mo-Fr 08:00-16:00').intervals(at('2025-03-10', '12:00'), at('2025-03-11', '09:00'));
  assert.equal(clipped.map((i) => [wall(i.start), wall(i.end)]), [['2025-03-10 12:00', '2025-03-10 16:00'], ['2025-03-11 08:00', '2025-03-11 09:00']]);
  assert.equal(night.intervals(at('2025-03-14', '00:00'), at('2025-03-14', '00:00')), []);
});

t('nextChange: null when nothing changes within a year; holidays break "24/7; PH off"', () => {
  assert.is(PhoneHours.parse('24/7').nextChange(at('2025-03-10', '10:00')), null);
  assert.is(PhoneHours.parse('off').nextChange(at('2025-03-10', '10:00')), null);
  const always = PhoneHours.parse('24/7; PH off');
  assert.is(wall(always.nextChange(at('2024-12-20', '10:00'))), '2024-12-25 00:00');
  assert.is(wall(always.nextChange(at('2024-12-25', '10:00'))), '2024-12-27 00:00');
  // asked again a little later: the same answer
  assert.is(wall(always.nextChange(at('2024-12-21', '10:00'))), '2024-12-25 00:00');
  assert.is(always.isOpen(at('2024-12-24', '23:59')), true);
});

t('PH-1: day, week and typicalWeek', () => {
  const hours = PhoneHours.parse('Mo 08:00-18:00; Tu-Th 08:00-16:00; Fr 08:00-14:00; PH off');
  const week = hours.week(at('2025-04-19', '12:00')); // Easter week 2025
  assert.equal(week.map((d) => d.date), ['2025-04-14', '2025-04-15', '2025-04-16', '2025-04-17', '2025-04-18', '2025-04-19', '2025-04-20']);
  assert.equal(week.map((d) => d.weekday), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(week.map(open), ['08:00-18:00', '08:00-16:00', '08:00-16:00', '', '', '', '']);
  assert.equal(week.map((d) => d.holiday?.name ?? null), [null, null, null, 'Skærtorsdag', 'Langfredag', null, 'Påskedag']);
  // the typical week ignores the holidays, even for Easter week
  const typical = hours.typicalWeek(at('2025-04-19', '12:00'));
  assert.equal(typical.map((d) => [d.weekday, d.open.map((r) => `${r.from}-${r.to}`).join(',')]), [[1, '08:00-18:00'], [2, '08:00-16:00'], [3, '08:00-16:00'], [4, '08:00-16:00'], [5, '08:00-14:00'], [6, ''], [7, '']]);
  assert.equal(hours.typicalWeek(), typical);
  assert.ok(hours.holidayWeek().every((d) => d.open.length === 0));
  assert.is(hours.mentionsHolidays, true);
  assert.is(PhoneHours.parse('Mo-Fr 08:00-16:00').mentionsHolidays, false);
});

t('phoneHoursFor shares one instance per expression', () => {
  const a = phoneHoursFor('Mo-Fr 08:00-15:00; PH off');
  assert.is(phoneHoursFor('Mo-Fr 08:00-15:00; PH off'), a);
  assert.is.not(phoneHoursFor('Mo-Fr 08:00-14:00; PH off'), a);
  assert.is(a.expr, 'Mo-Fr 08:00-15:00; PH off');
});

t('the per-instance day cache stays bounded', () => {
  const hours = PhoneHours.parse('Mo-Fr 08:00-16:00; PH off');
  for (let i = 0; i < 400; i++) hours.isOpen(at(addDays('2025-01-01', i), '10:00'));
  assert.ok((hours as unknown as { days: Map<string, unknown> }).days.size <= 60);
  assert.is(hours.isOpen(at('2025-01-02', '10:00')), true);
});

t('isOpen for 10,000 people sharing 20 expressions is fast (benchmark smoke test)', () => {
  const exprs = randers.entries.map((e) => e.hours);
  for (let i = 1; exprs.length < 20; i++) exprs.push(`Mo-Fr 08:00-1${i}:00; PH off`);
  const people = Array.from({ length: 10_000 }, (_, i) => exprs[i % exprs.length]!);
  const now = at('2025-03-12', '10:30');
  for (const expr of people) phoneHoursFor(expr).isOpen(now); // warm-up
  const start = performance.now();
  let openCount = 0;
  for (const expr of people) if (phoneHoursFor(expr).isOpen(now)) openCount++;
  const ms = performance.now() - start;
  assert.is(openCount, 10_000);
  assert.ok(ms < 100, `${ms.toFixed(1)} ms`);
});

t.run();
