/**
 * RT-3 crisis broadcasts end to end, over the real parts: the admin API (HTTP, token) adds and
 * ends them through the policy; SQLite keeps them with their journal entry; the hub publishes
 * the retained list on `omstil/v1/broadcast` over the embedded Aedes broker, again when one
 * starts or expires; devices (MQTT clients with a device's identity) get it on connect and
 * keep it in the firmware's state mirror; the routing endpoint puts it first in what the
 * voicebot says; a restart of the hub loses nothing. The hub's clock can be moved on.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt, { type MqttClient } from 'mqtt';
import { readFileSync } from 'node:fs';
import { StateMirror } from '../../firmware/state-mirror.js';
import { BroadcastList, buildTopic, decodeJson, filters, parseTopic, RouteAnswer, ROUTE_PATH_SHORT } from '../../protocol/index.js';
import { movableClock, startSystem, tempDir, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/broadcast');

/** Monday 23 November 2026, 10:00 in Copenhagen: Borgerservice answers (08:00-18:00). */
const START = '2026-11-23T10:00:00+01:00';
/** real speed from START, and `advance` moves it on (the hub's sweep notices within a second) */
const clock = movableClock(START);
const advance = (ms: number) => clock.advance(ms);
const at = (local: string) => new Date(`2026-11-23T${local}+01:00`).toISOString();

const STORM = { da: 'Stormflod: sandsække udleveres ved Rådhuset indtil kl. 20.', en: 'Storm flood: sandbags are handed out at the town hall until 20:00.' };
const WATER = { da: 'Kog drikkevandet i Vestbyen' };

const dataDir = tempDir();
let sys: TestSystem;
let token = '';
const clients: MqttClient[] = [];

e2e.before(async () => {
  clock.advanceTo(Date.parse(START)); // from START when the suite runs, not when the test files were loaded
  sys = await startSystem({ clock, dataDir, phones: 0, kiosks: 0 });
  token = readFileSync(sys.hub.adminTokenFile!, 'utf8').trim();
});

e2e.after(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await sys?.stop();
});

type Reply = { status: number; json: { ok?: boolean; data?: unknown; error?: { code: string; rule?: string; field?: string; text?: { da: string; en: string } } } & Record<string, unknown> };

