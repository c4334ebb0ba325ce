/**
 * The payload of a firmware image: the files of `dist/firmware/` (the bundle and its native
 * addons) in a small container of our own. Deterministic (sorted paths, no times, no owners),
 * so the same build gives the same bytes; readable without streams, so the device's updater
 * can check it before writing a single file. Pure: Buffer only.
 *
 * Layout (integers big-endian):
 *
 *   "OMSTILAR"  8 bytes  magic
 *   count       4 bytes  number of files
 *   per file, sorted by path:
 *     pathLen   2 bytes  then the path: UTF-8, relative, `/`-separated, no `.` or `..` parts
 *     mode      2 bytes  0o644 or 0o755 (only the execute bit is kept)
 *     size      4 bytes  then the file's bytes
 */
import { Buffer } from 'node:buffer';

export const ARCHIVE_MAGIC = Buffer.from('OMSTILAR', 'latin1');
const MAX_PATH = 1024;

export interface ArchiveEntry {
  /** relative, `/`-separated */
  path: string;
  mode: 0o644 | 0o755;
  data: Uint8Array;
}

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

/** A path the archive may hold: relative, no empty, `.` or `..` parts, no backslashes or NULs. */
export function isSafePath(p: string): boolean {
  if (p.length === 0 || p.length > MAX_PATH || p.startsWith('/') || /[\\\0]/.test(p)) return false;
  return p.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

export function packFiles(entries: readonly ArchiveEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const parts: Buffer[] = [ARCHIVE_MAGIC, u32(sorted.length)];
  let previous: string | null = null;
  for (const e of sorted) {
    if (!isSafePath(e.path)) throw new ArchiveError(`not a safe relative path: ${JSON.stringify(e.path)}`);
    if (e.path === previous) throw new ArchiveError(`the same path twice: ${e.path}`);
    previous = e.path;
    const name = Buffer.from(e.path, 'utf8');
    const head = Buffer.alloc(8);
    head.writeUInt16BE(name.length, 0);
    head.writeUInt16BE(e.mode === 0o755 ? 0o755 : 0o644, 2);
    head.writeUInt32BE(e.data.length, 4);
    parts.push(head.subarray(0, 2), name, head.subarray(2), Buffer.from(e.data.buffer, e.data.byteOffset, e.data.length));
  }
  return Buffer.concat(parts);
}

/** Reads an archive; throws ArchiveError naming what is wrong. The entries' data are views into `bytes`. */
export function unpackFiles(bytes: Uint8Array): ArchiveEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const need = (at: number, n: number, what: string) => {
    if (at + n > buf.length) throw new ArchiveError(`archive truncated in ${what} at byte ${at}`);
  };
  need(0, 12, 'the header');
  if (!buf.subarray(0, 8).equals(ARCHIVE_MAGIC)) throw new ArchiveError('not an omstil archive (wrong magic)');
  const count = buf.readUInt32BE(8);
  const out: ArchiveEntry[] = [];
  let at = 12;
  for (let i = 0; i < count; i++) {
    need(at, 2, `file ${i + 1}'s path length`);
    const nameLen = buf.readUInt16BE(at);
    need(at + 2, nameLen + 6, `file ${i + 1}'s header`);
    const p = buf.toString('utf8', at + 2, at + 2 + nameLen);
    if (!isSafePath(p)) throw new ArchiveError(`file ${i + 1}: not a safe relative path: ${JSON.stringify(p)}`);
    if (out.length > 0 && p <= out[out.length - 1]!.path) throw new ArchiveError(`file ${i + 1}: ${p} is out of order or repeated`);
    at += 2 + nameLen;
    const mode = buf.readUInt16BE(at);
    if (mode !== 0o644 && mode !== 0o755) throw new ArchiveError(`${p}: mode ${mode.toString(8)} is neither 644 nor 755`);
    const size = buf.readUInt32BE(at + 2);
    at += 6;
    need(at, size, `${p}'s data`);
    out.push({ path: p, mode, data: buf.subarray(at, at + size) });
    at += size;
  }
  if (at !== buf.length) throw new ArchiveError(`${buf.length - at} stray bytes after the last file`);
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}
