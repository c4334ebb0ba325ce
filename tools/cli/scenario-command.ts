/**
 * `omstil sim --scenario day [--seed N] [--departments N] [--date YYYY-MM-DD] [--json]` (issue 9,
 * docs/scenario.md): simulates a municipal day once with omstil's policies and once without,
 * over the same events, and prints the parameters, what the day held and the KPIs side by side.
 *
 * Exit status: 0 printed; 2 a bad option (named on stderr, no stack trace).
 */
import { simulateDay, type DayResult } from '../../simulator/scenario/day-scenario.js';
import type { DayKpis } from '../../simulator/scenario/kpis.js';
import { paramLines, ScenarioParamsError, type ScenarioParams } from '../../simulator/scenario/scenario-params.js';

/** The CLI option each parameter is set by (the rest keep their documented defaults). */
const OPTION_OF: Partial<Record<keyof ScenarioParams, string>> = { seed: '--seed', departments: '--departments', date: '--date' };

export async function runScenarioCommand(o: Record<string, unknown>): Promise<void> {
  const overrides: Partial<ScenarioParams> = {};
  if (o.seed !== undefined) overrides.seed = o.seed as number;
  if (o.departments !== undefined) overrides.departments = o.departments as number;
  if (o.date !== undefined) overrides.date = String(o.date);
  const started = performance.now();
  let result: DayResult;
  try {
    result = simulateDay(overrides);
  } catch (err) {
    if (!(err instanceof ScenarioParamsError)) throw err;
    const option = OPTION_OF[err.param];
    process.stderr.write(`omstil: ${option ?? err.param}: ${err.message.slice(err.param.length + 2)}\n`);
    process.exitCode = 2;
    return;
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(o.json ? JSON.stringify(result, null, 2) + '\n' : scenarioTable(result, seconds));
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const num = (x: number | null, digits = 2) => (x === null ? 'n/a' : x.toFixed(digits));

/** The result as text: parameters, the day, the KPI table (with omstil | without). */
export function scenarioTable(r: DayResult, seconds?: number): string {
  const out: string[] = [];
  out.push(`A simulated municipal day, seed ${r.params.seed}: with omstil's policies and without (docs/scenario.md)`, '');
  out.push('Parameters (the same for both runs):');
  for (const [name, value, what] of paramLines(r.params)) out.push(`  ${name.padEnd(20)} ${value.padEnd(18)} ${what}`);
  const d = r.day;
  out.push('', 'The day, as generated:');
  out.push(`  ${d.departments} departments, ${d.staff} staff (${d.staffPerDept[0]}-${d.staffPerDept[1]} per department), ${d.functions} function numbers, a switchboard`);
  out.push(`  ${d.calls} calls: ${d.callsByChannel.personal} to personal numbers, ${d.callsByChannel.function} to function numbers, ${d.callsByChannel.main} to the main number`);
  out.push(`  ${d.callsPerHour[0].toFixed(1)}-${d.callsPerHour[1].toFixed(1)} calls per department per phone hour (realised; rates drawn in ${r.params.callsPerHour.join('-')}); ${d.callMinutes[0].toFixed(1)}-${d.callMinutes[1].toFixed(1)} minutes per call`);
  out.push(`  ${d.absent} absent (${pct(d.absentShare)}); ${d.meetings} meetings (${pct(d.meetingShare)} of staff in a meeting on average)`);
  out.push(`  closures (PH-3): ${d.closures.length ? d.closures.map((c) => `${c.dept} ${c.from}-${c.to} (${c.offer})`).join(', ') : 'none'}`);
  const rows: [string, (k: DayKpis) => string][] = [
    ['calls offered', (k) => String(k.offered)],
    ['answer rate', (k) => pct(k.answerRate)],
    ['calls lost (inside phone hours)', (k) => `${k.lost} (${pct(k.lostRate)})`],
    ['  lost while the function was reachable', (k) => String(k.lostWhileReachable)],
    ['  rang out, someone rung was busy', (k) => String(k.unansweredBusy)],
    ['  rang out, nobody rung at the desk', (k) => String(k.unansweredAway)],
    ['first-contact resolution', (k) => pct(k.firstContactRate)],
    ['transfers per call', (k) => num(k.transfersPerCall)],
    ['messages taken (AS-1)', (k) => String(k.messages)],
    ['call-backs on time (AS-2)', (k) => (k.callbacks.taken ? `${k.callbacks.onTime}/${k.callbacks.taken} (${pct(k.callbacks.onTimeRate)})` : 'n/a')],
    ['  still open at the day\'s end', (k) => (k.callbacks.taken ? String(k.callbacks.open) : 'n/a')],
    ['voicemail', (k) => String(k.voicemail)],
    ['wait, average / p90 (s)', (k) => `${num(k.waitAvgS, 0)} / ${num(k.waitP90S, 0)}`],
  ];
  out.push('', `${'KPI'.padEnd(42)} ${'with omstil'.padStart(16)} ${'without omstil'.padStart(16)}`);
  for (const [label, f] of rows) out.push(`${label.padEnd(42)} ${f(r.with).padStart(16)} ${f(r.without).padStart(16)}`);
  const refusals = Object.entries(r.policy.refusals);
  out.push('', `With omstil the policy took ${r.policy.commands} commands${refusals.length ? `; refused: ${refusals.map(([k, n]) => `${k} ×${n}`).join(', ')}` : ', refused none'}.`);
  out.push('Lost: neither answered nor left as a message inside phone hours (the caller must call again). Call-backs still open at the day\'s end are due a workday later: open, not late.');
  if (seconds !== undefined) out.push(`Simulated both runs in ${seconds.toFixed(1)} s.`);
  return out.join('\n') + '\n';
}
