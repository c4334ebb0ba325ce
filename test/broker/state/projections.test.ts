import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BroadcastList, DeptPublic, DeviceConfig, PersonOwn, PersonPublic, decodeValue } from '../../../protocol/index.js';
import type { BroadcastRecord } from '../../../broker/state/broadcast-record.js';
import { initialDeptRecord } from '../../../broker/state/dept-record.js';
import { Directory } from '../../../broker/directory/directory.js';
import { initialRecord, revise, type DiversionRecord, type PersonRecord } from '../../../broker/state/person-record.js';
import { broadcastList, deptPublic, deviceConfig, personOwn, personPublic } from '../../../broker/state/projections.js';

const t = suite('broker/state/projections');

const NOW = new Date('2026-11-23T09:00:00+01:00');
const BACK = '2026-11-30T08:00:00+01:00';

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [
    { id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00', tasks: ['underretning'] },
    { id: 'misbrugscenter', name: 'Misbrugscenter', phoneHours: 'Mo-Fr 09:00-12:00', sensitive: true },
    { id: 'jobcenter', name: 'Jobcenter', phoneHours: 'Mo-Fr 09:00-14:00' },
  ],
  groups: [{ id: 'familie-gruppe', name: 'Familie, fællesnummer', dept: 'familie', number: '1900', members: ['anna', 'bo'], tasks: ['plejefamilie', 'aflastning'] }],
  people: [
    { id: 'lea', name: 'Lea Leder', title: 'Afdelingsleder', dept: 'familie', extension: '1000' },
    { id: 'anna', name: 'Anna Holm', title: 'Rådgiver', dept: 'familie', extension: '1001', leader: 'lea', preferred: ['bo', 'mia', 'carl', 'jens'], competencies: ['Underretninger', 'Børnefaglig undersøgelse'] },
    { id: 'bo', name: 'Bo Jensen', dept: 'familie', extension: '1002', leader: 'lea' },
    { id: 'carl', name: 'Carl Dahl', dept: 'jobcenter', extension: '3001' },
    { id: 'jens', name: 'Jens Lund', dept: 'jobcenter', extension: '3002' },
    { id: 'mia', name: 'Mia Skov', dept: 'misbrugscenter', extension: '2001', competencies: ['alkohol'] },
    { id: 'omstillingen', name: 'Omstillingen', dept: 'jobcenter', extension: '89151515', role: 'switchboard' },
  ],
  devices: [
    { id: 'phone-anna', kind: 'phone', person: 'anna' },
    { id: 'phone-mia', kind: 'phone', person: 'mia' },
    { id: 'phone-lea', kind: 'phone', person: 'lea' },
    { id: 'kiosk-1', kind: 'kiosk' },
  ],
});

function rec(personId: string, patch: Partial<PersonRecord> = {}): PersonRecord {
  return { ...initialRecord(personId, NOW), rev: 3, ...patch };
}

function diversion(to: string, status: DiversionRecord['status'] = 'active', since = NOW.toISOString()): DiversionRecord {
  return { to, since, until: null, status, declinedBy: status === 'declined' ? to : null, source: 'phone' };
}

