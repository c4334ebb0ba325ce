/**
 * The CalDAV home probe against a real Radicale: one PROPFIND tells which calendars of a home
 * changed since their last sync, so the sync engine asks only those (PR-3: the cost follows
 * the changes, not the calendar count). Requests are counted through the calendars' fetch.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CaldavCalendar } from '../../../broker/calendar/caldav-calendar.js';
import { CaldavHomeProbe, caldavHomeProbes } from '../../../broker/calendar/caldav-home.js';
import { CalendarSync, type CalendarHub } from '../../../broker/calendar/calendar-sync.js';
import type { CalendarSource } from '../../../broker/calendar/calendar-source.js';
import { httpFetch } from '../../../broker/calendar/http-fetch.js';
import { Directory } from '../../../broker/directory/directory.js';
import { memoryLogger } from '../../../protocol/index.js';
import { withServer } from '../../support/http-server.js';
import { findBinary, needBinary } from '../../support/system-deps.js';
import { deleteEvent, makeCalendar, putEvent, sampleEventIcs, startRadicale, type RadicaleServer } from '../../support/radicale.js';

const t = suite('broker/calendar/caldav-home');

const WINDOW = { from: new Date('2026-11-23T00:00:00+01:00'), to: new Date('2026-12-07T00:00:00+01:00') };
let server: RadicaleServer | null = null;

const skipped = () => {
  if (server) return false;
  needBinary('radicale', 'radicale', 'CalDAV home probe against Radicale');
  return true;
};

const event = (uid: string, hour = 9, summary = 'Møde') => sampleEventIcs({ uid, start: `20261124T${String(hour).padStart(2, '0')}0000`, end: `20261124T${String(hour + 1).padStart(2, '0')}0000`, summary });

/** A fetch that records the method of every request it passes on. */
function countingFetch(): { fetch: typeof fetch; methods: string[]; fail: { propfind: boolean } } {
  const methods: string[] = [];
  const fail = { propfind: false };
  return {
    methods,
    fail,
    fetch: async (input, init) => {
      const method = (init?.method ?? 'GET').toUpperCase();
      methods.push(method);
      if (fail.propfind && method === 'PROPFIND') throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return httpFetch(input, init);
    },
  };
}

/** `n` calendars of two events each under a new user's home; their URLs. */
async function home(user: string, n: number): Promise<string[]> {
  const urls: string[] = [];
  for (let i = 0; i < n; i++) {
    const url = await makeCalendar(server!.url, user, `kal${i}`);
    await putEvent(url, `e1-${i}`, event(`e1-${i}`));
    await putEvent(url, `e2-${i}`, event(`e2-${i}`, 13));
    urls.push(url);
  }
  return urls;
}

t.before(async () => {
  server = findBinary('radicale') ? await startRadicale() : null;
});

t.after(async () => {
  await server?.stop();
});

t('PR-3: after a sync the probe finds no calendar changed; a PUT or a DELETE marks exactly its calendar; one never synced counts as changed', async () => {
  if (skipped()) return;
  const urls = await home('probe-a', 3);
  const f = countingFetch();
  const cals = urls.map((url, i) => new CaldavCalendar({ id: `c${i}`, personId: `p${i}`, url, fetch: f.fetch }));
  const [probe] = caldavHomeProbes(cals);
  assert.ok(probe, 'three calendars in one home get a probe');
  assert.equal([...(await probe.changed()).changed].sort(), ['c0', 'c1', 'c2'], 'never synced: all may have changed');
  for (const c of cals) await c.sync(WINDOW);

  f.methods.length = 0;
  const none = await probe.changed();
  assert.equal([...none.changed], []);
  assert.equal(f.methods, ['PROPFIND'], 'one request for the whole home');
  assert.ok(none.bytes > 0 && none.bytes < 2000, `probe bytes: ${none.bytes}`);

  await putEvent(urls[1]!, 'e1-1', event('e1-1', 10, 'Flyttet'));
  assert.equal([...(await probe.changed()).changed], ['c1']);
  await deleteEvent(urls[2]!, 'e2-2');
  assert.equal([...(await probe.changed()).changed].sort(), ['c1', 'c2']);
  const c1 = await cals[1]!.sync(WINDOW);
  assert.is(c1.items.length, 1, 'the changed calendar still returns exactly its change');
  const c2 = await cals[2]!.sync(WINDOW);
  assert.is(c2.removed.length, 1);
  assert.equal([...(await probe.changed()).changed], [], 'synced again: nothing left');
});

