/**
 * The device side of the fleet bench (bench/fleet.ts), one of several processes: real firmware
 * cores (DeviceCore, one MQTT.js client each, over loopback), each logging in with its own
 * token. On command it connects more devices, watches for a diversion to show on the devices it
 * holds (the target's phone and its kiosks), presses divert/undivert on a phone, or runs a
 * closed loop of requests from many phones.
 *
 * argv: mqttUrl, the fleet directory's options (JSON), 'nodelay' or 'nagle'; each connect
 * command names a file with the devices' tokens (never on the command line). Times are wall-clock
 * (performance.timeOrigin + now), comparable across the processes on this machine.
 */
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { DeviceCore } from '../firmware/device-core.js';
import { silentLogger, systemClock, type Response } from '../protocol/index.js';
import { fleetDirectory, type FleetDirectoryOptions } from './fleet-directory.js';
import { noDelayOnClientSockets } from './tcp-nodelay.js';

export type FleetFarmCommand =
  /** `tokensFile`: JSON {deviceId: token} for these devices (never on the command line) */
  | { t: 'connect'; ids: string[]; tokensFile: string; concurrency: number; settleTimeoutMs: number }
  | { t: 'watch'; round: number; from: string; to: string; undivert: boolean; timeoutMs: number }
  | { t: 'press'; round: number; from: string; to: string; undivert: boolean }
  | { t: 'load'; level: number; pairs: { from: string; to: string }[]; durationMs: number }
  | { t: 'stop' };

export type FleetFarmReply =
  | { t: 'ready' }
  | { t: 'connected'; count: number; failed: number; unsettled: number; connectMs: number; settleMs: number; rssMb: number; heapMb: number }
  | { t: 'watching'; round: number }
  | { t: 'shown'; round: number; at: number; pending: number }
  | { t: 'pressed'; round: number; pressedAt: number; ok: boolean; error?: string }
  | { t: 'loaded'; level: number; latencies: number[]; ok: number; refused: Record<string, number> }
  | { t: 'stopped' };

const wall = () => performance.timeOrigin + performance.now();
const send = (m: FleetFarmReply): void => void process.send!(m);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function memory(): { rssMb: number; heapMb: number } {
  gc();
  const m = process.memoryUsage();
  return { rssMb: Math.round(m.rss / 1e5) / 10, heapMb: Math.round(m.heapUsed / 1e5) / 10 };
}

