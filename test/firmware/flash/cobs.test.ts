import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { cobsDecode, cobsEncode, cobsFrame, CobsError, CobsStreamDecoder } from '../../../firmware/flash/cobs.js';

const t = suite('firmware/flash/cobs');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof CobsError) return err.code;
    throw err;
  }
  return 'no error';
};

t('encodes the paper and Wikipedia examples', () => {
  assert.is(hex(cobsEncode(Uint8Array.of())), '01');
  assert.is(hex(cobsEncode(Uint8Array.of(0))), '0101');
  assert.is(hex(cobsEncode(Uint8Array.of(0, 0))), '010101');
  assert.is(hex(cobsEncode(Uint8Array.of(0x11, 0x22, 0, 0x33))), '03112202' + '33');
  assert.is(hex(cobsEncode(Uint8Array.of(0x11, 0, 0, 0))), '0211010101');
  const run254 = Uint8Array.from({ length: 254 }, (_, i) => i + 1);
  assert.is(hex(cobsEncode(run254)), 'ff' + hex(run254));
  const run255 = Uint8Array.from({ length: 255 }, (_, i) => (i % 255) + 1);
  assert.is(hex(cobsEncode(run255)), 'ff' + hex(run255.subarray(0, 254)) + '02' + 'ff');
});

t('round-trips any bytes, with no 0x00 in the encoding and bounded overhead', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
      const enc = cobsEncode(data);
      assert.not.ok(enc.includes(0));
      assert.ok(enc.length <= data.length + Math.ceil(data.length / 254) + 1);
      assert.is(hex(cobsDecode(enc)), hex(data));
    }),
  );
  // zero-heavy and zero-free inputs
  fc.assert(fc.property(fc.array(fc.constantFrom(0, 1, 255), { maxLength: 1000 }), (a) => assert.equal([...cobsDecode(cobsEncode(Uint8Array.from(a)))], a)));
});

t('decode refuses a 0x00 inside a frame and a block past the end', () => {
  assert.is(code(() => cobsDecode(Uint8Array.of(0x02, 0x00))), 'cobs-zero');
  assert.is(code(() => cobsDecode(Uint8Array.of(0x00))), 'cobs-zero');
  assert.is(code(() => cobsDecode(Uint8Array.of(0x05, 0x11))), 'cobs-truncated');
});

t('the stream decoder splits on 0x00 across any chunking and skips empty frames', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (frames, cuts) => {
      const wire = Buffer.concat([Uint8Array.of(0, 0), ...frames.map(cobsFrame), Uint8Array.of(0)]);
      const got: string[] = [];
      const d = new CobsStreamDecoder((f) => got.push(hex(f)), (e) => assert.unreachable(e.message));
      let i = 0;
      for (let k = 0; i < wire.length; k++) {
        const n = cuts[k % cuts.length]!;
        d.push(wire.subarray(i, i + n));
        i += n;
      }
      assert.equal(got, frames.map(hex));
      assert.is(d.pending, 0);
    }),
  );
});

t('the stream decoder reports a bad frame, drops an over-long one, and resynchronises at the next 0x00', () => {
  const got: string[] = [];
  const bad: string[] = [];
  const d = new CobsStreamDecoder((f) => got.push(hex(f)), (e) => bad.push(e.code), 8);
  d.push(Uint8Array.of(0x05, 0x11, 0)); // truncated block
  d.push(cobsFrame(Uint8Array.of(1, 2, 3)));
  d.push(Uint8Array.from({ length: 20 }, () => 7));
  d.push(Uint8Array.of(0));
  d.push(cobsFrame(Uint8Array.of(0, 9)));
  assert.equal(bad, ['cobs-truncated', 'cobs-overflow']);
  assert.equal(got, ['010203', '0009']);
  d.push(Uint8Array.of(3, 4));
  assert.is(d.pending, 2);
  d.reset();
  assert.is(d.pending, 0);
});

t.run();
