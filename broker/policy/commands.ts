/**
 * Every change to the hub's state, from every source, as one command type, and the one
 * function that applies it through the policy. The phone, the admin API, calendars and the
 * PBX all end here, so no path can bypass a rule. Pure: returns the new records (rev + 1)
 * for the hub to commit and publish, or throws an OmstilError naming the rule.
 */
import {
  decodeValue,
  MAX_BROADCAST_CHARS,
  MAX_BROADCASTS,
  OmstilError,
  TakeMessageArgs,
  type BroadcastText,
  type ClosureOffer,
  type TakeMessageReply,
  type Texts,
} from '../../protocol/index.js';
import { broadcastCurrent, type BroadcastRecord } from '../state/broadcast-record.js';
import { initialDeptRecord, reviseDept, type ClosureRecord, type DeptRecord } from '../state/dept-record.js';
import { escalationsOf, MESSAGE_STATUS_ORDER, messageJournal, type MessageRecord } from '../state/message-record.js';
import { activeDiversion, initialRecord, revise, type MeetingPrompt, type PersonRecord, type Source, type StatusRecord } from '../state/person-record.js';
import { availabilityOf } from './availability.js';
import { OverlayMap } from './overlay-map.js';
import { callbackDue } from './deadlines.js';
import { checkDiversion, suggestTarget } from './diversion.js';
import { addWorkdays, isLongerThanWorkday } from './hours/workdays.js';
import type { PolicyState } from './policy-state.js';
import { refuse, toError } from './refusal.js';
import { messageRecipient } from './resolve-call.js';
import { nextVoicemail, sameVoicemail } from './voicemail.js';

export interface Actor {
  source: Source;
  /** device id, admin user, calendar or PBX name: for the journal */
  id: string;
  /** for a phone: the person it belongs to */
  personId: string | null;
}

export type Command =
  | { op: 'divert'; person: string; target: string; until: string | null }
  | { op: 'undivert'; person: string }
  | { op: 'accept-diversion'; person: string; from: string }
  | { op: 'decline-diversion'; person: string; from: string }
  /** PR-1: `kind` null derives away/absent from the length (one workday or more is absent) */
  | { op: 'set-status'; person: string; kind: StatusRecord['kind'] | null; since?: string | null; until: string | null; reason: string | null; divertTo: string | null; autoReply?: boolean }
  | { op: 'clear-status'; person: string }
  /** DV-5: the calendar offers (or stops offering) a diversion for a meeting */
  | { op: 'set-meeting-prompt'; person: string; prompt: MeetingPrompt | null }
  | { op: 'set-on-call'; person: string; onCall: boolean }
  /** AS-5: the PBX reports the person's mailbox (message-waiting counts; `at` the PBX's instant) */
  | { op: 'set-voicemail'; person: string; unheard: number; heard: number; at: string }
  /** a forward set on the PBX side (e.g. the *72 feature code): taken in through the policy */
  | { op: 'pbx-forward'; extension: string; to: string | null }
  | { op: 'add-closure'; dept: string; id?: string; start: string; end: string; message: Texts | null; offer: ClosureOffer; fallback: string | null }
  | { op: 'end-closure'; dept: string; closure: string }
  | { op: 'add-peak'; dept: string; id?: string; from: string; to: string; text: Texts }
  | { op: 'remove-peak'; dept: string; peak: string }
  /** AS-1: a message for a person or group (`for`), routed by AS-3, due by AS-2; `id` is made at the edge (newMessageId) */
  | { op: 'take-message'; id: string; for: string; callerName: string; callerNumber: string; text: string; callerInformed: boolean }
  /** AS-4: the recipient (a member of the recipient group, or their leader) moves a message forward */
  | { op: 'message-status'; message: string; status: 'acknowledged' | 'done' }
  /** RT-3: a crisis broadcast for every screen and the voicebot; `start` null: now; `id` omitted: `broadcast-<n>` */
  | { op: 'add-broadcast'; id?: string; text: { da: string; en?: string | null }; start: string | null; expires: string }
  /** RT-3: ended before its expiry, announced at once */
  | { op: 'end-broadcast'; broadcast: string };

export interface Outcome {
  people: PersonRecord[];
  depts: DeptRecord[];
  /** AS-1..AS-4: new and changed messages (rev + 1) */
  messages: MessageRecord[];
  /** RT-3: new and changed broadcasts (rev + 1) */
  broadcasts: BroadcastRecord[];
  data?: unknown;
  /** what the journal keeps instead of the command's detail (messages: never the caller's data) */
  journal?: unknown;
}

