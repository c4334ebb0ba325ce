import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse as parseCsv } from 'csv-parse/sync';
import {
  formatDirectoryFile,
  formatFromName,
  formatProblems,
  parseDirectoryFile,
  type DirectoryFormat,
  type FileProblem,
} from '../../../broker/directory/directory-file.js';
import { validateDirectory, type DirectoryData } from '../../../broker/directory/directory.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';

const t = suite('broker/directory/directory-file');

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/directory/${name}`, import.meta.url), 'utf8');

function parsed(text: string, format: DirectoryFormat): DirectoryData {
  const r = parseDirectoryFile(text, format);
  if (!r.ok) assert.unreachable(`refused:\n${formatProblems(r.problems, `file.${format}`)}`);
  return (r as { data: DirectoryData }).data;
}

function problemsOf(text: string, format: DirectoryFormat): FileProblem[] {
  const r = parseDirectoryFile(text, format);
  if (r.ok) assert.unreachable('the file was accepted');
  return r.ok ? [] : r.problems;
}

/** `line:column path` of each problem, in file order. */
const where = (problems: FileProblem[]) => problems.map((p) => `${p.line}:${p.column} ${p.path}`);

function demo(): DirectoryData {
  const v = validateDirectory(demoDirectory());
  if (!v.ok) throw new Error('the demo directory is invalid');
  return v.data;
}

/** A small CSV: columns type1 id2 name3 dept4 extension5 phone_hours6 sensitive7 kind8 person9. */
const HEADER = 'type,id,name,dept,extension,phone_hours,sensitive,kind,person';
const BASE = [
  'municipality,,Testrup,,,,,,',
  'department,familie,Familie,,,Mo-Fr 08:00-15:00,,,',
  'person,anna,Anna,familie,4001,,,,',
  'device,phone-anna,,,,,,phone,anna',
];
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';

// ------------------------------------------------------------------------------ round trips

t('RT-1: valid.csv and valid.json describe the same directory', () => {
  const fromCsv = parsed(fixture('valid.csv'), 'csv');
  const fromJson = parsed(fixture('valid.json'), 'json');
  assert.equal(fromCsv, fromJson);
  // the fixture has what it claims: a leader, preferred colleagues, a case split, the switchboard, a kiosk
  assert.is(fromCsv.departments.length, 2);
  assert.is(fromCsv.departments[0]!.phoneHours, 'Mo-Fr 08:00-15:00; PH off');
  assert.is(fromCsv.groups.length, 1);
  assert.is(fromCsv.people.length, 4);
  assert.is(fromCsv.people[1]!.leader, 'anna');
  assert.equal(fromCsv.people[2]!.preferred, ['bo', 'anna']);
  assert.equal(fromCsv.people[2]!.caseSplit, { birthDays: [16, 31], districts: ['Nord', 'Syd'] });
  assert.is(fromCsv.people[3]!.role, 'switchboard');
  assert.equal(fromCsv.devices[3], { id: 'kiosk-1', kind: 'kiosk', person: null });
  // empty cells are the defaults; ja/nej in any case; spaces around list items go
  assert.equal(fromCsv.departments[0]!.tasks, ['pas', 'kørekort', 'flytning']);
  assert.is(fromCsv.departments[0]!.sensitive, false);
  assert.is(fromCsv.departments[0]!.digitalMail, true);
  assert.is(fromCsv.departments[1]!.sensitive, true);
  assert.is(fromCsv.people[2]!.name, 'Carla "Calle" Dahl');
});

t('RT-1: the demo directory round-trips through CSV exactly', () => {
  const d = demo();
  assert.equal(parsed(formatDirectoryFile(d, 'csv'), 'csv'), d);
});

t('RT-1: the demo directory round-trips through JSON exactly; JSON export is the full normalized data', () => {
  const d = demo();
  const text = formatDirectoryFile(d, 'json');
  assert.is(text, JSON.stringify(d, null, 2) + '\n');
  assert.equal(parsed(text, 'json'), d);
});

t('RT-1: export of the fixture: header, rows in order, delimiters quoted, ja/nej, | lists', () => {
  const text = formatDirectoryFile(parsed(fixture('valid.json'), 'json'), 'csv');
  const lines = text.split('\n');
  assert.is(lines[0], 'type,id,name,dept,title,extension,number,leader,preferred,members,competencies,tasks,phone_hours,sensitive,switchboard_agreement,callback_workdays,web,digital_mail,cpr_days,districts,role,auto_divert_meetings,kind,person,max_hops');
  assert.equal(lines.slice(1, -1).map((l) => l.split(',')[0]), ['municipality', 'department', 'department', 'group', 'person', 'person', 'person', 'person', 'device', 'device', 'device', 'device']);
  assert.is(lines.at(-1), '');
  assert.match(lines[2]!, ',pas|kørekort|flytning,"Mo-Fr 08:00-15:00; PH off",nej,ja,1,https://www.testrup.dk/borgerservice,ja,');
  assert.match(lines[6]!, ',1-15,');
  assert.match(lines[7]!, '"Carla ""Calle"" Dahl"');
});

t('RT-1: CSV keeps any text exactly: delimiters, quotes, |, backslashes and line breaks in names, titles and keywords', () => {
  const base = parsed(fixture('valid.json'), 'json');
  const text = fc.string({ unit: fc.constantFrom('a', 'Ø', ' ', '\u00a0', ',', ';', '"', '|', '\\', '\n', '\r', '\t', '1', '-'), minLength: 1, maxLength: 12 });
  fc.assert(
    fc.property(text, text, fc.array(text, { maxLength: 4 }), text, (name, title, keywords, municipality) => {
      const d: DirectoryData = structuredClone(base);
      d.municipality = municipality;
      d.people[0]!.name = name;
      d.people[0]!.title = title;
      d.people[0]!.competencies = keywords;
      d.departments[1]!.tasks = keywords;
      const valid = validateDirectory(d);
      fc.pre(valid.ok);
      const data = (valid as { data: DirectoryData }).data;
      assert.equal(parsed(formatDirectoryFile(data, 'csv'), 'csv'), data);
      assert.equal(parsed(formatDirectoryFile(data, 'json'), 'json'), data);
    }),
    { numRuns: 100 },
  );
});

// ------------------------------------------------------------------------------ three mistakes

t('RT-1: three-errors.csv: all three mistakes are reported, at their line and column, naming the column', () => {
  const problems = problemsOf(fixture('three-errors.csv'), 'csv');
  assert.equal(where(problems), ['4:13 phone_hours', '7:4 dept', '8:6 extension']);
  assert.match(problems[0]!.message, /opening_hours syntax \(PH-1\)/);
  assert.is(problems[1]!.message, 'unknown department "famillie"');
  assert.is(problems[2]!.message, 'must be 2-8 digits');
  assert.is(
    formatProblems(problems, 'three-errors.csv').split('\n')[2],
    'three-errors.csv:8:6  extension: must be 2-8 digits',
  );
});

t('RT-1: three-errors.json: all three mistakes are reported at the value, with the directory path', () => {
  const problems = problemsOf(fixture('three-errors.json'), 'json');
  assert.equal(where(problems), ['30:21 groups.0.phoneHours', '35:101 people.0.extension', '40:15 people.1.dept']);
  assert.match(problems[0]!.message, /opening_hours syntax/);
  assert.is(problems[1]!.message, 'must be 2-8 digits');
  assert.is(problems[2]!.message, 'unknown department "famillie"');
});

t('RT-1: a row problem, a shape problem and a reference problem in one CSV are all reported', () => {
  const problems = problemsOf(
    csv(
      'municipality,,Testrup,,,,,,',
      'department,familie,Familie,,,Mo-Fr 08:00-15:00,måske,,',
      'person,anna,Anna,familie,4001,,,,',
      'person,bo,Bo,familie,12-3,,,,',
      'device,phone-bo,,,,,,phone,carl',
    ),
    'csv',
  );
  assert.equal(where(problems), ['3:7 sensitive', '5:5 extension', '6:9 person']);
  assert.is(problems[0]!.message, '"måske" is not yes or no; use ja/nej, yes/no, true/false or 1/0');
  assert.is(problems[2]!.message, 'unknown person "carl"');
});

t('RT-1: a malformed record is still cross-checked, and references to a dropped row are not reported again', () => {
  // a bad extension and an unknown department in the same row: both
  const same = problemsOf(csv(...BASE, 'person,bo,Bo,famlie,4x,,,,'), 'csv');
  assert.equal(where(same), ['6:4 dept', '6:5 extension']);
  // "persn" is not a row type: said once, not again as the unknown person of carl's phone
  const problems = problemsOf(
    csv(...BASE, 'person,bo,Bo,familie,4x,,,,', 'persn,carl,Carl,familie,4003,,,,', 'device,phone-carl,,,,,,phone,carl'),
    'csv',
  );
  assert.equal(where(problems), ['6:5 extension', '7:1 type']);
});

// ------------------------------------------------------------------------------ CSV

t('CSV: semicolons (Danish Excel) with a UTF-8 BOM parse the same as commas', () => {
  const rows = parseCsv(fixture('valid.csv')) as string[][];
  const semi = rows.map((r) => r.map((c) => (/[;"\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(';')).join('\r\n');
  assert.match(semi, 'department;familie;Familieafdelingen;');
  assert.equal(parsed('\uFEFF' + semi, 'csv'), parsed(fixture('valid.csv'), 'csv'));
});

t('CSV: columns in any order, headers in any case', () => {
  const rows = parseCsv(fixture('valid.csv')) as string[][];
  const order = rows[0]!.map((_, i) => i).reverse();
  const quote = (c: string) => (/[,;"\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  const text = rows.map((r, n) => order.map((i) => quote(n === 0 ? r[i]!.toUpperCase() : r[i]!)).join(',')).join('\n');
  assert.equal(parsed(text, 'csv'), parsed(fixture('valid.csv'), 'csv'));
});

t('CSV: a quoted cell with line breaks keeps the line numbers of later rows right', () => {
  const problems = problemsOf(csv(...BASE.slice(0, 3), 'person,bo,"Bo\nJensen\n(vikar)",familie,4002,,,,', 'person,carl,Carl,famlie,4003,,,,', BASE[3]!), 'csv');
  assert.equal(where(problems), ['8:4 dept']);
  // and a problem in the multi-line row is on the line it starts on
  const own = problemsOf(csv(...BASE, 'person,bo,"Bo\nJensen",famlie,4002,,,,'), 'csv');
  assert.equal(where(own), ['6:4 dept']);
});

t('CSV: an unknown column is a problem on line 1 at that column; the rows are still checked', () => {
  const text = ['type,id,name,dept,extension,phone_hours,sensitive,kind,person,floor', ...BASE.map((r) => r + ','), 'person,bo,Bo,famlie,4002,,,,,'].join('\n');
  const problems = problemsOf(text, 'csv');
  assert.equal(where(problems), ['1:10 floor', '6:4 dept']);
  assert.match(problems[0]!.message, 'unknown column "floor"');
});

t('CSV: a required column that is missing is a problem on line 1', () => {
  const text = ['type,id,name,dept,phone_hours,kind,person', 'municipality,,Testrup,,,,', 'department,familie,Familie,,Mo-Fr 08:00-15:00,,', 'person,anna,Anna,familie,,,'].join('\n');
  const problems = problemsOf(text, 'csv');
  assert.equal(where(problems), ['1:1 extension']);
  assert.is(problems[0]!.message, 'the "extension" column is missing; person rows need it');
  // without a type column nothing can be read
  assert.equal(where(problemsOf('id,name\nanna,Anna\n', 'csv')), ['1:1 type']);
});

t('CSV: a cell in a column that does not apply to the row type', () => {
  const problems = problemsOf(csv(...BASE, 'device,kiosk-1,Kiosken,,,,,kiosk,'), 'csv');
  assert.equal(where(problems), ['6:3 name']);
  assert.is(problems[0]!.message, 'the name column does not apply to a device row; leave it empty');
});

t('CSV: a bad yes/no names the accepted values; yes/no, true/false and 1/0 in any case are fine', () => {
  const bad = problemsOf(csv(BASE[0]!, 'department,familie,Familie,,,Mo-Fr 08:00-15:00,jo,,', ...BASE.slice(2)), 'csv');
  assert.equal(where(bad), ['3:7 sensitive']);
  assert.match(bad[0]!.message, 'ja/nej, yes/no, true/false or 1/0');
  for (const [cell, value] of [['YES', true], ['No', false], ['true', true], ['FALSE', false], ['1', true], ['0', false], ['nej', false], ['', false]] as const) {
    const d = parsed(csv(BASE[0]!, `department,familie,Familie,,,Mo-Fr 08:00-15:00,${cell},,`, ...BASE.slice(2)), 'csv');
    assert.is(d.departments[0]!.sensitive, value, cell);
  }
});

t('CSV: exactly one municipality row', () => {
  const twice = problemsOf(csv(...BASE, 'municipality,,Andetrup,,,,,,'), 'csv');
  assert.equal(where(twice), ['6:1 type']);
  assert.match(twice[0]!.message, 'a second municipality row (the first is on line 2)');
  const none = problemsOf(csv(...BASE.slice(1)), 'csv');
  assert.equal(where(none), ['1:1 (file)']);
  assert.match(none[0]!.message, 'no municipality row');
});

t('CSV: an unknown row type, a cell beyond the header, an unclosed quote', () => {
  const type = problemsOf(csv(...BASE, 'room,r1,,,,,,,'), 'csv');
  assert.equal(where(type), ['6:1 type']);
  assert.is(type[0]!.message, 'unknown row type "room"; use municipality, department, group, person, device');
  assert.equal(where(problemsOf(csv(...BASE, 'device,kiosk-1,,,,,,kiosk,,stray'), 'csv')), ['6:10 (no column)']);
  const quote = problemsOf(csv(...BASE) + 'person,bo,"Bo,familie,4002,,,,\n', 'csv');
  assert.equal(where(quote), ['6:3 (syntax)']);
  assert.match(quote[0]!.message, 'never closed');
  const after = problemsOf(csv(BASE[0]!, 'department,familie,"Familie" afd,,,Mo-Fr 08:00-15:00,,,', ...BASE.slice(2)), 'csv');
  assert.equal(where(after), ['3:3 (syntax)']);
  assert.match(after[0]!.message, 'text after the closing quote');
});

t('CSV: list items, CPR days and numbers are checked cell by cell', () => {
  const text = [
    'type,id,name,dept,extension,phone_hours,number,members,preferred,cpr_days,callback_workdays',
    'municipality,,Testrup,,,,,,,,',
    'department,familie,Familie,,,Mo-Fr 08:00-15:00,,,,,3',
    'person,anna,Anna,familie,4001,,,,,,',
    'person,bo,Bo,familie,4002,,,,anna|Carla,1-15,',
    'group,gruppe,Gruppen,familie,,,4100,anna|bo|zed,,,',
  ].join('\n');
  const problems = problemsOf(text, 'csv');
  assert.equal(where(problems), ['3:11 callback_workdays', '5:9 preferred', '6:8 members']);
  assert.is(problems[0]!.message, 'must be 1 or 2 (workdays, AS-2)');
  assert.is(problems[1]!.message, '"Carla": must be an id: a-z, 0-9 and -, at most 64 characters');
  assert.is(problems[2]!.message, 'unknown person "zed"');
  const days = problemsOf(text.replace('1-15', '1.-15.'), 'csv');
  assert.equal(where(days), ['3:11 callback_workdays', '5:9 preferred', '5:10 cpr_days', '6:8 members']);
  assert.is(days[2]!.message, '"1.-15." is not a range of CPR birth days such as 1-15');
  // a single day, and an en dash as Excel may write it
  const ok = (cell: string) => parsed(text.replace('1-15', cell).replace('|Carla', '').replace(',3\n', ',2\n').replace('|zed', ''), 'csv').people[1]!.caseSplit;
  assert.equal(ok('7'), { birthDays: [7, 7], districts: [] });
  assert.equal(ok('1 – 15'), { birthDays: [1, 15], districts: [] });
});

t('CSV: a duplicate names the line of the earlier record', () => {
  const problems = problemsOf(csv(...BASE, 'person,bo,Bo,familie,4001,,,,'), 'csv');
  assert.equal(where(problems), ['6:5 extension']);
  assert.is(problems[0]!.message, 'number 4001 is also line 4\'s');
});

t('CSV: a required cell left empty says so', () => {
  const problems = problemsOf(csv(...BASE, 'person,bo,Bo,,4002,,,,'), 'csv');
  assert.equal(where(problems), ['6:4 dept']);
  assert.is(problems[0]!.message, 'required; the dept cell is empty');
});

// ------------------------------------------------------------------------------ JSON

t('JSON: two syntax errors are both reported with line and column', () => {
  const text = '{\n  "municipality": "Testrup"\n  "departments": [],\n  "people": [ { "id": \'anna\' } ],\n  "devices": []\n}\n';
  const problems = problemsOf(text, 'json');
  assert.equal(where(problems), ['3:3 (syntax)', '4:23 (syntax)']);
  assert.is(problems[0]!.message, 'expected ","');
  assert.match(problems[1]!.message, 'unexpected');
});

t('JSON: a trailing comma is an error, at the comma; so is a comment', () => {
  const trailing = problemsOf('{\n  "municipality": "Testrup",\n  "devices": [1, 2,],\n}\n', 'json');
  assert.equal(where(trailing), ['3:19 (syntax)', '3:21 (syntax)']);
  assert.is(trailing[0]!.message, 'trailing comma: not allowed in JSON');
  const comment = problemsOf('{\n  // the municipality\n  "municipality": "Testrup"\n}', 'json');
  assert.equal(where(comment), ['2:3 (syntax)']);
  assert.is(comment[0]!.message, 'comments are not allowed in JSON');
});

t('RT-1: JSON: a missing property at the object, an unknown key at the key, a duplicate key', () => {
  const text = [
    '{',
    '  "municipality": "Testrup",',
    '  "departments": [ { "id": "familie", "name": "Familie", "phoneHours": "Mo-Fr 08:00-15:00", "floor": 2 } ],',
    '  "people": [',
    '    { "id": "anna", "name": "Anna", "extension": "4001" },',
    '    { "id": "bo", "name": "Bo", "dept": "familie", "dept": "familie", "extension": "4002" }',
    '  ],',
    '  "devices": []',
    '}',
  ].join('\n');
  const problems = problemsOf(text, 'json');
  assert.equal(where(problems), ['3:93 departments.0.floor', '5:5 people.0.dept', '6:52 people.1.dept']);
  assert.is(problems[0]!.message, 'unknown property "floor"');
  assert.is(problems[1]!.message, 'missing property "dept" (expected string)');
  assert.is(problems[2]!.message, 'duplicate key "dept" (also on line 6)');
});

t('RT-1: JSON: the root must be an object; a duplicate id names the line of the first', () => {
  assert.equal(where(problemsOf('  [1, 2]', 'json')), ['1:3 (file)']);
  // "__proto__" is a key like any other: unknown
  const proto = problemsOf(formatDirectoryFile(parsed(fixture('valid.json'), 'json'), 'json').replace('{', '{ "__proto__": {},'), 'json');
  assert.equal(where(proto), ['1:3 __proto__']);
  const d = parsed(fixture('valid.json'), 'json');
  d.people[3]!.id = 'anna';
  const problems = problemsOf(formatDirectoryFile(d, 'json'), 'json');
  assert.equal(problems.map((p) => p.path), ['people.3.id']);
  assert.match(problems[0]!.message, /^duplicate id "anna" \(also people\.0 \(line \d+\)\)$/);
});

// ------------------------------------------------------------------------------ any file

t('an empty file is one clear problem, in either format', () => {
  for (const format of ['json', 'csv'] as const) {
    for (const text of ['', '\uFEFF', ' \n\n ']) {
      const problems = problemsOf(text, format);
      assert.equal(where(problems), ['1:1 (file)']);
      assert.match(problems[0]!.message, 'the file is empty');
    }
  }
});

t('a binary file, or one that is not UTF-8, is one clear problem, not a crash', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]).toString('utf8');
  for (const format of ['json', 'csv'] as const) {
    const problems = problemsOf(png, format);
    assert.is(problems.length, 1);
    assert.match(problems[0]!.message, /not (a text file|UTF-8)/);
  }
  // Excel's "CSV" in Windows-1252: æøå are not UTF-8
  const latin1 = Buffer.from('type,id,name\nmunicipality,,S\xf8nderborg\n', 'latin1').toString('utf8');
  const problems = problemsOf(latin1, 'csv');
  assert.equal(where(problems), ['2:16 (file)']);
  assert.match(problems[0]!.message, 'save the file as UTF-8');
});

t('a CSV file read as JSON, or JSON read as CSV, is one problem', () => {
  const asJson = problemsOf(fixture('valid.csv'), 'json');
  assert.equal(where(asJson), ['1:1 (file)']);
  assert.match(asJson[0]!.message, 'not a JSON directory');
  const asCsv = problemsOf(fixture('valid.json'), 'csv');
  assert.equal(where(asCsv), ['1:1 (file)']);
  assert.match(asCsv[0]!.message, 'not a directory CSV');
});

t('formatFromName: by extension, in any case', () => {
  assert.is(formatFromName('directory.json'), 'json');
  assert.is(formatFromName('/srv/omstil/Medarbejdere.CSV'), 'csv');
  assert.is(formatFromName('directory.xlsx'), null);
  assert.is(formatFromName('json'), null);
  assert.is(formatFromName('dir.csv/file'), null);
});

t('formatProblems: one line each, file:LINE:COL  path: message, in line order', () => {
  const text = formatProblems(
    [
      { line: 9, column: 2, path: 'dept', message: 'unknown department "x"' },
      { line: 3, column: 7, path: 'sensitive', message: 'bad' },
      { line: 3, column: 1, path: 'type', message: 'worse' },
    ],
    'medarbejdere.csv',
  );
  assert.is(text, 'medarbejdere.csv:3:1  type: worse\nmedarbejdere.csv:3:7  sensitive: bad\nmedarbejdere.csv:9:2  dept: unknown department "x"');
});

t.run();
