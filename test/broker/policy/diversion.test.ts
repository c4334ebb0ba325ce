import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Directory } from '../../../broker/directory/directory.js';
import { checkDiversion, type Decision } from '../../../broker/policy/diversion.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { initialRecord, type PersonRecord } from '../../../broker/state/person-record.js';

const t = suite('broker/policy/diversion');

const NOW = new Date('2026-11-23T09:00:00+01:00');

const person = (id: string, dept: string, extension: string, role: 'employee' | 'switchboard' = 'employee') => ({ id, name: id[0]!.toUpperCase() + id.slice(1), dept, extension, role });

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [
    { id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00' },
    // DV-3: this department has a registered agreement with the switchboard
    { id: 'borgerservice', name: 'Borgerservice', phoneHours: 'Mo-Fr 08:00-15:00', switchboardAgreement: true },
    { id: 'administration', name: 'Administration', phoneHours: 'Mo-Fr 08:00-15:00' },
  ],
  people: [
    person('anna', 'familie', '1001'),
    person('bo', 'familie', '1002'),
    person('carl', 'familie', '1003'),
    person('dora', 'familie', '1004'),
    person('emil', 'familie', '1005'),
    person('gert', 'borgerservice', '2001'),
    person('hanne', 'borgerservice', '2002'),
    person('omstillingen', 'administration', '89151515', 'switchboard'),
  ],
  devices: [],
});

/** Records with the given diversions in place: [from, to] or [from, to, 'declined']. */
function state(...diversions: [string, string, ('active' | 'declined')?][]): PolicyState {
  const m = new Map<string, PersonRecord>();
  for (const [from, to, status = 'active'] of diversions) {
    m.set(from, { ...initialRecord(from, NOW), rev: 1, diversion: { to, since: NOW.toISOString(), until: null, status, declinedBy: status === 'declined' ? to : null, source: 'phone' } });
  }
  return { dir, people: m, depts: new Map() };
}

function refused(d: Decision, code: string, rule: string): void {
  assert.is(d.ok, false, JSON.stringify(d));
  if (d.ok) return;
  assert.is(d.code, code);
  assert.is(d.rule, rule);
  assert.is(d.field, 'args.target');
  assert.ok(d.message.length > 0);
}

t('a plain diversion is allowed; the chain is the target', () => {
  assert.equal(checkDiversion(state(), 'anna', 'bo', NOW), { ok: true, chain: ['bo'] });
});

t('DV-4: a diversion to a diverted target follows the chain', () => {
  assert.equal(checkDiversion(state(['bo', 'carl']), 'anna', 'bo', NOW), { ok: true, chain: ['bo', 'carl'] });
});

t('DV-4: diverting to oneself is refused (self-diversion)', () => {
  refused(checkDiversion(state(), 'anna', 'anna', NOW), 'self-diversion', 'DV-4');
});

t('an unknown target is refused, naming args.target', () => {
  refused(checkDiversion(state(), 'anna', 'ghost', NOW), 'unknown-person', 'RT-1');
});

t('an unknown diverter is refused, naming the person, not the target', () => {
  const d = checkDiversion(state(), 'ghost', 'bo', NOW);
  assert.is(d.ok, false);
  if (!d.ok) {
    assert.is(d.code, 'unknown-person');
    assert.is(d.field, 'person');
  }
});

t('DV-3: diverting to the switchboard is refused without an agreement', () => {
  const d = checkDiversion(state(), 'anna', 'omstillingen', NOW);
  refused(d, 'switchboard-diversion', 'DV-3');
  if (!d.ok) assert.match(d.message, 'Omstillingen');
});

t('DV-3: … and refused when the switchboard is further down the chain', () => {
  refused(checkDiversion(state(['bo', 'omstillingen']), 'anna', 'bo', NOW), 'switchboard-diversion', 'DV-3');
});