/** Which sources may run which ops. Anything else is refused (`forbidden`). */
const ALLOWED: Record<Source, ReadonlySet<Command['op']>> = {
  // a kiosk is a phone without a person: it may take messages (AS-1); person ops refuse it (no-person)
  phone: new Set(['divert', 'undivert', 'accept-diversion', 'decline-diversion', 'set-status', 'clear-status', 'take-message', 'message-status']),
  // RT-3: only the admin API (the municipality's crisis staff, IT) broadcasts
  admin: new Set(['divert', 'undivert', 'set-status', 'clear-status', 'add-closure', 'end-closure', 'add-peak', 'remove-peak', 'take-message', 'add-broadcast', 'end-broadcast']),
  calendar: new Set(['set-status', 'clear-status', 'divert', 'undivert', 'set-meeting-prompt']),
  // AS-5: only the PBX knows the mailbox
  pbx: new Set(['set-on-call', 'pbx-forward', 'set-voicemail']),
  hub: new Set(['undivert', 'clear-status']),
};

/**
 * The latest instant a command may name (exclusive). The contract's times have four-digit
 * years (`IsoTime`), and the day arithmetic on Copenhagen's wall clock (workdays, holidays, the
 * next midnight) needs a year to spare: "9999-12-31T23:59:59-23:59" passes the schema but is in
 * the year 10000, and once taken as an absence's end it broke every diversion to that person
 * (found by the request fuzzing, issue 10).
 */
export const LAST_TIME = Date.UTC(9999, 0, 1);

/** Refuses a time at or after LAST_TIME (`invalid-time`, naming the field and the rule). */
function refuseTooLate(iso: string | null | undefined, field: string, rule: string): void {
  if (iso === null || iso === undefined || !(Date.parse(iso) >= LAST_TIME)) return;
  throw new OmstilError('invalid-time', `${field}: must be before 9999-01-01`, {
    field,
    rule,
    text: { da: 'Tidspunktet ligger for langt ude i fremtiden.', en: 'the time is too far in the future' },
  });
}

/** Ops a leader may run for their own staff from their phone (PR-4). */
const LEADER_OPS: ReadonlySet<Command['op']> = new Set(['divert', 'undivert', 'set-status', 'clear-status']);

/** The rule that says who may run an op, where it is not PR-4 (people's own state). */
const AUTHORITY: Partial<Record<Command['op'], string>> = { 'add-broadcast': 'RT-3', 'end-broadcast': 'RT-3', 'set-voicemail': 'AS-5' };

export function applyCommand(state: PolicyState, actor: Actor, cmd: Command, at: Date): Outcome {
  if (!ALLOWED[actor.source].has(cmd.op)) {
    const rule = AUTHORITY[cmd.op];
    throw new OmstilError('forbidden', `${actor.source} may not ${cmd.op}`, {
      rule: rule ?? 'PR-4',
      ...(rule ? { field: 'op' } : {}),
      text: { da: 'Det har du ikke adgang til.', en: `${actor.source} may not ${cmd.op}` },
    });
  }
  const tx = new Change(state, at);
  if ('person' in cmd) authorize(state, actor, cmd.op, cmd.person);
  const data = run(tx, actor, cmd);
  const messages = tx.changedMessages();
  return {
    people: tx.changedPeople(),
    depts: tx.changedDepts(),
    messages,
    broadcasts: tx.changedBroadcasts(),
    ...(data === undefined ? {} : { data }),
    ...(messages.length ? { journal: messages.length === 1 ? messageJournal(messages[0]!) : messages.map(messageJournal) } : {}),
    // AS-5: counts only; the mailbox's messages stay in the PBX
    ...(cmd.op === 'set-voicemail' ? { journal: { person: cmd.person, unheard: cmd.unheard, heard: cmd.heard } } : {}),
  };
}

/** PR-4: a phone acts for its own person; a leader's phone also for their staff. */
function authorize(state: PolicyState, actor: Actor, op: Command['op'], personId: string): void {
  if (!state.dir.people.has(personId)) {
    throw new OmstilError('unknown-person', `unknown person "${personId}"`, { field: 'args.person', rule: 'RT-1', text: { da: `Ukendt person "${personId}".`, en: `unknown person "${personId}"` } });
  }
  if (actor.source !== 'phone') return;
  if (actor.personId === null) throw new OmstilError('no-person', `${op} needs a phone that belongs to a person`, { field: 'device' });
  if (actor.personId === personId) return;
  if (LEADER_OPS.has(op) && state.dir.isLeaderOf(actor.personId, personId)) return;
  throw new OmstilError('forbidden', `only ${personId} and their leader may do that`, {
    rule: 'PR-4',
    field: 'args.person',
    text: { da: 'Du kan kun gøre det for dig selv og dine egne medarbejdere.', en: 'you can only do that for yourself and your own staff' },
  });
}

/** Accumulates one new revision per changed record, whatever touches it how often. */
class Change {
  private readonly people = new Map<string, PersonRecord>();
  private readonly depts = new Map<string, DeptRecord>();
  private readonly messages = new Map<string, MessageRecord>();
  private readonly broadcasts = new Map<string, BroadcastRecord>();
  /** the state as it will be after this change: later checks see earlier steps */
  readonly view: PolicyState;

