/**
 * CalDAV home probe (PR-3): one `PROPFIND Depth: 1` on a calendar home asks every calendar
 * under it for its `DAV:sync-token` (RFC 6578 §4: the token a `sync-collection` would return
 * now). A calendar whose token is the one its last sync ended with has not changed and needs no
 * request of its own; only the others are synced. So a poll of N calendars in one home costs
 * one request plus one per changed calendar, instead of N — the way desktop CalDAV clients
 * check an account (Radicale, measured: ~3.5 ms of server time per calendar either way; the
 * hub's CPU and the bytes received are what this saves).
 *
 * Calendars are grouped by home (the collection's parent URL) and credentials; a home with a
 * single calendar gets no probe (it would cost the same as that calendar's own REPORT). Any
 * doubt — a calendar missing from the answer, no token, a token that differs, a calendar never
 * synced — counts as "may have changed", so the probe can only save requests, never hide a
 * change. A probe that fails (no Depth 1 allowed, an error, a timeout) rejects; the sync engine
 * then syncs every calendar of the home as before.
 */
import { davRequest } from 'tsdav';
import { CaldavCalendar, countingFetch, hrefKey, isMultistatus } from './caldav-calendar.js';
import type { CalendarProbe, CalendarSource } from './calendar-source.js';

/** time allowed per calendar on top of one request's time bound (Radicale: ~3.5 ms warm, far more on a cold cache) */
const PER_CALENDAR_MS = 100;
const PROPFIND_BODY = '<?xml version="1.0" encoding="utf-8"?>\n<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>';

export class CaldavHomeProbe implements CalendarProbe {
  readonly id: string;
  readonly sourceIds: readonly string[];

  constructor(
    /** the home collection, ending in `/` */
    readonly homeUrl: string,
    private readonly calendars: readonly CaldavCalendar[],
  ) {
    this.id = homeUrl;
    this.sourceIds = calendars.map((c) => c.id);
  }

  async changed(signal?: AbortSignal): Promise<{ changed: Set<string>; bytes: number }> {
    const first = this.calendars[0]!;
    const ac = new AbortController();
    // the server reads every calendar's state for this one answer: allow for it
    const timer = setTimeout(() => ac.abort(), first.timeoutMs + PER_CALENDAR_MS * this.calendars.length);
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const counter = { bytes: 0 };
    try {
      const fetchCounted = countingFetch(first.fetchImpl, ac.signal, counter);
      const res = await fetchCounted(this.homeUrl, { method: 'PROPFIND', headers: { ...first.headers, depth: '1', 'content-type': 'text/xml; charset=utf-8' }, body: PROPFIND_BODY });
      if (res.status !== 207) throw new Error(`PROPFIND ${this.homeUrl} answered ${res.status} ${res.statusText}`.trim());
      const responses = await davRequest({ url: this.homeUrl, init: { method: 'PROPFIND', body: null }, convertIncoming: false, fetch: async () => res.asResponse() });
      if (responses.length === 1 && responses[0]!.raw !== undefined && !isMultistatus(responses[0]!.raw)) throw new Error(`PROPFIND ${this.homeUrl} answered without a multistatus`);
      const tokens = new Map<string, string>();
      for (const r of responses) {
        if (r.href === undefined || !r.ok) continue;
        const t: unknown = r.props?.syncToken;
        if (typeof t === 'string' || typeof t === 'number') tokens.set(collectionKey(String(r.href), this.homeUrl), String(t).trim());
      }
      const changed = new Set<string>();
      for (const c of this.calendars) {
        const now = tokens.get(collectionKey(c.url, this.homeUrl));
        if (c.token === '' || now === undefined || now === '' || now !== c.token) changed.add(c.id);
      }
      return { changed, bytes: counter.bytes };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** One probe per home with two or more CalDAV calendars (same credentials); other sources get none. */
export function caldavHomeProbes(sources: readonly CalendarSource[]): CaldavHomeProbe[] {
  const groups = new Map<string, { home: string; calendars: CaldavCalendar[] }>();
  const fetches: (typeof fetch)[] = [];
  for (const s of sources) {
    if (!(s instanceof CaldavCalendar)) continue;
    const home = new URL('..', s.url).href;
    if (!fetches.includes(s.fetchImpl)) fetches.push(s.fetchImpl);
    const key = `${home}\n${s.headers.authorization ?? ''}\n${fetches.indexOf(s.fetchImpl)}\n${s.timeoutMs}`;
    const g = groups.get(key) ?? { home, calendars: [] };
    g.calendars.push(s);
    groups.set(key, g);
  }
  return [...groups.values()].filter((g) => g.calendars.length >= 2).map((g) => new CaldavHomeProbe(g.home, g.calendars));
}

/** A collection's href as a comparable decoded path without the trailing slash. */
function collectionKey(href: string, base: string): string {
  return hrefKey(href, base).replace(/\/+$/, '');
}
