/**
 * Issue 10, fleet scale: how many simulated devices one hub on this machine carries while a
 * press still shows everywhere within 100 ms (divert_e2e p99), what each connected device costs
 * the hub in memory, and how many requests per second the hub answers.
 *
 * The hub (embedded Aedes broker, policy, SQLite) runs in this process; the devices are real
 * firmware cores (DeviceCore, one MQTT.js client each, loopback TCP) spread over `farms` forked
 * processes (bench/fleet-farm.ts), each logging in with its own token (deviceAuth: required).
 * The fleet grows in steps; at each step, `rounds` diversions are measured as in
 * bench/divert-e2e.ts: the press on a phone until the simulated PBX has the forward and the
 * target's phone and every kiosk show it. Then, on the last step's fleet, phones send
 * divert/undivert in closed loops at rising concurrency: replies per second and their latency.
 *
 * The directory is bench/fleet-directory.ts at the largest step (departments of `deptSize`
 * people); each step connects more of its phones, whole departments first. The kiosks
 * (mirroring the whole municipality) connect before the first step.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { loadConfig } from '../broker/config.js';
import { Directory } from '../broker/directory/directory.js';
import { startHubService } from '../broker/main.js';
import { silentLogger } from '../protocol/index.js';
import { SimulatedPbx } from '../simulator/simulated-pbx.js';
import { percentile } from './divert-e2e.js';
import { fleetDirectory, type FleetDirectoryOptions } from './fleet-directory.js';
import type { FleetFarmCommand, FleetFarmReply } from './fleet-farm.js';
import { noDelayOnClientSockets } from './tcp-nodelay.js';

export interface FleetBenchOptions {
  /**
   * connected devices at each step, kiosks included (default 2,500 … 17,500: the hub takes
   * ~200 connects a second since retained lookups by parent topic, so the ramp fits in ~5 minutes;
   * 20,000 needs more than this machine's 20,000 open files per process, one socket per device)
   */
  steps?: number[];
  /** kiosks, connected before the first step (default 10; each mirrors the whole municipality) */
  kiosks?: number;
  /** people per department (default 40) */
  deptSize?: number;
  /** measured diversions per step (default 100, after 10 not measured) */
  rounds?: number;
  /** device processes (default 2: with the hub, one process per core and one more) */
  farms?: number;
  /** connects in flight per farm (default 25: at 100 per farm, 2 farms, the hub crashed once at the 5,000 step inside Aedes (mqemitter recursion, RangeError: Maximum call stack size exceeded)) */
  connectConcurrency?: number;
  /** no step is started when it would end more than this many seconds after the first step began (default 300; setup not counted) */
  budgetS?: number;
  /** a step passes when divert_e2e p99 ≤ this (default 100 ms) */
  p99LimitMs?: number;
  /** the hub's SQLite synchronous mode (default 'full', the production default) */
  sync?: 'full' | 'normal';
  /** closed-loop request load: phones in flight at each level (default 8, 32, 128; [] skips it) */
  loadLevels?: number[];
  /** seconds per load level (default 8) */
  loadSeconds?: number;
  /**
   * An experiment, not the shipped code: turn Nagle's algorithm off (TCP_NODELAY) on every MQTT
   * socket, the broker's side (each device's connection) and the clients' (the hub's own links,
   * every device core). Default false: as the code ships.
   */
  tcpNoDelay?: boolean;
  progress?: (msg: string) => void;
}

export interface FleetStep {
  devices: number;
  divert_p50_ms: number;
  divert_p99_ms: number;
  divert_max_ms: number;
  /** time to connect this step's new devices (MQTT CONNACK) and until each shows its state */
  connect_s: number;
  settle_s: number;
  unsettled: number;
  hub_rss_mb: number;
  hub_heap_mb: number;
  farms_rss_mb: number;
}

export interface FleetLoadLevel {
  in_flight: number;
  requests_per_s: number;
  p50_ms: number;
  p99_ms: number;
  refused: number;
}

