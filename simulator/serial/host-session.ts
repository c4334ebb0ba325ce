/**
 * One host flashing session on a SerialLink: a HostFlasher with real timers, its frames on the
 * link through frameLink. Resolves with the final event (`done` or `failed`), never rejects.
 * Used by `omstil flash`, the serial bench and the tests.
 */
import { frameLink } from '../../firmware/flash/frame-link.js';
import { HostFlasher, type FlashEvent } from '../../firmware/flash/flash-session.js';
import { realTimers, type Timers } from '../../firmware/peripherals/hid-device.js';
import type { SerialLink } from '../../firmware/serial/serial-link.js';

export type FinalFlashEvent = Extract<FlashEvent, { state: 'done' | 'failed' }>;

export interface HostSessionOptions {
  link: SerialLink;
  image: Uint8Array;
  onEvent?: (e: FlashEvent) => void;
  chunkSize?: number;
  timeoutMs?: number;
  maxRetries?: number;
  timers?: Timers;
}

export function flashOverLink(o: HostSessionOptions): { flasher: HostFlasher; result: Promise<FinalFlashEvent> } {
  let flasher!: HostFlasher;
  let wire!: ReturnType<typeof frameLink>;
  const result = new Promise<FinalFlashEvent>((resolve) => {
    flasher = new HostFlasher({
      image: o.image,
      timers: o.timers ?? realTimers,
      send: (frame) => wire.send(frame),
      ...(o.chunkSize !== undefined ? { chunkSize: o.chunkSize } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
      onEvent: (e) => {
        o.onEvent?.(e);
        if (e.state === 'done' || e.state === 'failed') {
          wire.detach();
          resolve(e);
        }
      },
    });
    wire = frameLink(o.link, () => flasher);
  });
  flasher.start();
  return { flasher, result };
}
