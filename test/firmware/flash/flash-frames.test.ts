import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { cobsEncode } from '../../../firmware/flash/cobs.js';
import { crc32 } from '../../../firmware/flash/crc32.js';
import {
  decodeFrame,
  DONE_REASONS,
  encodeFrame,
  FrameError,
  frameBytes,
  NACK_REASONS,
  parseFrameBytes,
  type Frame,
} from '../../../firmware/flash/flash-frames.js';

const t = suite('firmware/flash/flash-frames');
const SHA = 'ab'.repeat(16) + '00'.repeat(15) + 'ff';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof FrameError) return err.code;
    throw err;
  }
  return 'no error';
};
/** type + payload with a correct CRC, however wrong the payload */
const withCrc = (body: number[]) => {
  const b = Uint8Array.from(body);
  const out = new Uint8Array(b.length + 4);
  out.set(b);
  new DataView(out.buffer).setUint32(b.length, crc32(b), true);
  return out;
};

const EXAMPLES: Frame[] = [
  { type: 'hello', protocol: 1 },
  { type: 'info', protocol: 1, bootVersion: '1.4.65535', kind: 'kiosk', maxChunk: 4096, resume: null },
  { type: 'info', protocol: 1, bootVersion: '0.0.1', kind: 'phone', maxChunk: 65535, resume: { offset: 123456, sha256: SHA } },
  { type: 'info', protocol: 1, bootVersion: '2.0.0', kind: 'any', maxChunk: 1, resume: { offset: 0, sha256: '0'.repeat(64) } },
  { type: 'begin', imageSize: 300_000, compressedSize: 0xffffffff, startOffset: 4096, sha256: SHA },
  { type: 'data', seq: 1, offset: 0, bytes: Uint8Array.of(0, 0, 0) },
  { type: 'data', seq: 0xffffffff, offset: 0xfffffff0, bytes: Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff) },
  { type: 'ack', seq: 0, nextOffset: 4096 },
  ...NACK_REASONS.map((reason, i): Frame => ({ type: 'nack', seq: i, reason })),
  { type: 'end' },
  ...DONE_REASONS.map((reason): Frame => ({ type: 'done', ok: reason === 'ok', reason })),
];

t('every frame type round-trips through the line encoding', () => {
  for (const f of EXAMPLES) {
    const line = encodeFrame(f);
    assert.is(line[line.length - 1], 0);
    assert.not.ok(line.subarray(0, -1).includes(0));
    assert.equal(decodeFrame(line), f);
    assert.equal(decodeFrame(line.subarray(0, -1)), f);
  }
});

t('the layout matches the table in the header', () => {
  assert.is(Buffer.from(frameBytes({ type: 'hello', protocol: 1 })).toString('hex').slice(0, 4), '0101');
  const ack = frameBytes({ type: 'ack', seq: 2, nextOffset: 0x01020304 });
  assert.is(Buffer.from(ack.subarray(0, 9)).toString('hex'), '05' + '02000000' + '04030201');
  assert.is(new DataView(ack.buffer).getUint32(9, true), crc32(ack.subarray(0, 9)));
  assert.is(frameBytes({ type: 'info', protocol: 1, bootVersion: '1.0.0', kind: 'any', maxChunk: 1, resume: null }).length, 1 + 48 + 4);
  assert.is(frameBytes({ type: 'begin', imageSize: 1, compressedSize: 1, startOffset: 0, sha256: SHA }).length, 1 + 44 + 4);
  assert.is(frameBytes({ type: 'end' }).length, 5);
});

t('DATA frames round-trip for any seq, offset and bytes', () => {
  fc.assert(
    fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), fc.uint8Array({ minLength: 1, maxLength: 3000 }), (seq, offset, bytes) => {
      const f: Frame = { type: 'data', seq, offset, bytes };
      assert.equal(decodeFrame(encodeFrame(f)), f);
    }),
  );
});

t('any single corrupted byte is caught', () => {
  fc.assert(
    fc.property(fc.constantFrom(...EXAMPLES), fc.nat(), fc.integer({ min: 1, max: 255 }), (f, at, x) => {
      const raw = frameBytes(f);
      raw[at % raw.length]! ^= x;
      assert.ok(['frame-crc', 'frame-type', 'frame-length', 'frame-value'].includes(code(() => parseFrameBytes(raw))));
      assert.is(code(() => parseFrameBytes(raw)), 'frame-crc'); // CRC-32 catches every single-byte error
    }),
  );
});

