/**
 * crash_*: issue 10 at full scale. `omstil hub` (a separate process, from source) with a
 * 210-person demo directory; 200 simulated phones and the 2 kiosks (the real DeviceCore) in
 * this process, each phone streaming diversions and absences for its own person; 10 times at a
 * seeded random moment the hub gets `kill -9` and is started again on the same data dir and
 * ports, the devices reconnecting by themselves (test/support/crash-stream.ts).
 *
 * crash_lost_changes: states at the hub, after a restart or at the end, that the request log
 * does not allow (an acknowledged change missing, or an older state back); target 0.
 * crash_converge_ms_*: per restart, from the hub printing that it is up until every phone
 * shows its own person's truth (a leader's also its staff's) and every kiosk those people's
 * (or something newer): the median and the worst over the restarts; target ≤ 5,000.
 * crash_acked_changes: requests answered ok.
 */
import { demoDirectory } from '../simulator/demo/demo-directory.js';
import { median, runCrashStream } from '../test/support/crash-stream.js';

const PEOPLE_PER_DEPT = 14; // 15 departments: 210 people with a phone each
const PHONES = 200;
const KILLS = 10;

export async function benchCrash(opts: { progress?: (msg: string) => void } = {}): Promise<Record<string, number | null>> {
  const progress = opts.progress;
  const r = await runCrashStream({
    directory: demoDirectory({ peoplePerDept: PEOPLE_PER_DEPT, kiosks: 2 }),
    phones: PHONES,
    kills: KILLS,
    seed: 10,
    runMs: [2000, 5000],
    thinkMs: [300, 2000],
    convergeTimeoutMs: 30_000,
    ...(progress ? { progress } : {}),
  });
  const problems = [
    ...r.lost.map((l) => `lost: ${l.after}: ${l.person}'s ${l.part} is ${l.hub ?? 'none'} at the hub; allowed ${l.allowed.map((x) => x ?? 'none').join(' | ')}; last requests: ${l.tail.join('; ')}`),
    ...r.revRegressions.map((x) => `revision lost: ${x}`),
    ...r.unconverged.map((u) => `not converged: ${u.after}: ${u.view} shows ${u.shows}; the hub has ${u.truth}${u.connected ? '' : ' (not connected)'}`),
    ...r.finalMismatches.map((u) => `at the end: ${u.view} shows ${u.shows}; the hub has ${u.truth}`),
  ];
  for (const p of problems.slice(0, 20)) progress?.(`crash: ${p}`);
  const converged = r.convergeMs.filter((ms): ms is number => ms !== null);
  const all = converged.length === r.convergeMs.length;
  return {
    crash_kills: r.kills,
    crash_phones: PHONES,
    crash_views: r.views,
    crash_requests_sent: r.requests.sent,
    crash_acked_changes: r.requests.ok,
    crash_refused: r.requests.refused,
    crash_offline: r.requests.offline,
    crash_in_flight_at_kill: r.inFlightAtKill.reduce((a, b) => a + b, 0),
    /** in flight at a kill and answered by the restarted hub: MQTT.js resent them on reconnect */
    crash_late_replies: r.requests.late,
    crash_lost_changes: r.lost.length,
    crash_rev_regressions: r.revRegressions.length,
    crash_unconverged: r.unconverged.length + r.finalMismatches.length,
    crash_converge_ms_max: all && converged.length ? Math.max(...converged) : null,
    crash_converge_ms_p50: median(converged),
    crash_view_converge_ms_p50: median(r.viewConvergeMs),
    crash_restart_ms_p50: median(r.restartMs),
    crash_duration_s: Math.round(r.durationMs / 1000),
  };
}
