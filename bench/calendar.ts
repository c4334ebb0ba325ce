/**
 * CalDAV sync (PR-3) against a real Radicale on loopback: 500 calendars × 50 events, seeded on
 * disk, read by 500 `CaldavCalendar`s with a few requests in flight (Radicale resets
 * connections beyond ~8).
 * - calendar_full_sync_s: every calendar's first sync (empty token, everything), wall time.
 *   Radicale builds its item caches on first read (data written behind its back); that cold
 *   pass is a seeding artefact, run first and reported apart as calendar_cold_sync_s.
 * - calendar_incremental_sync_ms: after 1 % of the events changed (PUT), every calendar's next
 *   sync with its RFC 6578 token, wall time.
 * - calendar_*_kb: body bytes received (as they came over the wire: Radicale gzips);
 *   calendar_*_cpu_ms: the hub's own CPU for each sync, i.e. this process's CPU (user + system)
 *   while every calendar is synced and the items it returns are expanded into occurrences
 *   (`expandItem` over the sync engine's 15-day window, as the engine does for every item it
 *   receives). The full sync expands all 25,000 events, the incremental one the changed ones.
 * - calendar_incremental_ratio: max(incremental / full) over bytes and CPU; target ≤ 0.05.
 * Each sync runs as the engine's poll does: the home probe (one PROPFIND Depth 1 for every
 * calendar's sync-token, caldav-home.ts), then a sync-collection REPORT for each calendar whose
 * token moved (calendar_incremental_asked). With 1 % of the events changed at random, ~40 % of
 * the calendars have a change, and each costs one request on a new connection (Radicale speaks
 * HTTP/1.0: ~1 ms of the hub's CPU with the parsing and expansion) and one gzip stream of its
 * own: a changed event compressed alone is ~640 B against ~150 B inside a 50-event answer.
 * calendar_incremental_floor_kb is that data alone, the bytes no client can avoid (~4.2 % of
 * the full sync). calendar_clustered_* repeat the incremental sync with the same number of
 * changes five to a calendar, as when people edit their own calendars.
 * Without Radicale every figure is null and stderr says why.
 */
import { gzipSync } from 'node:zlib';
import { CaldavCalendar } from '../broker/calendar/caldav-calendar.js';
import { caldavHomeProbes } from '../broker/calendar/caldav-home.js';
import { expandItem } from '../broker/calendar/ics/parse-ics.js';
import { findBinary } from '../test/support/system-deps.js';
import { eventUrl, putEvent, sampleDescription, sampleEventIcs, seedCalendarsOnDisk, seededRandom, startRadicale, type SampleEvent } from '../test/support/radicale.js';

export interface CalendarBenchResult {
  calendar_full_sync_s: number | null;
  calendar_incremental_sync_ms: number | null;
  calendar_full_kb: number | null;
  calendar_incremental_kb: number | null;
  calendar_full_cpu_ms: number | null;
  calendar_incremental_cpu_ms: number | null;
  calendar_incremental_ratio: number | null;
  calendar_cold_sync_s: number | null;
  /** calendars the incremental sync asked after the home probe (the rest were vouched for) */
  calendar_incremental_asked: number | null;
  /** the changed events' data alone, gzipped per calendar as its answer carries it: bytes no client can avoid */
  calendar_incremental_floor_kb: number | null;
  /** the same 1 % changed, but 5 events in each of 1 % × 50 / 5 calendars (people edit their own calendars) */
  calendar_clustered_incremental_kb: number | null;
  calendar_clustered_incremental_cpu_ms: number | null;
  calendar_clustered_ratio: number | null;
  calendar_calendars: number;
  calendar_events: number;
  calendar_changed: number;
}

export interface CalendarBenchOptions {
  calendars?: number;
  eventsPerCalendar?: number;
  /** share of all events changed before the incremental sync */
  changed?: number;
  /** syncs in flight */
  concurrency?: number;
  /** PUTs in flight */
  putConcurrency?: number;
  progress?: (msg: string) => void;
}

/** the sync engine's window on Mon 23 Nov 2026: a day back, 14 ahead (every bench event is inside) */
const WINDOW = { from: new Date('2026-11-22T00:00:00+01:00'), to: new Date('2026-12-07T00:00:00+01:00') };
const USER = 'bench';

