import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COLORS, OFF } from '../../../firmware/peripherals/busylight-colors.js';
import { FakeHidDevice, hidInfo } from '../../../firmware/peripherals/fake-hid.js';
import { HidError } from '../../../firmware/peripherals/hid-device.js';
import { LuxaforFlag, luxaforReport } from '../../../firmware/peripherals/luxafor-flag.js';

const t = suite('firmware/peripherals/luxafor-flag');

const bytes = (hex: string) => Uint8Array.from(hex.trim().split(/\s+/), (b) => parseInt(b, 16));

t('steady: report ID 00, static colour 01, all LEDs FF, R G B, three zeros', () => {
  assert.equal(luxaforReport({ rgb: COLORS.red, blink: false }), bytes('00 01 FF FF 00 00 00 00 00'));
  assert.equal(luxaforReport({ rgb: COLORS.blue, blink: false }), bytes('00 01 FF 00 00 FF 00 00 00'));
  assert.equal(luxaforReport({ rgb: [12, 34, 56], blink: false }), bytes('00 01 FF 0C 22 38 00 00 00'));
});

t('off is the static colour black', () => {
  assert.equal(luxaforReport(OFF), bytes('00 01 FF 00 00 00 00 00 00'));
});

t('blink: strobe 03, speed 10, repeat 0 (forever)', () => {
  assert.equal(luxaforReport({ rgb: COLORS.yellow, blink: true }), bytes('00 03 FF FF FF 00 0A 00 00'));
});

t('show() writes the report; a failed write is reported, not thrown', async () => {
  const dev = new FakeHidDevice(hidInfo({ vendorId: 0x04d8, productId: 0xf372, path: '/dev/hidraw1' }));
  const errors: Error[] = [];
  const flag = new LuxaforFlag(dev, (e) => errors.push(e));
  flag.start();
  flag.show({ rgb: COLORS.green, blink: false });
  assert.equal(dev.writes, [bytes('00 01 FF 00 FF 00 00 00 00')]);
  dev.failWrites = new HidError('hid-write', 'gone');
  flag.show(OFF);
  await new Promise((r) => setImmediate(r));
  assert.is(errors.length, 1);
  flag.stop();
});

t.run();
