/**
 * Per-audience projections (DESIGN principle 4). Public projections are built field by
 * field from an allow-list, so a private field added to the record can never leak (PR-2).
 */
import type { BroadcastList, CallbackMessage, DeptPublic, DeviceConfig, PersonOwn, PersonPublic, Texts } from '../../protocol/index.js';
import type { Device, Directory } from '../directory/directory.js';
import { deptHours } from '../policy/availability.js';
import { closureText } from '../policy/closure-text.js';
import { escalatedTo } from '../policy/escalation.js';
import { outsideHoursText } from '../policy/hours/hours-text.js';
import { localDate } from '../policy/hours/zone.js';
import { isLongerThanWorkday } from '../policy/hours/workdays.js';
import type { PolicyState } from '../policy/policy-state.js';
import { broadcastCurrent, byStart, type BroadcastRecord } from './broadcast-record.js';
import type { DeptRecord } from './dept-record.js';
import { escalationsOf, type MessageRecord } from './message-record.js';
import { activeDiversion, type PersonRecord } from './person-record.js';

export function personPublic(rec: PersonRecord, dir: Directory): PersonPublic {
  const person = dir.people.get(rec.personId);
  if (!person) throw new Error(`no person ${rec.personId} in the directory`);
  const sensitive = dir.departments.get(person.dept)?.sensitive ?? false;
  const d = activeDiversion(rec);
  return {
    personId: rec.personId,
    name: person.name,
    deptId: person.dept,
    title: person.title,
    // RT-1: directory facts reception searches by (AS-3: the switchboard takes no messages)
    role: person.role,
    competencies: [...person.competencies],
    extension: sensitive ? null : person.extension, // RT-1
    presence: rec.presence,
    backAt: rec.backAt,
    diversion: d ? { to: d.to, toName: dir.nameOf(d.to), until: d.until } : null,
    rev: rec.rev,
    updatedAt: rec.updatedAt,
  };
}

/** The employee's own view (and their leader's): adds own diversion state, incoming diversions, the private reason, alerts, messages and voicemail (AS-5). */
/** The PBX's side of a phone (see PbxSync); the default when the caller has none to say. */
const PBX_APPLIED: PersonOwn['pbx'] = { forward: 'applied', notice: null };

export function personOwn(
  rec: PersonRecord,
  dir: Directory,
  records: ReadonlyMap<string, PersonRecord>,
  pbx: PersonOwn['pbx'] = PBX_APPLIED,
  messages: Iterable<MessageRecord> = [],
): PersonOwn {
  const d = rec.diversion;
  const incoming: PersonOwn['incoming'] = [];
  for (const other of records.values()) {
    const od = activeDiversion(other);
    if (od && od.to === rec.personId) {
      incoming.push({ from: other.personId, fromName: dir.nameOf(other.personId), since: od.since, until: od.until });
    }
  }
  incoming.sort((a, b) => a.since.localeCompare(b.since) || a.from.localeCompare(b.from));
  return {
    ...personPublic(rec, dir),
    ownDiversion: d ? { to: d.to, toName: dir.nameOf(d.to), since: d.since, until: d.until, status: d.status } : null,
    incoming,
    absenceReason: rec.absenceReason,
    alerts: alertsFor(rec),
    messages: messagesFor(rec.personId, dir, messages),
    pbx,
    meetingPrompt: rec.meetingPrompt
      ? { start: rec.meetingPrompt.start, end: rec.meetingPrompt.end, suggestion: rec.meetingPrompt.suggestion ? { id: rec.meetingPrompt.suggestion, name: dir.nameOf(rec.meetingPrompt.suggestion) } : null }
      : null,
    // AS-5 / PR-2: the mailbox only ever here, never on a public topic
    ...(rec.voicemail ? { voicemail: { unheard: rec.voicemail.unheard, unheardSince: rec.voicemail.unheardSince, flaggedAt: rec.voicemail.flaggedAt } } : {}),
  };
}

/** AS-4: the most messages an own topic carries (the oldest due first) */
export const MAX_OWN_MESSAGES = 200;

/**
 * AS-1/AS-4: the messages a person is to call back: waiting and acknowledged ones for them or
 * for a group they are a member of, and overdue ones escalated to them or such a group, oldest
 * due first, at most MAX_OWN_MESSAGES. Done ones are kept at the hub, never shown. Only ever on
 * own topics: caller data is personal (PR-2).
 */
export function messagesFor(personId: string, dir: Directory, messages: Iterable<MessageRecord>): CallbackMessage[] {
  const mine: MessageRecord[] = [];
  for (const m of messages) {
    if (m.status === 'done') continue;
    if (m.for === personId || dir.groups.get(m.for)?.members.includes(personId) || escalatedTo(dir, m, personId)) mine.push(m);
  }
  mine.sort((a, b) => Date.parse(a.due) - Date.parse(b.due) || a.takenAt.localeCompare(b.takenAt) || a.id.localeCompare(b.id));
  return mine.slice(0, MAX_OWN_MESSAGES).map((m) => callbackMessage(m, dir, personId));
}

