import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeTimers } from '../../../firmware/peripherals/fake-hid.js';
import { memoryLinkPair } from '../../../firmware/serial/serial-link.js';
import { CobsStreamDecoder } from '../../../firmware/flash/cobs.js';
import { decodeFrame, encodeFrame, frameErrorOf, FrameError, parseFrameBytes, type Frame } from '../../../firmware/flash/flash-frames.js';
import { frameLink } from '../../../firmware/flash/frame-link.js';
import {
  DeviceReceiver,
  HostFlasher,
  memoryFlashStorage,
  sha256Hex,
  type FlashEvent,
  type ReceiverEvent,
} from '../../../firmware/flash/flash-session.js';

const t = suite('firmware/flash/flash-session');
const TIMEOUT = 500;

/** ~300 KB, half incompressible, half repetitive, deterministic */
function testImage(size = 300_000, seed = 7): Uint8Array {
  const b = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = i % 2048 < 1024 ? x >>> 24 : i & 0x3f;
  }
  return b;
}

type Dir = 'toDevice' | 'toHost';
interface Faults {
  /** may change or drop (return null) the encoded bytes of the n-th frame in one direction */
  tamper?(dir: Dir, frame: Frame, n: number, bytes: Uint8Array): Uint8Array | null;
}

/** A synchronous in-memory wire with faults: frames queue, pump() delivers them in order. */
function session(opts: { image: Uint8Array; storage?: ReturnType<typeof memoryFlashStorage>; faults?: Faults; chunkSize?: number; maxRetries?: number }) {
  const timers = new FakeTimers();
  const storage = opts.storage ?? memoryFlashStorage();
  const queue: { dir: Dir; bytes: Uint8Array }[] = [];
  const counts = { toDevice: 0, toHost: 0 };
  const sent: Record<Dir, Frame[]> = { toDevice: [], toHost: [] };
  let cut = false;
  const put = (dir: Dir) => (frame: Frame) => {
    if (cut) return;
    sent[dir].push(frame);
    const encoded = encodeFrame(frame);
    const bytes = opts.faults?.tamper ? opts.faults.tamper(dir, frame, counts[dir]++, encoded) : encoded;
    if (bytes) queue.push({ dir, bytes });
  };
  const hostEvents: FlashEvent[] = [];
  const deviceEvents: ReceiverEvent[] = [];
  const host = new HostFlasher({ image: opts.image, send: put('toDevice'), timers, onEvent: (e) => hostEvents.push(e), timeoutMs: TIMEOUT, chunkSize: opts.chunkSize ?? 2048, maxRetries: opts.maxRetries ?? 5 });
  const device = new DeviceReceiver({ bootVersion: '1.2.0', kind: 'kiosk', maxChunk: 4096, ...storage, send: put('toHost'), onEvent: (e) => deviceEvents.push(e) });
  const decoders = {
    toDevice: new CobsStreamDecoder((raw) => deliver(() => device.receive(parseFrameBytes(raw)), (e) => device.badFrame(e)), (e) => device.badFrame(frameErrorOf(e))),
    toHost: new CobsStreamDecoder((raw) => deliver(() => host.receive(parseFrameBytes(raw)), (e) => host.badFrame(e)), (e) => host.badFrame(frameErrorOf(e))),
  };
  function deliver(ok: () => void, bad: (e: FrameError) => void) {
    try {
      ok();
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      bad(err);
    }
  }
  const finished = () => hostEvents.some((e) => e.state === 'done' || e.state === 'failed');
  return {
    host,
    device,
    timers,
    storage,
    hostEvents,
    deviceEvents,
    sent,
    last: () => hostEvents[hostEvents.length - 1]!,
    /** the link drops: nothing more is delivered */
    cut() {
      cut = true;
      queue.length = 0;
      host.disconnected();
    },
    /** delivers one queued frame; false when none is queued */
    step() {
      const m = queue.shift();
      if (m) decoders[m.dir].push(m.bytes);
      return m !== undefined;
    },
    /** delivers frames until the wire is quiet, then lets the host's timer fire; repeats */
    run(maxRounds = 100_000) {
      host.start();
      for (let r = 0; r < maxRounds && !finished(); r++) {
        while (queue.length) {
          const m = queue.shift()!;
          decoders[m.dir].push(m.bytes);
        }
        if (!finished()) timers.advance(TIMEOUT);
      }
      assert.ok(finished(), 'the session should end');
      assert.is(timers.pending, 0, 'no timers left');
    },
  };
}

const flip = (bytes: Uint8Array) => {
  const b = bytes.slice();
  const at = Math.floor(b.length / 2);
  b[at] = b[at]! ^ 0x55 || 0x01; // never 0x00, so it stays one frame
  return b;
};

