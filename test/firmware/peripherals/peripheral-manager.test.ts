import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../../../protocol/index.js';
import { COLORS, OFF, type LightSource } from '../../../firmware/peripherals/busylight-colors.js';
import { FakeHidBus, FakeTimers, hidInfo } from '../../../firmware/peripherals/fake-hid.js';
import { DEBOUNCE_MS, LONG_PRESS_MS } from '../../../firmware/peripherals/hid-button.js';
import { HidError } from '../../../firmware/peripherals/hid-device.js';
import { KUANDO_KEEPALIVE_INTERVAL_MS, kuandoKeepAliveReport, kuandoLightReport } from '../../../firmware/peripherals/kuando-busylight.js';
import { luxaforReport } from '../../../firmware/peripherals/luxafor-flag.js';
import { PeripheralManager, type PeripheralIntent, type PeripheralView } from '../../../firmware/peripherals/peripheral-manager.js';

const t = suite('firmware/peripherals/peripheral-manager');

const KUANDO = hidInfo({ vendorId: 0x27bb, productId: 0x3bcd, path: '/dev/hidraw0', product: 'BUSYLIGHT' });
const LUXAFOR = hidInfo({ vendorId: 0x04d8, productId: 0xf372, path: '/dev/hidraw1', product: 'LUXAFOR FLAG' });
const JABRA = hidInfo({ vendorId: 0x0b0e, productId: 0x0412, path: '/dev/hidraw2', product: 'Jabra EVOLVE 20', usagePage: 0x0b, usage: 0x05 });
const KEYBOARD = hidInfo({ vendorId: 0x046d, productId: 0xc31c, path: '/dev/hidraw3', usagePage: 0x01, usage: 0x06 });

const flush = () => new Promise((r) => setImmediate(r));

function view(presence: LightSource['presence'], preferred: string[] = ['bo-berg']): PeripheralView {
  return { me: { presence, ownDiversion: null, messages: [] }, preferred };
}

async function setup(present = [KUANDO]) {
  const timers = new FakeTimers();
  const bus = new FakeHidBus(present);
  const logger = memoryLogger();
  const intents: PeripheralIntent[] = [];
  const manager = new PeripheralManager({ bus, timers, clock: timers, logger, onIntent: (i) => intents.push(i) });
  await manager.start();
  return { timers, bus, logger, intents, manager };
}

t('acceptance: a presence change turns the Kuando red within one state update, and the keep-alive keeps it lit for an hour', async () => {
  const { timers, bus, manager } = await setup();
  const light = bus.device(KUANDO.path)!;
  manager.update(view('available'));
  assert.equal(light.lastWrite, kuandoLightReport({ rgb: COLORS.green, blink: false }));
  const before = light.writes.length;
  manager.update(view('on-call'));
  assert.is(light.writes.length, before + 1, 'one report, within the update');
  assert.equal(light.lastWrite, kuandoLightReport({ rgb: COLORS.red, blink: false }));
  assert.equal([...light.lastWrite!.subarray(1, 9)], [0x10, 0x00, 100, 0x00, 0x00, 0x00, 0x00, 0x80]);

  timers.advance(3_600_000);
  const after = light.writes.slice(before + 1);
  const keepAlive = kuandoKeepAliveReport();
  assert.is(after.length, Math.floor(3_600_000 / KUANDO_KEEPALIVE_INTERVAL_MS));
  assert.ok(after.every((w) => w.every((b, i) => b === keepAlive[i])), 'nothing but keep-alives: still red');
  await manager.stop();
});

t('the same light again writes nothing', async () => {
  const { bus, manager } = await setup();
  const light = bus.device(KUANDO.path)!;
  manager.update(view('away'));
  const n = light.writes.length;
  manager.update(view('away', ['someone-else']));
  assert.is(light.writes.length, n);
  await manager.stop();
});

t('hot-plug: a light plugged in shows the current state at once; unplugged, it is closed and its timers are gone', async () => {
  const { timers, bus, manager, logger } = await setup([]);
  manager.update(view('in-meeting'));
  assert.is(timers.pending, 0);
  bus.plug(KUANDO);
  await flush();
  const light = bus.device(KUANDO.path)!;
  assert.equal(light.writes, [kuandoLightReport({ rgb: COLORS.magenta, blink: false })]);
  assert.equal(manager.devices(), [{ path: KUANDO.path, name: 'Kuando Busylight Omega', vendorId: 0x27bb, productId: 0x3bcd }]);
  assert.is(timers.pending, 1, 'the keep-alive');

  bus.unplug(KUANDO.path);
  await flush();
  assert.ok(light.closed);
  assert.equal(manager.devices(), []);
  assert.is(timers.pending, 0);
  assert.ok(logger.records.some((r) => r.msg === 'USB HID device detached'));

  bus.plug(KUANDO); // and back
  await flush();
  assert.equal(bus.device(KUANDO.path)!.writes, [kuandoLightReport({ rgb: COLORS.magenta, blink: false })]);
  await manager.stop();
});

t('devices it does not know are left alone', async () => {
  const { bus, manager } = await setup([KEYBOARD]);
  bus.plug(hidInfo({ vendorId: 0x1234, productId: 0x5678, path: '/dev/hidraw9' }));
  await flush();
  assert.is(bus.device(KEYBOARD.path), undefined);
  assert.equal(manager.devices(), []);
  await manager.stop();
});

