/**
 * Issue 10: every simulated device logs in with its own token, as a provisioned desk phone
 * does (docs/provisioning.md, "Credentials"). The tokens are issued by the hub's
 * `DeviceCredentials`: directly when the simulator runs in the hub's process (`omstil up`, the
 * tests), through the admin API (`POST /api/v1/devices/{id}/credentials`, what
 * `omstil provision` calls) when it runs in another one (`omstil sim`). Issuing a device a token
 * replaces (rotates) its earlier one and ends its session: simulate only devices that no real
 * device is provisioned as.
 *
 * What comes out is SimFleetOptions' `deviceMqttOptions`: `{username: deviceId, password: token}`
 * for each device, undefined for one without a token (it connects without credentials).
 */
import type { IClientOptions } from 'mqtt';
import type { DeviceCredentials } from '../broker/mqtt/device-credentials.js';

/** SimFleetOptions['deviceMqttOptions']: one device's MQTT options, its login. */
export type DeviceMqttOptions = (deviceId: string) => Partial<IClientOptions> | undefined;

/** Device id → its token: what a simulator in another process is handed (a 0600 file, IPC). */
export type FleetTokens = Record<string, string>;

/** The journal's actor for tokens the simulator issues in-process. */
export const SIM_ACTOR = 'simulator';

/** Issues every device in `deviceIds` a new token from the hub's credentials (in-process). */
export function issueFleetTokens(credentials: Pick<DeviceCredentials, 'issue'>, deviceIds: Iterable<string>, actor = SIM_ACTOR): FleetTokens {
  const tokens: FleetTokens = {};
  for (const id of deviceIds) tokens[id] = credentials.issue(id, actor).token;
  return tokens;
}

/**
 * The logins for these tokens: a device logs in with its id as username and its token as
 * password. Read at each call: a token added to `tokens` later counts from then on.
 */
export function loginsFor(tokens: FleetTokens): DeviceMqttOptions {
  return (deviceId) => {
    const token = Object.hasOwn(tokens, deviceId) ? tokens[deviceId] : undefined;
    return token === undefined ? undefined : { username: deviceId, password: token };
  };
}

/** Issues tokens for `deviceIds` in-process and returns the fleet's `deviceMqttOptions`. */
export function issueFleetCredentials(credentials: Pick<DeviceCredentials, 'issue'>, deviceIds: Iterable<string>, actor = SIM_ACTOR): DeviceMqttOptions {
  return loginsFor(issueFleetTokens(credentials, deviceIds, actor));
}

/** Why the admin API did not issue a device its token. */
export class FleetCredentialsError extends Error {
  constructor(
    readonly code: 'unreachable' | 'refused',
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FleetCredentialsError';
  }
}

export interface FetchFleetTokensOptions {
  /** the admin API's base, ending in /api/v1 (tools/cli/admin-client.ts `adminApiBase`) */
  apiBase: string;
  /** the admin API's bearer token */
  adminToken: string;
  deviceIds: Iterable<string>;
  /** requests in flight at once (default 8) */
  concurrency?: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * Issues every device a new token through a running hub's admin API (for a simulator in another
 * process than the hub). Throws FleetCredentialsError on the first device the hub does not issue
 * one for (e.g. 401 a wrong admin token, 404 a device not in the hub's directory, 503 a hub with
 * an external broker) or when the hub cannot be reached.
 */
export async function fetchFleetTokens(opts: FetchFleetTokensOptions): Promise<FleetTokens> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const ids = [...opts.deviceIds];
  const tokens: FleetTokens = {};
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const url = `${opts.apiBase}/devices/${encodeURIComponent(id)}/credentials`;
      let res: Response;
      try {
        res = await doFetch(url, { method: 'POST', headers: { authorization: `Bearer ${opts.adminToken}` } });
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause?.message;
        throw new FleetCredentialsError('unreachable', `cannot reach the hub's admin API at ${opts.apiBase}: ${cause ?? (err as Error).message}`);
      }
      const body = (await res.json().catch(() => null)) as { token?: unknown; error?: { code: string; message: string } } | null;
      if (!res.ok || typeof body?.token !== 'string') {
        const e = body?.error ?? { code: `http-${res.status}`, message: res.statusText };
        throw new FleetCredentialsError('refused', `the hub did not issue ${id} a token: ${res.status} (${e.code}) ${e.message}`, res.status);
      }
      tokens[id] = body.token;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, ids.length)) }, worker));
  return tokens;
}