t('a clean transfer of ~300 KB', () => {
  const image = testImage();
  const s = session({ image });
  s.run();
  const done = s.last();
  assert.is(done.state, 'done');
  if (done.state !== 'done') return;
  assert.is(done.sha256, sha256Hex(image));
  assert.is(done.done, done.total);
  assert.is(done.resumedFrom, 0);
  const got = s.deviceEvents.find((e) => e.state === 'done');
  assert.ok(got?.state === 'done' && Buffer.from(got.image).equals(image));
  assert.is(s.storage.store.load(), null, 'the resume point is cleared');
  assert.equal(s.hostEvents.map((e) => e.state).filter((x, i, a) => a[i - 1] !== x), ['connecting', 'writing', 'verifying', 'done']);
  assert.ok(s.host.compressed.length < image.length, 'sent deflated');
  const data = s.sent.toDevice.filter((f) => f.type === 'data');
  assert.is(data.length, Math.ceil(s.host.compressed.length / 2048), 'no resends');
});

t('corrupted DATA frames are NACKed and resent, and the image still arrives intact', () => {
  const image = testImage(100_000, 3);
  const s = session({ image, faults: { tamper: (dir, f, n, b) => (dir === 'toDevice' && f.type === 'data' && n % 3 === 0 ? flip(b) : b) } });
  s.run();
  assert.is(s.last().state, 'done');
  const nacks = s.sent.toHost.filter((f) => f.type === 'nack');
  assert.ok(nacks.length >= 5);
  assert.ok(nacks.every((f) => f.type === 'nack' && f.reason === 'crc'));
  const got = s.deviceEvents.find((e) => e.state === 'done');
  assert.ok(got?.state === 'done' && sha256Hex(got.image) === sha256Hex(image));
});

t('a lost ACK times out, the resent DATA is ACKed again without being stored twice', () => {
  const image = testImage(50_000, 5);
  const s = session({ image, faults: { tamper: (dir, f, n, b) => (dir === 'toHost' && f.type === 'ack' && n % 4 === 2 ? null : b) } });
  s.run();
  assert.is(s.last().state, 'done');
  const got = s.deviceEvents.find((e) => e.state === 'done');
  assert.ok(got?.state === 'done' && Buffer.from(got.image).equals(image));
});

t('a cut link: a new session resumes from the last ACKed offset, not from 0', () => {
  // the line is cut right after the device sends its 20th DATA ACK
  const image = testImage();
  const storage2 = memoryFlashStorage();
  const cutting = session({ image, storage: storage2, chunkSize: 4096 });
  cutting.host.start();
  let lastAck = 0;
  while (cutting.step()) {
    const ack20 = cutting.sent.toHost.find((f) => f.type === 'ack' && f.seq === 20);
    if (ack20?.type === 'ack') {
      lastAck = ack20.nextOffset;
      cutting.cut();
    }
  }
  assert.ok(lastAck > 0);
  const failed = cutting.last();
  assert.is(failed.state, 'failed');
  assert.ok(failed.state === 'failed' && failed.error.code === 'flash-disconnected');
  assert.equal(storage2.store.load(), { sha256: sha256Hex(image), offset: lastAck });

  const second = session({ image, storage: storage2, chunkSize: 4096 });
  second.run();
  const firstData = second.sent.toDevice.find((f) => f.type === 'data');
  assert.ok(firstData?.type === 'data' && firstData.offset === lastAck, 'resumed at the last ACKed offset');
  const begin = second.sent.toDevice.find((f) => f.type === 'begin');
  assert.ok(begin?.type === 'begin' && begin.startOffset === lastAck);
  const done = second.last();
  assert.ok(done.state === 'done' && done.resumedFrom === lastAck && done.sha256 === sha256Hex(image));
  const got = second.deviceEvents.find((e) => e.state === 'done');
  assert.ok(got?.state === 'done' && Buffer.from(got.image).equals(image));
  const resent = second.sent.toDevice.filter((f) => f.type === 'data').length;
  assert.is(resent, Math.ceil((second.host.compressed.length - lastAck) / 4096), 'only the rest was sent');
});

t('a resume point for another image is ignored: the transfer starts at 0', () => {
  const storage = memoryFlashStorage();
  storage.sink.append(new Uint8Array(5000));
  storage.store.save({ sha256: 'cd'.repeat(32), offset: 5000 });
  const image = testImage(20_000, 9);
  const s = session({ image, storage });
  s.run();
  const done = s.last();
  assert.ok(done.state === 'done' && done.resumedFrom === 0);
});

t('a wrong final hash: DONE fail with hash-mismatch', () => {
  const image = testImage(30_000, 11);
  const s = session({
    image,
    faults: {
      tamper: (dir, f, _n, b) => (dir === 'toDevice' && f.type === 'begin' ? encodeFrame({ ...f, sha256: sha256Hex(Uint8Array.of(1)) }) : b),
    },
  });
  s.run();
  const failed = s.last();
  assert.is(failed.state, 'failed');
  assert.ok(failed.state === 'failed' && failed.error.code === 'flash-device' && failed.error.reason === 'hash-mismatch');
  assert.equal(s.deviceEvents[s.deviceEvents.length - 1], { state: 'failed', reason: 'hash-mismatch' });
  assert.is(s.storage.store.load(), null, 'a failed image is not resumable');
  assert.is(s.storage.sink.size(), 0);
});

