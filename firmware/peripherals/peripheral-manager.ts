/**
 * Wires the USB HID peripherals of a desk phone: busylights show the device's view (through
 * busylight-colors.ts), a button and a headset turn into intents. Devices come and go
 * (hot-plug); one that cannot be opened or fails is logged and left alone, never fatal.
 * Knows nothing of MQTT or the hub: the device core feeds `update(view)` and acts on `onIntent`.
 */
import type { Clock, Logger } from '../../protocol/index.js';
import { OFF, lightFor, sameLight, type Busylight, type LightSource, type LightState } from './busylight-colors.js';
import { EmbravaBlynclight } from './embrava-blynclight.js';
import { HidButton, luxaforMuteButton, muteMeButton, type ButtonDecoder } from './hid-button.js';
import { byPath, type HidBus, type HidDevice, type HidDeviceInfo, type Timers } from './hid-device.js';
import { HidHeadset, TELEPHONY_USAGE_PAGE, telephonyLayoutFor, type HeadsetEvent } from './hid-headset.js';
import { KuandoBusylight } from './kuando-busylight.js';
import { LuxaforFlag } from './luxafor-flag.js';

export type DeviceRole = 'kuando' | 'luxafor' | 'blynclight' | 'muteme';

export interface KnownDevice {
  vendorId: number;
  productId: number;
  name: string;
  role: DeviceRole;
}

/** Sources per vendor in docs/peripherals.md ("Supported devices"). */
export const KNOWN_DEVICES: readonly KnownDevice[] = [
  { vendorId: 0x04d8, productId: 0xf848, name: 'Kuando Busylight Alpha', role: 'kuando' },
  { vendorId: 0x27bb, productId: 0x3bca, name: 'Kuando Busylight Alpha', role: 'kuando' },
  { vendorId: 0x27bb, productId: 0x3bcb, name: 'Kuando Busylight Alpha', role: 'kuando' },
  { vendorId: 0x27bb, productId: 0x3bcc, name: 'Kuando Busylight', role: 'kuando' },
  { vendorId: 0x27bb, productId: 0x3bcd, name: 'Kuando Busylight Omega', role: 'kuando' },
  { vendorId: 0x27bb, productId: 0x3bce, name: 'Kuando Busylight Alpha', role: 'kuando' },
  { vendorId: 0x27bb, productId: 0x3bcf, name: 'Kuando Busylight Omega', role: 'kuando' },
  { vendorId: 0x04d8, productId: 0xf372, name: 'Luxafor Flag / Mute', role: 'luxafor' },
  { vendorId: 0x2c0d, productId: 0x0001, name: 'Embrava Blynclight', role: 'blynclight' },
  { vendorId: 0x2c0d, productId: 0x000a, name: 'Embrava Blynclight Mini', role: 'blynclight' },
  { vendorId: 0x2c0d, productId: 0x000c, name: 'Embrava Blynclight Plus', role: 'blynclight' },
  { vendorId: 0x2c0d, productId: 0x0010, name: 'Embrava Blynclight Plus', role: 'blynclight' },
  { vendorId: 0x0e53, productId: 0x2516, name: 'Embrava Blynclight', role: 'blynclight' },
  { vendorId: 0x0e53, productId: 0x2517, name: 'Embrava Blynclight Mini', role: 'blynclight' },
  { vendorId: 0x047f, productId: 0xd005, name: 'Plantronics Status Indicator (Blynclight)', role: 'blynclight' },
  { vendorId: 0x16c0, productId: 0x27db, name: 'MuteMe', role: 'muteme' },
  { vendorId: 0x20a0, productId: 0x42da, name: 'MuteMe', role: 'muteme' },
  { vendorId: 0x20a0, productId: 0x42db, name: 'MuteMe Mini', role: 'muteme' },
  { vendorId: 0x3603, productId: 0x0001, name: 'MuteMe', role: 'muteme' },
  { vendorId: 0x3603, productId: 0x0002, name: 'MuteMe Mini', role: 'muteme' },
  { vendorId: 0x3603, productId: 0x0003, name: 'MuteMe Mini', role: 'muteme' },
  { vendorId: 0x3603, productId: 0x0004, name: 'MuteMe Mini', role: 'muteme' },
];

/** What the person did on a peripheral; the device core turns it into a request or a local state. */
export type PeripheralIntent =
  /** DV-1: to the first preferred colleague; null when the device knows none */
  | { type: 'divert'; target: string | null }
  | { type: 'undivert' }
  /** PR-1: a headset off (true) or back on (false) its hook */
  | { type: 'on-call'; onCall: boolean }
  | { type: 'mute'; muted: boolean };

/** What the peripherals read of a `DeviceView` (a DeviceView is one). */
export interface PeripheralView {
  me: LightSource | null;
  /** DV-1: in the directory's order; the button diverts to the first */
  preferred: readonly string[];
}

export interface PeripheralManagerOptions {
  bus: HidBus;
  timers: Timers;
  clock: Clock;
  logger: Logger;
  onIntent: (intent: PeripheralIntent) => void;
  known?: readonly KnownDevice[];
  /** headsets on the Telephony usage page; default true */
  headsets?: boolean;
}

