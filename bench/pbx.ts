/**
 * pbx_apply_ms: hub decision → Kamailio routes by it. A real Kamailio (broker/pbx/kamailio/
 * omstil.cfg on loopback) and the hub with its KamailioPbx on the demo municipality; each
 * sample is one diversion or undivert from a phone (`Hub.execute`: policy, SQLite commit,
 * publish) until everything it changes on the PBX has been acknowledged by Kamailio over
 * JSON-RPC — the person's forward and the route of every number the change can affect
 * (`affectedNumbers`: the department's people and function numbers, and whoever is diverted
 * into them). Kamailio reads its hash tables on every INVITE, so from that moment a call
 * routes by the new state (test/e2e/kamailio-hub.test.ts proves it with real SIP calls).
 * Without Kamailio every figure is null and stderr says why.
 */
import { memoryLogger } from '../protocol/index.js';
import { loadConfig } from '../broker/config.js';
import { Directory } from '../broker/directory/directory.js';
import { startHubService } from '../broker/main.js';
import { KamailioPbx } from '../broker/pbx/kamailio-pbx.js';
import type { Actor } from '../broker/policy/commands.js';
import { demoDirectory } from '../simulator/demo/demo-directory.js';
import { startKamailio } from '../test/support/kamailio.js';
import { findBinary } from '../test/support/system-deps.js';
import { clockFrom, tempDir } from '../test/support/system.js';

export interface PbxBenchResult {
  pbx_apply_ms_p50: number | null;
  pbx_apply_ms_p99: number | null;
  /** JSON-RPC writes per decision, on average (forward + routes the change affects) */
  pbx_apply_writes: number | null;
  pbx_people: number;
}

export interface PbxBenchOptions {
  peoplePerDept?: number;
  rounds?: number;
  progress?: (msg: string) => void;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export async function benchPbx(opts: PbxBenchOptions = {}): Promise<PbxBenchResult> {
  const data = demoDirectory({ peoplePerDept: opts.peoplePerDept ?? 20, kiosks: 0 });
  const none: PbxBenchResult = { pbx_apply_ms_p50: null, pbx_apply_ms_p99: null, pbx_apply_writes: null, pbx_people: data.people.length };
  if (!findBinary('kamailio')) {
    process.stderr.write('bench: pbx: kamailio not found (Debian package kamailio; run tools/setup-system-deps.sh); its figures are null\n');
    return none;
  }
  const kam = await startKamailio({ what: 'pbx bench' });
  if (!kam) return none;
  const logger = memoryLogger('warn');
  const dataDir = tempDir('omstil-bench-pbx-');
  const pbx = new KamailioPbx({ rpcUrl: kam.rpcUrl, logger });
  let writes = 0;
  const count = <A extends unknown[]>(f: (...a: A) => Promise<void>) => (...a: A) => {
    writes++;
    return f(...a);
  };
  pbx.applyForward = count(pbx.applyForward.bind(pbx));
  pbx.routes.apply = count(pbx.routes.apply.bind(pbx.routes));
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: null, apiPort: null, dataDir, sync: 'normal', logLevel: 'warn', pbxReconcileSeconds: 3600 } });
  // a Monday at 10:00, when every department answers
  const service = await startHubService(config, { logger, pbx, directory: Directory.parse(data), clock: clockFrom('2026-11-23T10:00:00+01:00') });
  try {
    const hub = service.hub;
    await hub.pbxFlushed();
    const rounds = opts.rounds ?? 300;
    const samples: number[] = [];
    writes = 0;
    opts.progress?.(`pbx: ${rounds} decisions against Kamailio (${data.people.length} people)`);
    for (let i = 0; i < rounds; i++) {
      const p = data.people[(i >> 1) % data.people.length]!;
      const actor: Actor = { source: 'phone', id: `phone-${p.id}`, personId: p.id };
      const t0 = performance.now();
      try {
        hub.execute(actor, i % 2 === 0 ? { op: 'divert', person: p.id, target: p.preferred[0]!, until: null } : { op: 'undivert', person: p.id });
      } catch {
        continue; // refused (e.g. the colleague is diverted to this person): no PBX work to time
      }
      await hub.pbxFlushed();
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 100) / 100;
    return { ...none, pbx_apply_ms_p50: round(quantile(samples, 0.5)), pbx_apply_ms_p99: round(quantile(samples, 0.99)), pbx_apply_writes: round(writes / Math.max(1, samples.length)) };
  } finally {
    await service.stop();
    await kam.stop();
  }
}