t('DV-3: allowed when the diverter\'s department has a switchboard agreement', () => {
  assert.equal(checkDiversion(state(), 'gert', 'omstillingen', NOW), { ok: true, chain: ['omstillingen'] });
  // the agreement is the diverter's department's, not the middle person's
  assert.equal(checkDiversion(state(['anna', 'omstillingen']), 'gert', 'anna', NOW), { ok: true, chain: ['anna', 'omstillingen'] });
});

t('DV-4: A→B in force, then B→A is refused as a cycle', () => {
  refused(checkDiversion(state(['anna', 'bo']), 'bo', 'anna', NOW), 'diversion-cycle', 'DV-4');
});

t('DV-4: a longer cycle back to the diverter is refused', () => {
  refused(checkDiversion(state(['bo', 'carl'], ['carl', 'anna']), 'anna', 'bo', NOW), 'diversion-cycle', 'DV-4');
});

t('DV-4: a cycle further down the chain (not through the diverter) is refused, not followed forever', () => {
  refused(checkDiversion(state(['bo', 'carl'], ['carl', 'bo']), 'anna', 'bo', NOW), 'diversion-cycle', 'DV-4');
});

t(`DV-4: a chain of exactly ${dir.settings.maxHops} hops is allowed, ${dir.settings.maxHops + 1} is refused (chain-too-long)`, () => {
  assert.is(dir.settings.maxHops, 3);
  // anna → bo → carl → dora: three hops, the new one included
  assert.equal(checkDiversion(state(['bo', 'carl'], ['carl', 'dora']), 'anna', 'bo', NOW), { ok: true, chain: ['bo', 'carl', 'dora'] });
  // anna → bo → carl → dora → emil: four
  refused(checkDiversion(state(['bo', 'carl'], ['carl', 'dora'], ['dora', 'emil']), 'anna', 'bo', NOW), 'chain-too-long', 'DV-4');
});

t('DV-2: a declined diversion is not in force, so it is not followed', () => {
  // bo → carl was declined by carl: calls to bo stay with bo
  assert.equal(checkDiversion(state(['bo', 'carl', 'declined']), 'anna', 'bo', NOW), { ok: true, chain: ['bo'] });
  // and a declined diversion cannot close a cycle
  assert.equal(checkDiversion(state(['anna', 'bo', 'declined']), 'bo', 'anna', NOW), { ok: true, chain: ['anna'] });
  // nor lead to the switchboard
  assert.equal(checkDiversion(state(['bo', 'omstillingen', 'declined']), 'anna', 'bo', NOW), { ok: true, chain: ['bo'] });
});

t('DV-4: hops of calls already diverted to the diverter count too', () => {
  // emil → anna is in force; anna → bo → carl → dora would make emil's callers pass 4 phones
  refused(checkDiversion(state(['emil', 'anna'], ['bo', 'carl'], ['carl', 'dora']), 'anna', 'bo', NOW), 'chain-too-long', 'DV-4');
  // with one hop fewer downstream it is exactly 3 and allowed
  assert.equal(checkDiversion(state(['emil', 'anna'], ['bo', 'carl']), 'anna', 'bo', NOW), { ok: true, chain: ['bo', 'carl'] });
  // two people upstream in a row count as two hops
  refused(checkDiversion(state(['dora', 'emil'], ['emil', 'anna'], ['bo', 'carl']), 'anna', 'bo', NOW), 'chain-too-long', 'DV-4');
});

t('DV-3: calls already diverted to someone with an agreement may not reach the switchboard through them', () => {
  // anna (familie, no agreement) → gert (borgerservice, agreement); gert → omstillingen would send anna's calls there
  const d = checkDiversion(state(['anna', 'gert']), 'gert', 'omstillingen', NOW);
  refused(d, 'switchboard-diversion', 'DV-3');
  if (!d.ok) assert.match(d.text.da, 'Annas opkald går via Gert');
  // hanne (borgerservice, agreement) → gert is fine
  assert.equal(checkDiversion(state(['hanne', 'gert']), 'gert', 'omstillingen', NOW), { ok: true, chain: ['omstillingen'] });
});

t.run();