  constructor(
    readonly base: PolicyState,
    readonly at: Date,
  ) {
    // read through to the hub's state: a copy of it cost every command time in proportion to the directory
    const people = new OverlayMap(base.people);
    const depts = new OverlayMap(base.depts);
    this.view = { dir: base.dir, people, depts, ...(base.messages ? { messages: base.messages } : {}), ...(base.broadcasts ? { broadcasts: base.broadcasts } : {}) };
    this.peopleView = people;
    this.deptsView = depts;
  }
  private readonly peopleView: OverlayMap<string, PersonRecord>;
  private readonly deptsView: OverlayMap<string, DeptRecord>;

  person(id: string): PersonRecord {
    return this.peopleView.get(id) ?? initialRecord(id, this.at);
  }

  dept(id: string): DeptRecord {
    return this.deptsView.get(id) ?? initialDeptRecord(id, this.at);
  }

  setPerson(id: string, patch: Partial<Omit<PersonRecord, 'personId' | 'rev'>>): void {
    const done = this.people.get(id);
    const next = done ? { ...done, ...patch } : revise(this.person(id), patch, this.at);
    this.people.set(id, next);
    this.peopleView.set(id, next);
  }

  /** a person whose view changes (someone diverts to them) without their own fields changing */
  touch(id: string): void {
    if (this.base.dir.people.has(id)) this.setPerson(id, {});
  }

  setDept(id: string, patch: Partial<Omit<DeptRecord, 'deptId' | 'rev'>>): void {
    const done = this.depts.get(id);
    const next = done ? { ...done, ...patch } : reviseDept(this.dept(id), patch, this.at);
    this.depts.set(id, next);
    this.deptsView.set(id, next);
  }

  changedPeople(): PersonRecord[] {
    // PR-1: presence and back-at follow from the new inputs
    for (const [id, rec] of this.people) {
      const av = availabilityOf(this.view, rec, id, this.at);
      const next = { ...rec, presence: av.presence, backAt: av.backAt };
      this.people.set(id, next);
    }
    return [...this.people.values()];
  }

  changedDepts(): DeptRecord[] {
    return [...this.depts.values()];
  }

  message(id: string): MessageRecord | undefined {
    return this.messages.get(id) ?? this.base.messages?.get(id);
  }

  /** a new message (rev 1) or the next revision of one */
  setMessage(next: MessageRecord): void {
    this.messages.set(next.id, next);
  }

  changedMessages(): MessageRecord[] {
    return [...this.messages.values()];
  }

  broadcast(id: string): BroadcastRecord | undefined {
    return this.broadcasts.get(id) ?? this.base.broadcasts?.get(id);
  }

  /** every broadcast the hub holds, with this change's new revisions */
  allBroadcasts(): BroadcastRecord[] {
    const all = new Map(this.base.broadcasts ?? []);
    for (const [id, b] of this.broadcasts) all.set(id, b);
    return [...all.values()];
  }

  setBroadcast(next: BroadcastRecord): void {
    this.broadcasts.set(next.id, next);
  }

  changedBroadcasts(): BroadcastRecord[] {
    return [...this.broadcasts.values()];
  }
}

