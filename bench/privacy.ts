/**
 * Issue 10, the privacy scan (PR-2) at full scale: a simulated municipal day of actions through
 * the real hub, embedded broker and SQLite with about 1,000 devices (960 phones, 40 kiosks, as
 * the divert bench), every payload the broker carries and every device receives searched for
 * the day's absence reasons and caller data (test/support/privacy-scan.ts; CI runs the small
 * scale in test/e2e/privacy-scan.test.ts). The devices run in this process: the scan reads what
 * each one receives off its own MQTT client. `privacy_leaks` must be 0.
 */
import { silentLogger } from '../protocol/index.js';
import { runPrivacyScan } from '../test/support/privacy-scan.js';

/** the demo municipality's departments (bench/run.ts) */
const DEPARTMENTS = 15;

export async function benchPrivacy(opts: { progress?: (msg: string) => void; devices?: number } = {}): Promise<Record<string, number | null>> {
  const devices = opts.devices ?? 1000;
  const kiosks = Math.max(1, Math.round(devices * 0.04));
  const peoplePerDept = Math.max(2, Math.round((devices - kiosks) / DEPARTMENTS));
  const progress = opts.progress;
  const r = await runPrivacyScan({
    demo: { peoplePerDept, kiosks },
    rate: 0.1,
    seed: 10,
    concurrency: 32,
    quietMs: 500,
    plant: true,
    logger: silentLogger,
    ...(progress ? { progress: (m: string) => progress(`privacy: ${m}`) } : {}),
  });
  for (const leak of r.leaks.slice(0, 20)) progress?.(`privacy: LEAK ${leak.kind} of ${leak.owner} on ${leak.topic} via ${leak.via}: …${leak.excerpt}…`);
  // the scan must see a leak when there is one: a planted one on a public topic
  if (!r.planted.includes('broker')) throw new Error('privacy: the planted leak was not found; the scan records nothing');
  progress?.(`privacy: ${r.devices} devices, ${r.markers} markers (${r.reasonsAccepted} reasons and ${r.callerAccepted} caller fields taken), ${r.payloads} payloads, ${r.leaks.length} leaks`);
  return {
    privacy_payloads_scanned: r.payloads,
    privacy_markers: r.markers,
    privacy_leaks: r.leaks.length,
    privacy_scan_s: Math.round(r.seconds * 10) / 10,
    privacy_devices: r.devices,
    privacy_reasons_seen_own: r.reasonsSeenOwn,
    privacy_reasons_at_leader: r.reasonsAtLeader,
    privacy_caller_seen_own: r.callerSeenOwn,
  };
}

// `node --import tsx bench/privacy.ts` runs it alone
if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchPrivacy({ progress: (m) => process.stderr.write(`bench: ${m}\n`) });
  process.stdout.write(JSON.stringify(figures) + '\n');
  process.exit(0);
}
