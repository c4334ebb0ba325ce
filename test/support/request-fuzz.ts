/**
 * Request fuzzing (issue 10): fast-check generators of what a device may publish on its `req`
 * topic — arbitrary bytes and JSON, oversized and deeply nested payloads, and for every op of
 * the `Request` union (read from the schema, so a new op is fuzzed without a change here) a
 * valid-shaped request built from the directory's real ids, then mutated — and the check of one
 * case against a running hub (`FuzzHarness`): `Hub.handleRequest` returns a Response that passes
 * its schema and never throws, a refusal carries its code (and the field, for payload errors),
 * and a refusal changes nothing: the hub's people, departments, messages and broadcasts and the
 * store's journal are the same before and after.
 *
 * Shared by test/broker/requests/fuzz.test.ts (2,000 cases) and bench/fuzz.ts (100,000): like
 * the other benches' fixtures (seeded-random.ts, system.ts), it lives in test/support.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import type * as z from 'zod/mini';
import type { Hub } from '../../broker/hub.js';
import type { Directory } from '../../broker/directory/directory.js';
import { Id, IsoTime, MAX_REQUEST_BYTES, Request, Response, requestIdOf } from '../../protocol/index.js';

// ---- the contract, read from the schema ----------------------------------------------------

type AnySchema = z.core.$ZodType;
interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  innerType?: AnySchema;
  options?: AnySchema[];
  values?: unknown[];
  entries?: Record<string, string>;
  element?: AnySchema;
  checks?: { _zod: { def: { check: string; maximum?: number; minimum?: number } } }[];
}
const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Every op of the `Request` discriminated union with its args schema, in the union's order. */
export function requestOps(): { op: string; args: AnySchema }[] {
  const union = defOf(Request as unknown as AnySchema);
  return (union.options ?? []).map((option) => {
    const shape = defOf(option).shape!;
    const op = defOf(shape.op!).values![0];
    if (typeof op !== 'string') throw new Error('a Request option without a literal op');
    return { op, args: shape.args! };
  });
}

/** optional/nullable wrappers off */
function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  for (let d = defOf(cur); d.type === 'optional' || d.type === 'nullable'; d = defOf(cur)) cur = d.innerType!;
  return cur;
}

type FieldKind = 'id' | 'time' | 'string' | 'other';
function fieldKind(s: AnySchema): FieldKind {
  const u = unwrap(s);
  if (u === (Id as unknown as AnySchema)) return 'id';
  if (u === (IsoTime as unknown as AnySchema)) return 'time';
  return defOf(u).type === 'string' ? 'string' : 'other';
}

const argsShape = (args: AnySchema): Record<string, AnySchema> => defOf(args).shape ?? {};

// ---- the world: real ids of the test directory ---------------------------------------------

export interface FuzzWorld {
  now: Date;
  /** an employee's phone (not a leader) */
  employee: { device: string; person: string };
  /** their leader's phone, and the leader's staff (PR-4) */
  leader: { device: string; person: string; staff: string[] };
  /** a colleague in the same department whose calls are diverted to the employee (DV-2) */
  colleague: { device: string; person: string };
  kiosk: string;
  /** a person in another department, nobody the employee or the leader may act for */
  stranger: string;
  switchboard: string | null;
  people: string[];
  groups: string[];
  depts: string[];
  devices: string[];
  /** messages taken before the fuzzing: the employee's (the liveness probe's), the group's, the stranger's */
  messages: { probe: string; others: string[] };
}

