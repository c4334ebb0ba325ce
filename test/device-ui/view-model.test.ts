import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadLang } from '../../device-ui/i18n/index.js';
import { deptPublicFixture } from '../support/fixtures.js';
import { DeviceView } from '../../protocol/index.js';
import {
  bridgeUrl,
  canTakeCalls,
  colleagueRows,
  connectionProblem,
  divertCandidate,
  ownDiversionState,
  parseRoute,
  receptionGroups,
} from '../../device-ui/view-model.js';
import { own, person, phoneView } from './fixtures.js';

// English is loaded on demand in the browser; these tests read it
await loadLang('en');

const t = suite('device-ui/view-model');

t('fixtures are valid DeviceViews', () => {
  const me = own(person('anna-holm'));
  assert.ok(DeviceView.safeParse(phoneView(me, [person('bo-berg')])).success);
});

t('route: phone and kiosk pages, language, bad addresses', () => {
  assert.equal(parseRoute('/phone/phone-anna', ''), { mode: 'phone', deviceId: 'phone-anna', lang: 'da' });
  assert.equal(parseRoute('/kiosk/kiosk-1/', '?lang=en'), { mode: 'kiosk', deviceId: 'kiosk-1', lang: 'en' });
  for (const bad of ['/', '/phone/', '/phone/a/b', '/tablet/x', '/phone/Anna', '/phone/%E0%A4%A', '/phone/a%2Fb']) {
    assert.is(parseRoute(bad, '').mode, 'invalid', bad);
  }
});

t('bridge URL: ws for http, wss for https, same host and port', () => {
  assert.is(bridgeUrl({ protocol: 'http:', host: '10.0.0.5:8080' }, '/bridge/phone-1'), 'ws://10.0.0.5:8080/bridge/phone-1');
  assert.is(bridgeUrl({ protocol: 'https:', host: 'omstil.kommune.dk' }, '/bridge/kiosk-1'), 'wss://omstil.kommune.dk/bridge/kiosk-1');
});

t('own diversion state: none, active, declined (DV-2: declined is not in force)', () => {
  const me = own(person('anna-holm'));
  assert.equal(ownDiversionState(null), { kind: 'none' });
  assert.equal(ownDiversionState(me), { kind: 'none' });
  const d = { to: 'bo-berg', toName: 'Bo Berg', since: '2025-10-24T08:00:00Z', until: null };
  assert.equal(ownDiversionState({ ...me, ownDiversion: { ...d, status: 'active' } }), { kind: 'active', to: 'bo-berg', toName: 'Bo Berg', until: null });
  assert.equal(ownDiversionState({ ...me, ownDiversion: { ...d, status: 'declined' } }), { kind: 'declined', to: 'bo-berg', toName: 'Bo Berg' });
});

t('DV-4: absent and off-hours cannot take calls', () => {
  assert.ok(canTakeCalls('available'));
  assert.ok(canTakeCalls('on-call'));
  assert.ok(canTakeCalls('in-meeting'));
  assert.ok(canTakeCalls('away'));
  assert.not.ok(canTakeCalls('absent'));
  assert.not.ok(canTakeCalls('off-hours'));
  // DV-4: outside phone hours myself, a colleague outside theirs is offered (the hub checks their hours against mine)
  assert.ok(canTakeCalls('off-hours', 'off-hours'));
  assert.not.ok(canTakeCalls('absent', 'off-hours'));
});

t('DV-1: the big button offers the first preferred colleague who can answer', () => {
  const me = own(person('anna-holm'));
  const people = [
    person('bo-berg', { presence: 'absent' }),
    person('carl-dahl', { diversion: { to: 'anna-holm', toName: 'Anna Holm', until: null } }),
    person('dorte-eriksen', { presence: 'off-hours' }),
    person('emil-fog', { presence: 'on-call' }),
    person('frida-gram'),
  ];
  const view = phoneView(me, people, { preferred: ['anna-holm', 'ghost', 'bo-berg', 'carl-dahl', 'dorte-eriksen', 'emil-fog', 'frida-gram'] });
  // skipped: myself, not in view, absent, diverted back to me (cycle), off-hours
  assert.is(divertCandidate(view)?.personId, 'emil-fog');
  assert.is(divertCandidate({ ...view, preferred: ['bo-berg'] }), null);
  assert.is(divertCandidate({ ...view, me: null }), null);
});

