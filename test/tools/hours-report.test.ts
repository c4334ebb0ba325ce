import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Directory } from '../../broker/directory/directory.js';
import { atLocal } from '../../broker/policy/hours/zone.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { hoursJson, hoursReport } from '../../tools/cli/hours-report.js';

const t = suite('tools/hours-report');

const demo = Directory.parse(demoDirectory({ peoplePerDept: 2, kiosks: 0 }));

const small = Directory.parse({
  municipality: 'Testkommune',
  departments: [{ id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 09:00-15:00; PH off', web: null, digitalMail: true }],
  groups: [
    { id: 'familie-gruppe', name: 'Familie, fællesnummer', dept: 'familie', number: '1900', members: ['anna'] },
    { id: 'akut', name: 'Familie, akut', dept: 'familie', number: '1901', members: ['anna'], phoneHours: 'Mo-Su 08:00-22:00' },
  ],
  people: [{ id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001' }],
  devices: [],
});

t('PH-1: on a public holiday (Juledag) Borgerservice is closed, and the holiday is named', () => {
  const report = hoursReport(demo, 'borgerservice', atLocal('2024-12-25', '10:00'));
  const lines = report.split('\n');
  assert.is(lines[0], 'Borgerservice (borgerservice, afdeling)');
  assert.ok(lines.includes('Uge 52, 23. december - 29. december 2024:'), report);
  assert.match(report, /onsdag +25\. december +lukket \(Juledag\) +<- i dag/);
  assert.match(report, /torsdag +26\. december +lukket \(Anden juledag\)\n/);
  assert.match(report, /tirsdag +24\. december +8\.00-16\.00\n/);
  assert.match(report, /lørdag +28\. december +lukket\n/);
  assert.ok(lines.includes('Lukket nu, åbner fredag 27. december kl. 8.00'), report);
  assert.match(report, 'Du har ringet til Borgerservice uden for telefontiden. Vi åbner igen fredag kl. 8.00.');
});

t('PH-1: on the next workday Borgerservice has its Friday hours', () => {
  const report = hoursReport(demo, 'borgerservice', atLocal('2024-12-27', '10:00'));
  assert.match(report, /fredag +27\. december +8\.00-14\.00 +<- i dag/);
  assert.ok(report.split('\n').includes('Åben nu, lukker kl. 14.00'), report);
});

t('the report in English', () => {
  const report = hoursReport(demo, 'borgerservice', atLocal('2024-12-25', '10:00'), 'en');
  assert.match(report, /Wednesday +25 December +closed \(Christmas Day\) +<- today/);
  assert.match(report, 'Closed now, opens on Friday 27 December at 08:00');
  assert.match(report, 'Message outside phone hours (PH-2):');
  assert.match(report, 'You have called Borgerservice outside phone hours.');
});

t('PH-4: a group without its own hours uses its department\'s; one with its own uses those', () => {
  const inherited = hoursJson(small, 'familie-gruppe', atLocal('2025-03-15', '10:00'));
  assert.is(inherited.kind, 'group');
  assert.is(inherited.phoneHours, 'Mo-Fr 09:00-15:00; PH off');
  assert.is(inherited.ownHours, false);
  assert.is(inherited.openNow, false);
  assert.match(hoursReport(small, 'familie-gruppe', atLocal('2025-03-15', '10:00')), "Telefontid (afdelingens): Mo-Fr 09:00-15:00; PH off");
  const own = hoursJson(small, 'akut', atLocal('2025-03-15', '10:00'));
  assert.is(own.phoneHours, 'Mo-Su 08:00-22:00');
  assert.is(own.openNow, true);
  assert.is(own.status, 'Åben nu, lukker kl. 22.00');
  assert.is(own.outsideHoursMessage, 'Du har ringet til Familie, akut uden for telefontiden. Vi åbner igen i morgen kl. 8.00. Telefontid: mandag-søndag 8.00-22.00. Lukket på helligdage. Du kan også skrive til os med Digital Post.');
});

t('hoursJson: the same facts as a plain object', () => {
  const facts = hoursJson(demo, 'jobcenter', atLocal('2025-04-17', '10:00'));
  assert.is(facts.id, 'jobcenter');
  assert.is(facts.timezone, 'Europe/Copenhagen');
  assert.is(facts.at, '2025-04-17T08:00:00.000Z');
  assert.is(facts.openNow, false);
  assert.is(facts.nextChange, '2025-04-22T07:00:00.000Z');
  assert.is(facts.isoWeek, 16);
  assert.equal(facts.week.map((d) => d.date), ['2025-04-14', '2025-04-15', '2025-04-16', '2025-04-17', '2025-04-18', '2025-04-19', '2025-04-20']);
  assert.equal(facts.week[3], { date: '2025-04-17', weekday: 4, holiday: { name: 'Skærtorsdag', nameEn: 'Maundy Thursday' }, open: [], today: true });
  assert.equal(facts.week[2]!.open, [{ from: '09:00', to: '14:30' }]);
  assert.is(facts.summary, 'mandag-onsdag 9.00-14.30, torsdag 9.00-17.00, fredag 9.00-14.30');
  assert.equal(JSON.parse(JSON.stringify(facts)), facts);
});

t('an unknown id is refused with the valid ids', () => {
  assert.throws(() => hoursReport(small, 'nope', new Date()), (err: Error) => err.message === 'ukendt afdeling eller gruppe "nope". Afdelinger: familie. Grupper: familie-gruppe, akut.');
  assert.throws(() => hoursJson(small, 'nope', new Date(), 'en'), /unknown department or group "nope". Departments: familie/);
  assert.throws(() => hoursReport(demo, 'nope', new Date()), /Afdelinger: borgerservice, administration, .*, … \(15\)/);
});

t.run();
