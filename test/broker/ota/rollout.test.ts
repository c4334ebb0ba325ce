/** The rollout core (pure): stages, the failure threshold, offline devices, deadlines, foreign reports. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { OtaProgress, OtaState } from '../../../protocol/ota.js';
import { Rollout, rolloutOrder, stageEnds, type DeviceInfo, type RolloutSpec } from '../../../broker/ota/rollout.js';

const test = suite('broker/ota/rollout');
const T0 = Date.parse('2026-12-03T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);

function fleet(n: number, opts: { online?: (i: number) => boolean; kind?: (i: number) => 'phone' | 'kiosk'; fw?: string } = {}): DeviceInfo[] {
  return Array.from({ length: n }, (_, i) => ({ deviceId: `phone-${String(i).padStart(3, '0')}`, kind: opts.kind?.(i) ?? 'phone', fw: opts.fw ?? '1.0.0', online: opts.online?.(i) ?? true }));
}

const spec = (over: Partial<RolloutSpec> = {}): RolloutSpec => ({
  id: 'r1',
  image: { version: '1.1.0', kind: 'any', size: 100_000, sha256: 'a'.repeat(64), chunkSize: 16384 },
  stages: [10, 100],
  ...over,
});

const report = (job: string, state: OtaState, error: string | null = null): OtaProgress => ({
  job,
  state,
  done: 1,
  total: 1,
  running: state === 'confirmed' ? '1.1.0' : '1.0.0',
  error: error ? { code: error, message: error } : null,
  at: new Date(T0).toISOString(),
});

/** Plays every offered device to `outcome(id)` and returns the ids offered, in order. */
function finishOffered(r: Rollout, offers: string[], outcome: (id: string) => OtaState, now: Date): string[] {
  const done: string[] = [];
  const queue = [...offers];
  while (queue.length) {
    const id = queue.shift()!;
    done.push(id);
    r.report(id, report(r.id, 'downloading'), now);
    const fx = r.report(id, report(r.id, outcome(id)), now).effects;
    queue.push(...fx.offers);
  }
  return done;
}

test('stage sizes: ceil of the percentage, at least one device', () => {
  assert.equal(stageEnds([5, 100], 20), [1, 20]);
  assert.equal(stageEnds([5, 100], 1000), [50, 1000]);
  assert.equal(stageEnds([1, 50, 100], 3), [1, 2, 3]);
});

test('the order is repeatable for a rollout id and differs between rollouts', () => {
  const ids = fleet(50).map((d) => d.deviceId);
  assert.equal(rolloutOrder('r1', ids), rolloutOrder('r1', [...ids].reverse()));
  assert.not.equal(rolloutOrder('r1', ids), rolloutOrder('r2', ids));
});

test('canary first, then everyone; completed when all confirmed', () => {
  const { rollout: r, effects } = Rollout.create(spec(), fleet(20), at(0));
  assert.is(r.record.stage, 0);
  assert.is(effects.offers.length, 2, 'the 10 % canary of 20 devices');
  assert.equal(effects.offers, r.record.order.slice(0, 2));
  // one canary confirms: the stage is not done yet, nothing else is offered
  assert.is(r.report(effects.offers[0]!, report('r1', 'confirmed'), at(1)).effects.offers.length, 0);
  const fx = r.report(effects.offers[1]!, report('r1', 'confirmed'), at(2)).effects;
  assert.is(r.record.stage, 1, 'the canary is through: stage 2 starts');
  assert.is(fx.offers.length, 18);
  finishOffered(r, fx.offers, () => 'confirmed', at(3));
  assert.is(r.state, 'completed');
  assert.is(r.summary().counts.confirmed, 20);
});

test('concurrency: at most N fetching at once; the next one is offered when one moves on', () => {
  const { rollout: r, effects } = Rollout.create(spec({ stages: [100], concurrency: 3 }), fleet(10), at(0));
  assert.is(effects.offers.length, 3);
  // verifying no longer fetches from the hub: the next device gets its offer
  const fx = r.report(effects.offers[0]!, report('r1', 'verifying'), at(1)).effects;
  assert.is(fx.offers.length, 1);
  const all = finishOffered(r, [...effects.offers.slice(1), ...fx.offers], () => 'confirmed', at(2));
  r.report(effects.offers[0]!, report('r1', 'confirmed'), at(3));
  assert.is(all.length, 9);
  assert.is(r.state, 'completed');
});

test('halts when the canary fails, and cancels what is in flight', () => {
  const { rollout: r, effects } = Rollout.create(spec({ stages: [20, 100] }), fleet(20), at(0));
  assert.is(effects.offers.length, 4);
  r.report(effects.offers[0]!, report('r1', 'downloading'), at(1));
  r.report(effects.offers[1]!, report('r1', 'refused', 'bad-signature'), at(1));
  // 1 of 4 (25 %) is over 0.2 × 4 = 0.8: certain to pass the limit
  assert.is(r.state, 'halted');
  assert.match(r.record.haltedReason!, /stage 1/);
  const s = r.summary();
  assert.is(s.counts.refused, 1);
  assert.is(s.counts.cancelled, 19);
  assert.is(r.record.stage, 0, 'stage 2 never started');
  // nothing new is offered after a halt, but a late final report still counts
  const late = r.report(effects.offers[2]!, report('r1', 'confirmed'), at(2));
  assert.is(late.effects.offers.length, 0);
  assert.is(r.devices.get(effects.offers[2]!)!.state, 'confirmed');
});

