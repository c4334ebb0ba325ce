/**
 * Luxafor Flag (and the Luxafor Mute, which answers the same commands) over USB HID.
 *
 * 8-byte commands, written after report ID 0x00:
 *   static colour: 0x01, LEDs, red, green, blue, 0, 0, 0
 *   strobe:        0x03, LEDs, red, green, blue, speed, 0, repeat (0 = forever)
 * LEDs 0xFF is all six (0x41/0x42 one side, 1..6 one LED).
 * Sources: JnyJny/busylight_core src/busylight_core/vendors/luxafor/_flag.py (Command.Color = 1,
 * Strobe = 3, LEDS.All = 0xFF), Mezzle/node-luxafor2 lib/luxafor.js (strobe byte order,
 * "0 is infinite"), nerdenough/luxafor (strobe speed default 10; the unit is undocumented).
 * The static-colour command holds by itself: no keep-alive.
 */
import type { LightState } from './busylight-colors.js';
import type { HidDevice } from './hid-device.js';
import { ReportBusylight } from './report-busylight.js';

export const LUXAFOR_VENDOR_ID = 0x04d8;
export const LUXAFOR_FLAG_PRODUCT_ID = 0xf372;

const ALL_LEDS = 0xff;
const STROBE_SPEED = 10;

export function luxaforReport(state: LightState): Uint8Array {
  const [r, g, b] = state.rgb;
  return state.blink
    ? Uint8Array.of(0x00, 0x03, ALL_LEDS, r, g, b, STROBE_SPEED, 0x00, 0x00)
    : Uint8Array.of(0x00, 0x01, ALL_LEDS, r, g, b, 0x00, 0x00, 0x00);
}

export class LuxaforFlag extends ReportBusylight {
  constructor(device: HidDevice, onError?: (err: Error) => void) {
    super(device, luxaforReport, onError);
  }
}
