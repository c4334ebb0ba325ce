/**
 * ST-1: the PBX's call events folded into finished calls. Pure: events and the instant they
 * arrived go in, finished `CallRecord`s come out; what a dialled number is (department,
 * function, person, could they answer, phone hours) is asked of a `classify` function the
 * caller passes in (`classifyNumber` over the hub's state).
 *
 * - the first `ringing` of a call id opens it: `offeredAt`, the number dialled, its class at
 *   that instant, and the IVR's reason when the route is `announce`;
 * - `answered` sets `answeredAt` once and `answeredBy` every time (after a transfer the last
 *   extension that took it);
 * - `transferred` after an answer counts a transfer;
 * - `ended` finishes the call (the outcome: see `outcomeOf`).
 *
 * The IVR is no person: on a call routed to it (`announce`) an `answered` with no extension
 * is the IVR picking up (Kamailio reports it so), not an answer; the caller's wait ends there.
 * A call that rang phones and then fell back to the IVR (PH-4 "never silence": nobody answered,
 * so the PBX offers a message) reports a second `ringing` with an `announce` route: from then
 * on it counts as the IVR's.
 *
 * PBXes dial on after an unanswered round under the same call id (Asterisk's CFU/follow-me:
 * `ended` no-answer, then `ringing` again): a call that ended unanswered is remembered a while
 * and such a ringing reopens it, so its next `ended` replaces the record (the store keeps one
 * per call id). Events for call ids never seen ringing, repeated events and events older than
 * the call's last one are ignored; nothing here throws on bad input. Open calls are bounded:
 * a call silent for longer than `maxAgeMs` (its `ended` was lost) is finished as it stands
 * by `expire`, and when `maxOpen` calls are open the oldest tenth is.
 */
import type { Presence } from '../../protocol/index.js';
import type { AnnounceReason, PbxCallEvent } from '../pbx/pbx-port.js';
import { availabilityOf, deptHours, groupHours } from '../policy/availability.js';
import type { PolicyState } from '../policy/policy-state.js';
import { activeClosure } from '../state/dept-record.js';
import { activeDiversion } from '../state/person-record.js';
import type { CallOutcome, CallRecord } from './call-record.js';

/** What a dialled number was at the instant it was offered. */
export interface CallClass {
  deptId: string | null;
  fn: string | null;
  personId: string | null;
  metUnavailable: boolean;
  insideHours: boolean;
}

export type ClassifyNumber = (number: string, at: Date) => CallClass;

const NOT_MUNICIPAL: CallClass = { deptId: null, fn: null, personId: null, metUnavailable: false, insideHours: false };

/**
 * ST-1: a dialled number against the directory and the hub's records at `at`.
 * - a group (function) number (PH-4): its department, itself as the function; no person, so it
 *   never "meets an unavailable person"; inside its own phone hours (or its department's);
 * - a personal number (RT-1): the person's department, the group of that department they are a
 *   member of (if any), unavailable when their presence (PR-1) is anything but available, a
 *   diversion of theirs is in force (DV-1) or their department is closed (PH-3); inside the
 *   department's phone hours (PH-1);
 * - any other number: not municipal (all null).
 */
export function classifyNumber(state: PolicyState, number: string, at: Date): CallClass {
  const target = state.dir.byNumber(number);
  if (!target) return NOT_MUNICIPAL;
  if (target.kind === 'group') {
    const g = target.group;
    return { deptId: g.dept, fn: g.id, personId: null, metUnavailable: false, insideHours: groupHours(state, g).isOpen(at) };
  }
  const p = target.person;
  const rec = state.people.get(p.id);
  const presence: Presence = availabilityOf(state, rec, p.id, at).presence;
  const unavailable = presence !== 'available' || activeDiversion(rec, at) !== null || (p.role !== 'switchboard' && activeClosure(state.depts.get(p.dept), at) !== null);
  const fn = state.dir.groupsOf(p.dept).find((g) => g.members.includes(p.id))?.id ?? null;
  return { deptId: p.dept, fn, personId: p.id, metUnavailable: unavailable, insideHours: deptHours(state, p.dept)?.isOpen(at) ?? false };
}

