/**
 * Plays one simulated day (docs/scenario.md): a discrete-event simulation on virtual time, no
 * clock and no MQTT. Both runs play the same DayPlan and share this engine: who is at the desk
 * and free is the plan's truth in both, and only someone at the desk and free answers a ringing
 * phone. What differs is who rings and what a caller gets when nobody answers:
 *
 * - `without`: a plain PBX. A personal number rings the desk phone, a function number is a hunt
 *   group of its members, reception transfers blindly; unanswered calls go to voicemail.
 * - `with`: the real policy decides. The calendar, the phones and the PBX change the state with
 *   the real `applyCommand` (PR-1, PR-3, DV-5, PH-3), time with the real `refresh`, and every
 *   call is routed by the real `resolveCall` (PH-4, DV-4, PH-3, AS-1, AS-3); messages are taken
 *   with `take-message` (AS-2 due times) and called back by their recipients (AS-4 `done`). A
 *   call nobody answers within the ring time falls back to the IVR's message offer (PH-4 "never
 *   silence"), as omstil's PBX routing does (omstil.cfg's failure route, the simulated PBX).
 *
 * Pure: the plan in, the calls and call-backs out.
 */
import { OmstilError } from '../../protocol/index.js';
import { applyCommand, type Actor, type Command } from '../../broker/policy/commands.js';
import { suggestTarget } from '../../broker/policy/diversion.js';
import type { PolicyState } from '../../broker/policy/policy-state.js';
import { nextDue, refresh } from '../../broker/policy/refresh.js';
import { resolveCall, type CallResolution } from '../../broker/policy/resolve-call.js';
import { initialDeptRecord, type DeptRecord } from '../../broker/state/dept-record.js';
import type { MessageRecord } from '../../broker/state/message-record.js';
import { initialRecord, type PersonRecord } from '../../broker/state/person-record.js';
import type { CallOutcome, CallRecord } from '../../broker/stats/call-record.js';
import type { CallEvent, DayPlan, PersonDay } from './day-events.js';
import { EventQueue } from './event-queue.js';

export type Mode = 'with' | 'without';

export interface SimCall {
  event: CallEvent;
  /** ST-1: the call as the statistics core counts it */
  record: CallRecord;
  /** answered by the person asked for or a member of the function asked for; no call-back needed (docs/scenario.md) */
  firstContact: boolean;
  /** when it was offered, someone of the call's function (or the person asked for) was at the desk and free */
  functionReachable: boolean;
  /** rang out or went to voicemail: whether someone rung was at the desk but on another call ('busy') or nobody rung was at the desk ('away') */
  unanswered: 'busy' | 'away' | null;
}

/** AS-1/AS-2: a message and its call-back (with omstil only). */
export interface CallBack {
  message: string;
  call: string;
  /** who is to call back (after AS-3): a person or a function */
  for: string;
  takenAt: number;
  due: number;
  doneAt: number | null;
  by: string | null;
  /** seconds the call-back takes: as long as the call would have */
  durationS: number;
}

export interface DayRun {
  mode: Mode;
  calls: SimCall[];
  callbacks: CallBack[];
  /** with omstil: commands the policy accepted, and refusals by code (e.g. DV-4 for a diversion to someone absent) */
  commands: number;
  refusals: Record<string, number>;
}

const CALENDAR: Actor = { source: 'calendar', id: 'scenario', personId: null };
const PBX: Actor = { source: 'pbx', id: 'scenario', personId: null };
const ADMIN: Actor = { source: 'admin', id: 'scenario', personId: null };
/** the voicebot / IVR that offers a message on a direct call (through the admin API) */
const VOICEBOT: Actor = { source: 'admin', id: 'voicebot', personId: null };
/** reception's terminal: a kiosk may take messages (AS-1) */
const RECEPTION: Actor = { source: 'phone', id: 'kiosk-reception', personId: null };
const phoneOf = (personId: string): Actor => ({ source: 'phone', id: `phone-${personId}`, personId });

interface Ringing {
  call: Live;
  ring: string[];
  deadline: number;
  done: boolean;
}

/** A call in progress. */
interface Live {
  event: CallEvent;
  offeredAt: number;
  transfers: number;
  fn: string | null;
  functionReachable: boolean;
  metUnavailable: boolean;
  unanswered: 'busy' | 'away' | null;
}

