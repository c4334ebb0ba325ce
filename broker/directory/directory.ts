/**
 * The directory (RT-1, first part): departments, people, extensions, leaders, devices and
 * preferred colleagues. Loaded from a JSON file and validated as a whole: every problem is
 * reported with its path, and nothing is used when anything is wrong.
 */
import { z } from 'zod';
import { Id, DeviceKind } from '../../protocol/index.js';
import { checkPhoneHours } from '../policy/hours/phone-hours.js';

/** A number someone can dial: 2-8 digits for internal numbers, as PBXes hold them. */
const Number_ = z.string().regex(/^[0-9]{2,8}$/, 'must be 2-8 digits');
const Keyword = z.string().trim().min(1).max(60);

export const DepartmentSpec = z.strictObject({
  id: Id,
  name: z.string().min(1),
  /** PH-1: OpenStreetMap opening_hours syntax, Europe/Copenhagen; `PH off` closes on Danish public holidays */
  phoneHours: z.string().min(1),
  /** RT-1/RT-2: task keywords reception and the voicebot search by */
  tasks: z.array(Keyword).max(100).default([]),
  /** RT-1: personal extensions of a sensitive department are never published */
  sensitive: z.boolean().default(false),
  /** DV-3: a registered agreement that allows diverting to the switchboard */
  switchboardAgreement: z.boolean().default(false),
  /** AS-2: call-backs are due within this many workdays (policy default 1, at most 2) */
  callbackWorkdays: z.union([z.literal(1), z.literal(2)]).default(1),
  /** PH-2: where callers can turn outside phone hours */
  web: z.string().url().nullable().default(null),
  /** PH-2: the department takes Digital Post */
  digitalMail: z.boolean().default(true),
});

/** PH-4: a group (function) number, answered by whoever of its members is available. */
export const GroupSpec = z.strictObject({
  id: Id,
  name: z.string().min(1),
  dept: Id,
  number: Number_,
  members: z.array(Id).min(1).max(500),
  /** PH-1: the function's own phone hours; null means the department's */
  phoneHours: z.string().min(1).nullable().default(null),
  tasks: z.array(Keyword).max(100).default([]),
});

/** RT-1: which citizens' cases a person handles. */
export const CaseSplit = z.strictObject({
  /** CPR birth-date days, e.g. [1, 15] for citizens born on the 1st to the 15th */
  birthDays: z.tuple([z.number().int().min(1).max(31), z.number().int().min(1).max(31)]).nullable().default(null),
  districts: z.array(Keyword).max(50).default([]),
});

export const PersonSpec = z.strictObject({
  id: Id,
  name: z.string().min(1),
  /** RT-1: the person's function, shown with the name */
  title: z.string().nullable().default(null),
  dept: Id,
  extension: Number_,
  leader: z.nullable(Id).default(null),
  preferred: z.array(Id).max(10).default([]),
  /** RT-1/RT-2: keywords reception and the voicebot search by */
  competencies: z.array(Keyword).max(100).default([]),
  caseSplit: CaseSplit.nullable().default(null),
  /** DV-5: divert automatically for calendar meetings (to the suggested colleague), not just offer it */
  autoDivertMeetings: z.boolean().default(false),
  /** DV-3: the switchboard ("Omstillingen") is a person-like target that diversions may not use */
  role: z.enum(['employee', 'switchboard']).default('employee'),
});

export const DeviceSpec = z.strictObject({
  id: Id,
  kind: DeviceKind,
  person: z.nullable(Id).default(null),
});

/** Where municipalities differ, the rule is a setting with POLICY.md's default. */
export const PolicySettings = z.strictObject({
  /** DV-4: hops a call may take through diversions */
  maxHops: z.number().int().min(1).max(5).default(3),
});

export const DirectorySpec = z.strictObject({
  municipality: z.string().min(1),
  settings: PolicySettings.default({ maxHops: 3 }),
  departments: z.array(DepartmentSpec).min(1),
  groups: z.array(GroupSpec).default([]),
  people: z.array(PersonSpec),
  devices: z.array(DeviceSpec),
});

