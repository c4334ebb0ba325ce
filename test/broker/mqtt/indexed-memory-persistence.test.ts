import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { indexedAsyncPersistence } from '../../../broker/mqtt/indexed-memory-persistence.js';

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

t.run();
