import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CalendarError, type CalendarChanges, type CalendarItem, type Occurrence } from '../../../broker/calendar/calendar-source.js';
import { GraphCalendar, absenceAutoReply, fromGraphDateTime, retryAfterMs, type GraphCalendarOptions } from '../../../broker/calendar/graph-calendar.js';
import { FakeGraph } from '../../support/fake-graph.js';

const USER = 'anna@kommune.example';
// Monday 16 November 2026, Copenhagen (UTC+1)
const WINDOW = { from: new Date('2026-11-16T07:00:00Z'), to: new Date('2026-11-30T07:00:00Z') };

interface Ctx {
  graph: FakeGraph;
  base: string;
}

const t = suite<Ctx>('broker/calendar/graph-calendar (against a fake Graph)');

t.before.each(async (ctx) => {
  ctx.graph = new FakeGraph();
  ctx.base = await ctx.graph.start();
});

t.after.each(async (ctx) => {
  await ctx.graph.stop();
});

function calendar(ctx: Ctx, more: Partial<GraphCalendarOptions> = {}): GraphCalendar {
  return new GraphCalendar({ id: 'graph-anna', personId: 'anna', user: USER, baseUrl: ctx.base, token: async () => ctx.graph.token, ...more });
}

function occ(item: CalendarItem | undefined): Occurrence {
  assert.ok(item, 'item present');
  assert.is(item!.format, 'occurrences');
  if (item!.format !== 'occurrences') throw new Error('unreachable');
  assert.is(item!.occurrences.length, 1);
  return item!.occurrences[0]!;
}

function byId(changes: CalendarChanges): Map<string, CalendarItem> {
  return new Map(changes.items.map((i) => [i.id, i]));
}

async function rejection(p: Promise<unknown>): Promise<CalendarError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, CalendarError);
    return err as CalendarError;
  }
  assert.unreachable('expected a rejection');
  throw new Error('unreachable');
}

/** 25 one-hour meetings, one per working hour from Monday 16 November 08:00 Copenhagen. */
function seed(graph: FakeGraph, n = 25): void {
  for (let i = 0; i < n; i++) {
    const start = Date.parse('2026-11-16T07:00:00Z') + i * 3_600_000;
    graph.put(USER, {
      id: `ev-${String(i).padStart(2, '0')}`,
      subject: `Møde ${i}`,
      start: new Date(start).toISOString(),
      end: new Date(start + 3_600_000).toISOString(),
      body: 'Dagsorden: '.padEnd(400, 'x'),
    });
  }
}

