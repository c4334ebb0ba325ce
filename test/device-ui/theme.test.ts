import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Presence } from '../../protocol/index.js';
import { PRESENCE_COLORS, UI_COLORS, contrast } from '../../device-ui/theme.js';

const t = suite('device-ui/theme');

t('contrast formula: black on white is 21, equal colours 1', () => {
  assert.is(Math.round(contrast('#000000', '#ffffff')), 21);
  assert.is(contrast('#777777', '#777777'), 1);
});

t('AA: every presence badge has at least 4.5:1', () => {
  for (const p of Presence.options) {
    const { fg, bg } = PRESENCE_COLORS[p];
    assert.ok(contrast(fg, bg) >= 4.5, `${p}: ${contrast(fg, bg).toFixed(2)}`);
  }
});

t('AA: every UI text colour pair has at least 4.5:1', () => {
  for (const [name, { fg, bg }] of Object.entries(UI_COLORS)) {
    assert.ok(contrast(fg, bg) >= 4.5, `${name}: ${contrast(fg, bg).toFixed(2)}`);
  }
  // text drawn on other surfaces than its own pair
  assert.ok(contrast(UI_COLORS.muted.fg, UI_COLORS.page.bg) >= 4.5, 'muted text on the page');
  assert.ok(contrast(UI_COLORS.primary.bg, UI_COLORS.card.bg) >= 4.5, 'secondary button text on a card');
  assert.ok(contrast(UI_COLORS.error.fg, UI_COLORS.card.bg) >= 4.5, 'error colour on a card');
});

t.run();
