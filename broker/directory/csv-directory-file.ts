/**
 * The CSV directory file (RT-1): one file, a header line, then one row per record, the
 * record's kind in the `type` column. Made for Excel: a UTF-8 BOM and `;` as delimiter (what
 * Danish Excel writes) are accepted, lists sit in one cell separated by `|`, yes/no cells
 * accept ja/nej. Every problem names its line, its column number and the column's header.
 */
import { parse } from 'csv-parse/sync';
import type { CsvError, InfoRecord } from 'csv-parse/sync';
import type { DirectoryData, DirectoryProblem } from './directory.js';
import type { FileProblem, FileReading } from './directory-file.js';

/** Every column, in the order export writes them. */
export const CSV_COLUMNS = [
  'type', 'id', 'name', 'dept', 'title', 'extension', 'number', 'leader', 'preferred', 'members', 'competencies', 'tasks',
  'phone_hours', 'sensitive', 'switchboard_agreement', 'callback_workdays', 'web', 'digital_mail', 'cpr_days', 'districts',
  'role', 'auto_divert_meetings', 'kind', 'person', 'max_hops',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

export const ROW_TYPES = ['municipality', 'department', 'group', 'person', 'device'] as const;
type RowType = (typeof ROW_TYPES)[number];
type Collection = 'departments' | 'groups' | 'people' | 'devices';

/**
 * How a cell becomes a value: `text` is taken as written (names, phone hours, web addresses);
 * `word` is trimmed (ids, numbers, enums); `list` is split at `|`; `yes-no`, `whole` and
 * `days` (a CPR birth-day range such as `1-15`) are converted, or the cell is a problem.
 */
type CellKind = 'text' | 'word' | 'list' | 'yes-no' | 'whole' | 'days';

interface Field {
  column: CsvColumn;
  /** where the value goes in the record: `phoneHours`, `caseSplit.birthDays`, … */
  key: string;
  kind: CellKind;
  required?: boolean;
}

const f = (column: CsvColumn, key: string, kind: CellKind, required = false): Field => ({ column, key, kind, required });

const ROWS: Record<RowType, { collection: Collection | null; fields: Field[] }> = {
  municipality: { collection: null, fields: [f('name', 'municipality', 'text', true), f('max_hops', 'settings.maxHops', 'whole')] },
  department: {
    collection: 'departments',
    fields: [
      f('id', 'id', 'word', true), f('name', 'name', 'text', true), f('phone_hours', 'phoneHours', 'text', true), f('tasks', 'tasks', 'list'),
      f('sensitive', 'sensitive', 'yes-no'), f('switchboard_agreement', 'switchboardAgreement', 'yes-no'),
      f('callback_workdays', 'callbackWorkdays', 'whole'), f('web', 'web', 'text'), f('digital_mail', 'digitalMail', 'yes-no'),
    ],
  },
  group: {
    collection: 'groups',
    fields: [
      f('id', 'id', 'word', true), f('name', 'name', 'text', true), f('dept', 'dept', 'word', true), f('number', 'number', 'word', true),
      f('members', 'members', 'list', true), f('phone_hours', 'phoneHours', 'text'), f('tasks', 'tasks', 'list'),
    ],
  },
  person: {
    collection: 'people',
    fields: [
      f('id', 'id', 'word', true), f('name', 'name', 'text', true), f('title', 'title', 'text'), f('dept', 'dept', 'word', true),
      f('extension', 'extension', 'word', true), f('leader', 'leader', 'word'), f('preferred', 'preferred', 'list'),
      f('competencies', 'competencies', 'list'), f('cpr_days', 'caseSplit.birthDays', 'days'), f('districts', 'caseSplit.districts', 'list'),
      f('role', 'role', 'word'), f('auto_divert_meetings', 'autoDivertMeetings', 'yes-no'),
    ],
  },
  device: { collection: 'devices', fields: [f('id', 'id', 'word', true), f('kind', 'kind', 'word', true), f('person', 'person', 'word')] },
};

const TYPE_OF: Record<Collection, RowType> = { departments: 'department', groups: 'group', people: 'person', devices: 'device' };
const YES = ['ja', 'yes', 'true', '1'];
const NO = ['nej', 'no', 'false', '0'];

// ---------------------------------------------------------------------------------- export

/** Header and rows: municipality, departments, groups, people, devices; `,` between cells. */
export function writeCsvDirectory(d: DirectoryData): string {
  const rows: Partial<Record<CsvColumn, string>>[] = [
    { type: 'municipality', name: d.municipality, max_hops: String(d.settings.maxHops) },
    ...d.departments.map((x) => ({
      type: 'department', id: x.id, name: x.name, phone_hours: x.phoneHours, tasks: list(x.tasks), sensitive: yesNo(x.sensitive),
      switchboard_agreement: yesNo(x.switchboardAgreement), callback_workdays: String(x.callbackWorkdays), web: x.web ?? '', digital_mail: yesNo(x.digitalMail),
    })),
    ...d.groups.map((x) => ({
      type: 'group', id: x.id, name: x.name, dept: x.dept, number: x.number, members: list(x.members), phone_hours: x.phoneHours ?? '', tasks: list(x.tasks),
    })),
    ...d.people.map((x) => ({
      type: 'person', id: x.id, name: x.name, title: x.title ?? '', dept: x.dept, extension: x.extension, leader: x.leader ?? '',
      preferred: list(x.preferred), competencies: list(x.competencies), role: x.role, auto_divert_meetings: yesNo(x.autoDivertMeetings),
      cpr_days: x.caseSplit?.birthDays ? x.caseSplit.birthDays.join('-') : '', districts: list(x.caseSplit?.districts ?? []),
    })),
    ...d.devices.map((x) => ({ type: 'device', id: x.id, kind: x.kind, person: x.person ?? '' })),
  ];
  const line = (cells: readonly string[]) => cells.map(quote).join(',');
  return [line(CSV_COLUMNS), ...rows.map((r) => line(CSV_COLUMNS.map((c) => r[c] ?? '')))].join('\n') + '\n';
}

const yesNo = (b: boolean) => (b ? 'ja' : 'nej');
/** `|` between items; a `|` or `\` inside an item is escaped with `\`. */
const list = (items: readonly string[]) => items.map((s) => s.replace(/[\\|]/g, '\\$&')).join('|');
/** Quoted when it holds a delimiter of either kind, a quote, a line break, or spaces at an end. */
const quote = (cell: string) => (/[",;\r\n]|^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

// ---------------------------------------------------------------------------------- import

interface Row {
  line: number;
  cells: string[];
}

export function readCsvDirectory(text: string): FileReading {
  const problems: FileProblem[] = [];
  const problem = (line: number, column: number, path: string, message: string) => problems.push({ line, column, path, message });
  const rows = splitRows(text, problem);
  // a row csv-parse could not read is missing: checking the rows against each other would mislead
  const unreadRows = problems.length > 0;
  // the header is the first line with anything on it
  const start = rows.findIndex((r) => r.cells.some((c) => c.trim() !== ''));
  const head = rows[start];
  const body = rows.slice(start + 1);
  const none: FileReading = { problems, locate: () => [] };
  if (!head) return none;

  // the header: known columns in any order, each once
  const headers = head.cells.map((h) => h.trim().toLowerCase());
  const at = new Map<CsvColumn, number>(); // column → 0-based index
  const known = (h: string): h is CsvColumn => (CSV_COLUMNS as readonly string[]).includes(h);
  if (!headers.some(known)) {
    // nothing else is worth saying about a file that is not a directory CSV at all
    const notCsv = { line: head.line, column: 1, path: '(file)', message: `not a directory CSV: the first line must be the header, e.g. ${CSV_COLUMNS.slice(0, 6).join(',')},…` };
    return { problems: [notCsv], locate: () => [] };
  }
  headers.forEach((h, i) => {
    if (h === '') return;
    if (!known(h)) problem(head.line, i + 1, h, `unknown column "${head.cells[i]!.trim()}"; the columns are ${CSV_COLUMNS.join(', ')}`);
    else if (at.has(h)) problem(head.line, i + 1, h, `column "${h}" appears twice (also column ${at.get(h)! + 1})`);
    else at.set(h, i);
  });
  const typeAt = at.get('type');
  if (typeAt === undefined) {
    problem(head.line, 1, 'type', `the "type" column is missing: it says what each row is (${ROW_TYPES.join(', ')})`);
    return none;
  }
  const data = body.filter((r) => r.cells.some((c) => c.trim() !== ''));
  const typeOf = (r: Row) => r.cells[typeAt]?.trim().toLowerCase() ?? '';
  const present = new Set(data.map(typeOf));
  let columnsMissing = false;
  for (const type of ROW_TYPES) {
    if (!present.has(type)) continue;
    for (const field of ROWS[type].fields) {
      if (!field.required || at.has(field.column)) continue;
      problem(head.line, 1, field.column, `the "${field.column}" column is missing; ${type} rows need it`);
      columnsMissing = true;
    }
  }

  // the rows
  const raw = { municipality: undefined as unknown, settings: undefined as unknown, departments: [] as unknown[], groups: [] as unknown[], people: [] as unknown[], devices: [] as unknown[] };
  const lines: Record<Collection, number[]> = { departments: [], groups: [], people: [], devices: [] };
  let municipalityLine: number | null = null;
  const dropped = new Set<string>();
  for (const row of data) {
    const cell = (i: number) => row.cells[i] ?? '';
    row.cells.forEach((c, i) => {
      if (c.trim() !== '' && (i >= headers.length || headers[i] === '')) problem(row.line, i + 1, '(no column)', 'a cell in a column without a header');
    });
    const type = typeOf(row);
    if (!(ROW_TYPES as readonly string[]).includes(type)) {
      const what = type === '' ? 'the type is empty' : `unknown row type "${cell(typeAt).trim()}"`;
      problem(row.line, typeAt + 1, 'type', `${what}; use ${ROW_TYPES.join(', ')}`);
      const id = at.has('id') ? cell(at.get('id')!).trim() : '';
      if (id) dropped.add(id);
      continue;
    }
    const spec = ROWS[type as RowType];
    if (type === 'municipality' && municipalityLine !== null) {
      problem(row.line, typeAt + 1, 'type', `a second municipality row (the first is on line ${municipalityLine}); there is exactly one`);
      continue;
    }
    const record: Record<string, unknown> = {};
    for (const [column, i] of at) {
      if (column === 'type') continue;
      const value = cell(i);
      const field = spec.fields.find((x) => x.column === column);
      if (!field) {
        if (value.trim() !== '') problem(row.line, i + 1, column, `the ${column} column does not apply to a ${type} row; leave it empty`);
        continue;
      }
      if (field.kind === 'text' ? value === '' : value.trim() === '') continue; // RT-1: empty means the default
      const converted = convert(value, field.kind);
      if ('problem' in converted) problem(row.line, i + 1, column, converted.problem);
      else setPath(record, field.key, converted.value);
    }
    if (type === 'municipality') {
      municipalityLine = row.line;
      raw.municipality = record['municipality'];
      raw.settings = record['settings'];
    } else {
      raw[spec.collection!].push(record);
      lines[spec.collection!].push(row.line);
    }
  }
  if (municipalityLine === null && !unreadRows) problem(head.line, 1, '(file)', 'no municipality row: add one row with type "municipality" and the name');

  const locate = (p: DirectoryProblem): FileProblem[] => locateProblem(p, { at, lines, municipalityLine, head: head.line, raw });
  if (columnsMissing || unreadRows) return { problems, locate };
  return { problems, raw, dropped, locate };
}

/** The rows with the line each starts on; csv-parse's own errors become problems. */
function splitRows(text: string, problem: (line: number, column: number, path: string, message: string) => void): Row[] {
  const rows: Row[] = [];
  let end = 0; // the line the previous record ended on
  const firstLine = text.split(/\r\n|\n|\r/).find((l) => l.trim() !== '') ?? '';
  const delimiter = count(firstLine, ';') > count(firstLine, ',') ? ';' : ',';
  try {
    parse(text, {
      delimiter,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      relax_quotes: true,
      // spaces around an unquoted cell go (`a, b`); a quoted cell keeps them, and export quotes such cells
      trim: true,
      skip_records_with_error: true,
      info: true,
      raw: true,
      on_record: (rec: unknown, context: InfoRecord) => {
        const { record, raw } = rec as { record: string[]; raw: string };
        // a quoted cell may hold line breaks: the record starts that many lines before it ends
        const breaks = raw.replace(/(\r\n|\n|\r)$/, '').match(/\r\n|\n|\r/g)?.length ?? 0;
        rows.push({ line: context.lines - breaks, cells: record });
        end = context.lines;
        return null;
      },
      on_skip: (err: CsvError | undefined) => {
        if (!err) return undefined;
        const line = end + 1;
        const column = typeof err['column'] === 'number' ? err['column'] + 1 : 1;
        const at = typeof err['lines'] === 'number' ? err['lines'] : line;
        if (err.code === 'CSV_QUOTE_NOT_CLOSED') problem(line, column, '(syntax)', 'a quoted cell is never closed: the quote opens in this row');
        else if (err.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE' || err.code === 'CSV_INVALID_CLOSING_QUOTE') {
          // csv-parse stops reading at this one
          problem(at, column, '(syntax)', 'text after the closing quote of a cell (inside a quoted cell a quote is written ""); the rows after it are read once this is fixed');
        } else problem(at, column, '(syntax)', err.message);
        if (typeof err['lines'] === 'number') end = err['lines'];
        return undefined;
      },
    });
  } catch (err) {
    problem(end + 1, 1, '(syntax)', `cannot read the CSV: ${(err as Error).message}`);
  }
  return rows;
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

function convert(value: string, kind: CellKind): { value: unknown } | { problem: string } {
  const v = value.trim();
  switch (kind) {
    case 'text':
      return { value };
    case 'word':
      return { value: v };
    case 'list':
      return { value: splitList(v) };
    case 'yes-no': {
      const lower = v.toLowerCase();
      if (YES.includes(lower)) return { value: true };
      if (NO.includes(lower)) return { value: false };
      return { problem: `"${v}" is not yes or no; use ja/nej, yes/no, true/false or 1/0` };
    }
    case 'whole':
      return /^[0-9]{1,6}$/.test(v) ? { value: Number(v) } : { problem: `"${v}" is not a whole number` };
    case 'days': {
      // RT-1: the citizens' CPR birth days, first-last (an en dash as Excel may write it is fine)
      const m = /^([0-9]{1,2})\s*(?:[-–]\s*([0-9]{1,2}))?$/.exec(v);
      return m ? { value: [Number(m[1]), Number(m[2] ?? m[1])] } : { problem: `"${v}" is not a range of CPR birth days such as 1-15` };
    }
  }
}

/** Items between unescaped `|`, trimmed; empty items are left out. */
function splitList(cell: string): string[] {
  const items: string[] = [];
  let item = '';
  for (let i = 0; i < cell.length; i++) {
    const ch = cell[i]!;
    const next = cell[i + 1];
    if (ch === '\\' && (next === '|' || next === '\\')) {
      item += next;
      i++;
    } else if (ch === '|') {
      items.push(item);
      item = '';
    } else item += ch;
  }
  items.push(item);
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const [first, ...rest] = key.split('.');
  if (rest.length === 0) {
    target[first!] = value;
    return;
  }
  const inner = (target[first!] ??= {}) as Record<string, unknown>;
  setPath(inner, rest.join('.'), value);
}

interface Where {
  at: ReadonlyMap<CsvColumn, number>;
  lines: Record<Collection, number[]>;
  municipalityLine: number | null;
  head: number;
  raw: { departments: unknown[]; groups: unknown[]; people: unknown[]; devices: unknown[] };
}

/** `people.3.extension` → the person's row, the extension column; the path becomes the header. */
function locateProblem(p: DirectoryProblem, w: Where): FileProblem[] {
  const segments = p.path.split('.');
  const [head, index, ...rest] = segments;
  const refs = (message: string) =>
    message.replace(/\b(departments|groups|people|devices)\.(\d+)\b/g, (ref, c: Collection, i: string) => {
      const line = w.lines[c][Number(i)];
      return line === undefined ? ref : `line ${line}`;
    });
  let line: number;
  let fields: Field[];
  let key: string[];
  let record: unknown;
  if (head === 'municipality' || head === 'settings') {
    // without a municipality row, that is the problem already reported
    if (w.municipalityLine === null) return [];
    line = w.municipalityLine;
    fields = ROWS.municipality.fields;
    key = segments;
    record = undefined;
  } else if ((head === 'departments' || head === 'groups' || head === 'people' || head === 'devices') && index !== undefined && w.lines[head][Number(index)] !== undefined) {
    line = w.lines[head][Number(index)]!;
    fields = ROWS[TYPE_OF[head]].fields;
    key = rest;
    record = w.raw[head][Number(index)];
  } else {
    // the directory as a whole, e.g. no department rows at all
    const none = head === 'departments' && /^Too small/.test(p.message);
    return [{ line: w.head, column: 1, path: p.path, message: none ? 'no department rows; a directory needs at least one' : p.message }];
  }
  // the field whose key is the longest prefix of the rest of the path
  let field: Field | undefined;
  let depth = 0;
  for (const x of fields) {
    const parts = x.key.split('.');
    if (parts.length > depth && parts.every((part, i) => key[i] === part)) {
      field = x;
      depth = parts.length;
    }
  }
  field ??= fields.find((x) => x.key.split('.')[0] === key[0]);
  const column = field ? w.at.get(field.column) : undefined;
  if (!field || column === undefined) {
    return [{ line, column: (w.at.get('type') ?? 0) + 1, path: field?.column ?? 'type', message: refs(p.message) }];
  }
  let message = refs(p.message);
  if (/received undefined$/.test(message)) message = `required; the ${field.column} cell is empty`;
  const item = key[depth];
  if (field.kind === 'list' && item !== undefined && /^\d+$/.test(item)) {
    // which item of the list: name it unless the message does
    const value = valueAt(record, [...field.key.split('.'), Number(item)]);
    if (typeof value === 'string' && !message.includes(`"${value}"`)) message = `"${value}": ${message}`;
  }
  return [{ line, column: column + 1, path: field.column, message }];
}

function valueAt(x: unknown, path: (string | number)[]): unknown {
  let v: unknown = x;
  for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}
