/**
 * The built firmware (dist/firmware, `npm run build`), run as a device runs it (with the
 * device's V8 flags, firmware/runtime/node-flags.ts):
 *   fw_bundle_kb          the minified bundle, native addons (beside it) not counted; target ≤ 250
 *   fw_cold_start_ms      process start → connected and showing state (its "showing state" log
 *                         line), against a real hub; median of 7 starts; target ≤ 500
 *   fw_rss_mb_after_soak  resident memory after 10,000 state updates and 100 reconnects, with
 *                         its screen attached; target ≤ 60, and no growth from the first half
 *                         to the second (fw_rss_mb_half, fw_rss_growth_mb)
 * The soak's "hub" is the bench itself on a plain Aedes broker, publishing the person's own
 * topic as the hub does (every revision) and closing the device's connection every 100
 * updates; the device cannot tell the difference, and no SQLite commit paces it.
 */
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { loadConfig } from '../broker/config.js';
import { Directory } from '../broker/directory/directory.js';
import { startHubService } from '../broker/main.js';
import { buildTopic, memoryLogger, systemClock, type BridgeToScreen, type DeviceConfig, type PersonOwn } from '../protocol/index.js';
import { DEVICE_NODE_FLAGS } from '../firmware/runtime/node-flags.js';
import { demoDirectory } from '../simulator/demo/demo-directory.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = path.join(ROOT, 'dist/firmware/omstil-firmware.js');
const UPDATES = 10_000;
const RECONNECTS = 100;

export interface FirmwareFigures {
  fw_bundle_kb: number | null;
  fw_cold_start_ms: number | null;
  fw_cold_start_runs_ms: number[] | null;
  fw_rss_mb_start: number | null;
  fw_rss_mb_half: number | null;
  fw_rss_mb_after_soak: number | null;
  fw_rss_growth_mb: number | null;
  fw_soak_s: number | null;
}

export async function benchFirmware(opts: { progress?: (msg: string) => void } = {}): Promise<FirmwareFigures> {
  const none: FirmwareFigures = { fw_bundle_kb: null, fw_cold_start_ms: null, fw_cold_start_runs_ms: null, fw_rss_mb_start: null, fw_rss_mb_half: null, fw_rss_mb_after_soak: null, fw_rss_growth_mb: null, fw_soak_s: null };
  if (!existsSync(BUNDLE)) {
    process.stderr.write(`bench firmware: ${BUNDLE} is missing; run \`npm run build\` first\n`);
    return none;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'omstil-bench-fw-'));
  try {
    const bundleKb = Math.round((statSync(BUNDLE).size / 1024) * 10) / 10;
    opts.progress?.(`firmware bundle ${bundleKb} KB; cold starts against a hub`);
    const starts = await coldStarts(dir, 7);
    opts.progress?.(`cold start median ${median(starts)} ms; soak: ${UPDATES} updates, ${RECONNECTS} reconnects`);
    const soak = await soakRun(dir, opts.progress);
    return {
      fw_bundle_kb: bundleKb,
      fw_cold_start_ms: median(starts),
      fw_cold_start_runs_ms: starts,
      fw_rss_mb_start: soak.start,
      fw_rss_mb_half: soak.half,
      fw_rss_mb_after_soak: soak.end,
      fw_rss_growth_mb: Math.round((soak.end - soak.half) * 10) / 10,
      fw_soak_s: soak.seconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Firmware {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<void>;
}

function startFirmware(dir: string, config: Record<string, unknown>): Firmware {
  const file = path.join(dir, `device-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ log: { level: 'info' }, ...config }));
  // as a device runs it: with the device's V8 flags
  const child = spawn(process.execPath, [...DEVICE_NODE_FLAGS, BUNDLE, '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return { child, stderr: () => err, exited };
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`bench firmware: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Spawn → "showing state", against the real hub with the demo municipality. */
async function coldStarts(dir: string, runs: number): Promise<number[]> {
  const directory = Directory.parse(demoDirectory());
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: 0, apiPort: 0, dataDir: path.join(dir, 'hub'), logLevel: 'warn' } });
  const hub = await startHubService(config, { logger: memoryLogger('warn'), directory, clock: systemClock });
  const device = directory.data.devices.find((d) => d.kind === 'phone')!;
  // issue 10: the device's own token in its config, as `omstil provision` writes it
  const credentials = { username: device.id, token: hub.credentials!.issue(device.id, 'bench').token };
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const fw = startFirmware(dir, { deviceId: device.id, hubUrl: hub.mqttUrl, credentials, ui: { port: 0 } });
      await until(() => /"showing state"/.test(fw.stderr()), 'the firmware to show state');
      times.push(Math.round(performance.now() - t0));
      fw.child.kill('SIGTERM');
      await fw.exited;
    }
  } finally {
    await hub.stop();
  }
  return times;
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

