/**
 * Aedes' in-memory persistence with an index for retained messages.
 *
 * The stock memory persistence answers every SUBSCRIBE by testing each retained topic against
 * the filter (a qlobber per filter, every topic split into words). omstil keeps thousands of
 * retained topics (one per person, department and device), and every device subscribes again
 * after each reconnect or reboot; during a fleet update (1,000 devices rebooting into a new
 * slot) that scan took about three quarters of the hub's CPU. Here an exact filter is one map
 * lookup, a filter whose only wildcard is a final `+` (`omstil/v1/dept/{d}/member/+`) reads one
 * bucket of the parent-topic index, and any other wildcard filter tests every retained topic
 * (see RetainedIndex.match for the costs). What matches, and in which order, is the same as the
 * stock persistence: the same qlobber decides, and the index reproduces its answers exactly.
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

export interface RetainedPacket {
  topic: string;
  payload: Buffer;
}

interface AsyncMemoryPersistence {
  storeRetained(packet: RetainedPacket): Promise<void>;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

/** The stock persistence's options: without match_empty_levels, `+` does not match an empty level. */
const QLOBBER = { wildcard_one: '+', wildcard_some: '#', separator: '/' };

/**
 * The retained messages by topic, and again by parent topic (the topic without its last level):
 * `a/b/c` is in the bucket `a/b`, `/x` in the bucket ``; a topic without a `/` has no parent.
 * Buckets keep the order of the topic map (both see the same sets and deletes), which is the
 * stock persistence's order.
 */
export class RetainedIndex {
  readonly #byTopic = new Map<string, RetainedPacket>();
  readonly #byParent = new Map<string, Map<string, RetainedPacket>>();
  /** Retained entries the lookups have examined, in all: what they cost, whatever the clock says. */
  touched = 0;

  get size(): number {
    return this.#byTopic.size;
  }

  /** Stores a copy of the packet; an empty payload deletes the topic's retained message [MQTT-3.3.1-10]. */
  store(pkt: RetainedPacket): void {
    const { topic } = pkt;
    const slash = topic.lastIndexOf('/');
    // a topic whose last level is empty (`a/b/`) is matched by no final `+` (see match), so no bucket holds it
    const parent = slash >= 0 && slash < topic.length - 1 ? topic.slice(0, slash) : undefined;
    if (pkt.payload.length === 0) {
      if (!this.#byTopic.delete(topic) || parent === undefined) return;
      const bucket = this.#byParent.get(parent);
      bucket?.delete(topic);
      if (bucket?.size === 0) this.#byParent.delete(parent);
      return;
    }
    const packet = Object.assign({}, pkt);
    this.#byTopic.set(topic, packet);
    if (parent === undefined) return;
    let bucket = this.#byParent.get(parent);
    if (!bucket) this.#byParent.set(parent, (bucket = new Map()));
    bucket.set(topic, packet);
  }

  /**
   * The retained packets whose topic matches the filter, in the stock persistence's order.
   * Cost in entries examined (`touched`): an exact filter 1 map lookup; `p/+` with no other
   * wildcard in `p` only the matches (its bucket); anything else (`#`, a `+` before the last
   * level, a lone `+`) every retained topic, a string prefix compare each and a qlobber test for
   * those under the filter's literal prefix.
   */
  *match(pattern: string): Generator<RetainedPacket> {
    const wild = pattern.search(/[+#]/);
    if (wild < 0) {
      this.touched++;
      const p = this.#byTopic.get(pattern);
      if (p) yield p;
      return;
    }
    if (wild === pattern.length - 1 && pattern.endsWith('/+')) {
      // With the stock qlobber `+` matches exactly one non-empty level, any characters: so the
      // matches of `p/+` are the topics whose parent is `p` and whose last level is not empty,
      // which is the bucket `p`. A `$` topic is no special case: `p` is literal.
      const bucket = this.#byParent.get(pattern.slice(0, -2));
      if (!bucket) return;
      for (const packet of bucket.values()) {
        this.touched++;
        yield packet;
      }
      return;
    }
    // wildcards occupy whole levels, so a match starts with the levels before the first one;
    // without that level's '/': `a/#` also matches `a` itself
    const prefix = pattern.slice(0, Math.max(0, wild - 1));
    const q = new QlobberTrue(QLOBBER);
    q.add(pattern);
    for (const [topic, packet] of this.#byTopic) {
      this.touched++;
      if (topic.startsWith(prefix) && q.test(topic)) yield packet;
    }
  }
}

/**
 * Exported for its test: the async layer Aedes' callback wrapper drives. The test passes its own
 * index to read what the lookups cost; Aedes' wrapper calls this with `opts` alone.
 */
export function indexedAsyncPersistence(opts: object = {}, retained = new RetainedIndex()): AsyncMemoryPersistence {
  const base = new MemoryPersistence(opts);
  const storeRetained = base.storeRetained.bind(base);
  base.storeRetained = async (pkt) => {
    retained.store(pkt);
    return storeRetained(pkt);
  };
  base.createRetainedStream = (pattern) => Readable.from(retained.match(pattern));
  base.createRetainedStreamCombi = (patterns) =>
    Readable.from(
      (function* () {
        for (const p of patterns) yield* retained.match(p);
      })(),
    );
  return base;
}

/** What to pass as Aedes' `persistence`. */
export function indexedMemoryPersistence(opts: object = {}): object {
  return new CallBackPersistence(indexedAsyncPersistence, opts);
}