test('halt cancels every device in flight', () => {
  const { rollout: r, effects } = Rollout.create(spec({ stages: [100] }), fleet(5), at(0));
  r.report(effects.offers[0]!, report('r1', 'downloading'), at(1));
  const fx = r.halt('by IT', at(2));
  assert.equal(new Set(fx.cancels), new Set(effects.offers));
  assert.is(r.state, 'halted');
  assert.is(r.halt('again', at(3)).cancels.length, 0, 'halting twice does nothing');
});

test('no halt under the threshold: 1 failure among the first 2 of 40 finished, and 4 of 40 overall', () => {
  const { rollout: r, effects } = Rollout.create(spec({ stages: [100] }), fleet(40), at(0));
  const [a, b] = effects.offers as [string, string];
  r.report(a, report('r1', 'failed', 'storage'), at(1));
  r.report(b, report('r1', 'confirmed'), at(1));
  assert.is(r.state, 'running', '1 of 2 is 50 %, but fewer than minFinished (5) have finished');
  const failing = new Set(r.record.order.slice(37, 40));
  finishOffered(r, effects.offers.slice(2), (id) => (failing.has(id) ? 'rolled-back' : 'confirmed'), at(2));
  assert.is(r.state, 'completed');
  assert.is(r.summary().failed, 4);
});

test('halts mid-stage once the rate passes the limit with enough finished', () => {
  const { rollout: r, effects } = Rollout.create(spec({ stages: [100], maxFailureRate: 0.2 }), fleet(40), at(0));
  const outcomes: OtaState[] = ['confirmed', 'failed', 'confirmed', 'failed', 'confirmed', 'failed'];
  outcomes.forEach((o, i) => r.report(effects.offers[i]!, report('r1', o, o === 'failed' ? 'storage' : null), at(1)));
  assert.is(r.state, 'halted', '3 of 6 finished failed');
});

test('offline devices get the offer when they come online; an all-offline canary waits', () => {
  const devices = fleet(10, { online: () => false });
  const { rollout: r, effects } = Rollout.create(spec({ stages: [10, 100] }), devices, at(0));
  assert.is(effects.offers.length, 0, 'nobody online');
  const canary = r.record.order[0]!;
  const other = r.record.order[5]!;
  assert.is(r.deviceOnline(other, true, '1.0.0', at(1)).offers.length, 0, 'not in the canary: waits for stage 2');
  const fx = r.deviceOnline(canary, true, '1.0.0', at(2));
  assert.equal(fx.offers, [canary]);
  const after = r.report(canary, report('r1', 'confirmed'), at(3)).effects;
  assert.is(r.record.stage, 1);
  assert.equal(after.offers, [other], 'stage 2: only the online device');
  r.report(other, report('r1', 'confirmed'), at(4));
  assert.is(r.state, 'completed', 'the offline ones do not hold the rollout up');
  assert.is(r.summary().pendingOffline, 8);
  const late = r.record.order[9]!;
  assert.equal(r.deviceOnline(late, true, '1.0.0', at(5)).offers, [late], 'a late device gets its offer after completion');
});

test('a device that goes offline while fetching is offered again on its birth', () => {
  const { rollout: r, effects } = Rollout.create(spec({ stages: [100] }), fleet(2), at(0));
  const id = effects.offers[0]!;
  r.report(id, report('r1', 'downloading'), at(1));
  r.deviceOnline(id, false, null, at(2));
  assert.is(r.devices.get(id)!.state, 'pending');
  assert.equal(r.deviceOnline(id, true, '1.0.0', at(3)).offers, [id]);
});

test('a device silent past its deadline fails with "timeout" (and that counts as a failure)', () => {
  const { rollout: r, effects } = Rollout.create(spec({ stages: [100], deviceTimeoutMs: 60_000 }), fleet(1), at(0));
  r.report(effects.offers[0]!, report('r1', 'downloading'), at(10));
  assert.is(r.tick(at(69)).changed.length, 0);
  const fx = r.tick(at(71));
  assert.equal(fx.changed, [effects.offers[0]]);
  const d = r.devices.get(effects.offers[0]!)!;
  assert.is(d.state, 'failed');
  assert.is(d.error!.code, 'timeout');
  assert.is(r.state, 'halted');
});

test('a report for an unknown job, or from a device outside the rollout, is ignored', () => {
  const { rollout: r, effects } = Rollout.create(spec({ stages: [100], image: { ...spec().image, kind: 'phone' } }), fleet(4, { kind: (i) => (i === 3 ? 'kiosk' : 'phone') }), at(0));
  assert.is(r.devices.size, 3, 'the kiosk is not a target of a phone image');
  const id = effects.offers[0]!;
  assert.is(r.report(id, report('other-job', 'failed', 'x'), at(1)).accepted, false);
  assert.is(r.report('kiosk-9', report('r1', 'failed', 'x'), at(1)).accepted, false);
  assert.is(r.devices.get(id)!.state, 'offered');
  assert.is(r.state, 'running');
});

test('a device already on the version counts as confirmed; restore brings a rollout back', () => {
  const { rollout: r } = Rollout.create(spec({ stages: [100] }), fleet(3, { fw: '1.1.0' }), at(0));
  assert.is(r.state, 'completed');
  const copy = Rollout.restore(JSON.parse(JSON.stringify(r.record)), [...r.devices.values()]);
  assert.equal(copy.summary(), r.summary());
});

test.run();
