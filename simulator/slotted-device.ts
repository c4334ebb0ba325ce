/**
 * One simulated device with real A/B boot slots on disk (a folder per device) around a real
 * DeviceCore: what an OTA update does to a desk phone, without the phone. Booting picks the
 * slot (BootSlots.boot()), the core reports the slot's version, and a slot on trial must
 * reach the hub within `healthTimeoutMs` or the device rolls back and boots the old slot.
 * The slots' files are not run: the simulated firmware is the core of this process.
 */
import type { KeyObject } from 'node:crypto';
import type { IClientOptions } from 'mqtt';
import { BootSlots, type BootChoice, type BootReport } from '../firmware/boot/boot-slots.js';
import type { BootFs } from '../firmware/boot/boot-fs.js';
import { createSlotInstaller } from '../firmware/boot/file-installer.js';
import type { Installer } from '../firmware/boot/installer.js';
import { DeviceCore, FIRMWARE_VERSION, type DeviceCoreOptions } from '../firmware/device-core.js';
import type { Clock, DeviceKind, Logger } from '../protocol/index.js';

export const DEFAULT_HEALTH_TIMEOUT_MS = 10_000;

export interface SlottedDeviceOptions {
  deviceId: string;
  kind: DeviceKind;
  mqttUrl: string;
  clock: Clock;
  logger: Logger;
  /** the device's boot folder (slot-a/, slot-b/, boot.json) */
  dir: string;
  /** the key images must be signed with */
  publicKey: KeyObject;
  /** the simulated updater's version (an image's minBootVersion is compared with it) */
  bootVersion: string;
  /** a slot on trial must connect to the hub within this (default 10 s) */
  healthTimeoutMs?: number;
  /** the version in slot a when the folder is empty (default FIRMWARE_VERSION) */
  initialVersion?: string;
  /** trial boots before a boot-loop rollback (BootSlots) */
  maxTries?: number;
  coreOptions?: Partial<Omit<DeviceCoreOptions, 'deviceId' | 'kind' | 'mqttUrl' | 'clock' | 'logger' | 'fwVersion'>>;
  /**
   * Issue 10: the device's MQTT options (its login), asked afresh for every core it boots, as a
   * real device reads its config file at every boot; over `coreOptions.mqttOptions`.
   */
  mqttOptions?: () => Partial<IClientOptions> | undefined;
  faults?: {
    /** a firmware version that never comes up: its core is not started, so its health check times out */
    bootFails?: (version: string) => boolean;
  };
  fs?: BootFs;
}

/** What the device went through, for logs and tests (convention 6). */
export type SlottedDeviceEvent =
  | { state: 'booted'; version: string; slot: 'a' | 'b'; trial: boolean }
  | { state: 'confirmed'; version: string }
  | { state: 'rolled-back'; version: string; to: string; reason: string };