type Ev =
  | { kind: 'call'; event: CallEvent }
  | { kind: 'transfer'; call: Live }
  | { kind: 'ring-end'; ringing: Ringing }
  | { kind: 'hang-up'; person: string; callback: CallBack | null }
  | { kind: 'free'; person: string }
  | { kind: 'meeting-start'; person: PersonDay; index: number }
  | { kind: 'meeting-end'; person: PersonDay; index: number }
  | { kind: 'lunch-start'; person: PersonDay }
  | { kind: 'callback-try'; person: string };

export function runDay(plan: DayPlan, mode: Mode): DayRun {
  return new DayEngine(plan, mode).run();
}

class DayEngine {
  private readonly queue = new EventQueue<Ev>();
  private readonly busyUntil = new Map<string, number>();
  private readonly freeSince = new Map<string, number>();
  /** times a person is away from the desk (lunch, meetings, their department's closure) */
  private readonly blocks = new Map<string, [number, number][]>();
  private readonly ringing: Ringing[] = [];
  private readonly calls: SimCall[] = [];
  private readonly callbacks: CallBack[] = [];
  private readonly openCallbacks = new Map<string, CallBack>();
  private readonly refusals: Record<string, number> = {};
  private commands = 0;
  private now = 0;
  // with omstil: the hub's records
  private readonly people = new Map<string, PersonRecord>();
  private readonly depts = new Map<string, DeptRecord>();
  private readonly messages = new Map<string, MessageRecord>();
  private readonly state: PolicyState;
  private dueAt = Infinity;

  constructor(
    private readonly plan: DayPlan,
    private readonly mode: Mode,
  ) {
    this.state = { dir: plan.town.dir, people: this.people, depts: this.depts, messages: this.messages };
  }

  run(): DayRun {
    const { plan } = this;
    const closedUntil = new Map(plan.closures.map((c) => [c.dept, c]));
    for (const p of plan.people.values()) {
      const blocks: [number, number][] = [...(p.lunch ? [p.lunch] : []), ...p.meetings.map((m): [number, number] => [m.start, m.end])];
      const closure = closedUntil.get(p.dept);
      // PH-3: the whole department is away (a training, a move) during its closure
      if (closure) blocks.push([closure.start, closure.end]);
      this.blocks.set(p.id, blocks);
      if (p.absence) continue;
      for (const t of [p.work[0], ...blocks.map((b) => b[1])]) this.queue.push(t, { kind: 'free', person: p.id });
    }
    for (const event of plan.calls) this.queue.push(event.at, { kind: 'call', event });
    if (this.mode === 'with') this.startWith();
    for (let next = this.queue.pop(); next; next = this.queue.pop()) {
      this.advance(next.at);
      this.handle(next.value);
    }
    return { mode: this.mode, calls: this.calls, callbacks: this.callbacks, commands: this.commands, refusals: this.refusals };
  }

  /** With omstil: the records at the day's start, the calendar's absences (PR-3), the closures (PH-3), and the day's status changes. */
  private startWith(): void {
    const { plan } = this;
    const at = new Date(plan.start);
    for (const id of plan.town.dir.people.keys()) this.people.set(id, initialRecord(id, at));
    for (const id of plan.town.dir.departments.keys()) this.depts.set(id, initialDeptRecord(id, at));
    this.now = plan.start;
    this.merge(refresh(this.state, at));
    for (const p of plan.people.values()) {
      if (p.absence) this.exec(CALENDAR, { op: 'set-status', person: p.id, kind: 'absent', since: p.absence.since, until: p.absence.until, reason: null, divertTo: null });
      p.meetings.forEach((m, index) => {
        this.queue.push(m.start, { kind: 'meeting-start', person: p, index });
        this.queue.push(m.end, { kind: 'meeting-end', person: p, index });
      });
      if (p.lunch && p.lunchAway) this.queue.push(p.lunch[0], { kind: 'lunch-start', person: p });
    }
    plan.closures.forEach((c, i) => {
      this.exec(ADMIN, { op: 'add-closure', dept: c.dept, id: `closure-${i + 1}`, start: new Date(c.start).toISOString(), end: new Date(c.end).toISOString(), message: null, offer: c.offer, fallback: c.fallback });
    });
    this.dueAt = nextDue(this.state, at).getTime();
  }