async function main(): Promise<void> {
  const [mqttUrl, dirJson, nagle] = process.argv.slice(2) as [string, string, string];
  if (nagle === 'nodelay') noDelayOnClientSockets();
  const data = fleetDirectory(JSON.parse(dirJson) as FleetDirectoryOptions);
  const devices = new Map(data.devices.map((d) => [d.id, d]));
  const people = new Map(data.people.map((p) => [p.id, p]));
  const members = new Map<string, number>();
  for (const p of data.people) members.set(p.dept, (members.get(p.dept) ?? 0) + 1);
  const cores = new Map<string, DeviceCore>();
  const kiosks: DeviceCore[] = [];

  /** A device shows the hub's truth: its config, its own person, its department's people (kiosks: everyone). */
  const settled = (c: DeviceCore): boolean => {
    const m = c.mirror;
    if (!m.config || !m.hubOnline) return false;
    if (m.kind === 'kiosk') return m.people.size >= data.people.length && m.depts.size >= data.departments.length;
    const dept = m.config.deptId;
    return m.me !== null && (dept === null || (m.depts.has(dept) && m.people.size >= (members.get(dept) ?? 0) + m.config.watch.length));
  };

  async function connect(cmd: Extract<FleetFarmCommand, { t: 'connect' }>): Promise<void> {
    const tokens = JSON.parse(readFileSync(cmd.tokensFile, 'utf8')) as Record<string, string>;
    const t0 = wall();
    const fresh: DeviceCore[] = [];
    let failed = 0;
    const queue = [...cmd.ids];
    // a sliding window of connects in flight
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const dev = devices.get(id);
        if (!dev || cores.has(id)) continue;
        const core = new DeviceCore({
          deviceId: id,
          kind: dev.kind,
          mqttUrl,
          clock: systemClock,
          logger: silentLogger,
          // issue 10: every device logs in as itself with its own token
          mqttOptions: { username: id, password: tokens[id] ?? '' },
          requestTimeoutMs: 30_000,
        });
        cores.set(id, core);
        if (dev.kind === 'kiosk') kiosks.push(core);
        fresh.push(core);
        try {
          await core.start();
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: cmd.concurrency }, worker));
    const connectMs = wall() - t0;
    // then the retained state they subscribe to arrives
    const waiting = new Set(fresh.filter((c) => !settled(c)));
    if (waiting.size) {
      await new Promise<void>((resolve) => {
        const offs: (() => void)[] = [];
        const timer = setTimeout(finish, cmd.settleTimeoutMs);
        function finish() {
          clearTimeout(timer);
          offs.forEach((off) => off());
          resolve();
        }
        for (const c of waiting) {
          offs.push(
            c.onUpdate(() => {
              if (!waiting.has(c) || !settled(c)) return;
              waiting.delete(c);
              if (waiting.size === 0) finish();
            }),
          );
        }
      });
    }
    send({ t: 'connected', count: cores.size, failed, unsettled: waiting.size, connectMs, settleMs: wall() - t0, ...memory() });
  }

  function watch(m: Extract<FleetFarmCommand, { t: 'watch' }>): void {
    // shown = the target's phone (DV-2) and every kiosk reflect the new state
    const target = cores.get(`phone-${m.to}`);
    const targetShows = (c: DeviceCore) => (c.mirror.me?.incoming.some((i) => i.from === m.from) ?? false) === !m.undivert;
    const kioskShows = (c: DeviceCore) => (c.mirror.people.get(m.from)?.diversion?.to === m.to) === !m.undivert;
    const shows = (c: DeviceCore) => (c === target ? targetShows(c) : kioskShows(c));
    const pending = new Set([...(target ? [target] : []), ...kiosks].filter((c) => !shows(c)));
    send({ t: 'watching', round: m.round });
    if (pending.size === 0) return send({ t: 'shown', round: m.round, at: 0, pending: 0 });
    const offs: (() => void)[] = [];
    const done = (at: number) => {
      clearTimeout(timer);
      offs.forEach((off) => off());
      send({ t: 'shown', round: m.round, at, pending: pending.size });
    };
    const timer = setTimeout(() => done(0), m.timeoutMs);
    for (const c of pending) {
      offs.push(
        c.onUpdate(() => {
          if (!pending.has(c) || !shows(c)) return;
          pending.delete(c);
          if (pending.size === 0) done(wall());
        }),
      );
    }
  }

  async function press(m: Extract<FleetFarmCommand, { t: 'press' }>): Promise<void> {
    const from = cores.get(`phone-${m.from}`);
    if (!from) return send({ t: 'pressed', round: m.round, pressedAt: 0, ok: false, error: `phone-${m.from} is not in this farm` });
    const pressedAt = wall();
    const res = await (m.undivert ? from.request('undivert', {}) : from.request('divert', { target: m.to }));
    send({ t: 'pressed', round: m.round, pressedAt, ok: res.ok, ...(res.ok ? {} : { error: res.error.code }) });
  }

  /** A closed loop per pair: divert, undivert, divert, … until the time is up; the latency of every reply. */
  async function load(m: Extract<FleetFarmCommand, { t: 'load' }>): Promise<void> {
    const latencies: number[] = [];
    const refused: Record<string, number> = {};
    let ok = 0;
    const end = wall() + m.durationMs;
    const loop = async (pair: { from: string; to: string }) => {
      const core = cores.get(`phone-${pair.from}`);
      if (!core || !people.has(pair.to)) return;
      for (let undivert = false; wall() < end; undivert = !undivert) {
        const t = wall();
        const res: Response = await (undivert ? core.request('undivert', {}) : core.request('divert', { target: pair.to }));
        latencies.push(wall() - t);
        if (res.ok) ok++;
        else refused[res.error.code] = (refused[res.error.code] ?? 0) + 1;
      }
      // leave the phone undiverted for what follows
      if (core.mirror.me?.diversion) await core.request('undivert', {});
    };
    await Promise.all(m.pairs.map(loop));
    send({ t: 'loaded', level: m.level, latencies, ok, refused });
  }

  /**
   * Fifty at a time: thousands of links closing at once make the hub publish as many Wills
   * in one burst, and Aedes (its mqemitter queue) then overflowed the hub's stack (RangeError:
   * Maximum call stack size exceeded) at 5,000 devices: a finding for the hub, not the bench's to test here.
   */
  async function stopAll(): Promise<void> {
    const list = [...cores.values()];
    for (let i = 0; i < list.length; i += 50) {
      await Promise.all(list.slice(i, i + 50).map((c) => c.stop()));
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  process.on('message', (m: FleetFarmCommand) => {
    switch (m.t) {
      case 'connect':
        return void connect(m);
      case 'watch':
        return watch(m);
      case 'press':
        return void press(m);
      case 'load':
        return void load(m);
      case 'stop':
        return void stopAll().then(() => {
          send({ t: 'stopped' });
          process.exit(0);
        });
    }
  });
  send({ t: 'ready' });
}

void main();
