/**
 * SerialLink over a real port with the `serialport` project's stream and native binding
 * (what the `serialport` package bundles, without its parsers and mock: a smaller firmware).
 * 8N1, no flow control. Every failure comes back as a SerialError with a code; none is
 * thrown at the process.
 */
import { SerialPortStream } from '@serialport/stream';
import { SerialError, type SerialLink } from './serial-link.js';

export const DEFAULT_BAUD_RATE = 115200;

type SerialPort = SerialPortStream;

export class SerialportLink implements SerialLink {
  private constructor(private readonly port: SerialPort) {}

  /** Opens `path`; rejects with SerialError('serial-open') when it cannot. */
  static async open(path: string, baudRate = DEFAULT_BAUD_RATE): Promise<SerialportLink> {
    // the native binding loads only when a serial line is used (about 9 MB resident otherwise spent)
    const { autoDetect } = await import('@serialport/bindings-cpp');
    return new Promise((resolve, reject) => {
      let port: SerialPort;
      const failed = (err: Error) => reject(new SerialError('serial-open', `${path}: ${err.message}`));
      try {
        port = new SerialPortStream({ binding: autoDetect(), path, baudRate, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
      } catch (err) {
        return failed(err as Error);
      }
      // without a listener an 'error' event would end the process; failures reach callers through write() and onClose()
      port.on('error', () => {});
      port.open((err) => (err ? failed(err) : resolve(new SerialportLink(port))));
    });
  }

  get path(): string {
    return this.port.path;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.port.isOpen) return Promise.reject(new SerialError('serial-closed', `${this.port.path} is closed`));
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      this.port.drain((err) => (err ? reject(new SerialError('serial-write', `${this.port.path}: ${err.message}`)) : resolve()));
    });
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    const l = (b: Buffer) => listener(b);
    this.port.on('data', l);
    return () => void this.port.off('data', l);
  }

  onClose(listener: (err?: SerialError) => void): () => void {
    const l = (err?: Error | null) => listener(err ? new SerialError('serial-closed', `${this.port.path}: ${err.message}`) : undefined);
    this.port.once('close', l);
    return () => void this.port.off('close', l);
  }

  close(): Promise<void> {
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}
