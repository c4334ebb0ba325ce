import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deptPublicFixture } from '../support/fixtures.js';
import { FakeClock, type DeptPublic, type DeviceConfig, type PersonOwn, type PersonPublic, type Topic } from '../../protocol/index.js';
import { StateMirror } from '../../firmware/state-mirror.js';

const t = suite('firmware/state-mirror');

const T0 = '2026-11-23T09:00:00+01:00';

function person(personId: string, name: string, rev = 1, patch: Partial<PersonPublic> = {}): PersonPublic {
  return { personId, name, deptId: 'familie', title: null, role: 'employee', competencies: [], extension: '1001', presence: 'available', backAt: null, diversion: null, rev, updatedAt: T0, ...patch };
}
function own(personId: string, rev = 1, patch: Partial<PersonOwn> = {}): PersonOwn {
  return { ...person(personId, 'Anna Holm', rev), ownDiversion: null, incoming: [], absenceReason: null, alerts: [], messages: [], pbx: { forward: 'applied', notice: null }, meetingPrompt: null, ...patch };
}
function dept(deptId: string, name: string, rev = 0): DeptPublic {
  return deptPublicFixture({ deptId, name, rev });
}
const config: DeviceConfig = { deviceId: 'phone-anna', kind: 'phone', personId: 'anna', deptId: 'familie', watch: ['carl'], preferred: ['bo', 'carl'], staff: [], rev: 0 };

const topics = {
  hub: { kind: 'hub-status' } as Topic,
  config: (deviceId = 'phone-anna'): Topic => ({ kind: 'device-config', deviceId }),
  own: (personId = 'anna'): Topic => ({ kind: 'person-own', personId }),
  pub: (personId: string): Topic => ({ kind: 'person-public', personId }),
  member: (personId: string): Topic => ({ kind: 'dept-member', deptId: 'familie', personId }),
  dept: (deptId: string): Topic => ({ kind: 'dept-public', deptId }),
};

function setup() {
  const clock = new FakeClock();
  const m = new StateMirror('phone-anna', 'phone');
  const apply = (topic: Topic, body: unknown) => {
    clock.advance(1000);
    return m.apply(topic, typeof body === 'string' ? body : JSON.stringify(body), clock.now());
  };
  return { m, clock, apply };
}

t('a fresh mirror shows nothing and is not connected', () => {
  const { m } = setup();
  assert.equal(m.view(true), { deviceId: 'phone-anna', kind: 'phone', connected: false, asOf: null, me: null, preferred: [], people: [], depts: [], broadcasts: [] });
});

/** RT-3: the retained broadcast list */
const storm = { id: 'stormflod', text: { da: 'Sandsække udleveres ved Rådhuset.' }, start: T0, expires: '2026-11-23T20:00:00+01:00', createdAt: T0 };
const broadcastTopic: Topic = { kind: 'broadcast' };

t('RT-3: the broadcast list is kept and shown; an older rev is stale; a newer one replaces it; an empty payload clears it', () => {
  const { m, apply } = setup();
  assert.is(apply(broadcastTopic, { broadcasts: [storm], rev: 1, updatedAt: T0 }), 'changed');
  assert.equal(m.view(true).broadcasts, [storm]);
  assert.is(apply(broadcastTopic, { broadcasts: [], rev: 0, updatedAt: T0 }), 'stale');
  assert.equal(m.broadcasts, [storm]);
  assert.is(apply(broadcastTopic, { broadcasts: [storm], rev: 1, updatedAt: T0 }), 'changed', 'an equal rev: a start or expiry, or the hub restarted');
  assert.is(apply(broadcastTopic, { broadcasts: [], rev: 2, updatedAt: T0 }), 'changed', 'ended early');
  assert.equal(m.view(true).broadcasts, []);
  assert.is(apply(broadcastTopic, { broadcasts: [storm], rev: 3, updatedAt: T0 }), 'changed');
  assert.is(apply(broadcastTopic, ''), 'changed');
  assert.equal(m.broadcasts, []);
  assert.is(apply(broadcastTopic, ''), 'ignored');
  assert.is(apply(broadcastTopic, { broadcasts: [storm], rev: 0, updatedAt: T0 }), 'changed', 'after a clear, any rev is taken');
});

