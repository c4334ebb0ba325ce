/**
 * The JSON directory file (RT-1): the DirectorySpec shape. Read with jsonc-parser so every
 * syntax error, and every problem the directory model finds, has a line and a column.
 * Strict JSON: comments and trailing commas are errors.
 */
import { findNodeAtLocation, parseTree, printParseErrorCode, visit, type JSONPath, type Node, type ParseError, type ParseErrorCode, type ParseOptions } from 'jsonc-parser';
import type { DirectoryData, DirectoryProblem } from './directory.js';
import type { FileProblem, FileReading } from './directory-file.js';

/** The full normalized data, two-space indented. */
export function writeJsonDirectory(data: DirectoryData): string {
  return JSON.stringify(data, null, 2) + '\n';
}

export function readJsonDirectory(text: string): FileReading {
  const at = textPositions(text);
  const start = text.search(/\S/);
  if (text[start] !== '{') {
    const problem = { ...at(Math.max(start, 0)), path: '(file)', message: 'not a JSON directory: expected "{", the directory is one object with municipality, departments, people and devices' };
    return { problems: [problem], locate: () => [] };
  }
  const root = parseTree(text, [], STRICT);
  const problems = syntaxProblems(text, firstErrors(text), at);
  if (problems.length > 0 || !root) return { problems, locate: () => [] };
  problems.push(...duplicateKeys(root, at));
  return { problems, raw: valueOf(root), locate: (p) => locate(root, p, at) };
}

/** Offset → 1-based line and column; `\r\n`, `\n` and `\r` end a line. */
export function textPositions(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (const m of text.matchAll(/\r\n|\r|\n/g)) starts.push(m.index + m[0].length);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

const STRICT: ParseOptions = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false };

/**
 * Every syntax error, but not the errors that follow from one: after an error the parser
 * recovers and often reports the same mistake again; an error counts only when something
 * was read well since the previous one.
 */
function firstErrors(text: string): ParseError[] {
  const errors: ParseError[] = [];
  let quiet = false;
  const ok = () => {
    quiet = false;
  };
  visit(
    text,
    {
      onObjectBegin: ok,
      onObjectEnd: ok,
      onArrayBegin: ok,
      onArrayEnd: ok,
      onObjectProperty: ok,
      onLiteralValue: ok,
      onSeparator: ok,
      onError: (error: ParseErrorCode, offset: number, length: number) => {
        if (!quiet) errors.push({ error, offset, length });
        quiet = true;
      },
    },
    STRICT,
  );
  return errors;
}

const SYNTAX: Record<string, string> = {
  InvalidSymbol: 'unexpected',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'expected the end of the file: the directory is one object',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'the string is not closed',
  UnexpectedEndOfNumber: 'the number is not complete',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'a control character or line break inside a string',
};

/** Every syntax error, one per place: the parser may report a follow-up error at the same offset. */
function syntaxProblems(text: string, errors: ParseError[], at: ReturnType<typeof textPositions>): FileProblem[] {
  const seen = new Set<number>();
  const problems: FileProblem[] = [];
  for (const e of errors) {
    const code = printParseErrorCode(e.error);
    let offset = e.offset;
    let message = SYNTAX[code] ?? code;
    const comma = trailingComma(text, offset);
    if ((code === 'PropertyNameExpected' || code === 'ValueExpected') && comma !== null) {
      offset = comma;
      message = 'trailing comma: not allowed in JSON';
    } else if (code === 'InvalidSymbol') {
      message = `unexpected ${JSON.stringify(text.slice(e.offset, e.offset + Math.min(e.length, 20)))}`;
    }
    if (seen.has(offset)) continue;
    seen.add(offset);
    problems.push({ ...at(offset), path: '(syntax)', message });
  }
  return problems;
}

/** The offset of a comma right before a closing `}` or `]` at `offset`. */
function trailingComma(text: string, offset: number): number | null {
  if (text[offset] !== '}' && text[offset] !== ']') return null;
  let i = offset - 1;
  while (i >= 0 && /\s/.test(text[i]!)) i--;
  return text[i] === ',' ? i : null;
}

/** The plain value; every key an own property (`__proto__` too, so it is an unknown key), the last of a duplicate wins as in JSON.parse. */
function valueOf(node: Node): unknown {
  if (node.type === 'object') return Object.fromEntries((node.children ?? []).map((p) => [String(p.children?.[0]?.value), p.children?.[1] ? valueOf(p.children[1]) : undefined]));
  if (node.type === 'array') return (node.children ?? []).map(valueOf);
  return node.value;
}

/** JSON allows a key twice and keeps the last; in a directory file it is a mistake. */
function duplicateKeys(root: Node, at: ReturnType<typeof textPositions>): FileProblem[] {
  const problems: FileProblem[] = [];
  const walk = (node: Node, path: JSONPath) => {
    if (node.type === 'object') {
      const first = new Map<string, Node>();
      for (const prop of node.children ?? []) {
        const [key, value] = prop.children ?? [];
        if (!key) continue;
        const name = String(key.value);
        const prev = first.get(name);
        if (prev) problems.push({ ...at(key.offset), path: [...path, name].join('.'), message: `duplicate key "${name}" (also on line ${at(prev.offset).line})` });
        else first.set(name, key);
        if (value) walk(value, [...path, name]);
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((child, i) => walk(child, [...path, i]));
    }
  };
  walk(root, []);
  return problems;
}

/**
 * A directory problem at the value its path names; for a missing property, at the object
 * that lacks it; for unknown keys, at each key.
 */
function locate(root: Node, problem: DirectoryProblem, at: ReturnType<typeof textPositions>): FileProblem[] {
  const segments = problem.path === '(root)' ? [] : problem.path.split('.');
  const path: JSONPath = [];
  let node = root;
  let missing: string | undefined;
  let found = 0;
  for (const seg of segments) {
    const step = node.type === 'array' && /^\d+$/.test(seg) ? Number(seg) : seg;
    const next = findNodeAtLocation(root, [...path, step]);
    if (!next) {
      missing = seg;
      break;
    }
    path.push(step);
    node = next;
    found++;
  }
  const message = withLines(root, problem.message, at);
  const unknown = /^Unrecognized keys?: (.*)$/.exec(problem.message);
  if (unknown && missing === undefined && node.type === 'object') {
    const keys = [...unknown[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
    const prefix = segments.length ? `${problem.path}.` : '';
    return keys.map((key) => {
      const prop = node.children?.find((p) => p.children?.[0]?.value === key);
      return { ...at((prop ?? node).offset), path: prefix + key, message: `unknown property "${key}"` };
    });
  }
  if (missing !== undefined && found === segments.length - 1 && /received undefined$/.test(problem.message)) {
    const expected = /expected (\w+)/.exec(problem.message)?.[1];
    return [{ ...at(node.offset), path: problem.path, message: `missing property "${missing}"${expected ? ` (expected ${expected})` : ''}` }];
  }
  return [{ ...at(node.offset), path: problem.path, message }];
}

/** `people.3` in a message gets the line it starts on. */
function withLines(root: Node, message: string, at: ReturnType<typeof textPositions>): string {
  return message.replace(/\b(departments|groups|people|devices)\.(\d+)\b/g, (ref, c: string, i: string) => {
    const node = findNodeAtLocation(root, [c, Number(i)]);
    return node ? `${ref} (line ${at(node.offset).line})` : ref;
  });
}
