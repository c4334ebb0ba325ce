import { readFile } from 'node:fs/promises';
import { Directory, DirectoryError } from './directory.js';
import { formatFromName, parseDirectoryFile } from './directory-file.js';

/**
 * Reads and validates a directory file (JSON or CSV, by extension). Every problem is
 * reported with its line and column; nothing is returned when anything is wrong.
 */
export async function loadDirectory(file: string): Promise<Directory> {
  const format = formatFromName(file);
  if (!format) throw new DirectoryError([{ path: '(file)', message: `cannot tell the format of ${file}: name it .json or .csv` }], file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DirectoryError([{ path: '(file)', message: `cannot read ${file}: ${(err as Error).message}` }], file);
  }
  const parsed = parseDirectoryFile(text, format);
  if (!parsed.ok) {
    throw new DirectoryError(
      parsed.problems.map((p) => ({ path: `line ${p.line}, column ${p.column} (${p.path})`, message: p.message })),
      file,
    );
  }
  return Directory.parse(parsed.data, file);
}
