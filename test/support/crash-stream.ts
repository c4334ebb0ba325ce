/**
 * Crash safety under load (issue 10), shared by `test/e2e/crash-stream.test.ts` (small, CI) and
 * `bench/crash.ts` (full scale): `omstil hub` runs as a separate process; a SimFleet of real
 * DeviceCores in this process streams changes at it; at seeded random moments the hub gets
 * `kill -9` and is started again on the same data dir and ports. The devices reconnect by
 * themselves. After every restart (and at the end):
 *
 * (a) no acknowledged change is lost: every person's state at the hub (as committed in its
 *     database, read beside the running hub; the admin API keeps reasons to itself, PR-2) is one the request log allows: the effect of the last request
 *     acknowledged before the read, or of a later one whose fate is unknown (in flight at the
 *     kill, or answered during the read), never an older one. Each person's requests are sent
 *     one at a time by their own phone, so the order per person is known. A device never
 *     showed a revision the restarted hub does not have either (publishing follows the commit).
 * (b) devices converge: from the moment the restarted hub prints that it is up, until every
 *     phone's mirror of its own person (a leader's of its staff too) and every kiosk's view of
 *     those people has heard the hub's truth, or something newer, from the new hub.
 *
 * A person's state is two independent parts, each set absolutely by one kind of request:
 * the diversion (`divert` → its target, `undivert` → none) and the absence (`set-absence`
 * with a reason unique to that request → the reason, `clear-absence` → none).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Directory, type DirectoryData } from '../../broker/directory/directory.js';
import { activeDiversion, type PersonRecord } from '../../broker/state/person-record.js';
import type { DeviceCore } from '../../firmware/device-core.js';
import { memoryLogger, systemClock, type PersonOwn, type PersonPublic, type Response } from '../../protocol/index.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { fetchFleetTokens, loginsFor } from '../../simulator/fleet-credentials.js';
import { fleetDevices, SimFleet } from '../../simulator/sim-fleet.js';
import { freePort, killHard, spawnCli } from './hub-process.js';
import { seededRandom } from './seeded-random.js';
import { sleep } from './wait.js';

export interface CrashStreamOptions {
  /** phones that run (the directory's first ones); each streams changes for its own person */
  phones: number;
  /** kiosks that run (default: all in the directory) */
  kiosks?: number;
  /** the hub loads this directory from a file (`--directory`); omitted: the built-in demo it loads by default */
  directory?: DirectoryData;
  /** how many times the hub is killed */
  kills: number;
  seed?: number;
  /** after the devices converged, the stream runs this long (uniform, ms) before the next kill */
  runMs?: [number, number];
  /** each phone's pause before its next request (uniform, ms) */
  thinkMs?: [number, number];
  /** give up waiting for the devices to converge after a restart after this long */
  convergeTimeoutMs?: number;
  progress?: (msg: string) => void;
}

export type Outcome =
  /** answered ok: committed before the reply */
  | 'ok'
  /** answered with a refusal: nothing changed */
  | 'refused'
  /** refused on the device: not connected, never sent */
  | 'offline'
  /** the link dropped while it waited (the hub died): committed or not, unknown */
  | 'no-reply'
  /** no answer within the DeviceCore's time-out: unknown */
  | 'timeout'
  | 'pending';

export interface SentRequest {
  person: string;
  seq: number;
  op: 'divert' | 'undivert' | 'set-absence' | 'clear-absence';
  /** the part of the person's state the request sets, and to what */
  part: 'diversion' | 'absence';
  value: string | null;
  sentAt: number;
  doneAt: number | null;
  outcome: Outcome;
  /** the refusal's code */
  code?: string;
  /** answered only after the link dropped (the request was replayed to the new hub) */
  late?: boolean;
}

export interface Violation {
  after: string;
  person: string;
  part: 'diversion' | 'absence';
  hub: string | null;
  allowed: (string | null)[];
  /** the person's last requests, for the report */
  tail: string[];
}

export interface Unconverged {
  after: string;
  view: string;
  truth: string;
  shows: string;
  connected: boolean;
}

