/**
 * Issue 10: MosquittoDynsec against a real Mosquitto with the dynamic-security plugin (no
 * fake: the plugin's own behaviour is what is proved). Issuing makes a login, issuing again
 * ends the old session and the old token stops working, a new leader's phone gets the staff's
 * own topic after a directory change (PR-4) and a moved phone loses its old person's, a
 * restart of the sync disables what was revoked or left the directory meanwhile, clients the
 * hub did not make are left alone, and no token reaches a log.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt, { type MqttClient } from 'mqtt';
import { buildTopic, FakeClock, memoryLogger } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { HUB_USERNAME } from '../../../broker/mqtt/access.js';
import { DeviceCredentials } from '../../../broker/mqtt/device-credentials.js';
import { DEVICES_ROLE, HUB_ROLE, personRoleName, TEXTNAME } from '../../../broker/mqtt/mosquitto-acl-plan.js';
import { DYNSEC_RESPONSE_TOPIC, DYNSEC_TOPIC, MosquittoDynsec } from '../../../broker/mqtt/mosquitto-dynsec.js';
import { SqliteStore } from '../../../broker/store/sqlite-store.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';
import { startMosquitto, type MosquittoServer } from '../../support/mosquitto.js';
import { sleep, waitFor } from '../../support/wait.js';

const t = suite('broker/mqtt/mosquitto-dynsec');
let mosquitto: MosquittoServer | null = null;
let store: SqliteStore;
let credentials: DeviceCredentials;
let sync: MosquittoDynsec | null = null;
let hubLink: MqttClient;
const logger = memoryLogger('debug');
const clock = new FakeClock();
const clients: MqttClient[] = [];

const data = demoDirectory({ peoplePerDept: 3, kiosks: 1 });
let directory = Directory.parse(data);
const people = data.people.filter((p) => p.role === 'employee');
const leader = people.find((p) => p.leader === null && directory.staffOf(p.id).length)!;
const staff = directory.staffOf(leader.id)[0]!;
// someone in another department who leads nobody: made the staff's leader later
const other = people.find((p) => p.dept !== leader.dept && p.leader !== null)!;
const phone = (personId: string) => `phone-${personId}`;

t.before(async () => {
  mosquitto = await startMosquitto('MosquittoDynsec against Mosquitto');
  if (!mosquitto) return;
  store = new SqliteStore({ file: ':memory:' });
  credentials = new DeviceCredentials({ store, clock });
  credentials.start();
});

t.after.each(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});

t.after(async () => {
  await sync?.stop();
  await hubLink?.endAsync(true);
  credentials?.stop();
  store?.close();
  await mosquitto?.stop();
});

const test = (title: string, fn: (m: MosquittoServer) => Promise<void>) =>
  t(title, async () => {
    if (!mosquitto) return;
    try {
      await fn(mosquitto);
    } catch (err) {
      mosquitto.printLogs(title);
      throw err;
    }
  });

function newSync(m: MosquittoServer): MosquittoDynsec {
  return new MosquittoDynsec({ mqttUrl: m.mqttUrl, username: HUB_USERNAME, password: m.hubPassword, directory: () => directory, credentials, clock, logger, pollMs: 50 });
}

/** Connects as a device; resolves with the client or the broker's refusal. */
async function connect(m: MosquittoServer, clientId: string, username: string | undefined, password: string | undefined): Promise<MqttClient | Error> {
  try {
    const c = await mqtt.connectAsync(m.mqttUrl, { clientId, ...(username !== undefined ? { username, password } : {}), reconnectPeriod: 0, connectTimeout: 3000 });
    clients.push(c);
    return c;
  } catch (err) {
    return err as Error;
  }
}