t('a device it may not open is logged with the udev hint, and the rest carries on', async () => {
  const timers = new FakeTimers();
  const bus = new FakeHidBus([KUANDO, LUXAFOR]);
  bus.denied.add(KUANDO.path);
  const logger = memoryLogger();
  const manager = new PeripheralManager({ bus, timers, clock: timers, logger, onIntent: () => {} });
  await manager.start();
  assert.equal(manager.devices().map((d) => d.path), [LUXAFOR.path]);
  const warn = logger.records.find((r) => r.level === 'warn');
  assert.match(String(warn?.msg), /udev/);
  assert.is(warn?.path, KUANDO.path);
  await manager.stop();
});

t('unplugged while it was being opened: closed again, never attached', async () => {
  const { bus, manager } = await setup([]);
  bus.plug(KUANDO);
  bus.unplug(KUANDO.path);
  await flush();
  assert.ok(bus.device(KUANDO.path)!.closed);
  assert.equal(manager.devices(), []);
  await manager.stop();
});

t('a failing light is logged, not fatal', async () => {
  const { bus, manager, logger } = await setup([KUANDO, LUXAFOR]);
  bus.device(KUANDO.path)!.failWrites = new HidError('hid-write', 'broken');
  manager.update(view('available'));
  await flush();
  assert.equal(bus.device(LUXAFOR.path)!.lastWrite, luxaforReport({ rgb: COLORS.green, blink: false }));
  assert.ok(logger.records.some((r) => r.level === 'warn' && r.path === KUANDO.path));
  await manager.stop();
});

t('the button: a press diverts to the first preferred colleague, a long press undiverts', async () => {
  const { timers, bus, intents, manager } = await setup([LUXAFOR]);
  const button = bus.device(LUXAFOR.path)!;
  manager.update(view('available', ['bo-berg', 'carl-dahl']));
  button.input([0x83, 1]);
  timers.advance(200);
  button.input([0x83, 0]);
  timers.advance(DEBOUNCE_MS);
  button.input([0x83, 1]);
  timers.advance(LONG_PRESS_MS);
  button.input([0x83, 0]);
  timers.advance(DEBOUNCE_MS);
  assert.equal(intents, [{ type: 'divert', target: 'bo-berg' }, { type: 'undivert' }]);
  await manager.stop();
});

t('with nobody preferred the divert names no target; a MuteMe works the same', async () => {
  const muteMe = hidInfo({ vendorId: 0x20a0, productId: 0x42da, path: '/dev/hidraw4' });
  const { timers, bus, intents, manager } = await setup([muteMe]);
  manager.update(view('available', []));
  bus.device(muteMe.path)!.input([0, 0, 0, 0x04, 0, 0, 0, 0]);
  timers.advance(100);
  bus.device(muteMe.path)!.input([0, 0, 0, 0x02, 0, 0, 0, 0]);
  timers.advance(DEBOUNCE_MS);
  assert.equal(intents, [{ type: 'divert', target: null }]);
  await manager.stop();
});

t('a headset off its hook: on-call intent, and the light turns red before the hub answers', async () => {
  const { bus, intents, manager } = await setup([KUANDO, JABRA]);
  const light = bus.device(KUANDO.path)!;
  const headset = bus.device(JABRA.path)!;
  manager.update(view('available'));
  headset.input([0x02, 0b001]);
  assert.equal(intents, [{ type: 'on-call', onCall: true }]);
  assert.equal(light.lastWrite, kuandoLightReport({ rgb: COLORS.red, blink: false }));
  headset.input([0x02, 0b101]);
  headset.input([0x02, 0b001]);
  headset.input([0x02, 0b000]);
  assert.equal(intents.slice(1), [
    { type: 'mute', muted: true },
    { type: 'on-call', onCall: false },
    { type: 'mute', muted: false },
  ]);
  assert.equal(light.lastWrite, kuandoLightReport({ rgb: COLORS.green, blink: false }));
  await manager.stop();
});

t('a headset unplugged during a call no longer claims on-call', async () => {
  const { bus, intents, manager } = await setup([KUANDO, JABRA]);
  manager.update(view('available'));
  bus.device(JABRA.path)!.input([0x02, 0b001]);
  bus.unplug(JABRA.path);
  await flush();
  assert.equal(intents, [
    { type: 'on-call', onCall: true },
    { type: 'on-call', onCall: false },
  ]);
  assert.equal(bus.device(KUANDO.path)!.lastWrite, kuandoLightReport({ rgb: COLORS.green, blink: false }));
  await manager.stop();
});

t('an intent handler that throws is logged, not fatal', async () => {
  const timers = new FakeTimers();
  const bus = new FakeHidBus([JABRA]);
  const logger = memoryLogger();
  const manager = new PeripheralManager({ bus, timers, clock: timers, logger, onIntent: () => { throw new Error('boom'); } });
  await manager.start();
  bus.device(JABRA.path)!.input([0x02, 0b001]);
  assert.ok(logger.records.some((r) => r.level === 'error' && r.err === 'boom'));
  await manager.stop();
});

t('stop() turns the lights off, closes every device and leaves no timer', async () => {
  const { timers, bus, manager } = await setup([KUANDO, LUXAFOR]);
  manager.update(view('on-call'));
  await manager.stop();
  assert.equal(bus.device(KUANDO.path)!.lastWrite, kuandoLightReport(OFF));
  assert.equal(bus.device(LUXAFOR.path)!.lastWrite, luxaforReport(OFF));
  assert.ok(bus.device(KUANDO.path)!.closed && bus.device(LUXAFOR.path)!.closed);
  assert.is(timers.pending, 0);
  bus.plug(hidInfo({ ...KUANDO, path: '/dev/hidraw7' }));
  await flush();
  assert.is(bus.device('/dev/hidraw7'), undefined, 'no hot-plug after stop');
});

t.run();
