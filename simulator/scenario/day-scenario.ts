/**
 * `omstil sim --scenario day` (issue 9): one day drawn from the parameters, played once with
 * omstil's policies and once without, over the same events. Pure: the CLI prints the result,
 * the benchmark reads it.
 */
import { generateDay, type DayPlan } from './day-events.js';
import { summarizeDay, type DaySummary } from './day-summary.js';
import { dayKpis, type DayKpis } from './kpis.js';
import { runDay, type DayRun } from './run-day.js';
import { scenarioParams, type ScenarioParams } from './scenario-params.js';

export interface DayResult {
  params: ScenarioParams;
  day: DaySummary;
  with: DayKpis;
  without: DayKpis;
  /** with omstil: commands the policy took, and its refusals by code and rule */
  policy: { commands: number; refusals: Record<string, number> };
}

export interface DayRuns {
  plan: DayPlan;
  with: DayRun;
  without: DayRun;
}

/** The day's plan and both runs (for tests and analysis). */
export function playDay(overrides: Partial<ScenarioParams> = {}): DayRuns {
  const plan = generateDay(scenarioParams(overrides));
  return { plan, with: runDay(plan, 'with'), without: runDay(plan, 'without') };
}

export function simulateDay(overrides: Partial<ScenarioParams> = {}): DayResult {
  const runs = playDay(overrides);
  return {
    params: runs.plan.params,
    day: summarizeDay(runs.plan),
    with: dayKpis(runs.with),
    without: dayKpis(runs.without),
    policy: { commands: runs.with.commands, refusals: runs.with.refusals },
  };
}
