/**
 * The simulated day's KPIs (ST-1, issue 9), counted with the statistics core (`aggregateCalls`)
 * so the day counts as the hub does, plus what the day adds: first-contact resolution, calls
 * lost while the function was reachable, and call-backs on time (docs/scenario.md). Pure.
 */
import { aggregateCalls } from '../../broker/stats/call-record.js';
import type { DayRun } from './run-day.js';

export interface DayKpis {
  offered: number;
  answered: number;
  /** answered / offered (a message taken is not an answer) */
  answerRate: number | null;
  /** inside phone hours and neither answered nor left as a message: the caller must call again */
  lost: number;
  lostRate: number | null;
  /** lost while someone of the call's function (or the person asked for) was at the desk and free: the bench's `day_calls_lost_*` */
  lostWhileReachable: number;
  messages: number;
  voicemail: number;
  /** rang out with nobody answering */
  noAnswer: number;
  /** of the calls that rang out or went to voicemail: someone rung was at the desk but on another call */
  unansweredBusy: number;
  /** of the calls that rang out or went to voicemail: nobody rung was at the desk (lunch, a meeting, absent, a closure) */
  unansweredAway: number;
  /** the IVR spoke (outside hours, a closure without a message) */
  announced: number;
  /** answered by the person asked for or a member of the function asked for, no call-back needed */
  firstContact: number;
  firstContactRate: number | null;
  /** ST-1: transfers / answered calls */
  transfersPerCall: number | null;
  waitAvgS: number | null;
  waitP90S: number | null;
  /** ST-1: calls that met an unavailable person */
  metUnavailable: number;
  callbacks: {
    /** messages taken (AS-1) */
    taken: number;
    /** called back by the end of the simulated day */
    done: number;
    /** done by their AS-2 due time */
    onTime: number;
    /** done after the due time */
    late: number;
    /** still open when the simulated day ended: not late (their due time is a workday later), reported apart */
    open: number;
    /** onTime / taken; null when no message was taken */
    onTimeRate: number | null;
  };
}

export function dayKpis(run: DayRun): DayKpis {
  const figures = aggregateCalls(run.calls.map((c) => c.record));
  const count = (f: (c: DayRun['calls'][number]) => boolean) => run.calls.reduce((n, c) => n + (f(c) ? 1 : 0), 0);
  const lostOf = (c: DayRun['calls'][number]) => c.record.insideHours && c.record.outcome !== 'answered' && c.record.outcome !== 'message';
  const offered = figures.offered;
  const firstContact = count((c) => c.firstContact);
  const done = run.callbacks.filter((c) => c.doneAt !== null);
  const onTime = done.filter((c) => c.doneAt! <= c.due).length;
  return {
    offered,
    answered: figures.answered,
    answerRate: figures.answerRate,
    lost: figures.lost,
    lostRate: offered ? figures.lost / offered : null,
    lostWhileReachable: count((c) => lostOf(c) && c.functionReachable),
    messages: figures.messages,
    voicemail: figures.voicemail,
    noAnswer: count((c) => c.record.outcome === 'no-answer'),
    unansweredBusy: count((c) => c.unanswered === 'busy'),
    unansweredAway: count((c) => c.unanswered === 'away'),
    announced: count((c) => c.record.outcome === 'announced'),
    firstContact,
    firstContactRate: offered ? firstContact / offered : null,
    transfersPerCall: figures.transfersPerCall,
    waitAvgS: figures.waitAvgS,
    waitP90S: figures.waitP90S,
    metUnavailable: figures.metUnavailable,
    callbacks: {
      taken: run.callbacks.length,
      done: done.length,
      onTime,
      late: done.length - onTime,
      open: run.callbacks.length - done.length,
      onTimeRate: run.callbacks.length ? onTime / run.callbacks.length : null,
    },
  };
}
