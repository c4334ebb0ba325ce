/**
 * Issue 10, the acceptance test of the broker's access rules over real MQTT: a real hub with
 * `deviceAuth: 'required'` and real MQTT.js clients, one per role, each logging in with a token
 * the hub issued through its admin API: an ordinary employee's phone (E), their leader's phone
 * (L, PR-4), a reception kiosk (K), an observer without credentials (O); plus a device whose
 * token is revoked and one that gives a wrong token.
 *
 * Every role tries every publish it may not make (every topic kind of protocol/topics.ts, and a
 * topic outside omstil) and every subscription that could reach what it may not see (`#`,
 * `omstil/#`, every person's own topic, another device's res/config/OTA). The spec of what
 * each role may receive is the access table of docs/architecture.md, written out here
 * (`mayReceive`), not taken from broker/mqtt/access.ts. Nothing forbidden is carried (the
 * broker's own publish stream is watched) or delivered (each client records what it gets, up
 * to a positive control that arrives after the forbidden traffic, so the checks cannot pass
 * vacuously), and nothing changes: the journal, the hub's people and department records and
 * every retained message are the same afterwards. The policy layer on top: a phone's valid
 * divert for another person on its own req topic is refused `forbidden` (PR-4), a kiosk's is
 * refused, a leader's for their own staff goes through. The device tokens do not open the
 * admin API.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Aedes, AedesPublishPacket } from 'aedes';
import { buildTopic, parseTopic, type Response, type Topic } from '../../protocol/index.js';
import { movableClock, startSystem, type TestSystem } from '../support/system.js';
import { sleep, waitFor } from '../support/wait.js';

const e2e = suite('e2e/acl-matrix');

/** Monday 10:20 in Copenhagen: inside every demo department's phone hours, away from any change of them. */
const START = '2026-11-23T10:20:00+01:00';
// uvu loads every test file before it runs any suite: moved to START again in `before`
const clock = movableClock(START);
const PROBE = 'acl-probe';

interface Login {
  username: string;
  password: string;
}

interface Role {
  name: string;
  clientId: string;
  login?: Login;
  /** the device's id, null for the observer */
  device: string | null;
  /** the device's person, null for a kiosk and the observer */
  person: string | null;
  /** the people this role's person leads (PR-4) */
  staff: string[];
}

let sys: TestSystem;
let admin: string;
let api: string;
/** everything the broker carried (passed authorizePublish), as the hub's broker sees it */
const carried: { topic: string; payload: string; client: string | null }[] = [];
let E: Role, L: Role, K: Role, O: Role;
/** a person in another department, with their phone: someone none of the roles may act for or see privately */
let Q: { person: string; device: string };
/** C: E's colleague in the same department, also led by L */
let C: string;
const clients: MqttClient[] = [];

/** What a role may receive: docs/architecture.md, "Access" (PR-2, PR-4), as the spec. */
function mayReceive(role: Role, t: Topic): boolean {
  switch (t.kind) {
    case 'hub-status':
    case 'device-status':
    case 'person-public':
    case 'dept-public':
    case 'dept-member':
    case 'broadcast':
      return true;
    case 'person-own':
      return role.person !== null && (t.personId === role.person || role.staff.includes(t.personId));
    case 'device-config':
    case 'device-res':
      return t.deviceId === role.device;
    case 'device-ota':
      return t.deviceId === role.device && (t.part === 'offer' || t.part === 'chunk');
    case 'device-req':
      return false;
  }
}

async function http(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: await res.json().catch(() => null) };
}

/** A device's token, issued by the hub through its admin API (what `omstil provision` calls). */
async function issue(deviceId: string): Promise<Login> {
  const r = await http('POST', `/devices/${deviceId}/credentials`, admin);
  assert.is(r.status, 201, JSON.stringify(r.json));
  return { username: deviceId, password: r.json.token as string };
}

function connect(role: Pick<Role, 'clientId' | 'login'>): Promise<MqttClient> {
  return mqtt.connectAsync(sys.hub.mqttUrl, { clientId: role.clientId, reconnectPeriod: 0, connectTimeout: 5000, ...role.login }).then((c) => {
    clients.push(c);
    return c;
  });
}

