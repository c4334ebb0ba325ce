import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RETAINED, buildTopic, parseTopic, type TopicKind } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { AccessControl, HUB_USERNAME, type CredentialChecker, type CredentialVerdict, type DeviceAuth, type Principal } from '../../../broker/mqtt/access.js';

const t = suite('broker/mqtt/access');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [
    { id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00' },
    { id: 'jobcenter', name: 'Jobcenter', phoneHours: 'Mo-Fr 08:00-15:00' },
  ],
  people: [
    { id: 'lea', name: 'Lea Leder', dept: 'familie', extension: '1000' },
    { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001', leader: 'lea' },
    { id: 'bo', name: 'Bo Jensen', dept: 'familie', extension: '1002', leader: 'lea' },
    { id: 'carl', name: 'Carl Dahl', dept: 'jobcenter', extension: '2001' },
  ],
  devices: [
    { id: 'phone-anna', kind: 'phone', person: 'anna' },
    { id: 'phone-lea', kind: 'phone', person: 'lea' },
    { id: 'phone-bo', kind: 'phone', person: 'bo' },
    { id: 'phone-carl', kind: 'phone', person: 'carl' },
    { id: 'kiosk-1', kind: 'kiosk' },
  ],
});

// the publish/receive matrix does not depend on how a device logged in: devices connect by client id here
const access = new AccessControl(() => dir, { hubPassword: 'hub-secret', allowObservers: true, deviceAuth: 'when-provisioned' });

function principal(clientId: string, username?: string, password?: string): Principal {
  const r = access.authenticate(clientId, username, password);
  if (!r.ok) throw new Error(`${clientId} should be let in: ${r.reason}`);
  return r.principal;
}

/** Who is who in the matrix: A (anna), A's leader (lea), a colleague in A's department (bo), someone elsewhere (carl). */
const WHO = {
  hub: principal('omstil-hub-1', HUB_USERNAME, 'hub-secret'),
  anna: principal('phone-anna'),
  lea: principal('phone-lea'),
  bo: principal('phone-bo'),
  carl: principal('phone-carl'),
  kiosk: principal('kiosk-1'),
  observer: principal('mosquitto-sub-123'),
} as const;
type Who = keyof typeof WHO;
const ALL = Object.keys(WHO) as Who[];

interface Cell {
  topic: string;
  kind: TopicKind | 'foreign';
  publish: Who[];
  receive: Who[];
}

const T = buildTopic;
const MATRIX: Cell[] = [
  { kind: 'hub-status', topic: T({ kind: 'hub-status' }), publish: ['hub'], receive: ALL },
  // a device speaks on its own birth/Will topic only; everyone may see who is online
  { kind: 'device-status', topic: T({ kind: 'device-status', deviceId: 'phone-anna' }), publish: ['hub', 'anna'], receive: ALL },
  { kind: 'device-status', topic: T({ kind: 'device-status', deviceId: 'kiosk-1' }), publish: ['hub', 'kiosk'], receive: ALL },
  { kind: 'device-config', topic: T({ kind: 'device-config', deviceId: 'phone-anna' }), publish: ['hub'], receive: ['hub', 'anna'] },
  { kind: 'device-config', topic: T({ kind: 'device-config', deviceId: 'kiosk-1' }), publish: ['hub'], receive: ['hub', 'kiosk'] },
  // requests: only the device itself may ask; nobody but the hub reads them
  { kind: 'device-req', topic: T({ kind: 'device-req', deviceId: 'phone-anna' }), publish: ['hub', 'anna'], receive: ['hub'] },
  { kind: 'device-req', topic: T({ kind: 'device-req', deviceId: 'kiosk-1' }), publish: ['hub', 'kiosk'], receive: ['hub'] },
  { kind: 'device-res', topic: T({ kind: 'device-res', deviceId: 'phone-anna' }), publish: ['hub'], receive: ['hub', 'anna'] },
  { kind: 'person-public', topic: T({ kind: 'person-public', personId: 'anna' }), publish: ['hub'], receive: ALL },
  // PR-2 / PR-4: A's own topic reaches A's phone, A's leader's phone and the hub, nobody else
  { kind: 'person-own', topic: T({ kind: 'person-own', personId: 'anna' }), publish: ['hub'], receive: ['hub', 'anna', 'lea'] },
  { kind: 'person-own', topic: T({ kind: 'person-own', personId: 'lea' }), publish: ['hub'], receive: ['hub', 'lea'] },
  { kind: 'person-own', topic: T({ kind: 'person-own', personId: 'carl' }), publish: ['hub'], receive: ['hub', 'carl'] },
  { kind: 'dept-public', topic: T({ kind: 'dept-public', deptId: 'familie' }), publish: ['hub'], receive: ALL },
  { kind: 'dept-member', topic: T({ kind: 'dept-member', deptId: 'familie', personId: 'anna' }), publish: ['hub'], receive: ALL },
  // RT-3: crisis broadcasts reach every device; only the hub says them
  { kind: 'broadcast', topic: T({ kind: 'broadcast' }), publish: ['hub'], receive: ALL },
  // OTA: the hub offers and sends chunks to one device; only that device wants and reports
  { kind: 'device-ota', topic: T({ kind: 'device-ota', deviceId: 'phone-anna', part: 'offer' }), publish: ['hub'], receive: ['hub', 'anna'] },
  { kind: 'device-ota', topic: T({ kind: 'device-ota', deviceId: 'phone-anna', part: 'chunk' }), publish: ['hub'], receive: ['hub', 'anna'] },
  { kind: 'device-ota', topic: T({ kind: 'device-ota', deviceId: 'phone-anna', part: 'want' }), publish: ['hub', 'anna'], receive: ['hub'] },
  { kind: 'device-ota', topic: T({ kind: 'device-ota', deviceId: 'kiosk-1', part: 'progress' }), publish: ['hub', 'kiosk'], receive: ['hub'] },
  // not ours, or not a topic the protocol knows: only the hub
  { kind: 'foreign', topic: 'omstil/v1/person/anna/secret', publish: ['hub'], receive: ['hub'] },
  { kind: 'foreign', topic: 'omstil/v1/device/phone-anna/req/x', publish: ['hub'], receive: ['hub'] },
  { kind: 'foreign', topic: 'other/v1/device/phone-anna/req', publish: [], receive: ['hub'] },
];

