/**
 * The device's health, from what the runtime measures (pure). `ok` is what a supervisor or
 * the fleet wants to know; `checks` says why. A device without its hub is degraded, not
 * failing: restarting it would not bring the network back, and it keeps showing what it
 * knows. Failing is what a restart does cure: a stalled event loop or a memory leak.
 */
import type { LinkStatus } from '../device-core.js';

export interface HealthInput {
  link: LinkStatus;
  /** worst event-loop delay in the last interval, ms */
  loopDelayMaxMs: number;
  rssBytes: number;
  startedAt: string;
}

export interface HealthLimits {
  /** the loop was blocked this long: failing */
  loopDelayMs: number;
  /** resident memory above this: failing (a leak; a restart cures it) */
  rssBytes: number;
}

export const DEFAULT_LIMITS: HealthLimits = { loopDelayMs: 5_000, rssBytes: 150 * 1024 * 1024 };

export type HealthState = 'ok' | 'degraded' | 'failing';

export interface HealthReport {
  state: HealthState;
  checks: { hub: 'connected' | 'disconnected'; loop: 'ok' | 'stalled'; memory: 'ok' | 'high' };
  link: LinkStatus;
  loopDelayMaxMs: number;
  rssMb: number;
  uptimeS: number;
}

export function assessHealth(input: HealthInput, now: Date, limits: HealthLimits = DEFAULT_LIMITS): HealthReport {
  const checks: HealthReport['checks'] = {
    hub: input.link.connected ? 'connected' : 'disconnected',
    loop: input.loopDelayMaxMs > limits.loopDelayMs ? 'stalled' : 'ok',
    memory: input.rssBytes > limits.rssBytes ? 'high' : 'ok',
  };
  const state: HealthState = checks.loop === 'stalled' || checks.memory === 'high' ? 'failing' : checks.hub === 'connected' ? 'ok' : 'degraded';
  return {
    state,
    checks,
    link: input.link,
    loopDelayMaxMs: Math.round(input.loopDelayMaxMs),
    rssMb: Math.round((input.rssBytes / 1024 / 1024) * 10) / 10,
    uptimeS: Math.max(0, Math.round((now.getTime() - Date.parse(input.startedAt)) / 1000)),
  };
}
