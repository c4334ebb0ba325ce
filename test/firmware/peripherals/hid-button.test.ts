import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeHidDevice, FakeTimers, hidInfo } from '../../../firmware/peripherals/fake-hid.js';
import { DEBOUNCE_MS, HidButton, LONG_PRESS_MS, luxaforMuteButton, muteMeButton, type ButtonIntent } from '../../../firmware/peripherals/hid-button.js';

const t = suite('firmware/peripherals/hid-button');

const DOWN = [0x83, 0x01, 0, 0, 0, 0, 0, 0];
const UP = [0x83, 0x00, 0, 0, 0, 0, 0, 0];

function setup() {
  const timers = new FakeTimers();
  const dev = new FakeHidDevice(hidInfo({ vendorId: 0x04d8, productId: 0xf372, path: '/dev/hidraw1' }));
  const intents: ButtonIntent['type'][] = [];
  const button = new HidButton(dev, luxaforMuteButton, timers, timers, (i) => intents.push(i.type));
  button.start();
  return { timers, dev, intents, button };
}

t('Luxafor Mute reports: 0x83 then 1 pressed, 0 released; anything else says nothing', () => {
  assert.is(luxaforMuteButton(Uint8Array.from(DOWN)), 'down');
  assert.is(luxaforMuteButton(Uint8Array.from(UP)), 'up');
  assert.is(luxaforMuteButton(Uint8Array.of(0x42, 0x01)), null);
});

t('MuteMe reports: byte 3 is 4 at touch, 2 at release, 1 while held', () => {
  assert.is(muteMeButton(Uint8Array.of(0, 0, 0, 0x04, 0, 0, 0, 0)), 'down');
  assert.is(muteMeButton(Uint8Array.of(0, 0, 0, 0x02, 0, 0, 0, 0)), 'up');
  assert.is(muteMeButton(Uint8Array.of(0, 0, 0, 0x01, 0, 0, 0, 0)), null);
  assert.is(muteMeButton(Uint8Array.of(0, 0, 0, 0x00, 0, 0, 0, 0)), null);
});

t('a press diverts, on release', () => {
  const { timers, dev, intents } = setup();
  dev.input(DOWN);
  timers.advance(300);
  assert.equal(intents, []);
  dev.input(UP);
  timers.advance(DEBOUNCE_MS);
  assert.equal(intents, ['divert']);
});

t('a long press undiverts at the threshold, while still held; the release adds nothing', () => {
  const { timers, dev, intents } = setup();
  dev.input(DOWN);
  timers.advance(LONG_PRESS_MS - 1);
  assert.equal(intents, []);
  timers.advance(1);
  assert.equal(intents, ['undivert']);
  timers.advance(2_000);
  dev.input(UP);
  timers.advance(100);
  assert.equal(intents, ['undivert']);
});

t('released just before the threshold is a short press', () => {
  const { timers, dev, intents } = setup();
  dev.input(DOWN);
  timers.advance(LONG_PRESS_MS - 10);
  dev.input(UP);
  timers.advance(100);
  assert.equal(intents, ['divert']);
});

t('contact bounce is one press', () => {
  const { timers, dev, intents } = setup();
  for (const r of [DOWN, UP, DOWN, UP, DOWN]) {
    dev.input(r);
    timers.advance(3);
  }
  timers.advance(200);
  for (const r of [UP, DOWN, UP]) {
    dev.input(r);
    timers.advance(3);
  }
  timers.advance(100);
  assert.equal(intents, ['divert']);
});

t('a glitch shorter than the debounce time is no press; repeated reports are one edge', () => {
  const { timers, dev, intents } = setup();
  dev.input(DOWN);
  timers.advance(5);
  dev.input(UP);
  timers.advance(500);
  assert.equal(intents, []);
  dev.input(DOWN);
  timers.advance(100);
  dev.input(DOWN); // the device repeats itself while held
  timers.advance(100);
  dev.input(UP);
  timers.advance(100);
  assert.equal(intents, ['divert']);
});

t('stop() removes its listener and timers', () => {
  const { timers, dev, intents, button } = setup();
  dev.input(DOWN);
  timers.advance(DEBOUNCE_MS);
  assert.is(timers.pending, 1); // the long-press timer
  button.stop();
  assert.is(timers.pending, 0);
  dev.input(UP);
  dev.input(DOWN);
  timers.advance(5_000);
  assert.equal(intents, []);
});

t.run();
