/**
 * The directory file formats of `omstil import FILE` and `omstil export` (RT-1): JSON in the
 * DirectorySpec shape, or one CSV file with a row per record. Pure: text in, data or every
 * problem (with line and column) out, and data in, text out. Export → import round-trips.
 */
import type { z } from 'zod';
import { Id } from '../../protocol/index.js';
import { DepartmentSpec, DeviceSpec, DirectorySpec, GroupSpec, PersonSpec, validateDirectory, type DirectoryData, type DirectoryProblem } from './directory.js';
import { readCsvDirectory, writeCsvDirectory } from './csv-directory-file.js';
import { readJsonDirectory, textPositions, writeJsonDirectory } from './json-directory-file.js';

export type DirectoryFormat = 'json' | 'csv';

/** A problem in a directory file; line and column are 1-based. */
export interface FileProblem {
  line: number;
  column: number;
  /** JSON: the directory path (`people.3.dept`); CSV: the column header (`dept`); `(file)` for the file as a whole */
  path: string;
  message: string;
}

export type FileParse = { ok: true; data: DirectoryData } | { ok: false; problems: FileProblem[] };

/** What a format reader hands back before the directory model has had its say. */
export interface FileReading {
  /** syntax and row-level problems */
  problems: FileProblem[];
  /** the directory as plain data, when the file could be turned into one */
  raw?: unknown;
  /** ids of records the reader had to leave out (e.g. a row of unknown type); references to them are not reported again */
  dropped?: ReadonlySet<string>;
  /** where a directory problem sits in the text (several problems when one names several keys) */
  locate(problem: DirectoryProblem): FileProblem[];
}

/** The format a file name implies, by its extension. */
export function formatFromName(file: string): DirectoryFormat | null {
  const ext = /\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase();
  return ext === 'json' || ext === 'csv' ? ext : null;
}

/** RT-1: reads a whole directory file; nothing is returned when anything is wrong. */
export function parseDirectoryFile(text: string, format: DirectoryFormat): FileParse {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const unreadable = unreadableText(body, format);
  if (unreadable) return { ok: false, problems: [unreadable] };
  const reading = format === 'json' ? readJsonDirectory(body) : readCsvDirectory(body);
  const problems = [...reading.problems];
  let data: DirectoryData | undefined;
  if (reading.raw !== undefined) {
    const checked = validateEveryRecord(reading.raw, reading.dropped ?? new Set());
    for (const p of checked.problems) problems.push(...reading.locate({ path: p.path, message: p.message.trim() }));
    data = checked.data;
  }
  if (problems.length > 0 || !data) {
    if (problems.length === 0) problems.push({ line: 1, column: 1, path: '(file)', message: 'no directory could be read from the file' });
    return { ok: false, problems: sortProblems(problems) };
  }
  return { ok: true, data };
}

/** JSON: the full normalized data; CSV: a header and one row per record. */
export function formatDirectoryFile(data: DirectoryData, format: DirectoryFormat): string {
  return format === 'json' ? writeJsonDirectory(data) : writeCsvDirectory(data);
}

/** One line per problem, `file:LINE:COL  path: message`, in file order. */
export function formatProblems(problems: FileProblem[], file: string): string {
  return sortProblems(problems)
    .map((p) => `${file}:${p.line}:${p.column}  ${p.path}: ${p.message}`)
    .join('\n');
}

function sortProblems(problems: FileProblem[]): FileProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** An empty file, or one that is not UTF-8 text, gets one clear problem instead of a parse. */
function unreadableText(text: string, format: DirectoryFormat): FileProblem | null {
  const expected = format === 'json' ? 'a directory in JSON' : 'a directory in CSV (a header line, then one row per record)';
  if (text.trim() === '') return { line: 1, column: 1, path: '(file)', message: `the file is empty; expected ${expected}` };
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    return { ...textPositions(text)(nul), path: '(file)', message: `not a text file (binary data here); expected ${expected}` };
  }
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) {
    return {
      ...textPositions(text)(bad),
      path: '(file)',
      message: 'not UTF-8 text (an invalid character here); save the file as UTF-8 (in Excel: "CSV UTF-8")',
    };
  }
  return null;
}

const COLLECTIONS = ['departments', 'groups', 'people', 'devices'] as const;
type Collection = (typeof COLLECTIONS)[number];
const RECORD_SPECS = { departments: DepartmentSpec, groups: GroupSpec, people: PersonSpec, devices: DeviceSpec } as const;
const RECORD_REF = /\b(departments|groups|people|devices)\.(\d+)\b/g;

/**
 * validateDirectory stops at shape problems: references, duplicates and phone hours are
 * cross-checked only once every record has the right shape. A file with a bad extension and
 * an unknown department must report both, so after shape problems the cross-checks run
 * again on a well-formed stand-in: each malformed field replaced by its default or by a
 * value that cannot cause a cross-check problem of its own. A record that cannot stand in
 * (no department to give it, a bad member list) is left out, and references to it, like
 * references to rows the reader left out, are not reported: the file does name them.
 */
