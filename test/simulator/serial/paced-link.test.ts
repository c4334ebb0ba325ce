import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { performance } from 'node:perf_hooks';
import { memoryLinkPair, SerialError } from '../../../firmware/serial/serial-link.js';
import { PacedLink } from '../../../simulator/serial/paced-link.js';
import { waitFor } from '../../support/wait.js';

const t = suite('simulator/serial/paced-link');

/** Sends `bytes` in frames of `frame` bytes through a paced end; returns the measured bytes per second at the far end. */
/**
 * Pacing must never let bytes out faster than the line (+5 % for timer granularity); a loaded
 * machine can only make it slower, so the lower bound is loose. The exact figure is the bench's
 * (serial_line_kbps), not a timed test's.
 */
function assertPaced(rate: number, nominal: number): void {
  assert.ok(rate <= nominal * 1.05, `measured ${rate.toFixed(0)} B/s, faster than the line's ${nominal}`);
  assert.ok(rate >= nominal * 0.5, `measured ${rate.toFixed(0)} B/s, under half the line's ${nominal}`);
}

async function measure(baud: number, bytes: number, frame: number, direction: 'write' | 'read'): Promise<number> {
  const [a, b] = memoryLinkPair();
  const paced = new PacedLink(a, { baud });
  let got = 0;
  let first = 0;
  let last = 0;
  const sink = direction === 'write' ? b : paced;
  const source = direction === 'write' ? paced : b;
  sink.onData((chunk) => {
    if (got === 0) first = performance.now();
    got += chunk.length;
    last = performance.now();
  });
  const start = performance.now();
  const writes: Promise<void>[] = [];
  for (let sent = 0; sent < bytes; sent += frame) writes.push(source.write(new Uint8Array(Math.min(frame, bytes - sent)).fill(0x55)));
  await Promise.all(writes);
  await waitFor(() => got === bytes, `all ${bytes} bytes`, 10_000, 2);
  await paced.close();
  void first;
  return (bytes / (last - start)) * 1000;
}

t('115200 baud writes come out at 11,520 B/s (never faster)', async () => {
  const rate = await measure(115200, 17_280, 4110, 'write'); // 1.5 s of line time
  assertPaced(rate, 11_520);
});

t('115200 baud reads are paced too (never faster)', async () => {
  const rate = await measure(115200, 11_520, 700, 'read');
  assertPaced(rate, 11_520);
});

t('921600 baud: 92,160 B/s (never faster), small frames', async () => {
  const rate = await measure(921600, 92_160, 64, 'write');
  assertPaced(rate, 92_160);
});

t('9600 baud: a 96-byte write takes 100 ms; write() resolves once its bytes are out; stats count them', async () => {
  const [a, b] = memoryLinkPair();
  const paced = new PacedLink(a, { baud: 9600 });
  const seen: number[] = [];
  b.onData((c) => seen.push(...c));
  const start = performance.now();
  await paced.write(Uint8Array.from({ length: 96 }, (_, i) => i));
  const ms = performance.now() - start;
  assert.ok(ms > 90 && ms < 1000, `${ms.toFixed(1)} ms`);
  await waitFor(() => seen.length === 96, 'the bytes');
  assert.equal(seen, Array.from({ length: 96 }, (_, i) => i), 'in order, unchanged');
  assert.is(paced.stats.written.bytes, 96);
  await paced.close();
});

t('close() rejects what is still queued and later writes with serial-closed', async () => {
  const [a] = memoryLinkPair();
  const paced = new PacedLink(a, { baud: 9600 });
  const pending = paced.write(new Uint8Array(5000));
  await paced.close();
  try {
    await pending;
    assert.unreachable('the queued write resolved');
  } catch (err) {
    assert.instance(err, SerialError);
    assert.is((err as SerialError).code, 'serial-closed');
  }
  try {
    await paced.write(new Uint8Array(1));
    assert.unreachable('wrote to a closed link');
  } catch (err) {
    assert.is((err as SerialError).code, 'serial-closed');
  }
});

t.run();
