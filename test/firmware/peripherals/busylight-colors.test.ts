import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COLORS, OFF, lightFor, sameLight, type LightSource, type LightState } from '../../../firmware/peripherals/busylight-colors.js';

const t = suite('firmware/peripherals/busylight-colors');

function me(presence: LightSource['presence'], patch: Partial<LightSource> = {}): LightSource {
  return { presence, ownDiversion: null, messages: [], ...patch };
}
const diverted = (status: 'active' | 'accepted' | 'declined' = 'accepted') => ({ ownDiversion: { status } });
const waiting = { messages: [{ status: 'acknowledged' as const }, { status: 'waiting' as const }] };
const steady = (rgb: LightState['rgb']): LightState => ({ rgb, blink: false });

t('no person (a kiosk, or nothing from the hub yet) is dark', () => {
  assert.equal(lightFor(null), OFF);
  assert.equal(lightFor(undefined, { onCall: true }), OFF);
});

t('each presence has its colour', () => {
  assert.equal(lightFor(me('available')), steady(COLORS.green));
  assert.equal(lightFor(me('on-call')), steady(COLORS.red));
  assert.equal(lightFor(me('in-meeting')), steady(COLORS.magenta));
  assert.equal(lightFor(me('away')), steady(COLORS.yellow));
  assert.equal(lightFor(me('absent')), OFF);
  assert.equal(lightFor(me('off-hours')), OFF);
});

t('a diversion in force is blue over available, away and absent (DV-1); a declined one is not in force (DV-2)', () => {
  assert.equal(lightFor(me('available', diverted('active'))), steady(COLORS.blue));
  assert.equal(lightFor(me('away', diverted())), steady(COLORS.blue));
  assert.equal(lightFor(me('absent', diverted())), steady(COLORS.blue));
  assert.equal(lightFor(me('available', diverted('declined'))), steady(COLORS.green));
});

t('on a call or in a meeting shows that over a diversion; off-hours stays dark', () => {
  assert.equal(lightFor(me('on-call', diverted())), steady(COLORS.red));
  assert.equal(lightFor(me('in-meeting', diverted())), steady(COLORS.magenta));
  assert.equal(lightFor(me('off-hours', diverted())), OFF);
});

t('a waiting message blinks the colour that is lit (AS-1); acknowledged ones do not', () => {
  assert.equal(lightFor(me('available', waiting)), { rgb: COLORS.green, blink: true });
  assert.equal(lightFor(me('on-call', waiting)), { rgb: COLORS.red, blink: true });
  assert.equal(lightFor(me('available', { ...diverted(), ...waiting })), { rgb: COLORS.blue, blink: true });
  assert.equal(lightFor(me('available', { messages: [{ status: 'acknowledged' }, { status: 'done' }] })), steady(COLORS.green));
  // nothing blinks at an empty desk
  assert.equal(lightFor(me('off-hours', waiting)), OFF);
  assert.equal(lightFor(me('absent', waiting)), OFF);
});

t('a headset off its hook is on-call before the hub says so', () => {
  assert.equal(lightFor(me('available'), { onCall: true }), steady(COLORS.red));
  assert.equal(lightFor(me('available', diverted()), { onCall: true }), steady(COLORS.red));
  assert.equal(lightFor(me('available'), { onCall: false }), steady(COLORS.green));
});

t('sameLight compares colour and blink', () => {
  assert.ok(sameLight({ rgb: [1, 2, 3], blink: false }, { rgb: [1, 2, 3], blink: false }));
  assert.not.ok(sameLight({ rgb: [1, 2, 3], blink: false }, { rgb: [1, 2, 4], blink: false }));
  assert.not.ok(sameLight({ rgb: [1, 2, 3], blink: false }, { rgb: [1, 2, 3], blink: true }));
});

t.run();
