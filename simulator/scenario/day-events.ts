/**
 * The simulated day's events, drawn ONCE from the seed and then played by both runs (with
 * omstil and without): who is absent, each person's lunch and meetings, the closures (PH-3),
 * and every call with its time, channel, target and length. The choices people make with
 * omstil (meetings in the calendar, pressing the diversion, setting away for lunch) are drawn
 * here too, so nothing about the day depends on the run that plays it. Pure.
 */
import type { ClosureOffer } from '../../protocol/index.js';
import { addDays, atLocal } from '../../broker/policy/hours/zone.js';
import { generateMunicipality, MAIN_NUMBER, type Municipality } from './municipality.js';
import type { ScenarioParams } from './scenario-params.js';
import { Random } from './seeded-streams.js';

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;

export interface Meeting {
  start: number;
  end: number;
  /** PR-3: in the person's calendar (omstil knows of it) */
  inCalendar: boolean;
  /** DV-5: with omstil, the person presses the diversion the phone offers */
  divert: boolean;
}

/** One person's day. Times are epoch ms. */
export interface PersonDay {
  id: string;
  dept: string;
  work: [number, number];
  /** absent the whole day: the absence's calendar entry (all-day, PR-3) */
  absence: { since: string; until: string } | null;
  lunch: [number, number] | null;
  /** with omstil: sets 'away' on the phone for lunch (PR-1) */
  lunchAway: boolean;
  meetings: Meeting[];
}

export interface ClosurePlan {
  dept: string;
  start: number;
  end: number;
  offer: ClosureOffer;
  /** for offer 'fallback': another department's function number */
  fallback: string | null;
}

export type Channel = 'personal' | 'function' | 'main';

export interface CallEvent {
  id: string;
  at: number;
  /** the department the caller's matter belongs to */
  dept: string;
  channel: Channel;
  /** the person or function the caller wants (for 'main': whom they ask reception for) */
  target: string;
  /** the number dialled */
  number: string;
  /** seconds the conversation takes (a call-back takes as long) */
  durationS: number;
  callerName: string;
  callerNumber: string;
}

export interface DayPlan {
  params: ScenarioParams;
  town: Municipality;
  people: ReadonlyMap<string, PersonDay>;
  closures: ClosurePlan[];
  /** by time */
  calls: CallEvent[];
  /** calls per hour of phone hours drawn for each department (the Poisson rate) */
  callRates: ReadonlyMap<string, number>;
  /** the simulated span: midnight to midnight */
  start: number;
  end: number;
}

/** Streams: one per aspect of the day. */
const STREAM = { town: 0, absence: 1, lunch: 2, meetings: 3, closures: 4, calls: 5, choices: 6 } as const;

export function generateDay(params: ScenarioParams): DayPlan {
  const r = (k: keyof typeof STREAM) => Random.stream(params.seed, STREAM[k]);
  const town = generateMunicipality(params, r('town'));
  const absence = r('absence');
  const lunchR = r('lunch');
  const meetR = r('meetings');
  const choices = r('choices');
  const people = new Map<string, PersonDay>();
  const [lw0, lw1] = params.lunchWindow.map((t) => atLocal(params.date, t).getTime()) as [number, number];
  const lunchMs = params.lunchMinutes * MINUTE;
  const meanMeeting = ((params.meetingMinutes[0] + params.meetingMinutes[1]) / 2) * MINUTE;
  for (const dept of town.depts) {
    for (const id of dept.staff) {
      const day: PersonDay = { id, dept: dept.id, work: dept.work, absence: null, lunch: null, lunchAway: false, meetings: [] };
      people.set(id, day);
      if (absence.chance(params.absentShare)) {
        // an absence of 1 day to 2 weeks that the simulated day lies in
        const days = absence.int(params.absenceDays[0], params.absenceDays[1]);
        const first = addDays(params.date, -absence.int(0, days - 1));
        day.absence = { since: atLocal(first, '00:00').toISOString(), until: atLocal(addDays(first, days), '00:00').toISOString() };
        continue;
      }
      if (lunchMs > 0 && lw1 - lunchMs >= lw0) {
        const start = lw0 + Math.floor(lunchR.float() * ((lw1 - lunchMs - lw0) / (5 * MINUTE) + 1)) * 5 * MINUTE;
        day.lunch = [start, start + lunchMs];
      }
      day.lunchAway = choices.chance(params.lunchAwayShare);
      // meetings: on average meetingShare of all staff at any moment; absent people have none,
      // so those at work carry meetingShare / (1 - absentShare) of their working time
      const workMs = dept.work[1] - dept.work[0];
      const target = (params.meetingShare / Math.max(1e-9, 1 - params.absentShare)) * workMs;
      const count = meetR.poisson(target / meanMeeting);
      const busy: [number, number][] = day.lunch ? [day.lunch] : [];
      for (let k = 0; k < count; k++) {
        for (let attempt = 0; attempt < 30; attempt++) {
          const len = quarterIn(meetR, params.meetingMinutes[0] * MINUTE, params.meetingMinutes[1] * MINUTE);
          const slots = Math.floor((workMs - len) / QUARTER);
          if (slots < 0) break;
          const start = dept.work[0] + meetR.int(0, slots) * QUARTER;
          if (busy.some(([a, b]) => start < b && a < start + len)) continue;
          busy.push([start, start + len]);
          day.meetings.push({ start, end: start + len, inCalendar: false, divert: false });
          break;
        }
      }
      day.meetings.sort((a, b) => a.start - b.start);
      for (const m of day.meetings) {
        m.inCalendar = choices.chance(params.calendarShare);
        m.divert = m.inCalendar && choices.chance(params.meetingDivertShare);
      }
    }
  }
  const closures = generateClosures(params, town, r('closures'));
  const callRates = new Map<string, number>();
  const calls = generateCalls(params, town, r('calls'), callRates);
  return { params, town, people, closures, calls, callRates, start: atLocal(params.date, '00:00').getTime(), end: atLocal(addDays(params.date, 1), '00:00').getTime() };
}

