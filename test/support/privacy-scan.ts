/**
 * Issue 10, the privacy scan (PR-2): a simulated day through the real system — hub, embedded
 * Aedes broker, SQLite, the admin API, real DeviceCore phones and kiosks, a movable clock —
 * with every payload recorded and searched for marker strings.
 *
 * Every absence reason and every piece of caller data (AS-1) set during the day is a unique
 * marker (`PRV…`, caller numbers `+4599…`). Recorded: every publish the broker carries (the
 * Aedes `publish` event: devices' requests, the hub's retained projections and replies,
 * births and Wills), every message each simulated device receives, the unauthenticated
 * routing endpoint's answers and what the hub pushes to the PBX. Searched: the raw bytes, every
 * JSON-decoded string and every base64-looking string decoded.
 *
 * Allowed places (anything else is a leak):
 * - a reason of person P: `person/P/own` (the leader's phone gets exactly that topic, PR-4),
 *   received only by P's phone or their leader's; and the `device/D/req` it was sent on by D.
 *   Replies (`device/D/res`) never carry a reason: `set-absence` answers `{kind}`
 *   (broker/policy/commands.ts setStatus), refusals name the field and the rule only
 *   (protocol/validate.ts). So a reason on any `res` topic is a leak, even the setter's own.
 * - caller data of message M: `person/X/own` for X among the people M reached (its recipient,
 *   the members of a recipient group, whoever it escalated to: AS-1, AS-3, AS-4), received
 *   only by X's phone or X's leader's; and the `device/D/req` of the device that took it.
 *   The take-message reply is `{id, for, forName, due, rule}`: no caller data.
 * "P's leader" is decided under the directory in force when the payload was recorded, or the
 * one before it (a delivery forwarded just before a reload can arrive just after it).
 */
import { rmSync } from 'node:fs';
import type { Aedes } from 'aedes';
import type { MqttClient } from 'mqtt';
import { loadConfig, type Config } from '../../broker/config.js';
import { Directory, type DirectoryData } from '../../broker/directory/directory.js';
import { adminToken, startHubService, type HubService } from '../../broker/main.js';
import type { EmbeddedBroker } from '../../broker/mqtt/embedded-broker.js';
import type { PbxPort } from '../../broker/pbx/pbx-port.js';
import type { Command } from '../../broker/policy/commands.js';
import { escalationsOf } from '../../broker/state/message-record.js';
import type { DeviceCore } from '../../firmware/device-core.js';
import { parseTopic, silentLogger, type Logger, type Response } from '../../protocol/index.js';
import { demoDirectory, type DemoOptions } from '../../simulator/demo/demo-directory.js';
import { issueFleetCredentials } from '../../simulator/fleet-credentials.js';
import { fleetDevices, SimFleet } from '../../simulator/sim-fleet.js';
import { SimulatedPbx } from '../../simulator/simulated-pbx.js';
import { seededRandom } from './seeded-random.js';
import { movableClock, tempDir, type MovableClock } from './system.js';
import { sleep, waitFor } from './wait.js';

export interface PrivacyScanOptions {
  /** the demo municipality (default 3 people per department, 2 kiosks) */
  demo?: DemoOptions;
  /** how many kiosks run (default all of the directory's); every phone runs */
  kiosks?: number;
  /** share of the employees each kind of action touches per batch (default 0.1) */
  rate?: number;
  seed?: number;
  /** requests in flight at once (default 16) */
  concurrency?: number;
  /**
   * a self-check: publish one reason marker on a public topic through the broker (not retained),
   * as a leak would; it is reported in `planted`, not in `leaks`
   */
  plant?: boolean;
  /** the broker counts as quiet after this long without a payload (default 250 ms) */
  quietMs?: number;
  logger?: Logger;
  progress?: (msg: string) => void;
}

export interface Leak {
  marker: string;
  kind: 'reason' | 'caller';
  /** whose reason, or who the message was asked for */
  owner: string;
  topic: string;
  /** `broker` (a publish), `device:<id>` (a delivery), `http …` or `pbx …` */
  via: string;
  excerpt: string;
}

