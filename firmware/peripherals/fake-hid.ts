/**
 * In-memory HID for tests and the simulator: devices that record every report written to
 * them and take input reports, a bus that is plugged and unplugged by hand, and timers that
 * run only when told to.
 */
import type { Clock } from '../../protocol/index.js';
import { HidError, type HidBus, type HidDevice, type HidDeviceInfo, type HotplugEvent, type Timers } from './hid-device.js';

export function hidInfo(p: Partial<HidDeviceInfo> & Pick<HidDeviceInfo, 'vendorId' | 'productId' | 'path'>): HidDeviceInfo {
  return { product: null, usagePage: null, usage: null, ...p };
}

export class FakeHidDevice implements HidDevice {
  /** every report written, in order */
  readonly writes: Uint8Array[] = [];
  closed = false;
  /** when set, writes reject with it (an unplugged or broken device) */
  failWrites: HidError | null = null;
  private readonly dataListeners = new Set<(data: Uint8Array) => void>();
  private readonly errorListeners = new Set<(err: HidError) => void>();

  constructor(readonly info: HidDeviceInfo) {}

  write(report: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new HidError('hid-closed', `${this.info.path} is closed`));
    if (this.failWrites) return Promise.reject(this.failWrites);
    this.writes.push(Uint8Array.from(report));
    return Promise.resolve();
  }

  onData(listener: (data: Uint8Array) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onError(listener: (err: HidError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.dataListeners.clear();
    this.errorListeners.clear();
  }

  /** The device sends an input report. */
  input(data: Uint8Array | readonly number[]): void {
    const copy = Uint8Array.from(data);
    for (const l of this.dataListeners) l(copy);
  }

  /** A read fails. */
  fail(err: HidError): void {
    for (const l of this.errorListeners) l(err);
  }

  get lastWrite(): Uint8Array | undefined {
    return this.writes[this.writes.length - 1];
  }
}

export class FakeHidBus implements HidBus {
  /** paths whose open() fails, as without a udev rule */
  readonly denied = new Set<string>();
  private present: HidDeviceInfo[] = [];
  private readonly opened = new Map<string, FakeHidDevice>();
  private readonly listeners = new Set<(e: HotplugEvent) => void>();

  constructor(initial: readonly HidDeviceInfo[] = []) {
    this.present = [...initial];
  }

  async list(): Promise<HidDeviceInfo[]> {
    return [...this.present];
  }

  async open(path: string): Promise<FakeHidDevice> {
    const info = this.present.find((d) => d.path === path);
    if (!info || this.denied.has(path)) throw new HidError('hid-open', `${path}: cannot open`);
    const device = new FakeHidDevice(info);
    this.opened.set(path, device);
    return device;
  }

  onHotplug(listener: (e: HotplugEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  plug(info: HidDeviceInfo): void {
    this.present.push(info);
    this.emit({ type: 'attach', device: info });
  }

  /** Unplugs: the open device's writes fail from now on. */
  unplug(path: string): void {
    const info = this.present.find((d) => d.path === path);
    if (!info) return;
    this.present = this.present.filter((d) => d !== info);
    const dev = this.opened.get(path);
    if (dev) dev.failWrites = new HidError('hid-write', `${path}: device unplugged`);
    this.emit({ type: 'detach', device: info });
  }

  /** The device most recently opened at `path`. */
  device(path: string): FakeHidDevice | undefined {
    return this.opened.get(path);
  }

  private emit(e: HotplugEvent): void {
    for (const l of this.listeners) l(e);
  }
}

/** Timers and a clock that move only when the test advances them. */
export class FakeTimers implements Timers, Clock {
  private t: number;
  private seq = 1;
  private readonly queue = new Map<number, { at: number; fn: () => void }>();

  constructor(start = Date.parse('2026-11-23T09:00:00+01:00')) {
    this.t = start;
  }

  now(): Date {
    return new Date(this.t);
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.seq++;
    this.queue.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.queue.delete(handle as number);
  }

  /** timers waiting to run */
  get pending(): number {
    return this.queue.size;
  }

  /** Runs every timer due within `ms`, in time order, each at its own time. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.queue) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.queue.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}
