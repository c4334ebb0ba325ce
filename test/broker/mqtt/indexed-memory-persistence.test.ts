import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { indexedAsyncPersistence, RetainedIndex } from '../../../broker/mqtt/indexed-memory-persistence.js';

const require = createRequire(import.meta.url);
const Stock = require('aedes-persistence/asyncPersistence.js') as new () => ReturnType<typeof indexedAsyncPersistence>;

const t = suite('broker/mqtt/indexed-memory-persistence');

async function topics(stream: Readable): Promise<string[]> {
  const out: string[] = [];
  for await (const p of stream) out.push((p as { topic: string }).topic);
  return out;
}

const packet = (topic: string, payload = 'x') => ({ topic, payload: Buffer.from(payload), cmd: 'publish', qos: 1, retain: true });

// a small world with the shapes omstil retains, plus edge cases: a parent topic, $SYS, deep levels
const TOPICS = [
  'omstil/v1/hub/status',
  'omstil/v1/broadcast',
  'omstil/v1/person/anna/public',
  'omstil/v1/person/anna/own',
  'omstil/v1/person/bo/public',
  'omstil/v1/dept/familie/public',
  'omstil/v1/dept/familie/member/anna',
  'omstil/v1/dept/familie/member/bo',
  'omstil/v1/dept/job/member/carl',
  'omstil/v1/device/phone-anna/status',
  'omstil/v1/device/phone-anna/config',
  'omstil',
  'omstil/',
  'a/b/c/d/e',
  '$SYS/broker/uptime',
];
const PATTERNS = [
  'omstil/v1/person/anna/public',
  'omstil/v1/person/+/public',
  'omstil/v1/dept/familie/member/+',
  'omstil/v1/dept/+/member/+',
  'omstil/v1/#',
  'omstil/#',
  'omstil/+',
  '#',
  '+/v1/hub/status',
  '+/#',
  '$SYS/#',
  'a/+/c/#',
  'nothing/here',
  'omstil/v1/person/anna',
];

t('every pattern gets exactly what the stock persistence gives, in the same order', async () => {
  const stock = new Stock();
  const indexed = indexedAsyncPersistence();
  for (const topic of TOPICS) {
    await stock.storeRetained(packet(topic));
    await indexed.storeRetained(packet(topic));
  }
  // a retained message cleared by an empty payload, and one replaced
  for (const p of [packet('omstil/v1/person/bo/public', ''), packet('omstil/v1/person/anna/public', 'y')]) {
    await stock.storeRetained(p);
    await indexed.storeRetained(p);
  }
  let nonEmpty = 0;
  for (const pattern of PATTERNS) {
    const want = await topics(stock.createRetainedStream(pattern));
    assert.equal(await topics(indexed.createRetainedStream(pattern)), want, pattern);
    if (want.length) nonEmpty++;
  }
  assert.ok(nonEmpty >= 10, 'the patterns do match things');
  assert.equal(await topics(indexed.createRetainedStreamCombi(PATTERNS)), await topics(stock.createRetainedStreamCombi(PATTERNS)));
  assert.equal(await topics(indexed.createRetainedStream('omstil/v1/person/bo/public')), [], 'cleared');
});

t('a retained payload is the latest one stored', async () => {
  const indexed = indexedAsyncPersistence();
  await indexed.storeRetained(packet('a/b', 'one'));
  await indexed.storeRetained(packet('a/b', 'two'));
  const got: string[] = [];
  for await (const p of indexed.createRetainedStream('a/+')) got.push((p as { payload: Buffer }).payload.toString());
  assert.equal(got, ['two']);
});

/** Topic and payload of each packet, in stream order: the order matters too. */
async function entries(stream: Readable): Promise<string[]> {
  const out: string[] = [];
  for await (const p of stream) out.push(`${(p as { topic: string }).topic}=${(p as { payload: Buffer }).payload.toString()}`);
  return out;
}

