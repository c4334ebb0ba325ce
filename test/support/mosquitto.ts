/**
 * A throwaway Mosquitto for tests (issue 10, external broker): a free loopback port, a temp
 * folder with its config and the dynamic-security plugin, whose initial file
 * (`mosquitto_ctrl dynsec init`) makes `omstil-hub` the plugin's admin with a random password.
 * Anonymous access is off. Mosquitto is ready in well under a second; `restart()` brings it back
 * on the same port with the same dynamic-security file (clients and roles kept, retained
 * messages not: persistence is off, as the hub republishes its truth on reconnect).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HUB_USERNAME } from '../../broker/mqtt/access.js';
import { freePort } from './hub-process.js';
import { needBinary } from './system-deps.js';

/** Where Debian and Ubuntu put the plugin (package mosquitto). */
const PLUGIN_PATHS = ['/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so', '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so', '/usr/lib/mosquitto_dynamic_security.so', '/usr/local/lib/mosquitto_dynamic_security.so'];

export interface MosquittoServer {
  /** `mqtt://127.0.0.1:PORT` */
  mqttUrl: string;
  port: number;
  /** the password of omstil-hub, the plugin's admin */
  hubPassword: string;
  /** the folder with mosquitto.conf and dynsec.json */
  dir: string;
  /** what Mosquitto logged so far (the last 200 kB) */
  logs(): string;
  printLogs(why?: string): void;
  /** stops it (SIGTERM, SIGKILL after 3 s) and starts it again on the same port and files */
  restart(): Promise<void>;
  /** stops it and removes its folder */
  stop(): Promise<void>;
}

/**
 * Mosquitto runs under a small shell that holds our pipe on its stdin and ends Mosquitto when
 * that pipe closes: when the test process stops however it stops (a signal, the test runner's
 * SIGKILL on a time-out), Mosquitto stops with it and its folder is removed. The shell leads
 * its own process group, so one kill reaches both.
 */
const GUARD = [
  'exec 3<&0', // our pipe, kept for the watcher (a background job's stdin would be /dev/null)
  '"$1" -c "$2" </dev/null &',
  'pid=$!',
  // a line: we stop it (and keep or remove the folder ourselves); end of file without one: we are gone, so is the folder
  '{ if read -r _ <&3; then kill -TERM "$pid" 2>/dev/null; else kill -TERM "$pid" 2>/dev/null; sleep 1; rm -rf "$3"; fi; } &',
  'wait "$pid"',
].join('\n');

/** Mosquittos still running: ended when the test process exits. */
const running = new Map<ChildProcess, string>();
process.once('exit', () => {
  for (const [child, dir] of running) {
    killGroup(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* gone already */
  }
}

/** Starts Mosquitto with the dynamic-security plugin, or returns null (after saying why) when it is not installed. */
export async function startMosquitto(what = 'external broker test against Mosquitto'): Promise<MosquittoServer | null> {
  const exe = needBinary('mosquitto', 'mosquitto', what);
  const ctrl = exe && needBinary('mosquitto_ctrl', 'mosquitto', what);
  if (!exe || !ctrl) return null;
  const plugin = PLUGIN_PATHS.find((p) => existsSync(p));
  if (!plugin) {
    const msg = `${what}: mosquitto_dynamic_security.so not found in ${PLUGIN_PATHS.join(', ')}`;
    if (process.env.REQUIRE_SYSTEM_DEPS === '1') throw new Error(`REQUIRE_SYSTEM_DEPS=1 and ${msg}`);
    process.stdout.write(`\n  skipped: ${msg}\n`);
    return null;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'omstil-mosquitto-'));
  const hubPassword = randomBytes(18).toString('base64url');
  const dynsec = path.join(dir, 'dynsec.json');
  try {
    // the password on the command line is fine for a throwaway broker; operators let mosquitto_ctrl ask for it
    await promisify(execFile)(ctrl, ['dynsec', 'init', dynsec, HUB_USERNAME, hubPassword]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let log = '';
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let port = 0;

  const launch = async (fixedPort?: number): Promise<void> => {
    port = fixedPort ?? (await freePort());
    const conf = path.join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous false',
        'per_listener_settings false',
        'persistence false',
        // as root Mosquitto would switch to the mosquitto user, which cannot write the plugin's file here
        `user ${os.userInfo().username}`,
        `plugin ${plugin}`,
        `plugin_opt_config_file ${dynsec}`,
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        'log_type notice',
        'log_type information',
        'connection_messages true',
        '',
      ].join('\n'),
    );
    const proc = spawn('/bin/sh', ['-c', GUARD, 'mosquitto-guard', exe, conf, dir], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const keep = (c: Buffer) => {
      log += c.toString('utf8');
      if (log.length > 400_000) log = log.slice(-200_000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    running.set(proc, dir);
    exited = new Promise<void>((resolve) =>
      proc.once('exit', () => {
        running.delete(proc);
        resolve();
      }),
    );
    child = proc;
    await untilListening(port, proc, () => log, 5000);
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = null;
    // closing its stdin makes the guard end Mosquitto (SIGTERM); the group is killed if that takes too long
    proc.stdin?.end('stop\n');
    if (proc.exitCode === null && proc.signalCode === null) {
      const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    killGroup(proc, 'SIGKILL'); // the watcher, if Mosquitto ended on its own
  };

  // a port taken between choosing and binding makes Mosquitto exit: then other ports are tried
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      await kill();
      if (attempt < 3) continue;
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  let stopped = false;
  return {
    get mqttUrl() {
      return `mqtt://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    hubPassword,
    dir,
    logs: () => log,
    printLogs(why = 'Mosquitto log') {
      process.stdout.write(`\n----- ${why} -----\n${log.slice(-60_000)}\n----- end of Mosquitto log -----\n`);
    },
    async restart() {
      await kill();
      // the port was just freed; Mosquitto sets SO_REUSEADDR, so it binds it again at once
      await launch(port);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once Mosquitto accepts TCP connections on the port; rejects with its log when it exits first. */
async function untilListening(port: number, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`mosquitto exited (${child.exitCode ?? child.signalCode}) before listening on ${port}:\n${log().slice(-4000)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms:\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
