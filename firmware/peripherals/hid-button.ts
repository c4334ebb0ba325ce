/**
 * The one-button divert on a USB HID button. DV-1: a press diverts (to the first preferred
 * colleague; the caller of this class picks the target); a long press, held for
 * LONG_PRESS_MS, undiverts, and fires while still held so the light answers at once.
 * Debounced: an edge counts once the raw state has been stable for DEBOUNCE_MS. Emits
 * intents; it never talks to the hub.
 */
import type { Clock } from '../../protocol/index.js';
import type { HidDevice, Timers } from './hid-device.js';

export type ButtonEdge = 'down' | 'up';
/** Reads one input report; null when the report says nothing about the button. */
export type ButtonDecoder = (report: Uint8Array) => ButtonEdge | null;
export type ButtonIntent = { type: 'divert' } | { type: 'undivert' };

export const LONG_PRESS_MS = 1_500;
export const DEBOUNCE_MS = 25;

/** Luxafor Mute: byte 0 is 0x83, byte 1 is 1 pressed / 0 released (JnyJny/busylight_core vendors/luxafor/mute.py). */
export const luxaforMuteButton: ButtonDecoder = (r) => (r[0] === 0x83 ? (r[1] ? 'down' : 'up') : null);

/**
 * MuteMe: byte 3 is 0x04 touch start, 0x02 touch end, 0x01 still touching, 0x00 idle
 * (nalajcie/muteme-chrome-webhid-extension modules/constants.js TOUCH_EVENT, docs/muteme-hid-protocol.md).
 */
export const muteMeButton: ButtonDecoder = (r) => (r[3] === 0x04 ? 'down' : r[3] === 0x02 ? 'up' : null);

export interface HidButtonOptions {
  longPressMs?: number;
  debounceMs?: number;
}

export class HidButton {
  private raw: ButtonEdge = 'up';
  private rawAt = 0;
  private stable: ButtonEdge = 'up';
  private longFired = false;
  private settleTimer: unknown = null;
  private longTimer: unknown = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly device: HidDevice,
    private readonly decode: ButtonDecoder,
    private readonly timers: Timers,
    private readonly clock: Clock,
    private readonly onIntent: (intent: ButtonIntent) => void,
    private readonly opts: HidButtonOptions = {},
  ) {}

  start(): void {
    this.stop();
    this.unsubscribe = this.device.onData((data) => this.onReport(data));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.clear('settleTimer');
    this.clear('longTimer');
    this.raw = this.stable = 'up';
  }

  private onReport(data: Uint8Array): void {
    const edge = this.decode(data);
    if (edge === null || edge === this.raw) return;
    this.raw = edge;
    this.rawAt = this.clock.now().getTime();
    this.clear('settleTimer');
    this.settleTimer = this.timers.setTimeout(() => this.settled(), this.opts.debounceMs ?? DEBOUNCE_MS);
  }

  private settled(): void {
    this.settleTimer = null;
    if (this.raw === this.stable) return; // it bounced back
    this.stable = this.raw;
    if (this.stable === 'down') {
      this.longFired = false;
      const held = this.clock.now().getTime() - this.rawAt;
      this.longTimer = this.timers.setTimeout(() => this.longPress(), Math.max(0, (this.opts.longPressMs ?? LONG_PRESS_MS) - held));
      return;
    }
    this.clear('longTimer');
    if (!this.longFired) this.onIntent({ type: 'divert' });
  }

  private longPress(): void {
    this.longTimer = null;
    // released just before the threshold, and the release is still settling: a short press
    if (this.raw !== 'down') return;
    this.longFired = true;
    this.onIntent({ type: 'undivert' });
  }

  private clear(which: 'settleTimer' | 'longTimer'): void {
    if (this[which] !== null) this.timers.clearTimeout(this[which]);
    this[which] = null;
  }
}
