/**
 * A fictional municipality for demos, tests and benchmarks. Its departments and their
 * phone hours come from Randers Kommune's published table (randers-phone-hours.json, a
 * copy of the reference data); the people are invented.
 */
import type { DirectoryData } from '../../broker/directory/directory.js';
import { foldDanish } from '../../protocol/labels.js';
import hours from './randers-phone-hours.json' with { type: 'json' };

const FIRST = ['Anna', 'Bo', 'Camilla', 'Dorthe', 'Emil', 'Frida', 'Gitte', 'Henrik', 'Ida', 'Jens', 'Karen', 'Lars', 'Mette', 'Niels', 'Ole', 'Pia', 'Rasmus', 'Sofie', 'Torben', 'Ulla', 'Vibeke', 'William', 'Yrsa', 'Åse', 'Søren', 'Lærke', 'Jørgen', 'Maja', 'Kasper', 'Birthe'];
const LAST = ['Holm', 'Jensen', 'Nielsen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Sørensen', 'Rasmussen', 'Jørgensen', 'Petersen', 'Madsen', 'Kristensen', 'Olsen', 'Thomsen', 'Poulsen', 'Knudsen', 'Mortensen', 'Møller', 'Dahl', 'Bech', 'Lund', 'Krogh', 'Skov', 'Vestergaard', 'Friis', 'Bak', 'Kjær', 'Østergaard'];
const TITLES = ['Sagsbehandler', 'Rådgiver', 'Konsulent', 'Administrativ medarbejder', 'Specialist'];

/** RT-1/RT-2: what each department does, as reception searches for it. */
const TASKS: Record<string, string[]> = {
  borgerservice: ['pas', 'kørekort', 'sundhedskort', 'flytning', 'NemID', 'MitID', 'folkepension'],
  administration: ['byråd', 'aktindsigt', 'klage'],
  'social-arbejdsmarked': ['handicap', 'hjælpemidler', 'bostøtte'],
  jobcenter: ['ledighed', 'jobsøgning', 'ressourceforløb', 'fleksjob'],
  familie: ['børnesager', 'underretning', 'familiebehandling', 'samvær'],
  betalingskontor: ['restance', 'adressekontrol', 'betaling', 'inddrivelse'],
  daginstitution: ['daginstitution', 'forældrebetaling', 'friplads', 'pasningsgaranti'],
  kontanthjaelp: ['kontanthjælp', 'sygedagpenge', 'uddannelseshjælp'],
  visitationen: ['hjemmehjælp', 'plejebolig', 'madservice'],
  'miljo-teknik': ['byggetilladelse', 'affald', 'vej', 'spildevand'],
  ppr: ['skolepsykolog', 'tale-høre', 'specialundervisning'],
  misbrugscenter: ['misbrug', 'rådgivning', 'behandling'],
  'born-skole': ['skoleindskrivning', 'skolebus', 'SFO'],
  'kultur-borgerservice': ['bibliotek', 'kultur', 'foreninger', 'lokaler'],
  kirkegaard: ['gravsted', 'begravelse', 'urnenedsættelse'],
};
const DISTRICTS = ['Nord', 'Syd', 'Øst', 'Vest'];

/** Departments whose personal extensions are never published (RT-1). */
const SENSITIVE = new Set(['misbrugscenter']);

export interface DemoOptions {
  /** people (each with a desk phone) per department; the first is the department's leader */
  peoplePerDept?: number;
  kiosks?: number;
}

export function slug(text: string): string {
  return foldDanish(text, '-');
}

export function demoDirectory(opts: DemoOptions = {}): DirectoryData {
  const perDept = opts.peoplePerDept ?? 4;
  const kiosks = opts.kiosks ?? 2;
  // Borgerservice's phone hours replace its desk opening hours; the rest use their opening hours.
  const entries = hours.entries.filter((e) => e.id !== 'borgerservice');
  const departments = entries.map((e) => ({
    id: e.id === 'borgerservice-telefon' ? 'borgerservice' : e.id,
    name: e.id === 'borgerservice-telefon' ? 'Borgerservice' : e.name,
    phoneHours: e.hours,
    tasks: TASKS[e.id === 'borgerservice-telefon' ? 'borgerservice' : e.id] ?? [],
    sensitive: SENSITIVE.has(e.id),
    switchboardAgreement: false,
    callbackWorkdays: 1 as const,
    web: 'https://www.randers.dk/',
    digitalMail: true,
  }));
  const people: DirectoryData['people'] = [];
  const used = new Set<string>();
  let n = 0;
  departments.forEach((dept, d) => {
    const ids: string[] = [];
    for (let i = 0; i < perDept; i++, n++) {
      const name = `${FIRST[n % FIRST.length]} ${LAST[(n * 7 + Math.floor(n / FIRST.length)) % LAST.length]}`;
      let id = slug(name);
      for (let k = 2; used.has(id); k++) id = `${slug(name)}-${k}`;
      used.add(id);
      ids.push(id);
      people.push({
        id,
        name,
        title: i === 0 ? 'Afdelingsleder' : TITLES[n % TITLES.length]!,
        dept: dept.id,
        extension: String(10000 + d * 1000 + i),
        leader: null,
        preferred: [],
        competencies: (TASKS[dept.id] ?? []).filter((_, k) => k % perDept === i % perDept),
        // RT-1: caseworkers split the citizens by CPR birth date; everyone else by district
        caseSplit: i === 0 ? null : i % 2 ? { birthDays: i === 1 ? [1, 15] : [16, 31], districts: [] } : { birthDays: null, districts: [DISTRICTS[i % DISTRICTS.length]!] },
        autoDivertMeetings: false,
        role: 'employee',
      });
    }
  });
  // leaders and preferred colleagues: the next one in the department, and one in the next department
  const byDept = departments.map((dept) => people.filter((p) => p.dept === dept.id));
  byDept.forEach((members, d) => {
    const neighbour = byDept[(d + 1) % byDept.length]!;
    members.forEach((p, i) => {
      if (i > 0) p.leader = members[0]!.id;
      const pref: string[] = [];
      if (members.length > 1) pref.push(members[(i + 1) % members.length]!.id);
      if (members.length > 2) pref.push(members[(i + 2) % members.length]!.id);
      const outside = neighbour[i % neighbour.length];
      if (outside && outside.id !== p.id) pref.push(outside.id);
      p.preferred = pref;
    });
  });
  // DV-3: the switchboard, a target diversions must never use
  people.push({ id: 'omstillingen', name: 'Omstillingen', title: 'Hovednummer', dept: 'administration', extension: '89151515', leader: null, preferred: [], competencies: [], caseSplit: null, autoDivertMeetings: false, role: 'switchboard' });
  // PH-4: each department answers on a group number: everyone but the leader
  const groups: DirectoryData['groups'] = departments.map((dept, d) => ({
    id: `${dept.id}-gruppe`,
    name: `${dept.name}, fællesnummer`,
    dept: dept.id,
    number: String(10000 + d * 1000 + 900),
    members: byDept[d]!.filter((_, i) => i > 0 || byDept[d]!.length === 1).map((p) => p.id),
    phoneHours: null,
    tasks: [],
  }));
  const devices: DirectoryData['devices'] = people.filter((p) => p.role === 'employee').map((p) => ({ id: `phone-${p.id}`, kind: 'phone' as const, person: p.id }));
  for (let k = 1; k <= kiosks; k++) devices.push({ id: `kiosk-${k}`, kind: 'kiosk', person: null });
  return { municipality: 'Omstil Kommune (demo)', settings: { maxHops: 3 }, departments, groups, people, devices };
}
