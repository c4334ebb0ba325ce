/**
 * ICS feeds and files (PR-3): Outlook's "publish calendar" links and exported .ics files.
 * A feed is fetched with its ETag (an unchanged feed costs a 304); a file is re-read only
 * when its size or modification time changed. Each UID is an item; what changed is found by
 * comparing the items' text with the last sync, so the sync engine re-expands only those.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { CalendarError, type CalendarChanges, type CalendarSource, type SyncWindow } from './calendar-source.js';
import { splitCalendar } from './ics/parse-ics.js';

export interface IcsCalendarOptions {
  id: string;
  personId: string;
  /** an http(s) feed … */
  url?: string;
  /** … or a file on disk */
  file?: string;
  timeoutMs?: number;
  /** extra request headers (e.g. authorization for a private feed) */
  headers?: Record<string, string>;
}

export class IcsCalendar implements CalendarSource {
  readonly kind = 'ics' as const;
  readonly id: string;
  readonly personId: string;
  /** uid → hash of the item's text at the last sync */
  private known: Map<string, string> | null = null;
  private etag: string | null = null;
  private fileStamp: string | null = null;

  constructor(private readonly opts: IcsCalendarOptions) {
    if (!opts.url === !opts.file) throw new Error(`calendar ${opts.id}: give exactly one of url and file`);
    this.id = opts.id;
    this.personId = opts.personId;
  }

  /** The window does not matter here: the whole feed is read, and expansion is the engine's. */
  async sync(_window?: SyncWindow): Promise<CalendarChanges> {
    const text = this.opts.url ? await this.fetchFeed(this.opts.url) : await this.readIcsFile(this.opts.file!);
    if (text === null) return { full: false, items: [], removed: [], bytes: 0 };
    const { items, problems } = splitCalendar(text);
    const next = new Map(items.map((i) => [i.uid, createHash('sha1').update(i.data).digest('hex')]));
    const full = this.known === null;
    const changed = items.filter((i) => full || this.known!.get(i.uid) !== next.get(i.uid));
    const removed = full ? [] : [...this.known!.keys()].filter((uid) => !next.has(uid));
    this.known = next;
    return {
      full,
      items: changed.map((i) => ({ id: i.uid, format: 'ical' as const, data: i.data })),
      removed,
      bytes: Buffer.byteLength(text),
      ...(problems.length ? { problems } : {}),
    };
  }

  private async fetchFeed(url: string): Promise<string | null> {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.opts.timeoutMs ?? 15_000);
    let res: Response;
    try {
      res = await fetch(url, { signal: ctl.signal, headers: { ...this.opts.headers, ...(this.etag && this.known ? { 'if-none-match': this.etag } : {}) } });
    } catch (err) {
      clearTimeout(timer);
      const timedOut = ctl.signal.aborted;
      throw new CalendarError(this.id, timedOut ? 'timeout' : 'unreachable', timedOut ? `no answer from ${url} in ${this.opts.timeoutMs ?? 15_000} ms` : `cannot reach ${url}: ${(err as Error).message}`);
    }
    try {
      if (res.status === 304) return null;
      if (res.status === 401 || res.status === 403) throw new CalendarError(this.id, 'auth', `${url} answered ${res.status}`);
      if (!res.ok) throw new CalendarError(this.id, 'http', `${url} answered ${res.status} ${res.statusText}`);
      const text = await res.text();
      this.etag = res.headers.get('etag');
      return text;
    } catch (err) {
      if (err instanceof CalendarError) throw err;
      throw new CalendarError(this.id, ctl.signal.aborted ? 'timeout' : 'unreachable', `reading ${url}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private async readIcsFile(file: string): Promise<string | null> {
    try {
      const st = await stat(file);
      const stamp = `${st.size}:${st.mtimeMs}`;
      if (stamp === this.fileStamp && this.known) return null;
      const text = await readFile(file, 'utf8');
      this.fileStamp = stamp;
      return text;
    } catch (err) {
      throw new CalendarError(this.id, 'unreachable', `cannot read ${file}: ${(err as Error).message}`);
    }
  }
}
