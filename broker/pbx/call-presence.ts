/**
 * PR-1 from the PBX's call events: a person whose extension answered a call, or who placed
 * one that was answered, is `on-call` until the call ends; then not (unless another call of
 * theirs is still up). The command goes through the policy like any other change (source
 * `pbx`). Calls are kept in a bounded map so a lost `ended` cannot grow memory forever; a
 * call older than `maxCallMs` is dropped and its people freed.
 */
import { OmstilError, type Logger } from '../../protocol/index.js';
import type { Actor, Command } from '../policy/commands.js';
import type { PolicyState } from '../policy/policy-state.js';
import type { PbxCallEvent, PbxPort } from './pbx-port.js';

export interface CallPresenceHub {
  readonly state: PolicyState;
  now(): Date;
  execute(actor: Actor, cmd: Command): unknown;
}

export interface CallPresenceOptions {
  pbx: PbxPort;
  hub: CallPresenceHub;
  logger: Logger;
  /** a call up longer than this is assumed ended (its `ended` was lost) */
  maxCallMs?: number;
  /** calls tracked at once, at most */
  maxCalls?: number;
}

interface LiveCall {
  people: Set<string>;
  since: number;
}

export class CallPresence {
  private readonly calls = new Map<string, LiveCall>();
  private unsubscribe: (() => void) | null = null;
  private sweep: NodeJS.Timeout | null = null;
  private readonly actor: Actor;

  constructor(private readonly opts: CallPresenceOptions) {
    this.actor = { source: 'pbx', id: opts.pbx.name, personId: null };
  }

  start(): void {
    if (!this.opts.pbx.onCallEvent || this.unsubscribe) return;
    this.unsubscribe = this.opts.pbx.onCallEvent((e) => this.onEvent(e));
    this.sweep = setInterval(() => this.expire(), 60_000);
    this.sweep.unref?.();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
  }

  /** Calls up now (for tests and the admin view). */
  live(): number {
    return this.calls.size;
  }

  onEvent(e: PbxCallEvent): void {
    try {
      if (e.type === 'answered') {
        const people = new Set<string>();
        for (const n of [e.caller, ...(e.extensions ?? [])]) {
          const t = this.opts.hub.state.dir.byNumber(n);
          if (t?.kind === 'person') people.add(t.person.id);
        }
        if (!people.size) return;
        if (this.calls.size >= (this.opts.maxCalls ?? 100_000)) this.expire(true);
        this.calls.set(e.callId, { people, since: this.opts.hub.now().getTime() });
        for (const p of people) this.set(p, true);
      } else if (e.type === 'ended') {
        const call = this.calls.get(e.callId);
        if (!call) return;
        this.calls.delete(e.callId);
        for (const p of call.people) if (!this.busyElsewhere(p)) this.set(p, false);
      }
    } catch (err) {
      this.opts.logger.error('call event failed', { type: e.type, callId: e.callId, err: (err as Error).stack });
    }
  }

  private busyElsewhere(personId: string): boolean {
    for (const c of this.calls.values()) if (c.people.has(personId)) return true;
    return false;
  }

  private set(person: string, onCall: boolean): void {
    if (!this.opts.hub.state.dir.people.has(person)) return;
    try {
      this.opts.hub.execute(this.actor, { op: 'set-on-call', person, onCall });
    } catch (err) {
      if (!(err instanceof OmstilError)) throw err;
      this.opts.logger.info('on-call refused', { person, code: err.code, rule: err.rule });
    }
  }

  /** Drops calls up longer than `maxCallMs` (or the oldest tenth when full). */
  private expire(full = false): void {
    const now = this.opts.hub.now().getTime();
    const max = this.opts.maxCallMs ?? 8 * 3600_000;
    const old = [...this.calls].filter(([, c]) => now - c.since > max);
    if (full && !old.length) old.push(...[...this.calls].sort((a, b) => a[1].since - b[1].since).slice(0, Math.ceil(this.calls.size / 10)));
    for (const [id, call] of old) {
      this.calls.delete(id);
      for (const p of call.people) if (!this.busyElsewhere(p)) this.set(p, false);
    }
  }
}
