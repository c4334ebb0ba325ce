/**
 * Aedes' in-memory persistence with an index for retained messages.
 *
 * The stock memory persistence answers every SUBSCRIBE by testing each retained topic against
 * the filter (a qlobber per filter, every topic split into words). omstil keeps thousands of
 * retained topics (one per person, department and device), and every device subscribes again
 * after each reconnect or reboot; during a fleet update (1,000 devices rebooting into a new
 * slot) that scan took about three quarters of the hub's CPU. Here an exact filter is one map
 * lookup, and a wildcard filter tests only topics under its literal prefix (wildcards occupy
 * whole levels, so any match starts with the levels before the first one). What matches, and
 * in which order, is the same as the stock persistence: the same qlobber decides.
 */
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// deep requires: aedes-persistence has no exports map; the versions are pinned in package.json
const MemoryPersistence = require('aedes-persistence/asyncPersistence.js') as new (opts?: object) => AsyncMemoryPersistence;
const { CallBackPersistence } = require('aedes-persistence/callBackPersistence.js') as {
  CallBackPersistence: new (factory: (opts: object) => AsyncMemoryPersistence, opts?: object) => object;
};
const { QlobberTrue } = require('qlobber') as { QlobberTrue: new (o: object) => { add(p: string): void; test(t: string): boolean } };

interface RetainedPacket {
  topic: string;
  payload: Buffer;
}

interface AsyncMemoryPersistence {
  storeRetained(packet: RetainedPacket): Promise<void>;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

const QLOBBER = { wildcard_one: '+', wildcard_some: '#', separator: '/' };

function* byPattern(retained: ReadonlyMap<string, RetainedPacket>, pattern: string): Generator<RetainedPacket> {
  const wild = pattern.search(/[+#]/);
  if (wild < 0) {
    const p = retained.get(pattern);
    if (p) yield p;
    return;
  }
  // without the level's '/': `a/#` also matches `a` itself
  const prefix = pattern.slice(0, Math.max(0, wild - 1));
  const q = new QlobberTrue(QLOBBER);
  q.add(pattern);
  for (const [topic, packet] of retained) if (topic.startsWith(prefix) && q.test(topic)) yield packet;
}

/** Exported for its test: the async layer Aedes' callback wrapper drives. */
export function indexedAsyncPersistence(opts: object = {}): AsyncMemoryPersistence {
  const retained = new Map<string, RetainedPacket>();
  const base = new MemoryPersistence(opts);
  const storeRetained = base.storeRetained.bind(base);
  base.storeRetained = async (pkt) => {
    // the same copy and the same empty-payload rule as the stock persistence
    if (pkt.payload.length === 0) retained.delete(pkt.topic);
    else retained.set(pkt.topic, Object.assign({}, pkt));
    return storeRetained(pkt);
  };
  base.createRetainedStream = (pattern) => Readable.from(byPattern(retained, pattern));
  base.createRetainedStreamCombi = (patterns) =>
    Readable.from(
      (function* () {
        for (const p of patterns) yield* byPattern(retained, p);
      })(),
    );
  return base;
}

/** What to pass as Aedes' `persistence`. */
export function indexedMemoryPersistence(opts: object = {}): object {
  return new CallBackPersistence(indexedAsyncPersistence, opts);
}
