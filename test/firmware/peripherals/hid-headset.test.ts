import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeHidDevice, hidInfo } from '../../../firmware/peripherals/fake-hid.js';
import {
  DEFAULT_TELEPHONY_LAYOUT,
  HOOK_SWITCH_USAGE,
  HidHeadset,
  PHONE_MUTE_USAGE,
  TELEPHONY_USAGE_PAGE,
  parseTelephonyReport,
  telephonyLayoutFor,
  type HeadsetEvent,
} from '../../../firmware/peripherals/hid-headset.js';

const t = suite('firmware/peripherals/hid-headset');

const JABRA = 0x0b0e;
const POLY = 0x047f;
const SENNHEISER = 0x1395;

t('usages of the Telephony page', () => {
  assert.equal([TELEPHONY_USAGE_PAGE, HOOK_SWITCH_USAGE, PHONE_MUTE_USAGE], [0x0b, 0x20, 0x2f]);
});

t('layouts of real headsets, and the default for others', () => {
  assert.equal(telephonyLayoutFor(JABRA), { reportId: 2, hookBit: 0, muteBit: 2 });
  assert.equal(telephonyLayoutFor(POLY), { reportId: 1, hookBit: 0, muteBit: 1 });
  assert.equal(telephonyLayoutFor(SENNHEISER), { reportId: 3, hookBit: 0, muteBit: 3 });
  assert.equal(telephonyLayoutFor(0x1234), DEFAULT_TELEPHONY_LAYOUT);
});

t('parse: report ID first, then the bits', () => {
  const jabra = telephonyLayoutFor(JABRA);
  assert.equal(parseTelephonyReport(Uint8Array.of(0x02, 0b001), jabra), { offHook: true, mute: false });
  assert.equal(parseTelephonyReport(Uint8Array.of(0x02, 0b101), jabra), { offHook: true, mute: true });
  assert.equal(parseTelephonyReport(Uint8Array.of(0x02, 0b010), jabra), { offHook: false, mute: false });
  assert.is(parseTelephonyReport(Uint8Array.of(0x01, 0b001), jabra), null, 'another report');
  assert.is(parseTelephonyReport(Uint8Array.of(0x02), jabra), null, 'too short');
  const sennheiser = telephonyLayoutFor(SENNHEISER);
  assert.equal(parseTelephonyReport(Uint8Array.of(0x03, 0b1000), sennheiser), { offHook: false, mute: true });
});

function setup(vendorId = JABRA) {
  const dev = new FakeHidDevice(hidInfo({ vendorId, productId: 0x0412, path: '/dev/hidraw3', usagePage: 0x0b }));
  const events: HeadsetEvent[] = [];
  const headset = new HidHeadset(dev, telephonyLayoutFor(vendorId), (e) => events.push(e));
  headset.start();
  return { dev, events, headset };
}

t('off the hook is on-call, back on it is not (PR-1)', () => {
  const { dev, events, headset } = setup();
  dev.input([0x02, 0b001]);
  assert.ok(headset.offHook);
  dev.input([0x02, 0b001]); // the same state again: nothing new
  dev.input([0x02, 0b000]);
  assert.equal(events, [
    { type: 'on-call', onCall: true },
    { type: 'on-call', onCall: false },
  ]);
  assert.not.ok(headset.offHook);
});

t('each press of mute toggles; hanging up unmutes', () => {
  const { dev, events } = setup(POLY);
  dev.input([0x01, 0b01]); // off hook
  dev.input([0x01, 0b11]); // mute pressed
  dev.input([0x01, 0b01]); // released
  dev.input([0x01, 0b11]); // pressed again
  dev.input([0x01, 0b01]);
  dev.input([0x01, 0b11]); // and a third time: muted
  dev.input([0x01, 0b00]); // hung up
  assert.equal(events, [
    { type: 'on-call', onCall: true },
    { type: 'mute', muted: true },
    { type: 'mute', muted: false },
    { type: 'mute', muted: true },
    { type: 'on-call', onCall: false },
    { type: 'mute', muted: false },
  ]);
});

t('other reports are ignored; stop() removes the listener', () => {
  const { dev, events, headset } = setup();
  dev.input([0x05, 0xff]);
  headset.stop();
  dev.input([0x02, 0b001]);
  assert.equal(events, []);
});

t.run();