export interface PrivacyScanResult {
  /** payloads searched: broker publishes + device deliveries + HTTP answers + PBX pushes */
  payloads: number;
  brokerPublishes: number;
  deviceDeliveries: number;
  otherPayloads: number;
  /** markers set (sent) during the day */
  markers: number;
  reasonMarkers: number;
  callerMarkers: number;
  /** reason markers the hub took, and how many of them were seen on the person's own topic */
  reasonsAccepted: number;
  reasonsSeenOwn: number;
  /** reasons of staff that reached their leader's phone (PR-4) */
  reasonsAtLeader: number;
  /** caller markers of messages the hub took, and how many were seen on a recipient's own topic */
  callerAccepted: number;
  callerSeenOwn: number;
  leaks: Leak[];
  /** with `plant`: where the planted leak was found (`broker`, `device:kiosk-1`, …) */
  planted: string[];
  /** messages with caller markers that escalated during the day (AS-4) */
  messagesEscalated: number;
  /** requests and commands by outcome: `set-absence:ok`, `divert:refused:target-absent`, … */
  actions: Record<string, number>;
  devices: number;
  seconds: number;
}

type Marker =
  | { token: string; kind: 'reason'; person: string; sender: string; accepted: boolean }
  | { token: string; kind: 'caller'; asked: string; sender: string; messageId: string | null; accepted: boolean };

interface Hit {
  token: string;
  topic: string;
  via: string;
  /** index into the directories seen (the one in force when recorded) */
  dir: number;
  excerpt: string;
}

/** markers are ASCII, so they are found in the raw bytes, in JSON escapes decoded, in base64 decoded */
const TOKENS = /PRV[0-9a-z]{11}|4599\d{7}/g;
const BASE64ISH = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;

/** Every marker-looking token in a payload: raw bytes, JSON-decoded strings and base64 inside them. */
export function tokensIn(payload: Buffer | string): Set<string> {
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  const out = new Set<string>(text.match(TOKENS) ?? []);
  if (typeof payload !== 'string') for (const t of payload.toString('latin1').match(TOKENS) ?? []) out.add(t);
  const c = text.trimStart()[0];
  if (c === '{' || c === '[' || c === '"') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return out;
    }
    const walk = (v: unknown): void => {
      if (typeof v === 'string') {
        for (const t of v.match(TOKENS) ?? []) out.add(t);
        if (BASE64ISH.test(v)) for (const t of Buffer.from(v, 'base64').toString('latin1').match(TOKENS) ?? []) out.add(t);
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (walk(k), walk(x));
    };
    walk(parsed);
  } else if (BASE64ISH.test(text.trim())) {
    for (const t of Buffer.from(text.trim(), 'base64').toString('latin1').match(TOKENS) ?? []) out.add(t);
  }
  return out;
}

/** Records payloads, finds markers, and judges every find at the end. */
export class PayloadScanner {
  readonly markers = new Map<string, Marker>();
  readonly hits: Hit[] = [];
  readonly dirs: Directory[] = [];
  brokerPublishes = 0;
  deviceDeliveries = 0;
  otherPayloads = 0;
  private seq = 0;

  constructor(
    private readonly random: () => number,
    private readonly currentDir: () => Directory,
  ) {}

  private dirIndex(): number {
    const d = this.currentDir();
    if (this.dirs.at(-1) !== d) this.dirs.push(d);
    return this.dirs.length - 1;
  }

  private token(): string {
    const n = (this.seq++).toString(36).padStart(5, '0');
    const r = Math.floor(this.random() * 36 ** 6).toString(36).padStart(6, '0');
    return `PRV${n}${r}`;
  }

  reason(person: string, sender: string): { text: string; marker: Marker } {
    const token = this.token();
    const marker: Marker = { token, kind: 'reason', person, sender, accepted: false };
    this.markers.set(token, marker);
    const what = ['sygdom', 'barns sygedag', 'kursus', 'ferie', 'lægebesøg', 'tandlæge'][this.seq % 6]!;
    return { text: `Årsag ${what} ${token}`, marker };
  }

  /** caller name, number and text: three markers for one message */
  caller(asked: string, sender: string): { args: { callerName: string; callerNumber: string; text: string }; markers: Marker[] } {
    const mk = (token: string): Marker => {
      const m: Marker = { token, kind: 'caller', asked, sender, messageId: null, accepted: false };
      this.markers.set(token, m);
      return m;
    };
    const name = mk(this.token());
    const number = mk(`4599${String(this.seq++ % 10_000_000).padStart(7, '0')}`);
    const text = mk(this.token());
    return { args: { callerName: `Borger ${name.token}`, callerNumber: `+${number.token}`, text: `Ringer om sin sag ${text.token}, bedes ringe tilbage` }, markers: [name, number, text] };
  }

