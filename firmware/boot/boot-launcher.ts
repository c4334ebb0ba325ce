/**
 * The boot launcher's loop (run on a device by boot-main.ts, under systemd): boot the slot
 * boot.json names, run its firmware as a child process, and watch a slot on trial:
 *
 *   - the firmware confirms itself (BootSlots.confirm() once it reaches the hub); the launcher
 *     reads boot.json every `pollMs` and only then stops watching;
 *   - not confirmed within `healthTimeoutMs`: killed, rolled back ('health-timeout'), the
 *     old slot started;
 *   - exited before confirming: rolled back ('exited'), the old slot started;
 *   - exit status 75 (EX_TEMPFAIL), or any exit right after a new image was staged: boot
 *     again, into the staged slot, on trial.
 *
 * Any other exit of a confirmed slot ends the launcher with the child's status, for the
 * supervisor to restart it (and the launcher boots again).
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';
import type { Logger } from '../../protocol/log.js';
import { FIRMWARE_ENTRY } from '../image/firmware-folder.js';
import type { BootChoice, BootSlots } from './boot-slots.js';

/** The firmware asks for a reboot into the slot it staged. */
export const EXIT_REBOOT = 75;

export type LauncherEvent =
  | { state: 'booting'; slot: 'a' | 'b'; version: string; trial: boolean; tries: number }
  | { state: 'confirmed'; version: string }
  | { state: 'rolled-back'; version: string; to: string; reason: 'health-timeout' | 'exited' | 'boot-loop' }
  | { state: 'exited'; version: string; code: number | null; signal: string | null };

export interface BootLauncherOptions {
  slots: BootSlots;
  logger: Logger;
  bootVersion: string;
  healthTimeoutMs: number;
  /** the Node.js binary (default this one) and its flags for the firmware */
  nodePath?: string;
  nodeFlags?: readonly string[];
  /** arguments after the firmware's entry (`--config FILE`) */
  args?: readonly string[];
  /** the firmware's environment, before OMSTIL_BOOT_DIR, OMSTIL_FW_VERSION and OMSTIL_BOOT_VERSION are added */
  env?: NodeJS.ProcessEnv;
  /** how often boot.json is read while a slot is on trial (default 250 ms) */
  pollMs?: number;
  /** SIGTERM, then SIGKILL after this (default 5 s) */
  killGraceMs?: number;
  spawn?: (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;
  onEvent?: (e: LauncherEvent) => void;
}

type Outcome = { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null } | { kind: 'health-timeout' };

export class BootLauncher {
  private child: ChildProcess | null = null;
  private stopping = false;

  constructor(private readonly opts: BootLauncherOptions) {}

  /** Boots and supervises until a confirmed firmware exits (its status) or stop() (0). */
  async run(): Promise<number> {
    const { slots, logger: log } = this.opts;
    for (;;) {
      if (this.stopping) return 0;
      const before = slots.state();
      const choice = slots.boot();
      const after = slots.state()!;
      // boot() rolled a boot loop back: say so
      if (before && !before.confirmed && after.active !== before.active) {
        this.emit({ state: 'rolled-back', version: before.slots[before.active]?.version ?? '?', to: choice.version, reason: 'boot-loop' });
      }
      log.info('booting', { slot: choice.slot, version: choice.version, trial: choice.trial, tries: choice.tries });
      this.emit({ state: 'booting', slot: choice.slot, version: choice.version, trial: choice.trial, tries: choice.tries });
      const outcome = await this.runSlot(choice);
      if (this.stopping) return 0;
      const st = slots.reload();
      if (outcome.kind === 'exit') {
        log.info('firmware exited', { version: choice.version, code: outcome.code, signal: outcome.signal });
        this.emit({ state: 'exited', version: choice.version, code: outcome.code, signal: outcome.signal });
      }
      // a new image staged (by the firmware's updater): boot it, whatever the exit status
      if (st && !st.confirmed && st.tries === 0) continue;
      if (choice.trial && st && !st.confirmed) {
        const reason = outcome.kind === 'health-timeout' ? 'health-timeout' : 'exited';
        const back = slots.rollback(reason);
        log.warn('the new firmware did not confirm: rolled back', { version: choice.version, to: back.version, reason });
        this.emit({ state: 'rolled-back', version: choice.version, to: back.version, reason });
        continue;
      }
      if (outcome.kind === 'health-timeout') continue; // it confirmed as it was stopped: start it again
      if (outcome.code === EXIT_REBOOT) continue;
      return outcome.code ?? 1;
    }
  }

  /** Stops the firmware (SIGTERM, then SIGKILL) and ends run() with 0. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child) await this.kill(child);
  }

  private runSlot(choice: BootChoice): Promise<Outcome> {
    const o = this.opts;
    const child = (o.spawn ?? nodeSpawn)(o.nodePath ?? process.execPath, [...(o.nodeFlags ?? []), path.join(choice.dir, FIRMWARE_ENTRY), ...(o.args ?? [])], {
      stdio: 'inherit',
      env: { ...(o.env ?? process.env), OMSTIL_BOOT_DIR: o.slots.dir, OMSTIL_FW_VERSION: choice.version, OMSTIL_BOOT_VERSION: o.bootVersion },
    });
    this.child = child;
    return new Promise<Outcome>((resolve) => {
      let timedOut = false;
      let poll: NodeJS.Timeout | null = null;
      let deadline: NodeJS.Timeout | null = null;
      const unwatch = () => {
        if (poll) clearInterval(poll);
        if (deadline) clearTimeout(deadline);
        poll = deadline = null;
      };
      child.once('error', (err) => o.logger.error('cannot start the firmware', { err: err.message }));
      child.once('close', (code, signal) => {
        unwatch();
        this.child = null;
        resolve(timedOut ? { kind: 'health-timeout' } : { kind: 'exit', code, signal });
      });
      if (!choice.trial) return;
      poll = setInterval(() => {
        let confirmed = false;
        try {
          confirmed = o.slots.reload()?.confirmed === true;
        } catch (err) {
          o.logger.warn('cannot read boot.json', { err: (err as Error).message }); // mid-rename on some filesystems: next poll
        }
        if (!confirmed) return;
        unwatch();
        o.logger.info('the new firmware confirmed itself', { version: choice.version });
        this.emit({ state: 'confirmed', version: choice.version });
      }, o.pollMs ?? 250);
      deadline = setTimeout(() => {
        unwatch();
        timedOut = true;
        o.logger.warn('the new firmware did not confirm in time; stopping it', { version: choice.version, timeoutMs: o.healthTimeoutMs });
        void this.kill(child);
      }, o.healthTimeoutMs);
    });
  }

  private kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const hard = setTimeout(() => child.kill('SIGKILL'), this.opts.killGraceMs ?? 5000);
      child.once('close', () => {
        clearTimeout(hard);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private emit(e: LauncherEvent): void {
    this.opts.onEvent?.(e);
  }
}