t('DV-2: after a decline the button offers the next preferred colleague', () => {
  const me = own(person('anna-holm'), {
    ownDiversion: { to: 'bo-berg', toName: 'Bo Berg', since: '2025-10-24T08:00:00Z', until: null, status: 'declined' },
  });
  const view = phoneView(me, [person('bo-berg'), person('carl-dahl')], { preferred: ['bo-berg', 'carl-dahl'] });
  assert.is(divertCandidate(view)?.personId, 'carl-dahl');
});

t('colleague list: preferred first in directory order, then by Danish name order, never me', () => {
  const me = own(person('anna-holm'), {
    ownDiversion: { to: 'ole-aagaard', toName: 'Ole Aagaard', since: '2025-10-24T08:00:00Z', until: null, status: 'active' },
  });
  const view = phoneView(me, [person('zelma-ro'), person('aase-ek', { name: 'Åse Ek' }), person('ole-aagaard'), person('bo-berg'), person('carl-dahl')], {
    preferred: ['carl-dahl', 'ole-aagaard'],
  });
  const rows = colleagueRows(view);
  assert.equal(
    rows.map((r) => r.person.personId),
    ['carl-dahl', 'ole-aagaard', 'bo-berg', 'zelma-ro', 'aase-ek'], // Å sorts last in Danish
  );
  assert.equal(
    rows.map((r) => r.preferred),
    [true, true, false, false, false],
  );
  assert.equal(
    rows.filter((r) => r.isMyTarget).map((r) => r.person.personId),
    ['ole-aagaard'],
  );
});

t('reception: grouped by department name, people by name, unknown departments last, empty ones left out', () => {
  const view: DeviceView = {
    ...phoneView(null, [
      person('bo-berg', { deptId: 'familie', extension: null }),
      person('anna-holm', { deptId: 'familie', extension: null }),
      person('carl-dahl', { deptId: 'borgerservice' }),
      person('dorte-eriksen', { deptId: 'gone' }),
    ]),
    kind: 'kiosk',
    depts: [
      deptPublicFixture({ deptId: 'familie', name: 'Familieafdelingen', phoneHours: 'Mo-Fr 08:00-14:00', sensitive: true }),
      deptPublicFixture({ deptId: 'borgerservice', name: 'Borgerservice' }),
      deptPublicFixture({ deptId: 'teknik', name: 'Teknik' }),
    ],
  };
  const groups = receptionGroups(view);
  assert.equal(
    groups.map((g) => [g.deptId, g.people.map((p) => p.personId)]),
    [
      ['borgerservice', ['carl-dahl']],
      ['familie', ['anna-holm', 'bo-berg']],
      [null, ['dorte-eriksen']],
    ],
  );
});

t('PR-2: the reception board is built from public people only, never from a reason', () => {
  const me = own(person('anna-holm', { presence: 'absent' }), { absenceReason: 'Sygdom' });
  const view = phoneView(me, [person('bo-berg')]);
  const shown = JSON.stringify(receptionGroups({ ...view, people: view.people.filter((p) => p.personId !== 'anna-holm').concat(person('anna-holm', { presence: 'absent' })) }));
  assert.not.ok(shown.includes('Sygdom'));
  assert.not.ok(shown.includes('absenceReason'));
});

t('connection banner: silent on first connect, shown when the bridge or the hub is down', () => {
  const view = phoneView(own(person('anna-holm')), []);
  assert.is(connectionProblem({ linkUp: false, failures: 0 }, null), null, 'first connection in progress');
  assert.equal(connectionProblem({ linkUp: false, failures: 1 }, null), { asOf: null }, 'never reached the firmware');
  assert.is(connectionProblem({ linkUp: true, failures: 0 }, view), null);
  assert.equal(connectionProblem({ linkUp: false, failures: 1 }, view), { asOf: view.asOf }, 'bridge lost, old data shown');
  assert.equal(connectionProblem({ linkUp: true, failures: 0 }, { ...view, connected: false }), { asOf: view.asOf }, 'hub lost');
});

t.run();
