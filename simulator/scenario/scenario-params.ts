/**
 * The simulated municipal day's parameters (issue 9, docs/scenario.md). The defaults describe a
 * mid-size municipality as the issue does; every run prints the values it used, identical for
 * the run with omstil and the run without. Pure: no I/O.
 */
import { isWorkday } from '../../broker/policy/hours/workdays.js';

/** A closed range [min, max]. */
export type Range = readonly [number, number];

export interface ScenarioParams {
  /** the random seed: the same seed and parameters give the same day, call for call */
  seed: number;
  /** the simulated day (Copenhagen time): a workday, so the departments have phone hours */
  date: string;
  /** departments with phone hours (their hours come from Randers' table, PH-1) */
  departments: number;
  /** employees per department, drawn uniformly */
  staff: Range;
  /** the working day of staff; widened per department to cover its phone hours */
  workday: readonly [string, string];
  /** share of all staff in a meeting at any moment of the working day */
  meetingShare: number;
  /** minutes per meeting, drawn uniformly in steps of 15 */
  meetingMinutes: Range;
  /** share of all staff absent (the whole simulated day) */
  absentShare: number;
  /** length of an absence in calendar days (1 day to 2 weeks); the day lies somewhere inside it */
  absenceDays: Range;
  /** lunch: everyone at work takes one, starting in [from, to - minutes] */
  lunchWindow: readonly [string, string];
  lunchMinutes: number;
  /** calls per department per hour of its phone hours (a Poisson process), the rate drawn uniformly per department */
  callsPerHour: Range;
  /** minutes per conversation (and per call-back), drawn uniformly */
  callMinutes: Range;
  /** where calls come in: a personal number, a function (group) number, the main number (reception); sum 1 */
  channelShares: { personal: number; function: number; main: number };
  /** of the calls to the main number, the share asking for a named person (the rest ask for a function) */
  mainAsksPersonShare: number;
  /** departments with a closure (PH-3) for part of their phone hours */
  closures: Range;
  /** minutes per closure */
  closureMinutes: Range;
  /** share of meetings that are in the person's calendar (PR-3); the rest omstil does not know of */
  calendarShare: number;
  /** with omstil: share of calendar meetings for which the person presses the diversion the phone offers (DV-5) */
  meetingDivertShare: number;
  /** with omstil: share of lunches for which the person sets 'away' on the phone (PR-1) */
  lunchAwayShare: number;
  /** seconds a call rings before it ends unanswered (kamailio/omstil.cfg RING_TIMEOUT_MS) */
  ringSeconds: number;
  /** seconds from a free phone ringing to the answer */
  pickupSeconds: number;
  /** seconds reception talks to a caller before transferring or taking a message */
  receptionSeconds: number;
  /** with omstil: minutes a person is free at the desk before starting a call-back (incoming calls first) */
  callbackIdleMinutes: number;
}

export const DEFAULT_PARAMS: Readonly<ScenarioParams> = Object.freeze({
  seed: 1,
  date: '2026-11-24',
  departments: 20,
  staff: [10, 40],
  workday: ['08:00', '16:00'],
  meetingShare: 0.15,
  meetingMinutes: [30, 120],
  absentShare: 0.05,
  absenceDays: [1, 14],
  lunchWindow: ['11:00', '13:00'],
  lunchMinutes: 30,
  callsPerHour: [4, 30],
  callMinutes: [3, 5],
  channelShares: { personal: 0.4, function: 0.4, main: 0.2 },
  mainAsksPersonShare: 0.5,
  closures: [1, 2],
  closureMinutes: [60, 120],
  calendarShare: 0.9,
  meetingDivertShare: 0.5,
  lunchAwayShare: 0.5,
  ringSeconds: 30,
  pickupSeconds: 10,
  receptionSeconds: 30,
  callbackIdleMinutes: 2,
} satisfies ScenarioParams);

/** One line per parameter for the printed result: name, value, what it is. */
export const PARAM_TEXT: Readonly<Record<keyof ScenarioParams, string>> = {
  seed: 'random seed (same seed, same day)',
  date: 'simulated day (Europe/Copenhagen)',
  departments: 'departments (phone hours from Randers\' table)',
  staff: 'staff per department',
  workday: 'working day (widened to cover phone hours)',
  meetingShare: 'share of staff in a meeting at any moment',
  meetingMinutes: 'meeting length, minutes',
  absentShare: 'share of staff absent',
  absenceDays: 'absence length, days',
  lunchWindow: 'lunch window',
  lunchMinutes: 'lunch, minutes',
  callsPerHour: 'calls per department per phone hour',
  callMinutes: 'minutes per call',
  channelShares: 'calls to personal / function / main number',
  mainAsksPersonShare: 'main-number callers asking for a person',
  closures: 'departments with a closure (PH-3)',
  closureMinutes: 'closure length, minutes',
  calendarShare: 'meetings in the calendar (PR-3)',
  meetingDivertShare: 'with omstil: meetings diverted by the one button (DV-5)',
  lunchAwayShare: 'with omstil: lunches set as away (PR-1)',
  ringSeconds: 'ring time before a call ends unanswered, s',
  pickupSeconds: 'time to pick up a free phone, s',
  receptionSeconds: 'reception talk before transfer, s',
  callbackIdleMinutes: 'with omstil: idle minutes before a call-back',
};

