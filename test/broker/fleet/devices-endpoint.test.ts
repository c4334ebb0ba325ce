/**
 * The fleet over real HTTP and MQTT against a started hub (embedded broker with its access
 * control, SQLite, simulated devices): the hub reads every device's birth and Will, the last
 * refused request per device (code and rule, PR-2), `GET /api/v1/devices` with its token and
 * long poll, the page at /fleet without a token, and a directory import removing devices.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DirectoryData } from '../../../broker/directory/directory.js';
import type { FleetList } from '../../../protocol/fleet.js';
import { FIRMWARE_VERSION } from '../../../firmware/device-core.js';
import { defaultUiDir } from '../../../simulator/main.js';
import { startSystem, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';

const test = suite('broker/fleet/devices-endpoint');
let sys: TestSystem;
let api: string;
let origin: string;
let token: string;

test.before(async () => {
  sys = await startSystem({ phones: 3, kiosks: 1 });
  api = sys.hub.api!.url;
  origin = new URL(api).origin;
  token = readFileSync(sys.hub.adminTokenFile!, 'utf8').trim();
});
test.after(async () => sys.stop());

async function devices(query = '', auth = token): Promise<{ status: number; body: FleetList & { ok?: false; error?: { code: string; field?: string } }; ms: number }> {
  const t0 = Date.now();
  const res = await fetch(`${api}/devices${query}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
  return { status: res.status, body: (await res.json()) as never, ms: Date.now() - t0 };
}
const rowOf = (list: FleetList, id: string) => list.devices.find((d) => d.deviceId === id);

test('no token or a wrong one: 401 with the error body', async () => {
  for (const auth of ['', 'not-the-token']) {
    const { status, body } = await devices('', auth);
    assert.is(status, 401);
    assert.is(body.ok, false);
    assert.is(body.error!.code, 'forbidden');
  }
});

test('every simulated device is online with its firmware; the rest of the directory is "never-seen"', async () => {
  const simulated = [...sys.fleet.cores.keys()];
  const list = await waitFor(async () => {
    const { body } = await devices();
    return simulated.every((id) => rowOf(body, id)?.state === 'online') ? body : null;
  }, 'every simulated device online in /api/v1/devices');
  for (const id of simulated) {
    const d = rowOf(list, id)!;
    assert.is(d.fw, FIRMWARE_VERSION);
    assert.ok(d.since && Math.abs(Date.parse(d.since) - Date.now()) < 60_000, 'online since its birth');
    assert.is(d.update, null);
  }
  assert.is(list.devices.length, sys.directory.devices.size);
  assert.is(list.summary.online, simulated.length);
  assert.is(list.summary.neverSeen, sys.directory.devices.size - simulated.length);
  assert.ok(list.devices.filter((d) => !simulated.includes(d.deviceId)).every((d) => d.state === 'never-seen' && d.fw === null));
  const kiosk = rowOf(list, sys.fleet.kiosks[0]!.deviceId)!;
  assert.is(kiosk.kind, 'kiosk');
  const phone = sys.fleet.phones[0]!;
  const person = sys.directory.people.get(sys.directory.devices.get(phone.deviceId)!.person!)!;
  assert.equal(rowOf(list, phone.deviceId)!.person, { id: person.id, name: person.name });
});

test('a refused request is the phone\'s last error: time, code, rule, op, and no text (PR-2)', async () => {
  const phone = sys.fleet.phones[0]!;
  const me = sys.directory.devices.get(phone.deviceId)!.person!;
  const res = await phone.request('divert', { target: me });
  assert.is(res.ok, false);
  const { body } = await devices();
  const err = rowOf(body, phone.deviceId)!.lastError!;
  assert.is(err.code, 'self-diversion');
  assert.is(err.rule, 'DV-4');
  assert.is(err.op, 'divert');
  assert.ok(Math.abs(Date.parse(err.at) - Date.now()) < 10_000);
  assert.equal(Object.keys(err).sort(), ['at', 'code', 'op', 'rule']);
  assert.is(body.summary.withErrors, 1);
});

test('long poll: a Will answers a waiting request within moments; no news answers after the wait', async () => {
  const { body: before } = await devices();
  const core = sys.fleet.phones[2]!;
  const pending = devices(`?after=${before.version}&wait=20`);
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  await core.stop(); // ends the connection without DISCONNECT: the broker publishes the Will
  const { status, body } = await pending;
  assert.is(status, 200);
  assert.ok(Date.now() - t0 < 3000, `answered ${Date.now() - t0} ms after the device stopped`);
  assert.ok(body.version > before.version);
  const row = await waitFor(async () => {
    const r = rowOf((await devices()).body, core.deviceId)!;
    return r.state === 'offline' ? r : null;
  }, 'the stopped device to be offline');
  assert.is(row.sinceBefore, false);
  assert.ok(Date.now() - Date.parse(row.since!) < 10_000, 'offline since the Will arrived, not since the device connected');

  const { body: now } = await devices();
  const quiet = await devices(`?after=${now.version}&wait=1`);
  assert.is(quiet.status, 200);
  assert.ok(quiet.ms >= 900, `answered after ${quiet.ms} ms`);
  assert.is(quiet.body.version, now.version);
});

test('bad query: 400 naming the field', async () => {
  for (const [q, field] of [['?after=abc&wait=1', 'after'], ['?after=1&wait=99', 'wait'], ['?after=1&wait=-1', 'wait']] as const) {
    const { status, body } = await devices(q);
    assert.is(status, 400, q);
    assert.is(body.error!.field, field, q);
  }
});

test('the page: /fleet and its script without a token, same origin as the API, with a strict CSP', async () => {
  if (!existsSync(path.join(defaultUiDir(), 'omstil-ui.js'))) throw new Error('dist/device-ui is missing: run `npm run build` (npm test does)');
  const page = await fetch(`${origin}/fleet`);
  assert.is(page.status, 200);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
  assert.match(page.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
  assert.match(await page.text(), /\/ui\/omstil-ui\.js/);
  const js = await fetch(`${origin}/ui/omstil-ui.js`);
  assert.is(js.status, 200);
  assert.match(js.headers.get('content-type')!, /javascript/);
  // the shell's shared chunk names the fleet view's chunk; both are served
  const shared = /chunk-index-[A-Za-z0-9_-]+\.js/.exec(await js.text())?.[0];
  assert.ok(shared, 'the shell loads its shared chunk');
  const sharedJs = await fetch(`${origin}/ui/${shared}`);
  assert.is(sharedJs.status, 200);
  const chunk = /chunk-om-fleet-view-[A-Za-z0-9_-]+\.js/.exec(await sharedJs.text())?.[0];
  assert.ok(chunk, 'the shell loads the fleet view as a chunk');
  const view = await fetch(`${origin}/ui/${chunk}`);
  assert.is(view.status, 200);
  assert.match(await view.text(), /om-fleet-view/);
  assert.is((await fetch(`${origin}/ui/chunk-nothing-here.js`)).status, 503, 'a chunk that is not there: the UI is not built as expected');
  // nothing else of the folder, and no data without the token
  assert.is((await fetch(`${origin}/ui/index.html`)).status, 401);
  assert.is((await fetch(`${origin}/ui/../../package.json`)).status, 401);
  assert.is((await fetch(`${origin}/fleet`, { method: 'POST' })).status, 405);
  assert.equal(sys.hub.api!.fleetUrl, `${origin}/fleet`);
});

test('directory import: a removed device that is offline leaves the list; one still connected is listed as unknown', async () => {
  const stopped = sys.fleet.phones[2]!.deviceId; // stopped above: offline
  const connected = sys.fleet.phones[1]!.deviceId;
  const data = structuredClone(sys.hub.hub.directory.data) as DirectoryData;
  data.devices = data.devices.filter((d) => d.id !== stopped && d.id !== connected);
  sys.hub.store.saveDirectory(data, 'test', new Date());
  const list = await waitFor(async () => {
    const { body } = await devices();
    return body.devices.length === data.devices.length ? body : null;
  }, 'the hub to take the new directory', 5000);
  assert.not.ok(rowOf(list, stopped));
  assert.not.ok(rowOf(list, connected));
  assert.equal(list.unknown.map((u) => [u.deviceId, u.online]), [[connected, true]]);
  assert.is(list.summary.unknown, 1);
});

test.run();