/** Picks the roles from a directory like the demo one (departments with a leader and two or more staff, kiosks). */
export function pickRoles(dir: Directory): Pick<FuzzWorld, 'employee' | 'leader' | 'colleague' | 'kiosk' | 'stranger' | 'switchboard' | 'people' | 'groups' | 'depts' | 'devices'> {
  const phoneOf = (person: string) => [...dir.devices.values()].find((d) => d.person === person)?.id;
  const leader = [...dir.people.values()].find((p) => dir.staffOf(p.id).length >= 2 && phoneOf(p.id));
  if (!leader) throw new Error('request fuzz: the directory needs a leader with two staff who have phones');
  const [employee, colleague] = dir.staffOf(leader.id).filter((p) => phoneOf(p.id));
  const stranger = [...dir.people.values()].find((p) => p.dept !== leader.dept && p.role === 'employee' && !dir.isLeaderOf(leader.id, p.id));
  const kiosk = [...dir.devices.values()].find((d) => d.kind === 'kiosk');
  if (!employee || !colleague || !stranger || !kiosk) throw new Error('request fuzz: the directory needs staff with phones, a second department and a kiosk');
  return {
    employee: { device: phoneOf(employee.id)!, person: employee.id },
    leader: { device: phoneOf(leader.id)!, person: leader.id, staff: dir.staffOf(leader.id).map((p) => p.id) },
    colleague: { device: phoneOf(colleague.id)!, person: colleague.id },
    kiosk: kiosk.id,
    stranger: stranger.id,
    switchboard: [...dir.people.values()].find((p) => p.role === 'switchboard')?.id ?? null,
    people: [...dir.people.keys()],
    groups: [...dir.groups.keys()],
    depts: [...dir.departments.keys()],
    devices: [...dir.devices.keys()],
  };
}

const encode = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/**
 * Seeds the state the fuzzing builds on, through `handleRequest` itself: messages for the
 * employee (the liveness probe's), their group and the stranger, and the colleague's calls
 * diverted to the employee (so accept/decline can succeed).
 */
export function prepareWorld(hub: Hub, now: Date): FuzzWorld {
  const roles = pickRoles(hub.directory);
  const call = (device: string, op: string, args: unknown): unknown => {
    const res = hub.handleRequest(device, encode({ id: `seed-${op}`, op, args }));
    if (!res.ok) throw new Error(`request fuzz: seeding ${op} from ${device} was refused: ${JSON.stringify(res.error)}`);
    return res.data;
  };
  const caller = { callerName: 'Jytte Hansen', callerNumber: '+45 12 34 56 78', text: 'Ring venligst tilbage' };
  const take = (forId: string) => (call(roles.kiosk, 'take-message', { for: forId, ...caller }) as { id: string }).id;
  const probe = take(roles.employee.person);
  const group = hub.directory.groupsOf(hub.directory.people.get(roles.employee.person)!.dept)[0]?.id;
  const others = [...(group ? [take(group)] : []), take(roles.stranger)];
  call(roles.employee.device, 'message-status', { message: probe, status: 'acknowledged' });
  call(roles.colleague.device, 'divert', { target: roles.employee.person });
  return { now, ...roles, messages: { probe, others } };
}

// ---- generators -------------------------------------------------------------------------

/** One fuzz case: who sends it and the bytes. Prints as its short description (a failure names it). */
export interface FuzzCase {
  kind: 'bytes' | 'json' | 'oversized' | 'deep' | 'request';
  device: string;
  /** the op the payload was built from (kind `request`) */
  op?: string;
  description: string;
  payload: Buffer;
}

function fuzzCase(c: FuzzCase): FuzzCase {
  return Object.assign(c, { [fc.toStringMethod]: () => `${c.kind} from ${JSON.stringify(c.device)}: ${c.description}` });
}

/** A mutation of a valid-shaped request, as data (so fast-check shrinks and prints it). `at` picks the field. */
export type Mutation =
  | { kind: 'remove'; at: number }
  | { kind: 'retype'; at: number; value: unknown }
  | { kind: 'extra'; inArgs: boolean; key: string; value: unknown }
  | { kind: 'string'; at: number; value: string }
  | { kind: 'id'; at: number; value: string }
  | { kind: 'time'; at: number; value: unknown }
  | { kind: 'op'; value: unknown }
  | { kind: 'text'; how: 'truncate' | 'bom' | 'trailing' | 'duplicate-op' | 'flip'; at: number };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Strings a field should refuse or survive: lengths around every limit, empty, unicode, control characters. */
function stringArb(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', ' ', '\t\n', '\u0000', '\u0001\u001b[31m', '\r\n\u2028\u2029', '\ufeff', '\u200b', '\u202eevil', 'e\u0301', 'Søren Østergaard', '\ud800', '\udfff', '🙂', 'null', '{}', '<script>', "'; DROP TABLE journal; --"),
    fc.constantFrom(1, 2, 63, 64, 65, 99, 100, 101, 199, 200, 201, 299, 300, 301, 999, 1000, 1001, 4000, 16_400).chain((n) => fc.constantFrom('a'.repeat(n), 'ø'.repeat(n), '🙂'.repeat(Math.ceil(n / 2)), ' '.repeat(n))),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
  );
}

