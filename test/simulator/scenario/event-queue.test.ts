import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EventQueue } from '../../../simulator/scenario/event-queue.js';
import { Random } from '../../../simulator/scenario/seeded-streams.js';

const t = suite('simulator/scenario/event-queue');

t('events come out by time, and in push order at the same instant', () => {
  const q = new EventQueue<string>();
  const r = Random.stream(3, 0);
  const pushed: [number, string][] = [];
  for (let i = 0; i < 500; i++) {
    const at = r.int(0, 50);
    pushed.push([at, `e${i}`]);
    q.push(at, `e${i}`);
  }
  const want = [...pushed].sort((a, b) => a[0] - b[0]).map((x) => x[1]); // a stable sort keeps push order
  const got: string[] = [];
  for (let e = q.pop(); e; e = q.pop()) got.push(e.value);
  assert.equal(got, want);
  assert.is(q.size, 0);
  assert.is(q.pop(), undefined);
});

t('seeded streams: the same seed and stream repeat, others differ', () => {
  const draw = (seed: number, stream: number) => {
    const r = Random.stream(seed, stream);
    return Array.from({ length: 20 }, () => r.float());
  };
  assert.equal(draw(1, 0), draw(1, 0));
  assert.not.equal(draw(1, 0), draw(1, 1));
  assert.not.equal(draw(1, 0), draw(2, 0));
  const r = Random.stream(5, 2);
  for (let i = 0; i < 1000; i++) {
    const x = r.int(4, 30);
    assert.ok(x >= 4 && x <= 30 && Number.isInteger(x));
  }
  // a Poisson count's mean is its parameter (loosely: 2000 draws, mean 3)
  let sum = 0;
  for (let i = 0; i < 2000; i++) sum += r.poisson(3);
  assert.ok(Math.abs(sum / 2000 - 3) < 0.2, String(sum / 2000));
});

t.run();
