/**
 * The health signal: every interval it measures the event loop and memory, assesses health,
 * writes a heartbeat file (atomically, for an external supervisor or a hardware watchdog
 * daemon to check its age) and, after `failAfter` failing checks in a row, calls `onFailing`
 * so the firmware exits and its supervisor (systemd `Restart=always`) starts it fresh.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Clock } from '../../protocol/index.js';
import type { LinkStatus } from '../device-core.js';
import { assessHealth, DEFAULT_LIMITS, type HealthLimits, type HealthReport } from './health.js';

export interface WatchdogOptions {
  clock: Clock;
  link: () => LinkStatus;
  intervalMs?: number;
  limits?: HealthLimits;
  /** written after every check with the report; its mtime is the heartbeat */
  heartbeatFile?: string;
  /** consecutive failing checks before onFailing; default 3 */
  failAfter?: number;
  onFailing?: (report: HealthReport) => void;
}

export class Watchdog {
  private timer: NodeJS.Timeout | null = null;
  private histogram: IntervalHistogram | null = null;
  private failingChecks = 0;
  private readonly startedAt: string;

  constructor(private readonly opts: WatchdogOptions) {
    this.startedAt = opts.clock.now().toISOString();
  }

  start(): void {
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
    this.timer = setInterval(() => this.check(), this.opts.intervalMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.histogram?.disable();
    this.histogram = null;
  }

  /** Health now: the link as it is, the loop's worst delay since the last check, memory now. */
  report(): HealthReport {
    return this.assess();
  }

  /** One check; public so a test can run it without waiting. */
  check(): HealthReport {
    const report = this.assess();
    this.histogram?.reset();
    if (this.opts.heartbeatFile) {
      const tmp = `${this.opts.heartbeatFile}.tmp`;
      writeFileSync(tmp, JSON.stringify({ at: this.opts.clock.now().toISOString(), ...report }) + '\n');
      renameSync(tmp, this.opts.heartbeatFile);
    }
    this.failingChecks = report.state === 'failing' ? this.failingChecks + 1 : 0;
    if (this.failingChecks >= (this.opts.failAfter ?? 3)) this.opts.onFailing?.(report);
    return report;
  }

  private assess(): HealthReport {
    const maxNs = this.histogram?.max ?? 0;
    return assessHealth({ link: this.opts.link(), loopDelayMaxMs: maxNs / 1e6, rssBytes: process.memoryUsage.rss(), startedAt: this.startedAt }, this.opts.clock.now(), this.opts.limits ?? DEFAULT_LIMITS);
  }
}