/** Every string anywhere in a value. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return [...Object.keys(v), ...Object.values(v).flatMap(strings)];
  return [];
}

const REASONS = ['sygdom', 'Syg', 'ferie', 'kursus', 'barsel', 'lægebesøg', 'omsorgsdag', 'barnets 1. sygedag'];

t('PR-2: the absence reason never appears in the public projection; the own projection has it', () => {
  for (const reason of REASONS) {
    const r = rec('anna', { presence: 'absent', backAt: BACK, absenceReason: reason });
    const pub = personPublic(r, dir);
    const json = JSON.stringify(pub);
    assert.not.ok(json.includes(reason), `public leaks "${reason}": ${json}`);
    assert.not.ok(strings(pub).some((s) => s.includes(reason)), reason);
    assert.is('absenceReason' in pub, false);
    // colleagues see when the person can be reached again
    assert.is(pub.presence, 'absent');
    assert.is(pub.backAt, BACK);
    const own = personOwn(r, dir, new Map([['anna', r]]));
    assert.is(own.absenceReason, reason);
    assert.ok(JSON.stringify(own).includes(reason));
  }
});

t('PR-2: the public projection is built from an allow-list: an unknown private field on the record does not leak', () => {
  const r = { ...rec('anna', { absenceReason: 'sygdom' }), note: 'hemmelig note', privatePhone: '12345678' } as PersonRecord;
  const pub = personPublic(r, dir);
  assert.equal(Object.keys(pub).sort(), Object.keys(PersonPublic.shape).sort());
  assert.not.ok(JSON.stringify(pub).includes('hemmelig'));
  assert.not.ok(JSON.stringify(pub).includes('12345678'));
  // and the public projection passes the strict public schema, which has no room for a reason
  assert.ok(decodeValue(PersonPublic, pub).ok);
  assert.is(decodeValue(PersonPublic, { ...pub, absenceReason: 'sygdom' }).ok, false);
});

t('projections pass their wire schemas', () => {
  const records = new Map([
    ['anna', rec('anna', { diversion: { ...diversion('bo'), until: BACK }, absenceReason: 'ferie', presence: 'away', backAt: BACK })],
    ['bo', rec('bo')],
  ]);
  for (const r of records.values()) {
    const pub = decodeValue(PersonPublic, personPublic(r, dir));
    assert.ok(pub.ok, pub.ok ? '' : pub.error.message);
    const own = decodeValue(PersonOwn, personOwn(r, dir, records));
    assert.ok(own.ok, own.ok ? '' : own.error.message);
  }
  for (const dev of dir.devices.values()) assert.ok(decodeValue(DeviceConfig, deviceConfig(dev, dir, 2)).ok, dev.id);
  const state = { dir, people: records, depts: new Map() };
  for (const dept of dir.departments.values()) {
    const d = decodeValue(DeptPublic, deptPublic(state, { deptId: dept.id, rev: 1, closures: [], peaks: [], openNow: true, day: '2026-11-23', updatedAt: NOW.toISOString() }, NOW));
    assert.ok(d.ok, d.ok ? '' : d.error.message);
  }
});

t('personPublic carries the directory facts and the record state', () => {
  const r = rec('anna', { presence: 'in-meeting', rev: 7, updatedAt: '2026-11-23T08:59:00.000Z', diversion: { ...diversion('bo'), until: BACK } });
  assert.equal(personPublic(r, dir), {
    personId: 'anna',
    name: 'Anna Holm',
    deptId: 'familie',
    title: 'Rådgiver',
    role: 'employee',
    competencies: ['Underretninger', 'Børnefaglig undersøgelse'],
    extension: '1001',
    presence: 'in-meeting',
    backAt: null,
    diversion: { to: 'bo', toName: 'Bo Jensen', until: BACK },
    rev: 7,
    updatedAt: '2026-11-23T08:59:00.000Z',
  });
});

t('RT-1 / AS-3: role and competencies are public directory facts: the switchboard is named so; a sensitive department\'s people keep theirs but not their extension', () => {
  const sw = personPublic(rec('omstillingen'), dir);
  assert.equal([sw.role, sw.competencies], ['switchboard', []]);
  const mia = personPublic(rec('mia', { presence: 'absent', absenceReason: 'kursus' }), dir);
  assert.equal([mia.role, mia.competencies, mia.extension], ['employee', ['alkohol'], null]);
  assert.not.ok(JSON.stringify(mia).includes('kursus'), 'PR-2');
  // a copy: a projection never hands out the directory's own array
  const anna = personPublic(rec('anna'), dir);
  anna.competencies.push('x');
  assert.equal(dir.people.get('anna')!.competencies, ['Underretninger', 'Børnefaglig undersøgelse']);
});

t('RT-2: a department\'s function numbers carry their own task keywords', () => {
  const pub = deptPublic({ dir, people: new Map(), depts: new Map() }, initialDeptRecord('familie', NOW), NOW);
  assert.equal(pub.tasks, ['underretning']);
  assert.equal(pub.groups, [{ id: 'familie-gruppe', name: 'Familie, fællesnummer', number: '1900', tasks: ['plejefamilie', 'aflastning'] }]);
});

t('RT-3: the broadcast list has what is not yet expired (in force or planned), by start, with the sum of revisions', () => {
  const b = (id: string, start: string, expires: string, extra: Partial<BroadcastRecord> = {}): BroadcastRecord => ({
    id,
    rev: 1,
    text: { da: `Tekst ${id}` },
    start,
    expires,
    endedEarly: false,
    createdAt: '2026-11-23T07:00:00.000Z',
    createdBy: 'admin:api',
    updatedAt: '2026-11-23T07:00:00.000Z',
    ...extra,
  });
  const all = [
    b('later', '2026-11-23T12:00:00.000Z', '2026-11-23T14:00:00.000Z', { text: { da: 'Senere', en: 'Later' } }),
    b('now', '2026-11-23T07:00:00.000Z', '2026-11-23T10:00:00.000Z'),
    b('over', '2026-11-22T07:00:00.000Z', '2026-11-22T10:00:00.000Z'),
    b('ended', '2026-11-23T07:00:00.000Z', '2026-11-23T07:30:00.000Z', { endedEarly: true, rev: 2 }),
  ];
  const list = broadcastList(all, NOW);
  assert.equal(list.broadcasts.map((x) => x.id), ['now', 'later']);
  assert.is(list.rev, 5);
  assert.is(list.updatedAt, NOW.toISOString());
  assert.equal(list.broadcasts[1], { id: 'later', text: { da: 'Senere', en: 'Later' }, start: '2026-11-23T12:00:00.000Z', expires: '2026-11-23T14:00:00.000Z', createdAt: '2026-11-23T07:00:00.000Z' });
  const d = decodeValue(BroadcastList, list);
  assert.ok(d.ok, d.ok ? '' : d.error.message);
  assert.not.ok(JSON.stringify(list).includes('admin:api'), 'who made it stays at the hub');
  assert.equal(broadcastList(all, new Date('2026-11-23T13:59:59.999Z')).broadcasts.map((x) => x.id), ['later']);
  assert.equal(broadcastList(all, new Date('2026-11-23T14:00:00.000Z')).broadcasts, [], 'gone at its expiry');
});

t('personPublic of someone not in the directory throws', () => {
  assert.throws(() => personPublic(rec('ghost'), dir), /no person ghost/);
});

t('DV-2: a declined diversion is not public, but the owner sees it with its status', () => {
  const anna = rec('anna', { diversion: diversion('bo', 'declined') });
  const records = new Map([
    ['anna', anna],
    ['bo', rec('bo')],
  ]);
  assert.is(personPublic(anna, dir).diversion, null);
  assert.equal(personOwn(anna, dir, records).ownDiversion, { to: 'bo', toName: 'Bo Jensen', since: NOW.toISOString(), until: null, status: 'declined' });
  // and the former target no longer lists it as incoming
  assert.equal(personOwn(records.get('bo')!, dir, records).incoming, []);
});

t('an active diversion is public and in ownDiversion as active', () => {
  const anna = rec('anna', { diversion: diversion('bo') });
  assert.equal(personPublic(anna, dir).diversion, { to: 'bo', toName: 'Bo Jensen', until: null });
  assert.is(personOwn(anna, dir, new Map([['anna', anna]])).ownDiversion!.status, 'active');
  assert.is(personOwn(rec('bo'), dir, new Map()).ownDiversion, null);
});

t('DV-2: incoming lists who diverts directly to me, oldest first; not who diverts to someone diverted to me', () => {
  const records = new Map([
    ['anna', rec('anna', { diversion: diversion('bo', 'active', '2026-11-23T08:30:00.000Z') })],
    ['carl', rec('carl', { diversion: diversion('bo', 'active', '2026-11-23T08:00:00.000Z') })],
    ['lea', rec('lea', { diversion: diversion('anna') })], // lea → anna → bo: lea is anna's incoming, not bo's
    ['jens', rec('jens', { diversion: diversion('bo', 'declined') })],
    ['bo', rec('bo')],
  ]);
  assert.equal(personOwn(records.get('bo')!, dir, records).incoming, [
    { from: 'carl', fromName: 'Carl Dahl', since: '2026-11-23T08:00:00.000Z', until: null },
    { from: 'anna', fromName: 'Anna Holm', since: '2026-11-23T08:30:00.000Z', until: null },
  ]);
  assert.equal(personOwn(records.get('anna')!, dir, records).incoming.map((i) => i.from), ['lea']);
});

t('RT-1: a sensitive department publishes no personal extension; others do', () => {
  const mia = rec('mia');
  assert.is(personPublic(mia, dir).extension, null);
  assert.not.ok(JSON.stringify(personPublic(mia, dir)).includes('2001'));
  assert.is(personOwn(mia, dir, new Map()).extension, null);
  assert.is(personPublic(rec('anna'), dir).extension, '1001');
  // a diversion to someone in a sensitive department shows the name, never the extension
  assert.not.ok(JSON.stringify(personPublic(rec('anna', { diversion: diversion('mia') }), dir)).includes('2001'));
});

t('deviceConfig: watch = preferred colleagues outside the own department, in preferred order', () => {
  const c = deviceConfig(dir.devices.get('phone-anna')!, dir, 4);
  assert.equal(c, {
    deviceId: 'phone-anna',
    kind: 'phone',
    personId: 'anna',
    deptId: 'familie',
    preferred: ['bo', 'mia', 'carl', 'jens'],
    watch: ['mia', 'carl', 'jens'],
    staff: [],
    rev: 4,
  });
  // PR-4: a leader's phone follows its staff
  assert.equal(deviceConfig(dir.devices.get('phone-lea')!, dir, 0).staff.sort(), ['anna', 'bo']);
  const m = deviceConfig(dir.devices.get('phone-mia')!, dir, 0);
  assert.equal(m.preferred, []);
  assert.equal(m.watch, []);
});

t("deviceConfig: a kiosk's config has no person, no department, nothing to watch", () => {
  assert.equal(deviceConfig(dir.devices.get('kiosk-1')!, dir, 1), {
    deviceId: 'kiosk-1',
    kind: 'kiosk',
    personId: null,
    deptId: null,
    preferred: [],
    watch: [],
    staff: [],
    rev: 1,
  });
});

t('PH-1 / RT-1: deptPublic carries the directory facts, today\'s hours and the stored open state', () => {
  const state = { dir, people: new Map(), depts: new Map() };
  const pub = deptPublic(state, { deptId: 'misbrugscenter', rev: 5, closures: [], peaks: [], openNow: true, day: '2026-11-23', updatedAt: NOW.toISOString() }, NOW);
  assert.equal(
    { deptId: pub.deptId, name: pub.name, phoneHours: pub.phoneHours, sensitive: pub.sensitive, rev: pub.rev, openNow: pub.openNow, today: pub.today },
    { deptId: 'misbrugscenter', name: 'Misbrugscenter', phoneHours: 'Mo-Fr 09:00-12:00', sensitive: true, rev: 5, openNow: true, today: { date: '2026-11-23', holiday: null, open: [{ from: '09:00', to: '12:00' }] } },
  );
  assert.match(pub.outsideHours.da, 'Misbrugscenter');
});

t('revise bumps rev and updatedAt and keeps the rest', () => {
  const r = rec('anna', { absenceReason: 'kursus' });
  const later = new Date(NOW.getTime() + 60_000);
  const n = revise(r, { presence: 'away' }, later);
  assert.is(n.rev, r.rev + 1);
  assert.is(n.updatedAt, later.toISOString());
  assert.is(n.presence, 'away');
  assert.is(n.absenceReason, 'kursus');
  assert.is(r.presence, 'available', 'the old record is not changed');
});

t.run();