interface Attached {
  info: HidDeviceInfo;
  name: string;
  device: HidDevice;
  light: Busylight | null;
  button: HidButton | null;
  headset: HidHeadset | null;
  unsubscribe: () => void;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class PeripheralManager {
  private readonly attached = new Map<string, Attached>();
  private readonly opening = new Set<string>();
  private view: PeripheralView | null = null;
  private shown: LightState = OFF;
  private running = false;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly opts: PeripheralManagerOptions) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.opts.bus.onHotplug((e) => void (e.type === 'attach' ? this.attach(e.device) : this.detach(e.device.path)));
    let present: HidDeviceInfo[] = [];
    try {
      present = await this.opts.bus.list();
    } catch (err) {
      this.opts.logger.warn('USB HID enumeration failed', { err: message(err) });
    }
    await Promise.all([...byPath(present).values()].map((d) => this.attach(d)));
  }

  /** Turns the lights off and closes every device. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const a of this.attached.values()) a.light?.show(OFF);
    await Promise.all([...this.attached.keys()].map((path) => this.detach(path)));
  }

  /** Call with every new view (DeviceCore.onView); the lights change within this call. */
  update(view: PeripheralView): void {
    this.view = view;
    this.refresh();
  }

  /** What the lights show now. */
  get light(): LightState {
    return this.shown;
  }

  /** The peripherals in use, for the health check and the serial console. */
  devices(): Array<{ path: string; name: string; vendorId: number; productId: number }> {
    return [...this.attached.values()].map((a) => ({ path: a.info.path, name: a.name, vendorId: a.info.vendorId, productId: a.info.productId }));
  }

  private refresh(): void {
    const onCall = [...this.attached.values()].some((a) => a.headset?.offHook);
    const next = lightFor(this.view?.me, { onCall });
    if (sameLight(next, this.shown)) return;
    this.shown = next;
    for (const a of this.attached.values()) a.light?.show(next);
  }

  private async attach(info: HidDeviceInfo): Promise<void> {
    const known = (this.opts.known ?? KNOWN_DEVICES).find((k) => k.vendorId === info.vendorId && k.productId === info.productId);
    const telephony = info.usagePage === TELEPHONY_USAGE_PAGE && (this.opts.headsets ?? true);
    if ((!known && !telephony) || !this.running || this.attached.has(info.path) || this.opening.has(info.path)) return;
    const name = known?.name ?? info.product ?? 'USB headset';
    const log = this.opts.logger;
    this.opening.add(info.path);
    let device: HidDevice;
    try {
      device = await this.opts.bus.open(info.path);
    } catch (err) {
      this.opening.delete(info.path);
      log.warn('cannot open USB HID device; see docs/peripherals.md for the udev rule', { path: info.path, name, err: message(err) });
      return;
    }
    // unplugged (or stopped) while it opened
    if (!this.opening.delete(info.path) || !this.running) return void device.close().catch(() => {});

    const onError = (err: Error) => log.warn('USB HID device error', { path: info.path, name, err: err.message });
    const a: Attached = {
      info,
      name,
      device,
      light: known ? this.lightDriver(known.role, device, onError) : null,
      button: known?.role === 'luxafor' ? this.button(device, luxaforMuteButton) : known?.role === 'muteme' ? this.button(device, muteMeButton) : null,
      headset: telephony ? new HidHeadset(device, telephonyLayoutFor(info.vendorId), (e) => this.onHeadset(e)) : null,
      unsubscribe: device.onError(onError),
    };
    this.attached.set(info.path, a);
    a.light?.start();
    a.button?.start();
    a.headset?.start();
    a.light?.show(this.shown);
    log.info('USB HID device attached', { path: info.path, name });
  }

  private lightDriver(role: DeviceRole, device: HidDevice, onError: (err: Error) => void): Busylight | null {
    switch (role) {
      case 'kuando':
        return new KuandoBusylight(device, this.opts.timers, onError);
      case 'luxafor':
        return new LuxaforFlag(device, onError);
      case 'blynclight':
        return new EmbravaBlynclight(device, onError);
      case 'muteme':
        return null;
    }
  }

  private button(device: HidDevice, decode: ButtonDecoder): HidButton {
    return new HidButton(device, decode, this.opts.timers, this.opts.clock, (i) => this.onButton(i.type));
  }

  private async detach(path: string): Promise<void> {
    if (this.opening.delete(path)) return;
    const a = this.attached.get(path);
    if (!a) return;
    this.attached.delete(path);
    a.light?.stop();
    a.button?.stop();
    a.headset?.stop();
    a.unsubscribe();
    await a.device.close().catch(() => {});
    this.opts.logger.info('USB HID device detached', { path, name: a.name });
    // a headset unplugged during a call no longer tells: the device stops claiming on-call
    if (a.headset?.offHook) this.onHeadset({ type: 'on-call', onCall: false });
  }

  private onButton(type: 'divert' | 'undivert'): void {
    this.emit(type === 'divert' ? { type, target: this.view?.preferred[0] ?? null } : { type });
  }

  private onHeadset(e: HeadsetEvent): void {
    if (e.type === 'on-call') this.refresh();
    this.emit(e);
  }

  private emit(intent: PeripheralIntent): void {
    try {
      this.opts.onIntent(intent);
    } catch (err) {
      this.opts.logger.error('peripheral intent handler failed', { intent: intent.type, err: message(err) });
    }
  }
}
