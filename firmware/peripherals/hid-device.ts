/**
 * The ports of the USB HID peripherals: one open device (`HidDevice`), the bus that lists and
 * opens them and reports hot-plug (`HidBus`), and the `Timers` the drivers schedule with.
 * Adapters: node-hid-bus.ts (real devices), fake-hid.ts (tests, simulator).
 */

export type HidErrorCode = 'hid-open' | 'hid-write' | 'hid-read' | 'hid-closed';

export class HidError extends Error {
  constructor(
    readonly code: HidErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HidError';
  }
}

/** What enumeration tells about a device (one top-level collection of it). */
export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  /** the OS path (`/dev/hidrawN` on Linux); the device's identity while it stays plugged in */
  path: string;
  product: string | null;
  /** of the top-level collection; 0x0B is Telephony (HID Usage Tables, ch. 14) */
  usagePage: number | null;
  usage: number | null;
}

export interface HidDevice {
  readonly info: HidDeviceInfo;
  /**
   * Sends one output report. As with hidapi and node-hid, `report[0]` is the report ID:
   * 0x00 for a device without numbered reports (node-hid README, "Writing to a device").
   * Writes reach the device in call order. Rejects with a HidError.
   */
  write(report: Uint8Array): Promise<void>;
  /** Input reports; for a device with numbered reports `data[0]` is the report ID. Returns an unsubscribe function. */
  onData(listener: (data: Uint8Array) => void): () => void;
  /** A read failed (usually: unplugged). Returns an unsubscribe function. */
  onError(listener: (err: HidError) => void): () => void;
  close(): Promise<void>;
}

export type HotplugEvent = { type: 'attach' | 'detach'; device: HidDeviceInfo };

export interface HidBus {
  list(): Promise<HidDeviceInfo[]>;
  /** Rejects with HidError('hid-open'), e.g. when udev gives no access (docs/peripherals.md). */
  open(path: string): Promise<HidDevice>;
  /** Devices plugged in and out. Returns an unsubscribe function. */
  onHotplug(listener: (e: HotplugEvent) => void): () => void;
}

/** The timer port (same shape as device-ui's), so a test can run an hour in a millisecond. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

const TELEPHONY_PAGE = 0x0b;

/**
 * One entry per path. hidapi lists a device once per top-level collection, all with the same
 * path; a headset's Telephony collection wins, since that is the one a role depends on.
 */
export function byPath(infos: readonly HidDeviceInfo[]): Map<string, HidDeviceInfo> {
  const out = new Map<string, HidDeviceInfo>();
  for (const d of infos) {
    const seen = out.get(d.path);
    if (!seen || (seen.usagePage !== TELEPHONY_PAGE && d.usagePage === TELEPHONY_PAGE)) out.set(d.path, d);
  }
  return out;
}

/**
 * Hot-plug as a pure diff of two enumerations, by path. A path that now names another device
 * (unplugged and a different one plugged in between two polls) is a detach and an attach.
 */
export function diffDevices(before: readonly HidDeviceInfo[], after: readonly HidDeviceInfo[]): HotplugEvent[] {
  const was = byPath(before);
  const now = byPath(after);
  const same = (a: HidDeviceInfo, b: HidDeviceInfo | undefined) => b !== undefined && a.vendorId === b.vendorId && a.productId === b.productId;
  const events: HotplugEvent[] = [];
  for (const [path, device] of was) if (!same(device, now.get(path))) events.push({ type: 'detach', device });
  for (const [path, device] of now) if (!same(device, was.get(path))) events.push({ type: 'attach', device });
  return events;
}
