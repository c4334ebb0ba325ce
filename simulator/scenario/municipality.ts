/**
 * The simulated day's municipality, drawn from the seed: departments with Randers' phone hours
 * (PH-1, `simulator/demo/randers-phone-hours.json`), their staff and leaders, one or two function
 * numbers each (PH-4) and the switchboard (DV-3). The same directory shape a directory file has
 * (RT-1), validated by the real `Directory.parse`. Pure.
 */
import { Directory, type DirectoryData } from '../../broker/directory/directory.js';
import { phoneHoursFor } from '../../broker/policy/hours/phone-hours.js';
import { addDays, atLocal } from '../../broker/policy/hours/zone.js';
import hours from '../demo/randers-phone-hours.json' with { type: 'json' };
import type { ScenarioParams } from './scenario-params.js';
import type { Random } from './seeded-streams.js';

/** The main number: the switchboard / reception ("Omstillingen"). */
export const MAIN_NUMBER = '89151515';
export const SWITCHBOARD_ID = 'omstillingen';

const FIRST = ['Anna', 'Bo', 'Camilla', 'Dorthe', 'Emil', 'Frida', 'Gitte', 'Henrik', 'Ida', 'Jens', 'Karen', 'Lars', 'Mette', 'Niels', 'Ole', 'Pia', 'Rasmus', 'Sofie', 'Torben', 'Ulla', 'Vibeke', 'William', 'Yrsa', 'Søren', 'Lærke', 'Jørgen', 'Maja', 'Kasper', 'Birthe'];
const LAST = ['Holm', 'Jensen', 'Nielsen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Sørensen', 'Rasmussen', 'Jørgensen', 'Petersen', 'Madsen', 'Kristensen', 'Olsen', 'Thomsen', 'Poulsen', 'Knudsen', 'Mortensen', 'Møller'];

/** A department as the day sees it. Times are epoch ms. */
export interface DeptPlan {
  id: string;
  name: string;
  /** employees, the leader first */
  staff: string[];
  leader: string;
  /** its function numbers' ids (PH-4) */
  groups: string[];
  /** PH-1: the phone hours on the simulated day */
  phoneIntervals: [number, number][];
  /** the working day of its staff: the scenario's, widened to cover the phone hours */
  work: [number, number];
}

export interface Municipality {
  data: DirectoryData;
  dir: Directory;
  depts: DeptPlan[];
  /** person or group id → its function (the group dialled, or the one the person works in; PH-4) */
  functionOf: ReadonlyMap<string, string>;
  /** group id → its members */
  members: ReadonlyMap<string, readonly string[]>;
}

export function generateMunicipality(params: ScenarioParams, random: Random): Municipality {
  // Borgerservice's phone line replaces its desk opening hours, as the demo does
  const entries = hours.entries.filter((e) => e.id !== 'borgerservice');
  const order = random.shuffle(entries);
  const departments: DirectoryData['departments'] = [];
  const people: DirectoryData['people'] = [];
  const groups: DirectoryData['groups'] = [];
  const depts: DeptPlan[] = [];
  const functionOf = new Map<string, string>();
  const members = new Map<string, string[]>();
  const dayStart = atLocal(params.date, '00:00');
  const dayEnd = atLocal(addDays(params.date, 1), '00:00');
  let n = 0;
  for (let d = 0; d < params.departments; d++) {
    const entry = order[d % order.length]!;
    const copy = Math.floor(d / order.length);
    const base = entry.id === 'borgerservice-telefon' ? 'borgerservice' : entry.id;
    const id = copy ? `${base}-${copy + 1}` : base;
    const name = (entry.id === 'borgerservice-telefon' ? 'Borgerservice' : entry.name) + (copy ? ` ${copy + 1}` : '');
    departments.push({ id, name, phoneHours: entry.hours, tasks: [], sensitive: false, switchboardAgreement: false, callbackWorkdays: 1, web: 'https://www.randers.dk/', digitalMail: true });
    const size = random.int(params.staff[0], params.staff[1]);
    const staff: string[] = [];
    for (let i = 0; i < size; i++, n++) {
      const pid = `p${String(n + 1).padStart(4, '0')}`;
      staff.push(pid);
      people.push({
        id: pid,
        name: `${FIRST[n % FIRST.length]} ${LAST[(n * 7 + Math.floor(n / FIRST.length)) % LAST.length]}`,
        title: i === 0 ? 'Afdelingsleder' : 'Sagsbehandler',
        dept: id,
        extension: String(20000 + d * 100 + i),
        leader: i === 0 ? null : staff[0]!,
        preferred: [],
        competencies: [],
        caseSplit: null,
        autoDivertMeetings: false,
        role: 'employee',
      });
    }
    // PH-4: one function number, two in a department of more than 25; the leader answers neither
    const workers = staff.slice(1);
    const count = size > 25 ? 2 : 1;
    const groupIds: string[] = [];
    for (let g = 0; g < count; g++) {
      const gid = `${id}-funktion-${g + 1}`;
      const gm = workers.filter((_, i) => i % count === g);
      groupIds.push(gid);
      members.set(gid, gm);
      functionOf.set(gid, gid);
      for (const m of gm) functionOf.set(m, gid);
      groups.push({ id: gid, name: `${name}, funktion ${g + 1}`, dept: id, number: String(20000 + d * 100 + 90 + g), members: gm, phoneHours: null, tasks: [] });
    }
    functionOf.set(staff[0]!, groupIds[0]!);
    const phoneIntervals = phoneHoursFor(entry.hours)
      .intervals(dayStart, dayEnd)
      .map((iv): [number, number] => [iv.start.getTime(), iv.end.getTime()]);
    const ws = atLocal(params.date, params.workday[0]).getTime();
    const we = atLocal(params.date, params.workday[1]).getTime();
    const work: [number, number] = [Math.min(ws, ...phoneIntervals.map((x) => x[0])), Math.max(we, ...phoneIntervals.map((x) => x[1]))];
    depts.push({ id, name, staff, leader: staff[0]!, groups: groupIds, phoneIntervals, work });
  }
  // preferred colleagues (DV-1): the next two in the department and one in the next department
  depts.forEach((dept, d) => {
    const next = depts[(d + 1) % depts.length]!;
    dept.staff.forEach((pid, i) => {
      const p = people.find((x) => x.id === pid)!;
      const pref = [dept.staff[(i + 1) % dept.staff.length]!, dept.staff[(i + 2) % dept.staff.length]!];
      const outside = next.staff[i % next.staff.length]!;
      p.preferred = [...new Set([...pref, outside])].filter((x) => x !== pid);
    });
  });
  // DV-3: the switchboard is a person-like target that diversions may not use
  people.push({ id: SWITCHBOARD_ID, name: 'Omstillingen', title: 'Hovednummer', dept: depts[0]!.id, extension: MAIN_NUMBER, leader: null, preferred: [], competencies: [], caseSplit: null, autoDivertMeetings: false, role: 'switchboard' });
  const devices: DirectoryData['devices'] = people.filter((p) => p.role === 'employee').map((p) => ({ id: `phone-${p.id}`, kind: 'phone' as const, person: p.id }));
  devices.push({ id: 'kiosk-reception', kind: 'kiosk', person: null });
  const data: DirectoryData = { municipality: `Simulated municipality (seed ${params.seed})`, settings: { maxHops: 3 }, departments, groups, people, devices };
  return { data, dir: Directory.parse(data, 'the simulated municipality'), depts, functionOf, members };
}
