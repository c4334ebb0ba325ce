/**
 * A real Kamailio for tests: broker/pbx/kamailio/omstil.cfg on free loopback ports (SIP over
 * UDP, JSON-RPC over HTTP, evapi), in the foreground with its own run folder, its log kept in
 * memory (print it when a test fails). See /work/shared/notes/sip-testing.md; Kamailio is ready
 * in well under a second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort, ROOT } from './hub-process.js';
import { needBinary } from './system-deps.js';

export const KAMAILIO_CFG = path.join(ROOT, 'broker/pbx/kamailio/omstil.cfg');

export type Defines = Record<string, string | number | true>;

export interface KamailioServer {
  sipPort: number;
  rpcPort: number;
  evPort: number;
  /** `http://127.0.0.1:PORT/RPC` */
  rpcUrl: string;
  /** the evapi socket, as KamailioPbx takes it */
  events: { host: string; port: number };
  /** `127.0.0.1:SIP_PORT`: the domain phones register to */
  domain: string;
  /** `sip:<user>@127.0.0.1:SIP_PORT` */
  uri(user: string): string;
  /** what Kamailio logged so far (the last 200 kB) */
  logs(): string;
  /** writes the log to stdout, headed by `why` */
  printLogs(why?: string): void;
  /** SIGTERM, waits for the exit (SIGKILL after 3 s), removes the run folder */
  stop(): Promise<void>;
  /** wall-clock ms from spawn to RPC answering */
  startupMs: number;
}

/** The defines omstil.cfg uses inside strings: their values are quoted (`-A 'NAME="v"'`). */
const STRING_DEFINES = new Set(['EV_BIND', 'IVR_USER']);

/** `-A` arguments for defines (`true`: defined without a value, e.g. WITH_AUTH). */
export function defineArgs(defines: Defines): string[] {
  return Object.entries(defines).flatMap(([k, v]) => ['-A', v === true ? k : STRING_DEFINES.has(k) ? `${k}="${v}"` : `${k}=${v}`]);
}

/** Kamailios still running (and their folders): ended when the test process exits, however it exits. */
const running = new Map<ChildProcess, string>();
process.once('exit', () => {
  for (const [child, dir] of running) {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `kamailio -c`: the configuration's syntax check (modules load, routes parse). */
export async function checkKamailioConfig(exe: string, defines: Defines = {}, cfg = KAMAILIO_CFG): Promise<{ ok: boolean; output: string }> {
  const child = spawn(exe, ['-c', '-f', cfg, ...defineArgs(defines)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { ok: code === 0 && /config file ok/.test(output), output };
}

/** A UDP port nobody holds right now (SIP is UDP; freePort checks TCP). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts Kamailio with omstil.cfg, or returns null (after saying why) when it is not installed.
 * `defines` are added to the port defines (e.g. `{ MAX_HOPS: 3 }`). A port taken between
 * choosing and binding makes Kamailio exit; then it is tried again on other ports.
 */
export async function startKamailio(opts: { defines?: Defines; what?: string } = {}): Promise<KamailioServer | null> {
  const exe = needBinary('kamailio', 'kamailio', opts.what ?? 'SIP test against Kamailio');
  if (!exe) return null;
  let last: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(exe, opts.defines ?? {});
    } catch (err) {
      last = err as Error;
    }
  }
  throw last;
}

async function startOnce(exe: string, extra: Defines): Promise<KamailioServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'omstil-kamailio-'));
  const [sipPort, rpcPort, evPort] = [await freeUdpPort(), await freePort(), await freePort()];
  const defines: Defines = {
    SIP_ADDR: '127.0.0.1',
    SIP_PORT: sipPort,
    RPC_ADDR: '127.0.0.1',
    RPC_PORT: rpcPort,
    EV_BIND: `127.0.0.1:${evPort}`,
    UDP_WORKERS: 2,
    TCP_WORKERS: 4,
    ...extra,
  };
  // -DD -E: foreground, log to stderr; -Y run dir (pid, control files); -m/-M: shared and
  // private memory in MB, small for tests
  const args = ['-f', KAMAILIO_CFG, '-DD', '-E', '-Y', dir, '-w', dir, '-m', '64', '-M', '8', ...defineArgs(defines)];
  const started = Date.now();
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (c: Buffer) => {
    log += c.toString('utf8');
    if (log.length > 400_000) log = log.slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  running.set(child, dir);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  const rpcUrl = `http://127.0.0.1:${rpcPort}/RPC`;
  try {
    await untilAnswers(rpcUrl, child, () => log, 10_000);
  } catch (err) {
    await kill(child, exited);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const startupMs = Date.now() - started;
  let stopped = false;
  const domain = `127.0.0.1:${sipPort}`;
  return {
    sipPort,
    rpcPort,
    evPort,
    rpcUrl,
    events: { host: '127.0.0.1', port: evPort },
    domain,
    uri: (user) => `sip:${user}@${domain}`,
    logs: () => log,
    printLogs(why = 'Kamailio log') {
      process.stdout.write(`\n----- ${why} (kamailio ${args.join(' ')}) -----\n${log.slice(-60_000)}\n----- end of Kamailio log -----\n`);
    },
    startupMs,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill(child, exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function untilAnswers(rpcUrl: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`kamailio exited (${child.exitCode ?? child.signalCode}) while starting:\n${log().slice(-4000)}`);
    if (/kamailio/.test(await postOnce(rpcUrl, JSON.stringify({ jsonrpc: '2.0', method: 'core.version', id: 1 })).catch(() => ''))) return;
    if (Date.now() > end) throw new Error(`kamailio's JSON-RPC on ${rpcUrl} did not answer within ${timeoutMs} ms:\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One POST on its own connection (no keep-alive socket left behind); resolves with the body. */
function postOnce(url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, timeout: 500, headers: { 'content-type': 'application/json', connection: 'close' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const late = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(late);
}
