/**
 * AS-5 in the hub: the PBX's mailbox message-waiting events become the person's voicemail
 * state through the policy (`set-voicemail`, source `pbx`). The mailbox is an extension; the
 * directory says whose (`byNumber`). A mailbox nobody in the directory has (a shared or
 * retired box) is logged and ignored; a repeated report changes nothing (the policy sees no
 * difference, so there is no new revision). The flag itself is time's work (`refresh`).
 * A PBX without `onVoicemail` (Kamailio) reports none: the watch then does nothing.
 *
 * Reconcile: PBXes report a mailbox only when it changes, so a box heard (or filled) while the
 * hub was down or the link was broken would stay wrong until its next change. With a PBX that
 * has `readVoicemail`, `start()` reads every directory person's mailbox, and again every
 * `reconcileMs` (the PbxPort has no "link is back" signal, and AsteriskAmiPbx does not expose
 * its session's), and applies each count as a `set-voicemail` at the hub's clock — the same path
 * as a report, so an unchanged box is a no-op, and a box found filled gets `unheardSince` = the
 * reconcile's time (when the hub learnt of it; the PBX gives no message ages). A box reported by
 * an event while the read was under way keeps the event's word (it is newer). Errors are
 * logged, never thrown.
 */
import { OmstilError, type Logger } from '../../protocol/index.js';
import type { Actor, Command } from '../policy/commands.js';
import type { PolicyState } from '../policy/policy-state.js';
import type { PbxPort, PbxVoicemailEvent } from './pbx-port.js';

export interface VoicemailHub {
  readonly state: PolicyState;
  now(): Date;
  execute(actor: Actor, cmd: Command): unknown;
}

export interface VoicemailWatchOptions {
  pbx: PbxPort;
  hub: VoicemailHub;
  logger: Logger;
  /** how often to read every mailbox back (default 10 minutes; 0: only at start) */
  reconcileMs?: number;
}

/** AS-5: how often the mailboxes are read back by default. */
export const VOICEMAIL_RECONCILE_MS = 10 * 60_000;

export class VoicemailWatch {
  private unsubscribe: (() => void) | null = null;
  /** mailboxes already logged as unknown, so a chatty PBX does not fill the log */
  private readonly unknown = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** the reconcile under way, if any: a second asks for the same one */
  private reading: Promise<number> | null = null;
  /** mailboxes reported by an event while a reconcile was reading: its counts for them are older */
  private readonly reportedMeanwhile = new Set<string>();

  constructor(private readonly opts: VoicemailWatchOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const { pbx } = this.opts;
    if (pbx.onVoicemail) this.unsubscribe = pbx.onVoicemail((e) => this.onEvent(e));
    if (!pbx.readVoicemail) return;
    void this.reconcile();
    const every = this.opts.reconcileMs ?? VOICEMAIL_RECONCILE_MS;
    if (every > 0) this.timer = setInterval(() => void this.reconcile(), every);
  }

  stop(): void {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unknown.clear();
    this.reportedMeanwhile.clear();
  }

  /**
   * AS-5: read every directory person's mailbox and apply the counts at the hub's clock.
   * Resolves to the number of mailboxes the PBX answered for (0 when it has no `readVoicemail`,
   * the watch is stopped, or the read failed). Never rejects.
   */
  reconcile(): Promise<number> {
    if (this.reading) return this.reading;
    const read = this.opts.pbx.readVoicemail;
    if (!this.running || !read) return Promise.resolve(0);
    const run = async (): Promise<number> => {
      const log = this.opts.logger;
      this.reportedMeanwhile.clear();
      try {
        const extensions = [...new Set([...this.opts.hub.state.dir.people.values()].map((p) => p.extension))];
        if (extensions.length === 0) return 0;
        const counts = await read.call(this.opts.pbx, extensions);
        if (!this.running) return 0; // stopped meanwhile: the hub is going away
        const at = this.opts.hub.now().toISOString();
        let skipped = 0;
        for (const [mailbox, c] of counts) {
          if (this.reportedMeanwhile.has(mailbox)) {
            skipped++;
            continue;
          }
          this.apply({ mailbox, unheard: c.unheard, heard: c.heard, at });
        }
        log.debug('voicemail reconciled', { mailboxes: counts.size, asked: extensions.length, newerByEvent: skipped, rule: 'AS-5' });
        return counts.size;
      } catch (err) {
        log.warn('voicemail reconcile failed; next try in the next round', { error: (err as Error).message, rule: 'AS-5' });
        return 0;
      } finally {
        this.reportedMeanwhile.clear();
      }
    };
    const reading = run();
    this.reading = reading;
    // (cleared after it settles, not inside it: a read that ends at once must not leave itself behind)
    void reading.then(() => {
      if (this.reading === reading) this.reading = null;
    });
    return reading;
  }

  /** One message-waiting report. Never throws: one bad report must not stop the PBX's event loop. */
  onEvent(e: PbxVoicemailEvent): void {
    if (this.reading && this.reportedMeanwhile.size < 100_000) this.reportedMeanwhile.add(e.mailbox);
    this.apply(e);
  }

  private apply(e: PbxVoicemailEvent): void {
    const log = this.opts.logger;
    try {
      const owner = this.opts.hub.state.dir.byNumber(e.mailbox);
      if (owner?.kind !== 'person') {
        if (this.unknown.size < 1000 && !this.unknown.has(e.mailbox)) {
          this.unknown.add(e.mailbox);
          log.info('voicemail for a mailbox no person has; ignored', { mailbox: e.mailbox, rule: 'AS-5' });
        }
        return;
      }
      this.unknown.delete(e.mailbox);
      const actor: Actor = { source: 'pbx', id: this.opts.pbx.name, personId: null };
      this.opts.hub.execute(actor, { op: 'set-voicemail', person: owner.person.id, unheard: e.unheard, heard: e.heard, at: e.at });
    } catch (err) {
      if (err instanceof OmstilError) log.warn('voicemail report refused', { mailbox: e.mailbox, code: err.code, rule: err.rule, field: err.field, reason: err.message });
      else log.error('voicemail report failed', { mailbox: e.mailbox, err: (err as Error).stack });
    }
  }
}