/** Runs `work` over `items` with at most `limit` in flight; the first failure rejects. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Event `e` of calendar `c`: two weeks of meetings on working days, different texts. */
function event(c: number, e: number, sequence = 0): SampleEvent {
  const day = 23 + (e % 10) + (e % 10 >= 5 ? 2 : 0); // Mon 23 – Fri 27, Mon 30 – …
  const hour = 8 + ((c + e) % 8);
  const date = day <= 30 ? `202611${String(day).padStart(2, '0')}` : `202612${String(day - 30).padStart(2, '0')}`;
  const hh = (h: number) => String(h).padStart(2, '0');
  return {
    uid: `p${c}-e${e}`,
    start: `${date}T${hh(hour)}0000`,
    end: `${date}T${hh(hour + 1)}0000`,
    summary: sequence ? `Flyttet møde ${e}` : `Møde ${e}`,
    transp: e % 7 === 0 ? 'TRANSPARENT' : 'OPAQUE',
    sequence,
    description: sampleDescription(c * 1000 + e + sequence * 7_000_000),
  };
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

interface SyncRun {
  wallMs: number;
  cpuMs: number;
  bytes: number;
  /** every calendar's result reduced to what the checks need (the item data is let go at once) */
  results: { full: boolean; ids: string[]; removed: number; occurrences: number; problems: number }[];
  /** calendars synced after the probe */
  asked: number;
}

/** What the sync engine does in one poll: the home probe, then a sync of each calendar it could not vouch for. */
async function syncAll(cals: CaldavCalendar[], concurrency: number): Promise<SyncRun> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let probeBytes = 0;
  const unchanged = new Set<string>();
  for (const probe of caldavHomeProbes(cals)) {
    try {
      const { changed, bytes } = await probe.changed();
      probeBytes += bytes;
      for (const id of probe.sourceIds) if (!changed.has(id)) unchanged.add(id);
    } catch (err) {
      // as the engine: a probe that fails vouches for none (Radicale's cold cache can be that slow)
      process.stderr.write(`bench: calendar: probe failed, every calendar is asked: ${(err as Error).message}\n`);
    }
  }
  const asked = cals.filter((c) => !unchanged.has(c.id));
  const results = await pool(asked, concurrency, async (cal) => {
    const c = await cal.sync(WINDOW);
    // what the sync engine does with every item it receives
    let occurrences = 0;
    let problems = 0;
    for (const item of c.items) {
      const r = item.format === 'ical' ? expandItem(item.data, WINDOW) : { occurrences: item.occurrences, problems: [] };
      occurrences += r.occurrences.length;
      problems += r.problems.length;
    }
    return { full: c.full, ids: c.items.map((i) => i.id), removed: c.removed.length, occurrences, problems, bytes: c.bytes };
  });
  const wallMs = performance.now() - t0;
  return { wallMs, cpuMs: cpuMs(cpu0), bytes: probeBytes + results.reduce((n, r) => n + r.bytes, 0), results, asked: asked.length };
}