  /** Time passes: with omstil, `refresh` runs at every instant `nextDue` named (as the hub does). */
  private advance(t: number): void {
    if (this.mode === 'with') {
      while (this.dueAt <= t) {
        const at = new Date(this.dueAt);
        this.now = this.dueAt;
        this.merge(refresh(this.state, at));
        const next = nextDue(this.state, at).getTime();
        this.dueAt = next > this.dueAt ? next : this.dueAt + 1000;
      }
    }
    this.now = t;
  }

  private handle(ev: Ev): void {
    const t = this.now;
    switch (ev.kind) {
      case 'call':
        return this.offer(ev.event);
      case 'transfer':
        return this.route(ev.call, ev.call.event.channel === 'main');
      case 'ring-end': {
        const r = ev.ringing;
        if (r.done) return;
        r.done = true;
        this.ringing.splice(this.ringing.indexOf(r), 1);
        r.call.unanswered = r.ring.some((p) => this.atDesk(p, r.deadline)) ? 'busy' : 'away';
        // PH-4 "never silence": omstil's PBX sends a call nobody answered to the IVR, which takes
        // a message for whoever was dialled (AS-1; the command applies AS-3); a plain PBX: voicemail
        if (this.mode === 'with') return this.takeMessage(r.call, r.call.event.target, false);
        return this.finish(r.call, 'voicemail', null, r.deadline);
      }
      case 'hang-up': {
        if (this.mode === 'with') {
          if (ev.callback) {
            this.exec(phoneOf(ev.person), { op: 'message-status', message: ev.callback.message, status: 'done' });
            ev.callback.doneAt = t;
          }
          this.exec(PBX, { op: 'set-on-call', person: ev.person, onCall: false });
        }
        return this.becameFree(ev.person);
      }
      case 'free':
        return this.becameFree(ev.person);
      case 'meeting-start': {
        const m = ev.person.meetings[ev.index]!;
        if (!m.inCalendar) return;
        const pid = ev.person.id;
        const until = new Date(m.end).toISOString();
        // PR-3: the calendar sets the meeting; DV-5: the phone offers a diversion for it
        this.exec(CALENDAR, { op: 'set-status', person: pid, kind: 'in-meeting', since: new Date(m.start).toISOString(), until, reason: null, divertTo: null });
        const suggestion = suggestTarget(this.state, pid, new Date(t))?.id ?? null;
        this.exec(CALENDAR, { op: 'set-meeting-prompt', person: pid, prompt: { start: new Date(m.start).toISOString(), end: until, suggestion } });
        if (m.divert && suggestion) this.exec(phoneOf(pid), { op: 'divert', person: pid, target: suggestion, until });
        return;
      }
      case 'meeting-end':
        if (ev.person.meetings[ev.index]!.inCalendar) this.exec(CALENDAR, { op: 'set-meeting-prompt', person: ev.person.id, prompt: null });
        return;
      case 'lunch-start':
        // PR-1: away for lunch, set on the phone
        this.exec(phoneOf(ev.person.id), { op: 'set-status', person: ev.person.id, kind: 'away', since: null, until: new Date(ev.person.lunch![1]).toISOString(), reason: null, divertTo: null });
        return;
      case 'callback-try':
        return this.tryCallback(ev.person);
    }
  }

  // --- the truth about people -------------------------------------------------------------

  private atDesk(personId: string, t: number): boolean {
    const p = this.plan.people.get(personId);
    if (!p || p.absence || t < p.work[0] || t >= p.work[1]) return false;
    for (const [a, b] of this.blocks.get(personId)!) if (a <= t && t < b) return false;
    return true;
  }

  private isFree(personId: string, t: number): boolean {
    return this.atDesk(personId, t) && (this.busyUntil.get(personId) ?? 0) <= t;
  }

  private membersOf(fn: string | null): readonly string[] {
    return fn ? (this.plan.town.members.get(fn) ?? []) : [];
  }

  // --- calls ------------------------------------------------------------------------------

