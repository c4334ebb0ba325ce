/**
 * The fleet tracker (pure): birth, the Will (live and already retained), devices never seen,
 * status from unknown ids, the last refused request (code and rule only, PR-2), a directory
 * reload that removes a device, cleared and unreadable payloads, update progress, versions.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Directory, type DirectoryData } from '../../../broker/directory/directory.js';
import { FleetTracker, MAX_UNKNOWN } from '../../../broker/fleet/fleet-tracker.js';
import type { FleetDevice } from '../../../protocol/fleet.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';

const test = suite('broker/fleet/fleet-tracker');

const data = demoDirectory({ peoplePerDept: 1, kiosks: 1 }) as DirectoryData;
const dir = Directory.parse(data);
const phone = data.devices.find((d) => d.kind === 'phone')!;
const other = data.devices.filter((d) => d.kind === 'phone')[1]!;
const kiosk = data.devices.find((d) => d.kind === 'kiosk')!;
const person = data.people.find((p) => p.id === phone.person)!;

const T0 = new Date('2026-11-23T09:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const status = (online: boolean, since: Date, fw = '0.1.0', kind: 'phone' | 'kiosk' = 'phone') => JSON.stringify({ online, kind, fw, since: since.toISOString() });
const row = (t: FleetTracker, id: string, now = at(600)): FleetDevice => {
  const d = t.snapshot(now).devices.find((x) => x.deviceId === id);
  if (!d) throw new Error(`no row for ${id}`);
  return d;
};

test('every device in the directory is listed; none seen yet is "never-seen"', () => {
  const t = new FleetTracker(dir);
  const list = t.snapshot(at(0));
  assert.is(list.devices.length, dir.devices.size);
  assert.ok(list.devices.every((d) => d.state === 'never-seen' && d.since === null && d.fw === null && d.lastError === null && d.update === null));
  assert.equal(list.summary, { total: dir.devices.size, online: 0, offline: 0, neverSeen: dir.devices.size, withErrors: 0, unknown: 0 });
  assert.equal(list.unknown, []);
  assert.is(list.at, at(0).toISOString());
  const ids = list.devices.map((d) => d.deviceId);
  assert.equal(ids, [...ids].sort(), 'by id');
});

test('rows name the person and department of a phone; a kiosk has none', () => {
  const t = new FleetTracker(dir);
  const p = row(t, phone.id);
  assert.is(p.kind, 'phone');
  assert.equal(p.person, { id: person.id, name: person.name });
  assert.equal(p.dept, { id: person.dept, name: dir.departments.get(person.dept)!.name });
  const k = row(t, kiosk.id);
  assert.is(k.kind, 'kiosk');
  assert.is(k.person, null);
  assert.is(k.dept, null);
});

test('birth: online since the birth\'s own time, with the firmware version', () => {
  const t = new FleetTracker(dir);
  assert.ok(t.status(phone.id, status(true, at(5), '1.2.3'), at(6), false));
  const d = row(t, phone.id);
  assert.is(d.state, 'online');
  assert.is(d.since, at(5).toISOString());
  assert.is(d.sinceBefore, false);
  assert.is(d.fw, '1.2.3');
  assert.is(t.snapshot(at(7)).summary.online, 1);
});

test('Will (live): offline since the hub received it, not the connect time inside the Will', () => {
  const t = new FleetTracker(dir);
  t.status(phone.id, status(true, at(5)), at(5), false);
  // the Will was made when the device connected (at 5 s); the connection died at 300 s
  t.status(phone.id, Buffer.from(status(false, at(5))), at(300), false);
  const d = row(t, phone.id);
  assert.is(d.state, 'offline');
  assert.is(d.since, at(300).toISOString());
  assert.is(d.sinceBefore, false);
  assert.is(d.fw, '0.1.0', 'the firmware is still known');
  // the broker replaying the same Will later does not move the time
  t.status(phone.id, status(false, at(5)), at(400), true);
  assert.is(row(t, phone.id).since, at(300).toISOString());
  // back online
  t.status(phone.id, status(true, at(500)), at(500), false);
  assert.is(row(t, phone.id).state, 'online');
  assert.is(row(t, phone.id).since, at(500).toISOString());
});

test('Will already retained when the hub subscribed: offline "at the latest" then', () => {
  const t = new FleetTracker(dir);
  t.status(phone.id, status(false, at(-3600)), at(10), true);
  const d = row(t, phone.id);
  assert.is(d.state, 'offline');
  assert.is(d.since, at(10).toISOString());
  assert.is(d.sinceBefore, true);
  // a retained birth is exact: it carries when the device connected
  t.status(other.id, status(true, at(-60)), at(10), true);
  assert.is(row(t, other.id).since, at(-60).toISOString());
  assert.is(row(t, other.id).sinceBefore, false);
});

test('status from an id that is not in the directory is listed apart', () => {
  const t = new FleetTracker(dir);
  t.status('stranger-1', status(true, at(1), '9.9.9', 'kiosk'), at(2), false);
  const list = t.snapshot(at(3));
  assert.not.ok(list.devices.some((d) => d.deviceId === 'stranger-1'));
  assert.equal(list.unknown, [{ deviceId: 'stranger-1', kind: 'kiosk', online: true, since: at(1).toISOString(), sinceBefore: false, fw: '9.9.9', seenAt: at(2).toISOString() }]);
  assert.is(list.summary.unknown, 1);
  assert.is(list.summary.total, dir.devices.size, 'the total counts the directory only');
});

test('unknown ids are kept up to a limit', () => {
  const t = new FleetTracker(dir);
  for (let i = 0; i < MAX_UNKNOWN + 20; i++) t.status(`stranger-${i}`, status(true, at(1)), at(1), false);
  assert.is(t.snapshot(at(2)).unknown.length, MAX_UNKNOWN);
  // ones already listed are still updated; directory devices always are
  t.status('stranger-0', status(false, at(1)), at(5), false);
  assert.is(t.snapshot(at(6)).unknown.find((u) => u.deviceId === 'stranger-0')!.online, false);
  t.status(phone.id, status(true, at(1)), at(5), false);
  assert.is(row(t, phone.id).state, 'online');
});

test('last error: the last refused request per device, with time, code, rule and op; never a text', () => {
  const t = new FleetTracker(dir);
  t.refused(phone.id, { at: at(10), code: 'target-unavailable', rule: 'DV-4', op: 'divert' });
  t.refused(phone.id, { at: at(20), code: 'self-diversion', rule: 'DV-4', op: 'divert' });
  t.refused(other.id, { at: at(30), code: 'bad-json' });
  assert.equal(row(t, phone.id).lastError, { at: at(20).toISOString(), code: 'self-diversion', rule: 'DV-4', op: 'divert' });
  assert.equal(row(t, other.id).lastError, { at: at(30).toISOString(), code: 'bad-json', rule: null, op: null });
  assert.is(t.snapshot(at(40)).summary.withErrors, 2);
  // PR-2: whatever the caller passes, only these four fields are kept
  t.refused(kiosk.id, { at: at(50), code: 'no-person', rule: null, op: 'set-absence', reason: 'sygdom', message: 'secret' } as never);
  assert.equal(Object.keys(row(t, kiosk.id).lastError!).sort(), ['at', 'code', 'op', 'rule']);
  assert.not.match(JSON.stringify(t.snapshot(at(60))), /sygdom|secret/);
  // refusals for ids the hub knows nothing of are not kept
  t.refused('stranger-2', { at: at(60), code: 'unknown-device' });
  assert.is(t.snapshot(at(61)).unknown.length, 0);
});

test('directory reload: a removed device leaves the list; if still connected it is listed as unknown', () => {
  const t = new FleetTracker(dir);
  t.status(phone.id, status(true, at(1)), at(1), false);
  t.status(other.id, status(true, at(1)), at(1), false);
  t.status(other.id, status(false, at(1)), at(100), false);
  t.refused(other.id, { at: at(50), code: 'self-diversion', rule: 'DV-4', op: 'divert' });
  t.refused(phone.id, { at: at(50), code: 'self-diversion', rule: 'DV-4', op: 'divert' });
  const next = Directory.parse({ ...data, devices: data.devices.filter((d) => d.id !== phone.id && d.id !== other.id) });
  t.setDirectory(next);
  const list = t.snapshot(at(200));
  assert.is(list.devices.length, dir.devices.size - 2);
  assert.not.ok(list.devices.some((d) => d.deviceId === phone.id || d.deviceId === other.id));
  // the one still connected is out there without being in the directory; the offline one is forgotten
  assert.equal(list.unknown.map((u) => [u.deviceId, u.online]), [[phone.id, true]]);
  assert.is(list.summary.withErrors, 0);
  // back in the directory: its state is there at once, its old error is not
  t.setDirectory(dir);
  assert.is(row(t, phone.id, at(300)).state, 'online');
  assert.is(row(t, phone.id, at(300)).lastError, null);
  assert.is(row(t, other.id, at(300)).state, 'never-seen');
});

test('an empty payload (a cleared retained topic) forgets the status; an unreadable one is ignored', () => {
  const t = new FleetTracker(dir);
  t.status(phone.id, status(true, at(1)), at(1), false);
  assert.is(t.status(phone.id, '{"online":"yes"}', at(2), false), false);
  assert.is(t.status(phone.id, 'not json', at(2), false), false);
  assert.is(row(t, phone.id).state, 'online');
  assert.ok(t.status(phone.id, new Uint8Array(), at(3), true));
  assert.is(row(t, phone.id).state, 'never-seen');
});

test('update progress (for the OTA work): set, shown, cleared', () => {
  const t = new FleetTracker(dir);
  const progress = { state: 'writing', done: 10, total: 100, at: at(1).toISOString() };
  t.update(phone.id, progress);
  assert.equal(row(t, phone.id).update, progress);
  t.update(phone.id, null);
  assert.is(row(t, phone.id).update, null);
});

test('every change raises the version and tells the listeners; a no-op does not', () => {
  const t = new FleetTracker(dir);
  let heard = 0;
  const off = t.onChange(() => heard++);
  const v0 = t.version;
  t.status(phone.id, status(true, at(1)), at(1), false);
  t.refused(phone.id, { at: at(2), code: 'self-diversion', rule: 'DV-4' });
  t.status(phone.id, 'garbage', at(3), false);
  t.update(other.id, null);
  t.status(other.id, '', at(4), false);
  assert.is(t.version, v0 + 2);
  assert.is(heard, 2);
  assert.is(t.snapshot(at(5)).version, t.version);
  off();
  t.status(phone.id, status(false, at(1)), at(6), false);
  assert.is(heard, 2, 'unsubscribed');
});

test.run();
