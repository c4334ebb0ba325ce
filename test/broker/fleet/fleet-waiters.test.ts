/**
 * The long poll: a wait ends when the fleet changes from the given version (a burst answered
 * once), after its time, at once when the caller's version is not the current one, and on
 * stop(); bounded in number.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Directory, type DirectoryData } from '../../../broker/directory/directory.js';
import { FleetTracker } from '../../../broker/fleet/fleet-tracker.js';
import { FleetWaiters, MAX_WAITERS, SETTLE_MS } from '../../../broker/fleet/fleet-waiters.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';

const test = suite('broker/fleet/fleet-waiters');
const data = demoDirectory({ peoplePerDept: 1, kiosks: 1 }) as DirectoryData;
const dir = Directory.parse(data);
const [a, b] = data.devices as [DirectoryData['devices'][number], DirectoryData['devices'][number]];
const birth = (id: string) => JSON.stringify({ online: true, kind: 'phone', fw: '0.1.0', since: new Date().toISOString() });

const timed = async (p: Promise<void>) => {
  const t0 = Date.now();
  await p;
  return Date.now() - t0;
};

test('answers at once when the caller is behind, or asks not to wait', async () => {
  const tracker = new FleetTracker(dir);
  const w = new FleetWaiters(tracker);
  tracker.status(a.id, birth(a.id), new Date(), false);
  assert.ok((await timed(w.wait(0, 5000))) < 50);
  assert.ok((await timed(w.wait(tracker.version, 0))) < 50);
  // a version the hub never had (the page saw the hub before it restarted)
  assert.ok((await timed(w.wait(tracker.version + 100, 5000))) < 50);
  assert.is(w.waiting, 0);
});

test('a change ends the wait (a burst once, shortly after it starts)', async () => {
  const tracker = new FleetTracker(dir);
  const w = new FleetWaiters(tracker);
  const v = tracker.version;
  const p = timed(w.wait(v, 5000));
  assert.is(w.waiting, 1);
  setTimeout(() => {
    tracker.status(a.id, birth(a.id), new Date(), false);
    tracker.status(b.id, birth(b.id), new Date(), false);
  }, 50);
  const ms = await p;
  assert.ok(ms >= 50 + SETTLE_MS - 10 && ms < 1000, `took ${ms} ms`);
  assert.is(tracker.version, v + 2, 'both changes are in when it answers');
  assert.is(w.waiting, 0);
});

test('no change: the wait ends after its time', async () => {
  const w = new FleetWaiters(new FleetTracker(dir));
  const ms = await timed(w.wait(0, 120));
  assert.ok(ms >= 110 && ms < 1000, `took ${ms} ms`);
});

test('stop() ends every wait; beyond the limit a wait is answered at once', async () => {
  const w = new FleetWaiters(new FleetTracker(dir));
  const waits = Array.from({ length: MAX_WAITERS }, () => w.wait(0, 60_000));
  assert.is(w.waiting, MAX_WAITERS);
  assert.ok((await timed(w.wait(0, 60_000))) < 50, 'one too many is not held');
  const t0 = Date.now();
  w.stop();
  await Promise.all(waits);
  assert.ok(Date.now() - t0 < 100);
  assert.is(w.waiting, 0);
});

test.run();
