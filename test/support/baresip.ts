/**
 * baresip user agents for real SIP calls in tests: one process and config folder per user,
 * registered to a test Kamailio, driven over ctrl_tcp (netstring JSON commands; the same
 * socket pushes events such as CALL_INCOMING, CALL_RINGING, CALL_ESTABLISHED, CALL_CLOSED).
 * See /work/shared/notes/sip-testing.md: no sound card (aubridge), SIP on 127.0.0.1, one
 * agent registers in ~20 ms, shutdown after SIGTERM takes 1–2 s (stop agents in parallel).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { NetstringDecoder } from '../../broker/pbx/kamailio-pbx.js';
import { freePort } from './hub-process.js';
import type { KamailioServer } from './kamailio.js';
import { needBinary } from './system-deps.js';

export type AnswerMode = 'auto' | 'manual';

/** An event baresip reported on ctrl_tcp. */
export interface AgentEvent {
  /** e.g. REGISTER_OK, CALL_INCOMING, CALL_RINGING, CALL_ESTABLISHED, CALL_CLOSED */
  type: string;
  /** `incoming` / `outgoing` for call events */
  direction?: string;
  /** the other party, e.g. `sip:1000@127.0.0.1` */
  peeruri?: string;
  /** the SIP Call-ID of the call */
  id?: string;
  /** CALL_CLOSED: why, e.g. `Connection reset by user`, `480 Nobody Available` */
  param?: string;
  /** ms since the agent started */
  t: number;
  raw: Record<string, unknown>;
}

export interface WaitOptions {
  match?: (e: AgentEvent) => boolean;
  timeoutMs?: number;
}

