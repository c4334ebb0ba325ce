/**
 * HidBus over real USB HID devices with `node-hid` (hidraw on Linux; docs/peripherals.md has
 * the udev rule a device needs). Hot-plug by polling the enumeration: node-hid has no events.
 * Every failure comes back as a HidError or a log line; none is thrown at the process.
 */
import { HIDAsync, devicesAsync, type Device } from 'node-hid';
import type { Logger } from '../../protocol/index.js';
import { HidError, byPath, diffDevices, realTimers, type HidBus, type HidDevice, type HidDeviceInfo, type HotplugEvent, type Timers } from './hid-device.js';

export const DEFAULT_POLL_MS = 1_000;

export interface NodeHidBusOptions {
  logger: Logger;
  pollMs?: number;
  timers?: Timers;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function toInfo(d: Pick<Device, 'vendorId' | 'productId' | 'product' | 'usagePage' | 'usage'> & { path: string }): HidDeviceInfo {
  return { vendorId: d.vendorId, productId: d.productId, path: d.path, product: d.product ?? null, usagePage: d.usagePage ?? null, usage: d.usage ?? null };
}

export class NodeHidBus implements HidBus {
  private known: HidDeviceInfo[] = [];
  private timer: unknown = null;
  private running = false;
  private readonly listeners = new Set<(e: HotplugEvent) => void>();

  constructor(private readonly opts: NodeHidBusOptions) {}

  /** Starts polling; the first poll reports every device present as attached. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.poll();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) (this.opts.timers ?? realTimers).clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  async list(): Promise<HidDeviceInfo[]> {
    const found = await devicesAsync();
    return found.flatMap((d) => (d.path ? [toInfo({ ...d, path: d.path })] : []));
  }

  async open(path: string): Promise<HidDevice> {
    let hid: HIDAsync;
    try {
      hid = await HIDAsync.open(path);
    } catch (err) {
      throw new HidError('hid-open', `${path}: ${message(err)}`);
    }
    // the enumeration's entry (the one a role was chosen by), else what the device says of itself
    const info = byPath(this.known).get(path) ?? (await hid.getDeviceInfo().then((d) => toInfo({ ...d, path }), () => toInfo({ vendorId: 0, productId: 0, path })));
    return NodeHidDevice.wrap(info, hid);
  }

  onHotplug(listener: (e: HotplugEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async poll(): Promise<void> {
    try {
      const now = await this.list();
      const events = diffDevices(this.known, now);
      this.known = now;
      for (const e of events) {
        for (const l of this.listeners) {
          try {
            l(e);
          } catch (err) {
            this.opts.logger.error('hot-plug listener failed', { path: e.device.path, err: message(err) });
          }
        }
      }
    } catch (err) {
      this.opts.logger.warn('USB HID enumeration failed', { err: message(err) });
    }
    if (this.running) this.timer = (this.opts.timers ?? realTimers).setTimeout(() => void this.poll(), this.opts.pollMs ?? DEFAULT_POLL_MS);
  }
}

class NodeHidDevice implements HidDevice {
  /** writes in call order: each waits for the one before */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly errorListeners = new Set<(err: HidError) => void>();

  private constructor(
    readonly info: HidDeviceInfo,
    private readonly hid: HIDAsync,
  ) {}

  static wrap(info: HidDeviceInfo, hid: HIDAsync): NodeHidDevice {
    const device = new NodeHidDevice(info, hid);
    // without an 'error' listener the EventEmitter would throw a read error at the process
    hid.on('error', (err: unknown) => {
      const e = new HidError('hid-read', `${info.path}: ${message(err)}`);
      for (const l of device.errorListeners) l(e);
    });
    return device;
  }

  write(report: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new HidError('hid-closed', `${this.info.path} is closed`));
    const bytes = Buffer.from(report.buffer, report.byteOffset, report.byteLength);
    const run = this.queue.then(() => this.hid.write(bytes)).then(
      () => undefined,
      (err: unknown) => {
        throw new HidError('hid-write', `${this.info.path}: ${message(err)}`);
      },
    );
    this.queue = run.catch(() => {});
    return run;
  }

  onData(listener: (data: Uint8Array) => void): () => void {
    const l = (b: Buffer) => listener(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    this.hid.on('data', l);
    return () => void this.hid.off('data', l);
  }

  onError(listener: (err: HidError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue; // the last colour (or "off") reaches the light first
    this.errorListeners.clear();
    await this.hid.close().catch(() => {});
  }
}