/** Connects and expects the broker to refuse the login; returns the broker's logged reason. */
async function refusedLogin(clientId: string, login?: Login): Promise<string> {
  const before = sys.logger.records.length;
  const err = await connect({ clientId, ...(login ? { login } : {}) }).then(
    () => null,
    (e: Error) => e,
  );
  assert.ok(err, `${clientId} must be refused`);
  assert.match(err!.message, /Connection refused: Not authorized/);
  const logged = await waitFor(() => sys.logger.records.slice(before).find((r) => r.msg === 'connection refused' && r.client === clientId), `the refusal of ${clientId} in the hub's log`);
  return String(logged.reason);
}

const state = () => {
  const s = sys.hub.hub.state;
  return JSON.stringify({ people: [...s.people.entries()], depts: [...s.depts.entries()], messages: [...(s.messages?.entries() ?? [])], broadcasts: [...(s.broadcasts?.entries() ?? [])] });
};
const journalLength = () => sys.hub.store.journal(1_000_000).length;

async function retained(): Promise<Map<string, string>> {
  const aedes = sys.hub.broker!.instance as Aedes;
  const out = new Map<string, string>();
  const stream = (aedes as unknown as { persistence: { createRetainedStream(pattern: string): AsyncIterable<AedesPublishPacket> } }).persistence.createRetainedStream('#');
  for await (const p of stream) out.set(p.topic, Buffer.from(p.payload).toString('utf8'));
  return out;
}

e2e.before(async () => {
  clock.advanceTo(Date.parse(START));
  sys = await startSystem({ phones: 0, kiosks: 0, clock, config: { deviceAuth: 'required' } });
  api = sys.hub.api!.url;
  admin = readFileSync(sys.hub.adminTokenFile!, 'utf8').trim();
  const aedes = sys.hub.broker!.instance as Aedes;
  aedes.on('publish', (packet, client) => {
    if (!packet.topic.startsWith('$SYS/')) carried.push({ topic: packet.topic, payload: Buffer.from(packet.payload).toString('utf8'), client: client?.id ?? null });
  });
  const dir = sys.directory;
  // a department with a leader and two staff: L leads E and C
  const dept = dir.data.departments.find((d) => dir.data.people.filter((p) => p.dept === d.id && p.role === 'employee').length >= 3)!;
  const members = dir.data.people.filter((p) => p.dept === dept.id && p.role === 'employee');
  const leader = members.find((p) => p.leader === null)!;
  const [e, c] = members.filter((p) => dir.isLeaderOf(leader.id, p.id));
  assert.ok(e && c, 'the demo department has a leader with two staff');
  assert.is(dir.isLeaderOf(e.id, c.id), false, 'E leads nobody');
  C = c.id;
  const q = dir.data.people.find((p) => p.role === 'employee' && p.dept !== dept.id)!;
  Q = { person: q.id, device: `phone-${q.id}` };
  const staffOf = (id: string) => dir.data.people.filter((p) => dir.isLeaderOf(id, p.id)).map((p) => p.id);
  const phoneRole = async (name: string, person: string): Promise<Role> => ({ name, clientId: `phone-${person}`, login: await issue(`phone-${person}`), device: `phone-${person}`, person, staff: staffOf(person) });
  E = await phoneRole('employee phone', e.id);
  L = await phoneRole('leader phone', leader.id);
  assert.ok(L.staff.includes(e.id) && L.staff.includes(c.id), 'L leads E and C');
  K = { name: 'kiosk', clientId: 'kiosk-1', login: await issue('kiosk-1'), device: 'kiosk-1', person: null, staff: [] };
  O = { name: 'observer', clientId: 'acl-observer', device: null, person: null, staff: [] };
});

e2e.after(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
  await sys?.stop();
});

