/**
 * AS-5 in the hub: the PBX's mailbox message-waiting events become the person's voicemail
 * state through the policy (`set-voicemail`, source `pbx`). The mailbox is an extension; the
 * directory says whose (`byNumber`). A mailbox nobody in the directory has (a shared or
 * retired box) is logged and ignored; a repeated report changes nothing (the policy sees no
 * difference, so there is no new revision). The flag itself is time's work (`refresh`).
 * A PBX without `onVoicemail` (Kamailio) reports none: the watch then does nothing.
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
}

export class VoicemailWatch {
  private unsubscribe: (() => void) | null = null;
  /** mailboxes already logged as unknown, so a chatty PBX does not fill the log */
  private readonly unknown = new Set<string>();

  constructor(private readonly opts: VoicemailWatchOptions) {}

  start(): void {
    if (!this.opts.pbx.onVoicemail || this.unsubscribe) return;
    this.unsubscribe = this.opts.pbx.onVoicemail((e) => this.onEvent(e));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.unknown.clear();
  }

  /** One message-waiting report. Never throws: one bad report must not stop the PBX's event loop. */
  onEvent(e: PbxVoicemailEvent): void {
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
