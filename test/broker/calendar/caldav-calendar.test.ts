import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { CaldavCalendar } from '../../../broker/calendar/caldav-calendar.js';
import { CalendarError, type CalendarChanges, type CalendarItem } from '../../../broker/calendar/calendar-source.js';
import { findBinary, needBinary } from '../../support/system-deps.js';
import { withServer } from '../../support/http-server.js';
import { deleteEvent, makeCalendar, putEvent, sampleDescription, sampleEventIcs, startRadicale, type RadicaleServer } from '../../support/radicale.js';

const t = suite('broker/calendar/caldav-calendar');

const WINDOW = { from: new Date('2026-11-23T00:00:00+01:00'), to: new Date('2026-12-07T00:00:00+01:00') };
const EVENTS = 40;

let server: RadicaleServer | null = null;
let calUrl = '';
/** href → iCalendar text, as put */
const put = new Map<string, string>();

const skipped = () => {
  if (server) return false;
  needBinary('radicale', 'radicale', 'CalDAV test against Radicale');
  return true;
};

const event = (i: number, sequence = 0, summary = `Møde ${i}`, uid = `ev-${i}`) =>
  sampleEventIcs({ uid, start: `202611${String(23 + (i % 5)).padStart(2, '0')}T${String(8 + (i % 8)).padStart(2, '0')}0000`, end: `202611${String(23 + (i % 5)).padStart(2, '0')}T${String(9 + (i % 8)).padStart(2, '0')}0000`, summary, sequence, description: sampleDescription(i * 31 + sequence) });

async function newCalendar(name: string, count: number): Promise<string> {
  const url = await makeCalendar(server!.url, 'anna', name);
  for (let i = 0; i < count; i++) put.set(await putEvent(url, `ev-${i}`, event(i)), event(i));
  return url;
}

const caldav = (url: string, extra: Partial<ConstructorParameters<typeof CaldavCalendar>[0]> = {}) => new CaldavCalendar({ id: 'caldav-anna', personId: 'anna', url, ...extra });

/** The item's UID (the server may reorder the lines it stores). */
const uidOf = (item: CalendarItem) => (item.format === 'ical' ? /^UID:(.*)$/m.exec(item.data)?.[1]?.trim() : undefined);
const ids = (c: CalendarChanges) => c.items.map((i) => i.id).sort();

