/**
 * divert_e2e: a press on a simulated phone → hub (policy, SQLite commit) → simulated PBX has
 * the forward, and the colleague's phone and every kiosk show it; with many devices connected.
 * The hub and broker run here; the devices run in a second process.
 */
import { fork } from 'node:child_process';
import { rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../broker/config.js';
import { Directory } from '../broker/directory/directory.js';
import { startHubService } from '../broker/main.js';
import { silentLogger } from '../protocol/index.js';
import { demoDirectory } from '../simulator/demo/demo-directory.js';
import { issueFleetTokens } from '../simulator/fleet-credentials.js';
import { fleetDevices } from '../simulator/sim-fleet.js';
import { SimulatedPbx } from '../simulator/simulated-pbx.js';
import type { FarmCommand, FarmReply } from './device-farm.js';

const wall = () => performance.timeOrigin + performance.now();

export interface DivertBenchResult {
  divert_e2e_p50_ms: number;
  divert_e2e_p99_ms: number;
  divert_e2e_max_ms: number;
  divert_rounds: number;
  devices: number;
  kiosks: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

export async function benchDivert(opts: { peoplePerDept: number; kiosks: number; rounds: number; progress?: (msg: string) => void }): Promise<DivertBenchResult> {
  const demo = { peoplePerDept: opts.peoplePerDept, kiosks: opts.kiosks };
  const directory = Directory.parse(demoDirectory(demo));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'omstil-bench-'));
  const pbx = new SimulatedPbx();
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: null, apiPort: null, dataDir, logLevel: 'silent' } });
  const hub = await startHubService(config, { logger: silentLogger, pbx, directory });
  const here = path.dirname(fileURLToPath(import.meta.url));
  // issue 10: each device its own token; handed to the farm in a file only this user can read (not argv, which `ps` shows)
  const tokensFile = path.join(dataDir, 'farm-tokens.json');
  writeFileSync(tokensFile, JSON.stringify(issueFleetTokens(hub.credentials!, fleetDevices(directory).map((d) => d.id))), { mode: 0o600 });
  const farm = fork(path.join(here, 'device-farm.ts'), [hub.mqttUrl, JSON.stringify(demo), tokensFile], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // replies arrive in order; one listener each for messages and exit
  const inbox: FarmReply[] = [];
  let waiting: { resolve: (m: FarmReply) => void; reject: (e: Error) => void } | null = null;
  farm.on('message', (m) => {
    if (waiting) {
      const w = waiting;
      waiting = null;
      w.resolve(m as FarmReply);
    } else inbox.push(m as FarmReply);
  });
  farm.on('exit', (code) => waiting?.reject(new Error(`device farm exited (${code})`)));
  const next = () =>
    inbox.length ? Promise.resolve(inbox.shift()!) : new Promise<FarmReply>((resolve, reject) => (waiting = { resolve, reject }));
  try {
    opts.progress?.('connecting devices…');
    const ready = await next();
    if (ready.t !== 'ready') throw new Error('device farm did not start');
    opts.progress?.(`${ready.devices} devices connected; measuring ${opts.rounds} diversions`);
    const people = directory.data.people.filter((p) => p.role === 'employee');
    const samples: number[] = [];
    const warmup = 20; // not measured: JIT and connection warm-up
    for (let round = -warmup; round < opts.rounds; round++) {
      const from = people[((round + warmup) * 37) % people.length]!;
      const to = from.preferred[0]!;
      const extFrom = from.extension;
      for (const undivert of [false, true]) {
        let pbxAt = 0;
        const off = pbx.onForward((ext, fwd) => {
          if (ext === extFrom && (fwd === null) === undivert) pbxAt = wall();
        });
        farm.send({ t: 'press', round, from: from.id, to, undivert } satisfies FarmCommand);
        const r = await next();
        off();
        if (r.t !== 'result' || !r.ok) throw new Error(`round ${round}: ${r.t === 'result' ? r.error : 'unexpected reply'}`);
        if (!pbxAt) throw new Error(`round ${round}: the PBX never got the forward`);
        if (!undivert && round >= 0) samples.push(Math.max(r.shownAt, pbxAt) - r.pressedAt);
      }
    }
    samples.sort((a, b) => a - b);
    const round2 = (x: number) => Math.round(x * 100) / 100;
    return {
      divert_e2e_p50_ms: round2(percentile(samples, 50)),
      divert_e2e_p99_ms: round2(percentile(samples, 99)),
      divert_e2e_max_ms: round2(samples[samples.length - 1]!),
      divert_rounds: samples.length,
      devices: ready.devices,
      kiosks: opts.kiosks,
    };
  } finally {
    if (farm.exitCode === null) {
      const exited = new Promise((r) => farm.once('exit', r));
      farm.send({ t: 'stop' } satisfies FarmCommand);
      await exited;
    }
    await hub.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
