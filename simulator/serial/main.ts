/**
 * Wires `omstil sim --serial [n]`: the directory's first n phones (then kiosks) as
 * SlottedDevices (real A/B slots on disk, the real DeviceCore reporting the slot's version to
 * the hub), each with a serial bootloader on its own socat pty pair, paced at `baud`.
 *
 *   <dataDir>/serial-sim/<deviceId>/slots/    the device's A/B slots and boot.json
 *   <dataDir>/serial-sim/<deviceId>/serial/   the bootloader's staging file and resume point
 */
import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import type { Directory } from '../../broker/directory/directory.js';
import type { Clock, Logger } from '../../protocol/index.js';
import type { DeviceMqttOptions } from '../fleet-credentials.js';
import { SlottedDevice } from '../slotted-device.js';
import { SerialSim, type SerialPort } from './serial-sim.js';
import type { BootloaderEvent } from './serial-bootloader.js';

/** the simulated devices' updater version (an image's minBootVersion is compared with it) */
export const SIM_BOOT_VERSION = '1.0.0';

export interface SerialSimulation {
  ports: SerialPort[];
  devices: Map<string, SlottedDevice>;
  stop(): Promise<void>;
}

export async function startSerialSimulation(opts: {
  directory: Directory;
  mqttUrl: string;
  count: number;
  baud: number;
  publicKey: KeyObject;
  dataDir: string;
  clock: Clock;
  logger: Logger;
  socat?: string;
  onEvent?: (deviceId: string, e: BootloaderEvent) => void;
  /**
   * Issue 10: the devices' logins, given the ids of the devices picked. The firmware flashed into
   * a slot is not run (the simulated firmware is this process's core), so the login stands for the
   * device's provisioned config file, which survives a flash: every core a device boots uses it.
   */
  logins?: (deviceIds: string[]) => DeviceMqttOptions | Promise<DeviceMqttOptions>;
}): Promise<SerialSimulation> {
  const all = [...opts.directory.devices.values()];
  const picked = [...all.filter((d) => d.kind === 'phone'), ...all.filter((d) => d.kind === 'kiosk')].slice(0, opts.count);
  const logins = opts.logins ? await opts.logins(picked.map((d) => d.id)) : undefined;
  const devices = new Map<string, SlottedDevice>();
  const log = opts.logger.child('serial');
  const sim = new SerialSim({
    devices: picked.map((d) => ({ deviceId: d.id, kind: d.kind })),
    dir: path.join(opts.dataDir, 'serial-sim'),
    baud: opts.baud,
    logger: log,
    ...(opts.socat ? { socat: opts.socat } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    makeDevice: ({ deviceId, kind, dir }) => {
      const device = new SlottedDevice({
        deviceId,
        kind,
        mqttUrl: opts.mqttUrl,
        clock: opts.clock,
        logger: log.child(deviceId),
        dir: path.join(dir, 'slots'),
        publicKey: opts.publicKey,
        bootVersion: SIM_BOOT_VERSION,
        ...(logins ? { mqttOptions: () => logins(deviceId) } : {}),
      });
      devices.set(deviceId, device);
      return {
        deviceId,
        installer: device.installer,
        start: async () => {
          await device.start();
        },
        stop: () => device.stop(),
      };
    },
  });
  const ports = await sim.start();
  return { ports, devices, stop: () => sim.stop() };
}