t('RT-3: an invalid broadcast list changes nothing (an expiry before its start, a text without Danish)', () => {
  const { m, apply } = setup();
  apply(broadcastTopic, { broadcasts: [storm], rev: 1, updatedAt: T0 });
  assert.is(apply(broadcastTopic, { broadcasts: [{ ...storm, expires: T0 }], rev: 2, updatedAt: T0 }), 'invalid');
  assert.is(apply(broadcastTopic, { broadcasts: [{ ...storm, text: { en: 'Sandbags' } }], rev: 2, updatedAt: T0 }), 'invalid');
  assert.is(apply(broadcastTopic, '{'), 'invalid');
  assert.equal(m.broadcasts, [storm]);
});

t('applies valid retained payloads of every kind it shows', () => {
  const { m, clock, apply } = setup();
  assert.is(apply(topics.config(), config), 'changed');
  assert.is(apply(topics.hub, { online: true, since: T0 }), 'changed');
  assert.is(apply(topics.own(), own('anna', 2, { absenceReason: 'kursus' })), 'changed');
  assert.is(apply(topics.pub('bo'), person('bo', 'Bo Jensen')), 'changed');
  assert.is(apply(topics.member('carl'), person('carl', 'Carl Dahl')), 'changed');
  assert.is(apply(topics.dept('familie'), dept('familie', 'Familie')), 'changed');
  assert.equal(m.config, config);
  assert.is(m.hubOnline, true);
  assert.is(m.me?.absenceReason, 'kursus');
  assert.equal([...m.people.keys()], ['bo', 'carl']);
  assert.equal(m.depts.get('familie'), dept('familie', 'Familie'));
  assert.is(m.asOf, clock.now().toISOString());
  assert.equal(m.view(true).preferred, ['bo', 'carl']);
});

t('a lower rev is dropped as stale and counted; the newer one stays', () => {
  const { m, apply } = setup();
  apply(topics.pub('bo'), person('bo', 'Bo Jensen', 5, { presence: 'away' }));
  assert.is(apply(topics.pub('bo'), person('bo', 'Bo Jensen', 4, { presence: 'available' })), 'stale');
  assert.is(apply(topics.member('bo'), person('bo', 'Bo Jensen', 3)), 'stale');
  assert.is(m.staleDropped, 2);
  assert.is(m.people.get('bo')!.presence, 'away');
  assert.is(m.people.get('bo')!.rev, 5);
});

t('an equal rev is accepted (the hub republishes after a restart)', () => {
  const { m, apply } = setup();
  apply(topics.pub('bo'), person('bo', 'Bo Jensen', 5, { presence: 'away' }));
  assert.is(apply(topics.pub('bo'), person('bo', 'Bo Jensen', 5, { presence: 'available' })), 'changed');
  assert.is(m.people.get('bo')!.presence, 'available');
  assert.is(apply(topics.pub('bo'), person('bo', 'Bo Jensen', 6, { presence: 'on-call' })), 'changed');
  assert.is(m.people.get('bo')!.presence, 'on-call');
  assert.is(m.staleDropped, 0);
});

t('stale and equal revs for own and dept topics too', () => {
  const { m, apply } = setup();
  apply(topics.config(), config);
  apply(topics.own(), own('anna', 3));
  assert.is(apply(topics.own(), own('anna', 2, { presence: 'absent' })), 'stale');
  assert.is(m.me!.presence, 'available');
  assert.is(apply(topics.own(), own('anna', 3, { presence: 'away' })), 'changed');
  assert.is(m.me!.presence, 'away');
  apply(topics.dept('familie'), dept('familie', 'Familie', 2));
  assert.is(apply(topics.dept('familie'), dept('familie', 'Familie (gammel)', 1)), 'stale');
  assert.is(m.depts.get('familie')!.name, 'Familie');
  assert.is(m.staleDropped, 2);
});

