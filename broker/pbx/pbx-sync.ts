/**
 * Keeps the PBX in step with the hub's truth (DESIGN: the hub is the single source of truth;
 * pushes are idempotent; a periodic reconcile reads the PBX back and repairs drift).
 *
 * - After every commit the forwards of the people that changed, and the routes of the numbers
 *   their change can affect (`affectedNumbers`), are marked dirty and pushed.
 * - A push that fails stays dirty and is retried with backoff (1 s doubling to 30 s): nothing is
 *   lost, and the person's own phone shows "not yet applied" until the PBX has it.
 * - `reconcile()` (on start and every N seconds) reads the PBX's forwards and routes. A forward
 *   that changed on the PBX side (a feature code like *72 on a desk phone) is taken in through
 *   the policy like any other change — adopted, or refused and reverted — and the person's
 *   phone is told which and why. Then every difference from the hub's truth is repaired.
 * - Busy lamps: a PBX with `setPresence` (Asterisk) is told each person's presence when it
 *   changes, and all of them after a start or a PBX restart (lamps stuck after a restart are a
 *   classic PBX complaint).
 * PBX work runs one piece at a time: a reconcile never reads the PBX halfway through a push
 * (it would take the hub's own change for one made on a desk phone).
 */
import { OmstilError, type Logger, type Presence, type Texts } from '../../protocol/index.js';
import { availabilityOf } from '../policy/availability.js';
import type { Actor, Command } from '../policy/commands.js';
import type { PolicyState } from '../policy/policy-state.js';
import { activeDiversion, type PersonRecord } from '../state/person-record.js';
import type { PbxPort, PbxRoute } from './pbx-port.js';
import { affectedNumbers, allNumbers, allRoutes, routeFor, routeKey } from './pbx-routes.js';

/** The part of the hub PbxSync uses. */
export interface PbxHub {
  readonly state: PolicyState;
  now(): Date;
  /** runs a command through the policy (throws OmstilError when refused) */
  execute(actor: Actor, cmd: Command): unknown;
  /** writes a journal entry with no state change (a refused PBX-side forward) */
  journal(entry: { at: string; actor: string; op: string; detail: unknown }): void;
  /** these people's PBX status (pending / notice) changed: publish their own topic again */
  pbxStatusChanged(personIds: readonly string[]): void;
}

/** A forward set on the desk phone and what the hub made of it (shown on that phone). */
export interface PbxNotice {
  at: string;
  kind: 'adopted' | 'refused';
  /** the number the desk phone forwarded to; null for a forward removed there */
  to: string | null;
  rule: string | null;
  text: Texts;
}

export interface PbxStatus {
  /** applied: the PBX routes by the hub's state for this phone; pending: not yet (retried) */
  forward: 'applied' | 'pending';
  notice: PbxNotice | null;
}

export interface PbxSyncOptions {
  pbx: PbxPort;
  hub: PbxHub;
  logger: Logger;
  /** first retry after a failed push; doubles up to `maxRetryMs` */
  retryMs?: number;
  maxRetryMs?: number;
  /** PBX requests in flight at once */
  concurrency?: number;
  /** how long a notice stays on the phone */
  noticeMs?: number;
}

