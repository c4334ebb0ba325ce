import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { crc32, crc32Table } from '../../../firmware/flash/crc32.js';

const t = suite('firmware/flash/crc32');
const ascii = (s: string) => new TextEncoder().encode(s);

t('the CRC-32/ISO-HDLC check value', () => {
  assert.is(crc32(ascii('123456789')), 0xcbf43926);
  assert.is(crc32Table(ascii('123456789')), 0xcbf43926);
  assert.is(crc32(new Uint8Array(0)), 0);
  assert.is(crc32Table(ascii('The quick brown fox jumps over the lazy dog')), 0x414fa339);
});

t('the table and the native CRC agree, also when continued', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 500 }), fc.uint8Array({ maxLength: 500 }), (a, b) => {
      assert.is(crc32Table(a), crc32(a));
      assert.is(crc32Table(b, crc32Table(a)), crc32(Buffer.concat([a, b])));
    }),
  );
});

t.run();
