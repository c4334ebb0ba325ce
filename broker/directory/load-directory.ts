import { readFile } from 'node:fs/promises';
import { Directory, DirectoryError } from './directory.js';

/** Reads and validates a directory file (JSON). */
export async function loadDirectory(file: string): Promise<Directory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DirectoryError([{ path: '(file)', message: `cannot read ${file}: ${(err as Error).message}` }], file);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DirectoryError([{ path: '(file)', message: `not JSON: ${(err as Error).message}` }], file);
  }
  return Directory.parse(raw, file);
}
