/**
 * A map that reads through to a base map and keeps its own writes: what a change being worked
 * out sees (`Change.view` in commands.ts), without copying the hub's state. A copy of the
 * people map cost every command time in proportion to the municipality (about 7 ms a request
 * on a 20,000-person directory, measured with bench/fleet.ts); this costs what the command
 * writes. Pure; the base is never written.
 *
 * Reads, `size` and iteration order are those of `new Map(base)` after the same `set` calls:
 * the base's keys in its order (a written one with its new value), then new keys as written.
 * The base must not change while the overlay is in use (a command is applied synchronously).
 */
export class OverlayMap<K, V> implements ReadonlyMap<K, V> {
  private readonly own = new Map<K, V>();
  /** written keys the base does not have, in the order written */
  private readonly added: K[] = [];

  constructor(private readonly base: ReadonlyMap<K, V>) {}

  get size(): number {
    return this.base.size + this.added.length;
  }

  get(key: K): V | undefined {
    return this.own.has(key) ? this.own.get(key) : this.base.get(key);
  }

  has(key: K): boolean {
    return this.own.has(key) || this.base.has(key);
  }

  set(key: K, value: V): this {
    if (!this.own.has(key) && !this.base.has(key)) this.added.push(key);
    this.own.set(key, value);
    return this;
  }

  *entries(): MapIterator<[K, V]> {
    for (const [k, v] of this.base) yield [k, this.own.has(k) ? (this.own.get(k) as V) : v];
    for (const k of this.added) yield [k, this.own.get(k) as V];
  }

  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
}