  record(topic: string, payload: Buffer | string, via: string): void {
    if (via === 'broker') this.brokerPublishes++;
    else if (via.startsWith('device:')) this.deviceDeliveries++;
    else this.otherPayloads++;
    const found = tokensIn(payload);
    if (!found.size) return;
    const dir = this.dirIndex();
    const text = typeof payload === 'string' ? payload : payload.toString('utf8');
    for (const token of found) {
      if (!this.markers.has(token)) continue;
      const at = text.indexOf(token);
      const excerpt = at < 0 ? text.slice(0, 160) : text.slice(Math.max(0, at - 80), at + token.length + 40);
      this.hits.push({ token, topic, via, dir, excerpt });
    }
  }

  /** Judges every find. `messageOf` gives the hub's record of a message (recipient, escalations). */
  judge(messageOf: (id: string) => { for: string; history: Parameters<typeof escalationsOf>[0]['history'] } | undefined): { leaks: Leak[]; seenOwn: Set<string>; atLeader: Set<string> } {
    const leaks: Leak[] = [];
    const seenOwn = new Set<string>();
    const atLeader = new Set<string>();
    const peopleOf = (dir: Directory, id: string): string[] => (dir.groups.get(id)?.members.slice() ?? (dir.people.has(id) ? [id] : []));
    const audience = new Map<string, Set<string>>();
    const audienceOf = (m: Extract<Marker, { kind: 'caller' }>): Set<string> => {
      const key = m.messageId ?? '';
      let a = audience.get(key);
      if (a) return a;
      a = new Set();
      const rec = m.messageId ? messageOf(m.messageId) : undefined;
      if (rec) {
        for (const dir of this.dirs) {
          for (const p of peopleOf(dir, rec.for)) a.add(p);
          for (const e of escalationsOf(rec)) for (const p of peopleOf(dir, e.to)) a.add(p);
        }
      }
      audience.set(key, a);
      return a;
    };
    for (const hit of this.hits) {
      const m = this.markers.get(hit.token)!;
      const t = parseTopic(hit.topic);
      const dirs = [this.dirs[hit.dir], this.dirs[hit.dir - 1]].filter((d): d is Directory => d !== undefined);
      const device = hit.via.startsWith('device:') ? hit.via.slice(7) : null;
      // the receiving device's person, under the directory in force (or the one just before)
      const receiver = (personId: string) =>
        device === null || dirs.some((d) => { const p = d.devices.get(device)?.person ?? null; return p !== null && (p === personId || d.isLeaderOf(p, personId)); });
      let ok = false;
      if (t?.kind === 'device-req') ok = device === null && t.deviceId === m.sender;
      else if (t?.kind === 'person-own') {
        ok = (m.kind === 'reason' ? t.personId === m.person : audienceOf(m).has(t.personId)) && receiver(t.personId);
        if (ok && device === null) seenOwn.add(m.token);
        if (ok && device !== null && m.kind === 'reason' && dirs.some((d) => { const p = d.devices.get(device)?.person; return p !== undefined && p !== null && d.isLeaderOf(p, m.person); })) atLeader.add(m.token);
      }
      if (!ok) leaks.push({ marker: m.token, kind: m.kind, owner: m.kind === 'reason' ? m.person : m.asked, topic: hit.topic, via: hit.via, excerpt: hit.excerpt });
    }
    return { leaks, seenOwn, atLeader };
  }
}

/** The Aedes instance inside the embedded broker (every publish passes its `publish` event). */
function aedesOf(broker: EmbeddedBroker | null): Aedes | null {
  return broker?.instance ?? null;
}

/** The MQTT client inside a DeviceCore (private), to record what the device receives. */
function clientOf(core: DeviceCore): MqttClient | null {
  return (core as unknown as { client: MqttClient | null }).client;
}

