/**
 * The filesystem port of the boot slots: the few synchronous calls they make, so a test can
 * cut the power at any one of them (firmware/boot/boot-slots.ts). The default is node:fs.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface BootFs {
  /** the file's bytes; throws ENOENT when missing */
  readFile(file: string): Buffer;
  exists(p: string): boolean;
  readdir(dir: string): string[];
  /** makes a folder and its parents */
  mkdir(dir: string): void;
  /** creates or truncates `file` and writes `data` (not yet durable: fsync it) */
  writeFile(file: string, data: Uint8Array, mode?: number): void;
  /** makes a file's bytes, or a folder's entries, durable */
  fsync(p: string): void;
  rename(from: string, to: string): void;
  /** removes a file or a folder tree; nothing when missing */
  rm(p: string): void;
}

export const nodeBootFs: BootFs = {
  readFile: (file) => readFileSync(file),
  exists: (p) => existsSync(p),
  readdir: (dir) => readdirSync(dir),
  mkdir: (dir) => void mkdirSync(dir, { recursive: true }),
  writeFile(file, data, mode = 0o644) {
    const fd = openSync(file, 'w', mode);
    try {
      let at = 0;
      while (at < data.length) at += writeSync(fd, data, at, data.length - at);
    } finally {
      closeSync(fd);
    }
  },
  fsync(p) {
    const fd = openSync(p, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
  rename: (from, to) => renameSync(from, to),
  rm: (p) => rmSync(p, { recursive: true, force: true }),
};