t('the matrix covers every topic kind', () => {
  const kinds = new Set(MATRIX.map((c) => c.kind));
  for (const k of Object.keys(RETAINED)) assert.ok(kinds.has(k as TopicKind), k);
  for (const c of MATRIX) assert.is(parseTopic(c.topic)?.kind ?? 'foreign', c.kind, c.topic);
});

for (const cell of MATRIX) {
  t(`ACL ${cell.topic}`, () => {
    const pub = ALL.filter((w) => access.canPublish(WHO[w], cell.topic));
    const recv = ALL.filter((w) => access.canReceive(WHO[w], cell.topic));
    assert.equal(pub, cell.publish, `publish ${cell.topic}`);
    assert.equal(recv, cell.receive, `receive ${cell.topic}`);
  });
}

t('observers publish nothing at all', () => {
  for (const c of MATRIX) assert.is(access.canPublish(WHO.observer, c.topic), false, c.topic);
});

t('authenticate: the hub with the right password; devices by client id; observers without a username', () => {
  assert.equal(WHO.hub, { role: 'hub' });
  assert.equal(WHO.anna, { role: 'device', deviceId: 'phone-anna', personId: 'anna' });
  assert.equal(WHO.kiosk, { role: 'device', deviceId: 'kiosk-1', personId: null });
  assert.equal(WHO.observer, { role: 'observer' });
});

t('a bad or missing hub password is refused, even with a device client id', () => {
  for (const [clientId, pw] of [
    ['omstil-hub-1', 'wrong'],
    ['omstil-hub-1', undefined],
    ['omstil-hub-1', ''],
    ['phone-anna', 'wrong'],
  ] as const) {
    const r = access.authenticate(clientId, HUB_USERNAME, pw);
    assert.is(r.ok, false, `${clientId}/${pw}`);
    if (!r.ok) assert.match(r.reason, 'hub credentials');
  }
});

t('an unknown client id with a username is refused', () => {
  const r = access.authenticate('laptop', 'bob', 'pw');
  assert.is(r.ok, false);
  if (!r.ok) assert.match(r.reason, '"laptop"');
});

t('observers are refused when allowObservers is false; devices and the hub are not', () => {
  const closed = new AccessControl(() => dir, { hubPassword: 'hub-secret', allowObservers: false, deviceAuth: 'when-provisioned' });
  const r = closed.authenticate('mosquitto-sub-123', undefined, undefined);
  assert.is(r.ok, false);
  assert.ok(closed.authenticate('phone-anna', undefined, undefined).ok);
  assert.ok(closed.authenticate('x', HUB_USERNAME, 'hub-secret').ok);
});

t('the directory is read on every decision, so a reloaded directory applies at once', () => {
  let current = dir;
  const live = new AccessControl(() => current, { hubPassword: 'p', allowObservers: false, deviceAuth: 'when-provisioned' });
  const bo = live.authenticate('phone-bo', undefined, undefined);
  assert.ok(bo.ok);
  if (!bo.ok) return;
  const own = T({ kind: 'person-own', personId: 'anna' });
  assert.is(live.canReceive(bo.principal, own), false);
  // bo becomes anna's leader
  current = Directory.parse({
    ...dir.data,
    people: dir.data.people.map((p) => (p.id === 'anna' ? { ...p, leader: 'bo' } : p)),
  });
  assert.is(live.canReceive(bo.principal, own), true);
  assert.is(live.authenticate('phone-new', undefined, undefined).ok, false);
});

// ── issue 10: per-device credentials ──

/** A fake credential index: phone-anna has token "anna-token", phone-bo's is revoked, the others have none. */
const fakeCredentials: CredentialChecker = {
  verify(deviceId, token): CredentialVerdict {
    if (deviceId === 'phone-anna') return token === 'anna-token' ? 'ok' : 'bad';
    if (deviceId === 'phone-bo') return 'revoked';
    return 'none';
  },
};

