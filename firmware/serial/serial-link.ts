/**
 * The SerialLink port: a duplex of bytes over a serial line (the provisioning console,
 * flashing). Adapters: serialport-link.ts (a real port), memoryLinkPair() (tests, simulator).
 */

export type SerialErrorCode = 'serial-open' | 'serial-write' | 'serial-closed';

export class SerialError extends Error {
  constructor(
    readonly code: SerialErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SerialError';
  }
}

export interface SerialLink {
  /** resolves once the bytes are handed to the line; rejects with a SerialError */
  write(bytes: Uint8Array): Promise<void>;
  /** returns a function that removes the listener */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /** called once when the link closes; `err` when it was lost rather than closed */
  onClose(listener: (err?: SerialError) => void): () => void;
  close(): Promise<void>;
}

/** Two linked ends in memory: what one writes, the other receives (in a later microtask, like I/O). */
export function memoryLinkPair(): [SerialLink, SerialLink] {
  const data = [new Set<(b: Uint8Array) => void>(), new Set<(b: Uint8Array) => void>()] as const;
  const closes = new Set<(err?: SerialError) => void>();
  let closed = false;
  const end = (me: 0 | 1): SerialLink => ({
    write(bytes) {
      if (closed) return Promise.reject(new SerialError('serial-closed', 'the link is closed'));
      const copy = Uint8Array.from(bytes);
      queueMicrotask(() => {
        if (!closed) for (const l of data[1 - me]!) l(copy);
      });
      return Promise.resolve();
    },
    onData(l) {
      data[me].add(l);
      return () => data[me].delete(l);
    },
    onClose(l) {
      closes.add(l);
      return () => closes.delete(l);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const l of closes) l();
      closes.clear();
    },
  });
  return [end(0), end(1)];
}