export interface FleetBenchResult {
  fleet_devices_max: number;
  fleet_steps: FleetStep[];
  /** the hub process's resident memory per connected device (least-squares slope over the steps, after a full GC), KB */
  fleet_mem_kb_per_device: number | null;
  /** the same for the V8 heap after a full GC, KB */
  fleet_heap_kb_per_device: number | null;
  /** the device processes' resident memory per device (firmware cores), KB */
  fleet_farm_kb_per_device: number | null;
  hub_requests_per_s: number | null;
  hub_requests_p50_ms: number | null;
  hub_requests_p99_ms: number | null;
  hub_requests_in_flight: number | null;
  hub_requests_levels: FleetLoadLevel[];
  hub_requests_devices: number;
  hub_sync: 'full' | 'normal';
  fleet_tcp_nodelay: boolean;
  fleet_people: number;
  fleet_dept_size: number;
  fleet_kiosks: number;
  fleet_farms: number;
  fleet_tokens_issue_s: number;
  fleet_bench_s: number;
  /** an error the hub threw while the devices left (after the figures were taken); null: none */
  fleet_teardown_error: string | null;
}

const wall = () => performance.timeOrigin + performance.now();
const round2 = (x: number) => Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One farm process: replies are taken by what they are, in order of arrival. */
class FarmLink {
  private readonly inbox: FleetFarmReply[] = [];
  private readonly waiters: { match: (m: FleetFarmReply) => boolean; resolve: (m: FleetFarmReply) => void; reject: (e: Error) => void }[] = [];
  private exited: Error | null = null;

  constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: FleetFarmReply) => {
      const i = this.waiters.findIndex((w) => w.match(m));
      if (i < 0) return void this.inbox.push(m);
      this.waiters.splice(i, 1)[0]!.resolve(m);
    });
    proc.on('exit', (code, signal) => {
      this.exited = new Error(`fleet farm exited (${code ?? signal})`);
      for (const w of this.waiters.splice(0)) w.reject(this.exited);
    });
  }

  send(cmd: FleetFarmCommand): void {
    this.proc.send(cmd);
  }

  take<T extends FleetFarmReply['t']>(t: T, match: (m: Extract<FleetFarmReply, { t: T }>) => boolean = () => true): Promise<Extract<FleetFarmReply, { t: T }>> {
    const is = (m: FleetFarmReply): m is Extract<FleetFarmReply, { t: T }> => m.t === t && match(m as Extract<FleetFarmReply, { t: T }>);
    const i = this.inbox.findIndex(is);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as Extract<FleetFarmReply, { t: T }>);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => this.waiters.push({ match: is, resolve: resolve as (m: FleetFarmReply) => void, reject }));
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.exited) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.send({ t: 'stop' });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 120_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Least-squares slope of y over x; null with fewer than two distinct x. */
function slope(points: { x: number; y: number }[]): number | null {
  if (new Set(points.map((p) => p.x)).size < 2) return null;
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxy / sxx;
}