/** A message as the phone of `viewer` (its recipient, a group member, or whoever it escalated to) shows it (CallbackMessage). */
export function callbackMessage(m: MessageRecord, dir: Directory, viewer: string | null = null): CallbackMessage {
  const taker = m.takenBy.person ? dir.people.get(m.takenBy.person)?.name : undefined;
  // AS-4: the latest escalation, and whether this phone has the message because of it
  const esc = escalationsOf(m).at(-1);
  return {
    id: m.id,
    for: m.for,
    forName: dir.nameOf(m.for),
    askedFor: m.askedFor,
    askedForName: m.askedFor === null ? null : dir.nameOf(m.askedFor),
    callerName: m.callerName,
    callerNumber: m.callerNumber,
    text: m.text,
    // a phone's person by name (any device id), else the device id (a kiosk) or `admin:<name>`
    takenBy: taker ?? m.takenBy.actor,
    takenAt: m.takenAt,
    due: m.due,
    rule: m.rule,
    status: m.status,
    ...(esc
      ? {
          escalation: {
            level: esc.level,
            from: m.for,
            fromName: dir.nameOf(m.for),
            to: esc.to,
            toName: dir.nameOf(esc.to),
            overdueSince: m.due,
            at: esc.at,
            toMe: viewer !== null && escalatedTo(dir, m, viewer),
          },
        }
      : {}),
  };
}

/**
 * DV-6 / PR-4: an absence longer than one workday with no colleague taking the calls (it
 * can come from a calendar, which cannot be refused). Shown to the person and their leader.
 */
export function alertsFor(rec: PersonRecord): { rule: string; text: Texts }[] {
  const s = rec.status;
  if (!s || s.kind !== 'absent' || activeDiversion(rec)) return [];
  const long = s.until === null || isLongerThanWorkday(new Date(s.since), new Date(s.until));
  if (!long) return [];
  return [
    {
      rule: 'DV-6',
      text: {
        da: 'Fravær over en arbejdsdag uden viderestilling: telefonen skal viderestilles til en kollega.',
        en: 'Absent for more than one workday with no diversion: the phone must be diverted to a colleague.',
      },
    },
  ];
}

/** PH-1..PH-5: what reception, phones and the voicebot show about a department. */
export function deptPublic(state: PolicyState, rec: DeptRecord, at: Date): DeptPublic {
  const { dir } = state;
  const dept = dir.departments.get(rec.deptId);
  if (!dept) throw new Error(`no department ${rec.deptId} in the directory`);
  const hours = deptHours(state, dept.id)!;
  const today = hours.day(localDate(at));
  const input = { name: dept.name, hours, web: dept.web, digitalMail: dept.digitalMail, at };
  const next = hours.nextChange(at);
  return {
    deptId: dept.id,
    name: dept.name,
    phoneHours: dept.phoneHours,
    sensitive: dept.sensitive,
    tasks: dept.tasks,
    groups: dir.groupsOf(dept.id).map((g) => ({ id: g.id, name: g.name, number: g.number, tasks: [...g.tasks] })),
    openNow: rec.openNow,
    today: { date: today.date, holiday: today.holiday?.name ?? null, open: today.open },
    nextChange: next ? next.toISOString() : null,
    outsideHours: { da: outsideHoursText(input, 'da'), en: outsideHoursText(input, 'en') },
    closures: rec.closures.map((c) => {
      const fb = c.fallback ? { id: c.fallback, name: dir.nameOf(c.fallback) } : null;
      return { id: c.id, start: c.start, end: c.end, endedEarly: c.endedEarly, message: closureText(dept.name, c, at), offer: c.offer, fallback: fb };
    }),
    peaks: rec.peaks.map((p) => ({ id: p.id, from: p.from, to: p.to, text: p.text })),
    rev: rec.rev,
    updatedAt: rec.updatedAt,
  };
}

/**
 * RT-3: the retained broadcast list: every broadcast not yet expired at `at` (in force or
 * planned, so screens switch on at `start` by their own clock), by start. `rev` is the sum of
 * every broadcast's revisions: it grows with each one added or ended early.
 */
export function broadcastList(broadcasts: Iterable<BroadcastRecord>, at: Date): BroadcastList {
  let rev = 0;
  const current: BroadcastRecord[] = [];
  for (const b of broadcasts) {
    rev += b.rev;
    if (broadcastCurrent(b, at)) current.push(b);
  }
  current.sort(byStart);
  return {
    broadcasts: current.map((b) => ({ id: b.id, text: b.text.en ? { da: b.text.da, en: b.text.en } : { da: b.text.da }, start: b.start, expires: b.expires, createdAt: b.createdAt })),
    rev,
    updatedAt: at.toISOString(),
  };
}

export function deviceConfig(device: Device, dir: Directory, rev: number): DeviceConfig {
  const person = device.person ? dir.people.get(device.person) : undefined;
  const preferred = person?.preferred ?? [];
  return {
    deviceId: device.id,
    kind: device.kind,
    personId: person?.id ?? null,
    deptId: person?.dept ?? null,
    preferred,
    // preferred colleagues outside the own department are watched one by one; the department by wildcard
    watch: preferred.filter((id) => dir.people.get(id)?.dept !== person?.dept),
    // PR-4: a leader's phone follows its staff's own topics
    staff: person ? dir.staffOf(person.id).map((p) => p.id) : [],
    rev,
  };
}