async function admin(m: MosquittoServer, commands: object[]): Promise<{ command: string; error?: string; data?: Record<string, unknown> }[]> {
  const c = await mqtt.connectAsync(m.mqttUrl, { clientId: 'test-admin', username: HUB_USERNAME, password: m.hubPassword, reconnectPeriod: 0 });
  try {
    await c.subscribeAsync(DYNSEC_RESPONSE_TOPIC);
    const answer = new Promise<Buffer>((resolve) => c.once('message', (_t, p) => resolve(p)));
    await c.publishAsync(DYNSEC_TOPIC, JSON.stringify({ commands }));
    return (JSON.parse((await answer).toString('utf8')) as { responses: { command: string; error?: string; data?: Record<string, unknown> }[] }).responses;
  } finally {
    await c.endAsync();
  }
}

/** What a device's login receives of `topics` within a while after subscribing. */
async function receives(client: MqttClient, topics: string[], ms = 400): Promise<Set<string>> {
  const seen = new Set<string>();
  client.on('message', (topic) => seen.add(topic));
  await client.subscribeAsync(topics, { qos: 1 }).catch(() => undefined);
  await sleep(ms);
  return seen;
}

test('start: defaults deny, the shared roles are made, the hub holds its role and can publish under omstil/', async (m) => {
  // a client of another application, made by the operator: never touched
  await admin(m, [{ command: 'createClient', username: 'grafana', password: 'not-ours' }]);
  sync = newSync(m);
  await sync.start();
  const [defaults, hub, roles, grafana] = await admin(m, [{ command: 'getDefaultACLAccess' }, { command: 'getClient', username: HUB_USERNAME }, { command: 'listRoles', count: -1, offset: 0 }, { command: 'getClient', username: 'grafana' }]);
  assert.equal(defaults!.data!.acls, [
    { acltype: 'publishClientSend', allow: false },
    { acltype: 'publishClientReceive', allow: false },
    { acltype: 'subscribe', allow: false },
    { acltype: 'unsubscribe', allow: true },
  ]);
  assert.ok(((hub!.data!.client as { roles: { rolename: string }[] }).roles).some((r) => r.rolename === HUB_ROLE));
  const names = roles!.data!.roles as string[];
  assert.equal(names.filter((n) => n.startsWith('omstil:')).sort(), [DEVICES_ROLE, HUB_ROLE], 'the shared roles; a device\'s come with its login');
  assert.is((grafana!.data!.client as { textname?: string }).textname, undefined);
  hubLink = await mqtt.connectAsync(m.mqttUrl, { clientId: 'omstil-hub', username: HUB_USERNAME, password: m.hubPassword, reconnectPeriod: 200 });
  // the hub's truth, retained: every person's own topic
  for (const p of people) await hubLink.publishAsync(buildTopic({ kind: 'person-own', personId: p.id }), JSON.stringify({ personId: p.id }), { qos: 1, retain: true });
  // no device can log in before it is provisioned; anonymous access is off
  assert.instance(await connect(m, phone(staff.id), phone(staff.id), 'guess'), Error);
  assert.instance(await connect(m, phone(staff.id), undefined, undefined), Error);
});

test('issue makes the login; issuing again ends the old session and only the new token works', async (m) => {
  const id = phone(staff.id);
  const first = credentials.issue(id).token;
  await sync!.settled();
  const c1 = await connect(m, id, id, first);
  assert.not.instance(c1, Error);
  const own = await receives(c1 as MqttClient, [buildTopic({ kind: 'person-own', personId: staff.id }), buildTopic({ kind: 'person-own', personId: leader.id })]);
  assert.equal([...own], [buildTopic({ kind: 'person-own', personId: staff.id })], 'its own, not its leader\'s');
  const second = credentials.issue(id).token;
  await sync!.settled();
  await waitFor(() => !(c1 as MqttClient).connected, 'the old session to end', 3000);
  assert.instance(await connect(m, id, id, first), Error, 'the old token is refused');
  assert.not.instance(await connect(m, id, id, second), Error);
  // the login is bound to its client id
  assert.instance(await connect(m, 'kiosk-1', id, second), Error, 'another client id with its login');
  const log = JSON.stringify(logger.records) + m.logs();
  for (const token of [first, second]) assert.not.ok(log.includes(token), 'a token in a log');
});