function run(tx: Change, actor: Actor, cmd: Command): unknown {
  const { dir } = tx.base;
  const at = tx.at;
  switch (cmd.op) {
    case 'divert':
      return divert(tx, actor, cmd.person, cmd.target, cmd.until, 'args.target');
    case 'undivert': {
      const old = tx.person(cmd.person).diversion;
      if (!old) return undefined;
      tx.setPerson(cmd.person, { diversion: null });
      if (old.status !== 'declined') tx.touch(old.to);
      return undefined;
    }
    case 'accept-diversion':
    case 'decline-diversion': {
      if (!dir.people.has(cmd.from)) {
        throw new OmstilError('unknown-person', `unknown person "${cmd.from}"`, { field: 'args.from', rule: 'DV-2' });
      }
      const theirs = activeDiversion(tx.person(cmd.from), at);
      // a group's members may accept or decline a diversion to their group
      const mine = theirs && (theirs.to === cmd.person || dir.groups.get(theirs.to)?.members.includes(cmd.person));
      if (!theirs || !mine) {
        throw new OmstilError('not-diverted-to-you', `${cmd.from}'s calls are not diverted to you`, {
          field: 'args.from',
          rule: 'DV-2',
          text: { da: `${dir.nameOf(cmd.from)}s opkald er ikke viderestillet til dig.`, en: `${dir.nameOf(cmd.from)}'s calls are not diverted to you` },
        });
      }
      // DV-2: a declined diversion is not in force; its owner sees who declined
      const status = cmd.op === 'accept-diversion' ? 'accepted' : 'declined';
      if (theirs.status === status) return undefined;
      tx.setPerson(cmd.from, { diversion: { ...theirs, status, declinedBy: status === 'declined' ? cmd.person : null } });
      tx.touch(cmd.person);
      return undefined;
    }
    case 'set-status':
      return setStatus(tx, actor, cmd);
    case 'clear-status': {
      const rec = tx.person(cmd.person);
      if (!rec.status && rec.absenceReason === null) return undefined;
      // back early: a diversion made for this absence (same start and end) ends with it
      const d = rec.diversion;
      const s = rec.status;
      if (d && s && d.since === s.since && d.until === s.until) run(tx, actor, { op: 'undivert', person: cmd.person });
      tx.setPerson(cmd.person, { status: null, absenceReason: null });
      return undefined;
    }
    case 'set-meeting-prompt': {
      const old = tx.person(cmd.person).meetingPrompt;
      if (JSON.stringify(old) === JSON.stringify(cmd.prompt)) return undefined;
      tx.setPerson(cmd.person, { meetingPrompt: cmd.prompt });
      return undefined;
    }
    case 'set-on-call': {
      if (tx.person(cmd.person).onCall === cmd.onCall) return undefined;
      tx.setPerson(cmd.person, { onCall: cmd.onCall });
      return undefined;
    }
    case 'set-voicemail':
      return setVoicemail(tx, cmd);
    case 'pbx-forward': {
      const owner = dir.byNumber(cmd.extension);
      if (owner?.kind !== 'person') {
        throw new OmstilError('unknown-number', `no person has extension ${cmd.extension}`, { field: 'extension', rule: 'RT-1' });
      }
      const person = owner.person.id;
      if (cmd.to === null) return run(tx, actor, { op: 'undivert', person });
      const target = dir.byNumber(cmd.to);
      if (!target) throw new OmstilError('unknown-number', `the forward target ${cmd.to} is not in the directory`, { field: 'to', rule: 'DV-4' });
      const targetId = target.kind === 'person' ? target.person.id : target.group.id;
      return divert(tx, actor, person, targetId, null, 'to');
    }
    case 'add-closure':
      return addClosure(tx, cmd);
    case 'end-closure': {
      const rec = deptOrThrow(tx, cmd.dept);
      const c = rec.closures.find((x) => x.id === cmd.closure);
      if (!c) throw new OmstilError('unknown-closure', `department ${cmd.dept} has no closure "${cmd.closure}"`, { field: 'closure', rule: 'PH-3' });
      if (Date.parse(c.end) <= at.getTime()) return { closure: c };
      // PH-3: ending a closure early is announced at once
      const ended: ClosureRecord = Date.parse(c.start) > at.getTime() ? { ...c, start: at.toISOString(), end: at.toISOString(), endedEarly: true } : { ...c, end: at.toISOString(), endedEarly: true };
      tx.setDept(cmd.dept, { closures: rec.closures.map((x) => (x.id === c.id ? ended : x)) });
      return { closure: ended };
    }
    case 'add-peak': {
      const rec = deptOrThrow(tx, cmd.dept);
      if (cmd.to < cmd.from) throw new OmstilError('invalid-time', 'to: must not be before from', { field: 'to', rule: 'PH-5' });
      const id = cmd.id ?? `peak-${rec.rev + 1}`;
      if (rec.peaks.some((p) => p.id === id)) return { peak: rec.peaks.find((p) => p.id === id) };
      const peak = { id, from: cmd.from, to: cmd.to, text: cmd.text };
      tx.setDept(cmd.dept, { peaks: [...rec.peaks, peak].sort((a, b) => a.from.localeCompare(b.from)) });
      return { peak };
    }
    case 'remove-peak': {
      const rec = deptOrThrow(tx, cmd.dept);
      if (!rec.peaks.some((p) => p.id === cmd.peak)) return undefined;
      tx.setDept(cmd.dept, { peaks: rec.peaks.filter((p) => p.id !== cmd.peak) });
      return undefined;
    }
    case 'take-message':
      return takeMessage(tx, actor, cmd);
    case 'message-status':
      return messageStatus(tx, actor, cmd);
    case 'add-broadcast':
      return addBroadcast(tx, actor, cmd);
    case 'end-broadcast':
      return endBroadcast(tx, cmd);
  }
}

/** How the journal and a message's history name an actor: a device id, or `<source>:<id>`. */
function actorName(actor: Actor): string {
  return actor.source === 'phone' ? actor.id : `${actor.source}:${actor.id}`;
}

/**
 * AS-1: take a message. AS-3 picks who is to call back (`for` absent more than a workday:
 * the colleague covering, the department's group, the leader; unless the caller was told),
 * AS-2 when (the asked-for department's call-back workdays).
 */