t('RT-1: an empty retained payload (the hub cleared a removed person or department) removes it from the mirror', () => {
  const { m, apply } = setup();
  apply(topics.config(), config);
  apply(topics.pub('bo'), person('bo', 'Bo Jensen', 1));
  apply(topics.dept('familie'), dept('familie', 'Familie'));
  assert.is(apply(topics.pub('bo'), ''), 'changed');
  assert.is(apply(topics.dept('familie'), ''), 'changed');
  assert.is(m.people.size, 0);
  assert.is(m.depts.size, 0);
  assert.is(apply(topics.pub('bo'), ''), 'ignored', 'clearing what is not there changes nothing');
});

t('PR-4: a leader\'s phone keeps its staff\'s own state, and no one else\'s', () => {
  const { m, apply } = setup();
  apply(topics.config(), { ...config, staff: ['bo'] });
  assert.is(apply(topics.own('bo'), { ...own('bo', 2), name: 'Bo Jensen', absenceReason: 'syg' }), 'changed');
  assert.is(m.staff.get('bo')?.absenceReason, 'syg');
  assert.is(m.me, null, 'a staff member is never shown as me');
  assert.is(apply(topics.own('carl'), own('carl', 2)), 'ignored');
  assert.is(apply(topics.own('bo'), own('bo', 1)), 'stale');
});

t('invalid JSON or an invalid payload → invalid, and nothing changes (asOf included)', () => {
  const { m, apply } = setup();
  apply(topics.config(), config);
  apply(topics.hub, { online: true, since: T0 });
  apply(topics.own(), own('anna', 1));
  apply(topics.pub('bo'), person('bo', 'Bo Jensen', 1));
  apply(topics.dept('familie'), dept('familie', 'Familie'));
  const before = structuredClone(m.view(true));
  const cases: [Topic, unknown][] = [
    [topics.hub, '{"online":'],
    [topics.hub, { online: 'yes', since: T0 }],
    [topics.config(), { ...config, rev: -1 }],
    [topics.own(), { ...own('anna', 9), absenceReason: 5 }],
    [topics.own(), 'not json'],
    [topics.pub('bo'), { ...person('bo', 'Bo Jensen', 9), extra: 1 }],
    [topics.pub('bo'), person('carl', 'Carl Dahl', 9)], // the payload is not about the topic's person
    [topics.member('bo'), { ...person('bo', 'Bo', 9), presence: 'busy' }],
    [topics.dept('familie'), dept('jobcenter', 'Jobcenter', 9)],
    [topics.dept('familie'), ' '],
  ];
  for (const [topic, body] of cases) assert.is(apply(topic, body), 'invalid', JSON.stringify([topic, body]));
  assert.equal(m.view(true), before);
  assert.is(m.staleDropped, 0);
});

t('person-own on my topic but about someone else → invalid; my view keeps me', () => {
  const { m, apply } = setup();
  apply(topics.config(), config);
  apply(topics.own(), own('anna', 1));
  assert.is(apply(topics.own('anna'), own('bo', 9, { absenceReason: 'sygdom' })), 'invalid');
  assert.is(m.me!.personId, 'anna');
  assert.is(m.me!.absenceReason, null);
});

t("person-own for someone else is ignored (e.g. a leader's phone), and so is anything before my config", () => {
  const { m, apply } = setup();
  assert.is(apply(topics.own('anna'), own('anna', 1)), 'ignored'); // no config yet: whose phone am I?
  assert.is(m.me, null);
  apply(topics.config(), config);
  assert.is(apply(topics.own('bo'), { ...own('bo', 1), name: 'Bo Jensen' }), 'ignored');
  assert.is(m.me, null);
  assert.is(apply(topics.own('anna'), own('anna', 1)), 'changed');
});

