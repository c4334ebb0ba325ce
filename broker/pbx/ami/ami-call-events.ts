/**
 * Asterisk 16–21 AMI call events → the hub's PbxCallEvent. Pure (no I/O, no logging): feed it
 * events, it returns what they mean.
 *
 * A call is Asterisk's `Linkedid` (the Uniqueid of the oldest channel in it; every channel that
 * joins the call — dialled phones, Local channels of a ring group, a transferee redialled —
 * carries it). Per call it keeps the channels seen, the dial legs still ringing and whether the
 * current ring round was answered, in a small map bounded by size and age:
 *
 * | AMI event (class `call`)                    | PbxCallEvent                                        |
 * |---------------------------------------------|-----------------------------------------------------|
 * | `DialBegin`                                 | `ringing`; extensions = the DestChannel's extension  |
 * |                                             | (once per extension per round: a ring group's Local  |
 * |                                             | channel and its PJSIP leg are one offer)             |
 * | `DialEnd` `DialStatus: ANSWER`              | `answered` (once per round), extensions = who took it |
 * | `DialEnd` other status, no leg left ringing | `ended`, reason from DialStatus (NOANSWER → no-answer,|
 * | and not answered                            | BUSY → busy, CANCEL → cancelled, else failed)        |
 * | `BlindTransfer` `Result: Success`           | `transferred`, transferTo = `Extension`; a new round  |
 * | `AttendedTransfer` `Result: Success`        | `transferred`, transferTo = the target party          |
 * | `Hangup` of the call's last known channel   | `ended` `completed` (once; nothing if already ended)  |
 *
 * A call that ended unanswered and is then dialled on by the PBX (FreePBX's CFU/CFB, follow-me)
 * rings again under the same callId: a new round, which ends on its own. Events for calls never
 * seen ringing (e.g. before the hub connected) and events lacking the fields they need are ignored.
 * Field names follow the AMI event documentation (docs.asterisk.org → AMI Events: DialBegin,
 * DialEnd, Hangup, BlindTransfer, AttendedTransfer).
 */
import type { Clock } from '../../../protocol/index.js';
import type { PbxCallEvent } from '../pbx-port.js';

/** What the tracker reads from an event: a case-insensitive header lookup (AmiPacket has it). */
export interface AmiEventLike {
  get(name: string): string | undefined;
}

export interface AmiCallTrackerOptions {
  clock: Clock;
  /** calls remembered at most (default 2000); the least recently active go first */
  maxCalls?: number;
  /** a call silent for longer is forgotten (default 12 h): a Hangup missed while disconnected */
  maxAgeMs?: number;
}

interface LiveCall {
  id: string;
  caller: string;
  callee: string;
  channels: Set<string>;
  /** dial legs still ringing: dest channel → its extension */
  legs: Map<string, string | undefined>;
  /** extensions (or channels) offered in this round */
  offered: Set<string>;
  answered: boolean;
  everAnswered: boolean;
  ended: boolean;
  /** the next DialBegin starts a new round (after a transfer) */
  newRound: boolean;
  lastFail: string | undefined;
  touched: number;
}

