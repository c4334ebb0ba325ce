/**
 * route_endpoint: `GET /api/v1/route` (RT-2) on a running hub, as the PBX and the voicebot use
 * it: a steady 1,000 requests/s for 10 s over keep-alive from a second process (route-load.ts,
 * open loop), each request's latency measured there.
 *
 * The municipality: 1,000 people in 20 departments (the demo's 15 from Randers' table and five
 * more), each with a function number, in a realistic state set through the policy: 10 % absent
 * (most diverted to a colleague), 5 % diverted, some on a call or away, and a closure with a
 * fallback. The hub's clock runs from Monday 23 November 2026 10:00 (inside phone hours).
 *
 * The mix: extensions 40 %, function numbers 15 %, department ids 10 %, keywords 25 % (as
 * written, in capitals, without æøå, inside a sentence; one in five a sentence never asked
 * before), 5 % at an instant outside phone hours (`at=`), 5 % that match nothing (404).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../broker/config.js';
import { Directory, type DirectoryData } from '../broker/directory/directory.js';
import { KeywordIndex } from '../broker/http/route-endpoint.js';
import { startHubService } from '../broker/main.js';
import type { Actor, Command } from '../broker/policy/commands.js';
import { ROUTE_PATH, silentLogger, type Clock } from '../protocol/index.js';
import { demoDirectory, slug } from '../simulator/demo/demo-directory.js';
import { SimulatedPbx } from '../simulator/simulated-pbx.js';
import { seededRandom } from '../test/support/seeded-random.js';
import { percentile } from './divert-e2e.js';
import type { LoadCommand, LoadResult } from './route-load.js';

export interface RouteBenchResult {
  route_endpoint_us_p50: number;
  route_endpoint_us_p99: number;
  route_endpoint_us_max: number;
  /** measured requests completed per second (the target is the offered rate) */
  route_endpoint_rps: number;
  route_endpoint_requests: number;
  route_endpoint_errors: number;
  /** how late the load generator sent, p99 in µs (large: the generator, not the hub, fell behind) */
  route_endpoint_lag_us_p99: number;
  /** building the keyword index for the directory (once per import), ms */
  route_index_build_ms: number;
  route_people: number;
  route_departments: number;
}

export interface RouteBenchOptions {
  /** offered requests per second */
  rate?: number;
  /** measured seconds (a further second of warm-up is sent first) */
  seconds?: number;
  progress?: (msg: string) => void;
}

/** Monday 23 November 2026, 10:00 in Copenhagen. */
const START = Date.parse('2026-11-23T10:00:00+01:00');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Five departments beyond the demo's fifteen, with their tasks (RT-1). */
const EXTRA: { id: string; name: string; tasks: string[] }[] = [
  { id: 'skat-ejendom', name: 'Skat og ejendomme', tasks: ['ejendomsskat', 'grundskyld', 'forskudsopgørelse', 'dødsbo'] },
  { id: 'boligstotte', name: 'Boligstøtte', tasks: ['boligstøtte', 'boligydelse', 'indskudslån', 'særlig støtte'] },
  { id: 'parkering-vej', name: 'Parkering og vej', tasks: ['parkeringstilladelse', 'vejarbejde', 'snerydning', 'gadelys'] },
  { id: 'sundhed', name: 'Sundhed og forebyggelse', tasks: ['sundhedspleje', 'tandpleje', 'rygestop', 'genoptræning'] },
  { id: 'erhverv', name: 'Erhverv og turisme', tasks: ['erhvervsservice', 'udskænkningstilladelse', 'turistinformation', 'torvehandel'] },
];
const FIRST = ['Agnete', 'Bjarne', 'Charlotte', 'Dennis', 'Else', 'Finn', 'Grethe', 'Hans', 'Inger', 'Jacob', 'Kirsten', 'Leif', 'Marianne', 'Nikolaj', 'Oda', 'Palle', 'Rikke', 'Steen', 'Tove', 'Ulrik'];
const LAST = ['Bertelsen', 'Dam', 'Eriksen', 'Frandsen', 'Gregersen', 'Holst', 'Iversen', 'Juhl', 'Kjeldsen', 'Lauridsen', 'Mikkelsen', 'Nørgaard', 'Overgaard', 'Pallesen', 'Quist', 'Riis', 'Schmidt', 'Toft', 'Ærø', 'Ågård'];
/** Real function numbers have a few dozen members. */
const GROUP_SIZE = 60;