/** Malformed and absurd timestamps around the world's `now`. */
function timeArb(now: Date): fc.Arbitrary<unknown> {
  const t = now.getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  return fc.oneof(
    fc.constantFrom(
      '2026-13-01T10:00:00Z', '2026-02-30T10:00:00Z', '2026-11-23', '10:00', '2026-11-23T10:00:00', 'yesterday', 'now', '', 'Invalid Date',
      '2026-11-23T25:00:00Z', '2026-11-23T23:59:60Z', '2026-11-23T10:00:00+24:00', '2026-11-23T10:00:00+14:00', '2026-11-23T10:00:00-12:00',
      '2026-11-23T10:00:00.123456789+01:00', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59-23:59', '9999-01-01T00:00:00Z', '9998-12-31T23:59:59+14:00', '1970-01-01T00:00:00Z',
      '+275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z', '2026-11-23T10:00:00z', ' 2026-11-23T10:00:00Z',
    ),
    fc.constantFrom(iso(t - 60_000), iso(t), iso(t + 1), iso(t + 59_000), iso(t + HOUR), iso(t + 3 * DAY), iso(t + 400 * DAY), iso(t + 50 * 365 * DAY)),
    fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => iso(ms)),
    fc.oneof(fc.integer(), fc.double(), fc.constant(t + DAY), fc.constant(null)),
  );
}

/** Ids that are not what a field wants: unknown, someone else's, of another kind, or not an id at all. */
function idArb(w: FuzzWorld): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('nobody-here', 'x', 'a'.repeat(64), 'phone-nobody', 'kiosk-99', 'm-0-00000000'),
    fc.constantFrom(w.stranger, w.leader.person, w.employee.person, w.colleague.person, ...(w.switchboard ? [w.switchboard] : [])),
    fc.constantFrom(...w.groups, ...w.depts, ...w.devices.slice(0, 5), w.kiosk),
    fc.constantFrom('Anna Holm', 'ANNA', 'a'.repeat(65), '', '../etc/passwd', 'a/b', '#', '+', 'a b', 'æble', '__proto__'),
    fc.constantFrom(w.messages.probe, ...w.messages.others),
  );
}

/** A value of (usually) another type than the field's. */
function otherTypeArb(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom([], {}, [1, 2], { da: 'x' }, '', 'string'),
    fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  );
}

/** A valid value for an args field: the directory's real ids by the field's name, else by its schema. */
function validValue(w: FuzzWorld, key: string, schema: AnySchema): fc.Arbitrary<unknown> {
  const ids = (xs: string[]) => fc.constantFrom(...xs);
  const colleagues = [w.employee.person, w.colleague.person, w.leader.person, w.stranger, ...w.leader.staff, ...w.groups.slice(0, 4), ...(w.switchboard ? [w.switchboard] : [])];
  switch (key) {
    case 'person':
      return ids([w.employee.person, w.leader.person, ...w.leader.staff]);
    case 'target':
    case 'divertTo':
    case 'for':
      return ids(colleagues);
    case 'from':
      return ids([w.colleague.person, w.employee.person, w.leader.person]);
    case 'message':
      return ids([w.messages.probe, ...w.messages.others]);
    case 'callerName':
      return fc.constantFrom('Jytte Hansen', 'Bo', 'Søren Østergaard');
    case 'callerNumber':
      return fc.constantFrom('+45 12 34 56 78', '86 42 00 00', '12345678');
    case 'reason':
    case 'text':
      return fc.constantFrom('', 'Kursus', 'Ring tilbage om sagen', 'Sygdom i familien');
  }
  return valueBySchema(w, schema);
}

