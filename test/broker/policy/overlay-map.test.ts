import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OverlayMap } from '../../../broker/policy/overlay-map.js';

const t = suite('broker/policy/overlay-map');

/** What the overlay replaced: a copy of the base, written to. */
function copyAndSet<K, V>(base: ReadonlyMap<K, V>, writes: [K, V][]): Map<K, V> {
  const m = new Map(base);
  for (const [k, v] of writes) m.set(k, v);
  return m;
}

function same<K, V>(overlay: OverlayMap<K, V>, expected: Map<K, V>, probe: K[]): void {
  assert.is(overlay.size, expected.size);
  assert.equal([...overlay], [...expected]);
  assert.equal([...overlay.entries()], [...expected.entries()]);
  assert.equal([...overlay.keys()], [...expected.keys()]);
  assert.equal([...overlay.values()], [...expected.values()]);
  const seen: [K, V][] = [];
  overlay.forEach((v, k, map) => {
    assert.is(map, overlay);
    seen.push([k, v]);
  });
  assert.equal(seen, [...expected]);
  for (const k of probe) {
    assert.is(overlay.has(k), expected.has(k), `has(${String(k)})`);
    assert.is(overlay.get(k), expected.get(k), `get(${String(k)})`);
  }
}

t('reads, size and order are those of a copy of the base after the same writes', () => {
  const base = new Map([
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);
  const writes: [string, number][] = [
    ['b', 20],
    ['d', 4],
    ['a', 10],
    ['d', 40],
    ['e', 5],
    ['b', 200],
  ];
  const overlay = new OverlayMap<string, number>(base);
  same(overlay, new Map(base), ['a', 'x']);
  writes.forEach((w, i) => {
    overlay.set(...w);
    same(overlay, copyAndSet(base, writes.slice(0, i + 1)), ['a', 'b', 'c', 'd', 'e', 'x']);
  });
});

t('the base is never written', () => {
  const base = new Map([['a', { n: 1 }]]);
  const overlay = new OverlayMap(base);
  overlay.set('a', { n: 2 }).set('b', { n: 3 });
  assert.equal([...base], [['a', { n: 1 }]]);
  assert.equal(overlay.get('a'), { n: 2 });
});

t('a value written as undefined is kept as written, as a Map keeps it', () => {
  const base = new Map<string, number | undefined>([['a', 1]]);
  const overlay = new OverlayMap(base);
  overlay.set('a', undefined);
  assert.is(overlay.has('a'), true);
  assert.is(overlay.get('a'), undefined);
  assert.is(overlay.size, 1);
});

t('random writes agree with a copy', () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let run = 0; run < 50; run++) {
    const base = new Map<number, number>();
    for (let i = 0, n = rnd(20); i < n; i++) base.set(rnd(40), rnd(1000));
    const overlay = new OverlayMap(base);
    const writes: [number, number][] = [];
    for (let i = 0, n = rnd(30); i < n; i++) {
      const w: [number, number] = [rnd(40), rnd(1000)];
      writes.push(w);
      overlay.set(...w);
    }
    same(overlay, copyAndSet(base, writes), Array.from({ length: 40 }, (_, i) => i));
  }
});

t.run();
