/**
 * Per-audience projections (DESIGN principle 4). Public projections are built field by
 * field from an allow-list, so a private field added to the record can never leak (PR-2).
 */
import type { DeptPublic, DeviceConfig, PersonOwn, PersonPublic } from '../../protocol/index.js';
import type { Department, Device, Directory } from '../directory/directory.js';
import { activeDiversion, type PersonRecord } from './person-record.js';

export function personPublic(rec: PersonRecord, dir: Directory): PersonPublic {
  const person = dir.people.get(rec.personId);
  if (!person) throw new Error(`no person ${rec.personId} in the directory`);
  const sensitive = dir.departments.get(person.dept)?.sensitive ?? false;
  const d = activeDiversion(rec);
  return {
    personId: rec.personId,
    name: person.name,
    deptId: person.dept,
    title: person.title,
    extension: sensitive ? null : person.extension, // RT-1
    presence: rec.presence,
    backAt: rec.backAt,
    diversion: d ? { to: d.to, toName: nameOf(dir, d.to), until: d.until } : null,
    rev: rec.rev,
    updatedAt: rec.updatedAt,
  };
}

/** The employee's own view (and their leader's): adds own diversion state, incoming diversions and the private reason. */
export function personOwn(rec: PersonRecord, dir: Directory, records: ReadonlyMap<string, PersonRecord>): PersonOwn {
  const d = rec.diversion;
  const incoming: PersonOwn['incoming'] = [];
  for (const other of records.values()) {
    const od = activeDiversion(other);
    if (od && od.to === rec.personId) {
      incoming.push({ from: other.personId, fromName: nameOf(dir, other.personId), since: od.since, until: od.until });
    }
  }
  incoming.sort((a, b) => a.since.localeCompare(b.since) || a.from.localeCompare(b.from));
  return {
    ...personPublic(rec, dir),
    ownDiversion: d ? { to: d.to, toName: nameOf(dir, d.to), since: d.since, until: d.until, status: d.status } : null,
    incoming,
    absenceReason: rec.absenceReason,
  };
}

export function deptPublic(dept: Department, rev: number): DeptPublic {
  return { deptId: dept.id, name: dept.name, phoneHours: dept.phoneHours, sensitive: dept.sensitive, rev };
}

export function deviceConfig(device: Device, dir: Directory, rev: number): DeviceConfig {
  const person = device.person ? dir.people.get(device.person) : undefined;
  const preferred = person?.preferred ?? [];
  return {
    deviceId: device.id,
    kind: device.kind,
    personId: person?.id ?? null,
    deptId: person?.dept ?? null,
    preferred,
    // preferred colleagues outside the own department are watched one by one; the department by wildcard
    watch: preferred.filter((id) => dir.people.get(id)?.dept !== person?.dept),
    rev,
  };
}

function nameOf(dir: Directory, personId: string): string {
  return dir.people.get(personId)?.name ?? personId;
}