/** A length in [min, max] in whole quarters of an hour (at least one quarter). */
function quarterIn(r: Random, min: number, max: number): number {
  const lo = Math.max(1, Math.ceil(min / QUARTER));
  const hi = Math.max(lo, Math.floor(max / QUARTER));
  return r.int(lo, hi) * QUARTER;
}

/** PH-3: one or two departments close for part of their phone hours (a training, a move). */
function generateClosures(params: ScenarioParams, town: Municipality, r: Random): ClosurePlan[] {
  const count = r.int(params.closures[0], params.closures[1]);
  const open = town.depts.filter((d) => d.phoneIntervals.length > 0);
  const out: ClosurePlan[] = [];
  for (const dept of r.shuffle(open).slice(0, count)) {
    const [a, b] = dept.phoneIntervals.reduce((x, y) => (y[1] - y[0] > x[1] - x[0] ? y : x));
    const len = Math.min(quarterIn(r, params.closureMinutes[0] * MINUTE, params.closureMinutes[1] * MINUTE), Math.floor((b - a) / QUARTER) * QUARTER);
    if (len <= 0) continue;
    const start = a + r.int(0, Math.floor((b - a - len) / QUARTER)) * QUARTER;
    const offer = r.pick(['message', 'callback', 'fallback'] as const);
    const others = town.depts.filter((d) => d.id !== dept.id);
    const fallback = offer === 'fallback' && others.length ? r.pick(others).groups[0]! : null;
    out.push({ dept: dept.id, start, end: start + len, offer: fallback === null && offer === 'fallback' ? 'message' : offer, fallback });
  }
  return out;
}

/** Calls per department: a Poisson process inside its phone hours at a rate drawn per department. */
function generateCalls(params: ScenarioParams, town: Municipality, r: Random, rates: Map<string, number>): CallEvent[] {
  const calls: Omit<CallEvent, 'id'>[] = [];
  const shares = params.channelShares;
  for (const dept of town.depts) {
    const perHour = r.between(params.callsPerHour[0], params.callsPerHour[1]);
    rates.set(dept.id, perHour);
    const perMs = perHour / 3_600_000;
    if (perMs <= 0) continue;
    for (const [a, b] of dept.phoneIntervals) {
      for (let t = a + r.exponential(perMs); t < b; t += r.exponential(perMs)) {
        const u = r.float();
        const channel: Channel = u < shares.personal ? 'personal' : u < shares.personal + shares.function ? 'function' : 'main';
        const asksPerson = channel === 'personal' || (channel === 'main' && r.chance(params.mainAsksPersonShare));
        const target = asksPerson ? r.pick(dept.staff) : r.pick(dept.groups);
        const number = channel === 'main' ? MAIN_NUMBER : (town.dir.people.get(target)?.extension ?? town.dir.groups.get(target)!.number);
        const durationS = Math.round(r.between(params.callMinutes[0], params.callMinutes[1]) * 60);
        const callerNumber = `+45 ${r.int(20, 99)} ${r.int(10, 99)} ${r.int(10, 99)} ${r.int(10, 99)}`;
        calls.push({ at: Math.round(t), dept: dept.id, channel, target, number, durationS, callerName: `Borger ${calls.length + 1}`, callerNumber });
      }
    }
  }
  calls.sort((x, y) => x.at - y.at);
  return calls.map((c, i) => ({ id: `c${String(i + 1).padStart(5, '0')}`, ...c }));
}
