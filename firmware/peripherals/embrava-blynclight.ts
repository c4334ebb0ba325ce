/**
 * Embrava Blynclight (Blynclight, Mini, Plus) over USB HID.
 *
 * One 9-byte control word; its first byte 0x00 is also the report ID hidapi expects:
 *   0: 0x00 · 1: red · 2: BLUE · 3: GREEN (red-blue-green, not RGB)
 *   4: bit 0 off, bit 1 dim, bit 2 flash, bits 3..5 flash speed (1 slow, 2 medium, 4 fast)
 *   5, 6: sound (music, play, repeat, volume, mute) · 7, 8: 0xFF 0x22
 * Sources: JnyJny/busylight docs/hardware/devices/embrava.md and every version of its code
 * (busylight/lights/old/embrava.py, busylight/lights/embrava/_blynclight.py and hardware.py:
 * off = bit 32, dim 33, flash 34, speed 35..37 of the 72-bit word, i.e. byte 4 LSB first).
 *
 * Where the sources disagree: a Rust hidapi tool found by code search packs byte 4 MSB first
 * and later renamed bytes 2/3 to green/blue; it is one untested source against JnyJny's three
 * implementations tested on BLYNCUSB30/40S. JnyJny's two sound layouts differ from each other;
 * we send bytes 5 and 6 as zero (no sound in either layout). The light keeps its state: no keep-alive.
 */
import type { LightState } from './busylight-colors.js';
import type { HidDevice } from './hid-device.js';
import { ReportBusylight } from './report-busylight.js';

const OFF_BIT = 0x01;
const FLASH_BIT = 0x04;
const SPEED_SLOW = 1 << 3;

export function blynclightReport(state: LightState): Uint8Array {
  const [r, g, b] = state.rgb;
  const lit = r + g + b > 0;
  // JnyJny's on()/off() keep the speed field at "slow" even when not flashing
  const control = !lit ? OFF_BIT | SPEED_SLOW : state.blink ? FLASH_BIT | SPEED_SLOW : SPEED_SLOW;
  return Uint8Array.of(0x00, r, b, g, control, 0x00, 0x00, 0xff, 0x22);
}

export class EmbravaBlynclight extends ReportBusylight {
  constructor(device: HidDevice, onError?: (err: Error) => void) {
    super(device, blynclightReport, onError);
  }
}