t('decode errors have codes', () => {
  assert.is(code(() => decodeFrame(Uint8Array.of(0x05, 0x11))), 'frame-cobs');
  assert.is(code(() => parseFrameBytes(Uint8Array.of(1, 2, 3, 4))), 'frame-short');
  assert.is(code(() => decodeFrame(cobsEncode(new Uint8Array(0)))), 'frame-short');
  const hello = frameBytes({ type: 'hello', protocol: 1 });
  hello[1] = 2;
  assert.is(code(() => parseFrameBytes(hello)), 'frame-crc');
  assert.is(code(() => parseFrameBytes(withCrc([0x09, 1]))), 'frame-type');
  assert.is(code(() => parseFrameBytes(withCrc([0x00]))), 'frame-type');
  assert.is(code(() => parseFrameBytes(withCrc([0x01]))), 'frame-length');
  assert.is(code(() => parseFrameBytes(withCrc([0x01, 1, 1]))), 'frame-length');
  assert.is(code(() => parseFrameBytes(withCrc([0x07, 0]))), 'frame-length');
  assert.is(code(() => parseFrameBytes(withCrc([0x04, 1, 0, 0, 0, 0, 0, 0, 0]))), 'frame-length'); // DATA with no bytes
  const info = [...frameBytes({ type: 'info', protocol: 1, bootVersion: '1.0.0', kind: 'any', maxChunk: 1, resume: null }).subarray(0, 49)];
  info[8] = 9; // kind
  assert.is(code(() => parseFrameBytes(withCrc(info))), 'frame-value');
  info[8] = 1;
  info[11] = 2; // resume flag
  assert.is(code(() => parseFrameBytes(withCrc(info))), 'frame-value');
  assert.is(code(() => parseFrameBytes(withCrc([0x06, 0, 0, 0, 0, 99]))), 'frame-value');
  assert.is(code(() => parseFrameBytes(withCrc([0x06, 0, 0, 0, 0, 0]))), 'frame-value');
  assert.is(code(() => parseFrameBytes(withCrc([0x08, 1, 1]))), 'frame-value'); // ok with a failure reason
  assert.is(code(() => parseFrameBytes(withCrc([0x08, 0, 0]))), 'frame-value'); // fail with reason ok
  assert.is(code(() => parseFrameBytes(withCrc([0x08, 2, 0]))), 'frame-value');
  assert.is(code(() => parseFrameBytes(withCrc([0x08, 0, 99]))), 'frame-value');
});

t('encode refuses fields that do not fit', () => {
  assert.is(code(() => frameBytes({ type: 'hello', protocol: 256 })), 'frame-value');
  assert.is(code(() => frameBytes({ type: 'ack', seq: -1, nextOffset: 0 })), 'frame-value');
  assert.is(code(() => frameBytes({ type: 'ack', seq: 1.5, nextOffset: 0 })), 'frame-value');
  assert.is(code(() => frameBytes({ type: 'begin', imageSize: 2 ** 32, compressedSize: 0, startOffset: 0, sha256: SHA })), 'frame-value');
  assert.is(code(() => frameBytes({ type: 'begin', imageSize: 0, compressedSize: 0, startOffset: 0, sha256: 'AB'.repeat(32) })), 'frame-value');
  assert.is(code(() => frameBytes({ type: 'data', seq: 1, offset: 0, bytes: new Uint8Array(0) })), 'frame-value');
  assert.is(code(() => frameBytes({ type: 'info', protocol: 1, bootVersion: '1.0', kind: 'any', maxChunk: 1, resume: null })), 'frame-value');
  assert.is(code(() => frameBytes({ type: 'info', protocol: 1, bootVersion: '1.0.70000', kind: 'any', maxChunk: 1, resume: null })), 'frame-value');
  assert.is(code(() => frameBytes({ type: 'info', protocol: 1, bootVersion: '1.0.0', kind: 'any', maxChunk: 65536, resume: null })), 'frame-value');
  assert.is(code(() => frameBytes({ type: 'done', ok: true, reason: 'hash-mismatch' })), 'frame-value');
});

t.run();
