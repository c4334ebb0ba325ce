/**
 * The bootloader's ResumeStore and ChunkSink as two files in the device's folder, so a power
 * cut (the bootloader object dropped, a new one made on the same folder) resumes from the last
 * ACKed offset: `flash-staging.bin` holds the compressed stream received so far,
 * `flash-resume.json` the resume point, replaced atomically (write + rename). The sink may hold
 * more bytes than the point says (cut between the append and the save): BEGIN truncates them.
 * No fsync: the simulator's power cut drops the process state, not the kernel's page cache.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChunkSink, ResumeStore } from '../../firmware/flash/flash-session.js';

export const STAGING_FILE = 'flash-staging.bin';
export const RESUME_FILE = 'flash-resume.json';

export function fileFlashStorage(dir: string): { store: ResumeStore; sink: ChunkSink } {
  mkdirSync(dir, { recursive: true });
  const staging = path.join(dir, STAGING_FILE);
  const resume = path.join(dir, RESUME_FILE);
  const size = (): number => {
    try {
      return statSync(staging).size;
    } catch {
      return 0;
    }
  };
  return {
    store: {
      load() {
        let raw: unknown;
        try {
          raw = JSON.parse(readFileSync(resume, 'utf8'));
        } catch {
          return null; // none, or torn: start over
        }
        const p = raw as { sha256?: unknown; offset?: unknown };
        return typeof p.sha256 === 'string' && /^[0-9a-f]{64}$/.test(p.sha256) && Number.isSafeInteger(p.offset) && (p.offset as number) >= 0
          ? { sha256: p.sha256, offset: p.offset as number }
          : null;
      },
      save(point) {
        const tmp = `${resume}.tmp`;
        writeFileSync(tmp, JSON.stringify({ sha256: point.sha256, offset: point.offset }));
        renameSync(tmp, resume);
      },
      clear() {
        rmSync(resume, { force: true });
      },
    },
    sink: {
      size,
      append(bytes) {
        appendFileSync(staging, bytes);
      },
      truncate(offset) {
        if (offset === 0) return rmSync(staging, { force: true });
        if (size() > offset) truncateSync(staging, offset);
      },
      bytes: () => {
        try {
          return readFileSync(staging);
        } catch {
          return new Uint8Array(0);
        }
      },
    },
  };
}