export interface CrashStreamResult {
  kills: number;
  requests: { sent: number; ok: number; refused: number; offline: number; noReply: number; timeout: number; late: number; internal: number };
  /** (a): states at the hub that no request log allows */
  lost: Violation[];
  /** a device showed a revision the restarted hub did not have */
  revRegressions: string[];
  /** (b): per restart, ms from "hub is up" until every view showed the truth (null: some never did) */
  convergeMs: (number | null)[];
  /** every view's own figure, over all restarts */
  viewConvergeMs: number[];
  unconverged: Unconverged[];
  /** spawn → "hub is up", per restart */
  restartMs: number[];
  /** requests in flight (sent, not answered) when the hub was killed, per kill */
  inFlightAtKill: number[];
  /** after the stream stopped: views that did not show the hub's final state */
  finalMismatches: Unconverged[];
  views: number;
  durationMs: number;
  /** kills, restarts and every request whose fate was unknown or late, ms from the start */
  timeline: string[];
}

const READY = /omstil hub is up/;
type HubProcess = Awaited<ReturnType<typeof spawnCli>>;
const now = () => performance.now();

interface Truth {
  rev: number;
  diversion: string | null;
  absence: string | null;
  /** what the public projection shows */
  publicDiversion: string | null;
  presence: string;
  /** the read's window: the state is the hub's at some instant in it */
  from: number;
  to: number;
}

interface Seen {
  t: number;
  rev: number;
  diversion: string | null;
  absence: string | null;
  publicDiversion: string | null;
  presence: string;
}

interface View {
  key: string;
  core: DeviceCore;
  person: string;
  kind: 'own' | 'staff' | 'public';
  /** what the mirror took since the last kill */
  seen: Seen[];
  scanned: number;
  convergedAt: number | null;
}

function ownParts(rec: PersonOwn): Pick<Seen, 'rev' | 'diversion' | 'absence' | 'publicDiversion' | 'presence'> {
  const d = rec.ownDiversion;
  return { rev: rec.rev, diversion: d && d.status !== 'declined' ? d.to : null, absence: rec.absenceReason, publicDiversion: rec.diversion?.to ?? null, presence: rec.presence };
}

/** A person's state as the hub committed it (its database's record). */
function recordParts(rec: PersonRecord): Pick<Seen, 'rev' | 'diversion' | 'absence' | 'publicDiversion' | 'presence'> {
  const d = rec.diversion;
  return { rev: rec.rev, diversion: d && d.status !== 'declined' ? d.to : null, absence: rec.absenceReason, publicDiversion: activeDiversion(rec, new Date())?.to ?? null, presence: rec.presence };
}

function publicParts(rec: PersonPublic): Pick<Seen, 'rev' | 'diversion' | 'absence' | 'publicDiversion' | 'presence'> {
  return { rev: rec.rev, diversion: null, absence: null, publicDiversion: rec.diversion?.to ?? null, presence: rec.presence };
}

function current(v: View): Seen | null {
  const m = v.core.mirror;
  const rec = v.kind === 'own' ? m.me : v.kind === 'staff' ? m.staff.get(v.person) : m.people.get(v.person);
  if (!rec) return null;
  return { t: now(), ...(v.kind === 'public' ? publicParts(rec) : ownParts(rec as PersonOwn)) };
}

/** Has the view heard the truth (or something newer)? Public projections skip revisions that show nothing new. */
function shows(v: View, s: Seen, truth: Truth): boolean {
  if (s.rev > truth.rev) return true;
  if (v.kind === 'public') return s.publicDiversion === truth.publicDiversion && s.presence === truth.presence;
  return s.rev === truth.rev && s.diversion === truth.diversion && s.absence === truth.absence;
}

/** The same, exactly: after the stream stopped nothing newer can come. */
function showsExactly(v: View, s: Seen | null, truth: Truth): boolean {
  if (!s) return false;
  if (v.kind === 'public') return s.rev <= truth.rev && s.publicDiversion === truth.publicDiversion && s.presence === truth.presence;
  return s.rev === truth.rev && s.diversion === truth.diversion && s.absence === truth.absence;
}