const NUMBER = /^\+?[0-9*#]{1,32}$/;

export class AmiCallTracker {
  private readonly calls = new Map<string, LiveCall>();
  private readonly clock: Clock;
  private readonly maxCalls: number;
  private readonly maxAgeMs: number;

  constructor(opts: AmiCallTrackerOptions) {
    this.clock = opts.clock;
    this.maxCalls = opts.maxCalls ?? 2000;
    this.maxAgeMs = opts.maxAgeMs ?? 12 * 3_600_000;
  }

  /** Calls currently remembered (for tests and diagnostics). */
  get size(): number {
    return this.calls.size;
  }

  /** What one AMI event means for calls: usually nothing, sometimes one event. */
  handle(e: AmiEventLike): PbxCallEvent[] {
    switch (e.get('Event')?.trim()) {
      case 'DialBegin':
        return this.dialBegin(e);
      case 'DialEnd':
        return this.dialEnd(e);
      case 'Hangup':
        return this.hangup(e);
      case 'BlindTransfer':
        return this.blindTransfer(e);
      case 'AttendedTransfer':
        return this.attendedTransfer(e);
      default:
        return [];
    }
  }

  private dialBegin(e: AmiEventLike): PbxCallEvent[] {
    const id = val(e, 'Linkedid') ?? val(e, 'DestLinkedid');
    const dest = val(e, 'DestChannel');
    if (!id || !dest) return [];
    // from the channel name only: a trunk's DestCallerIDNum is an outside number, not an extension
    const ext = extensionOf(dest);
    const dialled = num(e, 'DestExten') ?? num(e, 'Exten') ?? dialStringNumber(val(e, 'DialString')) ?? ext ?? '';
    let call = this.calls.get(id);
    if (!call) {
      call = this.create(id, val(e, 'CallerIDNum') ?? val(e, 'ConnectedLineNum') ?? '', dialled);
    } else if (call.ended || call.newRound || call.answered) {
      // the PBX dials on: after a transfer, or after the first round went unanswered
      call.ended = false;
      call.answered = false;
      call.newRound = false;
      call.offered.clear();
      call.lastFail = undefined;
      if (dialled) call.callee = dialled;
    }
    this.touch(call);
    const src = val(e, 'Channel');
    if (src) call.channels.add(src);
    call.channels.add(dest);
    call.legs.set(dest, ext);
    const key = ext ?? dest;
    if (call.offered.has(key)) return [];
    call.offered.add(key);
    return [this.event(e, call, 'ringing', ext ? { extensions: [ext] } : {})];
  }

  private dialEnd(e: AmiEventLike): PbxCallEvent[] {
    const id = val(e, 'Linkedid') ?? val(e, 'DestLinkedid');
    const dest = val(e, 'DestChannel');
    const status = val(e, 'DialStatus')?.toUpperCase();
    const call = id ? this.calls.get(id) : undefined;
    if (!call || !dest || !status) return [];
    this.touch(call);
    const ext = call.legs.has(dest) ? call.legs.get(dest) : extensionOf(dest);
    call.legs.delete(dest);
    if (status === 'ANSWER') {
      if (call.answered) return [];
      call.answered = true;
      call.everAnswered = true;
      call.ended = false;
      return [this.event(e, call, 'answered', ext ? { extensions: [ext] } : {})];
    }
    call.lastFail = dialReason(status);
    if (call.answered || call.ended || call.legs.size > 0) return [];
    call.ended = true;
    return [this.event(e, call, 'ended', { reason: call.lastFail })];
  }

  private hangup(e: AmiEventLike): PbxCallEvent[] {
    const id = val(e, 'Linkedid');
    const channel = val(e, 'Channel');
    const call = id ? this.calls.get(id) : undefined;
    if (!call || !channel) return [];
    call.channels.delete(channel);
    call.legs.delete(channel);
    if (call.channels.size > 0) {
      this.touch(call);
      return [];
    }
    this.calls.delete(call.id);
    if (call.ended) return [];
    call.ended = true;
    return [this.event(e, call, 'ended', { reason: call.everAnswered ? 'completed' : (call.lastFail ?? 'cancelled') })];
  }

  private blindTransfer(e: AmiEventLike): PbxCallEvent[] {
    if (val(e, 'Result')?.toLowerCase() !== 'success') return [];
    const id = val(e, 'TransfereeLinkedid') ?? val(e, 'TransfererLinkedid');
    const to = val(e, 'Extension');
    if (!id || !to) return [];
    const call = this.calls.get(id) ?? this.create(id, val(e, 'TransfereeCallerIDNum') ?? '', num(e, 'TransfererCallerIDNum') ?? '');
    const transferee = val(e, 'TransfereeChannel');
    if (transferee) call.channels.add(transferee);
    return [this.transferred(e, call, to)];
  }

  private attendedTransfer(e: AmiEventLike): PbxCallEvent[] {
    if (val(e, 'Result')?.toLowerCase() !== 'success' || val(e, 'DestType')?.toLowerCase() === 'fail') return [];
    const ids = [val(e, 'TransfereeLinkedid'), val(e, 'OrigTransfererLinkedid'), val(e, 'SecondTransfererLinkedid')].filter((x): x is string => !!x);
    const id = ids.find((x) => this.calls.has(x)) ?? ids[0];
    const to =
      num(e, 'TransferTargetCallerIDNum') ??
      extensionOf(val(e, 'TransferTargetChannel')) ??
      num(e, 'SecondTransfererConnectedLineNum') ??
      num(e, 'SecondTransfererExten') ??
      val(e, 'DestApp');
    if (!id || !to) return [];
    const call = this.calls.get(id) ?? this.create(id, val(e, 'TransfereeCallerIDNum') ?? val(e, 'OrigTransfererConnectedLineNum') ?? '', num(e, 'OrigTransfererCallerIDNum') ?? '');
    const transferee = val(e, 'TransfereeChannel');
    if (transferee) call.channels.add(transferee);
    const target = val(e, 'TransferTargetChannel');
    if (target) call.channels.add(target);
    return [this.transferred(e, call, to)];
  }

  private transferred(e: AmiEventLike, call: LiveCall, to: string): PbxCallEvent {
    this.touch(call);
    call.newRound = true;
    call.ended = false;
    return this.event(e, call, 'transferred', { transferTo: to });
  }

  private create(id: string, caller: string, callee: string): LiveCall {
    const now = this.clock.now().getTime();
    // forget the oldest: by age (a Hangup missed while the session was down), then by count
    for (const [k, c] of this.calls) {
      if (c.touched >= now - this.maxAgeMs && this.calls.size < this.maxCalls) break;
      this.calls.delete(k);
    }
    const call: LiveCall = {
      id,
      caller: caller === '<unknown>' ? '' : caller,
      callee,
      channels: new Set(),
      legs: new Map(),
      offered: new Set(),
      answered: false,
      everAnswered: false,
      ended: false,
      newRound: false,
      lastFail: undefined,
      touched: now,
    };
    this.calls.set(id, call);
    return call;
  }

  /** Most recently active last, so the map's first entries are the ones to forget. */
  private touch(call: LiveCall): void {
    call.touched = this.clock.now().getTime();
    this.calls.delete(call.id);
    this.calls.set(call.id, call);
  }

  private event(e: AmiEventLike, call: LiveCall, type: PbxCallEvent['type'], more: Partial<PbxCallEvent>): PbxCallEvent {
    return { type, callId: call.id, at: instantOf(e, this.clock), caller: call.caller, callee: call.callee, ...more };
  }
}

/** A header's value, with Asterisk's placeholders for "none" taken as absent. */
function val(e: AmiEventLike, name: string): string | undefined {
  const v = e.get(name)?.trim();
  return v && v !== '<unknown>' && v !== '(null)' ? v : undefined;
}

/** A header's value when it is a phone number or extension. */
function num(e: AmiEventLike, name: string): string | undefined {
  const v = val(e, name);
  return v && NUMBER.test(v) ? v : undefined;
}

/**
 * The extension in a channel name: `PJSIP/1002-0000000a` → 1002, `SIP/1002-00000001` → 1002,
 * `Local/1002@from-queue-00000003;1` → 1002. Trunks (`PJSIP/telia-00000001`) have none.
 */
export function extensionOf(channel: string | undefined): string | undefined {
  if (!channel) return undefined;
  const slash = channel.indexOf('/');
  if (slash < 0) return undefined;
  let rest = channel.slice(slash + 1).replace(/;\d+$/, '');
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  else rest = rest.replace(/-[0-9a-f]{6,}$/i, '');
  return NUMBER.test(rest) ? rest : undefined;
}

/** `1002/sip:1002@10.0.0.21:5060` or `1002@from-internal` → 1002. */
function dialStringNumber(s: string | undefined): string | undefined {
  const first = s?.split(/[/@&]/)[0];
  return first && NUMBER.test(first) ? first : undefined;
}

function dialReason(status: string): string {
  switch (status) {
    case 'NOANSWER':
      return 'no-answer';
    case 'BUSY':
      return 'busy';
    case 'CANCEL':
      return 'cancelled';
    default:
      return 'failed'; // CHANUNAVAIL, CONGESTION, DONTCALL, TORTURE, INVALIDARGS, …
  }
}

/** `Timestamp: 1763452800.123456` (manager.conf timestampevents=yes), else the hub's clock. */
function instantOf(e: AmiEventLike, clock: Clock): string {
  const ts = e.get('Timestamp')?.trim();
  if (ts && /^\d{9,11}(\.\d+)?$/.test(ts)) return new Date(Math.round(Number(ts) * 1000)).toISOString();
  return clock.now().toISOString();
}