function valueBySchema(w: FuzzWorld, schema: AnySchema): fc.Arbitrary<unknown> {
  const d = defOf(schema);
  const t = w.now.getTime();
  if (schema === (Id as unknown as AnySchema)) return fc.constantFrom(...w.people.slice(0, 8), ...w.groups.slice(0, 3));
  if (schema === (IsoTime as unknown as AnySchema)) return fc.constantFrom(HOUR, 3 * HOUR, DAY, 3 * DAY, 14 * DAY).map((ms) => new Date(t + ms).toISOString());
  switch (d.type) {
    case 'optional':
    case 'nullable':
      return fc.oneof(valueBySchema(w, d.innerType!), fc.constant(d.type === 'nullable' ? null : undefined));
    case 'enum':
      return fc.constantFrom(...Object.values(d.entries!));
    case 'literal':
      return fc.constantFrom(...d.values!);
    case 'boolean':
      return fc.boolean();
    case 'number':
    case 'int':
      return fc.integer({ min: 0, max: 100 });
    case 'union':
      return fc.oneof(...d.options!.map((o) => valueBySchema(w, o)));
    case 'array':
      return fc.array(valueBySchema(w, d.element!), { maxLength: 3 });
    case 'object':
      return objectOf(w, d.shape!);
    default:
      return fc.constantFrom('Tekst', 'x');
  }
}

/** A valid-shaped object: every required key, each optional one present or not. */
function objectOf(w: FuzzWorld, shape: Record<string, AnySchema>): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, schema] of Object.entries(shape)) {
    const v = validValue(w, key, defOf(schema).type === 'optional' ? defOf(schema).innerType! : schema);
    parts[key] = defOf(schema).type === 'optional' ? fc.option(v, { nil: undefined, freq: 2 }) : v;
  }
  return fc.record(parts).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
}

function mutationArb(w: FuzzWorld, ops: readonly string[]): fc.Arbitrary<Mutation> {
  const at = fc.nat({ max: 1000 });
  return fc.oneof(
    fc.record({ kind: fc.constant('remove' as const), at }),
    fc.record({ kind: fc.constant('retype' as const), at, value: otherTypeArb() }),
    fc.record({ kind: fc.constant('extra' as const), inArgs: fc.boolean(), key: fc.oneof(fc.constantFrom('extra', '__proto__', 'constructor', 'toString', 'person', 'since', 'kind', 'status', 'ID', 'args', 'op'), fc.string({ maxLength: 10 })), value: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ kind: fc.constant('string' as const), at, value: stringArb() }),
    fc.record({ kind: fc.constant('id' as const), at, value: idArb(w) }),
    fc.record({ kind: fc.constant('time' as const), at, value: timeArb(w.now) }),
    fc.record({ kind: fc.constant('op' as const), value: fc.oneof(fc.constantFrom(...ops), fc.constantFrom('DIVERT', 'divert ', '', 'admin', 'add-broadcast', 'set-status', 'set-voicemail', 'pbx-forward', '__proto__', 'constructor'), otherTypeArb()) }),
    fc.record({ kind: fc.constant('text' as const), how: fc.constantFrom('truncate' as const, 'bom' as const, 'trailing' as const, 'duplicate-op' as const, 'flip' as const), at }),
  );
}