t('PR-3: delta paging — 25 events at maxpagesize 10 are three pages, then only the changes come', async (ctx) => {
  seed(ctx.graph);
  const cal = calendar(ctx, { pageSize: 10 });
  const first = await cal.sync(WINDOW);
  assert.is(first.full, true);
  assert.is(first.items.length, 25);
  assert.equal(first.removed, []);
  assert.ok(first.bytes > 25 * 400, `bytes counted (${first.bytes})`);

  const pages = ctx.graph.requestsTo('/calendarView/delta');
  assert.is(pages.length, 3, 'three pages');
  // the first asks for the window (whole Copenhagen days around it); the others follow the nextLink
  assert.is(pages[0]!.query.startDateTime, '2026-11-15T23:00:00Z');
  assert.is(pages[0]!.query.endDateTime, '2026-11-30T23:00:00Z');
  assert.ok(pages[1]!.query.$skiptoken && pages[2]!.query.$skiptoken, 'pages 2 and 3 follow @odata.nextLink');
  for (const p of pages) {
    assert.match(p.prefer ?? '', /odata\.maxpagesize=10/);
    assert.match(p.prefer ?? '', /outlook\.timezone="UTC"/);
    assert.is(p.authorization, `Bearer ${ctx.graph.token}`);
  }
  const o = occ(byId(first).get('ev-00'));
  assert.equal(o, { uid: 'ev-00', start: '2026-11-16T07:00:00.000Z', end: '2026-11-16T08:00:00.000Z', allDay: false, show: 'busy', summary: 'Møde 0' });

  // one changed, one deleted
  ctx.graph.put(USER, { id: 'ev-03', subject: 'Flyttet møde', start: '2026-11-18T12:00:00Z', end: '2026-11-18T13:30:00Z', showAs: 'tentative' });
  ctx.graph.remove(USER, 'ev-07');
  const second = await cal.sync(WINDOW);
  assert.is(second.full, false);
  assert.is(second.items.length, 1);
  assert.equal(second.removed, ['ev-07']);
  assert.equal(occ(second.items[0]), { uid: 'ev-03', start: '2026-11-18T12:00:00.000Z', end: '2026-11-18T13:30:00.000Z', allDay: false, show: 'tentative', summary: 'Flyttet møde' });
  const deltaRequest = ctx.graph.requestsTo('/calendarView/delta').at(-1)!;
  assert.ok(deltaRequest.query.$deltatoken, 'the second round starts from the deltaLink');
  assert.ok(second.bytes < first.bytes / 8, `few bytes: ${second.bytes} after ${first.bytes}`);

  // nothing changed: an empty delta
  const third = await cal.sync(WINDOW);
  assert.equal([third.full, third.items.length, third.removed.length], [false, 0, 0]);
});

t('PR-3: a window that slides within the same days keeps the deltaLink; one reaching further starts over in full', async (ctx) => {
  seed(ctx.graph, 3); // Monday 16th
  ctx.graph.put(USER, { id: 'wed', subject: 'Onsdag', start: '2026-11-25T09:00:00Z', end: '2026-11-25T10:00:00Z' });
  const cal = calendar(ctx);
  assert.is((await cal.sync(WINDOW)).items.length, 4);
  const later = { from: new Date(WINDOW.from.getTime() + 5 * 60_000), to: new Date(WINDOW.to.getTime() + 5 * 60_000) };
  assert.is((await cal.sync(later)).full, false, 'five minutes later: same days, same deltaLink');

  const nextDay = { from: new Date('2026-11-17T07:00:00Z'), to: new Date('2026-12-01T07:00:00Z') };
  const moved = await cal.sync(nextDay);
  assert.is(moved.full, true);
  assert.equal(moved.items.map((i) => i.id), ['wed'], 'the whole (new) window, and the 16th no longer in it');
  const last = ctx.graph.requestsTo('/calendarView/delta').at(-1)!;
  assert.equal([last.query.startDateTime, last.query.endDateTime], ['2026-11-16T23:00:00Z', '2026-12-01T23:00:00Z']);
  assert.is(last.query.$deltatoken, undefined);
});

t('PR-3: windowDays widens the round so a daily slide stays incremental', async (ctx) => {
  seed(ctx.graph, 2);
  const cal = calendar(ctx, { windowDays: 21 });
  assert.is((await cal.sync(WINDOW)).full, true);
  const first = ctx.graph.requestsTo('/calendarView/delta')[0]!;
  assert.equal([first.query.startDateTime, first.query.endDateTime], ['2026-11-15T23:00:00Z', '2026-12-06T23:00:00Z']);
  const nextDay = { from: new Date('2026-11-17T07:00:00Z'), to: new Date('2026-12-01T07:00:00Z') };
  assert.is((await cal.sync(nextDay)).full, false);
});

