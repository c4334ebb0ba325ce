import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadLang } from '../../device-ui/i18n/index.js';
import { ERROR_CODES, Presence } from '../../protocol/index.js';
import { ERROR_RULES, LANGS, errorText, langFromSearch, msg, presenceName } from '../../device-ui/i18n/index.js';

// English is loaded on demand in the browser; these tests read it
await loadLang('en');

const t = suite('device-ui/i18n');

t('Danish by default, English only with ?lang=en', () => {
  assert.is(langFromSearch(''), 'da');
  assert.is(langFromSearch('?lang=en'), 'en');
  assert.is(langFromSearch('?lang=de'), 'da');
  assert.is(langFromSearch('?x=1&lang=en'), 'en');
});

t('PR-1: every presence has a Danish and an English name', () => {
  for (const lang of LANGS) {
    for (const p of Presence.options) {
      const name = presenceName(p, lang);
      assert.ok(name.trim().length > 0, `${lang} ${p}`);
      assert.is.not(name, p, `${lang} ${p} must not show the raw code`);
    }
  }
});

t('PR-1: the Danish presence names', () => {
  assert.equal(msg('da').presence, {
    available: 'Ledig',
    'on-call': 'I telefon',
    'in-meeting': 'I møde',
    away: 'Kort fravær',
    absent: 'Fraværende',
    'off-hours': 'Uden for telefontid',
  });
});

t('every error code has a Danish and an English sentence without the raw code', () => {
  for (const lang of LANGS) {
    for (const code of ERROR_CODES) {
      const text = errorText({ code }, lang);
      assert.ok(text.length > 10, `${lang} ${code}`);
      assert.not.ok(text.includes(code), `${lang} ${code} shows its code: ${text}`);
      assert.ok(/[.!]$/.test(text), `${lang} ${code} is a sentence: ${text}`);
    }
  }
});

t('error sentences name the rule they enforce', () => {
  for (const lang of LANGS) {
    for (const [code, rule] of Object.entries(ERROR_RULES)) {
      assert.ok(errorText({ code }, lang).includes(`(${rule})`), `${lang} ${code} names ${rule}`);
    }
  }
  assert.ok(errorText({ code: 'switchboard-diversion' }, 'da').startsWith('Du kan ikke viderestille til Omstillingen (DV-3)'));
  assert.ok(errorText({ code: 'switchboard-diversion' }, 'en').includes('switchboard (DV-3)'));
  assert.ok(errorText({ code: 'diversion-cycle' }, 'da').includes('(DV-4)'));
  assert.ok(errorText({ code: 'not-diverted-to-you' }, 'da').includes('(DV-2)'));
});

t('the hub rule is named when the code has none of its own; junk rules are not shown', () => {
  assert.ok(errorText({ code: 'invalid-payload', rule: 'DV-6' }, 'da').includes('(DV-6)'));
  assert.not.ok(errorText({ code: 'invalid-payload', rule: '<b>x</b>' }, 'da').includes('<b>'));
  assert.ok(errorText({ code: 'switchboard-diversion', rule: 'XX-9' }, 'da').includes('(DV-3)'));
});

t('DV-4: the hub\'s own text (who, until when, who instead) is shown in the screen\'s language, with the rule', () => {
  const err = { code: 'target-unavailable', rule: 'DV-4', text: { da: 'Bo Berg er fraværende til mandag kl. 8.00. Prøv Carl Dahl.', en: 'Bo Berg is absent until Monday at 08:00. Try Carl Dahl.' } };
  assert.is(errorText(err, 'da'), 'Bo Berg er fraværende til mandag kl. 8.00. Prøv Carl Dahl (DV-4).');
  assert.is(errorText(err, 'en'), 'Bo Berg is absent until Monday at 08:00. Try Carl Dahl (DV-4).');
  // a blank hub text falls back to the screen's own sentence for the code
  assert.ok(errorText({ ...err, text: { da: ' ', en: '' } }, 'da').startsWith('Kollegaen kan ikke tage dine opkald nu'));
});

t('an unknown code reads as the internal-error sentence, never as the code', () => {
  const text = errorText({ code: 'kaboom' }, 'da');
  assert.is(text, errorText({ code: 'internal' }, 'da'));
  assert.not.ok(text.includes('kaboom'));
});

t('timeout says 10 seconds', () => {
  assert.ok(errorText({ code: 'timeout' }, 'da').includes('10 sekunder'));
  assert.ok(errorText({ code: 'timeout' }, 'en').includes('10 seconds'));
});

t('both languages fill every text', () => {
  const walk = (obj: object, path: string): string[] =>
    Object.entries(obj).flatMap(([k, v]) => (typeof v === 'object' && v ? walk(v, `${path}.${k}`) : [`${path}.${k}:${typeof v}`]));
  const da = walk(msg('da'), '').sort();
  const en = walk(msg('en'), '').sort();
  assert.equal(da, en);
  for (const lang of LANGS) {
    for (const [k, v] of Object.entries(msg(lang))) {
      if (typeof v === 'string') assert.ok(v.trim().length > 0, `${lang}.${k}`);
    }
  }
});

t('DV-1/DV-2 texts', () => {
  const da = msg('da');
  assert.is(da.divertTo('Bo Berg'), 'Viderestil til Bo Berg');
  assert.is(da.undivert, 'Fjern viderestilling');
  assert.is(da.divertHere, 'Viderestil hertil');
  assert.is(da.incoming('Anna Holm'), 'Opkald til Anna Holm kommer nu til dig');
  assert.is(da.decline, 'Afvis');
  assert.is(da.ownDiversionDeclined('Bo Berg'), 'Afvist af Bo Berg');
  assert.is(da.divertedTo('Bo Berg'), 'Viderestillet til Bo Berg');
  assert.is(da.connectionLost, 'Forbindelse afbrudt');
});

t.run();
