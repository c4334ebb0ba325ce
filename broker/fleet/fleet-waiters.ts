/**
 * The long poll behind `GET /api/v1/devices?after=<version>&wait=<s>`: a request waits until
 * the fleet changes past the version the page has, or the time is up. A feature with
 * `stop()` (convention 4): it ends every wait, so the admin API can close at once.
 */
import type { FleetTracker } from './fleet-tracker.js';

/** Longest wait a request may ask for; the page asks for this much. */
export const MAX_WAIT_SECONDS = 25;
/** Waits at once; beyond this a request is answered straight away (the page then waits before asking again). */
export const MAX_WAITERS = 64;

/** How long an answer waits after the first change, to take in the rest of a burst. */
export const SETTLE_MS = 150;

export class FleetWaiters {
  private readonly pending = new Set<() => void>();

  constructor(private readonly tracker: FleetTracker) {}

  /**
   * Resolves when the tracker's version moves on from `after`, after `ms`, or on `stop()`; at once
   * when it is not `after` now (the caller is behind, or its version is from before a hub restart).
   */
  wait(after: number, ms: number): Promise<void> {
    if (this.tracker.version !== after || ms <= 0 || this.pending.size >= MAX_WAITERS) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        this.pending.delete(done);
        resolve();
      };
      let timer = setTimeout(done, ms);
      let settling = false;
      const off = this.tracker.onChange(() => {
        if (settling || this.tracker.version === after) return;
        // a burst (a whole floor losing power: many Wills) is answered once, a moment after it starts
        settling = true;
        clearTimeout(timer);
        timer = setTimeout(done, SETTLE_MS);
      });
      this.pending.add(done);
    });
  }

  get waiting(): number {
    return this.pending.size;
  }

  stop(): void {
    for (const done of [...this.pending]) done();
  }
}