t('PR-3: 410 Gone on a stale deltaLink, or syncStateNotFound, restarts with a full sync', async (ctx) => {
  seed(ctx.graph, 4);
  const cal = calendar(ctx);
  await cal.sync(WINDOW);

  ctx.graph.forgetTokens(410);
  const afterGone = await cal.sync(WINDOW);
  assert.is(afterGone.full, true);
  assert.is(afterGone.items.length, 4);
  const statuses = ctx.graph.requestsTo('/calendarView/delta').slice(-2).map((r) => (r.query.$deltatoken ? 'delta' : 'initial'));
  assert.equal(statuses, ['delta', 'initial']);

  ctx.graph.forgetTokens(400);
  const afterExpired = await cal.sync(WINDOW);
  assert.is(afterExpired.full, true);
  assert.is(afterExpired.items.length, 4);
  assert.is((await cal.sync(WINDOW)).full, false, 'and incremental again after that');
});

t('throttling: 429 with Retry-After: 1 twice, then 200 — the wait is honoured', async (ctx) => {
  seed(ctx.graph, 2);
  ctx.graph.throttle(2, '1');
  const cal = calendar(ctx);
  const began = Date.now();
  const changes = await cal.sync(WINDOW);
  const took = Date.now() - began;
  assert.is(changes.items.length, 2);
  assert.ok(took >= 1950, `waited ${took} ms`);
  const at = ctx.graph.requestsTo('/calendarView/delta').map((r) => r.at);
  assert.is(at.length, 3);
  assert.ok(at[1]! - at[0]! >= 950 && at[2]! - at[1]! >= 950, `a second between tries: ${at[1]! - at[0]!}, ${at[2]! - at[1]!} ms`);
});

t('throttling: more 429s than maxRetries → CalendarError throttled with retryAfterMs; 503 is retried too', async (ctx) => {
  seed(ctx.graph, 1);
  const waits: number[] = [];
  const cal = calendar(ctx, { maxRetries: 3, sleep: async (ms) => void waits.push(ms) });
  ctx.graph.throttle(4, '7');
  const err = await rejection(cal.sync(WINDOW));
  assert.is(err.code, 'throttled');
  assert.is(err.retryAfterMs, 7000);
  assert.is(err.calendarId, 'graph-anna');
  assert.equal(waits, [7000, 7000, 7000], 'Retry-After read from the header, three retries');
  assert.is(ctx.graph.requestsTo('/calendarView/delta').length, 4);

  const fresh = new FakeGraph(); // a clean server for the 503 case
  const base = await fresh.start();
  try {
    seed(fresh, 1);
    fresh.throttle(1, '3', 503);
    waits.length = 0;
    const cal503 = new GraphCalendar({ id: 'g', personId: 'anna', user: USER, baseUrl: base, token: async () => fresh.token, sleep: async (ms) => void waits.push(ms) });
    assert.is((await cal503.sync(WINDOW)).items.length, 1);
    assert.equal(waits, [3000]);
  } finally {
    await fresh.stop();
  }

  // a Retry-After longer than maxRetryWaitMs is not waited out: the sync engine schedules the retry
  ctx.graph.throttle(1, '120');
  const impatient = calendar(ctx, { maxRetryWaitMs: 5000, sleep: async (ms) => void waits.push(ms) });
  waits.length = 0;
  const long = await rejection(impatient.sync(WINDOW));
  assert.equal([long.code, long.retryAfterMs], ['throttled', 120_000]);
  assert.equal(waits, []);
});

t('Retry-After: seconds or an HTTP date', () => {
  assert.is(retryAfterMs('1'), 1000);
  assert.is(retryAfterMs('0.5'), 500);
  assert.is(retryAfterMs('Wed, 21 Oct 2026 07:28:10 GMT', Date.parse('2026-10-21T07:28:00Z')), 10_000);
  assert.is(retryAfterMs(null), null);
  assert.is(retryAfterMs('soon'), null);
});

t('401 → CalendarError auth; a failing token provider → auth', async (ctx) => {
  seed(ctx.graph, 1);
  const wrong = calendar(ctx, { token: async () => 'not-the-token' });
  const err = await rejection(wrong.sync(WINDOW));
  assert.is(err.code, 'auth');
  assert.match(err.message, /401/);
  const broken = calendar(ctx, {
    token: async () => {
      throw new Error('AADSTS7000215: invalid client secret');
    },
  });
  assert.is((await rejection(broken.sync(WINDOW))).code, 'auth');
  assert.is((await rejection(wrong.getAutoReply())).code, 'auth');
});