export type Department = z.infer<typeof DepartmentSpec>;
export type Person = z.infer<typeof PersonSpec>;
export type Group = z.infer<typeof GroupSpec>;
export type Device = z.infer<typeof DeviceSpec>;
export type DirectoryData = z.infer<typeof DirectorySpec>;
/** What a directory file may contain: defaults may be left out. */
export type DirectoryInput = z.input<typeof DirectorySpec>;

export interface DirectoryProblem {
  path: string;
  message: string;
}

export class DirectoryError extends Error {
  constructor(readonly problems: DirectoryProblem[], source = 'directory') {
    super(`${source} has ${problems.length} problem(s):\n` + problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'));
    this.name = 'DirectoryError';
  }
}

/** Something a number rings or a diversion can point at. */
export type Target = { kind: 'person'; person: Person } | { kind: 'group'; group: Group };

/** A validated, indexed directory. Immutable once built. */
export class Directory {
  readonly departments: ReadonlyMap<string, Department>;
  readonly people: ReadonlyMap<string, Person>;
  readonly groups: ReadonlyMap<string, Group>;
  readonly devices: ReadonlyMap<string, Device>;
  readonly settings: DirectoryData['settings'];
  private readonly members: ReadonlyMap<string, readonly Person[]>;
  private readonly devicesOf: ReadonlyMap<string, readonly Device[]>;
  private readonly staff: ReadonlyMap<string, readonly Person[]>;
  private readonly groupsOfDept: ReadonlyMap<string, readonly Group[]>;
  private readonly numbers: ReadonlyMap<string, Target>;

  private constructor(readonly data: DirectoryData) {
    this.settings = data.settings;
    this.departments = new Map(data.departments.map((d) => [d.id, d]));
    this.people = new Map(data.people.map((p) => [p.id, p]));
    this.groups = new Map(data.groups.map((g) => [g.id, g]));
    this.devices = new Map(data.devices.map((d) => [d.id, d]));
    this.members = groupBy(data.people, (p) => p.dept);
    this.staff = groupBy(data.people, (p) => p.leader);
    this.groupsOfDept = groupBy(data.groups, (g) => g.dept);
    this.devicesOf = groupBy(data.devices, (d) => d.person);
    const numbers = new Map<string, Target>();
    for (const person of data.people) numbers.set(person.extension, { kind: 'person', person });
    for (const group of data.groups) numbers.set(group.number, { kind: 'group', group });
    this.numbers = numbers;
  }

  /** Validates shape and references; throws DirectoryError listing every problem. */
  static parse(raw: unknown, source?: string): Directory {
    const result = validateDirectory(raw);
    if (!result.ok) throw new DirectoryError(result.problems, source);
    return new Directory(result.data);
  }

  membersOf(deptId: string): readonly Person[] {
    return this.members.get(deptId) ?? [];
  }

  groupsOf(deptId: string): readonly Group[] {
    return this.groupsOfDept.get(deptId) ?? [];
  }

  devicesOfPerson(personId: string): readonly Device[] {
    return this.devicesOf.get(personId) ?? [];
  }

  /** PR-4: the people whose leader is `leaderId`. */
  staffOf(leaderId: string): readonly Person[] {
    return this.staff.get(leaderId) ?? [];
  }

  /** PR-4: is `leaderId` the leader of `personId`? */
  isLeaderOf(leaderId: string, personId: string): boolean {
    return this.people.get(personId)?.leader === leaderId;
  }

  /** A person or group by id (ids are unique across both). */
  target(id: string): Target | undefined {
    const person = this.people.get(id);
    if (person) return { kind: 'person', person };
    const group = this.groups.get(id);
    return group ? { kind: 'group', group } : undefined;
  }

  /** What a dialled internal number reaches. */
  byNumber(number: string): Target | undefined {
    return this.numbers.get(number);
  }

  /** Display name of a person or group id. */
  nameOf(id: string): string {
    return this.people.get(id)?.name ?? this.groups.get(id)?.name ?? id;
  }
}

function groupBy<T>(list: readonly T[], key: (x: T) => string | null): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of list) {
    const k = key(x);
    if (k === null) continue;
    const bucket = out.get(k);
    if (bucket) bucket.push(x);
    else out.set(k, [x]);
  }
  return out;
}