/** ST-1: how an ended call counts, from whether it was answered and the PBX's reason. */
export function outcomeOf(answered: boolean, reason: string | undefined, announce: AnnounceReason | null): CallOutcome {
  if (answered) return 'answered';
  switch (reason) {
    case 'voicemail':
      return 'voicemail';
    case 'announced':
      // AS-1: the IVR took a message for a call-back; PH-2/PH-3: it only spoke
      return announce === 'message' ? 'message' : 'announced';
    case 'no-answer':
    case 'cancelled':
      return 'no-answer';
    default:
      return 'failed';
  }
}

export interface CallLogOptions {
  classify: ClassifyNumber;
  /** a call with no event for longer than this is finished as it stands (default 8 h) */
  maxAgeMs?: number;
  /** calls open at once, at most (default 10,000); when full the oldest tenth are finished */
  maxOpen?: number;
  /** how long a call that ended unanswered may still be reopened by a new ringing (default 10 min) */
  reopenMs?: number;
}

interface OpenCall extends CallClass {
  callId: string;
  number: string;
  offered: number;
  answered: number | null;
  answeredBy: string | null;
  transfers: number;
  announce: AnnounceReason | null;
  /** when the IVR picked up (an `announce` call answered with no extension); null: it did not */
  ivr: number | null;
  /** the PBX's time of the call's last event: earlier ones are out of order */
  last: number;
  /** the fold's time (`now`) the call was last heard of: for expiry */
  seen: number;
}