function takeMessage(tx: Change, actor: Actor, cmd: Extract<Command, { op: 'take-message' }>): TakeMessageReply {
  const { dir } = tx.base;
  const at = tx.at;
  // the request schema's checks for every source, so no path stores what a phone could not send
  const args = decodeValue(TakeMessageArgs, { for: cmd.for, callerName: cmd.callerName, callerNumber: cmd.callerNumber, text: cmd.text, callerInformed: cmd.callerInformed });
  if (!args.ok) {
    const field = `args.${args.error.field ?? ''}`;
    throw new OmstilError('invalid-payload', `args.${args.error.message}`, {
      field,
      rule: 'AS-1',
      text: { da: `Beskeden mangler noget eller har en fejl (${field.slice(5)}).`, en: `the message is missing something or has an error (${field.slice(5)})` },
    });
  }
  const existing = tx.message(cmd.id);
  if (existing) return takeReply(tx, existing); // idempotent repeat of the same id
  const target = dir.target(cmd.for);
  if (!target) {
    throw new OmstilError('unknown-person', `unknown person or group "${cmd.for}"`, {
      field: 'args.for',
      rule: 'RT-1',
      text: { da: `Ukendt person eller funktion "${cmd.for}".`, en: `unknown person or function "${cmd.for}"` },
    });
  }
  if (target.kind === 'person' && target.person.role === 'switchboard') {
    // AS-3 / DV-3: nobody calls back from the switchboard; the message goes to whoever the caller wants
    throw new OmstilError('invalid-payload', 'args.for: a message cannot be left for the switchboard', {
      field: 'args.for',
      rule: 'AS-3',
      text: { da: 'En besked kan ikke lægges til Omstillingen. Læg den til den person eller funktion, borgeren søger.', en: 'a message cannot be left for the switchboard; leave it for the person or function the caller wants' },
    });
  }
  const routed = target.kind === 'person' ? messageRecipient(tx.view, cmd.for, at, { callerInformed: cmd.callerInformed }) : { recipient: cmd.for, rule: 'AS-1' };
  const deptId = target.kind === 'person' ? target.person.dept : target.group.dept;
  const by = actorName(actor);
  const message: MessageRecord = {
    id: cmd.id,
    rev: 1,
    for: routed.recipient,
    askedFor: routed.recipient === cmd.for ? null : cmd.for,
    callerName: args.value.callerName,
    callerNumber: args.value.callerNumber,
    text: args.value.text,
    callerInformed: cmd.callerInformed,
    takenBy: { actor: by, source: actor.source, person: actor.source === 'phone' ? actor.personId : null },
    takenAt: at.toISOString(),
    // AS-2: the asked-for department's promise
    due: callbackDue(dir, deptId, at).toISOString(),
    rule: routed.rule,
    status: 'waiting',
    history: [{ at: at.toISOString(), status: 'waiting', by, person: actor.source === 'phone' ? actor.personId : null }],
    updatedAt: at.toISOString(),
  };
  tx.setMessage(message);
  return takeReply(tx, message);
}

function takeReply(tx: Change, m: MessageRecord): TakeMessageReply {
  return { id: m.id, for: m.for, forName: tx.base.dir.nameOf(m.for), due: m.due, rule: m.rule };
}

/**
 * AS-4: who may move a message on: its recipient, a member of its recipient group, or their
 * leader (PR-4); once it has escalated, also the members of the group it went to (level 1)
 * and the leader it went to (level 2). Nobody else.
 */
export function mayHandleMessage(state: PolicyState, personId: string, m: Pick<MessageRecord, 'for' | 'history'>): boolean {
  const { dir } = state;
  const recipient = m.for;
  if (personId === recipient || dir.isLeaderOf(personId, recipient)) return true;
  const group = dir.groups.get(recipient);
  if (group !== undefined && group.members.some((x) => x === personId || dir.isLeaderOf(personId, x))) return true;
  return escalationsOf(m).some((e) => e.to === personId || dir.groups.get(e.to)?.members.includes(personId) === true);
}

/** AS-4: waiting → acknowledged → done, never back; the same status again changes nothing. */
function messageStatus(tx: Change, actor: Actor, cmd: Extract<Command, { op: 'message-status' }>): { id: string; status: MessageRecord['status'] } {
  const at = tx.at;
  const m = tx.message(cmd.message);
  if (!m) {
    throw new OmstilError('invalid-payload', `args.message: no message "${cmd.message}"`, {
      field: 'args.message',
      rule: 'AS-4',
      text: { da: 'Beskeden findes ikke.', en: 'there is no such message' },
    });
  }
  if (actor.source === 'phone' && (actor.personId === null || !mayHandleMessage(tx.base, actor.personId, m))) {
    throw new OmstilError('forbidden', `only ${m.for} (or a member of it, or their leader, or whoever it escalated to) may change message ${m.id}`, {
      field: 'args.message',
      rule: 'AS-4',
      text: { da: 'Kun modtageren af beskeden (eller deres leder, eller dem den er eskaleret til) kan ændre den.', en: 'only whoever the message is for (or their leader, or whoever it escalated to) can change it' },
    });
  }
  const from = MESSAGE_STATUS_ORDER.indexOf(m.status);
  const to = MESSAGE_STATUS_ORDER.indexOf(cmd.status);
  if (to === from) return { id: m.id, status: m.status };
  if (to < from) {
    throw new OmstilError('invalid-payload', `args.status: message ${m.id} is already ${m.status}`, {
      field: 'args.status',
      rule: 'AS-4',
      text: { da: 'Beskeden er allerede afsluttet.', en: 'the message is already done' },
    });
  }
  const entry = { at: at.toISOString(), status: cmd.status, by: actorName(actor), person: actor.source === 'phone' ? actor.personId : null };
  tx.setMessage({ ...m, status: cmd.status, rev: m.rev + 1, updatedAt: at.toISOString(), history: [...m.history, entry] });
  return { id: m.id, status: cmd.status };
}