/** Sets an own enumerable property (also `__proto__`), so JSON carries it. */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies the mutations to a valid-shaped request; `shape` is its op's args schema. */
export function mutate(req: Record<string, unknown>, shape: Record<string, AnySchema>, mutations: readonly Mutation[]): Buffer {
  const top = { ...req };
  if (top.args && typeof top.args === 'object') top.args = { ...(top.args as object) };
  const textual: Extract<Mutation, { kind: 'text' }>[] = [];
  const argKeys = Object.keys(shape);
  const pick = (at: number, want?: FieldKind): { obj: Record<string, unknown>; key: string } | null => {
    const args = top.args && typeof top.args === 'object' && !Array.isArray(top.args) ? (top.args as Record<string, unknown>) : null;
    const fields = [
      ...(want ? [] : [{ obj: top, key: 'id' }, { obj: top, key: 'op' }, { obj: top, key: 'args' }]),
      ...(args ? argKeys.filter((k) => !want || fieldKind(shape[k]!) === want).map((key) => ({ obj: args, key })) : []),
    ];
    // a field of the wanted kind, else the request id (a string too)
    if (!fields.length) return want === 'string' || want === 'id' ? { obj: top, key: 'id' } : want ? pick(at) : null;
    return fields[at % fields.length]!;
  };
  for (const m of mutations) {
    switch (m.kind) {
      case 'remove': {
        const f = pick(m.at);
        if (f) delete f.obj[f.key];
        break;
      }
      case 'retype':
      case 'string':
      case 'id':
      case 'time': {
        const f = pick(m.at, m.kind === 'retype' ? undefined : m.kind);
        if (f) setOwn(f.obj, f.key, m.value);
        break;
      }
      case 'extra': {
        const args = top.args && typeof top.args === 'object' && !Array.isArray(top.args) ? (top.args as Record<string, unknown>) : null;
        if (m.inArgs && args && !(m.key in shape)) setOwn(args, m.key, m.value);
        else if (!['id', 'op', 'args'].includes(m.key)) setOwn(top, m.key, m.value);
        break;
      }
      case 'op':
        top.op = m.value;
        break;
      case 'text':
        textual.push(m);
        break;
    }
  }
  let text = JSON.stringify(top);
  for (const m of textual) {
    const i = m.at % Math.max(1, text.length);
    if (m.how === 'truncate') text = text.slice(0, i);
    else if (m.how === 'bom') text = '\ufeff' + text;
    else if (m.how === 'trailing') text = text + ' } garbage';
    else if (m.how === 'duplicate-op') text = text.replace(/^\{/, '{"op":"undivert",');
    else text = text.slice(0, i) + String.fromCharCode((text.charCodeAt(i) ^ 0x20) || 0x22) + text.slice(i + 1);
  }
  return Buffer.from(text);
}

export interface FuzzArbitraries {
  /** ops fuzzed, read from the Request schema */
  ops: readonly string[];
  bytes: fc.Arbitrary<FuzzCase>;
  json: fc.Arbitrary<FuzzCase>;
  oversized: fc.Arbitrary<FuzzCase>;
  deep: fc.Arbitrary<FuzzCase>;
  /** a valid-shaped request of `op`, with 0–3 mutations */
  request(op: string): fc.Arbitrary<FuzzCase>;
  /** all of the above, weighted towards mutated requests */
  any: fc.Arbitrary<FuzzCase>;
}

/** Devices that exist (an employee's, a leader's, a colleague's phone, a kiosk) and ids that do not. */
function deviceArb(w: FuzzWorld): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(w.employee.device) },
    { weight: 3, arbitrary: fc.constant(w.leader.device) },
    { weight: 1, arbitrary: fc.constant(w.colleague.device) },
    { weight: 3, arbitrary: fc.constant(w.kiosk) },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom('phone-nobody', 'kiosk-99', '', '+', '#', 'omstil-hub', w.employee.person), fc.string({ maxLength: 20 })) },
  );
}

export function fuzzArbitraries(w: FuzzWorld): FuzzArbitraries {
  const table = requestOps();
  const ops = table.map((o) => o.op);
  const device = deviceArb(w);
  const requestId = fc.oneof({ weight: 5, arbitrary: fc.constantFrom('r-1', 'req-42', 'x') }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 64 }) });
  const bytes = fc.tuple(device, fc.uint8Array({ maxLength: 600 })).map(([d, b]) => fuzzCase({ kind: 'bytes', device: d, description: `${b.length} random bytes`, payload: Buffer.from(b) }));
  const json = fc.tuple(device, fc.jsonValue({ maxDepth: 4 })).map(([d, v]) => {
    const text = JSON.stringify(v) ?? 'null';
    return fuzzCase({ kind: 'json', device: d, description: text.length > 200 ? `${text.slice(0, 200)}…` : text, payload: Buffer.from(text) });
  });
  // around the limit in bytes (2-byte ø: a string under the limit in characters can be over it in bytes)
  const oversized = fc
    .tuple(device, fc.constantFrom(...ops), fc.integer({ min: -64, max: 64 * 1024 }), fc.constantFrom('a', 'ø', '🙂', ' '))
    .map(([d, op, extra, ch]) => {
      const head = JSON.stringify({ id: 'big', op, args: { text: '' } }).slice(0, -3);
      const fill = MAX_REQUEST_BYTES + extra - Buffer.byteLength(head) - 3;
      const body = ch.repeat(Math.max(0, Math.floor(fill / Buffer.byteLength(ch))));
      const payload = Buffer.from(`${head}${body}"}}`);
      return fuzzCase({ kind: 'oversized', device: d, op, description: `${op} padded with ${JSON.stringify(ch)} to ${payload.length} bytes (limit ${MAX_REQUEST_BYTES})`, payload });
    });
  const deep = fc
    .tuple(device, fc.integer({ min: 1, max: 9000 }), fc.constantFrom('array', 'object', 'in-args', 'as-id'), fc.constantFrom(...ops))
    .map(([d, depth, where, op]) => {
      const open = where === 'array' ? '[' : '{"a":';
      const close = where === 'array' ? ']' : '}';
      const nested = open.repeat(depth) + '1' + close.repeat(depth);
      const text = where === 'in-args' ? `{"id":"deep","op":"${op}","args":{"target":${nested}}}` : where === 'as-id' ? `{"id":${nested},"op":"${op}","args":{}}` : nested;
      return fuzzCase({ kind: 'deep', device: d, op, description: `${where} nested ${depth} deep, ${text.length} bytes`, payload: Buffer.from(text) });
    });
  const request = (op: string) => {
    const entry = table.find((o) => o.op === op);
    if (!entry) throw new Error(`no op ${op} in the Request schema`);
    const shape = argsShape(entry.args);
    const mutations = fc.oneof({ weight: 1, arbitrary: fc.constant([] as Mutation[]) }, { weight: 5, arbitrary: fc.array(mutationArb(w, ops), { minLength: 1, maxLength: 3 }) });
    return fc.tuple(device, requestId, objectOf(w, shape), mutations).map(([d, id, args, ms]) => {
      const valid = { id, op, args };
      return fuzzCase({ kind: 'request', device: d, op, description: `${JSON.stringify(valid)} with ${JSON.stringify(ms)}`, payload: mutate(valid, shape, ms) });
    });
  };
  const requests = fc.oneof(...ops.map(request));
  const any = fc.oneof({ weight: 1, arbitrary: bytes }, { weight: 1, arbitrary: json }, { weight: 1, arbitrary: oversized }, { weight: 1, arbitrary: deep }, { weight: 8, arbitrary: requests });
  return { ops, bytes, json, oversized, deep, request, any };
}

