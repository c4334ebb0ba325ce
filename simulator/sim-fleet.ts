/**
 * N virtual phones and M kiosks, each running the real firmware core, with their phones
 * registered on the simulated PBX so that calls ring (and are answered) on them.
 *
 * With `ota`, each device is a SlottedDevice (real A/B slots in a folder of its own) with an
 * OtaClient on every core it boots: the fleet takes OTA rollouts from the hub end to end.
 */
import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import type { IClientOptions } from 'mqtt';
import type { Device, Directory } from '../broker/directory/directory.js';
import { nodeBootFs } from '../firmware/boot/boot-fs.js';
import { DeviceCore } from '../firmware/device-core.js';
import { FileOtaStaging } from '../firmware/ota/chunk-store.js';
import { OtaClient, type OtaClientOptions } from '../firmware/ota/ota-client.js';
import type { Clock, Logger } from '../protocol/index.js';
import type { CallResult, SimulatedPbx } from './simulated-pbx.js';
import { SlottedDevice, type SlottedDeviceOptions } from './slotted-device.js';

/** Simulated devices that take OTA updates. */
export interface SimFleetOta {
  /** the key images must be signed with */
  publicKey: KeyObject;
  /** a folder for the fleet: `<bootDir>/<deviceId>/boot` (the slots) and `<bootDir>/<deviceId>/ota` (staging) */
  bootDir: string;
  /** the simulated updater's version (compared with an image's minBootVersion) */
  bootVersion: string;
  /** the version in slot a of a new device folder (default FIRMWARE_VERSION) */
  initialVersion?: string;
  /** a slot on trial must reach the hub within this (SlottedDevice's default 10 s) */
  healthTimeoutMs?: number;
  faults?: SlottedDeviceOptions['faults'];
  /** fsync staged chunks and the boot slots' files (default true; false for a throw-away folder in a bench) */
  durable?: boolean;
  /** OtaClient tuning: window, timeouts, progress rate, reboot delay */
  client?: Partial<Omit<OtaClientOptions, 'core' | 'staging' | 'installer' | 'clock' | 'logger' | 'bootReport'>>;
}

export interface SimFleetOptions {
  directory: Directory;
  mqttUrl: string;
  clock: Clock;
  logger: Logger;
  /** how many of the directory's phones to run (default all) */
  phones?: number;
  /** how many of the directory's kiosks to run (default all) */
  kiosks?: number;
  pbx?: SimulatedPbx;
  /** run exactly these devices (overrides phones/kiosks) */
  only?: string[];
  /** how many devices connect at once while starting */
  connectConcurrency?: number;
  onProgress?: (e: { state: 'connecting'; done: number; total: number }) => void;
  /** slotted devices with an OTA client each (see SimFleetOta) */
  ota?: SimFleetOta;
  /**
   * Issue 10: MQTT options for one device's core, e.g. its login `{username, password}` from
   * `simulator/fleet-credentials.ts`; applied to every core the fleet makes (with `ota`, every
   * core a device boots). Undefined for a device: it connects without credentials.
   */
  deviceMqttOptions?: (deviceId: string) => Partial<IClientOptions> | undefined;
}

/**
 * The devices a fleet with these options runs: the directory's first `phones` phones, then its
 * first `kiosks` kiosks (or exactly `only`). Whoever issues the fleet's tokens beforehand
 * (`simulator/fleet-credentials.ts`) asks the same list.
 */
export function fleetDevices(directory: Directory, opts: Pick<SimFleetOptions, 'phones' | 'kiosks' | 'only'> = {}): Device[] {
  const only = opts.only;
  const all = [...directory.devices.values()].filter((d) => !only || only.includes(d.id));
  const phones = all.filter((d) => d.kind === 'phone').slice(0, opts.phones ?? Infinity);
  const kiosks = all.filter((d) => d.kind === 'kiosk').slice(0, opts.kiosks ?? Infinity);
  return [...phones, ...kiosks];
}

export class SimFleet {
  /** each device's running core (with `ota`, the one it booted last) */
  readonly cores = new Map<string, DeviceCore>();
  /** with `ota`: the slotted devices and the OTA client on each one's running core */
  readonly devices = new Map<string, SlottedDevice>();
  readonly otaClients = new Map<string, OtaClient>();
  private readonly stagings = new Map<string, FileOtaStaging>();
  /** calls each simulated phone has answered, by device id */
  readonly answered = new Map<string, CallResult[]>();
  private readonly registered: string[] = [];

  constructor(private readonly opts: SimFleetOptions) {}

  get phones(): DeviceCore[] {
    return [...this.cores.values()].filter((c) => c.mirror.kind === 'phone');
  }

  get kiosks(): DeviceCore[] {
    return [...this.cores.values()].filter((c) => c.mirror.kind === 'kiosk');
  }