/** Agents still running (and their folders): ended when the test process exits, however it exits. */
const running = new Map<ChildProcess, string>();
process.once('exit', () => {
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

const MODULE_DIRS = ['/usr/lib/baresip/modules', '/usr/local/lib/baresip/modules', '/usr/lib/x86_64-linux-gnu/baresip/modules'];

export class BaresipAgent {
  readonly events: AgentEvent[] = [];
  /** index of the first event `next()` looks at */
  private cursor = 0;
  private readonly waiters = new Set<() => void>();
  private readonly pending = new Map<string, { resolve: (r: { ok: boolean; data: string }) => void; reject: (e: Error) => void }>();
  private nextToken = 1;
  private log = '';
  private readonly t0 = Date.now();
  private exited: Promise<void>;

  private constructor(
    readonly user: string,
    private readonly kam: KamailioServer,
    private readonly dir: string,
    private readonly child: ChildProcess,
    private readonly ctrl: net.Socket,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    const keep = (c: Buffer) => {
      this.log = (this.log + c.toString('utf8')).slice(-100_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const decoder = new NetstringDecoder();
    ctrl.on('data', (chunk: Buffer) => {
      for (const item of decoder.push(chunk)) if ('payload' in item) this.onMessage(item.payload);
    });
    ctrl.on('error', () => {});
    ctrl.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error(`${user}: baresip control connection closed`));
      this.pending.clear();
    });
  }

  /** Starts one agent for `user` (answer mode manual unless told) and waits for its registration. */
  static async start(exe: string, kam: KamailioServer, user: string, opts: { answerMode?: AnswerMode; timeoutMs?: number } = {}): Promise<BaresipAgent> {
    let last: Error | undefined;
    // the ctrl_tcp port is chosen free, but could be taken before baresip binds it: try again
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await BaresipAgent.startOnce(exe, kam, user, opts);
      } catch (err) {
        last = err as Error;
      }
    }
    throw last;
  }

  private static async startOnce(exe: string, kam: KamailioServer, user: string, opts: { answerMode?: AnswerMode; timeoutMs?: number }): Promise<BaresipAgent> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const dir = mkdtempSync(path.join(os.tmpdir(), `omstil-baresip-${user}-`));
    const ctrlPort = await freePort();
    const moduleDir = MODULE_DIRS.find((d) => existsSync(path.join(d, 'ctrl_tcp.so'))) ?? MODULE_DIRS[0]!;
    writeFileSync(
      path.join(dir, 'config'),
      [
        'poll_method epoll',
        // no sip_listen: baresip binds random free ports for UDP, TCP and TLS
        'net_interface 127.0.0.1',
        'sip_trans_def udp',
        'audio_player aubridge,nil',
        'audio_source aubridge,nil',
        'audio_alert aubridge,nil',
        'rtp_timeout 0',
        `module_path ${moduleDir}`,
        'module g711.so',
        'module aubridge.so',
        'module_app account.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'accounts'), `<sip:${user}@${kam.domain};transport=udp>;answermode=${opts.answerMode ?? 'manual'};regint=600;audio_codecs=PCMU\n`);
    const child = spawn(exe, ['-4', '-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.set(child, dir);
    child.once('exit', () => running.delete(child));
    let out = '';
    const early = (c: Buffer) => (out += c.toString('utf8'));
    child.stdout!.on('data', early);
    child.stderr!.on('data', early);
    let ctrl: net.Socket;
    try {
      ctrl = await connectWithin(ctrlPort, child, () => out, timeoutMs);
    } catch (err) {
      // SIGTERM: had it registered, it unregisters (a stale contact would ring with the next agent)
      child.kill('SIGTERM');
      const late = setTimeout(() => child.kill('SIGKILL'), 3000);
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
      clearTimeout(late);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    child.stdout!.off('data', early);
    child.stderr!.off('data', early);
    const agent = new BaresipAgent(user, kam, dir, child, ctrl);
    agent.log = out;
    try {
      await agent.waitRegistered(timeoutMs);
    } catch (err) {
      await agent.stop();
      throw new Error(`${user}: baresip did not register with ${kam.domain}: ${(err as Error).message}\n${agent.log.slice(-3000)}`);
    }
    agent.skip();
    return agent;
  }

  /**
   * Until the agent is registered: its REGISTER_OK event, or — when it registered before the
   * control socket was connected — `/reginfo` saying OK.
   */
  private async waitRegistered(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (this.events.some((e) => e.type === 'REGISTER_OK')) return;
      const failed = this.events.find((e) => e.type === 'REGISTER_FAIL');
      if (failed) throw new Error(`registration failed: ${failed.param ?? ''}`);
      const r = await this.command('reginfo').catch(() => null);
      // e.g. `> sip:1001@127.0.0.1:5060   \x1b[32mOK \x1b[;m kamailio (…) Expires 600s`
      if (r && /(^|[\sm])OK\s/.test(r.data)) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, 50);
        this.waiters.add(done);
      });
    }
    throw new Error(`not registered within ${timeoutMs} ms`);
  }

  get aor(): string {
    return `sip:${this.user}@${this.kam.domain}`;
  }

  private onMessage(payload: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(payload) as Record<string, unknown>;
    } catch {
      return;
    }
    if (msg.response === true) {
      const p = this.pending.get(String(msg.token));
      this.pending.delete(String(msg.token));
      p?.resolve({ ok: msg.ok === true, data: String(msg.data ?? '') });
      return;
    }
    if (msg.event === true) {
      const e: AgentEvent = { type: String(msg.type), t: Date.now() - this.t0, raw: msg };
      for (const k of ['direction', 'peeruri', 'id', 'param'] as const) if (typeof msg[k] === 'string') e[k] = msg[k] as string;
      this.events.push(e);
      for (const w of [...this.waiters]) w();
    }
  }

  /** Sends a ctrl_tcp command (`dial`, `accept`, `hangup`, …); resolves with its response. */
  command(command: string, params?: string, timeoutMs = 5000): Promise<{ ok: boolean; data: string }> {
    const token = `t${this.nextToken++}`;
    const json = JSON.stringify({ command, ...(params !== undefined ? { params } : {}), token });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`${this.user}: no response to /${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.ctrl.write(`${Buffer.byteLength(json)}:${json},`);
    });
  }

  private async expectOk(command: string, params?: string): Promise<string> {
    const r = await this.command(command, params);
    if (!r.ok) throw new Error(`${this.user}: /${command}${params ? ' ' + params : ''} failed: ${r.data}`);
    return r.data;
  }

  /** Calls `number` through Kamailio (`sip:<number>@<kamailio>`). */
  async dial(number: string): Promise<void> {
    await this.expectOk('dial', `sip:${number}@${this.kam.domain}`);
  }

  /** Answers the incoming call. */
  async answer(): Promise<void> {
    await this.expectOk('accept');
  }

  /** Hangs up (or cancels, or rejects) the current call. */
  async hangup(): Promise<void> {
    await this.expectOk('hangup');
  }

  /** Blind transfer of the current call to `number` (a REFER). */
  async transfer(number: string): Promise<void> {
    await this.expectOk('transfer', `sip:${number}@${this.kam.domain}`);
  }

  async setAnswerMode(mode: AnswerMode): Promise<void> {
    await this.expectOk('answermode', mode);
  }

  /** Forgets the events so far: `next()` looks only at later ones. */
  skip(): void {
    this.cursor = this.events.length;
  }

  /**
   * The next event of this type (or one of these types) since the cursor, waiting for it up to
   * `timeoutMs` (default 5 s); the cursor moves past it.
   */
  next(type: string | string[], opts: WaitOptions = {}): Promise<AgentEvent> {
    const types = Array.isArray(type) ? type : [type];
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const look = (): boolean => {
        for (let i = this.cursor; i < this.events.length; i++) {
          const e = this.events[i]!;
          if (types.includes(e.type) && (!opts.match || opts.match(e))) {
            this.cursor = i + 1;
            return resolve(e), true;
          }
        }
        return false;
      };
      if (look()) return;
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const seen = this.events.slice(this.cursor).map((e) => `${e.type}${e.param ? `(${e.param})` : ''}`).join(', ') || 'none';
        reject(new Error(`${this.user}: no ${types.join('/')} within ${timeoutMs} ms (events since: ${seen})`));
      }, timeoutMs);
      const check = () => {
        if (look()) {
          clearTimeout(timer);
          this.waiters.delete(check);
        }
      };
      this.waiters.add(check);
    });
  }

  /** Events of these types since the cursor, without waiting or moving the cursor. */
  pendingEvents(type?: string): AgentEvent[] {
    return this.events.slice(this.cursor).filter((e) => !type || e.type === type);
  }

  logs(): string {
    return this.log;
  }

  /**
   * Ends the agent. Graceful (default): SIGTERM, so it unregisters first (1–2 s); otherwise
   * SIGKILL (its registration stays in Kamailio until it expires).
   */
  async stop(opts: { graceful?: boolean } = {}): Promise<void> {
    this.ctrl.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(opts.graceful === false ? 'SIGKILL' : 'SIGTERM');
      const late = setTimeout(() => this.child.kill('SIGKILL'), 4000);
      await this.exited;
      clearTimeout(late);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function connectWithin(port: number, child: ChildProcess, out: () => string, timeoutMs: number): Promise<net.Socket> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`baresip exited (${child.exitCode ?? child.signalCode}):\n${out().slice(-3000)}`));
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => resolve(s));
      s.once('error', () => {
        s.destroy();
        if (Date.now() > end) return reject(new Error(`baresip ctrl_tcp on 127.0.0.1:${port} not listening within ${timeoutMs} ms:\n${out().slice(-3000)}`));
        setTimeout(attempt, 15);
      });
    };
    attempt();
  });
}

/** Starts agents for these users in parallel; null (after saying why) when baresip is missing. */
export async function startAgents(kam: KamailioServer, users: string[], opts: { answerMode?: AnswerMode | ((user: string) => AnswerMode) } = {}): Promise<Map<string, BaresipAgent> | null> {
  const exe = needBinary('baresip', 'baresip', 'SIP calls with baresip user agents');
  if (!exe) return null;
  const mode = (u: string) => (typeof opts.answerMode === 'function' ? opts.answerMode(u) : opts.answerMode);
  const results = await Promise.allSettled(users.map((u) => BaresipAgent.start(exe, kam, u, { answerMode: mode(u) ?? 'manual' })));
  const agents = new Map<string, BaresipAgent>();
  results.forEach((r, i) => r.status === 'fulfilled' && agents.set(users[i]!, r.value));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopAgents([...agents.values()], { graceful: false });
    throw failed.reason;
  }
  return agents;
}

/** Stops agents in parallel (see BaresipAgent.stop). */
export async function stopAgents(agents: Iterable<BaresipAgent>, opts: { graceful?: boolean } = {}): Promise<void> {
  await Promise.all([...agents].map((a) => a.stop(opts)));
}
