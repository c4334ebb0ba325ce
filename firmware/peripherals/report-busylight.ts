/**
 * A busylight that holds what it was last sent (Luxafor Flag, Embrava Blynclight): one HID
 * report per state, no keepalive. Each vendor supplies its report builder.
 */
import type { Busylight, LightState } from './busylight-colors.js';
import type { HidDevice } from './hid-device.js';

export class ReportBusylight implements Busylight {
  constructor(
    private readonly device: HidDevice,
    private readonly report: (state: LightState) => Uint8Array,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  start(): void {}

  stop(): void {}

  show(state: LightState): void {
    this.device.write(this.report(state)).catch(this.onError);
  }
}
