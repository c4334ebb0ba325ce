import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hidInfo } from '../../../firmware/peripherals/fake-hid.js';
import { byPath, diffDevices } from '../../../firmware/peripherals/hid-device.js';

const t = suite('firmware/peripherals/hid-device');

const kuando = hidInfo({ vendorId: 0x27bb, productId: 0x3bcd, path: '/dev/hidraw0' });
const flag = hidInfo({ vendorId: 0x04d8, productId: 0xf372, path: '/dev/hidraw1' });

t('a device that appears is attached, one that goes is detached', () => {
  assert.equal(diffDevices([kuando], [kuando, flag]), [{ type: 'attach', device: flag }]);
  assert.equal(diffDevices([kuando, flag], [flag]), [{ type: 'detach', device: kuando }]);
  assert.equal(diffDevices([kuando, flag], [flag, kuando]), []);
  assert.equal(diffDevices([], []), []);
});

t('another device at the same path is a detach and an attach', () => {
  const other = hidInfo({ vendorId: 0x2c0d, productId: 0x0001, path: '/dev/hidraw0' });
  assert.equal(diffDevices([kuando], [other]), [
    { type: 'detach', device: kuando },
    { type: 'attach', device: other },
  ]);
});

t("one entry per path; a headset's Telephony collection wins", () => {
  const consumer = hidInfo({ vendorId: 0x0b0e, productId: 0x0412, path: '/dev/hidraw3', usagePage: 0x0c, usage: 1 });
  const telephony = { ...consumer, usagePage: 0x0b, usage: 5 };
  assert.equal([...byPath([consumer, telephony]).values()], [telephony]);
  assert.equal([...byPath([telephony, consumer]).values()], [telephony]);
  // several collections of one device are one attach
  assert.equal(diffDevices([], [consumer, telephony]), [{ type: 'attach', device: telephony }]);
});

t.run();