function validateEveryRecord(raw: unknown, dropped: ReadonlySet<string>): { data?: DirectoryData; problems: DirectoryProblem[] } {
  const whole = validateDirectory(raw);
  if (whole.ok) return { data: whole.data, problems: [] };
  const shapeOk = DirectorySpec.safeParse(raw).success;
  if (shapeOk) return { problems: whole.problems.map(clearer).filter((p) => !namesMissing(p, dropped, dropped)) };

  const shape = whole.problems.map(clearer);
  const stand = isObject(raw) ? standIn(raw) : null;
  if (!stand) return { problems: shape };
  const rest = validateDirectory(stand.data);
  if (rest.ok || !DirectorySpec.safeParse(stand.data).success) return { problems: shape };
  const missingDepts = new Set([...dropped, ...stand.left.departments]);
  const missingPeople = new Set([...dropped, ...stand.left.people]);
  const back = (text: string) => text.replace(RECORD_REF, (_, c: Collection, i: string) => `${c}.${stand.origin[c][Number(i)] ?? i}`);
  const crossed = rest.problems
    .filter((p) => !namesMissing(p, missingDepts, missingPeople))
    .map((p) => clearer({ path: back(p.path), message: back(p.message) }));
  return { problems: [...shape, ...crossed] };
}

interface StandIn {
  data: Record<string, unknown>;
  /** index in the stand-in → index in the file */
  origin: Record<Collection, number[]>;
  /** ids of the records left out */
  left: Record<Collection, string[]>;
}

function standIn(raw: Record<string, unknown>): StandIn | null {
  const lists = {} as Record<Collection, unknown[]>;
  for (const c of COLLECTIONS) {
    const list = raw[c] ?? [];
    // without the departments or the people every reference would be unknown: no use cross-checking
    if (!Array.isArray(list)) {
      if (c === 'departments' || c === 'people') return null;
      lists[c] = [];
    } else lists[c] = list;
  }
  // stand-in ids and numbers must not collide with any in the file
  const taken = new Set<unknown>();
  for (const c of COLLECTIONS) for (const r of lists[c]) if (isObject(r)) ['id', 'extension', 'number'].forEach((k) => taken.add(r[k]));
  let n = 0;
  const fresh = (make: () => string) => {
    let v = make();
    while (taken.has(v)) v = make();
    taken.add(v);
    return v;
  };
  const freshId = () => fresh(() => `malformed-${++n}`);
  let k = 100_000_000;
  const freshNumber = () => fresh(() => String(--k));
  const someDept = lists.departments.map((d) => (isObject(d) ? d['id'] : undefined)).find((id) => Id.safeParse(id).success);

  const data: Record<string, unknown> = {
    municipality: DirectorySpec.shape.municipality.safeParse(raw['municipality']).success ? raw['municipality'] : '-',
    settings: DirectorySpec.shape.settings.safeParse(raw['settings']).success ? raw['settings'] : undefined,
  };
  const origin = {} as StandIn['origin'];
  const left = {} as StandIn['left'];
  for (const c of COLLECTIONS) {
    const spec = RECORD_SPECS[c];
    const kept: unknown[] = [];
    origin[c] = [];
    left[c] = [];
    lists[c].forEach((record, i) => {
      const fix = (key: string): unknown => {
        const r = record as Record<string, unknown>;
        switch (key) {
          case 'id': return freshId();
          case 'name': return '-';
          case 'phoneHours': return '24/7';
          case 'extension':
          case 'number': return freshNumber();
          case 'dept': return someDept;
          case 'kind': return DeviceSpec.shape.person.safeParse(r['person']).data ? 'phone' : 'kiosk';
          default: return undefined; // e.g. members: no stand-in
        }
      };
      const out = isObject(record) ? wellFormed(spec, record, fix) : null;
      if (out) {
        kept.push(out);
        origin[c].push(i);
      } else if (isObject(record) && typeof record['id'] === 'string') left[c].push(record['id']);
    });
    data[c] = kept;
  }
  return { data, origin, left };
}

/** The record's well-formed fields; a malformed one gets its default, or `fix`'s stand-in. */
function wellFormed(spec: z.ZodObject, record: Record<string, unknown>, fix: (key: string) => unknown): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(spec.shape) as [string, z.ZodType][]) {
    const value = record[key];
    if (schema.safeParse(value).success) {
      if (value !== undefined) out[key] = value;
    } else if (!schema.safeParse(undefined).success) {
      const v = fix(key);
      if (v === undefined) return null;
      out[key] = v;
    }
  }
  return spec.safeParse(out).success ? out : null;
}

/** A cross-check problem about a reference to a record that is left out. */
function namesMissing(p: DirectoryProblem, depts: ReadonlySet<string>, people: ReadonlySet<string>): boolean {
  const m = /^unknown (department|person) "([^"]*)"$/.exec(p.message);
  if (!m) return false;
  return (m[1] === 'department' ? depts : people).has(m[2]!);
}

/** Zod's union message says nothing about what is allowed. */
function clearer(p: DirectoryProblem): DirectoryProblem {
  if (p.path.endsWith('.callbackWorkdays') && p.message === 'Invalid input') return { ...p, message: 'must be 1 or 2 (workdays, AS-2)' };
  return p;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