/** Every publish a role may not make, with a payload that would do harm if it were carried. */
function forbiddenPublishes(role: Role): { topic: string; payload: string; retain: boolean }[] {
  const n = { i: 0 };
  const probe = () => JSON.stringify({ [PROBE]: `${role.name} #${n.i++}` });
  const self = role.device;
  // another device: for the observer, E's (a device it is not); for the leader also their staff's phone
  const others = [...new Set([Q.device, role === L ? E.device! : null, role === O ? E.device! : null].filter((d): d is string => d !== null))];
  const person = role.person ?? E.person!;
  const dept = sys.directory.people.get(person)!.dept;
  const topics: { t: Topic | string; retain?: boolean; payload?: string }[] = [];
  for (const o of others) {
    // a valid divert request on another device's req topic: carried, it would divert that device's person
    topics.push({ t: { kind: 'device-req', deviceId: o }, payload: JSON.stringify({ id: `${PROBE}-${role.name.replace(/\W/g, '-')}-${n.i++}`, op: 'divert', args: { target: C } }) });
    topics.push({ t: { kind: 'device-status', deviceId: o }, retain: true });
    for (const part of ['want', 'progress', 'offer', 'chunk'] as const) topics.push({ t: { kind: 'device-ota', deviceId: o, part } });
    topics.push({ t: { kind: 'device-config', deviceId: o }, retain: true });
    topics.push({ t: { kind: 'device-res', deviceId: o } });
  }
  // the hub's topics towards this very device
  if (self) {
    for (const part of ['offer', 'chunk'] as const) topics.push({ t: { kind: 'device-ota', deviceId: self, part } });
    topics.push({ t: { kind: 'device-config', deviceId: self }, retain: true });
    topics.push({ t: { kind: 'device-res', deviceId: self } });
  }
  topics.push(
    { t: { kind: 'person-own', personId: person }, retain: true },
    { t: { kind: 'person-own', personId: Q.person }, retain: true },
    { t: { kind: 'person-public', personId: person }, retain: true },
    { t: { kind: 'dept-public', deptId: dept }, retain: true },
    { t: { kind: 'dept-member', deptId: dept, personId: person }, retain: true },
    { t: { kind: 'broadcast' }, retain: true },
    { t: { kind: 'hub-status' }, retain: true },
    { t: 'acl/elsewhere' },
    { t: 'omstil/v2/device/x/req' },
  );
  return topics.map(({ t, retain, payload }) => ({ topic: typeof t === 'string' ? t : buildTopic(t), payload: payload ?? probe(), retain: retain ?? false }));
}

/** One forbidden publish: the broker drops the client (MQTT 3.1.1 has no negative PUBACK, MQTT-3.3.5-2) and logs it. */
async function tryPublish(role: Role, p: { topic: string; payload: string; retain: boolean }): Promise<void> {
  const client = await connect(role);
  const closed = new Promise<void>((r) => client.once('close', () => r()));
  const before = sys.logger.records.length;
  client.publish(p.topic, p.payload, { qos: 1, retain: p.retain });
  const dropped = await Promise.race([closed.then(() => true), sleep(5000).then(() => false)]);
  await client.endAsync(true);
  assert.ok(dropped, `${role.name}: the broker dropped it after its publish on ${p.topic}`);
  await waitFor(() => sys.logger.records.slice(before).some((r) => r.msg === 'publish refused' && r.client === role.clientId && r.topic === p.topic), `${role.name}: "publish refused" ${p.topic} in the log`);
}

/** A request on the role's own req topic, and its reply on its own res topic. */
async function request(client: MqttClient, role: Role, req: { id: string; op: string; args: unknown }, replies: Map<string, Response>): Promise<Response> {
  await client.publishAsync(buildTopic({ kind: 'device-req', deviceId: role.device! }), JSON.stringify(req), { qos: 1 });
  return waitFor(() => replies.get(req.id), `${role.name}: the reply to ${req.id}`);
}

function repliesOf(client: MqttClient, role: Role): Map<string, Response> {
  const replies = new Map<string, Response>();
  const res = buildTopic({ kind: 'device-res', deviceId: role.device! });
  client.on('message', (topic, payload) => {
    if (topic !== res) return;
    const r = JSON.parse(payload.toString()) as Response;
    if (r.id) replies.set(r.id, r);
  });
  return replies;
}