function divert(tx: Change, actor: Actor, personId: string, target: string, until: string | null, field: string): unknown {
  const at = tx.at;
  refuseTooLate(until, 'args.until', 'DV-1');
  if (until !== null && Date.parse(until) <= at.getTime()) {
    throw new OmstilError('invalid-time', `${field === 'args.target' ? 'args.until' : field}: must be in the future`, { field: 'args.until', rule: 'DV-1' });
  }
  const decision = checkDiversion(tx.view, personId, target, at, { field });
  if (!decision.ok) throw toError(decision);
  const me = tx.person(personId);
  const old = me.diversion;
  if (old && old.status !== 'declined' && old.to === target && old.until === until) {
    return { chain: decision.chain }; // idempotent repeat
  }
  tx.setPerson(personId, { diversion: { to: target, since: at.toISOString(), until, status: 'active', declinedBy: null, source: actor.source } });
  // DV-2: the target's own view changes (it now receives these calls)
  tx.touch(target);
  if (old && old.to !== target && old.status !== 'declined') tx.touch(old.to);
  return { chain: decision.chain };
}

function setStatus(tx: Change, actor: Actor, cmd: Extract<Command, { op: 'set-status' }>): unknown {
  const at = tx.at;
  refuseTooLate(cmd.since, 'args.since', 'PR-1');
  refuseTooLate(cmd.until, 'args.until', 'PR-1');
  const since = cmd.since ? new Date(cmd.since) : at;
  if (Number.isNaN(since.getTime())) throw new OmstilError('invalid-payload', 'since: not a time', { field: 'args.since' });
  if (cmd.until !== null && Date.parse(cmd.until) <= Math.max(at.getTime(), since.getTime())) {
    throw new OmstilError('invalid-time', 'args.until: must be in the future and after the start', {
      field: 'args.until',
      rule: 'PR-1',
      text: { da: 'Tidspunktet for tilbagekomst skal ligge i fremtiden.', en: 'the time you are back must be in the future' },
    });
  }
  const until = cmd.until === null ? null : new Date(cmd.until);
  // PR-1: one workday or more is an absence; shorter is away
  const workdayOrMore = until === null || until.getTime() >= addWorkdays(since, 1).getTime();
  const kind = cmd.kind ?? (workdayOrMore ? 'absent' : 'away');
  // DV-6 applies to absences longer than one workday
  const long = until === null || isLongerThanWorkday(since, until);
  if (cmd.divertTo !== null) {
    if (since.getTime() > at.getTime()) {
      // a diversion is in force from when it is made; planned absences with cover come with calendar sync
      throw new OmstilError('invalid-time', 'args.since: a colleague can be set only for an absence that has started', { field: 'args.since', rule: 'DV-6' });
    }
    divert(tx, actor, cmd.person, cmd.divertTo, cmd.until, 'args.divertTo');
  }
  // DV-6: an absence longer than one workday needs a colleague; no voicemail
  const covered = activeDiversion(tx.person(cmd.person), at) !== null;
  if (kind === 'absent' && long && !covered && actor.source !== 'calendar') {
    const suggestion = suggestTarget(tx.view, cmd.person, at);
    refuse(
      'needs-colleague',
      'DV-6',
      'args.divertTo',
      {
        da: `Fravær ud over en arbejdsdag kræver, at telefonen viderestilles til en kollega${suggestion ? `, fx ${suggestion.name}` : ''}. Telefonsvarer er ikke nok.`,
        en: `an absence longer than one workday needs the phone diverted to a colleague${suggestion ? `, e.g. ${suggestion.name}` : ''}; voicemail is not enough`,
      },
      suggestion,
    );
  }
  // a calendar's long absence without a colleague is taken (it happened), and the leader is told (DV-6, PR-4): see alertsFor
  const status: StatusRecord = { kind, since: since.toISOString(), until: cmd.until, source: actor.source, ...(cmd.autoReply ? { autoReply: true } : {}) };
  // (a diversion made in this request has since = now = status.since: clear-status ends both)
  const rec = tx.person(cmd.person);
  const reason = cmd.reason === null ? (actor.source === 'calendar' ? rec.absenceReason : null) : cmd.reason.trim() || null;
  if (sameStatus(rec.status, status) && rec.absenceReason === reason) return undefined;
  tx.setPerson(cmd.person, { status, absenceReason: reason });
  return { kind };
}

