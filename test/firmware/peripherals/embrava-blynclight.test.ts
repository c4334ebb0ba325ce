import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COLORS, OFF } from '../../../firmware/peripherals/busylight-colors.js';
import { EmbravaBlynclight, blynclightReport } from '../../../firmware/peripherals/embrava-blynclight.js';
import { FakeHidDevice, hidInfo } from '../../../firmware/peripherals/fake-hid.js';

const t = suite('firmware/peripherals/embrava-blynclight');

const bytes = (hex: string) => Uint8Array.from(hex.trim().split(/\s+/), (b) => parseInt(b, 16));

t('colours go red, BLUE, GREEN', () => {
  assert.equal(blynclightReport({ rgb: COLORS.red, blink: false }), bytes('00 FF 00 00 08 00 00 FF 22'));
  assert.equal(blynclightReport({ rgb: COLORS.green, blink: false }), bytes('00 00 00 FF 08 00 00 FF 22'));
  assert.equal(blynclightReport({ rgb: COLORS.blue, blink: false }), bytes('00 00 FF 00 08 00 00 FF 22'));
  assert.equal(blynclightReport({ rgb: [0x11, 0x22, 0x33], blink: false }), bytes('00 11 33 22 08 00 00 FF 22'));
});

t('blink sets the flash bit (0x04) with the slow speed (1 << 3)', () => {
  assert.equal(blynclightReport({ rgb: COLORS.magenta, blink: true }), bytes('00 FF FF 00 0C 00 00 FF 22'));
});

t('off sets the off bit (0x01)', () => {
  assert.equal(blynclightReport(OFF), bytes('00 00 00 00 09 00 00 FF 22'));
  assert.equal(blynclightReport({ rgb: [0, 0, 0], blink: true }), bytes('00 00 00 00 09 00 00 FF 22'));
});

t('show() writes the 9-byte control word', () => {
  const dev = new FakeHidDevice(hidInfo({ vendorId: 0x2c0d, productId: 0x0001, path: '/dev/hidraw2' }));
  const light = new EmbravaBlynclight(dev);
  light.start();
  light.show({ rgb: COLORS.yellow, blink: false });
  assert.equal(dev.writes, [bytes('00 FF 00 FF 08 00 00 FF 22')]);
  light.stop();
});

t.run();
