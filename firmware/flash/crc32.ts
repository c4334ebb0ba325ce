/**
 * CRC-32/ISO-HDLC (the zlib, PNG and Ethernet CRC: reflected polynomial 0xEDB88320, init and
 * final XOR 0xFFFFFFFF; check value crc32("123456789") = 0xCBF43926). Uses node:zlib's native
 * crc32 where this Node has it (20.15+, 22.2+) and a table-driven fallback otherwise.
 */
import * as zlib from 'node:zlib';

let table: Uint32Array | undefined;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** The table-driven CRC-32; `crc` continues a previous result. Exported for the tests. */
export function crc32Table(data: Uint8Array, crc = 0): number {
  table ??= makeTable();
  let c = ~crc >>> 0;
  for (const b of data) c = table[(c ^ b) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `data` as an unsigned 32-bit number; `crc` continues a previous result. */
export const crc32: (data: Uint8Array, crc?: number) => number =
  typeof native === 'function' ? (data, crc = 0) => native(data, crc) >>> 0 : crc32Table;

export const crc32IsNative = typeof native === 'function';