const withAuth = (deviceAuth: DeviceAuth) => new AccessControl(() => dir, { hubPassword: 'hub-secret', allowObservers: true, credentials: fakeCredentials, deviceAuth });

interface AuthCase {
  name: string;
  clientId: string;
  username?: string;
  password?: string;
  /** let in under 'required' and under 'when-provisioned'; a string: refused, with this in the reason */
  required: true | string;
  whenProvisioned: true | string;
}

const AUTH: AuthCase[] = [
  { name: 'ok: its own id and token', clientId: 'phone-anna', username: 'phone-anna', password: 'anna-token', required: true, whenProvisioned: true },
  { name: 'bad: a wrong token', clientId: 'phone-anna', username: 'phone-anna', password: 'guess', required: 'wrong token', whenProvisioned: 'wrong token' },
  { name: 'bad: an empty token', clientId: 'phone-anna', username: 'phone-anna', password: '', required: 'wrong token', whenProvisioned: 'wrong token' },
  { name: 'bad: provisioned, but no login given', clientId: 'phone-anna', required: 'gave none', whenProvisioned: 'gave none' },
  { name: 'bad: the right token without the username', clientId: 'phone-anna', password: 'anna-token', required: 'gave none', whenProvisioned: 'gave none' },
  { name: 'revoked: even with a token', clientId: 'phone-bo', username: 'phone-bo', password: 'old-bo-token', required: 'revoked', whenProvisioned: 'revoked' },
  { name: 'revoked: without a login', clientId: 'phone-bo', required: 'revoked', whenProvisioned: 'revoked' },
  { name: 'none: never provisioned, no login', clientId: 'phone-carl', required: 'no credential', whenProvisioned: true },
  { name: 'none: never provisioned, a login it cannot have', clientId: 'kiosk-1', username: 'kiosk-1', password: 'made-up', required: 'no credential', whenProvisioned: true },
  { name: 'wrong client id: anna\'s login from another device\'s client id', clientId: 'phone-carl', username: 'phone-anna', password: 'anna-token', required: 'own id', whenProvisioned: 'own id' },
  { name: 'wrong client id: anna\'s login from a client id outside the directory', clientId: 'laptop', username: 'phone-anna', password: 'anna-token', required: 'own id as client id', whenProvisioned: 'own id as client id' },
  { name: 'wrong client id: a never-provisioned device\'s id as username', clientId: 'laptop', username: 'phone-carl', required: 'own id as client id', whenProvisioned: 'own id as client id' },
];

for (const mode of ['required', 'when-provisioned'] as const) {
  const access = withAuth(mode);
  for (const c of AUTH) {
    t(`issue 10, deviceAuth ${mode}: ${c.name}`, () => {
      const want = mode === 'required' ? c.required : c.whenProvisioned;
      const r = access.authenticate(c.clientId, c.username, c.password);
      if (want === true) {
        assert.ok(r.ok, r.ok ? '' : r.reason);
        if (r.ok) assert.equal(r.principal, { role: 'device', deviceId: c.clientId, personId: dir.devices.get(c.clientId)!.person });
      } else {
        assert.is(r.ok, false, 'refused');
        if (!r.ok) {
          assert.match(r.reason, want);
          if (c.password) assert.not.match(r.reason, c.password, 'the token is never in the reason');
        }
      }
    });
  }
}

t('issue 10: observers and the hub are unchanged by deviceAuth required', () => {
  const access = withAuth('required');
  assert.equal(access.authenticate('mosquitto-sub-9', undefined, undefined), { ok: true, principal: { role: 'observer' } });
  assert.equal(access.authenticate('omstil-hub-1', HUB_USERNAME, 'hub-secret'), { ok: true, principal: { role: 'hub' } });
  assert.is(access.authenticate('omstil-hub-1', HUB_USERNAME, 'anna-token').ok, false);
});

t('issue 10: without a credentials checker, required (the default) refuses every device and when-provisioned lets them in as before', () => {
  const required = new AccessControl(() => dir, { hubPassword: 'p', allowObservers: true, deviceAuth: 'required' });
  assert.is(required.authenticate('phone-anna', undefined, undefined).ok, false);
  const byDefault = new AccessControl(() => dir, { hubPassword: 'p', allowObservers: true });
  const r = byDefault.authenticate('phone-anna', undefined, undefined);
  assert.is(r.ok, false, 'the default is required');
  if (!r.ok) assert.match(r.reason, 'deviceAuth is required');
  assert.equal(byDefault.authenticate('mosquitto-sub-1', undefined, undefined), { ok: true, principal: { role: 'observer' } }, 'observers are not devices');
  const transition = new AccessControl(() => dir, { hubPassword: 'p', allowObservers: true, deviceAuth: 'when-provisioned' });
  assert.ok(transition.authenticate('phone-anna', undefined, undefined).ok);
});

t.run();
