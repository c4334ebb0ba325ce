/**
 * Calendar sync (PR-3, DV-5): polls every CalendarSource, keeps each calendar's items,
 * expands them over a sliding window, and every tick plans what each person's calendar asks
 * of the hub (`calendar-plan.ts`) and runs it through `Hub.execute` with source `calendar`:
 * the same policy as a phone. A calendar that fails is reported on its own; the others keep
 * syncing. A feature with start() and stop().
 */
import { OmstilError, type Logger } from '../../protocol/index.js';
import type { Actor, Command } from '../policy/commands.js';
import type { PolicyState } from '../policy/policy-state.js';
import { addDays, atLocal, localDate } from '../policy/hours/zone.js';
import { newPlanMemory, planPerson, type PlanMemory, type PlanOptions } from './calendar-plan.js';
import { CalendarError, type CalendarItem, type CalendarProbe, type CalendarSource, type Occurrence, type SyncWindow } from './calendar-source.js';
import { expandItem } from './ics/parse-ics.js';

/** The part of the hub calendar sync uses. */
export interface CalendarHub {
  readonly state: PolicyState;
  now(): Date;
  execute(actor: Actor, cmd: Command): unknown;
}

export interface CalendarStatus {
  id: string;
  personId: string;
  kind: CalendarSource['kind'];
  /** last attempt and last success (ISO), null before the first */
  lastSyncAt: string | null;
  lastOkAt: string | null;
  /** what went wrong last time, or null */
  error: { code: string; message: string } | null;
  /** entries that could not be read, from the last sync */
  problems: string[];
  items: number;
  bytesReceived: number;
}

export interface CalendarSyncOptions extends Partial<PlanOptions> {
  hub: CalendarHub;
  sources: readonly CalendarSource[];
  /** cheap change checks for groups of sources (CalDAV homes); a source in none is always synced */
  probes?: readonly CalendarProbe[];
  logger: Logger;
  /** how often every calendar is polled (default 60 s) */
  pollMs?: number;
  /** how often plans run (default 1 s) */
  tickMs?: number;
  /** calendars synced at once (Radicale resets connections beyond ~8) */
  concurrency?: number;
  /** the expansion window: days back and ahead of today (default 1 and 14) */
  windowDays?: { back: number; ahead: number };
}

interface CalendarState {
  source: CalendarSource;
  items: Map<string, CalendarItem>;
  /** occurrences per item for the window `windowKey` */
  expanded: Map<string, Occurrence[]>;
  windowKey: string;
  status: CalendarStatus;
}

export class CalendarSync {
  private readonly calendars: CalendarState[];
  /** each person's calendars, for the per-second plans */
  private readonly byPerson = new Map<string, CalendarState[]>();
  private readonly memory = new Map<string, PlanMemory>();
  private readonly timers: NodeJS.Timeout[] = [];
  private syncing: Promise<void> | null = null;
  /** the last failure of each probe (logged once, not every poll) */
  private readonly probeErrors = new Map<string, string>();
  private stopped = false;
  private readonly actor: Actor;
  private readonly plan: PlanOptions;

  constructor(private readonly opts: CalendarSyncOptions) {
    this.calendars = opts.sources.map((source) => ({
      source,
      items: new Map(),
      expanded: new Map(),
      windowKey: '',
      status: { id: source.id, personId: source.personId, kind: source.kind, lastSyncAt: null, lastOkAt: null, error: null, problems: [], items: 0, bytesReceived: 0 },
    }));
    for (const c of this.calendars) this.byPerson.set(c.source.personId, [...(this.byPerson.get(c.source.personId) ?? []), c]);
    this.actor = { source: 'calendar', id: 'sync', personId: null };
    this.plan = { promptMinutes: opts.promptMinutes ?? 5, tentative: opts.tentative ?? 'free' };
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.syncAll();
    this.tick();
    this.timers.push(setInterval(() => void this.syncAll(), this.opts.pollMs ?? 60_000));
    this.timers.push(setInterval(() => this.tick(), this.opts.tickMs ?? 1000));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    await this.syncing;
  }

  /** Per calendar: when it last synced, and what went wrong (for the admin view). */
  status(): CalendarStatus[] {
    return this.calendars.map((c) => ({ ...c.status, problems: [...c.status.problems] }));
  }

  /**
   * Polls every calendar once (at most `concurrency` requests at a time); one already running is
   * joined. The probes go first: a calendar a probe vouches for as unchanged is not asked.
   */
  syncAll(): Promise<void> {
    if (this.syncing) return this.syncing;
    const run = async () => {
      const unchanged = await this.probeAll();
      const queue = this.calendars.filter((c) => !unchanged.has(c.source.id));
      const now = this.opts.hub.now().toISOString();
      for (const c of this.calendars) if (unchanged.has(c.source.id)) c.status = { ...c.status, lastSyncAt: now, lastOkAt: now, error: null };
      await this.pool(queue, (c) => this.syncOne(c));
    };
    this.syncing = run().finally(() => (this.syncing = null));
    return this.syncing;
  }

