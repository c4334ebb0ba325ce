/**
 * A USB headset's Telephony controls (HID usage page 0x0B). PR-1: off the hook is `on-call`,
 * back on it is not. Each press of mute toggles it; going back on the hook unmutes.
 *
 * Usages (USB HID Usage Tables, Telephony Device Page): Hook Switch 0x20, Phone Mute 0x2F
 * (as jitsi/jitsi-meet react/features/web-hid/utils.ts reads them: 0x0b0020, 0x0b002f).
 * Where the bits sit depends on each headset's report descriptor. We do not parse
 * descriptors; the layouts below are those robo-w/telephony-webhid-demo (webhid.js `modes`)
 * found in real Jabra, Poly and Sennheiser headsets, and can be given per device.
 * The headset's own LEDs (off-hook, mute: LED page 0x08) are not driven.
 */
import type { HidDevice } from './hid-device.js';

export const TELEPHONY_USAGE_PAGE = 0x0b;
export const HOOK_SWITCH_USAGE = 0x20;
export const PHONE_MUTE_USAGE = 0x2f;

/** Where hook switch and mute sit: the input report's ID and their bits in the byte after it. */
export interface TelephonyLayout {
  reportId: number;
  hookBit: number;
  muteBit: number;
}

/** By USB vendor id (robo-w/telephony-webhid-demo webhid.js). */
export const TELEPHONY_LAYOUTS: ReadonlyMap<number, TelephonyLayout> = new Map([
  [0x0b0e, { reportId: 2, hookBit: 0, muteBit: 2 }], // Jabra (GN Audio)
  [0x047f, { reportId: 1, hookBit: 0, muteBit: 1 }], // Poly (Plantronics)
  [0x1395, { reportId: 3, hookBit: 0, muteBit: 3 }], // Sennheiser / EPOS
]);

/** Any other headset: Poly's layout (a descriptor that lists Hook Switch, then Phone Mute, as its first input bits). */
export const DEFAULT_TELEPHONY_LAYOUT: TelephonyLayout = { reportId: 1, hookBit: 0, muteBit: 1 };

export function telephonyLayoutFor(vendorId: number): TelephonyLayout {
  return TELEPHONY_LAYOUTS.get(vendorId) ?? DEFAULT_TELEPHONY_LAYOUT;
}

export interface TelephonyInput {
  offHook: boolean;
  mute: boolean;
}

/** One input report (`data[0]` is its report ID, as hidapi returns numbered reports); null if it is another report. */
export function parseTelephonyReport(data: Uint8Array, layout: TelephonyLayout): TelephonyInput | null {
  if (data.length < 2 || data[0] !== layout.reportId) return null;
  const bits = data[1]!;
  return { offHook: ((bits >> layout.hookBit) & 1) === 1, mute: ((bits >> layout.muteBit) & 1) === 1 };
}

export type HeadsetEvent = { type: 'on-call'; onCall: boolean } | { type: 'mute'; muted: boolean };

export class HidHeadset {
  private hook = false;
  private muted = false;
  private mutePressed = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly device: HidDevice,
    private readonly layout: TelephonyLayout,
    private readonly onEvent: (e: HeadsetEvent) => void,
  ) {}

  get offHook(): boolean {
    return this.hook;
  }

  start(): void {
    this.stop();
    this.unsubscribe = this.device.onData((data) => this.onReport(data));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private onReport(data: Uint8Array): void {
    const input = parseTelephonyReport(data, this.layout);
    if (!input) return;
    if (input.offHook !== this.hook) {
      this.hook = input.offHook;
      this.onEvent({ type: 'on-call', onCall: this.hook });
      if (!this.hook && this.muted) this.setMuted(false);
    }
    // a press is reported as 1 then 0; each press toggles
    if (input.mute && !this.mutePressed) this.setMuted(!this.muted);
    this.mutePressed = input.mute;
  }

  private setMuted(muted: boolean): void {
    this.muted = muted;
    this.onEvent({ type: 'mute', muted });
  }
}