  core(deviceId: string): DeviceCore {
    const c = this.cores.get(deviceId);
    if (!c) throw new Error(`no simulated device "${deviceId}"`);
    return c;
  }

  async start(): Promise<void> {
    const { directory, logger } = this.opts;
    for (const dev of fleetDevices(directory, this.opts)) {
      if (this.opts.ota) this.addSlotted(dev.id, dev.kind, this.opts.ota);
      else {
        const mqttOptions = this.opts.deviceMqttOptions?.(dev.id);
        this.cores.set(dev.id, new DeviceCore({ deviceId: dev.id, kind: dev.kind, mqttUrl: this.opts.mqttUrl, clock: this.opts.clock, logger: logger.child(dev.id), ...(mqttOptions ? { mqttOptions } : {}) }));
      }
      const person = dev.person ? directory.people.get(dev.person) : undefined;
      if (person && this.opts.pbx) {
        this.answered.set(dev.id, []);
        this.opts.pbx.register(person.extension, (call) => {
          // a simulated employee picks up whatever rings
          this.answered.get(dev.id)!.push({ callId: call.callId, pbxCallId: '', from: call.from, to: call.to, route: [], answeredBy: call.ringing, outcome: 'answered' });
          return true;
        });
        this.registered.push(person.extension);
      }
    }
    const list: { start(): Promise<unknown> }[] = this.opts.ota ? [...this.devices.values()].map((d) => ({ start: () => this.bootSlotted(d) })) : [...this.cores.values()];
    const width = this.opts.connectConcurrency ?? 50;
    let done = 0;
    for (let i = 0; i < list.length; i += width) {
      await Promise.all(list.slice(i, i + width).map((c) => c.start()));
      done = Math.min(list.length, i + width);
      this.opts.onProgress?.({ state: 'connecting', done, total: list.length });
    }
  }

  async stop(): Promise<void> {
    for (const ext of this.registered) this.opts.pbx?.unregister(ext);
    this.registered.length = 0;
    for (const c of this.otaClients.values()) c.stop();
    if (this.devices.size) await Promise.all([...this.devices.values()].map((d) => d.stop()));
    await Promise.all([...this.cores.values()].map((c) => c.stop()));
    await Promise.all([...this.stagings.values()].map((s) => s.close()));
  }

  /** A slotted device whose every boot gets an OTA client (and a staging that reads the disk afresh, as after a restart). */
  private addSlotted(deviceId: string, kind: 'phone' | 'kiosk', ota: SimFleetOta): void {
    const { clock, logger, mqttUrl } = this.opts;
    const log = logger.child(deviceId);
    const home = path.join(ota.bootDir, deviceId);
    const deviceMqttOptions = this.opts.deviceMqttOptions;
    const device = new SlottedDevice({
      deviceId,
      kind,
      mqttUrl,
      clock,
      logger: log,
      dir: path.join(home, 'boot'),
      publicKey: ota.publicKey,
      bootVersion: ota.bootVersion,
      ...(ota.initialVersion ? { initialVersion: ota.initialVersion } : {}),
      ...(ota.healthTimeoutMs !== undefined ? { healthTimeoutMs: ota.healthTimeoutMs } : {}),
      ...(ota.faults ? { faults: ota.faults } : {}),
      ...(ota.durable === false ? { fs: { ...nodeBootFs, fsync: () => {} } } : {}),
      // issue 10: asked at every boot, so a token issued anew meanwhile is the one a reboot uses
      ...(deviceMqttOptions ? { mqttOptions: () => deviceMqttOptions(deviceId) } : {}),
    });
    device.onCore((core) => {
      this.cores.set(deviceId, core);
      this.otaClients.get(deviceId)?.stop();
      void this.stagings.get(deviceId)?.close();
      const staging = new FileOtaStaging({ dir: path.join(home, 'ota'), durable: ota.durable ?? true });
      this.stagings.set(deviceId, staging);
      const client = new OtaClient({ ...ota.client, core, staging, installer: device.installer, clock, logger: log.child('ota'), bootReport: () => device.takeReport() });
      this.otaClients.set(deviceId, client);
      client.start();
    });
    // a trial that passed (or failed) its health check: the OTA client reports it
    device.onEvent((e) => {
      if (e.state === 'confirmed') this.otaClients.get(deviceId)?.bootDecided();
    });
    this.devices.set(deviceId, device);
  }

  /** Boots a slotted device and waits (10 s at most) for its first connection, as DeviceCore.start() does. */
  private async bootSlotted(device: SlottedDevice): Promise<void> {
    await device.start();
    const core = device.core;
    if (!core || core.connected) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`${core.deviceId}: no connection to ${this.opts.mqttUrl} within 10 s`));
      }, 10_000);
      // the link, not the view (which also needs the hub's retained status), as DeviceCore.start() waits
      const off = core.onView(() => {
        if (!core.connected) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }
}
