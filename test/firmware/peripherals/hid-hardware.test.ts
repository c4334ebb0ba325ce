/**
 * The HidBus contract, against the fake and against node-hid; then, with real lights
 * plugged in, every known busylight shows a colour and turns off through the real wiring.
 * Without one it says so and passes: a desk PC in CI has no busylight.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger, silentLogger, systemClock } from '../../../protocol/index.js';
import { FakeHidBus, FakeTimers, hidInfo } from '../../../firmware/peripherals/fake-hid.js';
import { HidError, byPath, realTimers, type HidBus } from '../../../firmware/peripherals/hid-device.js';
import { NodeHidBus } from '../../../firmware/peripherals/node-hid-bus.js';
import { KNOWN_DEVICES, PeripheralManager } from '../../../firmware/peripherals/peripheral-manager.js';

const t = suite('firmware/peripherals/hid-hardware (contract)');

const adapters: Array<[string, () => HidBus]> = [
  ['fake', () => new FakeHidBus([hidInfo({ vendorId: 0x27bb, productId: 0x3bcd, path: '/dev/hidraw0', product: 'BUSYLIGHT' })])],
  ['node-hid', () => new NodeHidBus({ logger: silentLogger })],
];

for (const [name, make] of adapters) {
  t(`${name}: list() gives devices in the port's shape`, async () => {
    const list = await make().list();
    assert.ok(Array.isArray(list));
    for (const d of list) {
      assert.type(d.path, 'string');
      assert.ok(Number.isInteger(d.vendorId) && Number.isInteger(d.productId));
      assert.ok(d.product === null || typeof d.product === 'string');
      assert.ok(d.usagePage === null || Number.isInteger(d.usagePage));
    }
  });

  t(`${name}: open() of a path that is not there rejects with HidError hid-open`, async () => {
    const err = await make()
      .open('/dev/omstil-no-such-hidraw')
      .then(() => null, (e: unknown) => e);
    assert.instance(err, HidError);
    assert.is((err as HidError).code, 'hid-open');
  });
}

t('node-hid: polls for hot-plug until stopped, and leaves no timer', async () => {
  const timers = new FakeTimers();
  const bus = new NodeHidBus({ logger: silentLogger, timers, pollMs: 1_000 });
  bus.start();
  await new Promise((r) => setTimeout(r, 50)); // the first enumeration (native, asynchronous)
  assert.is(timers.pending, 1);
  bus.stop();
  assert.is(timers.pending, 0);
});

const LIGHTS = new Set(['kuando', 'luxafor', 'blynclight']);

t('every attached busylight shows a colour, then turns off', async () => {
  const bus = new NodeHidBus({ logger: silentLogger });
  const present = [...byPath(await bus.list()).values()].filter((d) =>
    KNOWN_DEVICES.some((k) => LIGHTS.has(k.role) && k.vendorId === d.vendorId && k.productId === d.productId),
  );
  if (!present.length) {
    process.stdout.write('\n  skipped: no USB busylight attached (hardware contract suite)\n');
    return;
  }
  const logger = memoryLogger();
  const manager = new PeripheralManager({ bus, timers: realTimers, clock: systemClock, logger, onIntent: () => {} });
  await manager.start();
  assert.equal(manager.devices().map((d) => d.path).sort(), present.map((d) => d.path).sort(), 'every light opened (else: the udev rule, docs/peripherals.md)');
  manager.update({ me: { presence: 'available', ownDiversion: null, messages: [] }, preferred: [] });
  await new Promise((r) => setTimeout(r, 1_500));
  manager.update({ me: { presence: 'on-call', ownDiversion: null, messages: [] }, preferred: [] });
  await new Promise((r) => setTimeout(r, 1_500));
  await manager.stop();
  assert.equal(logger.records.filter((r) => r.level === 'warn' || r.level === 'error'), []);
});

t.run();
