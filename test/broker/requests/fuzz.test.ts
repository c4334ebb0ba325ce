/**
 * Request fuzzing (issue 10): random and mutated payloads for every request op, against a
 * started hub, through `Hub.handleRequest` (what the hub runs for every publish on a device's
 * `req` topic) and, fewer, over the real embedded broker. Invariants for every case: no throw,
 * a reply that passes the `Response` schema, a refusal with its code (and the field, for
 * payload errors) that changes nothing — people, departments, messages, broadcasts and the
 * journal are the same — and a valid request afterwards still succeeds. 2,000 cases in all;
 * `npm run -s bench -- --only fuzz` runs 100,000 (bench/fuzz.ts).
 *
 * Seeded: a failure prints its seed, path and shrunk case; OMSTIL_FC_SEED=… OMSTIL_FC_PATH=…
 * replays it, OMSTIL_FC_RUNS scales the runs. Generators in test/support/request-fuzz.ts.
 */
import fc from 'fast-check';
import mqtt from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BROKER_MAX_PAYLOAD } from '../../../broker/mqtt/embedded-broker.js';
import { buildTopic, decodeRequest, OPS, Request, Response, type Clock } from '../../../protocol/index.js';
import { FuzzHarness, fuzzArbitraries, prepareWorld, requestOps, type CaseOutcome, type FuzzArbitraries, type FuzzCase, type FuzzWorld } from '../../support/request-fuzz.js';
import { startSystem, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';

const t = suite('broker/requests/fuzz');

/** Monday 23 November 2026, 10:00 in Copenhagen: a workday, departments answer. The clock stands still. */
const START = '2026-11-23T10:00:00+01:00';
const SEED = 20_261_123;
/** 2,000 cases in all (about 6 s here): the per-op share is split evenly over the ops */
const TOTAL = 2000;
const RUNS = { bytes: 150, json: 150, oversized: 100, deep: 100, mixed: 300 };
const PER_OP = Math.floor((TOTAL - Object.values(RUNS).reduce((a, b) => a + b, 0)) / requestOps().length);
const MQTT_CASES = 200;

let sys: TestSystem;
let world: FuzzWorld;
let arbs: FuzzArbitraries;
let harness: FuzzHarness;
let runs = 0;
const tally = { accepted: 0, refused: 0, codes: new Map<string, number>() };

/**
 * fc.assert, seeded (a failure is reproducible), with the failing case's problems in the report.
 * Every case: the invariants of FuzzHarness.run, then a valid request still succeeds.
 */
function check(arb: fc.Arbitrary<FuzzCase>, numRuns: number, seed = SEED): void {
  const env = process.env;
  const n = Math.max(1, Math.round(numRuns * Number(env.OMSTIL_FC_RUNS ?? 1)));
  runs += n;
  fc.assert(
    fc.property(arb, (c) => {
      const out: CaseOutcome = harness.run(c);
      if (out.response?.ok) tally.accepted++;
      else if (out.response) {
        tally.refused++;
        tally.codes.set(out.response.error.code, (tally.codes.get(out.response.error.code) ?? 0) + 1);
      }
      const alive = harness.alive();
      if (alive) out.problems.push(alive);
      if (out.problems.length) throw new Error(out.problems.join('\n'));
    }),
    {
      numRuns: n,
      seed: env.OMSTIL_FC_SEED ? Number(env.OMSTIL_FC_SEED) : seed,
      ...(env.OMSTIL_FC_PATH ? { path: env.OMSTIL_FC_PATH } : {}),
      includeErrorInReport: true,
    },
  );
}

t.before(async () => {
  const at = new Date(START);
  const clock: Clock = { now: () => new Date(at) };
  sys = await startSystem({ clock, phones: 0, kiosks: 0, demo: { peoplePerDept: 3, kiosks: 2 } });
  world = prepareWorld(sys.hub.hub, at);
  arbs = fuzzArbitraries(world);
  harness = new FuzzHarness(sys.hub.hub, (n) => sys.hub.store.journal(n), sys.hub.dbFile, world);
});
t.after(async () => {
  harness?.close();
  await sys?.stop();
});

t('the fuzzed ops are the Request union\'s, and each op\'s unmutated requests are valid', () => {
  const ops = requestOps().map((o) => o.op);
  assert.ok(ops.length > 0, 'ops from the schema');
  assert.equal([...ops].sort(), [...OPS].sort(), 'the union\'s options are the ops the protocol lists');
  assert.equal(arbs.ops, ops);
  for (const op of ops) {
    // a valid-shaped request is accepted by the decoder (what the hub does with it is the policy's business)
    const valid = fc.sample(arbs.request(op).filter((c) => c.description.endsWith('with []')), { numRuns: 20, seed: SEED });
    for (const c of valid) {
      const decoded = decodeRequest(c.payload);
      assert.ok(decoded.ok, `${op}: ${c.payload.toString()} ${decoded.ok ? '' : decoded.error.message}`);
      assert.ok(Request.safeParse(JSON.parse(c.payload.toString())).success);
    }
  }
});

// ---- regressions: what the fuzzing found ----

const req = (op: string, args: unknown, id = 'reg') => Buffer.from(JSON.stringify({ id, op, args }));
function refusedUnchanged(device: string, payload: Buffer): Response & { ok: false } {
  const out = harness.run({ kind: 'request', device, description: payload.toString(), payload });
  assert.equal(out.problems, []);
  assert.ok(out.response && !out.response.ok, `refused: ${JSON.stringify(out.response)}`);
  return out.response as Response & { ok: false };
}

t('regression: an id the schema accepts (64 code points, 128 UTF-16 units) is echoed on a refusal too', () => {
  const id = '🙂'.repeat(64);
  const res = refusedUnchanged(world.employee.device, Buffer.from(JSON.stringify({ id, op: 'nope', args: {} })));
  assert.equal([res.id, res.error.code, res.error.field], [id, 'unknown-op', 'op']);
  assert.is(refusedUnchanged(world.employee.device, Buffer.from(JSON.stringify({ id: '🙂'.repeat(65), op: 'nope' }))).id, null);
});

t('regression: a time in the year 10000 ("9999-12-31T23:59:59-23:59") is refused, not taken (it broke every later diversion to that person)', () => {
  const far = '9999-12-31T23:59:59-23:59';
  const absence = refusedUnchanged(world.colleague.device, req('set-absence', { until: far, divertTo: world.employee.person }));
  assert.equal([absence.error.code, absence.error.field, absence.error.rule], ['invalid-time', 'args.until', 'PR-1']);
  const divert = refusedUnchanged(world.leader.device, req('divert', { target: world.employee.person, until: '9999-01-01T00:00:00Z' }));
  assert.equal([divert.error.code, divert.error.field, divert.error.rule], ['invalid-time', 'args.until', 'DV-1']);
  // the year before is still a time (an absence "until further notice" in all but name), and a diversion to them still works
  const hub = sys.hub.hub;
  const ok = hub.handleRequest(world.colleague.device, req('set-absence', { until: '9998-12-31T23:59:59+14:00', divertTo: world.employee.person }));
  assert.ok(ok.ok, JSON.stringify(ok));
  const toThem = hub.handleRequest(world.leader.device, req('divert', { target: world.colleague.person }));
  assert.ok(toThem.ok || toThem.error.code !== 'internal', JSON.stringify(toThem));
  for (const [device, op] of [[world.leader.device, 'undivert'], [world.colleague.device, 'clear-absence']] as const) assert.ok(hub.handleRequest(device, req(op, {})).ok);
});

t('arbitrary bytes: refused with a code, nothing changes', () => check(arbs.bytes, RUNS.bytes));
t('arbitrary JSON: refused with a code, nothing changes', () => check(arbs.json, RUNS.json, SEED + 1));
t('oversized payloads (around and over MAX_REQUEST_BYTES, in bytes): payload-too-large, nothing changes', () => check(arbs.oversized, RUNS.oversized, SEED + 2));
t('deeply nested JSON: refused, nothing changes', () => check(arbs.deep, RUNS.deep, SEED + 3));

// every op of the union, read from the schema: a new op is fuzzed without a change here
for (const [i, { op }] of requestOps().entries()) {
  t(`${op}: valid-shaped requests from real ids, mutated (fields removed, retyped, extra; strings, ids, times; other people, kiosks, unknown devices)`, () => check(arbs.request(op), PER_OP, SEED + 10 + i));
}

t('everything mixed', () => check(arbs.any, RUNS.mixed, SEED + 99));

t('the fuzzing ran 2,000 cases, some accepted and many refused, and nothing failed inside the hub', () => {
  if (!process.env.OMSTIL_FC_RUNS) assert.ok(runs <= TOTAL && runs > TOTAL - requestOps().length, `${runs} cases`);
  assert.ok(tally.accepted > 20, `accepted ${tally.accepted}`);
  assert.ok(tally.refused > runs / 2, `refused ${tally.refused}`);
  for (const code of ['bad-json', 'invalid-payload', 'unknown-op', 'payload-too-large', 'unknown-device', 'no-person', 'forbidden', 'unknown-person']) {
    assert.ok(tally.codes.has(code), `some refusal was ${code}: ${JSON.stringify([...tally.codes])}`);
  }
  assert.is(harness.journalConsistent(), null);
  const failed = sys.logger.records.filter((r) => r.level === 'error');
  assert.equal(failed.map((r) => r.msg), []);
});

t('over MQTT: garbage on a device\'s own req topic gets an answer on its res topic; over 2 MiB the broker drops; the hub stays up', async () => {
  const deviceId = world.employee.device;
  const client = await mqtt.connectAsync(sys.hub.mqttUrl, { clientId: deviceId, reconnectPeriod: 0, ...sys.login(deviceId) });
  try {
    const replies: unknown[] = [];
    client.on('message', (_topic, payload) => replies.push(JSON.parse(payload.toString())));
    await client.subscribeAsync(buildTopic({ kind: 'device-res', deviceId }), { qos: 1 });
    const cases = fc.sample(arbs.any, { numRuns: MQTT_CASES, seed: SEED + 200 });
    const req = buildTopic({ kind: 'device-req', deviceId });
    for (const c of cases) await client.publishAsync(req, c.payload, { qos: 1 });
    await waitFor(() => replies.length >= MQTT_CASES, `${MQTT_CASES} replies (got ${replies.length})`, 15_000);
    assert.is(replies.length, MQTT_CASES);
    for (const r of replies) assert.ok(Response.safeParse(r).success, JSON.stringify(r));
    assert.ok(replies.filter((r) => (r as Response).ok === false).length > MQTT_CASES / 2);

    // over the broker's limit: dropped, its sender disconnected; nobody else notices
    const big = await mqtt.connectAsync(sys.hub.mqttUrl, { clientId: world.colleague.device, reconnectPeriod: 0, ...sys.login(world.colleague.device) });
    const closed = new Promise<void>((resolve) => big.once('close', () => resolve()));
    big.publish(buildTopic({ kind: 'device-req', deviceId: world.colleague.device }), Buffer.alloc(BROKER_MAX_PAYLOAD + 1, 0x61), { qos: 0 });
    await closed;
    await big.endAsync(true);

    const before = replies.length;
    await client.publishAsync(req, JSON.stringify({ id: 'after', op: 'undivert', args: {} }), { qos: 1 });
    const last = await waitFor(() => replies.length > before && replies[replies.length - 1], 'a reply to a valid request');
    assert.equal(last, { id: 'after', ok: true });
  } finally {
    await client.endAsync(true);
  }
});

t.run();
