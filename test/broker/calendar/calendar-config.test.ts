/** The calendars file (PR-3): checked against the directory, secrets only by environment variable name. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CaldavCalendar } from '../../../broker/calendar/caldav-calendar.js';
import { CalendarConfigError, createCalendarSources, readCalendarSpecs } from '../../../broker/calendar/calendar-config.js';
import { GraphCalendar } from '../../../broker/calendar/graph-calendar.js';
import { IcsCalendar } from '../../../broker/calendar/ics-calendar.js';
import { Directory } from '../../../broker/directory/directory.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';
import { tempDir } from '../../support/system.js';

const t = suite('broker/calendar/calendar-config');
const dir = Directory.parse(demoDirectory({ peoplePerDept: 2, kiosks: 0 }));
const [anna, bo] = dir.data.people;
let tmp: string;
t.before(() => void (tmp = tempDir()));
t.after(() => rmSync(tmp, { recursive: true, force: true }));

const write = (content: unknown) => {
  const file = path.join(tmp, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};

t('PR-3: a valid file gives one adapter per calendar, secrets from the environment', () => {
  const specs = readCalendarSpecs(
    write({
      calendars: [
        { kind: 'caldav', id: 'a-dav', person: anna!.id, url: 'https://dav.example.dk/anna/kalender/', username: 'anna', passwordEnv: 'DAV_ANNA' },
        { kind: 'ics', id: 'b-ics', person: bo!.id, url: 'https://outlook.example/cal.ics' },
        { kind: 'graph', id: 'a-m365', person: anna!.id, user: 'anna@kommune.dk', tokenEnv: 'GRAPH_TOKEN' },
      ],
    }),
    dir,
  );
  const sources = createCalendarSources(specs, { DAV_ANNA: 'hemmelig', GRAPH_TOKEN: 'token' });
  assert.instance(sources[0], CaldavCalendar);
  assert.instance(sources[1], IcsCalendar);
  assert.instance(sources[2], GraphCalendar);
  assert.equal(sources.map((s) => [s.id, s.personId]), [['a-dav', anna!.id], ['b-ics', bo!.id], ['a-m365', anna!.id]]);
  assert.throws(() => createCalendarSources(specs, {}), /DAV_ANNA is not set/);
});

t('every problem is listed with its path: unknown person, duplicate id, bad kind, url and file both, a password in the file', () => {
  const file = write({
    calendars: [
      { kind: 'ics', id: 'x', person: 'ghost', url: 'https://a.example/x.ics' },
      { kind: 'ics', id: 'x', person: anna!.id, url: 'https://a.example/y.ics', file: '/tmp/y.ics' },
    ],
  });
  try {
    readCalendarSpecs(file, dir);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, CalendarConfigError);
    const msg = (err as Error).message;
    assert.match(msg, 'calendars.0.person: unknown person "ghost" (RT-1)');
    assert.match(msg, 'calendars.1.id: duplicate id "x"');
    assert.match(msg, 'calendars.1: give exactly one of url and file');
  }
  assert.throws(() => readCalendarSpecs(write({ calendars: [{ kind: 'exchange', id: 'x', person: anna!.id }] }), dir), /calendars\.0\.kind/);
  assert.throws(() => readCalendarSpecs(write({ calendars: [{ kind: 'caldav', id: 'x', person: anna!.id, url: 'https://d.example/', password: 'plain' }] }), dir), /password/);
  assert.throws(() => readCalendarSpecs(write('{ not json'), dir), /calendars file .*JSON/);
});

t.run();