async function api(method: string, path: string, body?: unknown, auth = true): Promise<Reply> {
  const res = await fetch(`${sys.hub.api!.url}${path}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Reply['json'] };
}

async function route(to: string, lang = 'da'): Promise<RouteAnswer> {
  const res = await fetch(`${new URL(sys.hub.api!.url).origin}${ROUTE_PATH_SHORT}?${new URLSearchParams({ to, lang })}`);
  const json = (await res.json()) as unknown;
  const d = RouteAnswer.safeParse(json);
  assert.ok(d.success, JSON.stringify(json));
  return d.data!;
}

/** A device as the broker knows it (its client id), keeping what it receives in the firmware's mirror. */
async function device(deviceId: string, kind: 'phone' | 'kiosk'): Promise<{ client: MqttClient; mirror: StateMirror; lists: BroadcastList[] }> {
  const mirror = new StateMirror(deviceId, kind);
  const lists: BroadcastList[] = [];
  const client = await mqtt.connectAsync(sys.hub.mqttUrl, { clientId: deviceId, reconnectPeriod: 0, ...sys.login(deviceId) });
  clients.push(client);
  client.on('message', (topic, payload) => {
    const t = parseTopic(topic);
    if (t?.kind !== 'broadcast') return;
    const d = decodeJson(BroadcastList, payload.toString());
    if (d.ok) lists.push(d.value);
    mirror.apply(t, payload.toString(), clock.now());
  });
  await client.subscribeAsync(filters.broadcast, { qos: 1 });
  return { client, mirror, lists };
}

const ids = (list: { broadcasts: { id: string }[] } | undefined) => list?.broadcasts.map((b) => b.id) ?? [];

e2e('RT-3: the admin API adds a broadcast; a kiosk and a phone that connect later get the retained list; the voicebot says it first', async () => {
  const before = await route(sys.directory.data.people[1]!.extension);
  assert.equal(before.broadcasts, []);

  const res = await api('POST', '/broadcasts', { text: STORM, expires: at('20:00:00') });
  assert.is(res.status, 200, JSON.stringify(res.json));
  const made = (res.json.data as { broadcast: { id: string; start: string; expires: string; endedEarly: boolean } }).broadcast;
  assert.equal([made.id, made.start.slice(0, 16), made.expires, made.endedEarly], ['broadcast-1', clock.now().toISOString().slice(0, 16), at('20:00:00'), false]);
  assert.equal(sys.hub.store.journal(1).map((e) => [e.actor, e.op]), [['admin:api', 'add-broadcast']], 'journalled in the same commit');

  const kiosk = await device('kiosk-1', 'kiosk');
  const phone = await device(`phone-${sys.directory.data.people[1]!.id}`, 'phone');
  for (const d of [kiosk, phone]) {
    await waitFor(() => d.mirror.broadcasts.length === 1, `${d.client.options.clientId} to get the retained list on connect`);
    const [b] = d.mirror.view(true).broadcasts;
    assert.equal(b, { id: 'broadcast-1', text: STORM, start: made.start, expires: at('20:00:00'), createdAt: made.start });
  }
  assert.not.ok(JSON.stringify(kiosk.lists).includes('admin:api'), 'who made it stays at the hub');

  // the voicebot: every answer opens with it, in the asked language
  const [, bo] = sys.directory.membersOf('borgerservice');
  const da = await route(bo!.extension);
  assert.is(da.kind, 'ring');
  assert.equal(da.broadcasts, [{ id: 'broadcast-1', text: STORM, expires: at('20:00:00') }]);
  assert.is(da.say, `${STORM.da} Du bliver stillet videre til ${bo!.name}.`);
  assert.is(da.text.da, `Du bliver stillet videre til ${bo!.name}.`, 'the routing text itself is unchanged');
  const en = await route('borgerservice', 'en');
  assert.ok(en.say.startsWith(`${STORM.en} `), en.say);
  const unknown = await route('hvem-ved-om-sandsaekke-og-drager-xyz');
  assert.is(unknown.kind, 'unknown');
  assert.ok(unknown.say.startsWith(STORM.da), 'a 404 answer says it too');
});

e2e('RT-3: GET /broadcasts lists them with their state; refusals are mapped to HTTP codes naming the field and RT-3', async () => {
  const list = await api('GET', '/broadcasts');
  assert.is(list.status, 200);
  assert.equal((list.json as unknown as { id: string; state: string; createdBy: string }[]).map((b) => [b.id, b.state, b.createdBy]), [['broadcast-1', 'active', 'admin:api']]);

  const cases: [unknown, number, string, string][] = [
    [{ text: { da: ' ' }, expires: at('20:00:00') }, 400, 'invalid-payload', 'text.da'],
    [{ text: { da: 'x'.repeat(301) }, expires: at('20:00:00') }, 400, 'invalid-payload', 'text.da'],
    [{ text: { da: 'Sandsække', en: 'x'.repeat(301) }, expires: at('20:00:00') }, 400, 'invalid-payload', 'text.en'],
    [{ text: WATER, start: at('12:00:00'), expires: at('11:00:00') }, 400, 'invalid-time', 'expires'],
    [{ text: WATER, start: at('08:00:00'), expires: at('09:00:00') }, 400, 'invalid-time', 'expires'],
  ];
  for (const [body, status, code, field] of cases) {
    const r = await api('POST', '/broadcasts', body);
    assert.equal([r.status, r.json.error?.code, r.json.error?.field, r.json.error?.rule], [status, code, field, 'RT-3'], JSON.stringify(body));
    assert.ok(r.json.error?.text?.da, 'a Danish sentence for people');
  }
  // the body's own shape is checked before the policy: a missing expiry is named
  const shape = await api('POST', '/broadcasts', { text: WATER });
  assert.equal([shape.status, shape.json.error?.code, shape.json.error?.field], [400, 'invalid-payload', 'expires']);
  const unknown = await api('POST', '/broadcasts/findes-ikke/end');
  assert.equal([unknown.status, unknown.json.error?.code, unknown.json.error?.field, unknown.json.error?.rule], [404, 'unknown-broadcast', 'broadcast', 'RT-3']);
  const noToken = await api('POST', '/broadcasts', { text: WATER, expires: at('20:00:00') }, false);
  assert.is(noToken.status, 401);
  // two more fill the room (one planned); a fourth is a conflict
  assert.is((await api('POST', '/broadcasts', { id: 'vand', text: WATER, start: at('12:00:00'), expires: at('12:30:00') })).status, 200);
  assert.is((await api('POST', '/broadcasts', { id: 'tredje', text: { da: 'Tredje' }, expires: at('11:00:00') })).status, 200);
  const full = await api('POST', '/broadcasts', { text: { da: 'Fjerde' }, expires: at('20:00:00') });
  assert.equal([full.status, full.json.error?.code, full.json.error?.field, full.json.error?.rule], [409, 'too-many-broadcasts', 'broadcasts', 'RT-3']);
  const ended = await api('POST', '/broadcasts/tredje/end');
  assert.equal([ended.status, (ended.json.data as { broadcast: { endedEarly: boolean } }).broadcast.endedEarly], [200, true]);
  assert.equal(sys.hub.store.journal(1).map((e) => [e.actor, e.op]), [['admin:api', 'end-broadcast']]);
});

e2e('RT-3: the list goes out again when one starts and when one expires; ended early, it is gone at once', async () => {
  const kiosk = await device('kiosk-2', 'kiosk');
  await waitFor(() => ids(kiosk.lists.at(-1)).length === 2, 'the retained list');
  // in force and planned alike, by start (the planned one with its start, so screens switch on in time); the ended one is not listed
  assert.equal(ids(kiosk.lists.at(-1)), ['broadcast-1', 'vand']);
  const rev = kiosk.lists.at(-1)!.rev;
  const count = kiosk.lists.length;

  // 12:00: "vand" starts: the same list again, at once (same rev: nothing was changed by anyone)
  advance(Date.parse(at('12:00:01')) - clock.now().getTime());
  await waitFor(() => kiosk.lists.length > count, 'the list to be republished when "vand" starts', 4000);
  assert.equal([ids(kiosk.lists.at(-1)), kiosk.lists.at(-1)!.rev], [['broadcast-1', 'vand'], rev]);
  const [, bo] = sys.directory.membersOf('borgerservice');
  assert.equal((await route(bo!.extension)).broadcasts.map((b) => b.id), ['broadcast-1', 'vand'], 'the voicebot says both while both are in force');
  assert.ok((await route(bo!.extension)).say.startsWith(`${STORM.da} ${WATER.da}. `), 'a text without a full stop gets one');

  // 12:30: "vand" expires: dropped from the list
  advance(Date.parse(at('12:30:01')) - clock.now().getTime());
  await waitFor(() => ids(kiosk.lists.at(-1)).join() === 'broadcast-1', 'the list without "vand" after its expiry', 4000);
  assert.equal(kiosk.mirror.broadcasts.map((b) => b.id), ['broadcast-1']);
  assert.equal((await route(bo!.extension)).broadcasts.map((b) => b.id), ['broadcast-1']);

  // ended early: announced at once (a higher rev)
  const end = await api('POST', '/broadcasts/broadcast-1/end');
  assert.is(end.status, 200);
  await waitFor(() => kiosk.mirror.broadcasts.length === 0, 'the kiosk to drop the ended broadcast', 2000);
  assert.ok(kiosk.lists.at(-1)!.rev > rev);
  assert.equal((await route(bo!.extension)).broadcasts, []);
  assert.is((await route(bo!.extension)).say, `Du bliver stillet videre til ${bo!.name}.`);
  const listed = (await api('GET', '/broadcasts')).json as unknown as { id: string; state: string; endedEarly: boolean }[];
  assert.equal(listed.map((b) => [b.id, b.state, b.endedEarly]), [['broadcast-1', 'over', true], ['tredje', 'over', true], ['vand', 'over', false]]);
});

e2e('RT-3: a broadcast survives a restart of the hub (stored with its journal entry): devices get it again from the new hub', async () => {
  const res = await api('POST', '/broadcasts', { id: 'efter-genstart', text: STORM, expires: at('23:00:00') });
  assert.is(res.status, 200);
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await sys.stop(true); // keep the data directory
  sys = await startSystem({ clock, dataDir, phones: 0, kiosks: 0 });
  token = readFileSync(sys.hub.adminTokenFile!, 'utf8').trim();
  const kiosk = await device('kiosk-1', 'kiosk');
  await waitFor(() => ids(kiosk.lists.at(-1)).join() === 'efter-genstart', 'the retained list from the restarted hub');
  const [, bo] = sys.directory.membersOf('borgerservice');
  assert.ok((await route(bo!.extension)).say.startsWith(STORM.da));
  // ids go on where they left off: every broadcast is loaded, none is overwritten
  const next = await api('POST', '/broadcasts', { text: WATER, expires: at('23:00:00') });
  assert.is((next.json.data as { broadcast: { id: string } }).broadcast.id, 'broadcast-5');
  assert.equal(buildTopic({ kind: 'broadcast' }), 'omstil/v1/broadcast');
});

e2e.run();
