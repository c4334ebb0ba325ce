/**
 * ST-1 in the hub: turns the PBX's call events into finished `CallRecord`s (`call-log.ts`,
 * pure) and stores each one. A number is classified against the hub's state when the call is
 * first offered. A store error is logged and the call is lost, never the hub; a PBX that
 * reports no call events leaves this idle.
 */
import type { Logger } from '../../protocol/index.js';
import type { PbxCallEvent, PbxPort } from '../pbx/pbx-port.js';
import type { PolicyState } from '../policy/policy-state.js';
import type { Store } from '../store/store.js';
import { CallLog, classifyNumber } from './call-log.js';
import type { CallRecord } from './call-record.js';

export interface CallStatsHub {
  readonly state: PolicyState;
  now(): Date;
}

export interface CallStatsOptions {
  pbx: PbxPort;
  hub: CallStatsHub;
  store: Store;
  logger: Logger;
  /** a call silent for longer is finished as it stands (its `ended` was lost); default 8 h */
  maxCallMs?: number;
  /** calls tracked at once, at most; default 10,000 */
  maxCalls?: number;
  /** how often open calls are checked for age; default a minute */
  sweepMs?: number;
}

export class CallStats {
  private log: CallLog | null = null;
  private unsubscribe: (() => void) | null = null;
  private sweep: NodeJS.Timeout | null = null;

  constructor(private readonly opts: CallStatsOptions) {}

  start(): void {
    if (!this.opts.pbx.onCallEvent || this.unsubscribe) return;
    const { hub } = this.opts;
    this.log = new CallLog({
      classify: (number, at) => classifyNumber(hub.state, number, at),
      ...(this.opts.maxCallMs !== undefined ? { maxAgeMs: this.opts.maxCallMs } : {}),
      ...(this.opts.maxCalls !== undefined ? { maxOpen: this.opts.maxCalls } : {}),
    });
    this.unsubscribe = this.opts.pbx.onCallEvent((e) => this.onEvent(e));
    this.sweep = setInterval(() => this.expire(), this.opts.sweepMs ?? 60_000);
    this.sweep.unref?.();
  }

  /**
   * Stops listening. Calls still up are not lost where it matters: an answered one is stored
   * as answered (ending at its last event); one still ringing has no outcome yet and is dropped.
   */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
    const log = this.log;
    this.log = null;
    if (!log) return;
    const open = log.drain();
    const answered = open.filter((c) => c.outcome === 'answered');
    for (const c of answered) this.save(c);
    if (open.length) this.opts.logger.info('calls still up at stop', { stored: answered.length, dropped: open.length - answered.length });
  }

  /** Calls up now (for tests and the admin view). */
  live(): number {
    return this.log?.size ?? 0;
  }

  onEvent(e: PbxCallEvent): void {
    const log = this.log;
    if (!log) return;
    let done: CallRecord[];
    try {
      done = log.push(e, this.opts.hub.now());
    } catch (err) {
      this.opts.logger.error('call event failed', { type: e?.type, callId: e?.callId, err: (err as Error).stack });
      return;
    }
    for (const c of done) this.save(c);
  }

  private expire(): void {
    const log = this.log;
    if (!log) return;
    const old = log.expire(this.opts.hub.now());
    if (old.length) this.opts.logger.info('calls without an end finished', { calls: old.length, ids: old.slice(0, 10).map((c) => c.callId) });
    for (const c of old) this.save(c);
  }

  private save(c: CallRecord): void {
    try {
      this.opts.store.saveCall(c);
    } catch (err) {
      this.opts.logger.error('call not stored (ST-1)', { callId: c.callId, err: (err as Error).message });
    }
  }
}