/** A PBX port whose pushes (routes, forwards, busy lamps) are recorded before they go to the PBX. */
function recordedPbx(pbx: SimulatedPbx, scanner: () => PayloadScanner): PbxPort {
  const pushes = new Set(['apply', 'applyForward', 'setPresence']);
  return new Proxy(pbx as unknown as PbxPort, {
    get(target, key) {
      const v = (target as unknown as Record<string | symbol, unknown>)[key];
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      if (typeof key === 'string' && pushes.has(key)) {
        return (...args: unknown[]) => {
          scanner().record(`pbx ${key}`, JSON.stringify(args), `pbx ${key}`);
          return fn.apply(target, args);
        };
      }
      return fn.bind(target);
    },
  });
}

/** Copenhagen wall clock on the scan's days (March 2026: UTC+1; day 0 is Tuesday 10 March). */
function local(day: number, hh: number, mm: number): number {
  return Date.UTC(2026, 2, 10 + day, hh - 1, mm);
}
const iso = (ms: number) => new Date(ms).toISOString();

/** Runs `tasks` with at most `width` in flight. */
async function pool<T>(width: number, items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

export async function runPrivacyScan(opts: PrivacyScanOptions = {}): Promise<PrivacyScanResult> {
  const t0 = performance.now();
  const logger = opts.logger ?? silentLogger;
  const progress = opts.progress ?? (() => {});
  const random = seededRandom(opts.seed ?? 10);
  const rate = opts.rate ?? 0.1;
  const width = opts.concurrency ?? 16;
  /** the broker is quiet when it carried nothing new for this long */
  const quietMs = opts.quietMs ?? 250;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const sample = <T>(list: readonly T[], n: number): T[] => {
    const copy = [...list];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, Math.max(1, Math.min(copy.length, n)));
  };

  const data: DirectoryData = demoDirectory(opts.demo ?? { peoplePerDept: 3, kiosks: 2 });
  const directory = Directory.parse(data);
  const dataDir = tempDir('omstil-privacy-');
  const clock: MovableClock = movableClock(iso(local(0, 7, 30)));
  const simPbx = new SimulatedPbx({ routes: true, clock: () => clock.now() });
  let service: HubService | null = null;
  const scanner = new PayloadScanner(random, () => service?.directory ?? directory);
  const pbx = recordedPbx(simPbx, () => scanner);
  const actions: Record<string, number> = {};
  const count = (key: string) => (actions[key] = (actions[key] ?? 0) + 1);

  let config: Config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: null, apiPort: 0, dataDir, sync: 'normal', logLevel: 'warn' } });
  const startHub = async (first: boolean) => {
    const s = await startHubService(config, { logger, pbx, clock, ...(first ? { directory } : {}) });
    const aedes = aedesOf(s.broker);
    if (!aedes) throw new Error('privacy scan: no embedded broker to record');
    // every publish the broker carries: devices' requests, births and Wills, the hub's retained state and replies
    aedes.on('publish', (packet) => {
      if (packet.topic.startsWith('$SYS/')) return;
      scanner.record(packet.topic, typeof packet.payload === 'string' ? packet.payload : Buffer.from(packet.payload), 'broker');
    });
    return s;
  };
  service = await startHub(true);
  // the same ports after a restart: the devices reconnect to where they were
  const port = Number(new URL(service.mqttUrl).port);
  const apiBase = service.api!.url;
  config = loadConfig({ env: {}, overrides: { mqttPort: port, wsPort: null, apiPort: Number(new URL(apiBase).port), dataDir, sync: 'normal', logLevel: 'warn' } });
  const token = adminToken(config).token;

  const fleetPick = opts.kiosks !== undefined ? { kiosks: opts.kiosks } : {};
  // issue 10: each device its own token (they stay valid across the hub's restarts: the store keeps their hashes)
  const deviceMqttOptions = issueFleetCredentials(service.credentials!, fleetDevices(directory, fleetPick).map((d) => d.id));
  const fleet = new SimFleet({ directory, mqttUrl: service.mqttUrl, clock, logger, pbx: simPbx, ...fleetPick, deviceMqttOptions, connectConcurrency: 50, onProgress: (e) => e.done % 200 === 0 && progress(`devices connected: ${e.done}/${e.total}`) });
  try {
    await fleet.start();
    // what each device receives (the same MQTT.js client reconnects after the hub's restart)
    for (const core of fleet.cores.values()) {
      const via = `device:${core.deviceId}`;
      clientOf(core)!.on('message', (topic, payload) => scanner.record(topic, payload, via));
    }
    const cores = [...fleet.cores.values()];
    const devicesReady = () => waitFor(() => cores.every((c) => c.connected && c.mirror.config && (c.mirror.kind === 'kiosk' || c.mirror.me)), 'every device to show its state', 30_000 + cores.length * 60);
    await devicesReady();
    progress(`${cores.length} devices show their state`);

    /** the broker has carried nothing new for `ms` (the hub's sweep runs every second) */
    const quiet = async (ms = quietMs) => {
      let last = -1;
      const end = Date.now() + 60_000;
      for (;;) {
        const now = scanner.brokerPublishes + scanner.deviceDeliveries;
        if (now === last || Date.now() > end) return;
        last = now;
        await sleep(ms);
      }
    };
    const moveTo = async (ms: number, what: string) => {
      clock.advanceTo(ms);
      progress(`clock → ${iso(ms)} (${what})`);
      await sleep(1100); // the hub's sweep (every second) notices
      await quiet();
    };

    const hub = () => service!.hub;
    const dir = () => service!.directory;
    const employees = () => [...dir().people.values()].filter((p) => p.role === 'employee');
    const staff = () => employees().filter((p) => p.leader !== null);
    const phoneOf = (personId: string) => fleet.cores.get(`phone-${personId}`);
    const kiosks = fleet.kiosks;
    const n = (share = rate) => Math.max(1, Math.round(employees().length * share));

    const outcome = (op: string, res: Response) => count(res.ok ? `${op}:ok` : `${op}:refused:${res.error.code}`);
    const settle = (markers: Marker[], res: Response) => {
      for (const m of markers) m.accepted = res.ok;
      const data = res.ok ? (res.data as { id?: string } | undefined) : undefined;
      if (data?.id) for (const m of markers) if (m.kind === 'caller') m.messageId = data.id;
    };
    /** the hub answers: `ok` or a refusal, never a time-out */
    const device = async (core: DeviceCore, op: Parameters<DeviceCore['request']>[0], args: Record<string, unknown>, markers: Marker[] = []): Promise<Response> => {
      const res = await core.request(op, args as never);
      if (!res.ok && (res.error.code === 'timeout' || res.error.code === 'offline')) throw new Error(`${core.deviceId} ${op}: ${res.error.code}`);
      outcome(op, res);
      settle(markers, res);
      return res;
    };
    const admin = async (method: string, path: string, body: unknown, markers: Marker[] = []): Promise<void> => {
      const r = await fetch(`${apiBase}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await r.text();
      scanner.record(`http ${method} ${path}`, text, `http ${method} ${path}`);
      const res = JSON.parse(text) as { ok?: boolean; data?: { id?: string }; error?: { code: string } };
      const ok = r.ok && res.ok !== false;
      count(`admin ${method} ${path.split('/')[1]}:${ok ? 'ok' : `refused:${res.error?.code ?? r.status}`}`);
      for (const m of markers) m.accepted = ok;
      if (ok && res.data?.id) for (const m of markers) if (m.kind === 'caller') m.messageId = res.data.id;
    };
    const calendar = (cmd: Command) => {
      try {
        hub().execute({ source: 'calendar', id: 'privacy-scan', personId: null }, cmd);
        count(`calendar ${cmd.op}:ok`);
      } catch (err) {
        count(`calendar ${cmd.op}:refused:${(err as { code?: string }).code ?? 'error'}`);
      }
    };
    /** RT-2: the routing endpoint needs no token: the voicebot and anyone may ask */
    const route = async (to: string) => {
      const path = `/route?to=${encodeURIComponent(to)}`;
      const r = await fetch(`${apiBase}${path}`);
      scanner.record(`http GET ${path}`, await r.text(), `http GET ${path}`);
      count(`route:${r.status}`);
    };

    /** an absence with a reason from the person's own phone; long ones with a colleague (DV-6) */
    const ownAbsence = async (personId: string, until: number, long: boolean) => {
      const core = phoneOf(personId);
      if (!core) return;
      const { text, marker } = scanner.reason(personId, core.deviceId);
      const p = dir().people.get(personId)!;
      const args: Record<string, unknown> = { until: iso(until), reason: text };
      if (long) args.divertTo = pick([...p.preferred, `${p.dept}-gruppe`]);
      const res = await device(core, 'set-absence', args, [marker]);
      if (!res.ok && res.error.code !== 'needs-colleague' && long) {
        // the colleague is away or off-hours (DV-4): the department's group number instead
        const again = scanner.reason(personId, core.deviceId);
        await device(core, 'set-absence', { ...args, reason: again.text, divertTo: `${p.dept}-gruppe` }, [again.marker]);
      }
    };
    /** PR-4: the leader sets it from their phone for one of their staff */
    const leaderAbsence = async (personId: string, until: number) => {
      const leader = dir().people.get(personId)?.leader;
      const core = leader ? phoneOf(leader) : undefined;
      if (!core) return;
      const { text, marker } = scanner.reason(personId, core.deviceId);
      await device(core, 'set-absence', { person: personId, until: iso(until), reason: text }, [marker]);
    };
    const adminAbsence = async (personId: string, until: number) => {
      const { text, marker } = scanner.reason(personId, 'admin');
      await admin('PUT', `/people/${personId}/absence`, { until: iso(until), kind: 'away', reason: text }, [marker]);
    };
    /** AS-1: a kiosk, a phone or the admin API (the voicebot) takes a message */
    const takeMessage = async (by: DeviceCore | 'admin', forId: string) => {
      const { args, markers } = scanner.caller(forId, by === 'admin' ? 'admin' : by.deviceId);
      const body = { for: forId, ...args, callerInformed: random() < 0.3 };
      if (by === 'admin') await admin('POST', '/messages', body, markers);
      else await device(by, 'take-message', body, markers);
    };
    /** refusals carrying a reason: the replies must not echo it */
    const refusals = async (personId: string) => {
      const core = phoneOf(personId);
      if (!core) return;
      const past = scanner.reason(personId, core.deviceId);
      await device(core, 'set-absence', { until: iso(clock.now().getTime() - 60_000), reason: past.text }, [past.marker]);
      const long = scanner.reason(personId, core.deviceId);
      await device(core, 'set-absence', { until: iso(clock.now().getTime() + 3_600_000), reason: `${long.text} ${'x'.repeat(220)}` }, [long.marker]);
      // PR-4: not their leader
      const other = pick(employees().filter((e) => e.id !== personId && !dir().isLeaderOf(personId, e.id)));
      const forbidden = scanner.reason(other.id, core.deviceId);
      await device(core, 'set-absence', { person: other.id, until: iso(clock.now().getTime() + 3_600_000), reason: forbidden.text }, [forbidden.marker]);
      // a kiosk has no person
      if (kiosks[0]) {
        const k = scanner.reason(personId, kiosks[0].deviceId);
        await device(kiosks[0], 'set-absence', { person: personId, until: iso(clock.now().getTime() + 3_600_000), reason: k.text }, [k.marker]);
      }
    };
    const messageIds = () => [...scanner.markers.values()].flatMap((m) => (m.kind === 'caller' && m.messageId ? [m.messageId] : []));

    /** one batch of a working day's actions */
    const batch = async (label: string) => {
      const now = clock.now().getTime();
      const tasks: (() => Promise<unknown>)[] = [];
      const people = employees();
      for (const p of sample(people, n())) tasks.push(() => ownAbsence(p.id, now + 3 * 86_400_000, true)); // long, with a colleague
      for (const p of sample(people, n())) tasks.push(() => ownAbsence(p.id, local(0, 12, 0) > now ? local(0, 12, 0) : now + 3_600_000, false)); // a short errand
      for (const p of sample(people, n(rate / 2))) tasks.push(() => ownAbsence(p.id, local(1, 9, 0), false)); // away until tomorrow morning
      for (const p of sample(staff(), n(rate / 2))) tasks.push(() => leaderAbsence(p.id, now + 2 * 3_600_000));
      for (const p of sample(people, n(rate / 2))) tasks.push(() => adminAbsence(p.id, now + 4 * 3_600_000));
      // DV-1/DV-2: diversions, accepted or declined by the colleague
      for (const p of sample(people, n())) {
        tasks.push(async () => {
          const core = phoneOf(p.id);
          if (!core || !p.preferred[0]) return;
          const res = await device(core, 'divert', { target: p.preferred[0] });
          const target = phoneOf(p.preferred[0]);
          if (res.ok && target) await device(target, random() < 0.8 ? 'accept-diversion' : 'decline-diversion', { from: p.id });
        });
      }
      // PR-3 / DV-5: calendar meetings and the meeting prompt; a calendar absence (it never has a reason)
      for (const p of sample(people, n())) {
        tasks.push(async () => {
          calendar({ op: 'set-meeting-prompt', person: p.id, prompt: { start: iso(now + 5 * 60_000), end: iso(now + 65 * 60_000), suggestion: p.preferred[0] ?? null } });
          calendar({ op: 'set-status', person: p.id, kind: 'in-meeting', since: iso(now), until: iso(now + 45 * 60_000), reason: null, divertTo: null });
        });
      }
      for (const p of sample(people, n(rate / 3))) tasks.push(async () => calendar({ op: 'set-status', person: p.id, kind: 'absent', since: iso(now), until: iso(local(2, 9, 0)), reason: null, divertTo: null }));
      // AS-1: messages for people (some absent: AS-3 routes them on) and for function numbers
      const groups = [...dir().groups.keys()];
      for (const p of sample(people, n(rate * 1.5))) {
        const forId = random() < 0.2 ? pick(groups) : p.id;
        const by = random() < 0.6 && kiosks.length ? pick(kiosks) : random() < 0.5 ? 'admin' : phoneOf(pick(people).id) ?? 'admin';
        tasks.push(() => takeMessage(by, forId));
      }
      // PR-2 where it is most tempting: diverting to, and leaving a message for, someone away with a reason (DV-4, AS-3)
      const away = people.filter((p) => hub().record(p.id)?.absenceReason);
      for (const p of sample(away, n(rate / 2))) {
        tasks.push(async () => {
          const from = phoneOf(pick(people.filter((x) => x.id !== p.id)).id);
          if (from) await device(from, 'divert', { target: p.id });
        });
        tasks.push(() => takeMessage(kiosks.length ? pick(kiosks) : 'admin', p.id));
      }
      tasks.push(() => refusals(pick(people).id));
      progress(`${label}: ${tasks.length} actions`);
      await pool(width, tasks, (t) => t());
      await quiet();
    };

    /** back early and away again: the reason is cleared, then a new one is set (PR-2 on every revision) */
    const clearAndReset = async () => {
      const withReason = employees().filter((p) => hub().record(p.id)?.absenceReason);
      await pool(width, sample(withReason, n(rate / 2)), async (p) => {
        const core = phoneOf(p.id);
        if (!core) return;
        await device(core, 'clear-absence', {});
        const { text, marker } = scanner.reason(p.id, core.deviceId);
        await device(core, 'set-absence', { until: iso(clock.now().getTime() + 2 * 3_600_000), reason: text }, [marker]);
      });
      // a leader clears one of their staff's (PR-4)
      const staffWithReason = staff().filter((p) => hub().record(p.id)?.absenceReason);
      await pool(width, sample(staffWithReason, n(rate / 4)), async (p) => {
        const core = phoneOf(p.leader!);
        if (core) await device(core, 'clear-absence', { person: p.id });
      });
      await quiet();
    };
    /** AS-4: recipients acknowledge and finish some of their messages */
    const handleMessages = async () => {
      const open = messageIds().map((id) => hub().message(id)).filter((m) => m && m.status !== 'done');
      await pool(width, sample(open, Math.ceil(open.length / 3)), async (m) => {
        const who = dir().groups.get(m!.for)?.members[0] ?? m!.for;
        const core = phoneOf(who);
        if (core) await device(core, 'message-status', { message: m!.id, status: random() < 0.5 ? 'acknowledged' : 'done' });
      });
      await quiet();
    };
    const routes = async () => {
      const absent = employees().filter((p) => hub().record(p.id)?.absenceReason).slice(0, 40);
      // by extension (RT-2: the person, with state and back-at) and by their department's name
      await pool(width, absent, (p) => route(random() < 0.7 ? p.extension : (dir().departments.get(p.dept)?.name ?? p.dept)));
    };

    // 07:30: before phone hours, a few errands
    await pool(width, sample(employees(), n(rate / 2)), (p) => ownAbsence(p.id, local(0, 11, 0), false));
    calendar({ op: 'set-status', person: pick(employees()).id, kind: 'in-meeting', since: iso(local(0, 8, 0)), until: iso(local(0, 9, 30)), reason: null, divertTo: null });
    await quiet();
    await moveTo(local(0, 9, 2), 'phone hours start');
    await batch('09:05');
    await routes();
    await moveTo(local(0, 10, 30), 'meetings end');
    await clearAndReset();
    await handleMessages();

    // RT-1: a new directory: one employee gets another leader (PR-4 follows: the new leader's phone, not the old one's)
    const moved = staff().find((p) => hub().record(p.id)?.absenceReason) ?? staff()[0]!;
    const oldLeader = moved.leader!;
    const newLeader = employees().find((p) => p.leader === null && p.id !== oldLeader && p.dept !== moved.dept)!;
    const next: DirectoryData = { ...dir().data, people: dir().data.people.map((p) => (p.id === moved.id ? { ...p, leader: newLeader.id, title: `${p.title} (udlånt)` } : p)) };
    service.store.saveDirectory(next, 'privacy-scan reload', clock.now());
    await waitFor(() => dir().isLeaderOf(newLeader.id, moved.id), 'the hub to load the new directory', 10_000);
    await waitFor(() => phoneOf(newLeader.id)?.mirror.config?.staff.includes(moved.id), "the new leader's phone to follow its new staff", 10_000);
    await quiet();
    count('directory-reload');
    await leaderAbsence(moved.id, clock.now().getTime() + 3_600_000);
    await quiet();

    // a hub restart mid-day: every retained projection is published again
    progress('restarting the hub');
    await service.stop();
    service = null;
    service = await startHub(false);
    count('hub-restart');
    await devicesReady();
    await quiet();
    await batch('after the restart');
    await handleMessages();
    await routes();

    // errands end (11:00, 12:00); some departments close at 13:00 (PH-1)
    await moveTo(local(0, 13, 5), 'errands end, phone hours end in some departments');
    await clearAndReset();
    // over closing time and the night: absences "until tomorrow morning" end
    await moveTo(local(1, 9, 5), 'the next morning');
    await batch('day 2');
    // AS-2/AS-4: messages overdue escalate to the group, then the leader
    await moveTo(local(2, 9, 30), 'messages overdue: escalations');
    await routes();
    await quiet(quietMs * 2);

    let plantedToken: string | null = null;
    if (opts.plant) {
      const victim = employees().find((p) => hub().record(p.id)?.absenceReason) ?? employees()[0]!;
      const { text, marker } = scanner.reason(victim.id, 'plant');
      plantedToken = marker.token;
      const aedes = aedesOf(service.broker)!;
      const payload = Buffer.from(JSON.stringify({ personId: victim.id, note: text }));
      await new Promise<void>((resolve) => aedes.publish({ cmd: 'publish', topic: `omstil/v1/person/${victim.id}/public`, payload, qos: 0, retain: false, dup: false }, () => resolve()));
      await quiet();
    }

    const judged = scanner.judge((id) => hub().message(id));
    const { seenOwn, atLeader } = judged;
    const leaks = judged.leaks.filter((l) => l.marker !== plantedToken);
    const planted = judged.leaks.filter((l) => l.marker === plantedToken).map((l) => l.via);
    const escalated = new Set([...scanner.markers.values()].flatMap((m) => (m.kind === 'caller' && m.messageId ? [m.messageId] : [])));
    const all = [...scanner.markers.values()];
    const reasons = all.filter((m) => m.kind === 'reason');
    const callers = all.filter((m) => m.kind === 'caller');
    return {
      payloads: scanner.brokerPublishes + scanner.deviceDeliveries + scanner.otherPayloads,
      brokerPublishes: scanner.brokerPublishes,
      deviceDeliveries: scanner.deviceDeliveries,
      otherPayloads: scanner.otherPayloads,
      markers: all.length,
      reasonMarkers: reasons.length,
      callerMarkers: callers.length,
      reasonsAccepted: reasons.filter((m) => m.accepted).length,
      reasonsSeenOwn: reasons.filter((m) => m.accepted && seenOwn.has(m.token)).length,
      reasonsAtLeader: atLeader.size,
      callerAccepted: callers.filter((m) => m.accepted).length,
      callerSeenOwn: callers.filter((m) => m.accepted && seenOwn.has(m.token)).length,
      leaks,
      planted,
      messagesEscalated: [...escalated].filter((id) => { const m = hub().message(id); return m !== undefined && escalationsOf(m).length > 0; }).length,
      actions,
      devices: cores.length,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await fleet.stop();
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
