/**
 * What the generated day holds, measured from its events (not from the parameters): printed
 * with the result, and what the tests compare with the description. Pure.
 */
import type { DayPlan } from './day-events.js';

export interface DaySummary {
  departments: number;
  /** employees (the switchboard not counted) */
  staff: number;
  staffPerDept: [number, number];
  /** function numbers (PH-4) */
  functions: number;
  calls: number;
  callsByChannel: { personal: number; function: number; main: number };
  /** calls per department per hour of its phone hours, lowest and highest department */
  callsPerHour: [number, number];
  /** call length in minutes, shortest and longest */
  callMinutes: [number, number];
  absent: number;
  /** all staff absent, as a share */
  absentShare: number;
  meetings: number;
  /** time-average share of all staff in a meeting over the working day */
  meetingShare: number;
  /** departments with a closure (PH-3) and its span, local time */
  closures: { dept: string; from: string; to: string; offer: string }[];
}

export function summarizeDay(plan: DayPlan): DaySummary {
  const { town } = plan;
  const sizes = town.depts.map((d) => d.staff.length);
  const people = [...plan.people.values()];
  let workMs = 0;
  let meetingMs = 0;
  for (const p of people) {
    workMs += p.work[1] - p.work[0];
    for (const m of p.meetings) meetingMs += m.end - m.start;
  }
  const rates = town.depts
    .map((d) => {
      const hours = d.phoneIntervals.reduce((s, [a, b]) => s + (b - a), 0) / 3_600_000;
      return hours > 0 ? plan.calls.filter((c) => c.dept === d.id).length / hours : null;
    })
    .filter((x): x is number => x !== null);
  const minutes = plan.calls.map((c) => c.durationS / 60);
  const by = { personal: 0, function: 0, main: 0 };
  for (const c of plan.calls) by[c.channel]++;
  const clock = (t: number) => new Date(t).toLocaleTimeString('en-GB', { timeZone: 'Europe/Copenhagen', hour: '2-digit', minute: '2-digit' });
  const absent = people.filter((p) => p.absence).length;
  return {
    departments: town.depts.length,
    staff: people.length,
    staffPerDept: [Math.min(...sizes), Math.max(...sizes)],
    functions: town.data.groups.length,
    calls: plan.calls.length,
    callsByChannel: by,
    callsPerHour: rates.length ? [Math.min(...rates), Math.max(...rates)] : [0, 0],
    callMinutes: minutes.length ? [Math.min(...minutes), Math.max(...minutes)] : [0, 0],
    absent,
    absentShare: people.length ? absent / people.length : 0,
    meetings: people.reduce((n, p) => n + p.meetings.length, 0),
    meetingShare: workMs ? meetingMs / workMs : 0,
    closures: plan.closures.map((c) => ({ dept: c.dept, from: clock(c.start), to: clock(c.end), offer: c.offer + (c.fallback ? ` → ${c.fallback}` : '') })),
  };
}