  /** Runs every probe; the ids of the calendars they found unchanged. A failed probe vouches for none. */
  private async probeAll(): Promise<Set<string>> {
    const unchanged = new Set<string>();
    await this.pool([...(this.opts.probes ?? [])], async (p) => {
      try {
        const { changed } = await p.changed();
        for (const id of p.sourceIds) if (!changed.has(id)) unchanged.add(id);
        if (this.probeErrors.delete(p.id)) this.opts.logger.info('calendar probe works again', { probe: p.id });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (this.probeErrors.get(p.id) !== message) this.opts.logger.warn('calendar probe failed; its calendars are synced one by one', { probe: p.id, err: message });
        this.probeErrors.set(p.id, message);
      }
    });
    return unchanged;
  }

  /** Runs `work` over `items`, at most `concurrency` at a time, until stopped. */
  private async pool<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
    const queue = [...items];
    const worker = async () => {
      for (let item = queue.shift(); item !== undefined && !this.stopped; item = queue.shift()) await work(item);
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 6, queue.length) }, worker));
  }

  private window(): SyncWindow {
    const today = localDate(this.opts.hub.now());
    const { back, ahead } = this.opts.windowDays ?? { back: 1, ahead: 14 };
    return { from: atLocal(addDays(today, -back), '00:00'), to: atLocal(addDays(today, ahead + 1), '00:00') };
  }

  private async syncOne(c: CalendarState): Promise<void> {
    const now = this.opts.hub.now().toISOString();
    c.status.lastSyncAt = now;
    try {
      const changes = await c.source.sync(this.window());
      if (changes.full) {
        c.items.clear();
        c.expanded.clear();
      }
      for (const id of changes.removed) {
        c.items.delete(id);
        c.expanded.delete(id);
      }
      for (const item of changes.items) {
        c.items.set(item.id, item);
        c.expanded.delete(item.id);
      }
      c.status = { ...c.status, lastOkAt: now, error: null, problems: changes.problems ?? [], items: c.items.size, bytesReceived: c.status.bytesReceived + changes.bytes };
      if (changes.problems?.length) this.opts.logger.warn('calendar entries skipped', { calendar: c.source.id, problems: changes.problems.slice(0, 5) });
    } catch (err) {
      const e = err instanceof CalendarError ? err : new CalendarError(c.source.id, 'http', (err as Error).message);
      if (c.status.error?.message !== e.message) this.opts.logger.warn('calendar sync failed', { calendar: c.source.id, code: e.code, err: e.message });
      c.status = { ...c.status, error: { code: e.code, message: e.message } };
    }
  }

  /** A person's occurrences from all their calendars, expanded for today's window. */
  private occurrencesOf(personId: string): Occurrence[] {
    const out: Occurrence[] = [];
    const window = this.window();
    const key = window.from.toISOString();
    for (const c of this.byPerson.get(personId) ?? []) {
      if (c.windowKey !== key) {
        c.expanded.clear();
        c.windowKey = key;
      }
      for (const [id, item] of c.items) {
        let occ = c.expanded.get(id);
        if (occ === undefined) {
          occ = this.expand(c, item, window);
          c.expanded.set(id, occ);
        }
        out.push(...occ);
      }
    }
    return out;
  }

  private expand(c: CalendarState, item: CalendarItem, window: SyncWindow): Occurrence[] {
    if (item.format === 'occurrences') return item.occurrences;
    const r = expandItem(item.data, window);
    // a broken entry is reported with its calendar; the rest of the calendar still counts
    if (r.problems.length) c.status.problems = [...new Set([...c.status.problems, ...r.problems])].slice(0, 50);
    return r.occurrences;
  }

  /** Plans every person with a calendar and runs the commands; a refusal is logged, never thrown. */
  tick(): void {
    if (this.stopped) return;
    const hub = this.opts.hub;
    for (const personId of this.byPerson.keys()) {
      if (!hub.state.dir.people.has(personId)) continue;
      let memory = this.memory.get(personId);
      if (!memory) this.memory.set(personId, (memory = newPlanMemory()));
      try {
        const commands = planPerson(hub.state, personId, this.occurrencesOf(personId), hub.now(), this.plan, memory);
        for (const cmd of commands) this.run(cmd);
      } catch (err) {
        this.opts.logger.error('calendar plan failed', { person: personId, err: (err as Error).stack });
      }
    }
  }

  private run(cmd: Command): void {
    try {
      this.opts.hub.execute(this.actor, cmd);
    } catch (err) {
      if (!(err instanceof OmstilError)) throw err;
      this.opts.logger.info('calendar change refused', { op: cmd.op, person: 'person' in cmd ? cmd.person : undefined, code: err.code, rule: err.rule });
    }
  }
}
