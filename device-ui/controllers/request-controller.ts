import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { RequestError, RequestResult } from '../bridge-client.js';

/**
 * State of one user action that goes to the firmware: idle → pending → (idle | error).
 * `key` says which of several actions in one element is meant (e.g. which colleague).
 */
export type ActionState =
  | { kind: 'idle' }
  | { kind: 'pending'; key: string }
  | { kind: 'error'; key: string; error: RequestError };

export interface RequestControllerOptions {
  /** after an ok reply, how long to keep showing "pending" while waiting for the view to follow */
  settleMs?: number;
  /** how long an error text stays before it clears by itself */
  errorMs?: number;
}

/**
 * Runs one request at a time for a host and keeps its state. After an ok reply the action stays
 * pending until `settled()` is true on a later render (the new view has arrived) or `settleMs`
 * passes, so a button does not flicker back to its old text between the reply and the view.
 */
export class RequestController implements ReactiveController {
  state: ActionState = { kind: 'idle' };
  private settled: (() => boolean) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** bumps when the host leaves the page; a reply arriving after that is dropped */
  private epoch = 0;
  private readonly settleMs: number;
  private readonly errorMs: number;

  constructor(
    private readonly host: ReactiveControllerHost,
    opts: RequestControllerOptions = {},
  ) {
    this.settleMs = opts.settleMs ?? 5_000;
    this.errorMs = opts.errorMs ?? 30_000;
    host.addController(this);
  }

  get busy(): boolean {
    return this.state.kind === 'pending';
  }

  isPending(key: string): boolean {
    return this.state.kind === 'pending' && this.state.key === key;
  }

  errorFor(key: string): RequestError | null {
    return this.state.kind === 'error' && this.state.key === key ? this.state.error : null;
  }

  async run(key: string, send: () => Promise<RequestResult>, settled: () => boolean = () => true): Promise<void> {
    if (this.busy) return;
    this.clearTimer();
    this.settled = null;
    this.set({ kind: 'pending', key });
    const epoch = this.epoch;
    let result: RequestResult;
    try {
      result = await send();
    } catch {
      result = { ok: false, error: { code: 'internal', message: 'request failed' } };
    }
    if (epoch !== this.epoch) return;
    if (!result.ok) {
      this.set({ kind: 'error', key, error: result.error });
      this.timer = setTimeout(() => this.set({ kind: 'idle' }), this.errorMs);
      return;
    }
    if (settled()) {
      this.set({ kind: 'idle' });
      return;
    }
    this.settled = settled;
    this.timer = setTimeout(() => {
      this.settled = null;
      this.set({ kind: 'idle' });
    }, this.settleMs);
  }

  /** Clears a shown error (e.g. when the user starts another action). */
  dismiss(): void {
    if (this.state.kind !== 'error') return;
    this.clearTimer();
    this.set({ kind: 'idle' });
  }

  hostUpdate(): void {
    if (this.settled && this.settled()) {
      this.settled = null;
      this.clearTimer();
      this.state = { kind: 'idle' }; // before render; no extra update needed
    }
  }

  hostDisconnected(): void {
    this.epoch++;
    this.clearTimer();
    this.settled = null;
    if (this.state.kind === 'pending') this.state = { kind: 'idle' };
  }

  private set(state: ActionState): void {
    this.state = state;
    this.host.requestUpdate();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