async function soakRun(dir: string, progress?: (msg: string) => void): Promise<{ start: number; half: number; end: number; seconds: number }> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const deviceId = 'phone-soak';
  let connects = 0;
  aedes.on('client', (c) => {
    if (c.id === deviceId) connects++;
  });
  const hub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'hub-stand-in' });
  const cfg: DeviceConfig = { deviceId, kind: 'phone', personId: 'soak', deptId: 'borgerservice', watch: [], preferred: ['bo'], staff: [], rev: 1 };
  const presences = ['available', 'in-meeting', 'away', 'on-call'] as const;
  const own = (rev: number): PersonOwn => ({
    personId: 'soak',
    name: 'Søren Soak',
    deptId: 'borgerservice',
    title: null,
    extension: '4199',
    role: 'employee',
    competencies: [],
    presence: presences[rev % presences.length]!,
    backAt: null,
    diversion: null,
    rev,
    updatedAt: new Date().toISOString(),
    ownDiversion: null,
    incoming: [],
    absenceReason: rev % 7 === 0 ? `kursus ${rev}` : null,
    alerts: [],
    messages: [],
    pbx: { forward: 'applied', notice: null },
    meetingPrompt: null,
  });
  const ownTopic = buildTopic({ kind: 'person-own', personId: 'soak' });
  await hub.publishAsync(buildTopic({ kind: 'hub-status' }), JSON.stringify({ online: true, since: new Date().toISOString() }), { qos: 1, retain: true });
  await hub.publishAsync(buildTopic({ kind: 'device-config', deviceId }), JSON.stringify(cfg), { qos: 1, retain: true });
  await hub.publishAsync(ownTopic, JSON.stringify(own(1)), { qos: 1, retain: true });

  const uiPort = await freePort();
  const fw = startFirmware(dir, { deviceId, hubUrl: `mqtt://127.0.0.1:${port}`, ui: { port: uiPort }, log: { level: 'error' }, reconnect: { minMs: 100, maxMs: 200 } });
  let shownRev = 0;
  try {
    await until(() => connects === 1, 'the device to connect');
    // its screen, attached as on a real phone: every update is also a view sent over the bridge
    const screen = await new Promise<WebSocket>((resolve, reject) => {
      const tryOpen = (left: number) => {
        const ws = new WebSocket(`ws://127.0.0.1:${uiPort}/bridge/${deviceId}`);
        ws.once('open', () => resolve(ws));
        ws.once('error', () => (left > 0 ? setTimeout(() => tryOpen(left - 1), 50) : reject(new Error('bench firmware: no bridge'))));
      };
      tryOpen(100);
    });
    screen.on('message', (d) => {
      const msg = JSON.parse(d.toString()) as BridgeToScreen;
      if (msg.t === 'view' && msg.view.me) shownRev = msg.view.me.rev;
    });
    await until(() => shownRev === 1, 'the screen to show the first state');
    await new Promise((r) => setTimeout(r, 500));
    const start = rssMb(fw.child.pid!);
    const t0 = performance.now();
    let half = 0;
    for (let rev = 2; rev <= UPDATES + 1; rev++) {
      await hub.publishAsync(ownTopic, JSON.stringify(own(rev)), { qos: 1, retain: true });
      if (rev % 50 === 0) await until(() => shownRev === rev, `the screen to show rev ${rev}`);
      if (rev % (UPDATES / RECONNECTS) === 0) {
        const before = connects;
        const client = (aedes as unknown as { clients: Record<string, { close(): void }> }).clients[deviceId];
        client?.close();
        await until(() => connects === before + 1, 'the device to reconnect');
        await until(() => shownRev === rev, 'the device to show the truth after reconnecting');
      }
      if (rev === UPDATES / 2 + 1) {
        await new Promise((r) => setTimeout(r, 500));
        half = rssMb(fw.child.pid!);
        progress?.(`half way: ${half} MB resident`);
      }
    }
    await until(() => shownRev === UPDATES + 1, 'the last update on screen');
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    await new Promise((r) => setTimeout(r, 500));
    const end = rssMb(fw.child.pid!);
    if (connects !== RECONNECTS + 1) throw new Error(`bench firmware: ${connects - 1} reconnects, expected ${RECONNECTS}`);
    screen.close();
    return { start, half, end, seconds };
  } finally {
    fw.child.kill('SIGTERM');
    await fw.exited;
    await hub.endAsync(true);
    server.close();
    await new Promise<void>((r) => aedes.close(() => r()));
  }
}
