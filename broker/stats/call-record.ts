/**
 * ST-1: one finished call as the statistics count it, and the figures over many. Built from
 * the PBX's call events (`call-log.ts`) in the hub, and by the simulated municipal day
 * (`simulator/scenario/`), so both count the same way. Pure: no I/O, no clock.
 */

/** How a call ended, from the caller's side. */
export type CallOutcome =
  /** someone took it */
  | 'answered'
  /** nobody could answer inside phone hours: the caller left a message for a call-back (AS-1) */
  | 'message'
  /** the caller was sent to a mailbox (AS-5) */
  | 'voicemail'
  /** the IVR spoke: outside phone hours (PH-2) or a closure (PH-3) */
  | 'announced'
  /** it rang out, or the caller hung up while it rang */
  | 'no-answer'
  /** busy, failed, or otherwise not connected */
  | 'failed';

export interface CallRecord {
  /** the PBX's id of the call */
  callId: string;
  /** the number dialled */
  number: string;
  /** the department the dialled number belongs to (RT-1); null: not a municipal number */
  deptId: string | null;
  /** the function: the group (function number) dialled, or the group whose task the dialled person covers; null: a personal number outside any group */
  fn: string | null;
  /** the person dialled (null for a group number) */
  personId: string | null;
  /** ISO: the call was first offered (first ringing, or sent to the IVR) */
  offeredAt: string;
  /** ISO: someone took it; null when nobody did */
  answeredAt: string | null;
  /** ISO: it ended */
  endedAt: string;
  /** seconds the caller waited: to the answer, or to the end when nobody answered */
  waitS: number;
  outcome: CallOutcome;
  /** the extension that took it (the last one after transfers) */
  answeredBy: string | null;
  /** times the call was transferred after it was answered */
  transfers: number;
  /** the dialled person could not answer at the time (away, absent, in a meeting, on a call, diverted): ST-1 "met an unavailable person" */
  metUnavailable: boolean;
  /** offered inside the dialled number's phone hours (PH-1) */
  insideHours: boolean;
}

/** ST-1 figures over a set of calls (a department, a function, a quarter). */
export interface CallFigures {
  offered: number;
  answered: number;
  /** answered / offered; null when nothing was offered */
  answerRate: number | null;
  /** seconds, over answered calls; null when none */
  waitAvgS: number | null;
  /** seconds, 90th percentile (nearest rank) over answered calls; null when none */
  waitP90S: number | null;
  /** transfers / answered calls; null when none */
  transfersPerCall: number | null;
  metUnavailable: number;
  messages: number;
  voicemail: number;
  /** offered inside phone hours and neither answered nor left as a message: the caller has to call again */
  lost: number;
}

/** Nearest-rank percentile of an ascending list (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** ST-1 figures added up one call at a time; `waits` is kept only for the percentile. */
export class CallTally {
  private offered = 0;
  private answered = 0;
  private waitSum = 0;
  private transfers = 0;
  private metUnavailable = 0;
  private messages = 0;
  private voicemail = 0;
  private lost = 0;
  private readonly waits: number[] = [];

  add(c: CallRecord): void {
    this.offered++;
    if (c.metUnavailable) this.metUnavailable++;
    if (c.outcome === 'answered') {
      this.answered++;
      this.waitSum += c.waitS;
      this.waits.push(c.waitS);
      this.transfers += c.transfers;
    } else if (c.outcome === 'message') this.messages++;
    else if (c.outcome === 'voicemail') this.voicemail++;
    if (c.insideHours && c.outcome !== 'answered' && c.outcome !== 'message') this.lost++;
  }

  figures(): CallFigures {
    this.waits.sort((a, b) => a - b);
    return {
      offered: this.offered,
      answered: this.answered,
      answerRate: this.offered ? this.answered / this.offered : null,
      waitAvgS: this.answered ? this.waitSum / this.answered : null,
      waitP90S: percentile(this.waits, 90),
      transfersPerCall: this.answered ? this.transfers / this.answered : null,
      metUnavailable: this.metUnavailable,
      messages: this.messages,
      voicemail: this.voicemail,
      lost: this.lost,
    };
  }
}

/** Adds calls up to ST-1 figures, in one pass. */
export function aggregateCalls(calls: Iterable<CallRecord>): CallFigures {
  const tally = new CallTally();
  for (const c of calls) tally.add(c);
  return tally.figures();
}