test('PR-4 after a directory change: the new leader\'s phone gets the staff\'s own topic, the old leader\'s loses it', async (m) => {
  const staffOwn = buildTopic({ kind: 'person-own', personId: staff.id });
  const tokens = new Map([leader.id, other.id].map((p) => [p, credentials.issue(phone(p)).token]));
  await sync!.settled();
  const before = await connect(m, phone(leader.id), phone(leader.id), tokens.get(leader.id));
  assert.ok((await receives(before as MqttClient, [staffOwn])).has(staffOwn), 'the leader\'s phone gets its staff\'s own topic');
  const otherBefore = await connect(m, phone(other.id), phone(other.id), tokens.get(other.id));
  assert.not.ok((await receives(otherBefore as MqttClient, [staffOwn])).has(staffOwn));

  // the staff member gets a new leader
  directory = Directory.parse({ ...data, people: data.people.map((p) => (p.id === staff.id ? { ...p, leader: other.id } : p)) });
  await waitFor(async () => {
    await sync!.settled();
    const [c] = await admin(m, [{ command: 'getClient', username: phone(other.id) }]);
    return (c!.data!.client as { roles: { rolename: string }[] }).roles.some((r) => r.rolename === personRoleName(staff.id));
  }, 'the new leader\'s phone to get the staff role', 5000, 100);
  // the plugin ended both sessions (their rights changed): they log in again, as a device does
  await waitFor(() => !(before as MqttClient).connected && !(otherBefore as MqttClient).connected, 'both sessions to end', 3000);
  const after = await connect(m, phone(other.id), phone(other.id), tokens.get(other.id));
  assert.ok((await receives(after as MqttClient, [staffOwn])).has(staffOwn), 'the new leader gets it');
  const old = await connect(m, phone(leader.id), phone(leader.id), tokens.get(leader.id));
  assert.not.ok((await receives(old as MqttClient, [staffOwn])).has(staffOwn), 'the old leader no longer does');
});

test('revoke disables the login at once; a sync started later disables what was revoked or left the directory meanwhile', async (m) => {
  const id = phone(other.id);
  const c = await connect(m, id, id, undefined);
  assert.instance(c, Error, 'no login without a password');
  const token = credentials.issue(id).token;
  await sync!.settled();
  const live = await connect(m, id, id, token);
  assert.not.instance(live, Error);
  credentials.revoke(id);
  await sync!.settled();
  await waitFor(() => !(live as MqttClient).connected, 'the revoked session to end', 3000);
  assert.instance(await connect(m, id, id, token), Error, 'refused after revoke');

  // while the hub is down: a revoke, and a device leaves the directory
  await sync!.stop();
  sync = null;
  const leaving = phone(leader.id);
  const staffToken = credentials.issue(phone(staff.id)).token; // no sync: this token never reaches the broker
  credentials.revoke(phone(staff.id));
  directory = Directory.parse({ ...data, devices: data.devices.filter((d) => d.id !== leaving) });
  sync = newSync(m);
  await sync.start();
  const [staffClient, leavingClient, grafana] = await admin(m, [{ command: 'getClient', username: phone(staff.id) }, { command: 'getClient', username: leaving }, { command: 'getClient', username: 'grafana' }]);
  assert.is((staffClient!.data!.client as { disabled?: boolean }).disabled, true, 'revoked while the hub was down');
  const gone = leavingClient!.data!.client as { disabled?: boolean; roles: unknown[]; textname: string };
  assert.equal([gone.disabled, gone.roles, gone.textname], [true, [], TEXTNAME], 'left the directory: disabled, no roles');
  assert.not.ok((grafana!.data!.client as { disabled?: boolean }).disabled, 'not ours: untouched');
  assert.instance(await connect(m, phone(staff.id), phone(staff.id), staffToken), Error);
});

t.run();
