/**
 * The simulated municipal day (issue 9, docs/scenario.md) with the default parameters and seed:
 * - day_answer_rate_with / _without: answered / offered, with omstil's policies and without
 * - day_calls_lost_with / _without: calls lost inside phone hours (neither answered nor left as
 *   a message) while someone of the call's function was at the desk and free; target 0 with
 * - day_calls_lost_total_with / _without: every call lost inside phone hours
 * - day_first_contact_with / _without, day_callbacks_on_time_with: the other KPIs
 * - day_sim_s: seconds to generate the day and play both runs (median of `runs`)
 * Pure computation, no I/O: the figures are the same on every machine; only day_sim_s varies.
 */
import { simulateDay, type DayResult } from '../simulator/scenario/day-scenario.js';
import { DEFAULT_PARAMS } from '../simulator/scenario/scenario-params.js';

export interface DayBenchOptions {
  progress?: (msg: string) => void;
  /** timed runs of the whole day (the figures are the same every run) */
  runs?: number;
}

export async function benchDay(opts: DayBenchOptions = {}): Promise<Record<string, number | null>> {
  const runs = Math.max(1, opts.runs ?? 3);
  const times: number[] = [];
  let result: DayResult | null = null;
  for (let i = 0; i < runs; i++) {
    opts.progress?.(`day: simulating the default day (seed ${DEFAULT_PARAMS.seed}), run ${i + 1}/${runs}`);
    const t0 = performance.now();
    result = simulateDay();
    times.push((performance.now() - t0) / 1000);
  }
  const r = result!;
  times.sort((a, b) => a - b);
  const round = (x: number | null, d = 4) => (x === null ? null : Number(x.toFixed(d)));
  opts.progress?.(`day: ${r.day.calls} calls; answer rate ${round(r.with.answerRate, 3)} with, ${round(r.without.answerRate, 3)} without`);
  return {
    day_answer_rate_with: round(r.with.answerRate),
    day_answer_rate_without: round(r.without.answerRate),
    day_calls_lost_with: r.with.lostWhileReachable,
    day_calls_lost_without: r.without.lostWhileReachable,
    day_calls_lost_total_with: r.with.lost,
    day_calls_lost_total_without: r.without.lost,
    day_first_contact_with: round(r.with.firstContactRate),
    day_first_contact_without: round(r.without.firstContactRate),
    day_callbacks_on_time_with: round(r.with.callbacks.onTimeRate),
    day_calls: r.day.calls,
    day_sim_s: round(times[Math.floor(times.length / 2)]!, 2),
  };
}