export class SlottedDevice {
  /** the running core (a new one after every reboot) */
  core: DeviceCore | null = null;
  readonly installer: Installer;
  private slots: BootSlots | null = null;
  private choice: BootChoice | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private offHealth: (() => void) | null = null;
  private readonly coreListeners = new Set<(core: DeviceCore) => void>();
  private readonly eventListeners = new Set<(e: SlottedDeviceEvent) => void>();
  private rebooting: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: SlottedDeviceOptions) {
    this.installer = createSlotInstaller({
      // the slots are opened at start(); the installer reaches them through this device
      slots: { stage: (image) => this.bootSlots().stage(image) },
      publicKey: opts.publicKey,
      kind: opts.kind,
      bootVersion: opts.bootVersion,
      currentVersion: () => this.version(),
      reboot: () => this.reboot(),
    });
  }

  /** Boots: picks the slot, starts its core (unless the fault says it never comes up), and gates a trial slot on its health. */
  async start(): Promise<BootChoice> {
    this.stopped = false;
    const { opts } = this;
    const slots = BootSlots.open(opts.dir, { ...(opts.fs ? { fs: opts.fs } : {}), ...(opts.maxTries ? { maxTries: opts.maxTries } : {}), clock: opts.clock });
    if (!slots.state()) slots.adopt({ version: opts.initialVersion ?? FIRMWARE_VERSION });
    this.slots = slots;
    const choice = slots.boot();
    this.choice = choice;
    const log = opts.logger;
    log.info('booted', { slot: choice.slot, version: choice.version, trial: choice.trial, tries: choice.tries });
    this.emit({ state: 'booted', version: choice.version, slot: choice.slot, trial: choice.trial });
    const login = opts.mqttOptions?.();
    const mqttOptions = login || opts.coreOptions?.mqttOptions ? { ...opts.coreOptions?.mqttOptions, ...login } : undefined;
    const core = new DeviceCore({ ...opts.coreOptions, ...(mqttOptions ? { mqttOptions } : {}), deviceId: opts.deviceId, kind: opts.kind, mqttUrl: opts.mqttUrl, clock: opts.clock, logger: log.child('core'), fwVersion: choice.version });
    this.core = core;
    for (const l of this.coreListeners) l(core);
    if (choice.trial) this.gate(core, choice);
    if (opts.faults?.bootFails?.(choice.version)) {
      log.warn('simulated firmware does not come up', { version: choice.version });
    } else {
      await core.start({ wait: false });
    }
    return choice;
  }

  /** Stops the core and every timer; the slots stay as they are on disk. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.rebooting;
    await this.halt();
  }

  /** Restarts into whatever boot.json names now (the staged slot, or the old one after a rollback). */
  reboot(): Promise<void> {
    const next = this.rebooting.then(async () => {
      if (this.stopped) return;
      await this.halt();
      this.opts.logger.info('rebooting');
      await this.start();
    });
    this.rebooting = next.catch((err: unknown) => this.opts.logger.error('reboot failed', { err: (err as Error).message }));
    return next;
  }

  /** Called with each new core (after every reboot), so the screen bridge and the OTA client can attach again. */
  onCore(listener: (core: DeviceCore) => void): () => void {
    this.coreListeners.add(listener);
    return () => this.coreListeners.delete(listener);
  }

  onEvent(listener: (e: SlottedDeviceEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** The running firmware version. */
  version(): string {
    return this.choice?.version ?? this.opts.initialVersion ?? FIRMWARE_VERSION;
  }

  /** The last boot outcome (confirmed, rolled-back, failed), once; for the OTA client to publish. */
  takeReport(): BootReport | null {
    return this.bootSlots().takeReport();
  }

  /** The boot slots (after start()). */
  bootSlots(): BootSlots {
    if (!this.slots) throw new Error(`${this.opts.deviceId}: not started`);
    return this.slots;
  }

  /** Health gate: connected within the timeout → confirm; else roll back and reboot into the old slot. */
  private gate(core: DeviceCore, choice: BootChoice): void {
    const log = this.opts.logger;
    const done = () => {
      this.offHealth?.();
      this.offHealth = null;
      if (this.healthTimer) clearTimeout(this.healthTimer);
      this.healthTimer = null;
    };
    // healthy = connected to the hub's broker (the view's `connected` also needs the hub's retained status)
    this.offHealth = core.onView(() => {
      if (!core.connected || this.core !== core) return;
      done();
      if (this.bootSlots().confirm()) {
        log.info('trial slot healthy: confirmed', { version: choice.version });
        this.emit({ state: 'confirmed', version: choice.version });
      }
    });
    this.healthTimer = setTimeout(() => {
      done();
      if (this.core !== core) return;
      const back = this.bootSlots().rollback('health-timeout');
      log.warn('trial slot not healthy in time: rolled back', { version: choice.version, to: back.version, timeoutMs: this.healthTimeoutMs });
      this.emit({ state: 'rolled-back', version: choice.version, to: back.version, reason: 'health-timeout' });
      void this.reboot();
    }, this.healthTimeoutMs);
  }

  private get healthTimeoutMs(): number {
    return this.opts.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  }

  private async halt(): Promise<void> {
    this.offHealth?.();
    this.offHealth = null;
    if (this.healthTimer) clearTimeout(this.healthTimer);
    this.healthTimer = null;
    const core = this.core;
    if (core) await core.stop();
  }

  private emit(e: SlottedDeviceEvent): void {
    for (const l of this.eventListeners) l(e);
  }
}
