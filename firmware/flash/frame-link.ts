/**
 * Puts flash frames on a SerialLink: encodes what a session sends, splits and decodes what
 * arrives, and tells the session about bad frames and a lost link. The only I/O glue here.
 */
import type { SerialLink } from '../serial/serial-link.js';
import { CobsStreamDecoder } from './cobs.js';
import { encodeFrame, FrameError, frameErrorOf, parseFrameBytes, type Frame } from './flash-frames.js';

export interface FrameEndpoint {
  receive(frame: Frame): void;
  badFrame(err: FrameError): void;
  disconnected?(): void;
}

/** the longest encoded frame: a 64 KiB DATA payload + header + CRC + COBS overhead */
const MAX_ENCODED = 65535 + 1 + 8 + 4 + 300;

export function frameLink(link: SerialLink, endpoint: () => FrameEndpoint): { send(frame: Frame): void; detach(): void } {
  const decoder = new CobsStreamDecoder(
    (raw) => {
      let frame: Frame;
      try {
        frame = parseFrameBytes(raw);
      } catch (err) {
        if (err instanceof FrameError) return endpoint().badFrame(err);
        throw err;
      }
      endpoint().receive(frame);
    },
    (err) => endpoint().badFrame(frameErrorOf(err)),
    MAX_ENCODED,
  );
  const offData = link.onData((bytes) => decoder.push(bytes));
  const offClose = link.onClose(() => endpoint().disconnected?.());
  return {
    send(frame) {
      link.write(encodeFrame(frame)).catch(() => endpoint().disconnected?.());
    },
    detach() {
      offData();
      offClose();
      decoder.reset();
    },
  };
}