/** A multistatus as a server sends it, and one item in it. */
const multistatus = (inner: string) => `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">${inner}</d:multistatus>`;
const itemXml = (href: string, uid: string) => `<d:response><d:href>${href}</d:href><d:propstat><d:prop><c:calendar-data>BEGIN:VCALENDAR\r\nUID:${uid}\r\nEND:VCALENDAR</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;

async function rejects(p: Promise<unknown>): Promise<CalendarError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, CalendarError, `not a CalendarError: ${String(err)}`);
    return err as CalendarError;
  }
  assert.unreachable('expected the sync to fail');
  throw new Error('unreachable');
}

t.before(async () => {
  // each test says it is skipped (see skipped()), so the run counts them
  server = findBinary('radicale') ? await startRadicale() : null;
  if (server) calUrl = await newCalendar('kalender', EVENTS);
});

t.after(async () => {
  await server?.stop();
});

t('PR-3: the first sync returns every event of the CalDAV calendar (full: true) as iCalendar', async () => {
  if (skipped()) return;
  const cal = caldav(calUrl);
  const first = await cal.sync(WINDOW);
  assert.is(first.full, true);
  assert.equal(first.removed, []);
  assert.is(first.items.length, EVENTS);
  assert.equal(ids(first), [...put.keys()].sort(), 'item id = the href');
  for (const item of first.items) {
    assert.is(item.format, 'ical');
    if (item.format !== 'ical') continue;
    assert.match(item.data, /^BEGIN:VCALENDAR\r?\n/);
    assert.match(item.data, /END:VCALENDAR\r?\n$/);
    assert.is(uidOf(item), /ev-\d+\.ics$/.exec(item.id)![0].replace('.ics', ''));
    assert.match(item.data, /LOCATION:Rådhuset\\, mødelokale 2/, 'text survives the XML round trip');
  }
  assert.ok(first.bytes > 1000, `bytes: ${first.bytes}`);
});

t('PR-3: after a PUT of a new event, a changed event and a DELETE, the next sync returns exactly those (full: false), with far fewer bytes', async () => {
  if (skipped()) return;
  const cal = caldav(calUrl);
  const first = await cal.sync(WINDOW);
  const added = await putEvent(calUrl, 'ev-new', event(100, 0, 'Nyt møde', 'ev-new'));
  const changed = await putEvent(calUrl, 'ev-3', event(3, 1, 'Flyttet møde'));
  const gone = await deleteEvent(calUrl, 'ev-7');
  const next = await cal.sync(WINDOW);
  assert.is(next.full, false);
  assert.equal(ids(next), [added, changed].sort());
  assert.equal(next.removed, [gone]);
  const byId = new Map(next.items.map((i) => [i.id, i]));
  const c = byId.get(changed)!;
  assert.ok(c.format === 'ical' && c.data.includes('SUMMARY:Flyttet møde') && c.data.includes('SEQUENCE:1'), 'the changed event carries its new data');
  const a = byId.get(added)!;
  assert.ok(a.format === 'ical' && a.data.includes('UID:ev-new'));
  assert.ok(next.bytes * 5 < first.bytes, `incremental ${next.bytes} B vs full ${first.bytes} B`);
});

t('PR-3: an unchanged calendar returns nothing (and costs a few hundred bytes)', async () => {
  if (skipped()) return;
  const cal = caldav(calUrl);
  await cal.sync(WINDOW);
  const again = await cal.sync(WINDOW);
  assert.equal(again, { full: false, items: [], removed: [], bytes: again.bytes });
  assert.ok(again.bytes > 0 && again.bytes < 600, `bytes: ${again.bytes}`);
  const third = await cal.sync(WINDOW);
  assert.equal(third.items, []);
});

t('a token the server no longer knows (RFC 6578 valid-sync-token, 403) falls back to a full sync', async () => {
  if (skipped()) return;
  const url = await newCalendar('glemt', 5);
  const cal = caldav(url);
  assert.is((await cal.sync(WINDOW)).full, true);
  // Radicale forgets the state behind every token it handed out
  rmSync(path.join(server!.storageDir, 'collection-root', 'anna', 'glemt', '.Radicale.cache', 'sync-token'), { recursive: true, force: true });
  await putEvent(url, 'ev-9', event(9));
  const after = await cal.sync(WINDOW);
  assert.is(after.full, true);
  assert.is(after.items.length, 6);
  assert.equal(after.removed, []);
  // and the new token works incrementally again
  await deleteEvent(url, 'ev-0');
  const inc = await cal.sync(WINDOW);
  assert.is(inc.full, false);
  assert.equal(inc.items, []);
  assert.is(inc.removed.length, 1);
  assert.match(inc.removed[0]!, /\/ev-0\.ics$/);
});

t('a server that leaves calendar-data out of the sync report: the changed items come by calendar-multiget', async () => {
  if (skipped()) return;
  const url = await newCalendar('uden-data', 3);
  const requests: string[] = [];
  // ask Radicale for etags only in the REPORT, as some servers answer
  const stripping: typeof fetch = (input, init) => {
    const body = typeof init?.body === 'string' ? init.body : '';
    const kind = /<\w+:(sync-collection|calendar-multiget)/.exec(body)?.[1] ?? String(init?.method);
    requests.push(kind);
    return fetch(input, kind === 'sync-collection' ? { ...init, body: body.replace('<c:calendar-data/>', '<d:getetag/>') } : init);
  };
  const cal = caldav(url, { fetch: stripping });
  const first = await cal.sync(WINDOW);
  assert.equal(requests, ['sync-collection', 'calendar-multiget']);
  assert.is(first.items.length, 3);
  for (const item of first.items) assert.ok(item.format === 'ical' && item.data.includes(`UID:${uidOf(item)}`));
  requests.length = 0;
  assert.equal((await cal.sync(WINDOW)).items, []);
  assert.equal(requests, ['sync-collection'], 'nothing changed: no multiget');
});

t('a truncated result (RFC 6578 §3.6, 507 on the collection) is followed with the new token', async () => {
  const bodies: string[] = [];
  const ms = (inner: string) => new Response(multistatus(inner), { status: 207, headers: { 'content-type': 'application/xml; charset=utf-8' } });
  const item = itemXml;
  const fake: typeof fetch = async (_input, init) => {
    bodies.push(String(init?.body));
    if (bodies.length === 1) return ms(`${item('/cal/a.ics', 'a')}<d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response><d:sync-token>tok-1</d:sync-token>`);
    return ms(`${item('/cal/b.ics', 'b')}<d:response><d:href>/cal/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response><d:sync-token>tok-2</d:sync-token>`);
  };
  const cal = caldav('http://dav.invalid/cal/', { fetch: fake });
  const got = await cal.sync(WINDOW);
  assert.is(got.full, true);
  assert.equal(ids(got), ['/cal/a.ics', '/cal/b.ics']);
  assert.equal(got.removed, [], 'a full sync reports no removals');
  assert.match(bodies[0]!, /<d:sync-token\/>|<d:sync-token><\/d:sync-token>/);
  assert.match(bodies[1]!, /<d:sync-token>tok-1<\/d:sync-token>/);
  await cal.sync(WINDOW);
  assert.match(bodies[2]!, /<d:sync-token>tok-2<\/d:sync-token>/, 'the last page\'s token is kept');
});

t('an answer with nothing changed and any other answer mean the same as tsdav reads them (prefixes, entities, comments)', async () => {
  const bodies: string[] = [];
  const answers = [
    multistatus('<d:sync-token>tok&amp;1</d:sync-token>'), // an entity in the token
    '<?xml version="1.0"?>\n<D:multistatus xmlns:D="DAV:">\n  <D:sync-token> tok-2 </D:sync-token>\n</D:multistatus>',
    multistatus('<!-- <d:sync-token>no</d:sync-token> --><d:sync-token>tok-3</d:sync-token>'),
    '<D:multistatus xmlns:D="DAV:"><D:response><D:href>/cal/gone.ics</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response><D:sync-token>tok-4</D:sync-token></D:multistatus>',
    multistatus(`${itemXml('/cal/b.ics', 'b')}<d:sync-token>tok-5</d:sync-token>`),
    multistatus('<d:sync-token>tok-6</d:sync-token>'),
  ];
  const fake: typeof fetch = async (_input, init) => {
    bodies.push(String(init?.body));
    return new Response(answers[bodies.length - 1], { status: 207, headers: { 'content-type': 'text/xml; charset=utf-8' } });
  };
  const cal = caldav('http://dav.invalid/cal/', { fetch: fake });
  assert.equal(await cal.sync(WINDOW), { full: true, items: [], removed: [], bytes: Buffer.byteLength(answers[0]!) });
  const empty = (c: CalendarChanges) => ({ full: c.full, items: c.items, removed: c.removed });
  assert.equal(empty(await cal.sync(WINDOW)), { full: false, items: [], removed: [] });
  assert.equal(empty(await cal.sync(WINDOW)), { full: false, items: [], removed: [] });
  assert.equal(empty(await cal.sync(WINDOW)), { full: false, items: [], removed: ['/cal/gone.ics'] }, 'a response under another prefix is a change');
  assert.equal(ids(await cal.sync(WINDOW)), ['/cal/b.ics']);
  await cal.sync(WINDOW);
  assert.match(bodies[1]!, /<d:sync-token>tok&amp;1<\/d:sync-token>/, 'the token as the server meant it, escaped again');
  assert.match(bodies[2]!, /<d:sync-token>tok-2<\/d:sync-token>/, 'trimmed, read under any prefix');
  assert.match(bodies[3]!, /<d:sync-token>tok-3<\/d:sync-token>/, 'not the one in the comment');
  assert.match(bodies[4]!, /<d:sync-token>tok-4<\/d:sync-token>/);
  assert.match(bodies[5]!, /<d:sync-token>tok-5<\/d:sync-token>/);
  for (const b of bodies) assert.match(b, /<d:sync-level>1<\/d:sync-level><d:prop><c:calendar-data\/><\/d:prop>/);
});

t('the default fetch (node:http) asks for gzip, unpacks it and counts the bytes as they came', async () => {
  const answer = zlib.gzipSync(multistatus(`${itemXml('/cal/a.ics', 'a')}<d:sync-token>tok-1</d:sync-token>`));
  const small = zlib.gzipSync(multistatus('<d:sync-token>tok-2</d:sync-token>'));
  let asked = '';
  let n = 0;
  await withServer(
    (req, res) => {
      asked = String(req.headers['accept-encoding']);
      req.resume();
      const body = n++ === 0 ? answer : small;
      res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8', 'content-encoding': 'gzip', 'content-length': body.length }).end(body);
    },
    async (base) => {
      const cal = caldav(`${base}/cal/`);
      const first = await cal.sync(WINDOW);
      assert.match(asked, /gzip/);
      assert.equal(ids(first), ['/cal/a.ics']);
      const a = first.items[0]!;
      assert.ok(a.format === 'ical' && a.data === 'BEGIN:VCALENDAR\r\nUID:a\r\nEND:VCALENDAR\r\n');
      assert.is(first.bytes, answer.length, 'the packed size');
      const next = await cal.sync(WINDOW);
      assert.equal(next, { full: false, items: [], removed: [], bytes: small.length });
    },
  );
});

t('an answer cut short (fewer bytes than its Content-Length) → CalendarError unreachable', async () => {
  await withServer(
    (req, res) => {
      req.resume();
      res.writeHead(207, { 'content-type': 'application/xml', 'content-length': 1000 });
      res.write(multistatus('').slice(0, 40));
      setTimeout(() => res.destroy(), 20);
    },
    async (base) => {
      const err = await rejects(caldav(`${base}/cal/`).sync(WINDOW));
      assert.is(err.code, 'unreachable');
    },
  );
});

t('a wrong calendar URL (404) → CalendarError http', async () => {
  if (skipped()) return;
  const err = await rejects(caldav(new URL('anna/findes-ikke/', server!.url).href).sync(WINDOW));
  assert.is(err.code, 'http');
  assert.is(err.calendarId, 'caldav-anna');
  assert.match(err.message, /404/);
});

t('a stopped server → CalendarError unreachable; the token survives for the next try', async () => {
  const own = await startRadicale();
  if (!own) return;
  let stopped = false;
  try {
    const url = await makeCalendar(own.url, 'bo', 'kalender');
    await putEvent(url, 'ev-1', event(1));
    const cal = caldav(url);
    assert.is((await cal.sync(WINDOW)).items.length, 1);
    await own.stop();
    stopped = true;
    const err = await rejects(cal.sync(WINDOW));
    assert.is(err.code, 'unreachable');
    assert.match(err.message, /ECONNREFUSED/);
  } finally {
    if (!stopped) await own.stop();
  }
});

t('no answer within timeoutMs → CalendarError timeout; the caller\'s abort too', async () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => sockets.add(s)); // accepts, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as net.AddressInfo).port;
  try {
    const t0 = Date.now();
    const err = await rejects(caldav(`http://127.0.0.1:${port}/anna/kalender/`, { timeoutMs: 200 }).sync(WINDOW));
    assert.is(err.code, 'timeout');
    assert.ok(Date.now() - t0 < 2000);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const aborted = await rejects(caldav(`http://127.0.0.1:${port}/anna/kalender/`).sync(WINDOW, ac.signal));
    assert.is(aborted.code, 'timeout');
    assert.match(aborted.message, /aborted/);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});

t('401 → auth (credentials sent as Basic); 429 → throttled; a non-XML 200 → parse', async () => {
  let seenAuth = '';
  let status = 401;
  const srv = http.createServer((req, res) => {
    seenAuth = req.headers.authorization ?? '';
    req.resume();
    if (status === 200) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      return;
    }
    res.writeHead(status, { 'content-type': 'text/plain' }).end('no');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/anna/kalender/`;
  try {
    const cal = caldav(url, { username: 'anna', password: 'hemmelig' });
    assert.is((await rejects(cal.sync(WINDOW))).code, 'auth');
    assert.is(seenAuth, `Basic ${Buffer.from('anna:hemmelig').toString('base64')}`);
    status = 429;
    assert.is((await rejects(cal.sync(WINDOW))).code, 'throttled');
    status = 200;
    assert.is((await rejects(cal.sync(WINDOW))).code, 'parse');
  } finally {
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  }
});

t.run();
