/**
 * A simulated PBX for demos, tests and load: extensions register an answer handler, the
 * hub pushes call forwards (and, with `routes: true`, its decision per number) through the
 * PbxPort, and a call follows them the way a PBX does (with its own hop limit as a last guard
 * against loops). Every call is reported as call events (ringing, answered, ended; a call
 * sent to the IVR rings nobody and ends `announced`). With `voicemail`, an unanswered call
 * goes to the last ringing extension's mailbox (ended `voicemail`) and the mailbox's
 * message-waiting state is reported (AS-5), as Asterisk's `MessageWaiting` does, and can be read
 * back (`readVoicemail`, as Asterisk's `MailboxCount`). With `routes`
 * and no mailbox, a call nobody answers falls back to the IVR with reason `message` (PH-4:
 * never silence), reported as a second `ringing` with the announce route, then `announced`.
 */
import { PbxError, type AnnounceReason, type PbxCallEvent, type PbxPort, type PbxRoute, type PbxRoutes, type PbxVoicemailEvent } from '../broker/pbx/pbx-port.js';

export type CallOutcome = 'answered' | 'no-answer' | 'loop' | 'unknown-extension' | 'announced' | 'voicemail';

export interface CallResult {
  callId: number;
  /** the call's id in its call events: unique across runs of the simulated PBX (a run prefix), as a real PBX's Call-ID is */
  pbxCallId: string;
  from: string;
  to: string;
  /** every extension the call was offered to, in order; the last one rang */
  route: string[];
  answeredBy: string | null;
  outcome: CallOutcome;
  /** outcome `announced`: why the caller was sent to the IVR */
  announce?: AnnounceReason;
}

/** Decides whether a ringing extension answers. */
export type AnswerHandler = (call: { callId: number; from: string; to: string; ringing: string }) => boolean;

