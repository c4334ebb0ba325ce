/**
 * Request fuzzing (issue 10): 100,000 random and mutated request payloads (the generators of
 * test/support/request-fuzz.ts: bytes, JSON, oversized, deeply nested, and every op's
 * valid-shaped requests mutated) through `Hub.handleRequest` of a started hub with a standing
 * clock, compared by record identity with every record frozen (FuzzHarness `identity`: the
 * JSON the test compares grows with every message taken). Figures: fuzz_crashes (a throw, or a reply that is not a `Response`) and
 * fuzz_invalid_state_changes (a refusal that changed the hub's records or the journal), both
 * to be 0; fuzz_internal_errors (answered `internal`: a bug the hub caught), also 0; and the
 * rate. Seeded: every run sends the same cases.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import fc from 'fast-check';
import type { Clock } from '../protocol/index.js';
import { FuzzHarness, fuzzArbitraries, prepareWorld } from '../test/support/request-fuzz.js';
import { startSystem } from '../test/support/system.js';

/** Monday 23 November 2026, 10:00 in Copenhagen: departments answer */
const START = '2026-11-23T10:00:00+01:00';
const SEED = 20_261_123;
/** cases per fast-check run; between runs the event loop turns (MQTT keep-alive, publishes) */
const CHUNK = 2000;

export async function benchFuzz(opts: { progress?: (msg: string) => void; cases?: number } = {}): Promise<Record<string, number | null>> {
  const total = opts.cases ?? 100_000;
  const at = new Date(START);
  const clock: Clock = { now: () => new Date(at) };
  const sys = await startSystem({ clock, phones: 0, kiosks: 0, demo: { peoplePerDept: 3, kiosks: 2 } });
  const hub = sys.hub.hub;
  const world = prepareWorld(hub, at);
  const { any } = fuzzArbitraries(world);
  const harness = new FuzzHarness(hub, (n) => sys.hub.store.journal(n), sys.hub.dbFile, world, 'identity');
  const counts = { cases: 0, crashes: 0, changes: 0, internal: 0, accepted: 0, dead: 0, errorsLogged: 0 };
  const examples: string[] = [];
  let ms = 0;
  try {
    for (let chunk = 0; counts.cases < total; chunk++) {
      const numRuns = Math.min(CHUNK, total - counts.cases);
      harness.freezeNew(); // what the hub's own timers changed meanwhile
      const t0 = performance.now();
      fc.check(
        fc.property(any, (c) => {
          const out = harness.run(c);
          counts.cases++;
          if (out.crashed) counts.crashes++;
          if (out.changedOnRefusal) counts.changes++;
          if (out.internal) counts.internal++;
          if (out.accepted) counts.accepted++;
          const alive = harness.alive();
          if (alive) {
            counts.dead++;
            out.problems.push(alive);
          }
          if (out.problems.length && examples.length < 5) examples.push(`${fc.stringify(c)}\n  ${out.problems.join('\n  ')}`);
          return true;
        }),
        { numRuns, seed: SEED + chunk },
      );
      ms += performance.now() - t0;
      for (const r of sys.logger.records) {
        if (r.level !== 'error') continue;
        counts.errorsLogged++;
        if (examples.length < 5) examples.push(`logged: ${r.ns} ${r.msg} ${String(r.err ?? '').slice(0, 1500)}`);
      }
      sys.logger.records.length = 0; // the hub logs every refusal (info): keep memory flat
      if ((chunk + 1) % 10 === 0 || counts.cases >= total) opts.progress?.(`fuzz: ${counts.cases} cases, ${counts.crashes} crashes, ${counts.changes} state changes on refusal`);
      await yieldToLoop();
    }
    const journal = harness.journalConsistent();
    if (journal) examples.push(journal);
    for (const e of examples) opts.progress?.(`fuzz: ${e}`);
  } finally {
    harness.close();
    await sys.stop();
  }
  return {
    fuzz_cases: counts.cases,
    fuzz_crashes: counts.crashes,
    fuzz_invalid_state_changes: counts.changes,
    fuzz_internal_errors: counts.internal,
    /** a valid request refused after a case: the hub stopped working */
    fuzz_hub_stuck: counts.dead,
    /** errors the hub logged meanwhile (a caught bug, or a timer that failed on a frozen record) */
    fuzz_errors_logged: counts.errorsLogged,
    fuzz_accepted: counts.accepted,
    fuzz_cases_per_s: ms > 0 ? Math.round((counts.cases / ms) * 1000) : null,
  };
}