export async function benchCalendar(opts: CalendarBenchOptions = {}): Promise<CalendarBenchResult> {
  const calendars = opts.calendars ?? 500;
  const perCalendar = opts.eventsPerCalendar ?? 50;
  const total = calendars * perCalendar;
  const changedCount = Math.round(total * (opts.changed ?? 0.01));
  const concurrency = opts.concurrency ?? 6;
  const none: CalendarBenchResult = {
    calendar_full_sync_s: null,
    calendar_incremental_sync_ms: null,
    calendar_full_kb: null,
    calendar_incremental_kb: null,
    calendar_full_cpu_ms: null,
    calendar_incremental_cpu_ms: null,
    calendar_incremental_ratio: null,
    calendar_cold_sync_s: null,
    calendar_incremental_asked: null,
    calendar_incremental_floor_kb: null,
    calendar_clustered_incremental_kb: null,
    calendar_clustered_incremental_cpu_ms: null,
    calendar_clustered_ratio: null,
    calendar_calendars: calendars,
    calendar_events: total,
    calendar_changed: changedCount,
  };
  if (!findBinary('radicale')) {
    // not needBinary: that writes to stdout, which --json keeps for the figures
    process.stderr.write('bench: calendar: radicale not found (Debian package radicale; run tools/setup-system-deps.sh); its figures are null\n');
    return none;
  }
  const server = await startRadicale('calendar bench');
  if (!server) return none;
  try {
    opts.progress?.(`calendar: seeding ${calendars} calendars × ${perCalendar} events on disk`);
    const names = Array.from({ length: calendars }, (_, c) => `p${String(c).padStart(4, '0')}`);
    const paths = seedCalendarsOnDisk(
      server.storageDir,
      USER,
      names.map((name, c) => ({ name, events: Array.from({ length: perCalendar }, (_, e) => ({ uid: `p${c}-e${e}`, ics: sampleEventIcs(event(c, e)) })) })),
    );
    const urls = paths.map((p) => new URL(p, server.url).href);
    const make = () => urls.map((url, c) => new CaldavCalendar({ id: `caldav-${names[c]}`, personId: names[c]!, url }));

    // expands too, so the full sync below does not pay for the first run of the code (JIT)
    opts.progress?.('calendar: cold pass (Radicale builds its caches)');
    const cold = await syncAll(make(), concurrency);

    opts.progress?.('calendar: full sync');
    const cals = make();
    const full = await syncAll(cals, concurrency);
    const fullItems = full.results.reduce((n, r) => n + r.ids.length, 0);
    const fullOccurrences = full.results.reduce((n, r) => n + r.occurrences, 0);
    const fullProblems = full.results.reduce((n, r) => n + r.problems, 0);
    const allFull = full.results.every((r) => r.full);
    full.results = [];
    if (fullItems !== total || !allFull) throw new Error(`calendar bench: the full sync returned ${fullItems} of ${total} events`);
    if (fullOccurrences !== total || fullProblems) throw new Error(`calendar bench: the full sync expanded to ${fullOccurrences} occurrences of ${total} (${fullProblems} problems)`);

    // 1 %: distinct events spread over the calendars, PUT as a client would
    const random = seededRandom(4711);
    const picked = new Set<number>();
    while (picked.size < changedCount) picked.add(Math.floor(random() * total));
    opts.progress?.(`calendar: changing ${changedCount} events over HTTP`);
    await pool([...picked], opts.putConcurrency ?? 4, async (k) => {
      const c = Math.floor(k / perCalendar);
      const e = k % perCalendar;
      await putEvent(urls[c]!, `p${c}-e${e}`, sampleEventIcs(event(c, e, 1)));
    });

    opts.progress?.('calendar: incremental sync');
    const inc = await syncAll(cals, concurrency);
    const got = new Set(inc.results.flatMap((r) => r.ids));
    const want = new Set([...picked].map((k) => new URL(eventUrl(urls[Math.floor(k / perCalendar)]!, `p${Math.floor(k / perCalendar)}-e${k % perCalendar}`)).pathname));
    if (inc.results.some((r) => r.full || r.removed) || got.size !== want.size || [...want].some((h) => !got.has(h)))
      throw new Error(`calendar bench: the incremental sync returned ${got.size} items, expected exactly the ${want.size} changed`);
    const incOccurrences = inc.results.reduce((n, r) => n + r.occurrences, 0);
    if (incOccurrences !== want.size || inc.results.some((r) => r.problems)) throw new Error(`calendar bench: the incremental sync expanded to ${incOccurrences} occurrences, expected ${want.size}`);

    // the floor: each changed calendar's answer carries its changed events, compressed together
    const byCalendar = new Map<number, string[]>();
    for (const k of picked) byCalendar.set(Math.floor(k / perCalendar), [...(byCalendar.get(Math.floor(k / perCalendar)) ?? []), sampleEventIcs(event(Math.floor(k / perCalendar), k % perCalendar, 1))]);
    const floorBytes = [...byCalendar.values()].reduce((n, evs) => n + gzipSync(evs.join('')).byteLength, 0);

    // clustered: the same number of changes, 5 to a calendar
    const perCluster = 5;
    const clusterCals = new Set<number>();
    while (clusterCals.size < Math.ceil(changedCount / perCluster)) clusterCals.add(Math.floor(random() * calendars));
    const clustered = [...clusterCals].flatMap((c) => Array.from({ length: perCluster }, (_, i) => c * perCalendar + ((i * 7) % perCalendar))).slice(0, changedCount);
    opts.progress?.(`calendar: changing ${clustered.length} events in ${clusterCals.size} calendars`);
    await pool(clustered, opts.putConcurrency ?? 4, async (k) => {
      const c = Math.floor(k / perCalendar);
      const e = k % perCalendar;
      await putEvent(urls[c]!, `p${c}-e${e}`, sampleEventIcs(event(c, e, 2)));
    });
    opts.progress?.('calendar: incremental sync (clustered changes)');
    const clus = await syncAll(cals, concurrency);
    const clusGot = clus.results.reduce((n, r) => n + r.ids.length, 0);
    if (clusGot !== clustered.length || clus.asked !== clusterCals.size) throw new Error(`calendar bench: the clustered sync returned ${clusGot} items from ${clus.asked} calendars, expected ${clustered.length} from ${clusterCals.size}`);

    const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;
    return {
      ...none,
      calendar_full_sync_s: round(full.wallMs / 1000, 2),
      calendar_incremental_sync_ms: round(inc.wallMs, 0),
      calendar_full_kb: round(full.bytes / 1024, 1),
      calendar_incremental_kb: round(inc.bytes / 1024, 1),
      calendar_full_cpu_ms: round(full.cpuMs, 0),
      calendar_incremental_cpu_ms: round(inc.cpuMs, 0),
      calendar_incremental_ratio: round(Math.max(inc.bytes / full.bytes, inc.cpuMs / full.cpuMs), 3),
      calendar_cold_sync_s: round(cold.wallMs / 1000, 2),
      calendar_incremental_asked: inc.asked,
      calendar_incremental_floor_kb: round(floorBytes / 1024, 1),
      calendar_clustered_incremental_kb: round(clus.bytes / 1024, 1),
      calendar_clustered_incremental_cpu_ms: round(clus.cpuMs, 0),
      calendar_clustered_ratio: round(Math.max(clus.bytes / full.bytes, clus.cpuMs / full.cpuMs), 3),
    };
  } finally {
    await server.stop();
  }
}