e2e('publish: every role tries every topic it may not publish on; each is refused, nothing is carried, nothing changes', async () => {
  const journal0 = journalLength();
  const state0 = state();
  const retained0 = await retained();
  const roles = [E, L, K, O];
  const attempts = new Map(roles.map((r) => [r, forbiddenPublishes(r)]));
  for (const [role, list] of attempts) assert.ok(list.length >= 20, `${role.name}: ${list.length} forbidden publishes`);
  // the roles in parallel, each role's attempts one after another (one connection per client id)
  await Promise.all(roles.map(async (role) => {
    for (const p of attempts.get(role)!) await tryPublish(role, p);
  }));

  // positive control: each device's allowed publish after all that (a request on its own req topic) is carried and answered
  for (const role of [E, L, K]) {
    const client = await connect(role);
    const replies = repliesOf(client, role);
    await client.subscribeAsync(buildTopic({ kind: 'device-res', deviceId: role.device! }), { qos: 1 });
    const id = `control-${role.device}`;
    const r = await request(client, role, { id, op: 'launch', args: {} }, replies);
    assert.equal(r.ok ? null : r.error.code, 'unknown-op', `${role.name}: its own req topic works`);
    assert.ok(carried.some((c) => c.payload.includes(id) && c.client === role.clientId), `${role.name}: its allowed publish was carried`);
    await client.endAsync(true);
  }
  // the observer: it publishes nothing, but it is let in and hears the public retained state
  const obs = await connect(O);
  const heard: string[] = [];
  obs.on('message', (topic) => heard.push(topic));
  await obs.subscribeAsync(buildTopic({ kind: 'hub-status' }), { qos: 1 });
  await waitFor(() => heard.includes(buildTopic({ kind: 'hub-status' })), 'the observer to hear the hub status');
  await obs.endAsync(true);

  const leaked = carried.filter((c) => c.payload.includes(PROBE));
  assert.equal(leaked, [], 'no forbidden publish was carried');
  for (const role of roles) assert.not.ok(carried.some((c) => c.client === role.clientId && attempts.get(role)!.some((p) => p.topic === c.topic)), `${role.name}: none of its forbidden topics carried a message from it`);
  assert.is(journalLength(), journal0, 'the journal is unchanged');
  assert.is(state(), state0, 'the hub\'s people, department, message and broadcast records are unchanged');
  assert.equal([...(await retained()).entries()].sort(), [...retained0.entries()].sort(), 'every retained message is unchanged');
});