export type Validation = { ok: true; data: DirectoryData } | { ok: false; problems: DirectoryProblem[] };

/** Shape, references and phone-hours syntax, every problem with its path (e.g. `people.3.dept`). */
export function validateDirectory(raw: unknown): Validation {
  const parsed = DirectorySpec.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })) };
  }
  const problems = crossCheck(parsed.data);
  return problems.length ? { ok: false, problems } : { ok: true, data: parsed.data };
}

function crossCheck(d: DirectoryData): DirectoryProblem[] {
  const problems: DirectoryProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  const dupes = (list: { id: string }[], what: string, taken = new Map<string, string>()) => {
    list.forEach((x, i) => {
      const prev = taken.get(x.id);
      if (prev !== undefined) problem(`${what}.${i}.id`, `duplicate id "${x.id}" (also ${prev})`);
      else taken.set(x.id, `${what}.${i}`);
    });
  };
  dupes(d.departments, 'departments');
  // a diversion target names a person or a group: one namespace for both
  const targets = new Map<string, string>();
  dupes(d.people, 'people', targets);
  dupes(d.groups, 'groups', targets);
  dupes(d.devices, 'devices');
  const depts = new Set(d.departments.map((x) => x.id));
  const people = new Set(d.people.map((x) => x.id));
  const hours = (path: string, expr: string | null) => {
    const err = expr === null ? null : checkPhoneHours(expr);
    if (err) problem(path, `not valid opening_hours syntax (PH-1): ${err}`);
  };
  d.departments.forEach((dept, i) => hours(`departments.${i}.phoneHours`, dept.phoneHours));
  const numbers = new Map<string, string>();
  const number = (path: string, n: string) => {
    const prev = numbers.get(n);
    if (prev !== undefined) problem(path, `number ${n} is also ${prev}'s`);
    else numbers.set(n, path.slice(0, path.lastIndexOf('.')));
  };
  d.people.forEach((p, i) => {
    if (!depts.has(p.dept)) problem(`people.${i}.dept`, `unknown department "${p.dept}"`);
    if (p.leader !== null && !people.has(p.leader)) problem(`people.${i}.leader`, `unknown person "${p.leader}"`);
    if (p.leader === p.id) problem(`people.${i}.leader`, 'a person cannot be their own leader');
    p.preferred.forEach((c, j) => {
      if (!people.has(c)) problem(`people.${i}.preferred.${j}`, `unknown person "${c}"`);
      if (c === p.id) problem(`people.${i}.preferred.${j}`, 'a person cannot be their own preferred colleague');
    });
    const days = p.caseSplit?.birthDays;
    if (days && days[0] > days[1]) problem(`people.${i}.caseSplit.birthDays`, 'the first day must not be after the last');
    number(`people.${i}.extension`, p.extension);
  });
  d.groups.forEach((g, i) => {
    if (!depts.has(g.dept)) problem(`groups.${i}.dept`, `unknown department "${g.dept}"`);
    const seen = new Set<string>();
    g.members.forEach((m, j) => {
      if (!people.has(m)) problem(`groups.${i}.members.${j}`, `unknown person "${m}"`);
      else if (seen.has(m)) problem(`groups.${i}.members.${j}`, `"${m}" is listed twice`);
      seen.add(m);
    });
    hours(`groups.${i}.phoneHours`, g.phoneHours);
    number(`groups.${i}.number`, g.number);
  });
  d.devices.forEach((dev, i) => {
    if (dev.kind === 'phone' && dev.person === null) problem(`devices.${i}.person`, 'a phone needs a person');
    if (dev.kind === 'kiosk' && dev.person !== null) problem(`devices.${i}.person`, 'a kiosk belongs to no person');
    if (dev.person !== null && !people.has(dev.person)) problem(`devices.${i}.person`, `unknown person "${dev.person}"`);
  });
  return problems;
}
