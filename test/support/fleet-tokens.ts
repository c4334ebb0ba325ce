/**
 * Issue 10: tokens for simulated devices from a hub in another process (`omstil hub` spawned by
 * a test), through its admin API with the admin token the hub wrote in its data dir, as
 * `omstil sim` gets them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Directory } from '../../broker/directory/directory.js';
import { fetchFleetTokens, loginsFor, type DeviceMqttOptions } from '../../simulator/fleet-credentials.js';
import { fleetDevices, type SimFleetOptions } from '../../simulator/sim-fleet.js';

/**
 * Issues a token each, from the hub whose admin API listens on `apiPort`, to the devices a fleet
 * with `pick` runs, and to `extra` devices (e.g. a fleet started later).
 */
export async function fleetLoginsFromHub(opts: { apiPort: number; dataDir: string; directory: Directory; pick?: Pick<SimFleetOptions, 'phones' | 'kiosks' | 'only'>; extra?: string[] }): Promise<DeviceMqttOptions> {
  const adminToken = readFileSync(path.join(opts.dataDir, 'admin-token'), 'utf8').trim();
  const deviceIds = [...fleetDevices(opts.directory, opts.pick).map((d) => d.id), ...(opts.extra ?? [])];
  return loginsFor(await fetchFleetTokens({ apiBase: `http://127.0.0.1:${opts.apiPort}/api/v1`, adminToken, deviceIds }));
}