/** 1,000 people in 20 departments: the demo's 15 at 50 each and five more. */
export function routeBenchDirectory(perDept = 50): DirectoryData {
  const data = demoDirectory({ peoplePerDept: perDept, kiosks: 0 });
  const used = new Set(data.people.map((p) => p.id));
  EXTRA.forEach((d, k) => {
    const base = 30000 + k * 1000;
    data.departments.push({ id: d.id, name: d.name, phoneHours: 'Mo-Th 08:00-15:00; Fr 08:00-13:00; PH off', tasks: d.tasks, sensitive: false, switchboardAgreement: false, callbackWorkdays: 1, web: 'https://www.randers.dk/', digitalMail: true });
    const ids: string[] = [];
    for (let i = 0; i < perDept; i++) {
      const name = `${FIRST[(i + k) % FIRST.length]} ${LAST[(i * 7 + k) % LAST.length]}`;
      let id = slug(name);
      for (let n = 2; used.has(id); n++) id = `${slug(name)}-${n}`;
      used.add(id);
      ids.push(id);
      data.people.push({
        id,
        name,
        title: i === 0 ? 'Afdelingsleder' : 'Sagsbehandler',
        dept: d.id,
        extension: String(base + i),
        leader: i === 0 ? null : ids[0]!,
        preferred: [],
        competencies: d.tasks.filter((_, t) => t % perDept === i % perDept),
        caseSplit: null,
        autoDivertMeetings: false,
        role: 'employee',
      });
    }
    ids.forEach((id, i) => (data.people.find((p) => p.id === id)!.preferred = [ids[(i + 1) % ids.length]!, ids[(i + 2) % ids.length]!]));
    data.groups.push({ id: `${d.id}-gruppe`, name: `${d.name}, fællesnummer`, dept: d.id, number: String(base + 900), members: ids.slice(1), phoneHours: null, tasks: [] });
  });
  for (const g of data.groups) g.members = g.members.slice(0, GROUP_SIZE);
  return data;
}

/** Sets a realistic state through the policy, as phones, calendars and the PBX would; refusals are skipped. */
function seedState(run: (actor: Actor, cmd: Command) => void, dir: Directory, random: () => number): void {
  const admin: Actor = { source: 'admin', id: 'bench', personId: null };
  const pbx: Actor = { source: 'pbx', id: 'bench', personId: null };
  const iso = (ms: number) => new Date(ms).toISOString();
  const employees = [...dir.people.values()].filter((p) => p.role === 'employee' && dir.staffOf(p.id).length === 0);
  const shuffled = [...employees].sort(() => random() - 0.5);
  const n = employees.length;
  const absent = new Set<string>();
  const tryRun = (actor: Actor, cmd: Command) => {
    try {
      run(actor, cmd);
    } catch {
      // a refusal (DV-4: the colleague is absent too, …): that person keeps their state
    }
  };
  shuffled.slice(0, Math.round(n * 0.1)).forEach((p) => {
    const cover = p.preferred.find((c) => !absent.has(c));
    absent.add(p.id);
    // PR-2: a reason the endpoint must never show
    tryRun(admin, { op: 'set-status', person: p.id, kind: 'absent', until: iso(START + (1 + Math.floor(random() * 20)) * DAY), reason: 'sygdom', divertTo: cover ?? null });
  });
  const present = shuffled.slice(Math.round(n * 0.1));
  present.slice(0, Math.round(n * 0.05)).forEach((p) => {
    const to = random() < 0.2 ? dir.groupsOf(p.dept)[0]?.id : p.preferred.find((c) => !absent.has(c));
    if (to) tryRun(admin, { op: 'divert', person: p.id, target: to, until: null });
  });
  present.slice(Math.round(n * 0.05), Math.round(n * 0.1)).forEach((p) => tryRun(pbx, { op: 'set-on-call', person: p.id, onCall: true }));
  present.slice(Math.round(n * 0.1), Math.round(n * 0.13)).forEach((p) => tryRun(admin, { op: 'set-status', person: p.id, kind: 'away', until: iso(START + 2 * HOUR), reason: null, divertTo: null }));
  // PH-3: Jobcenter in a staff meeting; Borgerservice's function number answers
  tryRun(admin, { op: 'add-closure', dept: 'jobcenter', start: iso(START), end: iso(START + 2 * HOUR), message: null, offer: 'fallback', fallback: 'borgerservice-gruppe' });
}

