/**
 * `omstil sim --serial`: simulated devices that IT flashes over a serial line, as a real desk
 * phone is flashed. Per device, socat makes a pseudo-terminal pair (a virtual null-modem cable);
 * the device's end is opened with the serialport adapter, paced at the configured baud rate
 * (PacedLink: a pty has no baud rate of its own), and the device's SerialBootloader answers on
 * it. IT runs `omstil flash --port <host end> image` against the other end.
 *
 * The device itself comes from `makeDevice`: something with a start()/stop() and an Installer
 * whose reboot() restarts it with what it installed, so it reports the new version to the hub.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Installer } from '../../firmware/boot/installer.js';
import { SerialportLink } from '../../firmware/serial/serialport-link.js';
import type { Logger } from '../../protocol/index.js';
import { PacedLink } from './paced-link.js';
import { SerialBootloader, type BootloaderEvent } from './serial-bootloader.js';

export type SerialSimErrorCode = 'socat-missing' | 'socat-failed' | 'serial-open';

export class SerialSimError extends Error {
  override readonly name = 'SerialSimError';
  constructor(
    readonly code: SerialSimErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A simulated device as the serial simulator needs it. */
export interface SerialDevice {
  readonly deviceId: string;
  readonly installer: Installer;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SerialSimOptions {
  devices: { deviceId: string; kind: 'phone' | 'kiosk' }[];
  /** each device's folder is `dir/<deviceId>` (its bootloader's files in `serial/` under it) */
  dir: string;
  baud: number;
  logger: Logger;
  makeDevice: (dev: { deviceId: string; kind: 'phone' | 'kiosk'; dir: string }) => SerialDevice | Promise<SerialDevice>;
  /** socat's path (default: found on PATH) */
  socat?: string;
  onEvent?: (deviceId: string, e: BootloaderEvent) => void;
}

export interface SerialPort {
  deviceId: string;
  /** the pty IT opens: `omstil flash --port <hostPath>` */
  hostPath: string;
  /** the pty the device's bootloader holds */
  devicePath: string;
}

interface Running {
  port: SerialPort;
  socat: ChildProcess;
  link?: PacedLink;
  boot?: SerialBootloader;
  device?: SerialDevice;
}

/** socat on PATH, or null. */
export function findSocat(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, 'socat');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** Starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0`; resolves with [device end, host end] once it is relaying. */
export function startPtyPair(socat: string, timeoutMs = 5000): Promise<{ child: ChildProcess; paths: [string, string] }> {
  const child = spawn(socat, ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const fail = (msg: string) => {
      clearTimeout(timer);
      child.kill();
      reject(new SerialSimError('socat-failed', `${msg}${stderr ? `: ${stderr.trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail(`socat did not make a pty pair in ${timeoutMs} ms`), timeoutMs);
    child.once('error', (err) => fail(`cannot run ${socat}: ${err.message}`));
    child.once('exit', (code) => fail(`socat exited with ${code}`));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      const found = [...stderr.matchAll(/PTY is (\/dev\/\S+)/g)].map((m) => m[1]!);
      // both ends exist once socat has started its transfer loop
      if (found.length === 2 && /starting data transfer loop/.test(stderr)) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        resolve({ child, paths: [found[0]!, found[1]!] });
      }
    });
  });
}

export class SerialSim {
  private readonly running: Running[] = [];
  private stopping = false;

  constructor(private readonly opts: SerialSimOptions) {}

  get ports(): SerialPort[] {
    return this.running.map((r) => r.port);
  }

  /** Starts every device on its own pty pair; on a failure stops what it started and rejects with a SerialSimError. */
  async start(): Promise<SerialPort[]> {
    const socat = this.opts.socat ?? findSocat();
    if (!socat) throw new SerialSimError('socat-missing', '--serial needs socat for its pseudo-terminal pairs (Debian package socat; run tools/setup-system-deps.sh)');
    try {
      for (const dev of this.opts.devices) await this.startOne(socat, dev);
    } catch (err) {
      await this.stop();
      throw err;
    }
    return this.ports;
  }

  private async startOne(socat: string, dev: { deviceId: string; kind: 'phone' | 'kiosk' }): Promise<void> {
    const log = this.opts.logger.child(dev.deviceId);
    const { child, paths } = await startPtyPair(socat);
    const r: Running = { port: { deviceId: dev.deviceId, devicePath: paths[0], hostPath: paths[1] }, socat: child };
    this.running.push(r);
    child.once('exit', (code) => {
      if (!this.stopping) log.error('socat exited: the serial line is gone', { code, port: r.port.hostPath });
    });
    const dir = path.join(this.opts.dir, dev.deviceId);
    const flashDir = path.join(dir, 'serial');
    mkdirSync(flashDir, { recursive: true });
    r.device = await this.opts.makeDevice({ ...dev, dir });
    await r.device.start();
    let raw: SerialportLink;
    try {
      raw = await SerialportLink.open(r.port.devicePath, this.opts.baud);
    } catch (err) {
      throw new SerialSimError('serial-open', (err as Error).message);
    }
    r.link = new PacedLink(raw, { baud: this.opts.baud });
    r.boot = new SerialBootloader({
      link: r.link,
      dir: flashDir,
      installer: r.device.installer,
      onEvent: (e) => {
        this.opts.onEvent?.(dev.deviceId, e);
        logEvent(log, e);
      },
    });
    r.boot.start();
    log.info('bootloader listening', { port: r.port.hostPath, baud: this.opts.baud, version: r.device.installer.currentVersion() });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const r of this.running.splice(0)) {
      await r.boot?.stop();
      await r.link?.close().catch(() => {});
      await r.device?.stop();
      if (r.socat.exitCode === null && r.socat.signalCode === null) {
        const exited = new Promise((res) => r.socat.once('exit', res));
        r.socat.kill();
        await exited;
      }
    }
  }
}

/** One log line per state change (not per chunk: every 10 % while receiving). */
function logEvent(log: Logger, e: BootloaderEvent): void {
  switch (e.state) {
    case 'receiving': {
      const step = Math.max(1, Math.ceil(e.total / 10));
      if (e.done === e.total || Math.floor(e.done / step) !== Math.floor((e.done - 1) / step)) log.debug('receiving', { done: e.done, total: e.total });
      return;
    }
    case 'verifying':
      return log.info('image received; verifying', { bytes: e.total });
    case 'failed':
      return log.warn('transfer failed', { reason: e.reason });
    case 'installed':
      return log.info('image installed', { version: e.version, slot: e.slot });
    case 'refused':
      return log.warn('image refused; keeping the running version', { code: e.code, message: e.message, running: e.version });
    case 'rebooting':
      return log.info('rebooting into the new image');
    case 'running':
      return log.info('running', { version: e.version });
  }
}