t('a config for another device, and topics a device does not mirror, are ignored', () => {
  const { m, apply } = setup();
  const asOf = m.asOf;
  assert.is(apply(topics.config('phone-bo'), { ...config, deviceId: 'phone-bo', personId: 'bo' }), 'ignored');
  assert.is(m.config, null);
  assert.is(apply({ kind: 'device-status', deviceId: 'phone-bo' }, { online: true, kind: 'phone', fw: '1', since: T0 }), 'ignored');
  assert.is(apply({ kind: 'device-req', deviceId: 'phone-anna' }, {}), 'ignored');
  assert.is(apply({ kind: 'device-res', deviceId: 'phone-anna' }, { id: 'r1', ok: true }), 'ignored');
  assert.is(m.asOf, asOf);
});

t('asOf moves on changed and stale (the hub confirmed what is shown), not on invalid or ignored', () => {
  const { m, clock, apply } = setup();
  apply(topics.pub('bo'), person('bo', 'Bo', 2));
  const t1 = clock.now().toISOString();
  assert.is(m.asOf, t1);
  apply(topics.pub('bo'), 'nope');
  apply(topics.config('phone-bo'), config);
  assert.is(m.asOf, t1);
  apply(topics.pub('bo'), person('bo', 'Bo', 1));
  assert.is(m.asOf, clock.now().toISOString());
});

t('view(): people and departments sorted by name in Danish order (Æ, Ø, Å last)', () => {
  const { m, apply } = setup();
  for (const [id, name] of [
    ['aase', 'Åse Lund'],
    ['oerjan', 'Ørjan Bak'],
    ['anna', 'Anna Holm'],
    ['zenia', 'Zenia Friis'],
    ['aeble', 'Ærø Dahl'],
    ['bo', 'Bo Jensen'],
  ]) {
    apply(topics.pub(id!), person(id!, name!));
  }
  assert.equal(
    m.view(true).people.map((p) => p.name),
    ['Anna Holm', 'Bo Jensen', 'Zenia Friis', 'Ærø Dahl', 'Ørjan Bak', 'Åse Lund'],
  );
  apply(topics.dept('oekonomi'), dept('oekonomi', 'Økonomi'));
  apply(topics.dept('borgerservice'), dept('borgerservice', 'Borgerservice'));
  apply(topics.dept('aeldre'), dept('aeldre', 'Ældre og Sundhed'));
  assert.equal(m.view(true).depts.map((d) => d.name), ['Borgerservice', 'Ældre og Sundhed', 'Økonomi']);
});

t('view(): connected only while the link is up AND the hub says it is online', () => {
  const { m, apply } = setup();
  assert.is(m.view(true).connected, false, 'no hub-status yet');
  apply(topics.hub, { online: true, since: T0 });
  assert.is(m.view(true).connected, true);
  assert.is(m.view(false).connected, false, 'link down');
  apply(topics.hub, { online: false, since: T0 }); // the hub's Will
  assert.is(m.view(true).connected, false);
});

t('view(): a kiosk mirror has no me and no preferred', () => {
  const clock = new FakeClock();
  const k = new StateMirror('kiosk-1', 'kiosk');
  k.apply(topics.config('kiosk-1'), JSON.stringify({ deviceId: 'kiosk-1', kind: 'kiosk', personId: null, deptId: null, watch: [], preferred: [], rev: 0 }), clock.now());
  assert.is(k.apply(topics.own('anna'), JSON.stringify(own('anna')), clock.now()), 'ignored');
  const v = k.view(true);
  assert.is(v.kind, 'kiosk');
  assert.is(v.me, null);
  assert.equal(v.preferred, []);
});

t('a config naming another device, or older than the one shown, is not taken', () => {
  const { m, apply } = setup();
  assert.is(apply(topics.config(), { ...config, rev: 2 }), 'changed');
  assert.is(apply(topics.config(), { ...config, deviceId: 'phone-bo', personId: 'bo' }), 'invalid');
  assert.is(apply(topics.config(), { ...config, rev: 1, personId: 'bo' }), 'stale');
  assert.is(m.config?.personId, 'anna');
});

t('a department member payload must belong to the department of its topic', () => {
  const { m, apply } = setup();
  assert.is(apply(topics.member('carl'), person('carl', 'Carl Dahl', 1, { deptId: 'jobcenter' })), 'invalid');
  assert.is(m.people.has('carl'), false);
});

t.run();