t('a silent device: flash-timeout after the bounded resends', () => {
  const s = session({ image: testImage(1000), maxRetries: 3, faults: { tamper: (dir, _f, _n, b) => (dir === 'toDevice' ? null : b) } });
  s.run();
  const failed = s.last();
  assert.ok(failed.state === 'failed' && failed.error.code === 'flash-timeout');
  assert.is(s.sent.toDevice.length, 4, 'HELLO + 3 resends');
});

t('a line that corrupts every DATA frame: flash-retries after the bounded resends', () => {
  const s = session({ image: testImage(10_000), maxRetries: 4, faults: { tamper: (dir, f, _n, b) => (dir === 'toDevice' && f.type === 'data' ? flip(b) : b) } });
  s.run();
  const failed = s.last();
  assert.ok(failed.state === 'failed' && failed.error.code === 'flash-retries' && failed.error.reason === 'crc');
});

t('another protocol version: flash-protocol', () => {
  const s = session({
    image: testImage(1000),
    faults: { tamper: (dir, f, _n, b) => (dir === 'toHost' && f.type === 'info' ? encodeFrame({ ...f, protocol: 9 }) : b) },
  });
  s.run();
  const failed = s.last();
  assert.ok(failed.state === 'failed' && failed.error.code === 'flash-protocol');
});

t('the device NACKs out-of-order and unbegun DATA', () => {
  const out: Frame[] = [];
  const storage = memoryFlashStorage();
  const d = new DeviceReceiver({ bootVersion: '1.0.0', kind: 'any', maxChunk: 16, ...storage, send: (f) => out.push(f) });
  d.receive({ type: 'data', seq: 1, offset: 0, bytes: Uint8Array.of(1) });
  d.receive({ type: 'begin', imageSize: 10, compressedSize: 20, startOffset: 0, sha256: 'aa'.repeat(32) });
  d.receive({ type: 'data', seq: 2, offset: 0, bytes: Uint8Array.of(1) });
  d.receive({ type: 'data', seq: 1, offset: 3, bytes: Uint8Array.of(1) });
  d.receive({ type: 'data', seq: 1, offset: 0, bytes: new Uint8Array(17) });
  d.receive({ type: 'data', seq: 1, offset: 0, bytes: new Uint8Array(16) });
  d.receive({ type: 'data', seq: 2, offset: 16, bytes: new Uint8Array(8) });
  d.receive({ type: 'begin', imageSize: 10, compressedSize: 20, startOffset: 8, sha256: 'bb'.repeat(32) });
  d.receive({ type: 'end' });
  assert.equal(out, [
    { type: 'nack', seq: 1, reason: 'not-begun' },
    { type: 'ack', seq: 0, nextOffset: 0 },
    { type: 'nack', seq: 2, reason: 'sequence' },
    { type: 'nack', seq: 1, reason: 'offset' },
    { type: 'nack', seq: 1, reason: 'too-large' },
    { type: 'ack', seq: 1, nextOffset: 16 },
    { type: 'nack', seq: 2, reason: 'overflow' },
    { type: 'done', ok: false, reason: 'resume-mismatch' },
    { type: 'done', ok: false, reason: 'resume-mismatch' },
  ]);
});

t('a clean transfer over memoryLinkPair()', async () => {
  const image = testImage();
  const [a, b] = memoryLinkPair();
  const timers = new FakeTimers();
  const storage = memoryFlashStorage();
  const events: FlashEvent[] = [];
  let device!: DeviceReceiver;
  let host!: HostFlasher;
  const devLink = frameLink(b, () => device);
  const hostLink = frameLink(a, () => host);
  device = new DeviceReceiver({ bootVersion: '1.0.0', kind: 'phone', maxChunk: 8192, ...storage, send: devLink.send });
  host = new HostFlasher({ image, send: hostLink.send, timers, onEvent: (e) => events.push(e), chunkSize: 8192 });
  host.start();
  for (let i = 0; i < 10_000 && !events.some((e) => e.state === 'done' || e.state === 'failed'); i++) await new Promise((r) => setImmediate(r));
  const done = events[events.length - 1]!;
  assert.ok(done.state === 'done' && done.sha256 === sha256Hex(image), JSON.stringify(done));
  hostLink.detach();
  devLink.detach();
  await a.close();
  host.disconnected(); // after done: no effect
  assert.is(events[events.length - 1]!.state, 'done');
  assert.is(decodeFrame(encodeFrame({ type: 'end' })).type, 'end');
});

t.run();
