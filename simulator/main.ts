/** Wires the simulator: a fleet of simulated devices, their local bridge (UI), and the simulated PBX. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { Directory } from '../broker/directory/directory.js';
import { LocalBridge } from '../firmware/local-bridge.js';
import { systemClock, type Clock, type Logger } from '../protocol/index.js';
import type { DeviceMqttOptions } from './fleet-credentials.js';
import { fleetDevices, SimFleet, type SimFleetOta } from './sim-fleet.js';
import type { SimulatedPbx } from './simulated-pbx.js';

export interface Simulation {
  fleet: SimFleet;
  bridge: LocalBridge;
  stop(): Promise<void>;
}

/** The built device UI: dist/device-ui next to the bundle or the source tree. */
export function defaultUiDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.resolve(here, '../device-ui'), path.resolve(here, '../dist/device-ui'), path.resolve(here, '../../dist/device-ui')]) {
    if (existsSync(path.join(candidate, 'omstil-ui.js'))) return candidate;
  }
  return path.resolve(here, '../dist/device-ui');
}

export async function startSimulation(opts: {
  directory: Directory;
  mqttUrl: string;
  host: string;
  httpPort: number;
  logger: Logger;
  clock?: Clock;
  pbx?: SimulatedPbx;
  phones?: number | null;
  kiosks?: number | null;
  uiDir?: string;
  onProgress?: (e: { state: 'connecting'; done: number; total: number }) => void;
  /** devices with A/B slots that take updates over the air (`omstil ota`) */
  ota?: SimFleetOta;
  /**
   * Issue 10: the devices' logins, given the ids of the devices the fleet runs (simulator/fleet-credentials.ts:
   * issued in-process by `omstil up`, over the admin API by `omstil sim`); absent: no credentials
   */
  logins?: (deviceIds: string[]) => DeviceMqttOptions | Promise<DeviceMqttOptions>;
}): Promise<Simulation> {
  const pick = { ...(opts.phones != null ? { phones: opts.phones } : {}), ...(opts.kiosks != null ? { kiosks: opts.kiosks } : {}) };
  const deviceMqttOptions = opts.logins ? await opts.logins(fleetDevices(opts.directory, pick).map((d) => d.id)) : undefined;
  const fleet = new SimFleet({
    directory: opts.directory,
    mqttUrl: opts.mqttUrl,
    clock: opts.clock ?? systemClock,
    logger: opts.logger.child('sim'),
    ...pick,
    ...(deviceMqttOptions ? { deviceMqttOptions } : {}),
    ...(opts.pbx ? { pbx: opts.pbx } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.ota ? { ota: opts.ota } : {}),
  });
  const bridge = new LocalBridge({ host: opts.host, port: opts.httpPort, uiDir: opts.uiDir ?? defaultUiDir(), logger: opts.logger.child('bridge') });
  await fleet.start();
  for (const core of fleet.cores.values()) bridge.add(core);
  // a device that reboots into a new slot runs a new core: its screens follow it
  for (const device of fleet.devices.values()) device.onCore((core) => bridge.add(core));
  await bridge.start();
  return {
    fleet,
    bridge,
    async stop() {
      await bridge.stop();
      await fleet.stop();
    },
  };
}