// ---- the check of one case ----------------------------------------------------------------

/** Codes of errors in the payload itself: they name the field. */
const FIELD_CODES = new Set(['invalid-payload', 'unknown-op']);

export interface CaseOutcome {
  response: Response | null;
  /** what broke an invariant; empty: the case passed */
  problems: string[];
  /** the hub threw, or answered with something that is not a Response */
  crashed: boolean;
  /** a refusal changed the state or the journal */
  changedOnRefusal: boolean;
  /** answered `internal`: the hub caught a bug of its own */
  internal: boolean;
  accepted: boolean;
}

/**
 * How a case's before and after are compared. `json`: the JSON of the hub's people,
 * departments, messages and broadcasts. `identity`: which record objects the four maps hold
 * (the hub replaces a record on every commit, never edits one), and every record deep-frozen
 * once seen, so that an edit in place throws where it happens (and is answered `internal`):
 * as strict, and O(changed records) per case where `json` grows with every message taken.
 * Both also compare the journal's length.
 */
export type CompareMode = 'json' | 'identity';

/**
 * Runs cases through `hub.handleRequest` and checks the invariants. The journal's length is
 * read from the database file (O(1); `journalConsistent` ties it to `store.journal`).
 */
export class FuzzHarness {
  private readonly db: Database.Database;
  private readonly maxSeq: Database.Statement;
  private readonly startJournal: number;
  private readonly startEntries: number;

  private readonly frozen = new WeakSet<object>();

  /** `journal` is the store's (`Store.journal`); `dbFile` its database. */
  constructor(
    private readonly hub: Hub,
    private readonly journal: (limit: number) => unknown[],
    dbFile: string,
    private readonly world: FuzzWorld,
    private readonly mode: CompareMode = 'json',
  ) {
    this.db = new Database(dbFile, { readonly: true, fileMustExist: true });
    this.maxSeq = this.db.prepare('SELECT ifnull(max(seq), 0) AS n FROM journal');
    this.startJournal = this.journalLength();
    this.startEntries = journal(Number.MAX_SAFE_INTEGER).length;
    this.freezeNew();
  }

  journalLength(): number {
    return (this.maxSeq.get() as { n: number }).n;
  }

  private maps(): ReadonlyMap<string, unknown>[] {
    const s = this.hub.state;
    return [s.people, s.depts, s.messages ?? new Map(), s.broadcasts ?? new Map()];
  }

