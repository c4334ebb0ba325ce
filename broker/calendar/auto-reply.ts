/**
 * The Outlook automatic reply for an absence set on the phone (seed 000: "Autosvar i Outlook
 * aktiveres ved fravær"). When a person sets an absence with `autoReply`, and has a Microsoft
 * Graph calendar, the reply is scheduled with back-at and who to contact instead; ending
 * the absence turns it off. PR-2: the reply never contains the reason. A feature with
 * start() and stop(): it listens to the hub's commits.
 */
import type { Logger } from '../../protocol/index.js';
import type { Directory } from '../directory/directory.js';
import { activeDiversion, type PersonRecord } from '../state/person-record.js';
import type { Store } from '../store/store.js';
import { absenceAutoReply, type AutoReply } from './graph-calendar.js';

export interface AutoReplyTarget {
  setAutoReply(reply: AutoReply): Promise<unknown>;
}

export interface AutoReplyHub {
  readonly directory: Directory;
  onCommit(listener: (people: readonly PersonRecord[], entry: Parameters<Store['commit']>[2]) => void): () => void;
}

export class AutoReplySync {
  private off: (() => void) | null = null;
  /** per person: the absence (`since until`) the reply was last set for */
  private readonly set = new Map<string, string>();
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly opts: { hub: AutoReplyHub; mailboxOf: (personId: string) => AutoReplyTarget | null; logger: Logger },
  ) {}

  start(): void {
    this.off = this.opts.hub.onCommit((people) => {
      for (const rec of people) this.consider(rec);
    });
  }

  async stop(): Promise<void> {
    this.off?.();
    this.off = null;
    await this.pending;
  }

  /** For tests: resolves when every reply asked for so far has been sent (or failed and logged). */
  settled(): Promise<unknown> {
    return this.pending;
  }

  private consider(rec: PersonRecord): void {
    const mailbox = this.opts.mailboxOf(rec.personId);
    if (!mailbox) return;
    const s = rec.status;
    const want = s && s.autoReply && s.source !== 'calendar' ? `${s.since} ${s.until}` : null;
    const had = this.set.get(rec.personId) ?? null;
    if (want === had) return;
    const dir = this.opts.hub.directory;
    let reply: AutoReply;
    if (want && s) {
      this.set.set(rec.personId, want);
      const d = activeDiversion(rec);
      const contact = d ? dir.target(d.to) : undefined;
      reply = absenceAutoReply({
        name: dir.nameOf(rec.personId),
        backAt: s.until ? new Date(s.until) : null,
        // the colleague taking the calls (never in a sensitive department's extension, RT-1)
        contact: contact
          ? contact.kind === 'person'
            ? { name: contact.person.name, phone: dir.departments.get(contact.person.dept)?.sensitive ? null : contact.person.extension }
            : { name: contact.group.name, phone: contact.group.number }
          : null,
        from: new Date(s.since),
      });
    } else {
      this.set.delete(rec.personId);
      reply = { status: 'disabled' };
    }
    this.pending = this.pending
      .then(() => mailbox.setAutoReply(reply))
      .then(
        () => this.opts.logger.info('outlook auto-reply set', { person: rec.personId, status: reply.status }),
        (err: Error) => this.opts.logger.warn('outlook auto-reply failed', { person: rec.personId, err: err.message }),
      );
  }
}