  private offer(event: CallEvent): void {
    const t = this.now;
    const fn = this.plan.town.functionOf.get(event.target) ?? null;
    const asksPerson = this.plan.town.dir.people.has(event.target);
    const call: Live = {
      event,
      offeredAt: t,
      transfers: 0,
      fn,
      functionReachable: (asksPerson && this.isFree(event.target, t)) || this.membersOf(fn).some((m) => this.isFree(m, t)),
      metUnavailable: asksPerson && !this.isFree(event.target, t),
      unanswered: null,
    };
    // the main number: reception answers, asks what it is about, then routes (RT-2)
    if (event.channel === 'main') this.queue.push(t + this.plan.params.receptionSeconds * 1000, { kind: 'transfer', call });
    else this.route(call, false);
  }

  /** Where the call goes now: directly dialled, or (`viaReception`) after reception's talk. */
  private route(call: Live, viaReception: boolean): void {
    const { event } = call;
    const dir = this.plan.town.dir;
    const targetNumber = dir.people.get(event.target)?.extension ?? dir.groups.get(event.target)!.number;
    if (this.mode === 'without') {
      // a plain PBX: the desk phone, or the hunt group; reception transfers blindly
      if (viaReception) call.transfers = 1;
      return this.ring(call, this.plan.town.members.get(event.target) ?? [event.target]);
    }
    const res: CallResolution = resolveCall(this.state, viaReception ? targetNumber : event.number, new Date(this.now));
    switch (res.kind) {
      case 'ring':
        if (viaReception) call.transfers = 1;
        return this.ring(call, res.ring);
      case 'message':
        // AS-1: the caller leaves a message for whoever the policy names (AS-3 already applied)
        return this.takeMessage(call, res.recipient, viaReception);
      case 'closure':
        // PH-3: the closure's offer; a fallback that could not answer ends here too: a message
        return this.takeMessage(call, event.target, viaReception);
      case 'outside-hours':
        // reception sees on its board that the department has just closed and takes a message
        // (AS-1) instead of putting the caller through to the closed-hours announcement
        if (viaReception) return this.takeMessage(call, event.target, true);
        return this.finish(call, 'announced', null, this.now);
      case 'unknown-number':
        return this.finish(call, 'failed', null, this.now);
    }
  }

  private ring(call: Live, ring: readonly string[]): void {
    const t = this.now;
    const deadline = t + this.plan.params.ringSeconds * 1000;
    const free = ring.find((p) => this.isFree(p, t));
    if (free !== undefined) return this.answer(call, free, t + this.plan.params.pickupSeconds * 1000);
    const r: Ringing = { call, ring: [...ring], deadline, done: false };
    this.ringing.push(r);
    this.queue.push(deadline, { kind: 'ring-end', ringing: r });
  }

  private answer(call: Live, personId: string, at: number): void {
    const end = at + call.event.durationS * 1000;
    this.busyUntil.set(personId, end);
    this.freeSince.set(personId, Infinity);
    // PR-1: the PBX's call events make the person on-call
    if (this.mode === 'with') this.exec(PBX, { op: 'set-on-call', person: personId, onCall: true });
    this.queue.push(end, { kind: 'hang-up', person: personId, callback: null });
    this.finish(call, 'answered', personId, end, at);
  }

  private becameFree(personId: string): void {
    const t = this.now;
    if (!this.isFree(personId, t)) return;
    // a phone ringing for them now is answered (the oldest call first)
    const r = this.ringing.find((x) => x.ring.includes(personId) && t < x.deadline);
    if (r) {
      r.done = true;
      this.ringing.splice(this.ringing.indexOf(r), 1);
      return this.answer(r.call, personId, t + this.plan.params.pickupSeconds * 1000);
    }
    this.freeSince.set(personId, t);
    if (this.mode === 'with') this.queue.push(t + this.plan.params.callbackIdleMinutes * 60_000, { kind: 'callback-try', person: personId });
  }

