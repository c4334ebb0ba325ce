/**
 * Reconnect delays: exponential with "full jitter" (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"), so a thousand phones that lost the hub together do not come back in
 * the same second. Pure: the random source is injected.
 */
export interface BackoffOptions {
  /** first delay's ceiling, ms */
  minMs: number;
  /** ceiling of every delay, ms */
  maxMs: number;
  /**
   * how many attempts keep the first ceiling before it starts doubling (default 0). The usual
   * outage on a municipality's LAN is a hub restart of a few seconds: a short plateau brings the
   * fleet back within about minMs of the hub's return, instead of up to 8 s later after three
   * doublings, and the jitter still spreads the fleet over that window.
   */
  plateau?: number;
  /** 0 ≤ random() < 1 */
  random?: () => number;
}

export class Backoff {
  private failures = 0;

  constructor(private readonly opts: BackoffOptions) {}

  /** The delay before the next attempt: uniform in [minMs/2, min(maxMs, minMs·2^(n - plateau))] (n - plateau at least 0). */
  next(): number {
    const doublings = Math.max(0, this.failures - (this.opts.plateau ?? 0));
    const ceiling = Math.min(this.opts.maxMs, this.opts.minMs * 2 ** Math.min(doublings, 30));
    this.failures++;
    const floor = Math.min(ceiling, this.opts.minMs / 2);
    return Math.round(floor + (ceiling - floor) * (this.opts.random ?? Math.random)());
  }

  /** After a successful connection: the next loss starts from the shortest delay again. */
  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