  /** The state as the mode compares it (a string for `json`, the records' identities for `identity`) and the journal's length. */
  snapshot(): { state: string | unknown[]; journal: number } {
    if (this.mode === 'json') return { state: JSON.stringify(this.maps().map((m) => [...m])), journal: this.journalLength() };
    const refs: unknown[] = [];
    for (const m of this.maps()) {
      refs.push(m.size);
      for (const [k, v] of m) refs.push(k, v);
    }
    return { state: refs, journal: this.journalLength() };
  }

  private static same(a: ReturnType<FuzzHarness['snapshot']>, b: ReturnType<FuzzHarness['snapshot']>): boolean {
    if (a.journal !== b.journal) return false;
    if (typeof a.state === 'string' || typeof b.state === 'string') return a.state === b.state;
    const x = a.state;
    const y = b.state;
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }

  /** `identity`: deep-freezes every record not frozen yet (call it after anything else may have changed the state). */
  freezeNew(): void {
    if (this.mode !== 'identity') return;
    const freeze = (v: unknown): void => {
      if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
      Object.freeze(v);
      for (const x of Object.values(v)) freeze(x);
    };
    for (const m of this.maps()) {
      for (const v of m.values()) {
        if (typeof v !== 'object' || v === null || this.frozen.has(v)) continue;
        freeze(v);
        this.frozen.add(v);
      }
    }
  }

  /** Runs one case; `problems` lists every broken invariant. */
  run(c: FuzzCase): CaseOutcome {
    const before = this.snapshot();
    const problems: string[] = [];
    let response: Response | null = null;
    let crashed = false;
    try {
      const raw: unknown = this.hub.handleRequest(c.device, c.payload);
      const parsed = Response.safeParse(raw);
      if (parsed.success) response = parsed.data;
      else {
        crashed = true;
        problems.push(`not a Response: ${JSON.stringify(raw)?.slice(0, 300)} (${parsed.error.issues[0]?.message})`);
      }
    } catch (err) {
      crashed = true;
      problems.push(`handleRequest threw: ${err instanceof Error ? err.stack : String(err)}`);
    }
    const after = this.snapshot();
    const unchanged = FuzzHarness.same(before, after);
    if (!unchanged) this.freezeNew();
    const internal = response?.ok === false && response.error.code === 'internal';
    if (internal) problems.push(`answered internal: ${response!.ok === false ? response!.error.message : ''}`);
    let changedOnRefusal = false;
    if (response && !response.ok) {
      if (FIELD_CODES.has(response.error.code) && !response.error.field) problems.push(`${response.error.code} without a field: ${response.error.message}`);
      if (!unchanged) {
        changedOnRefusal = true;
        problems.push(`refused (${response.error.code}: ${response.error.message}) but the state changed`);
      }
      // the reply correlates: it carries the request's id whenever the payload was read
      if (response.error.code !== 'payload-too-large') {
        let raw: unknown;
        try {
          raw = JSON.parse(c.payload.toString());
        } catch {
          raw = undefined;
        }
        if (raw !== undefined && response.id !== requestIdOf(raw)) problems.push(`replied with id ${JSON.stringify(response.id)}, the request's is ${JSON.stringify(requestIdOf(raw))}`);
      }
    }
    return { response, problems, crashed, changedOnRefusal, internal, accepted: response?.ok === true };
  }

  /** A valid request still succeeds (and changes nothing): the probe message's own status again, from the employee's phone. */
  alive(): string | null {
    const m = this.hub.message(this.world.messages.probe);
    if (!m || m.status === 'waiting') return `the probe message is ${m ? 'waiting again' : 'gone'}`;
    const res = this.hub.handleRequest(this.world.employee.device, encode({ id: 'alive', op: 'message-status', args: { message: m.id, status: m.status } }));
    return res.ok ? null : `a valid request was refused afterwards: ${JSON.stringify(res.error)}`;
  }

  /** The journal length read from the database grew as much as `store.journal` did (a full read: call it once at the end). */
  journalConsistent(): string | null {
    const grown = this.journalLength() - this.startJournal;
    const entries = this.journal(Number.MAX_SAFE_INTEGER).length - this.startEntries;
    return grown === entries ? null : `store.journal has ${entries} new entries, the database's sequence ${grown}`;
  }

  close(): void {
    this.db.close();
  }
}
