/**
 * Structured logs on the device's disk: one JSON record per line, rotated by size with a
 * bounded number of old files (rotating-file-stream), so months unattended never fill it.
 */
import { createStream } from 'rotating-file-stream';
import type { LogRecord } from '../../protocol/index.js';

export interface FileLogOptions {
  dir: string;
  /** rotate when the file passes this size */
  maxBytes: number;
  /** rotated files kept */
  files: number;
  fileName?: string;
}

export interface FileLog {
  write(record: LogRecord): void;
  close(): Promise<void>;
}

export function rotatingFileLog(opts: FileLogOptions): FileLog {
  const fileName = opts.fileName ?? 'omstil-firmware.log';
  // rotated files are named by time (20261203-0900-01-omstil-firmware.log); the history file lists them
  const stream = createStream(fileName, { path: opts.dir, size: `${Math.max(1, Math.floor(opts.maxBytes / 1024))}K`, maxFiles: opts.files, history: `${fileName}.history` });
  // a full disk or a removed folder must not take the device down; the next write tries again
  stream.on('error', () => {});
  return {
    write: (record) => void stream.write(JSON.stringify(record) + '\n'),
    close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}
