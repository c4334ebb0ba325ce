/**
 * The busylight acceptance end to end: a call answered on the (simulated) PBX makes the hub set
 * Anna on-call (PR-1); her phone's firmware core gets the update over MQTT and its peripheral
 * manager turns a (fake) Kuando Busylight red within that one state update; the keepalive
 * then keeps it lit for an hour of fake time, and the hang-up turns it green again.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COLORS } from '../../firmware/peripherals/busylight-colors.js';
import { FakeHidBus, FakeTimers, hidInfo } from '../../firmware/peripherals/fake-hid.js';
import { KUANDO_KEEPALIVE_INTERVAL_MS, kuandoKeepAliveReport, kuandoLightReport } from '../../firmware/peripherals/kuando-busylight.js';
import { PeripheralManager } from '../../firmware/peripherals/peripheral-manager.js';
import { memoryLogger, type DeviceView } from '../../protocol/index.js';
import { clockFrom, startSystem, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/busylight');
const KUANDO = hidInfo({ vendorId: 0x27bb, productId: 0x3bcd, path: '/dev/hidraw0', product: 'BUSYLIGHT' });
let sys: TestSystem;

e2e.before(async () => {
  // Monday 23 November 2026, 10:00 in Copenhagen: inside phone hours whenever the test runs
  // (on the wall clock, Anna was off-hours after 16:00 and never "available")
  sys = await startSystem({ clock: clockFrom('2026-11-23T10:00:00+01:00'), phones: 2, kiosks: 0 });
});
e2e.after(async () => sys?.stop());

e2e('acceptance: a presence change from the hub turns the Kuando red within one state update; the keepalive keeps it lit for an hour of fake time', async () => {
  const anna = sys.directory.data.people[0]!;
  const caller = sys.directory.data.people[1]!;
  const core = sys.fleet.core(`phone-${anna.id}`);
  await waitFor(() => core.mirror.me?.presence === 'available', 'Anna to be available');

  const timers = new FakeTimers();
  const bus = new FakeHidBus([KUANDO]);
  const manager = new PeripheralManager({ bus, timers, clock: timers, logger: memoryLogger('warn'), onIntent: () => {} });
  await manager.start();
  // as firmware/main.ts wires it: every view the core shows goes to the peripherals
  const views: DeviceView[] = [];
  const off = core.onView((view) => {
    views.push(view);
    manager.update(view);
  });
  manager.update(core.view());
  const light = bus.device(KUANDO.path)!;
  assert.equal(light.lastWrite, kuandoLightReport({ rgb: COLORS.green, blink: false }), 'available: green');

  const call = sys.pbx.call(caller.extension, anna.extension, { hold: true });
  assert.is(call.outcome, 'answered');
  await waitFor(() => core.mirror.me?.presence === 'on-call', 'the hub to set Anna on-call');
  // the first view that says on-call is the update that turned the light red
  const first = views.findIndex((v) => v.me?.presence === 'on-call');
  assert.ok(first >= 0);
  assert.equal(light.lastWrite, kuandoLightReport({ rgb: COLORS.red, blink: false }), 'on-call: red');
  const redAt = light.writes.length;

  timers.advance(3_600_000);
  const after = light.writes.slice(redAt);
  assert.is(after.length, Math.floor(3_600_000 / KUANDO_KEEPALIVE_INTERVAL_MS), 'a keepalive every interval for the hour');
  const keepAlive = kuandoKeepAliveReport();
  assert.ok(after.every((w) => w.every((b, i) => b === keepAlive[i])), 'nothing but keepalives: it stays red');

  sys.pbx.hangup(call.callId);
  await waitFor(() => core.mirror.me?.presence === 'available', 'Anna to be available again');
  assert.equal(light.lastWrite, kuandoLightReport({ rgb: COLORS.green, blink: false }), 'after the call: green');
  off();
  await manager.stop();
});

e2e.run();
