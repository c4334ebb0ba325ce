import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** The current time for a host, refreshed every `tickMs` while the host is in the page. */
export class ClockController implements ReactiveController {
  now = new Date();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly tickMs = 10_000,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.now = new Date();
    this.timer = setInterval(() => {
      this.now = new Date();
      this.host.requestUpdate();
    }, this.tickMs);
  }

  hostDisconnected(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
