/**
 * Answers from the hours module that must not depend on the process's time zone. The
 * timezone test runs this in child processes with other TZ settings and compares.
 */
import { PhoneHours } from '../../../../broker/policy/hours/phone-hours.js';
import { addWorkdays } from '../../../../broker/policy/hours/workdays.js';
import { atLocal, localDate, localTime } from '../../../../broker/policy/hours/zone.js';

const EXPRS = [
  'Mo 08:00-18:00; Tu-Th 08:00-16:00; Fr 08:00-14:00; PH off',
  'Mo-Su 01:00-04:00',
  // 02:30 does not exist in New York on 10 March 2024, nor 01:30 in London on 31 March 2024
  'Su 01:30-03:00; Su 02:30-04:00',
  'Su 02:30-04:00; PH off',
  'Mo-Fr 22:00-02:00; PH off',
];

const INSTANTS = [
  '2024-03-10T00:00:00Z', // New York springs forward this day
  '2024-03-10T01:45:00Z',
  '2024-03-29T09:00:00Z', // Langfredag
  '2024-03-31T00:30:00Z', // Copenhagen springs forward
  '2024-03-31T01:30:00Z',
  '2024-04-01T22:30:00Z',
  '2024-10-27T00:30:00Z', // Copenhagen falls back
  '2024-10-27T01:30:00Z',
  '2024-11-03T06:30:00Z', // New York falls back
  '2024-12-24T15:00:00Z',
  '2025-03-14T13:30:00Z',
  '2025-03-15T10:00:00Z',
];

export interface Probe {
  zone: string;
  offsetMinutes: number;
  answers: unknown[];
}

export function probe(): Probe {
  const answers: unknown[] = [];
  for (const expr of EXPRS) {
    const hours = PhoneHours.parse(expr);
    for (const iso of INSTANTS) {
      const at = new Date(iso);
      answers.push([expr, iso, hours.isOpen(at), hours.nextChange(at)?.toISOString() ?? null]);
    }
    for (const date of ['2024-03-10', '2024-03-31', '2024-10-27', '2024-11-03']) {
      answers.push([expr, date, hours.day(date).open, hours.intervals(atLocal(date, '00:00'), atLocal(date, '24:00')).map((i) => [i.start.toISOString(), i.end.toISOString()])]);
    }
  }
  for (const iso of INSTANTS) {
    const at = new Date(iso);
    answers.push([iso, localDate(at), localTime(at), addWorkdays(at, 1).toISOString(), addWorkdays(at, 2).toISOString()]);
  }
  return {
    zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    offsetMinutes: new Date('2024-07-01T12:00:00Z').getTimezoneOffset(),
    answers,
  };
}