t('a server that is down → unreachable; one that never answers → timeout', async (ctx) => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const down = new GraphCalendar({ id: 'g', personId: 'anna', user: USER, baseUrl: `http://127.0.0.1:${port}/v1.0`, token: async () => 'x' });
  const err = await rejection(down.sync(WINDOW));
  assert.is(err.code, 'unreachable');

  ctx.graph.hang();
  const cal = calendar(ctx, { timeoutMs: 200 });
  const began = Date.now();
  const slow = await rejection(cal.sync(WINDOW));
  assert.is(slow.code, 'timeout');
  assert.ok(Date.now() - began < 2000);

  // the caller's own abort
  const ac = new AbortController();
  ctx.graph.hang();
  const pending = calendar(ctx).sync(WINDOW, ac.signal);
  setTimeout(() => ac.abort(), 50);
  assert.is((await rejection(pending)).code, 'unreachable');
});

t('other statuses → http; a link to another host is not followed (the token stays home)', async (ctx) => {
  seed(ctx.graph, 12);
  const wrongUser = new GraphCalendar({ id: 'g', personId: 'x', user: 'x', baseUrl: `${ctx.base}/nope`, token: async () => ctx.graph.token });
  const err = await rejection(wrongUser.sync(WINDOW));
  assert.is(err.code, 'http');
  assert.match(err.message, /404/);

  ctx.graph.linkOrigin = 'http://evil.example';
  const cal = calendar(ctx, { pageSize: 5 });
  const refused = await rejection(cal.sync(WINDOW));
  assert.is(refused.code, 'parse');
  assert.match(refused.message, /another host/);
  assert.is(ctx.graph.requests.length, 2, 'nothing sent anywhere else');
});

