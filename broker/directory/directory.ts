/**
 * The directory (RT-1, first part): departments, people, extensions, leaders, devices and
 * preferred colleagues. Loaded from a JSON file and validated as a whole: every problem is
 * reported with its path, and nothing is used when anything is wrong.
 */
import { z } from 'zod';
import { Id, DeviceKind } from '../../protocol/index.js';

export const DepartmentSpec = z.strictObject({
  id: Id,
  name: z.string().min(1),
  /** PH-1: OpenStreetMap opening_hours syntax */
  phoneHours: z.string().min(1),
  /** RT-1: personal extensions of a sensitive department are never published */
  sensitive: z.boolean().default(false),
  /** DV-3: a registered agreement that allows diverting to the switchboard */
  switchboardAgreement: z.boolean().default(false),
});

export const PersonSpec = z.strictObject({
  id: Id,
  name: z.string().min(1),
  title: z.string().nullable().default(null),
  dept: Id,
  extension: z.string().regex(/^[0-9]{2,8}$/, 'must be 2-8 digits'),
  leader: Id.nullable().default(null),
  preferred: z.array(Id).max(10).default([]),
  /** DV-3: the switchboard ("Omstillingen") is a person-like target that diversions may not use */
  role: z.enum(['employee', 'switchboard']).default('employee'),
});

export const DeviceSpec = z.strictObject({
  id: Id,
  kind: DeviceKind,
  person: Id.nullable().default(null),
});

export const DirectorySpec = z.strictObject({
  municipality: z.string().min(1),
  departments: z.array(DepartmentSpec).min(1),
  people: z.array(PersonSpec),
  devices: z.array(DeviceSpec),
});

export type Department = z.infer<typeof DepartmentSpec>;
export type Person = z.infer<typeof PersonSpec>;
export type Device = z.infer<typeof DeviceSpec>;
export type DirectoryData = z.infer<typeof DirectorySpec>;

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

/** A validated, indexed directory. Immutable once built. */
export class Directory {
  readonly departments: ReadonlyMap<string, Department>;
  readonly people: ReadonlyMap<string, Person>;
  readonly devices: ReadonlyMap<string, Device>;
  private readonly members: ReadonlyMap<string, readonly Person[]>;
  private readonly devicesOf: ReadonlyMap<string, readonly Device[]>;

  private constructor(readonly data: DirectoryData) {
    this.departments = new Map(data.departments.map((d) => [d.id, d]));
    this.people = new Map(data.people.map((p) => [p.id, p]));
    this.devices = new Map(data.devices.map((d) => [d.id, d]));
    const members = new Map<string, Person[]>();
    for (const p of data.people) members.set(p.dept, [...(members.get(p.dept) ?? []), p]);
    this.members = members;
    const devicesOf = new Map<string, Device[]>();
    for (const d of data.devices) if (d.person) devicesOf.set(d.person, [...(devicesOf.get(d.person) ?? []), d]);
    this.devicesOf = devicesOf;
  }

  /** Validates shape and references; throws DirectoryError listing every problem. */
  static parse(raw: unknown, source?: string): Directory {
    const parsed = DirectorySpec.safeParse(raw);
    if (!parsed.success) {
      throw new DirectoryError(
        parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })),
        source,
      );
    }
    const problems = crossCheck(parsed.data);
    if (problems.length) throw new DirectoryError(problems, source);
    return new Directory(parsed.data);
  }

  membersOf(deptId: string): readonly Person[] {
    return this.members.get(deptId) ?? [];
  }

  devicesOfPerson(personId: string): readonly Device[] {
    return this.devicesOf.get(personId) ?? [];
  }

  /** PR-4: is `leaderId` the leader of `personId`? */
  isLeaderOf(leaderId: string, personId: string): boolean {
    return this.people.get(personId)?.leader === leaderId;
  }
}

function crossCheck(d: DirectoryData): DirectoryProblem[] {
  const problems: DirectoryProblem[] = [];
  const dupes = (list: { id: string }[], what: string) => {
    const seen = new Set<string>();
    list.forEach((x, i) => {
      if (seen.has(x.id)) problems.push({ path: `${what}.${i}.id`, message: `duplicate id "${x.id}"` });
      seen.add(x.id);
    });
  };
  dupes(d.departments, 'departments');
  dupes(d.people, 'people');
  dupes(d.devices, 'devices');
  const depts = new Set(d.departments.map((x) => x.id));
  const people = new Set(d.people.map((x) => x.id));
  const extensions = new Map<string, number>();
  d.people.forEach((p, i) => {
    if (!depts.has(p.dept)) problems.push({ path: `people.${i}.dept`, message: `unknown department "${p.dept}"` });
    if (p.leader !== null && !people.has(p.leader)) problems.push({ path: `people.${i}.leader`, message: `unknown person "${p.leader}"` });
    if (p.leader === p.id) problems.push({ path: `people.${i}.leader`, message: 'a person cannot be their own leader' });
    p.preferred.forEach((c, j) => {
      if (!people.has(c)) problems.push({ path: `people.${i}.preferred.${j}`, message: `unknown person "${c}"` });
      if (c === p.id) problems.push({ path: `people.${i}.preferred.${j}`, message: 'a person cannot be their own preferred colleague' });
    });
    const prev = extensions.get(p.extension);
    if (prev !== undefined) problems.push({ path: `people.${i}.extension`, message: `extension ${p.extension} is also people.${prev}'s` });
    else extensions.set(p.extension, i);
  });
  d.devices.forEach((dev, i) => {
    if (dev.kind === 'phone' && dev.person === null) problems.push({ path: `devices.${i}.person`, message: 'a phone needs a person' });
    if (dev.kind === 'kiosk' && dev.person !== null) problems.push({ path: `devices.${i}.person`, message: 'a kiosk belongs to no person' });
    if (dev.person !== null && !people.has(dev.person)) problems.push({ path: `devices.${i}.person`, message: `unknown person "${dev.person}"` });
  });
  return problems;
}