/** The requests, in order: a seeded mix of every form of `to`. */
function requestMix(dir: Directory, count: number, random: () => number): { path: string; status: number }[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const people = [...dir.people.values()];
  const groups = [...dir.groups.values()];
  const depts = [...dir.departments.values()];
  const words = [...new Set([...depts.flatMap((d) => d.tasks), ...people.flatMap((p) => p.competencies)])];
  const ascii = (w: string) => w.replace(/æ/g, 'ae').replace(/ø/g, 'oe').replace(/å/g, 'aa');
  const evening = new Date(START + 9 * HOUR).toISOString();
  const out: { path: string; status: number }[] = [];
  for (let i = 0; i < count; i++) {
    const x = random();
    const q = new URLSearchParams();
    let status = 200;
    if (x < 0.4) q.set('to', pick(people).extension);
    else if (x < 0.55) q.set('to', pick(groups).number);
    else if (x < 0.65) q.set('to', pick(depts).id);
    else if (x < 0.9) {
      const w = pick(words);
      const y = random();
      if (y < 0.2) q.set('to', `jeg ringer om ${w} sag ${i}`); // never asked before: no cached match
      else if (y < 0.4) q.set('to', w.toUpperCase());
      else if (y < 0.6) q.set('to', ascii(w));
      else if (y < 0.7) q.set('to', `spørgsmål om ${w}`);
      else q.set('to', w);
    } else if (x < 0.95) {
      q.set('to', random() < 0.5 ? pick(groups).number : pick(people).extension);
      q.set('at', evening); // PH-2
    } else {
      status = 404;
      q.set('to', random() < 0.5 ? String(40000 + Math.floor(random() * 9000)) : `zqx${i}`);
    }
    if (random() < 0.3) q.set('lang', 'en');
    out.push({ path: `${ROUTE_PATH}?${q}`, status });
  }
  return out;
}

export async function benchRoute(opts: RouteBenchOptions = {}): Promise<RouteBenchResult> {
  const rate = opts.rate ?? 1000;
  const seconds = opts.seconds ?? 10;
  const random = seededRandom(20261123);
  const directory = Directory.parse(routeBenchDirectory());
  const t0 = performance.now();
  new KeywordIndex(directory);
  const indexMs = performance.now() - t0;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'omstil-bench-route-'));
  const offset = START - Date.now();
  const clock: Clock = { now: () => new Date(Date.now() + offset) };
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: null, apiPort: 0, dataDir, logLevel: 'silent' } });
  const hub = await startHubService(config, { logger: silentLogger, pbx: new SimulatedPbx(), directory, clock });
  const here = path.dirname(fileURLToPath(import.meta.url));
  const load = fork(path.join(here, 'route-load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    opts.progress?.(`hub with ${directory.people.size} people in ${directory.departments.size} departments; setting their state`);
    seedState((actor, cmd) => hub.hub.execute(actor, cmd), directory, random);
    const requests = requestMix(directory, rate * (seconds + 1), random);
    const messages = new Promise<LoadResult>((resolve, reject) => {
      load.on('message', (m: { t: string }) => {
        if (m.t === 'ready') {
          opts.progress?.(`route-load: ${rate} requests/s for ${seconds} s (+1 s warm-up), open loop, keep-alive`);
          load.send({ t: 'run', origin: new URL(hub.api!.url).origin, requests, rate, warmup: rate } satisfies LoadCommand);
        } else if (m.t === 'done') resolve(m as LoadResult);
      });
      load.once('exit', (code) => reject(new Error(`route-load exited (${code})`)));
    });
    const result = await messages;
    const samples = result.samples.sort((a, b) => a - b);
    const lag = result.lag.sort((a, b) => a - b);
    if (result.firstError) opts.progress?.(`first error: ${result.firstError}`);
    opts.progress?.(`statuses: ${JSON.stringify(result.statuses)}`);
    const round = (x: number) => Math.round(x);
    return {
      route_endpoint_us_p50: round(percentile(samples, 50)),
      route_endpoint_us_p99: round(percentile(samples, 99)),
      route_endpoint_us_max: round(samples[samples.length - 1] ?? NaN),
      route_endpoint_rps: round(result.rps),
      route_endpoint_requests: result.measured,
      route_endpoint_errors: result.errors,
      route_endpoint_lag_us_p99: round(percentile(lag, 99)),
      route_index_build_ms: Math.round(indexMs * 100) / 100,
      route_people: directory.people.size,
      route_departments: directory.departments.size,
    };
  } finally {
    if (load.exitCode === null) {
      const exited = new Promise((r) => load.once('exit', r));
      load.send({ t: 'stop' });
      await exited;
    }
    await hub.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
