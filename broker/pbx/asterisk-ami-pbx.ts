/**
 * The PbxPort over the Asterisk Manager Interface, for Asterisk with FreePBX (16–21; older ones
 * through fallbacks noted below). The AMI session itself is ami/ami-client.ts.
 *
 * **Forwards** live where FreePBX keeps them, in AstDB: family `CF` is "forward all calls"
 * (`CF/<extension>` = the number to forward to; what *72 / *73 write), the one the hub drives.
 * FreePBX's `CFB` (busy), `CFU` (unavailable) and `DND` (`YES`) are left alone.
 * - `applyForward(ext, to)` → `DBPut Family: CF, Key: ext, Val: to`.
 * - `applyForward(ext, null)` → `DBDel Family: CF, Key: ext`. Deleting a key that is not there is
 *   success (idempotent). AMI answers that with an error — "Database entry could not be deleted"
 *   in current Asterisk (main/db.c checks the key first), "Database entry not found" in older
 *   ones — so on an error the key is looked up with `DBGet`, and only a key still there fails.
 * - `readForwards()` → `DBGetTree Family: CF` (an EventList of DBGetTreeResponse events with
 *   `Key: /CF/<ext>`, `Val: <to>`; since Asterisk 16.28, 18.14, 19.6). Older ones answer
 *   "Invalid/unknown command": then, and from then on for that session, `Command: database show CF`,
 *   whose `/CF/1001   : 1002` lines come as `Output:` headers (Asterisk ≥ 14) or as a
 *   `Response: Follows` body ended by `--END COMMAND--` (≤ 13).
 *
 * **Routes**: none (`routes` stays undefined). Asterisk follows the forwards itself; ring groups,
 * queues, time conditions and announcements stay in FreePBX's dialplan.
 *
 * **Presence** (busy lamps): `setPresence` sets two AMI `Setvar`s without a channel, i.e. writes
 * to the dialplan functions DEVICE_STATE and PRESENCE_STATE. A phone's BLF key shows them when its
 * hint includes the custom device (e.g. `exten => 1001,hint,PJSIP/1001&Custom:omstil1001,CustomPresence:1001`).
 *
 * | omstil presence | DEVICE_STATE(Custom:omstil<ext>) | PRESENCE_STATE(CustomPresence:<ext>) |
 * |-----------------|----------------------------------|--------------------------------------|
 * | available       | NOT_INUSE                        | `available,,Ledig`                   |
 * | on-call         | INUSE                            | `dnd,,I telefon`                     |
 * | in-meeting      | BUSY                             | `dnd,,I møde`                        |
 * | away            | UNAVAILABLE                      | `away,,Kort fravær`                  |
 * | absent          | UNAVAILABLE                      | `xa,,Fraværende`                     |
 * | off-hours       | UNAVAILABLE                      | `xa,,Uden for telefontid`            |
 *
 * The value is `<state>,<subtype>,<message>` (DEVICE_STATE / PRESENCE_STATE function docs); the
 * message is the presence's own label and nothing else. PR-2: an absence reason never goes into a
 * presence message — the port hands over only the presence, and this adapter keeps it that way.
 *
 * **Call events**: the session logs in with `Events: call`; DialBegin / DialEnd / BlindTransfer /
 * AttendedTransfer / Hangup become ringing / answered / ended / transferred (ami/ami-call-events.ts).
 *
 * **Voicemail** (AS-5): app_voicemail's `MessageWaiting` events (class call: the same `Events: call`
 * login hears them) become `onVoicemail` reports: `Mailbox: 1001@default` → mailbox 1001,
 * `New` → unheard, `Old` → heard (ami/ami-voicemail.ts). Asterisk sends one on every change (a
 * message left, heard, deleted), not on connect: a change while the hub was away arrives with
 * the mailbox's next change. `voicemailContexts` limits which voicemail contexts count.
 * `readVoicemail` reads the counts back for the hub's reconcile with `MailboxCount`
 * (`Mailbox: 1001@default` → `NewMessages` + `UrgMessages` unheard, `OldMessages` heard), in
 * every context of `voicemailContexts` (summed; default `default`, where FreePBX keeps them), at
 * most `voicemailReadConcurrency` actions at a time. A box that answers an error or nonsense is
 * logged and left out; no session at all, or `Permission denied`, rejects the whole read. A box
 * app_voicemail does not have reads 0/0 (MailboxCount cannot tell it from an empty one).
 *
 * The manager user (FreePBX: Settings → Asterisk Manager Users, or manager_custom.conf) needs
 * `read = call` (the events) and `write = system,call` (DBPut/DBDel/DBGet/DBGetTree are class
 * system, Setvar and MailboxCount class call), plus `command` on Asterisk without DBGetTree. A missing right is
 * answered `Permission denied`, which surfaces as PbxError `refused`.
 */