  private takeMessage(call: Live, recipient: string, viaReception: boolean): void {
    const t = this.now;
    const { event } = call;
    const id = `msg-${event.id}`;
    const out = this.exec(viaReception ? RECEPTION : VOICEBOT, { op: 'take-message', id, for: recipient, callerName: event.callerName, callerNumber: event.callerNumber, text: `Opkald om ${event.dept}`, callerInformed: false });
    const m = out ? this.messages.get(id) : undefined;
    if (!m) return this.finish(call, 'failed', null, t);
    const cb: CallBack = { message: id, call: event.id, for: m.for, takenAt: t, due: Date.parse(m.due), doneAt: null, by: null, durationS: event.durationS };
    this.callbacks.push(cb);
    this.openCallbacks.set(id, cb);
    this.finish(call, 'message', null, t);
    // whoever is to call back and is free at the desk gets to it after their idle minutes
    for (const p of this.handlersOf(m.for)) {
      if (!this.isFree(p, t)) continue;
      const since = this.freeSince.get(p) ?? t;
      this.queue.push(Math.max(t, since + this.plan.params.callbackIdleMinutes * 60_000), { kind: 'callback-try', person: p });
    }
  }

  /** AS-4: who calls a message back: its recipient, or the members of its recipient function. */
  private handlersOf(recipient: string): readonly string[] {
    return this.plan.town.members.get(recipient) ?? [recipient];
  }

  private tryCallback(personId: string): void {
    const t = this.now;
    const idle = this.plan.params.callbackIdleMinutes * 60_000;
    if (!this.isFree(personId, t) || (this.freeSince.get(personId) ?? Infinity) + idle > t) return;
    let pick: CallBack | undefined;
    for (const cb of this.openCallbacks.values()) {
      if (cb.for === personId || this.plan.town.members.get(cb.for)?.includes(personId)) {
        pick = cb;
        break;
      }
    }
    if (!pick) return;
    this.openCallbacks.delete(pick.message);
    pick.by = personId;
    const end = t + pick.durationS * 1000;
    this.busyUntil.set(personId, end);
    this.freeSince.set(personId, Infinity);
    this.exec(PBX, { op: 'set-on-call', person: personId, onCall: true });
    this.queue.push(end, { kind: 'hang-up', person: personId, callback: pick });
  }

  private finish(call: Live, outcome: CallOutcome, personId: string | null, endedAt: number, answeredAt: number | null = null): void {
    const { event } = call;
    const dir = this.plan.town.dir;
    const dept = this.plan.town.depts.find((d) => d.id === event.dept)!;
    const asked = dir.people.has(event.target) ? event.target : null;
    const record: CallRecord = {
      callId: event.id,
      number: event.number,
      deptId: event.dept,
      fn: call.fn,
      personId: event.channel === 'function' ? null : asked,
      offeredAt: new Date(call.offeredAt).toISOString(),
      answeredAt: answeredAt === null ? null : new Date(answeredAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      waitS: Math.round(((answeredAt ?? endedAt) - call.offeredAt) / 1000),
      outcome,
      answeredBy: personId === null ? null : (dir.people.get(personId)?.extension ?? null),
      transfers: call.transfers,
      metUnavailable: call.metUnavailable,
      insideHours: dept.phoneIntervals.some(([a, b]) => a <= call.offeredAt && call.offeredAt < b),
    };
    const firstContact = outcome === 'answered' && personId !== null && (personId === asked || this.membersOf(call.fn).includes(personId));
    this.calls.push({ event, record, firstContact, functionReachable: call.functionReachable, unanswered: call.unanswered });
  }

  // --- the policy (with omstil) -----------------------------------------------------------

  /** A change through the one function every source uses; a refusal is counted, as the hub journals it. */
  private exec(actor: Actor, cmd: Command): ReturnType<typeof applyCommand> | null {
    let out;
    try {
      out = applyCommand(this.state, actor, cmd, new Date(this.now));
    } catch (err) {
      if (!(err instanceof OmstilError)) throw err;
      const key = err.rule ? `${err.code} (${err.rule})` : err.code;
      this.refusals[key] = (this.refusals[key] ?? 0) + 1;
      return null;
    }
    this.commands++;
    this.merge(out);
    if (cmd.op !== 'set-on-call') this.dueAt = Math.min(this.dueAt, nextDue(this.state, new Date(this.now)).getTime());
    return out;
  }

  private merge(out: { people: PersonRecord[]; depts: DeptRecord[]; messages: MessageRecord[] }): void {
    for (const p of out.people) this.people.set(p.personId, p);
    for (const d of out.depts) this.depts.set(d.deptId, d);
    for (const m of out.messages) this.messages.set(m.id, m);
  }
}