/** A parameter that cannot be used, named as the CLI and the docs name it. */
export class ScenarioParamsError extends Error {
  constructor(
    readonly param: keyof ScenarioParams,
    message: string,
  ) {
    super(`${param}: ${message}`);
    this.name = 'ScenarioParamsError';
  }
}

/** The defaults with `overrides`, checked; throws ScenarioParamsError naming the first bad parameter. */
export function scenarioParams(overrides: Partial<ScenarioParams> = {}): ScenarioParams {
  const p: ScenarioParams = { ...DEFAULT_PARAMS, ...overrides };
  const bad = (param: keyof ScenarioParams, message: string): never => {
    throw new ScenarioParamsError(param, message);
  };
  const share = (param: keyof ScenarioParams, v: number) => {
    if (!Number.isFinite(v) || v < 0 || v > 1) bad(param, `must be a share between 0 and 1, not ${v}`);
  };
  const range = (param: keyof ScenarioParams, r: Range, min: number, max = Infinity) => {
    if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite)) bad(param, 'must be [min, max]');
    if (r[0] > r[1]) bad(param, `min ${r[0]} is above max ${r[1]}`);
    if (r[0] < min || r[1] > max) bad(param, `must lie in ${min}..${max}`);
  };
  const clock = (param: keyof ScenarioParams, pair: readonly [string, string]) => {
    if (!pair.every((x) => /^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(x)) || pair[0] >= pair[1]) bad(param, `must be two times HH:MM, the first earlier, not ${pair.join('-')}`);
  };
  if (!Number.isSafeInteger(p.seed)) bad('seed', `must be a whole number, not ${p.seed}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(p.date) || new Date(`${p.date}T12:00:00Z`).toISOString().slice(0, 10) !== p.date) bad('date', `must be a date YYYY-MM-DD, not ${p.date}`);
  // PH-1: weekends and Danish public holidays have no phone hours: nothing to simulate
  if (!isWorkday(p.date)) bad('date', `${p.date} is not a workday (a weekend or a Danish public holiday)`);
  if (!Number.isInteger(p.departments) || p.departments < 1 || p.departments > 200) bad('departments', `must be 1..200, not ${p.departments}`);
  range('staff', p.staff, 2, 89);
  if (!p.staff.every(Number.isInteger)) bad('staff', 'must be whole numbers');
  clock('workday', p.workday);
  share('meetingShare', p.meetingShare);
  range('meetingMinutes', p.meetingMinutes, 15, 480);
  share('absentShare', p.absentShare);
  range('absenceDays', p.absenceDays, 1, 366);
  clock('lunchWindow', p.lunchWindow);
  if (!(p.lunchMinutes >= 0 && p.lunchMinutes <= 120)) bad('lunchMinutes', `must be 0..120, not ${p.lunchMinutes}`);
  range('callsPerHour', p.callsPerHour, 0, 1000);
  range('callMinutes', p.callMinutes, 0.5, 120);
  const s = p.channelShares;
  for (const k of ['personal', 'function', 'main'] as const) share('channelShares', s[k]);
  if (Math.abs(s.personal + s.function + s.main - 1) > 1e-9) bad('channelShares', 'personal + function + main must be 1');
  share('mainAsksPersonShare', p.mainAsksPersonShare);
  range('closures', p.closures, 0, p.departments);
  if (!p.closures.every(Number.isInteger)) bad('closures', 'must be whole numbers');
  range('closureMinutes', p.closureMinutes, 15, 600);
  share('calendarShare', p.calendarShare);
  share('meetingDivertShare', p.meetingDivertShare);
  share('lunchAwayShare', p.lunchAwayShare);
  for (const k of ['ringSeconds', 'pickupSeconds', 'receptionSeconds', 'callbackIdleMinutes'] as const) {
    if (!(p[k] >= 0 && p[k] <= 600)) bad(k, `must be 0..600, not ${p[k]}`);
  }
  return p;
}

/** The parameters as printed with the result: `[name, value, what]`. */
export function paramLines(p: ScenarioParams): [string, string, string][] {
  const show = (v: unknown): string => {
    if (Array.isArray(v)) return v.length === 2 && typeof v[0] === 'string' ? `${v[0]}-${v[1]}` : `${v[0]}-${v[1]}`;
    if (v && typeof v === 'object') return Object.values(v).map((x) => `${Math.round(Number(x) * 100)} %`).join(' / ');
    if (typeof v === 'number' && v > 0 && v < 1) return `${Math.round(v * 100)} %`;
    return String(v);
  };
  return (Object.keys(PARAM_TEXT) as (keyof ScenarioParams)[]).map((k) => [k, show(p[k]), PARAM_TEXT[k]]);
}