t('PR-3: showAs, all-day and cancelled events, UTC', async (ctx) => {
  const g = ctx.graph;
  const put = (id: string, showAs: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown') =>
    g.put(USER, { id, subject: id, start: '2026-11-17T09:00:00Z', end: '2026-11-17T10:00:00Z', showAs });
  put('free', 'free');
  put('tentative', 'tentative');
  put('busy', 'busy');
  put('oof', 'oof');
  put('elsewhere', 'workingElsewhere');
  put('unknown', 'unknown');
  g.put(USER, { id: 'ferie', subject: 'Ferie', start: '2026-11-19', end: '2026-11-21', isAllDay: true, showAs: 'oof' });
  g.put(USER, { id: 'kursus', subject: 'Kursus', start: '2026-11-23', end: '2026-11-24', isAllDay: true, allDayZone: 'UTC', showAs: 'workingElsewhere' });
  g.put(USER, { id: 'aflyst', subject: 'Aflyst', start: '2026-11-18T09:00:00Z', end: '2026-11-18T10:00:00Z', isCancelled: true });
  g.put(USER, { id: 'serie-3', subject: 'Stand-up', start: '2026-11-18T08:00:00Z', end: '2026-11-18T08:15:00Z', seriesMasterId: 'serie' });
  g.put(USER, { id: 'uden-emne', start: '2026-11-18T10:00:00Z', end: '2026-11-18T11:00:00Z' });

  const cal = calendar(ctx);
  const changes = await cal.sync(WINDOW);
  const items = byId(changes);
  const shows = ['free', 'tentative', 'busy', 'oof', 'elsewhere', 'unknown'].map((id) => occ(items.get(id)).show);
  assert.equal(shows, ['free', 'tentative', 'busy', 'oof', 'elsewhere', 'busy']);
  // all-day: Copenhagen midnight to Copenhagen midnight, whatever zone Graph wrote the dates in
  const ferie = occ(items.get('ferie'));
  assert.equal([ferie.start, ferie.end, ferie.allDay, ferie.show], ['2026-11-18T23:00:00.000Z', '2026-11-20T23:00:00.000Z', true, 'oof']);
  const kursus = occ(items.get('kursus'));
  assert.equal([kursus.start, kursus.end, kursus.show], ['2026-11-22T23:00:00.000Z', '2026-11-23T23:00:00.000Z', 'elsewhere']);
  // cancelled: not an item, reported removed
  assert.not.ok(items.has('aflyst'));
  assert.ok(changes.removed.includes('aflyst'));
  assert.is(occ(items.get('serie-3')).uid, 'serie', 'occurrences of a series share its uid');
  assert.is(occ(items.get('uden-emne')).summary, null);
  assert.is(occ(items.get('busy')).start, '2026-11-17T09:00:00.000Z');

  // a meeting cancelled later disappears in the next delta
  g.put(USER, { id: 'busy', subject: 'busy', start: '2026-11-17T09:00:00Z', end: '2026-11-17T10:00:00Z', isCancelled: true });
  const next = await cal.sync(WINDOW);
  assert.equal([next.full, next.items.length, next.removed], [false, 0, ['busy']]);
});

t('times written in another zone are read as instants (Prefer: outlook.timezone other than UTC)', async (ctx) => {
  // across the end of summer time: 25 October 2026 in Copenhagen
  ctx.graph.put(USER, { id: 'a', subject: 'a', start: '2026-10-24T07:30:00Z', end: '2026-10-26T08:00:00Z' });
  const cal = calendar(ctx, { preferTimeZone: 'Europe/Copenhagen' });
  const changes = await cal.sync({ from: new Date('2026-10-20T00:00:00Z'), to: new Date('2026-10-30T00:00:00Z') });
  const req = ctx.graph.requestsTo('/calendarView/delta')[0]!;
  assert.match(req.prefer ?? '', /outlook\.timezone="Europe\/Copenhagen"/);
  const o = occ(changes.items[0]);
  assert.equal([o.start, o.end], ['2026-10-24T07:30:00.000Z', '2026-10-26T08:00:00.000Z']);

  assert.is(fromGraphDateTime({ dateTime: '2026-11-16T08:00:00.0000000', timeZone: 'Romance Standard Time' }).toISOString(), '2026-11-16T07:00:00.000Z');
  assert.is(fromGraphDateTime({ dateTime: '2026-07-01T08:00:00.0000000', timeZone: 'Romance Standard Time' }).toISOString(), '2026-07-01T06:00:00.000Z');
  assert.is(fromGraphDateTime({ dateTime: '2016-12-09T20:30:00.0000000', timeZone: 'UTC' }).toISOString(), '2016-12-09T20:30:00.000Z');
  assert.is(fromGraphDateTime({ dateTime: '2026-03-01T12:00:00.1234567', timeZone: 'Pacific Standard Time' }).toISOString(), '2026-03-01T20:00:00.123Z');
  assert.throws(() => fromGraphDateTime({ dateTime: '2026-03-01T12:00:00', timeZone: 'Mars Standard Time' }), /unknown time zone/);
});

t('seed 000: setAutoReply sends Graph\'s exact shape; getAutoReply reads it back', async (ctx) => {
  const cal = calendar(ctx);
  const reply = {
    status: 'scheduled' as const,
    start: '2026-11-16T07:00:00.000Z',
    end: '2026-11-20T15:00:00.000Z',
    internalMessage: 'Jeg er ikke på kontoret.',
    externalMessage: 'I am out of the office.',
    externalAudience: 'contactsOnly' as const,
  };
  const echoed = await cal.setAutoReply(reply);
  assert.equal(echoed, reply);

  const patch = ctx.graph.requests.find((r) => r.method === 'PATCH')!;
  assert.is(patch.path, `/v1.0/users/${encodeURIComponent(USER)}/mailboxSettings`);
  assert.equal(patch.body, {
    automaticRepliesSetting: {
      status: 'scheduled',
      externalAudience: 'contactsOnly',
      internalReplyMessage: 'Jeg er ikke på kontoret.',
      externalReplyMessage: 'I am out of the office.',
      scheduledStartDateTime: { dateTime: '2026-11-16T07:00:00', timeZone: 'UTC' },
      scheduledEndDateTime: { dateTime: '2026-11-20T15:00:00', timeZone: 'UTC' },
    },
  });
  assert.is(ctx.graph.autoReplies(USER).status, 'scheduled');

  const got = await cal.getAutoReply();
  assert.equal(got, reply);
  assert.ok(ctx.graph.requests.some((r) => r.method === 'GET' && r.path.endsWith('/mailboxSettings/automaticRepliesSetting')));

  // turning it off sends only the status; the rest stays as it was (PATCH)
  await cal.setAutoReply({ status: 'disabled' });
  assert.equal(ctx.graph.requests.at(-1)!.body, { automaticRepliesSetting: { status: 'disabled' } });
  const off = await cal.getAutoReply();
  assert.is(off.status, 'disabled');
  assert.is(off.internalMessage, 'Jeg er ikke på kontoret.');

  try {
    await cal.setAutoReply({ status: 'scheduled' });
    assert.unreachable('a scheduled reply without times');
  } catch (err) {
    assert.instance(err, RangeError);
  }
});

t('seed 000, PR-2: absenceAutoReply — back-at and the contact, in Danish and English, never a reason', () => {
  const input = {
    name: 'Anna Andersen',
    backAt: new Date('2026-11-16T07:00:00Z'), // Monday 08:00 in Copenhagen
    contact: { name: 'Bo Berg', phone: '1002' },
    from: new Date('2026-11-09T15:00:00Z'),
  };
  const da = absenceAutoReply(input, 'da');
  assert.is(da.status, 'scheduled');
  assert.equal([da.start, da.end], ['2026-11-09T15:00:00.000Z', '2026-11-16T07:00:00.000Z']);
  assert.ok(da.internalMessage!.startsWith('Jeg er ikke på kontoret og er tilbage mandag 16. november kl. 8.00. Kontakt i stedet Bo Berg, telefon 1002.'), da.internalMessage);
  assert.ok(da.internalMessage!.endsWith('Anna Andersen'));
  assert.is(da.externalMessage, da.internalMessage);

  const en = absenceAutoReply(input, 'en');
  assert.ok(en.internalMessage!.startsWith('I am out of the office and will be back on Monday 16 November at 08:00. Please contact Bo Berg instead, phone 1002.'), en.internalMessage);

  // 24-hour clock, Copenhagen summer time, a year away
  const late = absenceAutoReply({ ...input, backAt: new Date('2027-06-01T11:30:00Z') }, 'da');
  assert.match(late.internalMessage!, /tilbage tirsdag 1\. juni 2027 kl\. 13\.30\./);

  // no back-at: on until switched off; no contact: no "Kontakt"; no phone: name only
  const open = absenceAutoReply({ ...input, backAt: null, contact: null }, 'da');
  assert.is(open.status, 'alwaysEnabled');
  assert.is(open.start, undefined);
  assert.ok(open.internalMessage!.startsWith('Jeg er ikke på kontoret.\n'));
  assert.not.match(open.internalMessage!, /Kontakt/);
  assert.match(absenceAutoReply({ ...input, contact: { name: 'Omstillingen', phone: null } }, 'da').internalMessage!, /Kontakt i stedet Omstillingen\./);

  // PR-2: the input carries no reason, and nothing reason-like slips in
  for (const r of [da, en, late, open]) {
    assert.not.match(`${r.internalMessage} ${r.externalMessage}`, /syg|sick|ferie|holiday|vacation|barsel|leave|kursus|course|fravær|absence/i);
  }
});

t.run();
