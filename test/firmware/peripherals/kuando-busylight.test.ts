import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COLORS, OFF } from '../../../firmware/peripherals/busylight-colors.js';
import { FakeHidDevice, FakeTimers, hidInfo } from '../../../firmware/peripherals/fake-hid.js';
import { HidError } from '../../../firmware/peripherals/hid-device.js';
import {
  KUANDO_KEEPALIVE_INTERVAL_MS,
  KuandoBusylight,
  kuandoKeepAliveReport,
  kuandoLightReport,
  kuandoPwm,
} from '../../../firmware/peripherals/kuando-busylight.js';

const t = suite('firmware/peripherals/kuando-busylight');

const bytes = (hex: string) => Uint8Array.from(hex.trim().split(/\s+/), (b) => parseInt(b, 16));

/**
 * The 65 bytes written: report ID 00, step 0 as given, steps 1..6 and bytes 56..57 zero,
 * 58..61 FF, then the checksum (the sum of packet bytes 0..61, big-endian), worked out by hand.
 */
function expected(step0: string, checksum: string): Uint8Array {
  return bytes(`00 ${step0} ${'00 '.repeat(48)} 00 00 FF FF FF FF ${checksum}`);
}

t('red: jump step to itself, PWM 100/0/0, audio update with volume 0; checksum 0x10+0x64+0x80+4·0xFF = 0x04F0', () => {
  const r = kuandoLightReport({ rgb: COLORS.red, blink: false });
  assert.is(r.length, 65);
  assert.equal(r, expected('10 00 64 00 00 00 00 80', '04 F0'));
});

t('green, yellow, off', () => {
  assert.equal(kuandoLightReport({ rgb: COLORS.green, blink: false }), expected('10 00 00 64 00 00 00 80', '04 F0'));
  assert.equal(kuandoLightReport({ rgb: COLORS.yellow, blink: false }), expected('10 00 64 64 00 00 00 80', '05 54'));
  assert.equal(kuandoLightReport(OFF), expected('10 00 00 00 00 00 00 80', '04 8C'));
});

t('blink: repeat 1, 0.5 s on, 0.5 s off', () => {
  assert.equal(kuandoLightReport({ rgb: COLORS.magenta, blink: true }), expected('10 01 64 00 64 05 05 80', '05 5F'));
});

t('keep-alive: opcode 8, timeout 15 s', () => {
  assert.equal(kuandoKeepAliveReport(), expected('8F 00 00 00 00 00 00 00', '04 8B'));
  assert.equal(kuandoKeepAliveReport(10), expected('8A 00 00 00 00 00 00 00', '04 86'));
});

t('colours are scaled to the PWM range 0..100', () => {
  assert.equal([0, 128, 255].map(kuandoPwm), [0, 50, 100]);
});

/** A device that also notes when each report was written. */
function timed(timers: FakeTimers) {
  const dev = new FakeHidDevice(hidInfo({ vendorId: 0x27bb, productId: 0x3bcd, path: '/dev/hidraw0' }));
  const at: number[] = [];
  const write = dev.write.bind(dev);
  dev.write = (r) => {
    at.push(timers.now().getTime());
    return write(r);
  };
  return { dev, at };
}

t('the keep-alive keeps it lit for an hour: every 7 s, well inside the 15 s the light waits', () => {
  const timers = new FakeTimers();
  const { dev, at } = timed(timers);
  const light = new KuandoBusylight(dev, timers);
  const start = timers.now().getTime();
  light.start();
  light.show({ rgb: COLORS.red, blink: false });
  timers.advance(3_600_000);
  const keepAlive = kuandoKeepAliveReport();
  assert.equal(dev.writes[0], kuandoLightReport({ rgb: COLORS.red, blink: false }));
  assert.is(dev.writes.length, 1 + Math.floor(3_600_000 / KUANDO_KEEPALIVE_INTERVAL_MS)); // 1 + 514
  assert.ok(dev.writes.slice(1).every((w) => w.every((b, i) => b === keepAlive[i])), 'only keep-alives after the colour: the program stays red');
  const gaps = [...at, start + 3_600_000].map((t, i, all) => t - (i === 0 ? start : all[i - 1]!));
  assert.ok(Math.max(...gaps) < 15_000, `longest silence ${Math.max(...gaps)} ms`);
});

t('stop() removes the keep-alive timer', () => {
  const timers = new FakeTimers();
  const dev = new FakeHidDevice(hidInfo({ vendorId: 0x27bb, productId: 0x3bcd, path: '/dev/hidraw0' }));
  const light = new KuandoBusylight(dev, timers);
  light.start();
  light.start(); // twice: still one timer
  assert.is(timers.pending, 1);
  light.stop();
  assert.is(timers.pending, 0);
  timers.advance(60_000);
  assert.is(dev.writes.length, 0);
});

t('a failed write is reported, not thrown', async () => {
  const timers = new FakeTimers();
  const dev = new FakeHidDevice(hidInfo({ vendorId: 0x27bb, productId: 0x3bcd, path: '/dev/hidraw0' }));
  dev.failWrites = new HidError('hid-write', 'unplugged');
  const errors: Error[] = [];
  const light = new KuandoBusylight(dev, timers, (e) => errors.push(e));
  light.start();
  light.show({ rgb: COLORS.red, blink: false });
  timers.advance(KUANDO_KEEPALIVE_INTERVAL_MS);
  await new Promise((r) => setImmediate(r));
  assert.equal(errors.map((e) => (e as HidError).code), ['hid-write', 'hid-write']);
  light.stop();
});

t.run();
