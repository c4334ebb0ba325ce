/**
 * The sync engine with stand-in sources (the adapters have their own tests against Radicale,
 * a fake Graph and real HTTP): one calendar failing never stops the others (PR-3), broken
 * entries are reported per calendar, and what the plans decide goes through applyCommand.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CalendarSync, type CalendarHub } from '../../../broker/calendar/calendar-sync.js';
import { CalendarError, type CalendarChanges, type CalendarSource } from '../../../broker/calendar/calendar-source.js';
import { Directory } from '../../../broker/directory/directory.js';
import { applyCommand, type Actor, type Command } from '../../../broker/policy/commands.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import type { DeptRecord } from '../../../broker/state/dept-record.js';
import { initialRecord, type PersonRecord } from '../../../broker/state/person-record.js';
import { memoryLogger } from '../../../protocol/index.js';

const t = suite('broker/calendar/calendar-sync');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [{ id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-16:00' }],
  people: [
    { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001', preferred: ['bo'] },
    { id: 'bo', name: 'Bo Berg', dept: 'familie', extension: '1002' },
  ],
  devices: [],
});

class FakeHub implements CalendarHub {
  readonly people = new Map<string, PersonRecord>();
  readonly depts = new Map<string, DeptRecord>();
  readonly log: { actor: Actor; cmd: Command }[] = [];
  constructor(public at: Date) {
    for (const id of dir.people.keys()) this.people.set(id, initialRecord(id, at));
  }
  get state(): PolicyState {
    return { dir, people: this.people, depts: this.depts };
  }
  now(): Date {
    return this.at;
  }
  execute(actor: Actor, cmd: Command): unknown {
    const out = applyCommand(this.state, actor, cmd, this.at);
    for (const r of out.people) this.people.set(r.personId, r);
    this.log.push({ actor, cmd });
    return out.data;
  }
}

const meeting = (uid: string, start: string, end: string) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261120T000000Z', `DTSTART:${start}`, `DTEND:${end}`, 'SUMMARY:Møde', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');

function source(id: string, personId: string, sync: () => Promise<CalendarChanges>): CalendarSource {
  return { id, personId, kind: 'ics', sync };
}

t('PR-3: a calendar that fails is reported on its own; the others keep syncing and drive presence', async () => {
  const hub = new FakeHub(new Date('2026-11-23T09:30:00Z'));
  let calls = 0;
  const sources = [
    source('broken', 'bo', async () => {
      calls++;
      throw new CalendarError('broken', 'http', 'server answered 500');
    }),
    source('buggy', 'bo', async () => {
      throw new TypeError('a bug in an adapter');
    }),
    source('good', 'anna', async () => ({ full: true, items: [{ id: 'm1', format: 'ical', data: meeting('m1', '20261123T090000Z', '20261123T100000Z') }], removed: [], bytes: 200 })),
  ];
  const logger = memoryLogger('debug');
  const sync = new CalendarSync({ hub, sources, logger });
  await sync.syncAll();
  sync.tick();
  const status = Object.fromEntries(sync.status().map((s) => [s.id, s]));
  assert.equal(status.broken!.error, { code: 'http', message: 'server answered 500' });
  assert.is(status.buggy!.error!.code, 'http');
  assert.equal([status.good!.error, status.good!.items, status.good!.bytesReceived], [null, 1, 200]);
  assert.is(hub.people.get('anna')!.presence, 'in-meeting');
  assert.is(hub.log[0]!.actor.source, 'calendar');
  // the broken one is tried again next round, and its error is logged once, not every round
  await sync.syncAll();
  assert.is(calls, 2);
  assert.is(logger.records.filter((r) => r.msg === 'calendar sync failed' && r.calendar === 'broken').length, 1);
  await sync.stop();
});

t('PR-3: broken entries and endless recurrences are bounded and reported with their calendar; good entries still count', async () => {
  const hub = new FakeHub(new Date('2026-11-23T09:30:00Z'));
  const secondly = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:spam', 'DTSTAMP:20261120T000000Z', 'DTSTART:20261101T000000Z', 'DURATION:PT1S', 'RRULE:FREQ=SECONDLY', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
  const items = [
    { id: 'spam', format: 'ical' as const, data: secondly },
    { id: 'junk', format: 'ical' as const, data: 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:nonsense' },
    { id: 'm1', format: 'ical' as const, data: meeting('m1', '20261123T090000Z', '20261123T100000Z') },
  ];
  const sync = new CalendarSync({ hub, sources: [source('mixed', 'anna', async () => ({ full: true, items, removed: [], bytes: 1 }))], logger: memoryLogger('warn') });
  const t0 = Date.now();
  await sync.syncAll();
  sync.tick();
  assert.ok(Date.now() - t0 < 5000, 'bounded');
  assert.ok(sync.status()[0]!.problems.length >= 1, JSON.stringify(sync.status()[0]!.problems));
  assert.is(hub.people.get('anna')!.presence, 'in-meeting', 'the good entry still counts');
  await sync.stop();
});

t('PR-3: changes replace items and removals delete them; a person without a calendar is left alone', async () => {
  const hub = new FakeHub(new Date('2026-11-23T09:30:00Z'));
  let round = 0;
  const src = source('cal', 'anna', async () => {
    round++;
    if (round === 1) return { full: true, items: [{ id: 'm1', format: 'ical', data: meeting('m1', '20261123T090000Z', '20261123T100000Z') }], removed: [], bytes: 1 };
    return { full: false, items: [], removed: ['m1'], bytes: 1 };
  });
  const sync = new CalendarSync({ hub, sources: [src], logger: memoryLogger('warn') });
  await sync.syncAll();
  sync.tick();
  assert.is(hub.people.get('anna')!.presence, 'in-meeting');
  await sync.syncAll();
  sync.tick();
  assert.is(hub.people.get('anna')!.presence, 'available');
  assert.is(hub.people.get('bo')!.rev, 0, 'bo has no calendar: nothing done to him');
  await sync.stop();
});

t.run();
