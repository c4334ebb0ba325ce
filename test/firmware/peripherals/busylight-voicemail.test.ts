/** AS-5 on the busylight: unheard voicemail blinks the lit colour, like a message waiting (docs/peripherals.md). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COLORS, OFF, lightFor, type LightSource } from '../../../firmware/peripherals/busylight-colors.js';

const t = suite('firmware/peripherals/busylight-voicemail');

const me = (presence: LightSource['presence'], unheard: number | null): LightSource => ({
  presence,
  ownDiversion: null,
  messages: [],
  ...(unheard === null ? {} : { voicemail: { unheard } }),
});

t('AS-5: unheard voicemail blinks the colour that is lit; heard (0) or none reported does not', () => {
  assert.equal(lightFor(me('available', 2)), { rgb: COLORS.green, blink: true });
  assert.equal(lightFor(me('in-meeting', 1)), { rgb: COLORS.magenta, blink: true });
  assert.equal(lightFor(me('available', 0)), { rgb: COLORS.green, blink: false });
  assert.equal(lightFor(me('available', null)), { rgb: COLORS.green, blink: false });
});

t('AS-5: nothing blinks when the light is off (off-hours, absent)', () => {
  assert.equal(lightFor(me('off-hours', 3)), OFF);
  assert.equal(lightFor(me('absent', 3)), OFF);
});

t.run();