export async function benchFleet(opts: FleetBenchOptions = {}): Promise<FleetBenchResult> {
  const started = wall();
  const steps = [...(opts.steps ?? [2500, 5000, 7500, 10_000, 12_500, 15_000, 17_500])].sort((a, b) => a - b);
  const kiosks = opts.kiosks ?? 10;
  const deptSize = opts.deptSize ?? 40;
  const rounds = opts.rounds ?? 100;
  const farmCount = Math.max(1, opts.farms ?? 2);
  const budgetMs = (opts.budgetS ?? 300) * 1000;
  const limit = opts.p99LimitMs ?? 100;
  const sync = opts.sync ?? 'full';
  const loadLevels = opts.loadLevels ?? [8, 32, 128];
  const loadMs = (opts.loadSeconds ?? 8) * 1000;
  const progress = opts.progress ?? (() => {});

  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const hubMemory = () => {
    gc();
    const m = process.memoryUsage();
    return { rss: m.rss / 1e6, heap: m.heapUsed / 1e6 };
  };

  const dirOpts: FleetDirectoryOptions = { phones: Math.max(...steps) - kiosks, kiosks, deptSize };
  const data = fleetDirectory(dirOpts);
  const directory = Directory.parse(data);
  const phoneIds = data.devices.filter((d) => d.kind === 'phone').map((d) => d.id);
  const kioskIds = data.devices.filter((d) => d.kind === 'kiosk').map((d) => d.id);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'omstil-fleet-'));
  const pbx = new SimulatedPbx();
  const config = loadConfig({
    env: {},
    // issue 10: every device must log in with its own token, whatever the default is
    overrides: { mqttPort: 0, wsPort: null, apiPort: null, dataDir, logLevel: 'silent', deviceAuth: 'required', sync },
  });
  progress(`starting the hub: ${data.people.length} people in ${data.departments.length} departments of ${deptSize}, ${data.devices.length} devices, sync ${sync}`);
  if (opts.tcpNoDelay) noDelayOnClientSockets();
  const service = await startHubService(config, { logger: silentLogger, pbx, directory });
  // the broker's side of each device's connection (Aedes' client.conn is the net.Socket)
  if (opts.tcpNoDelay) service.broker?.instance?.on('client', (client) => (client as unknown as { conn: { setNoDelay?: (on: boolean) => void } }).conn.setNoDelay?.(true));
  const farms: FarmLink[] = [];
  let result: FleetBenchResult | null = null;
  let teardownError: string | null = null;
  try {
    // setup, not measured: each device its own token, issued as `omstil provision` does, just
    // before it connects (one SQLite transaction each), handed to the farms in a file
    let tokensIssueMs = 0;
    let tokenFiles = 0;
    const issueTokens = (ids: string[]): string => {
      const t0 = wall();
      const tokens: Record<string, string> = {};
      for (const id of ids) tokens[id] = service.credentials!.issue(id, 'bench:fleet').token;
      tokensIssueMs += wall() - t0;
      const file = path.join(dataDir, `device-tokens-${tokenFiles++}.json`);
      writeFileSync(file, JSON.stringify(tokens), { mode: 0o600 });
      return file;
    };

    const here = path.dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < farmCount; i++) {
      const proc = fork(path.join(here, 'fleet-farm.ts'), [service.mqttUrl, JSON.stringify(dirOpts), opts.tcpNoDelay ? 'nodelay' : 'nagle'], {
        execArgv: ['--import', 'tsx', '--max-old-space-size=8192'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      farms.push(new FarmLink(proc));
    }
    await Promise.all(farms.map((f) => f.take('ready')));

    // devices are dealt round-robin: a press and its target's phone are often in different farms
    const farmOf = new Map<string, FarmLink>();
    const connect = async (ids: string[]) => {
      const tokensFile = issueTokens(ids);
      const per: string[][] = farms.map(() => []);
      ids.forEach((id, i) => {
        per[i % farms.length]!.push(id);
        farmOf.set(id, farms[i % farms.length]!);
      });
      per.forEach((list, i) => farms[i]!.send({ t: 'connect', ids: list, tokensFile, concurrency: opts.connectConcurrency ?? 25, settleTimeoutMs: 120_000 }));
      const replies = await Promise.all(farms.map((f) => f.take('connected')));
      rmSync(tokensFile); // the farms have read it
      return {
        connectMs: Math.max(...replies.map((r) => r.connectMs)),
        settleMs: Math.max(...replies.map((r) => r.settleMs)),
        failed: replies.reduce((s, r) => s + r.failed, 0),
        unsettled: replies.reduce((s, r) => s + r.unsettled, 0),
        farmsRss: replies.reduce((s, r) => s + r.rssMb, 0),
      };
    };

    progress(`connecting ${kiosks} kiosks (each mirrors all ${data.people.length} people)`);
    const k = await connect(kioskIds);
    if (k.failed) throw new Error(`${k.failed} kiosks did not connect`);
    await sleep(1000);
    const memPoints: { x: number; rss: number; heap: number; farms: number }[] = [];
    const base = hubMemory();
    memPoints.push({ x: kiosks, rss: base.rss, heap: base.heap, farms: k.farmsRss });

    const people = directory.data.people.filter((p) => p.role === 'employee');
    const results: FleetStep[] = [];
    let connected = 0; // phones
    let stepMs = 0;
    let failures = 0;
    const rampStart = wall();
    for (const devices of steps) {
      const phones = devices - kiosks;
      if (phones <= connected) continue;
      // the next step would take about as long as the last one, plus its connects
      if (results.length && wall() - rampStart + stepMs > budgetMs) {
        progress(`time budget reached; stopping before ${devices} devices`);
        break;
      }
      const stepStart = wall();
      progress(`connecting phones ${connected + 1}…${phones}`);
      const c = await connect(phoneIds.slice(connected, phones));
      connected = phones;
      if (c.failed) progress(`${c.failed} devices did not connect`);
      await sleep(1000); // let the hub's event loop drain what the connects left
      const mem = hubMemory();

      // who presses: a connected phone whose first preferred colleague's phone is connected too
      const on = new Set(phoneIds.slice(0, connected).map((id) => id.slice('phone-'.length)));
      const pressers = people.filter((p) => on.has(p.id) && p.preferred[0] !== undefined && on.has(p.preferred[0]));
      progress(`${kiosks + connected} devices (${c.unsettled} not settled), hub RSS ${mem.rss.toFixed(0)} MB; measuring ${rounds} diversions`);
      const samples: number[] = [];
      const warmup = 10;
      for (let round = -warmup; round < rounds; round++) {
        const from = pressers[((round + warmup) * 7919) % pressers.length]!;
        const to = from.preferred[0]!;
        for (const undivert of [false, true]) {
          let pbxAt = 0;
          const off = pbx.onForward((ext, fwd) => {
            if (ext === from.extension && (fwd === null) === undivert) pbxAt = wall();
          });
          try {
            const r = round * 2 + (undivert ? 1 : 0);
            for (const f of farms) f.send({ t: 'watch', round: r, from: from.id, to, undivert, timeoutMs: 10_000 });
            await Promise.all(farms.map((f) => f.take('watching', (m) => m.round === r)));
            const owner = farmOf.get(`phone-${from.id}`)!;
            owner.send({ t: 'press', round: r, from: from.id, to, undivert });
            const [pressed, ...shown] = await Promise.all([owner.take('pressed', (m) => m.round === r), ...farms.map((f) => f.take('shown', (m) => m.round === r))]);
            if (!pressed.ok) throw new Error(`round ${round}: ${pressed.error}`);
            const missing = shown.reduce((s, m) => s + m.pending, 0);
            if (missing) throw new Error(`round ${round}: not shown on ${missing} devices within 10 s`);
            if (!pbxAt) await sleep(50);
            if (!pbxAt) throw new Error(`round ${round}: the PBX never got the forward`);
            if (!undivert && round >= 0) samples.push(Math.max(pbxAt, ...shown.map((m) => m.at)) - pressed.pressedAt);
          } finally {
            off();
          }
        }
      }
      samples.sort((a, b) => a - b);
      const step: FleetStep = {
        devices: kiosks + connected,
        divert_p50_ms: round2(percentile(samples, 50)),
        divert_p99_ms: round2(percentile(samples, 99)),
        divert_max_ms: round2(samples[samples.length - 1]!),
        connect_s: round2(c.connectMs / 1000),
        settle_s: round2(c.settleMs / 1000),
        unsettled: c.unsettled,
        hub_rss_mb: Math.round(mem.rss),
        hub_heap_mb: Math.round(mem.heap),
        farms_rss_mb: Math.round(c.farmsRss),
      };
      results.push(step);
      memPoints.push({ x: step.devices, rss: mem.rss, heap: mem.heap, farms: c.farmsRss });
      stepMs = wall() - stepStart;
      progress(`${step.devices} devices: divert_e2e p50 ${step.divert_p50_ms} ms, p99 ${step.divert_p99_ms} ms; connect ${step.connect_s} s, settled ${step.settle_s} s`);
      // one step over the limit on a noisy machine may be a stall of someone else's: two in a row end the ramp
      failures = step.divert_p99_ms > limit ? failures + 1 : 0;
      if (failures === 2) {
        progress(`p99 over ${limit} ms twice in a row: stopping`);
        break;
      }
    }

    // closed loops of divert/undivert from phones whose targets are not in a loop themselves
    // (A→B with B→A would be refused as a cycle, DV-4): even positions divert to the next one
    const levels: FleetLoadLevel[] = [];
    const on = new Set(phoneIds.slice(0, connected).map((id) => id.slice('phone-'.length)));
    const byDept = new Map<string, typeof people>();
    for (const p of people) if (on.has(p.id)) byDept.set(p.dept, [...(byDept.get(p.dept) ?? []), p]);
    const position = new Map<string, number>();
    for (const list of byDept.values()) list.forEach((p, i) => position.set(p.id, i));
    const loopers = [...byDept.values()].flatMap((list) => list.filter((p, i) => i % 2 === 0 && p.preferred[0] !== undefined && (position.get(p.preferred[0]) ?? 0) % 2 === 1));
    for (const level of loadLevels) {
      if (loopers.length < level) break;
      // spread the loops over the departments: every `stride`-th one
      const stride = Math.max(1, Math.floor(loopers.length / level));
      const chosen = Array.from({ length: level }, (_, i) => loopers[i * stride]!);
      const per = new Map<FarmLink, { from: string; to: string }[]>(farms.map((f) => [f, []]));
      for (const p of chosen) per.get(farmOf.get(`phone-${p.id}`)!)!.push({ from: p.id, to: p.preferred[0]! });
      progress(`request load: ${level} phones in closed loops for ${loadMs / 1000} s`);
      const t0 = wall();
      for (const [f, pairs] of per) f.send({ t: 'load', level, pairs, durationMs: loadMs });
      const replies = await Promise.all(farms.map((f) => f.take('loaded', (m) => m.level === level)));
      const elapsed = (wall() - t0) / 1000;
      const lat = replies.flatMap((r) => r.latencies).sort((a, b) => a - b);
      const refused = replies.reduce((s, r) => s + Object.values(r.refused).reduce((a, b) => a + b, 0), 0);
      const lvl: FleetLoadLevel = { in_flight: level, requests_per_s: Math.round(lat.length / elapsed), p50_ms: round2(percentile(lat, 50)), p99_ms: round2(percentile(lat, 99)), refused };
      levels.push(lvl);
      progress(`${level} in flight: ${lvl.requests_per_s} requests/s, p50 ${lvl.p50_ms} ms, p99 ${lvl.p99_ms} ms, ${refused} refused`);
      await sleep(1000);
    }
    // the sustained rate: the level that answered most (more in flight only queues)
    const best = levels.reduce<FleetLoadLevel | null>((b, l) => (b === null || l.requests_per_s > b.requests_per_s ? l : b), null);

    const passing = results.filter((s) => s.divert_p99_ms <= limit);
    const max = passing.length ? Math.max(...passing.map((s) => s.devices)) : 0;
    // memory per device over every step measured (what a device costs does not depend on the
    // latency); not the kiosks-only point: their connect burst leaves the RSS high for a while
    const pts = memPoints.slice(1);
    const kb = (s: number | null) => (s === null ? null : Math.round(s * 1000 * 10) / 10);
    result = {
      fleet_devices_max: max,
      fleet_steps: results,
      fleet_mem_kb_per_device: kb(slope(pts.map((p) => ({ x: p.x, y: p.rss })))),
      fleet_heap_kb_per_device: kb(slope(pts.map((p) => ({ x: p.x, y: p.heap })))),
      fleet_farm_kb_per_device: kb(slope(pts.map((p) => ({ x: p.x, y: p.farms })))),
      hub_requests_per_s: best?.requests_per_s ?? null,
      hub_requests_p50_ms: best?.p50_ms ?? null,
      hub_requests_p99_ms: best?.p99_ms ?? null,
      hub_requests_in_flight: best?.in_flight ?? null,
      hub_requests_levels: levels,
      hub_requests_devices: kiosks + connected,
      hub_sync: sync,
      fleet_tcp_nodelay: opts.tcpNoDelay ?? false,
      fleet_people: data.people.length,
      fleet_dept_size: deptSize,
      fleet_kiosks: kiosks,
      fleet_farms: farmCount,
      fleet_tokens_issue_s: round2(tokensIssueMs / 1000),
      fleet_bench_s: round2((wall() - started) / 1000),
      fleet_teardown_error: null,
    };
    return result;
  } finally {
    // Thousands of devices leaving make the broker publish their Wills in a burst; at 5,000 and
    // more, Aedes (mqemitter's queue) has overflowed the hub's stack here (RangeError: Maximum
    // call stack size exceeded), also with the devices leaving 50 at a time. The figures are
    // measured by then: the error is kept (fleet_teardown_error), not allowed to lose them.
    const crashed = (err: Error) => {
      teardownError ??= `${err.name}: ${err.message}`;
    };
    process.on('uncaughtException', crashed);
    try {
      await Promise.all(farms.map((f) => f.stop().catch(() => {})));
      // after such an error the broker may never finish closing: do not wait for ever
      const stopped = service.stop().catch((err: Error) => crashed(err));
      await Promise.race([stopped, sleep(30_000).then(() => crashed(new Error('the hub did not stop within 30 s')))]);
    } finally {
      process.off('uncaughtException', crashed);
    }
    rmSync(dataDir, { recursive: true, force: true });
    if (result) result.fleet_teardown_error = teardownError;
  }
}