/** AS-5: a mailbox report; a repeat (or one that changes nothing shown, e.g. only `heard`) is a no-op. */
function setVoicemail(tx: Change, cmd: Extract<Command, { op: 'set-voicemail' }>): { unheard: number; flagged: boolean } | undefined {
  for (const field of ['unheard', 'heard'] as const) {
    const n = cmd[field];
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new OmstilError('invalid-payload', `${field}: must be a whole number of messages, 0 or more`, {
        field,
        rule: 'AS-5',
        text: { da: 'Telefonsvarerens antal beskeder kan ikke læses.', en: 'The number of voicemail messages cannot be read.' },
      });
    }
  }
  const reported = typeof cmd.at === 'string' ? new Date(cmd.at) : new Date(Number.NaN);
  if (Number.isNaN(reported.getTime())) {
    throw new OmstilError('invalid-payload', 'at: not a time', { field: 'at', rule: 'AS-5', text: { da: 'Tidspunktet kan ikke læses.', en: 'The time cannot be read.' } });
  }
  const old = tx.person(cmd.person).voicemail ?? null;
  // nothing reported before and nothing unheard now: nothing to show
  if (old === null && cmd.unheard === 0) return undefined;
  const next = nextVoicemail(old, cmd.unheard, reported, tx.at);
  if (sameVoicemail(old, next)) return undefined;
  tx.setPerson(cmd.person, { voicemail: next });
  return { unheard: next.unheard, flagged: next.flaggedAt !== null };
}

function sameStatus(a: StatusRecord | null, b: StatusRecord): boolean {
  return a !== null && a.kind === b.kind && a.until === b.until && a.since === b.since;
}

function deptOrThrow(tx: Change, deptId: string): DeptRecord {
  if (!tx.base.dir.departments.has(deptId)) {
    throw new OmstilError('unknown-department', `unknown department "${deptId}"`, { field: 'dept', rule: 'RT-1', text: { da: `Ukendt afdeling "${deptId}".`, en: `unknown department "${deptId}"` } });
  }
  return tx.dept(deptId);
}

function addClosure(tx: Change, cmd: Extract<Command, { op: 'add-closure' }>): unknown {
  const rec = deptOrThrow(tx, cmd.dept);
  refuseTooLate(cmd.start, 'start', 'PH-3');
  refuseTooLate(cmd.end, 'end', 'PH-3');
  const start = Date.parse(cmd.start);
  const end = Date.parse(cmd.end);
  if (!(end > start)) throw new OmstilError('invalid-time', 'end: must be after start', { field: 'end', rule: 'PH-3' });
  if (end <= tx.at.getTime()) throw new OmstilError('invalid-time', 'end: must be in the future', { field: 'end', rule: 'PH-3' });
  if (cmd.offer === 'fallback') {
    if (!cmd.fallback) throw new OmstilError('invalid-payload', 'fallback: needed when offer is "fallback"', { field: 'fallback', rule: 'PH-3' });
    const target = tx.base.dir.target(cmd.fallback);
    if (!target) throw new OmstilError('unknown-person', `unknown person or group "${cmd.fallback}"`, { field: 'fallback', rule: 'PH-3' });
    const fbDept = target.kind === 'person' ? target.person.dept : target.group.dept;
    // DV-3 holds for closures too: the agreed fallback is never the switchboard, nor the closed department itself
    if (target.kind === 'person' && target.person.role === 'switchboard' && !tx.base.dir.departments.get(cmd.dept)!.switchboardAgreement) {
      throw new OmstilError('switchboard-diversion', 'fallback: calls may not be sent back to the switchboard', { field: 'fallback', rule: 'DV-3' });
    }
    if (fbDept === cmd.dept) throw new OmstilError('invalid-payload', 'fallback: must answer outside the closed department', { field: 'fallback', rule: 'PH-3' });
  } else if (cmd.fallback) {
    throw new OmstilError('invalid-payload', 'fallback: only with offer "fallback"', { field: 'fallback', rule: 'PH-3' });
  }
  const id = cmd.id ?? `closure-${rec.rev + 1}`;
  const existing = rec.closures.find((c) => c.id === id);
  if (existing) return { closure: existing }; // idempotent repeat of the same id
  const closure: ClosureRecord = {
    id,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    endedEarly: false,
    message: cmd.message,
    offer: cmd.offer,
    fallback: cmd.fallback,
    source: 'admin',
  };
  tx.setDept(cmd.dept, { closures: [...rec.closures, closure].sort((a, b) => a.start.localeCompare(b.start)) });
  return { closure };
}

/** RT-3: a refusal of a broadcast, naming the field. */
function broadcastRefusal(code: 'invalid-payload' | 'invalid-time', field: string, message: string, text: Texts): OmstilError {
  return new OmstilError(code, `${field}: ${message}`, { field, rule: 'RT-3', text });
}

