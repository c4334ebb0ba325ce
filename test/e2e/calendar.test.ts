/**
 * DV-5 end to end against a real CalDAV server: a meeting created in Radicale for a person
 * makes their simulated phone offer the diversion before it starts, one press diverts for
 * exactly the meeting, and the diversion ends with it. A fake clock moves the day; Radicale,
 * MQTT, the hub, SQLite and the phones are real.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { CaldavCalendar } from '../../broker/calendar/caldav-calendar.js';
import { FakeClock } from '../../protocol/index.js';
import { makeCalendar, putEvent, startRadicale, type RadicaleServer } from '../support/radicale.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/calendar');
let radicale: RadicaleServer | null = null;
let sys: TestSystem;
let calendarUrl: string;
const clock = new FakeClock(Date.parse('2026-11-23T09:50:00+01:00')); // a Monday; Borgerservice answers 08:00-18:00
let A: string, B: string, extA: string, extB: string;

e2e.before(async () => {
  radicale = await startRadicale('calendar sync end to end');
  if (!radicale) return;
  calendarUrl = await makeCalendar(radicale.url, 'anna', 'kalender');
  const probe = await startSystem({ phones: 0, kiosks: 0 }); // to learn the demo's people
  const [, anna, bo] = probe.directory.data.people;
  await probe.stop();
  A = anna!.id;
  B = bo!.id;
  extA = anna!.extension;
  extB = bo!.extension;
  sys = await startSystem({ clock, calendarSources: [new CaldavCalendar({ id: 'anna-caldav', personId: A, url: calendarUrl })] });
  await waitFor(() => sys.fleet.core(`phone-${A}`).mirror.me, 'anna\'s phone to show her state');
});
e2e.after(async () => {
  await sys?.stop();
  await radicale?.stop();
});

const ics = (uid: string, start: string, end: string) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//omstil test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20261120T120000Z',
    `DTSTART;TZID=Europe/Copenhagen:${start}`,
    `DTEND;TZID=Europe/Copenhagen:${end}`,
    'SUMMARY:Sagsgennemgang med familien',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

e2e('DV-5: a Radicale meeting → the phone offers the diversion 5 minutes before, one press diverts for exactly the meeting, and it reverts at the end', async () => {
  if (!radicale) return;
  const phone = sys.fleet.core(`phone-${A}`);
  const calendars = sys.hub.calendars!;
  await putEvent(calendarUrl, 'moede-1', ics('moede-1', '20261123T100000', '20261123T110000'));
  await calendars.syncAll();
  calendars.tick();
  assert.equal(calendars.status()[0]!.error, null);
  assert.is(calendars.status()[0]!.items, 1);
  // IT sees each calendar's sync state through the admin API
  const token = readFileSync(sys.hub.adminTokenFile!, 'utf8').trim();
  const listed = (await (await fetch(`${sys.hub.api!.url}/calendars`, { headers: { authorization: `Bearer ${token}` } })).json()) as { id: string; items: number; lastOkAt: string | null }[];
  assert.equal(listed.map((c) => [c.id, c.items, c.lastOkAt !== null]), [['anna-caldav', 1, true]]);
  assert.is(phone.mirror.me!.meetingPrompt, null, 'ten minutes before: no offer yet');

  clock.set('2026-11-23T09:55:00+01:00');
  calendars.tick();
  const prompt = await waitFor(() => phone.mirror.me?.meetingPrompt, 'the phone to offer the diversion');
  assert.is(prompt.start, new Date('2026-11-23T10:00:00+01:00').toISOString());
  assert.is(prompt.end, new Date('2026-11-23T11:00:00+01:00').toISOString());
  assert.is(prompt.suggestion?.id, B, 'her preferred colleague');
  assert.not.match(JSON.stringify(sys.fleet.kiosks[0]!.mirror.view(true)), 'Sagsgennemgang', 'PR-2: the meeting title stays private');

  // the one press
  await phone.call('divert', { target: prompt.suggestion!.id, until: prompt.end });
  await waitFor(() => phone.mirror.me?.ownDiversion?.to === B && phone.mirror.me.meetingPrompt === null, 'diverted, and the offer gone');
  await waitFor(() => sys.pbx.forwardOf(extA) === extB, 'the PBX to have the forward');
  clock.set('2026-11-23T10:00:00+01:00');
  calendars.tick();
  await waitFor(() => sys.fleet.kiosks[0]!.mirror.people.get(A)?.presence === 'in-meeting', 'reception to see her in the meeting');
  assert.is(sys.fleet.kiosks[0]!.mirror.people.get(A)!.backAt, prompt.end, 'back-at from the calendar');
  assert.is(sys.pbx.call('citizen', extA).answeredBy, extB, 'a call during the meeting is answered by the colleague');

  clock.set('2026-11-23T11:00:00+01:00');
  calendars.tick();
  await waitFor(() => phone.mirror.me?.ownDiversion === null && phone.mirror.me.presence === 'available', 'the diversion to end with the meeting', 5000);
  await waitFor(() => sys.pbx.forwardOf(extA) === null, 'the PBX forward to be cleared');
  assert.is(sys.pbx.call('citizen', extA).answeredBy, extA, 'after the meeting calls ring her again');
});

e2e('PR-3: a calendar that cannot be read is reported on its own, and the hub keeps going', async () => {
  if (!radicale) return;
  const broken = new CaldavCalendar({ id: 'gone', personId: B, url: `${radicale.url}nobody/nothing/`, timeoutMs: 3000 });
  const { CalendarSync } = await import('../../broker/calendar/calendar-sync.js');
  const sync = new CalendarSync({ hub: sys.hub.hub, sources: [broken], logger: sys.logger, pollMs: 60_000 });
  await sync.syncAll();
  const [status] = sync.status();
  assert.ok(status!.error, 'the error is on the calendar');
  assert.ok(['http', 'unreachable'].includes(status!.error!.code), status!.error!.code);
  await sync.stop();
});

e2e.run();
