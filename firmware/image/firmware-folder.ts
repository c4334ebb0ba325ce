/**
 * Reads the built firmware folder (`dist/firmware/`: the bundle and its native addons) into
 * archive entries for an image.
 */
import { lstatSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { ArchiveEntry } from './file-archive.js';

export const FIRMWARE_ENTRY = 'omstil-firmware.js';

export class FirmwareFolderError extends Error {
  override readonly name = 'FirmwareFolderError';
}

/** Every regular file under `dir`, with `/`-separated relative paths. Refuses symlinks and special files. */
export function readFirmwareFolder(dir: string): ArchiveEntry[] {
  if (!existsSync(path.join(dir, FIRMWARE_ENTRY))) {
    throw new FirmwareFolderError(`${path.join(dir, FIRMWARE_ENTRY)} is missing: run \`npm run build\` first`);
  }
  const out: ArchiveEntry[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      const full = path.join(dir, relPath);
      const st = lstatSync(full);
      if (st.isDirectory()) walk(relPath);
      else if (st.isFile()) out.push({ path: relPath, mode: st.mode & 0o111 ? 0o755 : 0o644, data: readFileSync(full) });
      else throw new FirmwareFolderError(`${full}: not a regular file or folder (symlinks are not packed)`);
    }
  };
  walk('');
  return out;
}