const describe = (s: { rev: number; diversion: string | null; absence: string | null; publicDiversion: string | null; presence: string } | null): string =>
  s ? `rev ${s.rev}, diversion ${s.diversion ?? '-'}, absence ${s.absence ?? '-'}, public ${s.publicDiversion ?? '-'}/${s.presence}` : 'nothing';

/**
 * The values each part of a person's state may have at the hub at some instant in
 * [from, to], by the person's request log: a request answered ok before `from` is certainly in;
 * one sent after `to` certainly not; anything else between (no reply, a time-out, answered
 * during the read, an `internal` error after which the commit may have happened) may be.
 */
export function allowedStates(log: readonly SentRequest[], from: number, to: number): { diversion: Set<string | null>; absence: Set<string | null> } {
  const out = { diversion: new Set<string | null>([null]), absence: new Set<string | null>([null]) };
  for (const r of log) {
    if (r.sentAt > to) break;
    if (r.outcome === 'offline' || (r.outcome === 'refused' && r.code !== 'internal')) continue;
    const set = out[r.part];
    if (r.outcome === 'ok' && r.doneAt !== null && r.doneAt < from) {
      set.clear();
      set.add(r.value);
    } else set.add(r.value);
  }
  return out;
}

export async function runCrashStream(opts: CrashStreamOptions): Promise<CrashStreamResult> {
  const started = now();
  const progress = opts.progress ?? (() => {});
  const rand = seededRandom(opts.seed ?? 10);
  const between = ([a, b]: [number, number], r = rand) => a + (b - a) * r();
  const data = opts.directory ?? demoDirectory(); // what `omstil hub` loads by default
  const directory = Directory.parse(data);
  const work = mkdtempSync(path.join(os.tmpdir(), 'omstil-crash-'));
  const dataDir = path.join(work, 'data');
  const token = randomBytes(18).toString('base64url');
  const configFile = path.join(work, 'hub.json');
  writeFileSync(configFile, JSON.stringify({ sync: 'full', adminToken: token }));
  const directoryFile = opts.directory ? path.join(work, 'directory.json') : null;
  if (directoryFile) writeFileSync(directoryFile, JSON.stringify(opts.directory));
  const [mqttPort, apiPort] = [await freePort(), await freePort()];
  const args = ['hub', '-c', configFile, '--mqtt-port', String(mqttPort), '--api-port', String(apiPort), '--no-ws-port', '--data-dir', dataDir, '--log-level', 'warn', ...(directoryFile ? ['--directory', directoryFile] : [])];
  const api = `http://127.0.0.1:${apiPort}/api/v1`;

  const result: CrashStreamResult = {
    kills: 0,
    requests: { sent: 0, ok: 0, refused: 0, offline: 0, noReply: 0, timeout: 0, late: 0, internal: 0 },
    lost: [],
    revRegressions: [],
    convergeMs: [],
    viewConvergeMs: [],
    unconverged: [],
    restartMs: [],
    inFlightAtKill: [],
    finalMismatches: [],
    views: 0,
    durationMs: 0,
    timeline: [],
  };
  const mark = (what: string) => result.timeline.push(`${Math.round(now() - started)} ${what}`);
  const running: { hub: HubProcess | null } = { hub: null };
  let fleet: SimFleet | null = null;
  const startHub = async (): Promise<HubProcess> => {
    const t = now();
    const hub = await spawnCli(args, READY, { timeoutMs: 60_000 });
    running.hub = hub;
    mark(`hub up (spawned at ${Math.round(t - started)})`);
    result.restartMs.push(Math.round(hub.readyAt - t));
    return hub;
  };

  try {
    await startHub();
    progress(`hub up; starting ${opts.phones} phones`);
    const pick = { phones: opts.phones, ...(opts.kiosks !== undefined ? { kiosks: opts.kiosks } : {}) };
    // issue 10: the hub is another process: each device's token through its admin API, as `omstil sim` gets them
    const tokens = await fetchFleetTokens({ apiBase: api, adminToken: token, deviceIds: fleetDevices(directory, pick).map((d) => d.id) });
    fleet = new SimFleet({ directory, mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, clock: systemClock, logger: memoryLogger('error'), ...pick, deviceMqttOptions: loginsFor(tokens) });
    await fleet.start();
    const phones = fleet.phones;
    const kiosks = fleet.kiosks;
    const personOf = (core: DeviceCore) => directory.devices.get(core.deviceId)!.person!;
    const streamers = phones.map((core) => ({ core, person: personOf(core) }));

    // what each device shows, recorded as its mirror takes it
    const views: View[] = [];
    const byKey = new Map<string, View>();
    const addView = (core: DeviceCore, person: string, kind: View['kind']) => {
      const v: View = { key: `${core.deviceId}:${kind}:${person}`, core, person, kind, seen: [], scanned: 0, convergedAt: null };
      views.push(v);
      byKey.set(`${core.deviceId}|${kind === 'public' ? 'person-public' : 'person-own'}|${person}`, v);
    };
    for (const { core, person } of streamers) {
      addView(core, person, 'own');
      // PR-4: a leader's phone follows its staff's own state
      for (const p of directory.data.people) if (p.leader === person) addView(core, p.id, 'staff');
    }
    for (const k of kiosks) for (const { person } of streamers) addView(k, person, 'public');
    for (const core of [...phones, ...kiosks]) {
      core.onUpdate((topic) => {
        if (topic.kind !== 'person-own' && topic.kind !== 'person-public') return;
        const v = byKey.get(`${core.deviceId}|${topic.kind}|${topic.personId}`);
        const s = v && current(v);
        if (s) v.seen.push(s);
      });
    }
    result.views = views.length;
    const people = [...new Set(views.map((v) => v.person))];

    // the stream: each phone, one request at a time, for its own person
    const logs = new Map<string, SentRequest[]>(streamers.map((s) => [s.person, []]));
    let stopping = false;
    const think = opts.thinkMs ?? [20, 250];
    const stream = async (core: DeviceCore, person: string, index: number) => {
      const r = seededRandom((opts.seed ?? 10) * 7919 + index);
      const me = directory.people.get(person)!;
      const targets = [...new Set([...me.preferred, ...(me.leader ? [me.leader] : [])])].filter((t) => t !== person);
      const log = logs.get(person)!;
      for (let seq = 0; !stopping; seq++) {
        await sleep(between(think, r));
        if (stopping) break;
        const x = r();
        const rec: SentRequest =
          x < 0.4 && targets.length
            ? { person, seq, op: 'divert', part: 'diversion', value: targets[Math.floor(r() * targets.length)]!, sentAt: now(), doneAt: null, outcome: 'pending' }
            : x < 0.6
              ? { person, seq, op: 'undivert', part: 'diversion', value: null, sentAt: now(), doneAt: null, outcome: 'pending' }
              : x < 0.85
                ? { person, seq, op: 'set-absence', part: 'absence', value: `crash-${person}-${seq}`, sentAt: now(), doneAt: null, outcome: 'pending' }
                : { person, seq, op: 'clear-absence', part: 'absence', value: null, sentAt: now(), doneAt: null, outcome: 'pending' };
        log.push(rec);
        const reply =
          rec.op === 'divert'
            ? core.request('divert', { target: rec.value! })
            : rec.op === 'undivert'
              ? core.request('undivert', {})
              : rec.op === 'set-absence'
                ? core.request('set-absence', { until: new Date(Date.now() + 2 * 3_600_000).toISOString(), reason: rec.value })
                : core.request('clear-absence', {});
        const settle = (res: Response) => {
          rec.doneAt = now();
          if (res.ok) rec.outcome = 'ok';
          else if (res.error.code === 'offline') rec.outcome = rec.outcome === 'pending' ? 'offline' : rec.outcome;
          else if (res.error.code === 'timeout') {
            rec.outcome = 'timeout';
            mark(`timeout: ${person} #${seq} ${rec.op} sent at ${Math.round(rec.sentAt - started)}`);
          } else {
            rec.outcome = 'refused';
            rec.code = res.error.code;
          }
        };
        // the link dropping (the hub died) ends the wait; a reply may still come (a replay to the new hub)
        const first = await new Promise<Response | 'dropped'>((resolve) => {
          const poll = setInterval(() => {
            if (!core.connected) {
              clearInterval(poll);
              resolve('dropped');
            }
          }, 20);
          void reply.then((res) => {
            clearInterval(poll);
            resolve(res);
          });
        });
        if (first !== 'dropped') settle(first);
        else {
          rec.outcome = 'no-reply';
          void reply.then((res) => {
            if (res.ok || (res.error.code !== 'timeout' && res.error.code !== 'offline')) {
              rec.late = true;
              settle(res);
              mark(`late reply: ${person} #${seq} ${rec.op} sent at ${Math.round(rec.sentAt - started)}: ${res.ok ? 'ok' : res.error.code}`);
            } else if (res.error.code === 'timeout') {
              rec.outcome = 'timeout';
              mark(`no reply: ${person} #${seq} ${rec.op} sent at ${Math.round(rec.sentAt - started)}`);
            }
          });
        }
      }
    };
    const streams = streamers.map((s, i) => stream(s.core, s.person, i));

    /**
     * every person's state at the hub, each with the window it was read in: as committed in its
     * SQLite database (WAL: a reader beside the hub sees every commit so far, and the hub
     * publishes and acknowledges only after its commit)
     */
    const readTruth = async (): Promise<Map<string, Truth>> => {
      const out = new Map<string, Truth>();
      const db = new Database(path.join(dataDir, 'omstil.db'), { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare('SELECT body FROM person_state WHERE person_id = ?');
        for (const id of people) {
          const from = now();
          const body = (row.get(id) as { body: string } | undefined)?.body;
          if (!body) throw new Error(`the hub's database has no state for ${id}`);
          out.set(id, { ...recordParts(JSON.parse(body) as PersonRecord), from, to: now() });
          await new Promise((r) => setImmediate(r)); // the devices' streams go on meanwhile
        }
      } finally {
        db.close();
      }
      return out;
    };

    /** (a): every part of every person's state is one their request log allows */
    const checkNoLoss = (after: string, truth: Map<string, Truth>) => {
      for (const [person, log] of logs) {
        const t = truth.get(person)!;
        const allowed = allowedStates(log, t.from, t.to);
        for (const part of ['diversion', 'absence'] as const) {
          if (allowed[part].has(t[part])) continue;
          result.lost.push({
            after,
            person,
            part,
            hub: t[part],
            allowed: [...allowed[part]],
            tail: log.slice(-6).map((r) => `#${r.seq} ${r.op} ${r.value ?? ''} ${r.outcome}${r.code ? ` ${r.code}` : ''}${r.late ? ' (late)' : ''} sent ${Math.round(r.sentAt - started)} done ${r.doneAt === null ? '-' : Math.round(r.doneAt - started)}`),
          });
        }
      }
    };

    /** (b): waits until every view heard the truth (or newer) from the new hub; ms from `readyAt` */
    const converge = async (after: string, readyAt: number, truth: Map<string, Truth>): Promise<number | null> => {
      const deadline = now() + (opts.convergeTimeoutMs ?? 20_000);
      for (;;) {
        let open = 0;
        for (const v of views) {
          if (v.convergedAt !== null) continue;
          const t = truth.get(v.person)!;
          for (; v.scanned < v.seen.length; v.scanned++) {
            if (shows(v, v.seen[v.scanned]!, t)) {
              v.convergedAt = v.seen[v.scanned]!.t;
              break;
            }
          }
          if (v.convergedAt === null) open++;
        }
        if (!open) break;
        if (now() > deadline) {
          for (const v of views) {
            if (v.convergedAt !== null) continue;
            result.unconverged.push({ after, view: v.key, truth: describe(truth.get(v.person)!), shows: describe(current(v)), connected: v.core.connected });
          }
          return null;
        }
        await sleep(20);
      }
      const ms = views.map((v) => Math.max(0, v.convergedAt! - readyAt));
      result.viewConvergeMs.push(...ms.map(Math.round));
      return Math.round(Math.max(...ms));
    };

    await sleep(between(opts.runMs ?? [1000, 2500]));
    for (let k = 1; k <= opts.kills; k++) {
      const h = running.hub!;
      if (h.child.exitCode !== null || h.child.signalCode !== null) throw new Error(`the hub exited by itself (${h.child.exitCode ?? h.child.signalCode}):\n${h.stderr()}`);
      const killedAt = now();
      await killHard(h.child);
      mark(`kill ${k}`);
      result.kills++;
      result.inFlightAtKill.push([...logs.values()].reduce((n, log) => n + log.filter((r) => r.sentAt < killedAt && r.doneAt === null && (r.outcome === 'pending' || r.outcome === 'no-reply')).length, 0));
      // nothing more can come from the dead hub once every link is down: from here on, what a mirror takes is the new hub's
      const down = now() + 5000;
      while ([...phones, ...kiosks].some((c) => c.connected) && now() < down) await sleep(5);
      // the newest revision any device was shown of each person: the restarted hub must have it (publish follows commit)
      const seenRev = new Map<string, number>();
      for (const v of views) {
        v.seen = [];
        v.scanned = 0;
        v.convergedAt = null;
        const s = current(v);
        if (s && v.kind !== 'public') seenRev.set(v.person, Math.max(seenRev.get(v.person) ?? -1, s.rev));
      }
      const { readyAt } = await startHub();
      const after = `restart ${k}`;
      const truth = await readTruth();
      checkNoLoss(after, truth);
      for (const [person, rev] of seenRev) {
        if (truth.get(person)!.rev < rev) result.revRegressions.push(`${after}: ${person} was shown rev ${rev}, the hub has rev ${truth.get(person)!.rev}`);
      }
      const ms = await converge(after, readyAt, truth);
      result.convergeMs.push(ms);
      progress(`kill ${k}/${opts.kills}: up in ${result.restartMs.at(-1)} ms, devices converged in ${ms ?? 'never'} ms, ${result.lost.length} lost so far`);
      await sleep(between(opts.runMs ?? [1000, 2500]));
    }

    // the end: the stream stops, every request settles, and every device shows the hub's final state
    stopping = true;
    await Promise.all(streams);
    const end = now() + 12_000; // a DeviceCore time-out (10 s) for replies that never come
    while ([...logs.values()].some((log) => log.some((r) => r.outcome === 'no-reply')) && now() < end) await sleep(50);
    const truth = await readTruth();
    checkNoLoss('the end', truth);
    const settled = now() + 10_000;
    let mismatched: View[] = views;
    for (;;) {
      mismatched = mismatched.filter((v) => !showsExactly(v, current(v), truth.get(v.person)!));
      if (!mismatched.length || now() > settled) break;
      await sleep(50);
    }
    for (const v of mismatched) result.finalMismatches.push({ after: 'the end', view: v.key, truth: describe(truth.get(v.person)!), shows: describe(current(v)), connected: v.core.connected });

    for (const log of logs.values()) {
      for (const r of log) {
        const c = result.requests;
        if (r.outcome === 'offline') c.offline++;
        else c.sent++;
        if (r.outcome === 'ok') c.ok++;
        if (r.outcome === 'refused') c.refused++;
        if (r.outcome === 'no-reply' || r.outcome === 'pending') c.noReply++;
        if (r.outcome === 'timeout') c.timeout++;
        if (r.late) c.late++;
        if (r.code === 'internal') c.internal++;
      }
    }
    result.durationMs = Math.round(now() - started);
    return result;
  } finally {
    await fleet?.stop();
    if (running.hub) await killHard(running.hub.child);
    rmSync(work, { recursive: true, force: true });
  }
}

export function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}