import { PRESENCE_DA, systemClock, type Clock, type Logger, type Presence } from '../../protocol/index.js';
import { PbxError, type PbxCallEvent, type PbxPort, type PbxVoicemailEvent } from './pbx-port.js';
import { AmiClient, type AmiResponse, type AmiStatus } from './ami/ami-client.js';
import { AmiCallTracker } from './ami/ami-call-events.js';
import { mailboxCount, voicemailEvent } from './ami/ami-voicemail.js';
import type { AmiPacket } from './ami/ami-parser.js';

export interface AsteriskAmiPbxOptions {
  host: string;
  /** AMI port (default 5038) */
  port?: number;
  username: string;
  secret: string;
  logger: Logger;
  /** bound on each AMI action and on connect + login (default 5 s) */
  timeoutMs?: number;
  /** PbxPort name (default 'asterisk') */
  name?: string;
  /** the custom device a phone's lamp follows: `<prefix><extension>` (default `Custom:omstil`) */
  deviceStatePrefix?: string;
  /** the presence provider: `<prefix><extension>` (default `CustomPresence:`) */
  presencePrefix?: string;
  /** the presence messages, e.g. in English; commas and line breaks are removed (default Danish labels) */
  presenceMessages?: Partial<Record<Presence, string>>;
  /** hear calls (Login `Events: call`); false logs in with `Events: off` (default true) */
  callEvents?: boolean;
  /** AMI Ping interval (default 20 s) */
  pingIntervalMs?: number;
  /** reconnect backoff (defaults 500 ms … 30 s) */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** AS-5: only mailboxes in these app_voicemail contexts are reported (default: every context) */
  voicemailContexts?: readonly string[];
  /** AS-5: MailboxCount actions in flight at once during `readVoicemail` (default 4) */
  voicemailReadConcurrency?: number;
  clock?: Clock;
  random?: () => number;
}

/** The AstDB family FreePBX keeps "forward all calls" in. */
export const FORWARD_FAMILY = 'CF';

/** omstil presence → Asterisk device state (DEVICE_STATE values: UNKNOWN | NOT_INUSE | INUSE | BUSY | INVALID | UNAVAILABLE | RINGING | RINGINUSE | ONHOLD). */
export const DEVICE_STATE: Readonly<Record<Presence, string>> = {
  available: 'NOT_INUSE',
  'on-call': 'INUSE',
  'in-meeting': 'BUSY',
  away: 'UNAVAILABLE',
  absent: 'UNAVAILABLE',
  'off-hours': 'UNAVAILABLE',
};

/** omstil presence → Asterisk presence state (PRESENCE_STATE values: not_set | unavailable | available | away | xa | chat | dnd). */
export const PRESENCE_STATE: Readonly<Record<Presence, string>> = {
  available: 'available',
  'on-call': 'dnd',
  'in-meeting': 'dnd',
  away: 'away',
  absent: 'xa',
  'off-hours': 'xa',
};

/** The presence message shown with the presence state: the presence's label (the phone screen's words), never a reason (PR-2). */
export const PRESENCE_MESSAGE_DA = PRESENCE_DA;