t('a home the server does not have (404) or an answer that is not a multistatus → the probe rejects', async () => {
  if (skipped()) return;
  const missing = [0, 1].map((i) => new CaldavCalendar({ id: `m${i}`, personId: 'p', url: new URL(`/nobody-${i}/kal/`, server!.url).href }));
  const probe = new CaldavHomeProbe(new URL('/nobody-here/', server!.url).href, missing);
  await probe.changed().then(
    () => assert.unreachable('a 404 home must reject'),
    (err: Error) => assert.match(err.message, /404/),
  );
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    },
    async (base) => {
      const cals = [0, 1].map((i) => new CaldavCalendar({ id: `h${i}`, personId: 'p', url: `${base}/home/kal${i}/` }));
      await caldavHomeProbes(cals)[0]!.changed().then(
        () => assert.unreachable('a 200 HTML page must reject'),
        (err: Error) => assert.match(err.message, /200/),
      );
    },
  );
});

t('probes group CalDAV calendars by home and credentials; a lone calendar and other kinds get none', () => {
  const cal = (id: string, url: string, username?: string) => new CaldavCalendar({ id, personId: 'p', url, ...(username ? { username, password: 'x' } : {}) });
  const ics: CalendarSource = { id: 'ics', personId: 'p', kind: 'ics', sync: async () => ({ full: true, items: [], removed: [], bytes: 0 }) };
  const probes = caldavHomeProbes([
    cal('a1', 'https://dav.example.dk/anna/kal1/'),
    cal('a2', 'https://dav.example.dk/anna/kal2'),
    cal('b1', 'https://dav.example.dk/bo/kal/'),
    cal('s1', 'https://dav.example.dk/shared/x/', 'svc'),
    cal('s2', 'https://dav.example.dk/shared/y/', 'svc'),
    cal('s3', 'https://dav.example.dk/shared/z/', 'other'),
    ics,
  ]);
  assert.equal(
    probes.map((p) => [p.id, [...p.sourceIds]]),
    [
      ['https://dav.example.dk/anna/', ['a1', 'a2']],
      ['https://dav.example.dk/shared/', ['s1', 's2']],
    ],
  );
});

t('PR-3: the sync engine asks only the calendars the probe names; a failing probe means every calendar is asked (logged once)', async () => {
  if (skipped()) return;
  const urls = await home('probe-engine', 4);
  const f = countingFetch();
  const people = urls.map((_, i) => ({ id: `p${i}`, name: `Person ${i}`, dept: 'familie', extension: `100${i}` }));
  const dir = Directory.parse({ municipality: 'T', departments: [{ id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-16:00' }], people, devices: [] });
  const hub: CalendarHub = { state: { dir, people: new Map(), depts: new Map() }, now: () => new Date('2026-11-23T08:00:00Z'), execute: () => undefined };
  const sources = urls.map((url, i) => new CaldavCalendar({ id: `c${i}`, personId: `p${i}`, url, fetch: f.fetch }));
  const logger = memoryLogger();
  const sync = new CalendarSync({ hub, sources, probes: caldavHomeProbes(sources), logger, concurrency: 2 });
  const count = (m: string) => f.methods.filter((x) => x === m).length;

  await sync.syncAll();
  assert.is(count('REPORT'), 4, 'first poll: every calendar');
  assert.equal(sync.status().map((s) => s.items), [2, 2, 2, 2]);

  f.methods.length = 0;
  await sync.syncAll();
  assert.equal(f.methods, ['PROPFIND'], 'nothing changed: one request in all');
  assert.ok(sync.status().every((s) => s.lastOkAt !== null && s.error === null));

  await putEvent(urls[3]!, 'e3-new', event('e3-new', 15));
  f.methods.length = 0;
  await sync.syncAll();
  assert.equal(f.methods, ['PROPFIND', 'REPORT'], 'one calendar changed: the probe and its REPORT');
  assert.equal(sync.status().map((s) => s.items), [2, 2, 2, 3]);

  f.fail.propfind = true;
  f.methods.length = 0;
  await sync.syncAll();
  await sync.syncAll();
  assert.is(count('REPORT'), 8, 'probe down: every calendar asked, each poll');
  assert.is(logger.records.filter((r) => r.msg.startsWith('calendar probe failed')).length, 1, 'the failure is logged once');
  f.fail.propfind = false;
  await sync.syncAll();
  assert.ok(logger.records.some((r) => r.msg === 'calendar probe works again'));
  await sync.stop();
});

t.run();