/**
 * RT-3: a crisis broadcast. Danish text required (English optional), each at most
 * MAX_BROADCAST_CHARS; `start` before `expires`, `expires` in the future; at most
 * MAX_BROADCASTS in force or planned at once (every screen shows them at the top).
 */
function addBroadcast(tx: Change, actor: Actor, cmd: Extract<Command, { op: 'add-broadcast' }>): { broadcast: BroadcastRecord } {
  const at = tx.at;
  if (cmd.id !== undefined) {
    const existing = tx.broadcast(cmd.id);
    if (existing) return { broadcast: existing }; // idempotent repeat of the same id
  }
  const da = cmd.text.da.trim();
  const en = cmd.text.en?.trim() || null;
  if (!da) {
    throw broadcastRefusal('invalid-payload', 'text.da', 'a Danish text is required', { da: 'Meddelelsen skal have en dansk tekst.', en: 'The message needs a Danish text.' });
  }
  for (const [field, value] of [['text.da', da], ['text.en', en]] as const) {
    if (value !== null && value.length > MAX_BROADCAST_CHARS) {
      throw broadcastRefusal('invalid-payload', field, `longer than ${MAX_BROADCAST_CHARS} characters`, {
        da: `Meddelelsen er for lang (højst ${MAX_BROADCAST_CHARS} tegn).`,
        en: `The message is too long (at most ${MAX_BROADCAST_CHARS} characters).`,
      });
    }
  }
  refuseTooLate(cmd.start, 'start', 'RT-3');
  refuseTooLate(cmd.expires, 'expires', 'RT-3');
  const start = cmd.start === null ? at.getTime() : Date.parse(cmd.start);
  const expires = Date.parse(cmd.expires);
  if (Number.isNaN(start)) throw broadcastRefusal('invalid-payload', 'start', 'not a time', { da: 'Starttidspunktet kan ikke læses.', en: 'The start time cannot be read.' });
  if (Number.isNaN(expires)) throw broadcastRefusal('invalid-payload', 'expires', 'not a time', { da: 'Udløbstidspunktet kan ikke læses.', en: 'The expiry time cannot be read.' });
  if (!(expires > start)) {
    throw broadcastRefusal('invalid-time', 'expires', 'must be after start', { da: 'Meddelelsen skal udløbe efter sin start.', en: 'The message must expire after it starts.' });
  }
  if (expires <= at.getTime()) {
    throw broadcastRefusal('invalid-time', 'expires', 'must be in the future', { da: 'Udløbstidspunktet skal ligge i fremtiden.', en: 'The expiry must be in the future.' });
  }
  const all = tx.allBroadcasts();
  if (all.filter((b) => broadcastCurrent(b, at)).length >= MAX_BROADCASTS) {
    throw new OmstilError('too-many-broadcasts', `at most ${MAX_BROADCASTS} broadcasts may be in force or planned at once`, {
      field: 'broadcasts',
      rule: 'RT-3',
      text: {
        da: `Der er allerede ${MAX_BROADCASTS} aktive eller planlagte meddelelser. Afslut en af dem først.`,
        en: `There are already ${MAX_BROADCASTS} active or planned messages. End one of them first.`,
      },
    });
  }
  let id = cmd.id;
  if (id === undefined) {
    let n = all.length + 1;
    while (tx.broadcast(`broadcast-${n}`)) n++;
    id = `broadcast-${n}`;
  }
  const text: BroadcastText = en ? { da, en } : { da };
  const broadcast: BroadcastRecord = {
    id,
    rev: 1,
    text,
    start: new Date(start).toISOString(),
    expires: new Date(expires).toISOString(),
    endedEarly: false,
    createdAt: at.toISOString(),
    createdBy: actorName(actor),
    updatedAt: at.toISOString(),
  };
  tx.setBroadcast(broadcast);
  return { broadcast };
}

/** RT-3: ending a broadcast early is announced at once (like a closure, PH-3): it expires now. */
function endBroadcast(tx: Change, cmd: Extract<Command, { op: 'end-broadcast' }>): { broadcast: BroadcastRecord } {
  const at = tx.at;
  const b = tx.broadcast(cmd.broadcast);
  if (!b) {
    throw new OmstilError('unknown-broadcast', `no broadcast "${cmd.broadcast}"`, {
      field: 'broadcast',
      rule: 'RT-3',
      text: { da: `Meddelelsen "${cmd.broadcast}" findes ikke.`, en: `There is no message "${cmd.broadcast}".` },
    });
  }
  if (!broadcastCurrent(b, at)) return { broadcast: b }; // over already: nothing to announce
  const now = at.toISOString();
  // one not yet started never shows: it starts and expires now
  const ended: BroadcastRecord = { ...b, ...(Date.parse(b.start) > at.getTime() ? { start: now } : {}), expires: now, endedEarly: true, rev: b.rev + 1, updatedAt: now };
  tx.setBroadcast(ended);
  return { broadcast: ended };
}
