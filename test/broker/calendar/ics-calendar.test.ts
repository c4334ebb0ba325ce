/**
 * ICS feeds and files as calendar sources (PR-3): a real HTTP feed on loopback with ETags,
 * a file on disk, and broken input that is reported, never thrown.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CalendarError } from '../../../broker/calendar/calendar-source.js';
import { IcsCalendar } from '../../../broker/calendar/ics-calendar.js';
import { tempDir } from '../../support/system.js';

const t = suite('broker/calendar/ics-calendar');

const event = (uid: string, start: string, summary = 'Møde') =>
  ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261120T120000Z', `DTSTART:${start}`, 'DURATION:PT1H', `SUMMARY:${summary}`, 'END:VEVENT'].join('\r\n');
const calendar = (...events: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...events, 'END:VCALENDAR', ''].join('\r\n');
const window = { from: new Date('2026-11-22T00:00:00Z'), to: new Date('2026-12-07T00:00:00Z') };

let body = calendar(event('a', '20261123T090000Z'), event('b', '20261124T090000Z'));
let status = 200;
const requests: { ifNoneMatch: string | undefined }[] = [];
let server: Server;
let url: string;

t.before(async () => {
  server = createServer((req, res) => {
    requests.push({ ifNoneMatch: req.headers['if-none-match'] as string | undefined });
    const etag = `"${Buffer.from(body).length}-${body.length % 97}"`;
    if (status !== 200) {
      res.writeHead(status).end('nej');
      return;
    }
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/calendar', etag }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/calendar.ics`;
});
t.after(() => new Promise<void>((r) => server.close(() => r())));

t('PR-3: a feed syncs in full first, then costs a 304 while unchanged, then reports only what changed', async () => {
  const feed = new IcsCalendar({ id: 'feed', personId: 'anna', url });
  const first = await feed.sync(window);
  assert.is(first.full, true);
  assert.equal(first.items.map((i) => i.id).sort(), ['a', 'b']);
  assert.ok(first.bytes > 100);
  const same = await feed.sync(window);
  assert.equal([same.full, same.items, same.removed, same.bytes], [false, [], [], 0]);
  assert.ok(requests.at(-1)!.ifNoneMatch, 'the second request carried the ETag');
  body = calendar(event('a', '20261123T100000Z', 'Flyttet'), event('c', '20261125T090000Z'));
  const changed = await feed.sync(window);
  assert.equal([changed.full, changed.items.map((i) => i.id).sort(), changed.removed], [false, ['a', 'c'], ['b']]);
});

t('PR-3: broken entries are reported and skipped; the rest of the feed still counts', async () => {
  body = calendar(event('ok', '20261123T090000Z'), 'BEGIN:VEVENT\r\nSUMMARY:ingen UID eller start\r\nEND:VEVENT');
  const feed = new IcsCalendar({ id: 'feed', personId: 'anna', url });
  const r = await feed.sync(window);
  assert.equal(r.items.map((i) => i.id), ['ok']);
  assert.ok((r.problems ?? []).length >= 1, 'the broken entry is reported');
  body = 'this is not a calendar at all';
  const junk = await new IcsCalendar({ id: 'junk', personId: 'anna', url }).sync(window);
  assert.equal(junk.items, []);
  assert.ok((junk.problems ?? []).length === 1);
});

t('a feed that fails is a CalendarError with a code: http, auth, unreachable, timeout', async () => {
  status = 500;
  await rejects(new IcsCalendar({ id: 'feed', personId: 'anna', url }).sync(window), 'http');
  status = 403;
  await rejects(new IcsCalendar({ id: 'feed', personId: 'anna', url }).sync(window), 'auth');
  status = 200;
  await rejects(new IcsCalendar({ id: 'feed', personId: 'anna', url: 'http://127.0.0.1:9/x.ics' }).sync(window), 'unreachable');
  const silent = createServer(() => {}); // never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const port = (silent.address() as AddressInfo).port;
    await rejects(new IcsCalendar({ id: 'slow', personId: 'anna', url: `http://127.0.0.1:${port}/x.ics`, timeoutMs: 200 }).sync(window), 'timeout');
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});

t('PR-3: an exported .ics file is re-read only when it changed', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'outlook.ics');
    writeFileSync(file, calendar(event('x', '20261123T090000Z')));
    const cal = new IcsCalendar({ id: 'file', personId: 'anna', file });
    assert.equal((await cal.sync(window)).items.map((i) => i.id), ['x']);
    assert.equal((await cal.sync(window)).items, []);
    writeFileSync(file, calendar(event('x', '20261123T090000Z'), event('y', '20261126T090000Z', 'Nyt møde')));
    const next = await cal.sync(window);
    assert.equal([next.items.map((i) => i.id), next.removed], [['y'], []]);
    await rejects(new IcsCalendar({ id: 'gone', personId: 'anna', file: path.join(dir, 'nope.ics') }).sync(window), 'unreachable');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, CalendarError);
    assert.is((err as CalendarError).code, code, (err as Error).message);
    return;
  }
  assert.unreachable(`expected CalendarError ${code}`);
}

t.run();
