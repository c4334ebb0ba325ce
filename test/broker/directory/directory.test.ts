import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Directory, DirectoryError, type DirectoryProblem } from '../../../broker/directory/directory.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';

const t = suite('broker/directory');

/** A small valid directory: a leader and two staff in Familie, one person in Jobcenter, a kiosk. */
function raw() {
  return {
    municipality: 'Testkommune',
    departments: [
      { id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00' },
      { id: 'jobcenter', name: 'Jobcenter', phoneHours: 'Mo-Fr 09:00-14:00', sensitive: true },
    ],
    people: [
      { id: 'lea', name: 'Lea Leder', dept: 'familie', extension: '1000' },
      { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001', leader: 'lea', preferred: ['bo', 'carl'] },
      { id: 'bo', name: 'Bo Jensen', dept: 'familie', extension: '1002', leader: 'lea' },
      { id: 'carl', name: 'Carl Dahl', dept: 'jobcenter', extension: '2001' },
    ],
    devices: [
      { id: 'phone-anna', kind: 'phone', person: 'anna' },
      { id: 'phone-anna-2', kind: 'phone', person: 'anna' },
      { id: 'phone-bo', kind: 'phone', person: 'bo' },
      { id: 'kiosk-1', kind: 'kiosk' },
    ],
  };
}

function problemsOf(input: unknown): DirectoryProblem[] {
  try {
    Directory.parse(input, 'test.json');
  } catch (err) {
    assert.instance(err, DirectoryError);
    const e = err as DirectoryError;
    assert.match(e.message, `test.json has ${e.problems.length} problem(s)`);
    for (const p of e.problems) assert.match(e.message, `${p.path}: ${p.message}`);
    return e.problems;
  }
  assert.unreachable('the directory was accepted');
  return [];
}

/** Exactly one problem, at `path`, whose message matches. */
function onlyProblem(input: unknown, path: string, message: RegExp): void {
  const problems = problemsOf(input);
  assert.equal(problems.map((p) => p.path), [path]);
  assert.match(problems[0]!.message, message);
}

t('the demo directory parses, switchboard included', () => {
  const demo = demoDirectory();
  const dir = Directory.parse(demo);
  assert.is(dir.people.size, demo.people.length);
  assert.is(dir.departments.size, demo.departments.length);
  assert.is(dir.devices.size, demo.devices.length);
  assert.is(dir.people.get('omstillingen')?.role, 'switchboard');
  // every employee has a phone; the switchboard has none; kiosks have no person
  assert.is(dir.devicesOfPerson('omstillingen').length, 0);
  assert.is(dir.devices.get('kiosk-1')?.person, null);
});

t('the small fixture parses and defaults are filled in', () => {
  const dir = Directory.parse(raw());
  const lea = dir.people.get('lea')!;
  assert.is(lea.leader, null);
  assert.is(lea.title, null);
  assert.equal(lea.preferred, []);
  assert.is(lea.role, 'employee');
  assert.is(dir.departments.get('familie')!.sensitive, false);
  assert.is(dir.departments.get('familie')!.switchboardAgreement, false);
  assert.is(dir.departments.get('jobcenter')!.sensitive, true);
  assert.is(dir.devices.get('kiosk-1')!.person, null);
});

t('shape problems are all reported with their paths', () => {
  const d = raw();
  (d.people[1] as Record<string, unknown>).extension = '12a';
  (d.departments[0] as Record<string, unknown>).name = '';
  (d.devices[0] as Record<string, unknown>).kind = 'desk';
  const paths = problemsOf(d).map((p) => p.path).sort();
  assert.equal(paths, ['departments.0.name', 'devices.0.kind', 'people.1.extension']);
});

t('a directory without departments, or not an object, is refused', () => {
  assert.equal(problemsOf({ ...raw(), departments: [] }).map((p) => p.path), ['departments']);
  assert.equal(problemsOf(null).map((p) => p.path), ['(root)']);
});

t('duplicate ids of departments, people and devices', () => {
  const d = raw();
  d.departments.push({ id: 'familie', name: 'Familie 2', phoneHours: 'Mo 08:00-09:00' });
  onlyProblem(d, 'departments.2.id', /duplicate id "familie"/);
  const p = raw();
  p.people.push({ id: 'bo', name: 'Bo Andersen', dept: 'familie', extension: '1099' });
  onlyProblem(p, 'people.4.id', /duplicate id "bo"/);
  const v = raw();
  v.devices.push({ id: 'phone-bo', kind: 'phone', person: 'bo' });
  onlyProblem(v, 'devices.4.id', /duplicate id "phone-bo"/);
});

t('a person in an unknown department', () => {
  const d = raw();
  d.people[2]!.dept = 'skat';
  onlyProblem(d, 'people.2.dept', /unknown department "skat"/);
});

t('an unknown leader', () => {
  const d = raw();
  d.people[1]!.leader = 'ghost';
  onlyProblem(d, 'people.1.leader', /unknown person "ghost"/);
});

t('a person who is their own leader', () => {
  const d = raw();
  d.people[1]!.leader = 'anna';
  onlyProblem(d, 'people.1.leader', /own leader/);
});

t('an unknown preferred colleague, and oneself as preferred', () => {
  const d = raw();
  d.people[1]!.preferred = ['bo', 'ghost'];
  onlyProblem(d, 'people.1.preferred.1', /unknown person "ghost"/);
  const s = raw();
  s.people[1]!.preferred = ['anna'];
  onlyProblem(s, 'people.1.preferred.0', /own preferred/);
});

t('a duplicate extension names the earlier holder', () => {
  const d = raw();
  d.people[3]!.extension = '1001';
  onlyProblem(d, 'people.3.extension', /1001 is also people\.1's/);
  // a third holder also names the first one
  const three = raw();
  three.people[2]!.extension = '1001';
  three.people[3]!.extension = '1001';
  const problems = problemsOf(three);
  assert.equal(problems.map((p) => p.path), ['people.2.extension', 'people.3.extension']);
  for (const p of problems) assert.match(p.message, "also people.1's");
});

t('a phone without a person', () => {
  const d = raw();
  delete (d.devices[2] as Record<string, unknown>).person;
  onlyProblem(d, 'devices.2.person', /phone needs a person/);
});

t('a kiosk with a person', () => {
  const d = raw();
  (d.devices[3] as Record<string, unknown>).person = 'bo';
  onlyProblem(d, 'devices.3.person', /kiosk belongs to no person/);
});

t('a device with an unknown person', () => {
  const d = raw();
  d.devices[2]!.person = 'ghost';
  onlyProblem(d, 'devices.2.person', /unknown person "ghost"/);
});

t('several problems are all reported at once, and nothing is built', () => {
  const d = raw();
  d.people[1]!.leader = 'anna';
  d.people[2]!.dept = 'skat';
  d.people[3]!.extension = '1000';
  d.people[3]!.preferred = ['ghost'];
  d.devices[2]!.person = 'ghost';
  d.devices.push({ id: 'kiosk-1', kind: 'kiosk' });
  const paths = problemsOf(d).map((p) => p.path).sort();
  assert.equal(paths, ['devices.2.person', 'devices.4.id', 'people.1.leader', 'people.2.dept', 'people.3.extension', 'people.3.preferred.0']);
});

t('membersOf lists a department in directory order; an unknown department has none', () => {
  const dir = Directory.parse(raw());
  assert.equal(dir.membersOf('familie').map((p) => p.id), ['lea', 'anna', 'bo']);
  assert.equal(dir.membersOf('jobcenter').map((p) => p.id), ['carl']);
  assert.equal(dir.membersOf('skat'), []);
});

t('devicesOfPerson: every device of a person; none for a person without one', () => {
  const dir = Directory.parse(raw());
  assert.equal(dir.devicesOfPerson('anna').map((d) => d.id), ['phone-anna', 'phone-anna-2']);
  assert.equal(dir.devicesOfPerson('bo').map((d) => d.id), ['phone-bo']);
  assert.equal(dir.devicesOfPerson('carl'), []);
  assert.equal(dir.devicesOfPerson('ghost'), []);
});

t('isLeaderOf (PR-4): only the registered leader, not the reverse, not a colleague', () => {
  const dir = Directory.parse(raw());
  assert.is(dir.isLeaderOf('lea', 'anna'), true);
  assert.is(dir.isLeaderOf('lea', 'bo'), true);
  assert.is(dir.isLeaderOf('anna', 'lea'), false);
  assert.is(dir.isLeaderOf('bo', 'anna'), false);
  assert.is(dir.isLeaderOf('lea', 'carl'), false);
  assert.is(dir.isLeaderOf('lea', 'lea'), false);
  assert.is(dir.isLeaderOf('lea', 'ghost'), false);
});

t.run();