e2e('subscribe: every role subscribes to everything it could try; only what it may see is delivered (retained and live), up to a control that arrives after', async () => {
  const staffOfL = L.staff;
  const filtersFor = (role: Role): string[] => [
    '#',
    'omstil/#',
    'omstil/v1/#',
    'omstil/v1/person/+/own',
    'omstil/v1/person/+/+',
    buildTopic({ kind: 'person-own', personId: Q.person }),
    buildTopic({ kind: 'person-own', personId: L.person! }),
    ...staffOfL.map((p) => buildTopic({ kind: 'person-own', personId: p })),
    'omstil/v1/device/+/res',
    'omstil/v1/device/+/config',
    'omstil/v1/device/+/req',
    'omstil/v1/device/+/ota/+',
    'omstil/v1/device/+/ota/#',
    buildTopic({ kind: 'device-res', deviceId: Q.device }),
    buildTopic({ kind: 'device-config', deviceId: Q.device }),
    ...(role === E ? [] : [buildTopic({ kind: 'device-res', deviceId: E.device! }), buildTopic({ kind: 'device-config', deviceId: E.device! })]),
    ...(role === L ? [] : [buildTopic({ kind: 'device-res', deviceId: L.device! })]),
  ];
  const got = new Map<Role, { topic: string; text: string }[]>();
  const conn = new Map<Role, MqttClient>();
  const replies = new Map<Role, Map<string, Response>>();
  for (const role of [E, L, K, O]) {
    const client = await connect(role);
    const list: { topic: string; text: string }[] = [];
    client.on('message', (topic, payload) => list.push({ topic, text: payload.toString() }));
    if (role.device) replies.set(role, repliesOf(client, role));
    const granted = await client.subscribeAsync(filtersFor(role), { qos: 1 });
    assert.ok(granted.length > 0);
    got.set(role, list);
    conn.set(role, client);
  }
  // the retained truth arrives for what each may see (E its own, L its staff's), and only that
  await waitFor(() => got.get(E)!.some((m) => m.topic === buildTopic({ kind: 'person-own', personId: E.person! })), 'E its own state (retained)');
  await waitFor(() => got.get(L)!.some((m) => m.topic === buildTopic({ kind: 'person-own', personId: C })), 'L its staff\'s own state (PR-4, retained)');
  await waitFor(() => got.get(O)!.some((m) => parseTopic(m.topic)?.kind === 'person-public'), 'the observer the public state');

  // the policy layer: valid requests on the phone's own req topic, for someone it may not act for
  const journal0 = journalLength();
  const state0 = state();
  const refusedFor = async (role: Role, id: string, args: Record<string, unknown>) => {
    const r = await request(conn.get(role)!, role, { id, op: 'divert', args }, replies.get(role)!);
    assert.is(r.ok, false, `${role.name}: ${JSON.stringify(args)} must be refused`);
    return r.ok ? null : r.error;
  };
  const colleague = await refusedFor(E, 'e-for-colleague', { person: C, target: Q.person });
  assert.equal([colleague?.code, colleague?.rule, colleague?.field], ['forbidden', 'PR-4', 'args.person'], 'a phone diverts only its own person');
  const leader = await refusedFor(E, 'e-for-leader', { person: L.person, target: C });
  assert.equal([leader?.code, leader?.rule], ['forbidden', 'PR-4'], 'nor its leader');
  const elsewhere = await refusedFor(L, 'l-for-another-dept', { person: Q.person, target: C });
  assert.equal([elsewhere?.code, elsewhere?.rule], ['forbidden', 'PR-4'], 'a leader only their own staff');
  const kiosk = await refusedFor(K, 'k-for-e', { person: E.person, target: C });
  assert.is(kiosk?.code, 'no-person', 'a kiosk diverts nobody');
  const kioskSelf = await refusedFor(K, 'k-self', { target: C });
  assert.is(kioskSelf?.code, 'no-person');
  assert.is(journalLength(), journal0, 'refused requests journal nothing');
  assert.is(state(), state0, 'and change nothing');

  // positive control (PR-4): the leader diverts their own staff member; live traffic on E's and C's own topics and L's res
  const ok = await request(conn.get(L)!, L, { id: 'l-for-e', op: 'divert', args: { person: E.person, target: C } }, replies.get(L)!);
  assert.is(ok.ok, true, JSON.stringify(ok));
  assert.is(sys.hub.hub.record(E.person!)!.diversion?.to, C);
  assert.is(journalLength(), journal0 + 1);
  await waitFor(() => got.get(E)!.some((m) => m.topic === buildTopic({ kind: 'person-own', personId: E.person! }) && m.text.includes(`"${C}"`)), 'E its own update, live');
  await waitFor(() => got.get(L)!.some((m) => m.topic === buildTopic({ kind: 'person-own', personId: E.person! }) && m.text.includes(`"${C}"`)), 'L its staff member\'s update, live (PR-4)');

  // the last message of all, to every role: a crisis broadcast (RT-3); everything before it has been delivered when it arrives
  const text = { da: `acl-kontrol ${Date.now()}` };
  const b = await http('POST', '/broadcasts', admin, { text, expires: new Date(clock.now().getTime() + 3_600_000).toISOString() });
  assert.is(b.status, 200, JSON.stringify(b.json));
  for (const role of [E, L, K, O]) await waitFor(() => got.get(role)!.some((m) => m.topic === buildTopic({ kind: 'broadcast' }) && m.text.includes(text.da)), `${role.name}: the broadcast (control)`);
  await sleep(200);

  for (const role of [E, L, K, O]) {
    const list = got.get(role)!;
    assert.ok(list.length > 10, `${role.name} received ${list.length} messages`);
    const bad = list.filter((m) => {
      const t = parseTopic(m.topic);
      return !t || !mayReceive(role, t);
    });
    assert.equal(bad.map((m) => m.topic), [], `${role.name}: nothing it may not see`);
    // nobody's own state but its own (and, for a leader, its staff's) reached it, retained or live
    const owns = new Set(list.filter((m) => parseTopic(m.topic)?.kind === 'person-own').map((m) => (parseTopic(m.topic) as { personId: string }).personId));
    assert.equal([...owns].sort(), [...(role.person ? [role.person, ...role.staff] : [])].sort(), `${role.name}: the own topics it received`);
  }
  // the reason for an absence never leaves towards the wrong device: nobody but E, L saw E's own topic
  for (const role of [K, O]) assert.not.ok(got.get(role)!.some((m) => m.topic.endsWith('/own')), `${role.name}: no own topic at all`);
  assert.not.ok(got.get(E)!.some((m) => m.topic === buildTopic({ kind: 'device-res', deviceId: L.device! })), 'E: not L\'s replies');
  assert.not.ok(got.get(K)!.some((m) => m.topic === buildTopic({ kind: 'device-config', deviceId: E.device! })), 'K: not E\'s config');

  const undo = await request(conn.get(L)!, L, { id: 'l-undo', op: 'undivert', args: { person: E.person } }, replies.get(L)!);
  assert.is(undo.ok, true);
  for (const c of conn.values()) await c.endAsync(true);
});

