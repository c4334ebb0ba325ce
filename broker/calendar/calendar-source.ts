/**
 * The CalendarSource port (PR-3, DV-5): where a person's calendar entries come from.
 * Adapters are named after their technology: `caldav-calendar.ts` (tsdav), `ics-calendar.ts`
 * (feeds and files, ical.js), `graph-calendar.ts` (Microsoft Graph). Adapters fetch and report
 * what changed; expansion of recurrences and the mapping to presence are pure code elsewhere.
 */

/** How an entry shows the person's time (Outlook's "Vis som" / iCalendar busy status). */
export type ShowAs = 'free' | 'tentative' | 'busy' | 'oof' | 'elsewhere';

/** One occurrence of an entry, with recurrences already expanded. */
export interface Occurrence {
  /** the entry's UID (the same for every occurrence of a recurring entry) */
  uid: string;
  /** ISO instants (UTC); an all-day entry runs from local midnight to local midnight, Europe/Copenhagen */
  start: string;
  end: string;
  allDay: boolean;
  show: ShowAs;
  /** PR-2: private; never leaves the hub except to the person and their leader */
  summary: string | null;
}

/** A calendar item as the source holds it. */
export type CalendarItem =
  /** an iCalendar object (VCALENDAR text: one UID with its overrides), expanded by `ics/` */
  | { id: string; format: 'ical'; data: string }
  /** already expanded by the service (Microsoft Graph's calendarView) */
  | { id: string; format: 'occurrences'; occurrences: Occurrence[] };

export interface CalendarChanges {
  /** true: `items` is the whole calendar (forget what you had); false: only what changed since the last sync */
  full: boolean;
  items: CalendarItem[];
  /** ids of items deleted since the last sync */
  removed: string[];
  /** bytes received from the server for this sync (headers excluded), for the admin view and the benchmark */
  bytes: number;
  /** entries that could not be read (the rest were): shown per calendar in the admin view */
  problems?: string[];
}

export interface SyncWindow {
  from: Date;
  to: Date;
}

export interface CalendarSource {
  /** unique among the hub's calendars, e.g. `caldav-anna` */
  readonly id: string;
  readonly personId: string;
  readonly kind: 'caldav' | 'ics' | 'graph';
  /**
   * What changed since the last call; the first call (or one after the server forgot our
   * sync state) returns everything with `full: true`. `window` bounds what a service that
   * expands recurrences itself (Graph) returns. Rejects with `CalendarError` on failure;
   * the next call retries.
   */
  sync(window: SyncWindow, signal?: AbortSignal): Promise<CalendarChanges>;
}

/**
 * One cheap question for many calendars of one source: which may have changed since each was
 * last synced? (CalDAV: one PROPFIND on the calendar home instead of a REPORT per calendar.)
 * The sync engine then syncs only those; the others count as synced and unchanged.
 */
export interface CalendarProbe {
  /** e.g. the calendar home's URL, for logs */
  readonly id: string;
  /** the calendars this probe answers for */
  readonly sourceIds: readonly string[];
  /**
   * Ids (among `sourceIds`) that may have changed since their last successful sync, and the
   * bytes received. Rejects when the probe cannot tell; the engine then syncs them all.
   */
  changed(signal?: AbortSignal): Promise<{ changed: Set<string>; bytes: number }>;
}

/** A calendar that could not be read: the sync engine reports it per calendar and keeps the others going. */
export class CalendarError extends Error {
  constructor(
    readonly calendarId: string,
    readonly code: 'unreachable' | 'timeout' | 'http' | 'auth' | 'parse' | 'throttled',
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'CalendarError';
  }
}
