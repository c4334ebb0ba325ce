/**
 * Kuando Busylight (UC Alpha, UC Omega) over USB HID.
 *
 * The light runs a little program of up to seven 8-byte steps sent in one 64-byte packet, and
 * goes dark unless a keep-alive packet arrives before the keep-alive's timeout runs out.
 *
 * Packet (JnyJny/busylight docs/hardware/devices/kuando.md; yaddran/busylight src/busylight.ts;
 * porsager/busylight lib/busylight.js, which ships the vendor's "Busylight API rev 2.2" PDF):
 *   bytes 0..55   steps 0..6
 *   byte  56      sensitivity, 57 timeout, 58 trigger: "Kuando Box" fields, unused by Alpha/Omega
 *   bytes 59..61  0xFF (required)
 *   bytes 62..63  checksum: the sum of bytes 0..61, big-endian
 * Jump step (turns the light on or off):
 *   0: 0x10 | target step · 1: repeat · 2,3,4: red, green, blue as PWM 0..100
 *   5: on time, 6: off time, in 0.1 s · 7: audio, 0x80 = update bit with volume 0 (stop any ringtone)
 * Keep-alive step: 0: 0x80 | timeout in seconds (0..15), the rest zero.
 *
 * Where the sources disagree:
 * - byte 58: 0x00 in JnyJny/busylight (busylight/lights/kuando.py, default 0x00FF_FFFF_0000),
 *   0xFF in porsager/busylight and yaddran/busylight. All call it unused; we follow porsager
 *   (written beside the vendor's spec) and yaddran: 0xFF.
 * - colour scale: PWM 0..100 in the JnyJny doc and busylight_core (vendors/kuando/_busylight.py
 *   scales v/255·100); yaddran sends 0..255 unscaled. We scale to 0..100.
 * - steady on/off times: 0/0 in JnyJny and porsager, 0xFF/0 in yaddran. We send 0/0.
 */
import type { Busylight, LightState } from './busylight-colors.js';
import type { HidDevice, Timers } from './hid-device.js';

export const KUANDO_VENDOR_ID = 0x27bb;

/** The keep-alive step's timeout, s: the largest the 4-bit field holds (JnyJny/busylight uses 15). */
export const KUANDO_KEEPALIVE_TIMEOUT_S = 15;
/** Half the timeout, so one lost write never lets it run out (JnyJny/busylight: timeout // 2). */
export const KUANDO_KEEPALIVE_INTERVAL_MS = 7_000;

/** Blink: 0.5 s on, 0.5 s off, the step jumping to itself. */
const BLINK_TENTHS = 5;

const PACKET_BYTES = 64;

/** The 64-byte packet after report ID 0x00: `step0` in front, the footer and checksum filled in. */
function packet(step0: readonly number[]): Uint8Array {
  const report = new Uint8Array(1 + PACKET_BYTES); // [0] report ID 0x00
  const p = report.subarray(1);
  p.set(step0, 0);
  p.fill(0xff, 58, 62);
  let sum = 0;
  for (let i = 0; i < 62; i++) sum += p[i]!;
  p[62] = (sum >> 8) & 0xff;
  p[63] = sum & 0xff;
  return report;
}

/** 0..255 → the light's PWM 0..100. */
export function kuandoPwm(v: number): number {
  return Math.round((v * 100) / 255);
}

export function kuandoLightReport(state: LightState): Uint8Array {
  const [r, g, b] = state.rgb.map(kuandoPwm) as [number, number, number];
  const [repeat, on, off] = state.blink ? [1, BLINK_TENTHS, BLINK_TENTHS] : [0, 0, 0];
  return packet([0x10, repeat, r, g, b, on, off, 0x80]);
}

export function kuandoKeepAliveReport(timeoutS = KUANDO_KEEPALIVE_TIMEOUT_S): Uint8Array {
  return packet([0x80 | (timeoutS & 0x0f)]);
}

export class KuandoBusylight implements Busylight {
  private timer: unknown = null;

  constructor(
    private readonly device: HidDevice,
    private readonly timers: Timers,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  start(): void {
    this.stop();
    this.scheduleKeepAlive();
  }

  stop(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  show(state: LightState): void {
    this.send(kuandoLightReport(state));
  }

  private scheduleKeepAlive(): void {
    this.timer = this.timers.setTimeout(() => {
      this.send(kuandoKeepAliveReport());
      this.scheduleKeepAlive();
    }, KUANDO_KEEPALIVE_INTERVAL_MS);
  }

  private send(report: Uint8Array): void {
    this.device.write(report).catch(this.onError);
  }
}