// Few level names and levels, so that random topics collide (overwrites, deletes of stored
// topics) and random filters match; '' and '$s' for the empty-level and $-topic edge cases.
const LEVEL = fc.constantFrom('a', 'b', '', '$s');
const topicArb = fc.array(LEVEL, { minLength: 1, maxLength: 3 }).map((l) => l.join('/'));
/** Every filter shape: exact, `+` anywhere (so also final), and `#` last. */
const filterArb = fc
  .tuple(fc.array(fc.oneof(LEVEL, fc.constant('+')), { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'));
/** Filters whose only wildcard is the final `+`, the indexed path: also `+` alone and `/+`. */
const finalPlusArb = fc.array(LEVEL, { maxLength: 2 }).map((l) => [...l, '+'].join('/'));
/** `+` in place of the topic's last level: reads the topic's bucket. */
const siblingsOf = (topic: string) => `${topic.slice(0, topic.lastIndexOf('/') + 1)}+`;
/**
 * A pool of topics (siblings under a few parents), retained stores on them (payload '' deletes:
 * so there are overwrites, deletes of stored topics, and stores after deletes), and filters,
 * half of them a pool topic's siblings so that the indexed path meets buckets of several topics.
 */
const caseArb = fc
  .uniqueArray(fc.array(LEVEL, { maxLength: 2 }).map((l) => l.join('/')), { minLength: 1, maxLength: 4 })
  .chain((parents) =>
    // a few parents with several children each (`/x` under the parent '', `a//x` under `a/`), and one-level topics
    fc.uniqueArray(fc.oneof(fc.tuple(fc.constantFrom(...parents), LEVEL).map(([p, l]) => `${p}/${l}`), LEVEL), { minLength: 1, maxLength: 16, size: 'max' }),
  )
  .chain((pool) =>
    fc.record({
      ops: fc.array(fc.tuple(fc.constantFrom(...pool), fc.constantFrom('', 'v1', 'v2', 'v3')), { maxLength: 80, size: 'max' }),
      filters: fc.array(fc.oneof(filterArb, finalPlusArb, { arbitrary: fc.constantFrom(...pool).map(siblingsOf), weight: 2 }), { minLength: 1, maxLength: 20, size: 'max' }),
    }),
  );

const SEED = 20_261_203;
const env = process.env;

t('random stores, overwrites and deletes: every filter gets what the stock persistence (a brute-force qlobber scan) gives', async () => {
  // final-`+` filters that read a bucket of two or more: where order, overwrites and deletes show
  let finalPlusShared = 0;
  const numRuns = Math.max(1, Math.round(300 * Number(env.OMSTIL_FC_RUNS ?? 1)));
  await fc.assert(
    fc.asyncProperty(caseArb, async ({ ops, filters }) => {
      const stock = new Stock();
      const index = new RetainedIndex();
      const indexed = indexedAsyncPersistence({}, index);
      for (const [topic, payload] of ops) {
        await stock.storeRetained(packet(topic, payload));
        await indexed.storeRetained(packet(topic, payload));
      }
      for (const filter of filters) {
        const want = await entries(stock.createRetainedStream(filter));
        const before = index.touched;
        assert.equal(await entries(indexed.createRetainedStream(filter)), want, filter);
        const touched = index.touched - before;
        // the cost each path promises: exact 1, `p/+` only its matches, the rest a full scan
        if (!/[+#]/.test(filter)) assert.is(touched, 1, `${filter} touched`);
        else if (/^[^+#]*\/\+$/.test(filter)) {
          assert.is(touched, want.length, `${filter} touched`);
          if (want.length >= 2) finalPlusShared++;
        } else assert.is(touched, index.size, `${filter} touched`);
      }
      assert.equal(await entries(indexed.createRetainedStreamCombi(filters)), await entries(stock.createRetainedStreamCombi(filters)));
    }),
    {
      numRuns,
      seed: env.OMSTIL_FC_SEED ? Number(env.OMSTIL_FC_SEED) : SEED,
      ...(env.OMSTIL_FC_PATH ? { path: env.OMSTIL_FC_PATH } : {}),
      includeErrorInReport: true,
    },
  );
  assert.ok(finalPlusShared >= numRuns / 2, `the indexed path was exercised (${finalPlusShared} filters)`);
});

t('a final-+ filter over 100,000 retained topics touches only its bucket', async () => {
  const index = new RetainedIndex();
  const p = indexedAsyncPersistence({}, index);
  // omstil's shapes: 20,000 people in 500 departments, so 40 members a department
  for (let i = 0; i < 20_000; i++) {
    for (const topic of [`omstil/v1/person/p${i}/public`, `omstil/v1/person/p${i}/own`, `omstil/v1/dept/d${i % 500}/member/p${i}`]) {
      await p.storeRetained(packet(topic));
    }
    await p.storeRetained(packet(`omstil/v1/device/phone-p${i}/status`));
    await p.storeRetained(packet(`omstil/v1/device/phone-p${i}/config`));
  }
  assert.is(index.size, 100_000);
  const cost = async (filter: string) => {
    const before = index.touched;
    const got = await topics(p.createRetainedStream(filter));
    return { got, touched: index.touched - before };
  };

  let r = await cost('omstil/v1/dept/d7/member/+');
  assert.is(r.got.length, 40);
  assert.ok(r.got.every((topic) => topic.startsWith('omstil/v1/dept/d7/member/p')));
  assert.is(r.touched, 40);

  // the index follows deletes and overwrites: 2 gone, 1 replaced, 1 new
  await p.storeRetained(packet('omstil/v1/dept/d7/member/p7', ''));
  await p.storeRetained(packet('omstil/v1/dept/d7/member/p507', ''));
  await p.storeRetained(packet('omstil/v1/dept/d7/member/p1007', 'y'));
  await p.storeRetained(packet('omstil/v1/dept/d7/member/new'));
  r = await cost('omstil/v1/dept/d7/member/+');
  assert.is(r.got.length, 39);
  assert.ok(!r.got.includes('omstil/v1/dept/d7/member/p7') && r.got.includes('omstil/v1/dept/d7/member/new'));
  assert.is(r.touched, 39);

  // an emptied bucket costs nothing
  await p.storeRetained(packet('omstil/v1/person/p3/public', ''));
  await p.storeRetained(packet('omstil/v1/person/p3/own', ''));
  r = await cost('omstil/v1/person/p3/+');
  assert.equal(r, { got: [], touched: 0 });

  // the counter counts what a scan costs: a `+` before the last level reads every topic
  r = await cost('omstil/v1/dept/+/member/p8');
  assert.equal(r.got, ['omstil/v1/dept/d8/member/p8']);
  assert.is(r.touched, index.size);
  r = await cost('omstil/v1/person/p9/public');
  assert.equal(r, { got: ['omstil/v1/person/p9/public'], touched: 1 });
});

t.run();
