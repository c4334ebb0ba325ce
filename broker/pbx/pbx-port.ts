/**
 * The PBX port: the hub keeps the PBX in step with its truth, and hears what happens to calls.
 *
 * Three layers, each optional beyond the first, because PBXes differ in what they take:
 * - **forwards** (every PBX): call forwarding per extension, as a desk phone's "viderestil
 *   alt" (FreePBX's AstDB `CF`, Kamailio's `fwd` table). Idempotent; the PBX follows chains
 *   itself. A forward set on the PBX side (a feature code like *72) shows up in
 *   `readForwards()` and is taken in through the policy at reconcile.
 * - **routes** (PBXes that can route by the hub's decision per number, e.g. Kamailio): for a
 *   dialled number, what the hub's policy decided — ring these extensions (a resolved chain, a
 *   function number's available members, PH-4) or send the caller to the announcement / IVR
 *   with a reason (outside phone hours PH-2, closure PH-3, take a message AS-1). A number
 *   with no route rings by its forwards. The last routes applied keep working while the hub
 *   is down.
 * - **call events** (PBXes that report calls): ringing, answered, ended, transferred; they
 *   drive `on-call` (PR-1), colleagues' pick-up view (DV-7) and statistics (ST-1).
 * Adapters are named after their technology: `kamailio-pbx.ts`, `asterisk-ami-pbx.ts`, and
 * the simulator's `SimulatedPbx`.
 */
import type { Presence } from '../../protocol/index.js';

/** Why a caller is sent to the announcement / IVR instead of a phone. */
export type AnnounceReason = 'outside-hours' | 'closure' | 'message';

/** The hub's decision for one dialled number. */
export type PbxRoute =
  /** ring these extensions now, in parallel (one for a resolved diversion chain) */
  | { kind: 'ring'; extensions: string[] }
  /** nobody is to ring: the IVR says why (it asks the routing endpoint for the text) */
  | { kind: 'announce'; reason: AnnounceReason };

export interface PbxCallEvent {
  type: 'ringing' | 'answered' | 'ended' | 'transferred';
  /** the PBX's id of the call (SIP Call-ID, Asterisk Linkedid) */
  callId: string;
  /** ISO instant the PBX saw it (the hub's clock when the PBX gives none) */
  at: string;
  /** the calling number (extension or outside number) */
  caller: string;
  /** the number dialled */
  callee: string;
  /** ringing: the extensions offered the call; answered: the one that took it */
  extensions?: string[];
  /** ringing: the route the PBX took (`announce` when sent to the IVR) */
  route?: PbxRoute;
  /** transferred: the number the call went to */
  transferTo?: string;
  /** ended: why (`completed`, `no-answer`, `busy`, `cancelled`, `failed`, `voicemail`: the caller was sent to a mailbox, `announced`: the IVR spoke) */
  reason?: string;
}

/**
 * AS-5: a mailbox's message-waiting state, as PBXes report it (Asterisk's `MessageWaiting`
 * event: `Mailbox`, `New`, `Old`; SIP NOTIFY message-summary). The hub keeps since when a
 * mailbox has had unheard messages and flags it when that passes a day.
 */
export interface PbxVoicemailEvent {
  /** the extension the mailbox belongs to */
  mailbox: string;
  /** messages not yet heard */
  unheard: number;
  /** messages heard and kept */
  heard: number;
  /** ISO instant the PBX reported it (the hub's clock when the PBX gives none) */
  at: string;
}

export interface PbxRoutes {
  /** Set (or clear with null) the route for a dialled number. Idempotent. */
  apply(number: string, route: PbxRoute | null): Promise<void>;
  /** Every route the PBX holds, for reconcile. */
  read(): Promise<Map<string, PbxRoute>>;
}

export interface PbxPort {
  readonly name: string;
  /** Forward all calls for `extension` to `toExtension`, or clear the forward with null. Idempotent. */
  applyForward(extension: string, toExtension: string | null): Promise<void>;
  /** The PBX's current forwards, for reconcile. */
  readForwards(): Promise<Map<string, string>>;
  /**
   * An id of the PBX's current run, which changes when it restarts (Kamailio: its start time).
   * A PBX that keeps forwards only in memory loses them on a restart; with this the hub tells
   * that apart from people clearing their forwards on their desk phones, and repairs instead
   * of adopting. Absent: the PBX keeps its state across restarts (Asterisk's AstDB).
   */
  instance?(): Promise<string>;
  /** present when the PBX routes by the hub's decision per number */
  readonly routes?: PbxRoutes;
  /** Call events as they happen; returns an unsubscribe function. Absent: the PBX reports none. */
  onCallEvent?(listener: (e: PbxCallEvent) => void): () => void;
  /** AS-5: mailbox message-waiting changes as they happen; returns an unsubscribe function. Absent: the PBX has no voicemail (or reports none). */
  onVoicemail?(listener: (e: PbxVoicemailEvent) => void): () => void;
  /**
   * AS-5 reconcile: the current counts of the given mailboxes (extensions), for what changed
   * while nobody listened (PBXes report message-waiting only on a change). A mailbox the PBX
   * does not have is absent from the map, and so is one it could not read (logged by the
   * adapter); rejects only when the PBX cannot be asked at all (unreachable, refused).
   * A PBX that cannot tell an unknown mailbox from an empty one (Asterisk's `MailboxCount`)
   * may report it as 0/0, which is the same to the hub: nothing unheard.
   */
  readVoicemail?(mailboxes: readonly string[]): Promise<Map<string, { unheard: number; heard: number }>>;
  /** Busy lamps / presence for phones the PBX shows (Asterisk device and presence state). */
  setPresence?(extension: string, presence: Presence): Promise<void>;
  /** Connect (adapters with a session); rejects when the PBX is unreachable. */
  start?(): Promise<void>;
  /** Let go of connections and timers. */
  stop?(): Promise<void>;
}

/** Used when no PBX is configured: remembers nothing, routes nothing. */
export class NoPbx implements PbxPort {
  readonly name = 'none';
  async applyForward(): Promise<void> {}
  async readForwards(): Promise<Map<string, string>> {
    return new Map();
  }
}

/** A PBX error the hub can show: the PBX is unreachable, refused, or answered nonsense. */
export class PbxError extends Error {
  constructor(
    readonly pbx: string,
    readonly code: 'unreachable' | 'timeout' | 'refused' | 'protocol',
    message: string,
  ) {
    super(message);
    this.name = 'PbxError';
  }
}