e2e('a revoked device cannot connect and is disconnected at revoke; a wrong token and a device never provisioned are refused', async () => {
  const revoked = sys.directory.data.devices.filter((d) => d.kind === 'phone' && ![E.device, L.device, Q.device].includes(d.id))[0]!.id;
  const login = await issue(revoked);
  const client = await connect({ clientId: revoked, login });
  assert.ok(client.connected, 'with its token it gets in');
  const closed = new Promise<void>((r) => client.once('close', () => r()));
  const del = await http('DELETE', `/devices/${revoked}/credentials`, admin);
  assert.is(del.status, 200);
  assert.ok(await Promise.race([closed.then(() => true), sleep(3000).then(() => false)]), 'revoking it ends its session at once');
  assert.match(await refusedLogin(revoked, login), /its credential is revoked/);
  assert.match(await refusedLogin(revoked), /its credential is revoked/);

  const wrong = sys.directory.data.devices.filter((d) => d.kind === 'phone' && ![E.device, L.device, Q.device, revoked].includes(d.id))[0]!.id;
  const right = await issue(wrong);
  assert.match(await refusedLogin(wrong, { username: wrong, password: right.password.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }), /wrong token/);
  assert.match(await refusedLogin(wrong, { username: wrong, password: '' }), /wrong token/);
  assert.match(await refusedLogin(wrong), /has a credential but gave none/);
  // E's valid login from another client id, and a token of one device for another
  assert.match(await refusedLogin(wrong, E.login), /logs in with its own id/);
  assert.match(await refusedLogin(E.clientId, { username: E.clientId, password: right.password }), /wrong token/);
  // never provisioned: deviceAuth required refuses it
  const never = sys.directory.data.devices.find((d) => d.kind === 'kiosk' && d.id !== K.device)!.id;
  assert.match(await refusedLogin(never), /no credential \(deviceAuth is required\)/);
  // the hub keeps serving the others
  const e = await connect(E);
  assert.ok(e.connected);
  await e.endAsync(true);
  const tokens = [login.password, right.password, E.login!.password];
  for (const r of sys.logger.records) for (const tk of tokens) assert.not.ok(JSON.stringify(r).includes(tk), 'no token in the hub\'s log');
});

e2e('the device tokens do not open the admin API (401)', async () => {
  for (const role of [E, L, K]) {
    const token = role.login!.password;
    for (const [method, path] of [
      ['GET', `/people/${E.person}`],
      ['GET', '/devices'],
      ['POST', `/devices/${role.device}/credentials`],
      ['DELETE', `/devices/${Q.device}/credentials`],
      ['PUT', `/people/${E.person}/diversion`],
    ] as const) {
      const r = await http(method, path, token, method === 'PUT' ? { target: C } : undefined);
      assert.is(r.status, 401, `${role.name}: ${method} ${path} with its device token`);
    }
  }
  assert.is((await http('GET', '/devices', admin)).status, 200, 'the admin token does');
});

e2e.run();