interface EndedCall {
  call: OpenCall;
  /** the fold's time it ended */
  at: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class CallLog {
  private readonly open = new Map<string, OpenCall>();
  /** unanswered calls that ended lately, by call id: a PBX dialling on reopens them */
  private readonly ended = new Map<string, EndedCall>();
  private readonly maxAgeMs: number;
  private readonly maxOpen: number;
  private readonly reopenMs: number;

  constructor(private readonly opts: CallLogOptions) {
    this.maxAgeMs = opts.maxAgeMs ?? 8 * 3600_000;
    this.maxOpen = Math.max(1, opts.maxOpen ?? 10_000);
    this.reopenMs = opts.reopenMs ?? 10 * 60_000;
  }

  /** Calls open now. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Takes one event, heard at `now` (the hub's clock). Returns the calls it finished: the call
   * it ended, and calls finished early to keep the open ones bounded.
   */
  push(e: PbxCallEvent, now: Date): CallRecord[] {
    if (!e || typeof e.callId !== 'string' || !e.callId) return [];
    const at = typeof e.at === 'string' ? Date.parse(e.at) : NaN;
    if (!Number.isFinite(at)) return [];
    const seen = now.getTime();
    if (e.type === 'ringing') return this.ringing(e, at, seen);
    const call = this.open.get(e.callId);
    if (!call || at < call.last) return [];
    call.last = at;
    call.seen = seen;
    switch (e.type) {
      case 'answered': {
        if (call.announce !== null && call.answered === null && !e.extensions?.length) {
          call.ivr ??= at; // the IVR picked up: no person answered
          return [];
        }
        if (call.answered === null) call.answered = at;
        const ext = e.extensions?.[0];
        if (typeof ext === 'string' && ext) call.answeredBy = ext;
        return [];
      }
      case 'transferred':
        if (call.answered !== null) call.transfers++;
        return [];
      case 'ended': {
        this.open.delete(call.callId);
        const outcome = call.answered === null && call.ivr !== null ? outcomeOf(false, 'announced', call.announce) : outcomeOf(call.answered !== null, e.reason, call.announce);
        if (outcome !== 'answered') this.remember(call, seen);
        return [record(call, at, outcome)];
      }
      default:
        return [];
    }
  }

  private ringing(e: PbxCallEvent, at: number, seen: number): CallRecord[] {
    const existing = this.open.get(e.callId);
    if (existing) {
      // a later round (a forward, a transfer): the call stays what it was when first offered
      if (at >= existing.last) {
        existing.last = at;
        existing.seen = seen;
        // PH-4: nobody answered, the PBX fell back to the IVR
        if (e.route?.kind === 'announce' && existing.answered === null) existing.announce = e.route.reason;
      }
      return [];
    }
    const done = this.ended.get(e.callId);
    if (done) {
      this.ended.delete(e.callId);
      if (at >= done.call.last && seen - done.at <= this.reopenMs) {
        // the PBX dials on after an unanswered round: the same call, still waiting
        done.call.last = at;
        done.call.seen = seen;
        this.open.set(e.callId, done.call);
        return [];
      }
    }
    const number = typeof e.callee === 'string' ? e.callee : '';
    const finished = this.open.size >= this.maxOpen ? this.evictOldest() : [];
    const cls = this.opts.classify(number, new Date(at));
    const announce = e.route?.kind === 'announce' ? e.route.reason : null;
    this.open.set(e.callId, { ...cls, callId: e.callId, number, offered: at, answered: null, answeredBy: null, transfers: 0, announce, ivr: null, last: at, seen });
    return finished;
  }

  /**
   * Finishes every call not heard of for longer than `maxAgeMs` at `now` (its `ended` was
   * lost): answered ones as answered, the rest as failed; each ends at its last event. Also
   * forgets ended calls past reopening.
   */
  expire(now: Date): CallRecord[] {
    const t = now.getTime();
    for (const [id, d] of this.ended) if (t - d.at > this.reopenMs) this.ended.delete(id);
    const out: CallRecord[] = [];
    for (const call of [...this.open.values()]) if (t - call.seen > this.maxAgeMs) out.push(this.finish(call));
    return out;
  }

  /** Finishes every open call as it stands (answered ones as answered, the rest as failed). */
  drain(): CallRecord[] {
    this.ended.clear();
    return [...this.open.values()].map((c) => this.finish(c));
  }

  private evictOldest(): CallRecord[] {
    const oldest = [...this.open.values()].sort((a, b) => a.seen - b.seen).slice(0, Math.ceil(this.open.size / 10));
    return oldest.map((c) => this.finish(c));
  }

  /** Keeps an unanswered ended call for reopening; at most `maxOpen` of them, the oldest go first. */
  private remember(call: OpenCall, at: number): void {
    this.ended.delete(call.callId);
    this.ended.set(call.callId, { call, at });
    for (const id of this.ended.keys()) {
      if (this.ended.size <= this.maxOpen) break;
      this.ended.delete(id);
    }
  }

  private finish(call: OpenCall): CallRecord {
    this.open.delete(call.callId);
    return record(call, call.last, call.answered !== null ? 'answered' : 'failed');
  }
}

function record(call: OpenCall, endedAt: number, outcome: CallOutcome): CallRecord {
  const answered = outcome === 'answered' ? call.answered : null;
  // the caller waited until someone (or, unanswered, the IVR) picked up, or until the end
  const waited = answered ?? call.ivr ?? endedAt;
  return {
    callId: call.callId,
    number: call.number,
    deptId: call.deptId,
    fn: call.fn,
    personId: call.personId,
    offeredAt: iso(call.offered),
    answeredAt: answered === null ? null : iso(answered),
    endedAt: iso(endedAt),
    waitS: Math.max(0, (waited - call.offered) / 1000),
    outcome,
    answeredBy: answered === null ? null : call.answeredBy,
    transfers: call.transfers,
    metUnavailable: call.metUnavailable,
    insideHours: call.insideHours,
  };
}
