/**
 * A municipality for the fleet bench: the demo municipality (simulator/demo) copied as many
 * times as it takes to give `phones` people a desk phone, each copy with its own departments.
 *
 * Why not demoDirectory({peoplePerDept: phones / 15}): it always has the 15 departments of the
 * reference table, so 10,000 phones means departments of ~670 people. A phone follows its
 * department with one wildcard (`dept/{d}/member/+`), so every phone would get ~670 retained
 * messages on connect (10,000 × 670 = 6.7 million deliveries) and every diversion would fan out
 * to ~670 phones; and its extensions (10000 + dept × 1000 + i) collide beyond 1,000 a
 * department. Real municipal units are tens of people; here each copy's departments keep
 * `deptSize` people, so the fan-out per device stays what a real fleet sees while the fleet grows.
 *
 * Deterministic: the bench (hub side) and every farm process build the same directory.
 */
import type { DirectoryData } from '../broker/directory/directory.js';
import { demoDirectory } from '../simulator/demo/demo-directory.js';

export interface FleetDirectoryOptions {
  /** at least this many people with a desk phone (rounded up to whole copies of the demo) */
  phones: number;
  kiosks: number;
  /** people per department (default 40) */
  deptSize?: number;
}

export function fleetDirectory(opts: FleetDirectoryOptions): DirectoryData {
  const deptSize = opts.deptSize ?? 40;
  const base = demoDirectory({ peoplePerDept: deptSize, kiosks: 0 });
  const employees = base.people.filter((p) => p.role === 'employee').length;
  const copies = Math.max(1, Math.ceil(opts.phones / employees));
  // copy 0 keeps the demo's ids; copy k > 0 appends `-c{k}` (ids are [a-z0-9-])
  const id = (x: string, k: number) => (k === 0 ? x : `${x}-c${k}`);
  const departments: DirectoryData['departments'] = [];
  const groups: DirectoryData['groups'] = [];
  const people: DirectoryData['people'] = [];
  let ext = 0;
  let groupNo = 0;
  for (let k = 0; k < copies; k++) {
    for (const d of base.departments) departments.push({ ...d, id: id(d.id, k), name: k === 0 ? d.name : `${d.name} ${k + 1}` });
    for (const p of base.people) {
      if (p.role !== 'employee') continue; // one switchboard for the municipality
      people.push({
        ...p,
        id: id(p.id, k),
        dept: id(p.dept, k),
        // extensions and group numbers: 2-8 digits, unique across copies
        extension: String(100_000 + ext++),
        leader: p.leader === null ? null : id(p.leader, k),
        preferred: p.preferred.map((x) => id(x, k)),
      });
    }
    for (const g of base.groups) {
      groups.push({ ...g, id: id(g.id, k), name: k === 0 ? g.name : `${g.name} ${k + 1}`, dept: id(g.dept, k), number: String(7_000_000 + groupNo++), members: g.members.map((x) => id(x, k)) });
    }
  }
  people.push(...base.people.filter((p) => p.role !== 'employee'));
  const devices: DirectoryData['devices'] = people.filter((p) => p.role === 'employee').map((p) => ({ id: `phone-${p.id}`, kind: 'phone' as const, person: p.id }));
  for (let k = 1; k <= opts.kiosks; k++) devices.push({ id: `kiosk-${k}`, kind: 'kiosk', person: null });
  return { ...base, departments, groups, people, devices };
}
