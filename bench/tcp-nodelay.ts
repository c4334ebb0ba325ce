/** The fleet bench's TCP_NODELAY experiment (bench/fleet.ts `tcpNoDelay`), for the hub's process and the farms'. */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

const require = createRequire(import.meta.url);

/**
 * The tcpNoDelay experiment on the client side: MQTT.js opens its TCP stream with
 * `net.createConnection` (build/lib/connect/tcp.js) and has no option for TCP_NODELAY.
 */
export function noDelayOnClientSockets(): void {
  const netModule = require('node:net') as typeof import('node:net') & { __omstilNoDelay?: boolean };
  if (netModule.__omstilNoDelay) return;
  netModule.__omstilNoDelay = true;
  const create = netModule.createConnection.bind(netModule) as (...args: unknown[]) => Socket;
  (netModule as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection = (...args: unknown[]) => create(...args).setNoDelay(true);
}
