/**
 * Demo traffic for `omstil up --demo-calls N`: citizens calling the demo municipality on the
 * simulated PBX, so the phones show people on calls (PR-1) and the reports page (ST-1) fills
 * with real counted calls while you look. Calls arrive at random (exponential gaps, N per hour
 * on average) to function numbers (60 %) and personal numbers (40 %), and last 3–5 minutes;
 * the PBX routes them by the hub's decisions like any other call.
 */
import type { Directory } from '../../broker/directory/directory.js';
import type { Logger } from '../../protocol/index.js';
import type { SimulatedPbx } from '../simulated-pbx.js';

export interface DemoCallersOptions {
  pbx: SimulatedPbx;
  directory: Directory;
  /** average calls per hour across the municipality */
  callsPerHour: number;
  logger: Logger;
  /** [0, 1): injectable for tests */
  random?: () => number;
}

const FUNCTION_SHARE = 0.6;
const MIN_CALL_MS = 3 * 60_000;
const MAX_CALL_MS = 5 * 60_000;

export class DemoCallers {
  private next: NodeJS.Timeout | null = null;
  private readonly hangups = new Set<NodeJS.Timeout>();
  private readonly random: () => number;
  /** calls placed so far */
  placed = 0;

  constructor(private readonly opts: DemoCallersOptions) {
    this.random = opts.random ?? Math.random;
  }

  start(): void {
    if (this.next || !(this.opts.callsPerHour > 0)) return;
    this.schedule();
  }

  stop(): void {
    if (this.next) clearTimeout(this.next);
    this.next = null;
    for (const t of this.hangups) clearTimeout(t);
    this.hangups.clear();
  }

  /** Places one call now; returns where it went. */
  callOnce(): ReturnType<SimulatedPbx['call']> {
    const { directory: dir, pbx } = this.opts;
    const groups = [...dir.groups.values()];
    const people = [...dir.people.values()].filter((p) => p.role !== 'switchboard');
    const toGroup = groups.length > 0 && (people.length === 0 || this.random() < FUNCTION_SHARE);
    const to = toGroup ? groups[Math.floor(this.random() * groups.length)]!.number : people[Math.floor(this.random() * people.length)]!.extension;
    const from = `+45${String(20_000_000 + Math.floor(this.random() * 79_999_999))}`;
    const result = pbx.call(from, to, { hold: true });
    this.placed++;
    if (result.outcome === 'answered') {
      const t = setTimeout(() => {
        this.hangups.delete(t);
        pbx.hangup(result.callId);
      }, MIN_CALL_MS + this.random() * (MAX_CALL_MS - MIN_CALL_MS));
      t.unref?.();
      this.hangups.add(t);
    }
    this.opts.logger.debug('demo call', { from, to, outcome: result.outcome });
    return result;
  }

  private schedule(): void {
    // exponential gaps: a Poisson stream of N calls per hour
    const gapMs = (-Math.log(1 - this.random()) * 3_600_000) / this.opts.callsPerHour;
    this.next = setTimeout(() => {
      try {
        this.callOnce();
      } catch (err) {
        this.opts.logger.warn('demo call failed', { err: (err as Error).message });
      }
      this.schedule();
    }, Math.min(gapMs, 2_147_000_000));
    this.next.unref?.();
  }
}