export class SimulatedPbx implements PbxPort {
  readonly name = 'simulated';
  /** the PBX's own guard; the hub's policy allows fewer hops (DV-4) */
  readonly maxHops = 5;
  private readonly forwards = new Map<string, string>();
  private readonly endpoints = new Map<string, AnswerHandler>();
  private readonly forwardListeners = new Set<(ext: string, to: string | null) => void>();
  private nextCallId = 1;
  /** makes call ids unique across runs: a stored call (ST-1) is never overwritten by a later run's call 1 */
  private readonly run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36).padStart(2, '0')}`;
  readonly log: CallResult[] = [];
  private readonly routeTable = new Map<string, PbxRoute>();
  private readonly callListeners = new Set<(e: PbxCallEvent) => void>();
  /** present with `routes: true`: the PBX routes by the hub's decision per number */
  readonly routes?: PbxRoutes;
  /** a PBX the hub cannot reach: every request from the hub fails (calls still route by what it has) */
  unreachable = false;
  /** AS-5: mailboxes by extension (present once a message was left) */
  private readonly mailboxes = new Map<string, { unheard: number; heard: number }>();
  private readonly voicemailListeners = new Set<(e: PbxVoicemailEvent) => void>();
  private readonly voicemail: (extension: string) => boolean;
  private readonly clock: () => Date;

  private reach(): void {
    if (this.unreachable) throw new PbxError(this.name, 'unreachable', 'simulated PBX: connection refused');
  }

  /**
   * `routes`: route by the hub's decision per number. `voicemail`: unanswered calls go to the
   * mailbox of the last extension that rang (true: every extension has one). `clock`: the
   * time call events carry (tests move it).
   */
  constructor(opts: { routes?: boolean; voicemail?: boolean | ((extension: string) => boolean); clock?: () => Date } = {}) {
    const vm = opts.voicemail;
    this.voicemail = typeof vm === 'function' ? vm : () => vm === true;
    this.clock = opts.clock ?? (() => new Date());
    if (opts.routes) {
      this.routes = {
        apply: async (number, route) => {
          this.reach();
          if (route) this.routeTable.set(number, route);
          else this.routeTable.delete(number);
        },
        read: async () => {
          this.reach();
          return new Map(this.routeTable);
        },
      };
    }
  }

  onCallEvent(listener: (e: PbxCallEvent) => void): () => void {
    this.callListeners.add(listener);
    return () => this.callListeners.delete(listener);
  }

  private emit(e: Omit<PbxCallEvent, 'at'>): void {
    const event = { ...e, at: this.clock().toISOString() };
    for (const l of this.callListeners) l(event);
  }

  /** AS-5: message-waiting changes of every mailbox; returns an unsubscribe function. */
  onVoicemail(listener: (e: PbxVoicemailEvent) => void): () => void {
    this.voicemailListeners.add(listener);
    return () => this.voicemailListeners.delete(listener);
  }

  /** AS-5: what a mailbox holds (zeros when nothing was ever left). */
  mailbox(extension: string): { unheard: number; heard: number } {
    return { ...(this.mailboxes.get(extension) ?? { unheard: 0, heard: 0 }) };
  }

  /** AS-5: the mailbox's owner (or a colleague with delegated access) listens: every message is heard. */
  listenVoicemail(extension: string): void {
    const box = this.mailboxes.get(extension);
    if (!box || box.unheard === 0) return;
    box.heard += box.unheard;
    box.unheard = 0;
    this.emitMailbox(extension, box);
  }

  /**
   * AS-5 reconcile: the counts of the mailboxes asked for. A mailbox exists for an extension the
   * PBX knows (registered, or holding messages) when `voicemail` gives it one; any other is
   * absent. With voicemail off the method stays (SimulatedPbx always has `onVoicemail` too) and
   * every mailbox is absent: an empty map. An unreachable PBX rejects.
   */
  async readVoicemail(mailboxes: readonly string[]): Promise<Map<string, { unheard: number; heard: number }>> {
    this.reach();
    const out = new Map<string, { unheard: number; heard: number }>();
    for (const ext of mailboxes) {
      if (!this.voicemail(ext) || !(this.endpoints.has(ext) || this.mailboxes.has(ext))) continue;
      out.set(ext, this.mailbox(ext));
    }
    return out;
  }

  private leaveVoicemail(extension: string): void {
    const box = this.mailboxes.get(extension) ?? { unheard: 0, heard: 0 };
    box.unheard++;
    this.mailboxes.set(extension, box);
    this.emitMailbox(extension, box);
  }

  private emitMailbox(extension: string, box: { unheard: number; heard: number }): void {
    const event: PbxVoicemailEvent = { mailbox: extension, unheard: box.unheard, heard: box.heard, at: this.clock().toISOString() };
    for (const l of this.voicemailListeners) l(event);
  }

  async applyForward(extension: string, toExtension: string | null): Promise<void> {
    this.reach();
    this.setForward(extension, toExtension);
  }

  /**
   * A forward set on the desk phone itself (the *72 feature code), not through the hub: the
   * hub learns of it at its next reconcile and runs it through the policy.
   */
  forwardFromPhone(extension: string, toExtension: string | null): void {
    this.setForward(extension, toExtension);
  }

  private setForward(extension: string, toExtension: string | null): void {
    if (toExtension === null) this.forwards.delete(extension);
    else this.forwards.set(extension, toExtension);
    for (const l of this.forwardListeners) l(extension, toExtension);
  }

  async readForwards(): Promise<Map<string, string>> {
    this.reach();
    return new Map(this.forwards);
  }

  forwardOf(extension: string): string | null {
    return this.forwards.get(extension) ?? null;
  }

  /** Called after every forward change; returns an unsubscribe function. */
  onForward(listener: (ext: string, to: string | null) => void): () => void {
    this.forwardListeners.add(listener);
    return () => this.forwardListeners.delete(listener);
  }

  register(extension: string, answer: AnswerHandler): void {
    this.endpoints.set(extension, answer);
  }

  unregister(extension: string): void {
    this.endpoints.delete(extension);
  }

  /**
   * Places a call from `from` to `to` and returns where it was answered. With `hold` the call
   * stays up (the people on it are on-call) until `hangup(callId)`.
   */
  call(from: string, to: string, opts: { hold?: boolean } = {}): CallResult {
    const callId = this.nextCallId++;
    const result = this.route(callId, from, to);
    const id = result.pbxCallId;
    const last = result.route.at(-1)!;
    if (result.outcome === 'no-answer' && this.voicemail(last)) result.outcome = 'voicemail';
    // PH-4 "never silence": a PBX routing by the hub's decisions sends a call nobody answered to
    // the IVR, which offers a message (as omstil.cfg's failure route does); a mailbox comes first
    const fellBack = result.outcome === 'no-answer' && this.routes !== undefined;
    if (fellBack) {
      result.outcome = 'announced';
      result.announce = 'message';
    }
    this.log.push(result);
    if (this.log.length > 1000) this.log.shift();
    if (result.outcome === 'answered' || result.outcome === 'no-answer' || result.outcome === 'voicemail' || fellBack) this.emit({ type: 'ringing', callId: id, caller: from, callee: to, extensions: [last] });
    // sent to the IVR by its route, or after nobody answered: a ringing with the announce route
    if (result.outcome === 'announced') this.emit({ type: 'ringing', callId: id, caller: from, callee: to, extensions: [], route: { kind: 'announce', reason: result.announce! } });
    if (result.outcome === 'answered') {
      this.emit({ type: 'answered', callId: id, caller: from, callee: to, extensions: [result.answeredBy!] });
      if (!opts.hold) this.emit({ type: 'ended', callId: id, caller: from, callee: to, reason: 'completed' });
    } else if (result.outcome === 'voicemail') {
      this.emit({ type: 'ended', callId: id, caller: from, callee: to, reason: 'voicemail' });
      this.leaveVoicemail(last);
    } else if (result.outcome === 'announced') this.emit({ type: 'ended', callId: id, caller: from, callee: to, reason: 'announced' });
    else this.emit({ type: 'ended', callId: id, caller: from, callee: to, reason: result.outcome === 'no-answer' ? 'no-answer' : 'failed' });
    return result;
  }

  /** Ends a call placed with `hold`. */
  hangup(callId: number): void {
    const c = this.log.find((r) => r.callId === callId);
    if (c) this.emit({ type: 'ended', callId: c.pbxCallId, caller: c.from, callee: c.to, reason: 'completed' });
  }

  private route(callId: number, from: string, to: string): CallResult {
    const pbxCallId = `${this.run}-${callId}`;
    const decided = this.routes ? this.routeTable.get(to) : undefined;
    if (decided?.kind === 'announce') return { callId, pbxCallId, from, to, route: [to], answeredBy: null, outcome: 'announced', announce: decided.reason };
    if (decided?.kind === 'ring') {
      // parallel ringing: the first that answers takes the call
      for (const ext of decided.extensions) {
        const endpoint = this.endpoints.get(ext);
        if (endpoint?.({ callId, from, to, ringing: ext })) return { callId, pbxCallId, from, to, route: [to, ext], answeredBy: ext, outcome: 'answered' };
      }
      return { callId, pbxCallId, from, to, route: [to, ...decided.extensions], answeredBy: null, outcome: 'no-answer' };
    }
    const route = [to];
    let current = to;
    let outcome: CallOutcome | null = null;
    for (;;) {
      const next = this.forwards.get(current);
      if (next === undefined) break;
      if (route.includes(next) || route.length > this.maxHops) {
        outcome = 'loop';
        break;
      }
      route.push(next);
      current = next;
    }
    let answeredBy: string | null = null;
    if (!outcome) {
      const endpoint = this.endpoints.get(current);
      if (!endpoint) outcome = 'unknown-extension';
      else if (endpoint({ callId, from, to, ringing: current })) {
        answeredBy = current;
        outcome = 'answered';
      } else outcome = 'no-answer';
    }
    return { callId, pbxCallId, from, to, route, answeredBy, outcome };
  }
}
