import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ArgsOf, DeviceView, Op } from '../../protocol/index.js';
import { BridgeClient, type BridgeClientOptions, type Requester, type RequestResult } from '../bridge-client.js';

/** Ties a BridgeClient to a host element: connects while the host is in the page, re-renders it on change. */
export class BridgeController implements ReactiveController, Requester {
  readonly client: BridgeClient;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    opts: BridgeClientOptions,
  ) {
    this.client = new BridgeClient(opts);
    host.addController(this);
  }

  get view(): DeviceView | null {
    return this.client.view;
  }
  get linkUp(): boolean {
    return this.client.linkUp;
  }
  get failures(): number {
    return this.client.failures;
  }

  request<O extends Op>(op: O, args: ArgsOf<O>): Promise<RequestResult> {
    return this.client.request(op, args);
  }

  hostConnected(): void {
    this.unsubscribe = this.client.subscribe(() => this.host.requestUpdate());
    this.client.start();
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.client.stop();
  }
}
