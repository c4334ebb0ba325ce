/**
 * A simulated PBX for demos, tests and load: extensions register an answer handler, the
 * hub pushes call forwards through the PbxPort, and a call follows the forwards the way a
 * PBX does (with its own hop limit as a last guard against loops).
 */
import type { PbxPort } from '../broker/pbx/pbx-port.js';

export type CallOutcome = 'answered' | 'no-answer' | 'loop' | 'unknown-extension';

export interface CallResult {
  callId: number;
  from: string;
  to: string;
  /** every extension the call was offered to, in order; the last one rang */
  route: string[];
  answeredBy: string | null;
  outcome: CallOutcome;
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
  readonly log: CallResult[] = [];

  async applyForward(extension: string, toExtension: string | null): Promise<void> {
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

  /** Places a call from `from` to `to` and returns where it was answered. */
  call(from: string, to: string): CallResult {
    const callId = this.nextCallId++;
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
    const result: CallResult = { callId, from, to, route, answeredBy, outcome };
    this.log.push(result);
    if (this.log.length > 1000) this.log.shift();
    return result;
  }
}