/** Extensions and forward targets: digits and the few signs dial strings use; no `/` (an AstDB path) nor spaces. */
const DIALABLE = /^[0-9A-Za-z+*#._-]{1,64}$/;

export class AsteriskAmiPbx implements PbxPort {
  readonly name: string;
  private readonly client: AmiClient;
  private readonly tracker: AmiCallTracker;
  private readonly listeners = new Set<(e: PbxCallEvent) => void>();
  private readonly voicemailListeners = new Set<(e: PbxVoicemailEvent) => void>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private unsubscribe: Array<() => void> = [];
  /** whether this session's Asterisk has DBGetTree; unknown until asked, asked again after a reconnect */
  private hasDbGetTree: boolean | undefined;

  constructor(private readonly opts: AsteriskAmiPbxOptions) {
    this.name = opts.name ?? 'asterisk';
    this.log = opts.logger;
    this.client = new AmiClient({
      host: opts.host,
      port: opts.port ?? 5038,
      username: opts.username,
      secret: opts.secret,
      logger: opts.logger,
      events: opts.callEvents === false ? 'off' : 'call',
      timeoutMs: opts.timeoutMs,
      pingIntervalMs: opts.pingIntervalMs,
      reconnectMinMs: opts.reconnectMinMs,
      reconnectMaxMs: opts.reconnectMaxMs,
      pbxName: this.name,
      random: opts.random,
    });
    this.clock = opts.clock ?? systemClock;
    this.tracker = new AmiCallTracker({ clock: this.clock });
  }

  async start(): Promise<void> {
    if (this.unsubscribe.length > 0) return; // started already
    this.unsubscribe.push(
      this.client.onEvent((e) => this.event(e)),
      this.client.onStatus((s) => this.status(s)),
    );
    try {
      await this.client.start();
    } catch (err) {
      this.detach();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.detach();
    await this.client.stop();
  }

  async applyForward(extension: string, toExtension: string | null): Promise<void> {
    this.check('extension', extension);
    if (toExtension === null) return this.deleteForward(extension);
    this.check('forward target', toExtension);
    const res = await this.client.action('DBPut', { Family: FORWARD_FAMILY, Key: extension, Val: toExtension });
    if (!res.ok) throw this.refusal(`DBPut ${FORWARD_FAMILY}/${extension}`, res);
  }

  async readForwards(): Promise<Map<string, string>> {
    if (this.hasDbGetTree !== false) {
      const res = await this.client.action('DBGetTree', { Family: FORWARD_FAMILY });
      if (res.ok) {
        this.hasDbGetTree = true;
        const out = new Map<string, string>();
        for (const e of res.events) {
          if (e.event?.trim() !== 'DBGetTreeResponse') continue;
          const key = forwardKey(e.get('Key'));
          const val = e.get('Val')?.trim();
          if (key && val) out.set(key, val);
        }
        return out;
      }
      if (!/invalid\/unknown command/i.test(res.message ?? '')) throw this.refusal(`DBGetTree ${FORWARD_FAMILY}`, res);
      this.hasDbGetTree = false;
      this.log.info('Asterisk has no DBGetTree (before 16.28/18.14/19.6): reading forwards with `database show`');
    }
    const res = await this.client.action('Command', { Command: `database show ${FORWARD_FAMILY}` });
    if (!res.ok) throw this.refusal(`Command database show ${FORWARD_FAMILY}`, res);
    return parseDatabaseShow(res.output, FORWARD_FAMILY);
  }

  onCallEvent(listener: (e: PbxCallEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** AS-5: mailbox message-waiting changes (`MessageWaiting`); returns an unsubscribe function. */
  onVoicemail(listener: (e: PbxVoicemailEvent) => void): () => void {
    this.voicemailListeners.add(listener);
    return () => this.voicemailListeners.delete(listener);
  }

  /**
   * AS-5 reconcile: each mailbox's counts by `MailboxCount`, in every voicemail context asked
   * for (summed). One box failing (an error answer, an unreadable one, a timeout) leaves it out
   * and the rest go on; no session (`unreachable`) or a refused right rejects the whole read.
   */
  async readVoicemail(mailboxes: readonly string[]): Promise<Map<string, { unheard: number; heard: number }>> {
    const contexts = this.opts.voicemailContexts?.length ? this.opts.voicemailContexts : ['default'];
    const boxes = [...new Set(mailboxes)].filter((m) => {
      if (typeof m === 'string' && DIALABLE.test(m)) return true;
      this.log.debug('not a mailbox; not read', { mailbox: String(m).slice(0, 40) });
      return false;
    });
    const out = new Map<string, { unheard: number; heard: number }>();
    let fatal: unknown = null;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (fatal === null && next < boxes.length) {
        const box = boxes[next++]!;
        try {
          const counts = await this.countMailbox(box, contexts);
          if (counts) out.set(box, counts);
        } catch (err) {
          // the PBX cannot be asked at all: the other boxes would only wait for the same
          fatal ??= err;
        }
      }
    };
    const width = Math.max(1, Math.min(this.opts.voicemailReadConcurrency ?? 4, boxes.length));
    await Promise.all(Array.from({ length: width }, worker));
    if (fatal !== null) throw fatal;
    return out;
  }

  async setPresence(extension: string, presence: Presence): Promise<void> {
    this.check('extension', extension);
    const device = DEVICE_STATE[presence];
    const state = PRESENCE_STATE[presence];
    if (!device || !state) throw new PbxError(this.name, 'protocol', `unknown presence ${JSON.stringify(presence)}`);
    const message = cleanMessage(this.opts.presenceMessages?.[presence] ?? PRESENCE_MESSAGE_DA[presence]);
    const prefix = this.opts.deviceStatePrefix ?? 'Custom:omstil';
    const presencePrefix = this.opts.presencePrefix ?? 'CustomPresence:';
    const sets: Array<[string, string]> = [
      [`DEVICE_STATE(${prefix}${extension})`, device],
      // PR-2: the message is the presence's label only; no absence reason reaches the PBX
      [`PRESENCE_STATE(${presencePrefix}${extension})`, `${state},,${message}`],
    ];
    for (const [Variable, Value] of sets) {
      const res = await this.client.action('Setvar', { Variable, Value });
      if (!res.ok) throw this.refusal(`Setvar ${Variable}`, res);
    }
  }

  // ---- inside ----

  private async deleteForward(extension: string): Promise<void> {
    const res = await this.client.action('DBDel', { Family: FORWARD_FAMILY, Key: extension });
    if (res.ok) return;
    if (!/not found|could not be deleted|does not exist/i.test(res.message ?? '')) throw this.refusal(`DBDel ${FORWARD_FAMILY}/${extension}`, res);
    // idempotent: a key that is not there is deleted; make sure that is what the error meant
    const get = await this.client.action('DBGet', { Family: FORWARD_FAMILY, Key: extension });
    if (get.ok) throw this.refusal(`DBDel ${FORWARD_FAMILY}/${extension} (the key is still there)`, res);
    this.log.debug('forward already absent', { extension, message: res.message });
  }

  /** One box's counts summed over `contexts`; null (logged) when it cannot be read; throws when the PBX cannot be asked. */
  private async countMailbox(box: string, contexts: readonly string[]): Promise<{ unheard: number; heard: number } | null> {
    const sum = { unheard: 0, heard: 0 };
    for (const context of contexts) {
      const mailbox = `${box}@${context}`;
      let res: AmiResponse;
      try {
        res = await this.client.action('MailboxCount', { Mailbox: mailbox });
      } catch (err) {
        if (err instanceof PbxError && err.code === 'timeout') {
          this.log.warn('AMI MailboxCount unanswered; mailbox not read', { mailbox, error: err.message, rule: 'AS-5' });
          return null;
        }
        throw err;
      }
      if (!res.ok) {
        const refusal = this.refusal(`MailboxCount ${mailbox}`, res);
        if (refusal.code === 'refused') throw refusal;
        this.log.warn('AMI MailboxCount refused; mailbox not read', { mailbox, message: res.message, rule: 'AS-5' });
        return null;
      }
      const counts = mailboxCount(res.packet);
      if (!counts) {
        this.log.warn('AMI MailboxCount answer unreadable; mailbox not read', { mailbox, rule: 'AS-5' });
        return null;
      }
      sum.unheard += counts.unheard;
      sum.heard += counts.heard;
    }
    return sum;
  }

  private event(e: AmiPacket): void {
    if (e.event?.trim() === 'MessageWaiting') return this.voicemail(e);
    let out: PbxCallEvent[];
    try {
      out = this.tracker.handle(e);
    } catch (err) {
      this.log.warn('AMI event not understood; ignored', { event: e.event, error: (err as Error).message });
      return;
    }
    for (const ce of out) {
      for (const l of this.listeners) {
        try {
          l(ce);
        } catch (err) {
          this.log.error('call event listener threw', { type: ce.type, callId: ce.callId, error: (err as Error).message });
        }
      }
    }
  }

  /** AS-5: one mailbox's message-waiting state, to every listener; an unreadable one is logged and skipped. */
  private voicemail(e: AmiPacket): void {
    const filter = this.opts.voicemailContexts ? { contexts: this.opts.voicemailContexts } : {};
    const vm = voicemailEvent(e, this.clock, filter);
    if (!vm) {
      this.log.debug('MessageWaiting not for a mailbox we report, or unreadable; ignored', { mailbox: e.get('Mailbox') });
      return;
    }
    for (const l of this.voicemailListeners) {
      try {
        l(vm);
      } catch (err) {
        this.log.error('voicemail listener threw', { mailbox: vm.mailbox, error: (err as Error).message });
      }
    }
  }

  private status(s: AmiStatus): void {
    // a reconnect may land on another (upgraded) Asterisk: ask about DBGetTree again
    if (s === 'connected') this.hasDbGetTree = undefined;
  }

  private detach(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  private check(what: string, value: string): void {
    if (typeof value !== 'string' || !DIALABLE.test(value)) {
      throw new PbxError(this.name, 'protocol', `not a valid ${what} for AstDB: ${JSON.stringify(String(value).slice(0, 40))}`);
    }
  }

  private refusal(what: string, res: AmiResponse): PbxError {
    const code = /permission denied/i.test(res.message ?? '') ? 'refused' : 'protocol';
    return new PbxError(this.name, code, `AMI ${what}: ${res.response}${res.message ? ` (${res.message})` : ''}`);
  }
}

/** `/CF/1001` (DBGetTree's Key) or a bare `1001` → 1001; deeper keys are not forwards. */
function forwardKey(key: string | undefined): string | undefined {
  const k = key?.trim();
  if (!k) return undefined;
  const prefix = `/${FORWARD_FAMILY}/`;
  const rest = k.startsWith(prefix) ? k.slice(prefix.length) : k.startsWith('/') ? '' : k;
  return rest && !rest.includes('/') ? rest : undefined;
}

/**
 * The lines of `database show <family>` (main/db.c prints `%-50s: %-25s` per entry, then
 * `N results found.`) → key → value, for the keys directly under the family.
 */
export function parseDatabaseShow(lines: readonly string[], family: string): Map<string, string> {
  const out = new Map<string, string>();
  const prefix = `/${family}/`;
  for (const raw of lines) {
    const line = raw.trim();
    if (!line.startsWith(prefix)) continue;
    const sep = line.indexOf(':');
    if (sep < 0) continue;
    const key = line.slice(prefix.length, sep).trim();
    const val = line.slice(sep + 1).trim();
    if (key && !key.includes('/') && !/\s/.test(key) && val) out.set(key, val);
  }
  return out;
}

/** Commas separate the PRESENCE_STATE fields; line breaks would end the AMI header. */
function cleanMessage(s: string): string {
  return s.replace(/\s*[,\r\n]+\s*/g, ' ').trim();
}