export class PbxSync {
  /** forwards the PBX is known to have: extension → target number */
  private forwards = new Map<string, string>();
  /** routes the PBX is known to have, as `routeKey`s */
  private routes = new Map<string, string>();
  private readonly dirtyForwards = new Set<string>();
  private readonly dirtyRoutes = new Set<string>();
  /** busy lamps (`PbxPort.setPresence`): what the PBX shows per extension, and what is to push */
  private readonly lamps = new Map<string, Presence>();
  private readonly dirtyLamps = new Set<string>();
  /** extensions whose forward push failed last time: their owners' phones say "pending" */
  private readonly failing = new Set<string>();
  private readonly notices = new Map<string, PbxNotice>();
  /** the PBX has been read at least once: differences from `forwards` are changes made on the PBX side */
  private read = false;
  /** the PBX run (`PbxPort.instance`) of the last read */
  private instance: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private draining = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly opts: PbxSyncOptions) {
    this.log = opts.logger;
    this.retryDelay = opts.retryMs ?? 1000;
  }

  /** What the person's own phone shows about the PBX. */
  statusOf(personId: string): PbxStatus {
    const ext = this.opts.hub.state.dir.people.get(personId)?.extension;
    const notice = this.notices.get(personId) ?? null;
    if (notice && Date.parse(notice.at) + (this.opts.noticeMs ?? 12 * 3600_000) < this.opts.hub.now().getTime()) this.notices.delete(personId);
    return { forward: ext && this.failing.has(ext) ? 'pending' : 'applied', notice: this.notices.get(personId) ?? null };
  }

  /** After a commit: push what these people's change (and any department change) means for the PBX. */
  changed(people: readonly PersonRecord[], deptsChanged: boolean): void {
    const state = this.opts.hub.state;
    for (const rec of people) {
      const ext = state.dir.people.get(rec.personId)?.extension;
      if (ext) this.dirtyForwards.add(ext);
      if (ext && this.opts.pbx.setPresence) this.dirtyLamps.add(ext);
    }
    if (this.opts.pbx.routes) {
      const numbers = deptsChanged ? allNumbers(state.dir) : affectedNumbers(state, people.map((p) => p.personId), this.opts.hub.now());
      for (const n of numbers) this.dirtyRoutes.add(n);
    }
    this.kick();
  }

  /** Runs (or joins) a drain of everything dirty. */
  flush(): Promise<void> {
    return this.enqueue(() => this.drain());
  }

  /** Reads the PBX back and repairs it; the number of repairs. */
  reconcile(): Promise<number> {
    return this.enqueue(() => this.reconcileNow());
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const job = this.queue.then(work);
    this.queue = job.catch(() => {});
    return job;
  }

  private kick(): void {
    if (this.draining || this.stopped) return;
    this.draining = true;
    void this.flush().finally(() => (this.draining = false));
  }

  /** The number the PBX forwards a person's extension to: a colleague's extension or a function number. */
  private desiredForward(ext: string): string | null {
    const state = this.opts.hub.state;
    const owner = state.dir.byNumber(ext);
    if (owner?.kind !== 'person') return null;
    const d = activeDiversion(state.people.get(owner.person.id));
    if (!d) return null;
    const t = state.dir.target(d.to);
    return t ? (t.kind === 'person' ? t.person.extension : t.group.number) : null;
  }

  private async drain(): Promise<void> {
    while (!this.stopped && (this.dirtyForwards.size || this.dirtyRoutes.size || this.dirtyLamps.size)) {
      const exts = [...this.dirtyForwards];
      const numbers = [...this.dirtyRoutes];
      const lamps = [...this.dirtyLamps];
      this.dirtyForwards.clear();
      this.dirtyRoutes.clear();
      this.dirtyLamps.clear();
      const now = this.opts.hub.now();
      const state = this.opts.hub.state;
      let failed = 0;
      const flipped: string[] = [];
      await this.pool(exts, async (ext) => {
        const want = this.desiredForward(ext);
        if ((this.forwards.get(ext) ?? null) === want && !this.failing.has(ext)) return;
        try {
          await this.opts.pbx.applyForward(ext, want);
          if (want) this.forwards.set(ext, want);
          else this.forwards.delete(ext);
          if (this.failing.delete(ext)) flipped.push(ext);
        } catch (err) {
          failed++;
          this.dirtyForwards.add(ext);
          if (!this.failing.has(ext)) {
            this.failing.add(ext);
            flipped.push(ext);
            this.log.warn('pbx forward not applied; retrying', { ext, want, err: (err as Error).message });
          }
        }
      });
      const routes = this.opts.pbx.routes;
      if (routes) {
        await this.pool(numbers, async (number) => {
          const want = routeFor(state, number, now);
          const key = routeKey(want);
          if ((this.routes.get(number) ?? '') === key) return;
          try {
            await routes.apply(number, want);
            if (key) this.routes.set(number, key);
            else this.routes.delete(number);
          } catch (err) {
            failed++;
            this.dirtyRoutes.add(number);
            this.log.debug('pbx route not applied; retrying', { number, err: (err as Error).message });
          }
        });
      }
      const setPresence = this.opts.pbx.setPresence?.bind(this.opts.pbx);
      if (setPresence) {
        await this.pool(lamps, async (ext) => {
          const owner = state.dir.byNumber(ext);
          if (owner?.kind !== 'person') return;
          const presence = availabilityOf(state, state.people.get(owner.person.id), owner.person.id, now).presence;
          if (this.lamps.get(ext) === presence) return;
          try {
            await setPresence(ext, presence);
            this.lamps.set(ext, presence);
          } catch (err) {
            failed++;
            this.dirtyLamps.add(ext);
            this.log.debug('pbx busy lamp not set; retrying', { ext, err: (err as Error).message });
          }
        });
      }
      this.statusFlipped(flipped);
      if (failed) {
        this.scheduleRetry();
        return;
      }
      this.retryDelay = this.opts.retryMs ?? 1000;
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, this.opts.maxRetryMs ?? 30_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
    this.retryTimer.unref?.();
  }

  private statusFlipped(exts: readonly string[]): void {
    if (!exts.length) return;
    const dir = this.opts.hub.state.dir;
    const ids = exts.map((e) => dir.byNumber(e)).flatMap((t) => (t?.kind === 'person' ? [t.person.id] : []));
    if (ids.length) this.opts.hub.pbxStatusChanged(ids);
  }

  private async reconcileNow(): Promise<number> {
    const pbx = this.opts.pbx;
    let actual: Map<string, string>;
    let actualRoutes: Map<string, PbxRoute> | null = null;
    let instance: string | null = null;
    try {
      if (pbx.instance) instance = await pbx.instance();
      actual = await pbx.readForwards();
      if (pbx.routes) actualRoutes = await pbx.routes.read();
    } catch (err) {
      this.log.warn('pbx read failed', { err: (err as Error).message });
      return 0;
    }
    // a PBX that restarted lost what it had: that is not people changing forwards on their phones
    const restarted = this.read && instance !== this.instance;
    if (restarted) this.log.warn('the pbx restarted since the last read; putting the hub\'s state back', { instance });
    if (this.read && !restarted) this.takeIn(actual);
    if (!this.read || restarted) {
      // what the lamps show is not read back; after a start or a PBX restart they are all set again
      this.lamps.clear();
      if (pbx.setPresence) for (const p of this.opts.hub.state.dir.people.values()) this.dirtyLamps.add(p.extension);
    }
    this.read = true;
    this.instance = instance;
    const state = this.opts.hub.state;
    // what the PBX holds now is what we know it has; everything that differs from the truth is dirty
    this.forwards = new Map(actual);
    let repaired = 0;
    const extensions = new Set([...actual.keys(), ...[...state.dir.people.values()].map((p) => p.extension)]);
    for (const ext of extensions) {
      if ((actual.get(ext) ?? null) !== this.desiredForward(ext)) {
        this.dirtyForwards.add(ext);
        repaired++;
      }
    }
    if (actualRoutes) {
      this.routes = new Map([...actualRoutes].map(([n, r]) => [n, routeKey(r)]));
      const want = allRoutes(state, this.opts.hub.now());
      for (const number of new Set([...this.routes.keys(), ...want.keys()])) {
        if ((this.routes.get(number) ?? '') !== routeKey(want.get(number))) {
          this.dirtyRoutes.add(number);
          repaired++;
        }
      }
    }
    await this.drain();
    if (repaired) this.log.info('pbx reconciled', { repaired });
    return repaired;
  }

  /** Forwards changed on the PBX side since the last read, through the policy. */
  private takeIn(actual: ReadonlyMap<string, string>): void {
    const hub = this.opts.hub;
    const actor: Actor = { source: 'pbx', id: this.opts.pbx.name, personId: null };
    const touched: string[] = [];
    for (const ext of new Set([...actual.keys(), ...this.forwards.keys()])) {
      const to = actual.get(ext) ?? null;
      if (to === (this.forwards.get(ext) ?? null)) continue;
      const owner = hub.state.dir.byNumber(ext);
      if (owner?.kind !== 'person' || to === this.desiredForward(ext)) continue;
      const personId = owner.person.id;
      const at = hub.now().toISOString();
      const toName = to === null ? null : (() => {
        const t = hub.state.dir.byNumber(to);
        return t ? (t.kind === 'person' ? t.person.name : t.group.name) : to;
      })();
      try {
        hub.execute(actor, { op: 'pbx-forward', extension: ext, to });
        this.log.info('pbx-side forward taken in', { ext, to });
        this.notices.set(personId, {
          at,
          kind: 'adopted',
          to,
          rule: null,
          text:
            to === null
              ? { da: 'Viderestillingen blev slået fra på telefonen og er fjernet i omstil.', en: 'The diversion was turned off on the phone and has been removed in omstil.' }
              : { da: `Viderestilling til ${toName} sat på telefonen er overtaget.`, en: `The diversion to ${toName} set on the phone has been taken over.` },
        });
      } catch (err) {
        if (!(err instanceof OmstilError)) throw err;
        // refused: the repair after this puts the hub's truth back on the PBX
        this.log.warn('pbx-side forward refused; reverting it', { ext, to, code: err.code, rule: err.rule });
        hub.journal({ at, actor: `pbx:${this.opts.pbx.name}`, op: 'pbx-forward-refused', detail: { extension: ext, to, code: err.code, rule: err.rule } });
        const why = err.text ?? { da: err.message, en: err.message };
        this.notices.set(personId, {
          at,
          kind: 'refused',
          to,
          rule: err.rule ?? null,
          text:
            to === null
              ? { da: `Viderestillingen kan ikke slås fra på telefonen og er sat igen: ${why.da}`, en: `The diversion cannot be turned off on the phone and has been set again: ${why.en}` }
              : { da: `Viderestilling til ${toName} sat på telefonen er fjernet igen: ${why.da}`, en: `The diversion to ${toName} set on the phone has been removed: ${why.en}` },
        });
      }
      touched.push(personId);
    }
    if (touched.length) hub.pbxStatusChanged(touched);
  }

  private async pool<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length) await work(items[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 8, items.length) }, worker));
  }
}
