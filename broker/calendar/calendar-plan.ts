/**
 * What a person's calendar asks of the hub now (PR-3, DV-5, DV-6). Pure: the policy state,
 * the person's occurrences (all calendars merged) and an instant in; commands out, which the
 * sync engine runs through `Hub.execute` like any other change.
 *
 * Precedence (docs/policy.md):
 * 1. A status set by hand (phone, leader, admin) wins until its own end; the calendar waits.
 * 2. A calendar status the person (or their leader) cleared by hand stays cleared for that
 *    block of entries; the next block applies again.
 * 3. Otherwise the calendar's status holds: absent (out of office, all-day absence) before
 *    in-meeting; nothing when the calendar shows nothing.
 */
import type { Command } from '../policy/commands.js';
import { suggestTarget } from '../policy/diversion.js';
import type { PolicyState } from '../policy/policy-state.js';
import { activeDiversion, activeStatus, type MeetingPrompt } from '../state/person-record.js';
import type { Occurrence } from './calendar-source.js';
import { calendarStatusAt, nextMeeting } from './timeline.js';

export interface PlanOptions {
  /** DV-5: how long before a meeting the phone offers the diversion (default 5) */
  promptMinutes: number;
  /** tentative entries count as meetings, or as free */
  tentative: 'free' | 'in-meeting';
}

/** What the sync engine remembers per person between plans. */
export interface PlanMemory {
  /** the calendar block (`kind since until`) last set as the person's status */
  applied: string | null;
  /** a block the person cleared by hand: not set again */
  dismissed: string | null;
  /** meetings already auto-diverted once (`uid start`): not again, even if undiverted by hand */
  autoDiverted: Set<string>;
}

export function newPlanMemory(): PlanMemory {
  return { applied: null, dismissed: null, autoDiverted: new Set() };
}

export function planPerson(state: PolicyState, personId: string, occurrences: readonly Occurrence[], at: Date, opts: PlanOptions, memory: PlanMemory): Command[] {
  const person = state.dir.people.get(personId);
  const rec = state.people.get(personId);
  if (!person || !rec) return [];
  const commands: Command[] = [];
  const want = calendarStatusAt(occurrences, at, { tentative: opts.tentative });
  const wantKey = want ? `${want.kind} ${want.since} ${want.until}` : null;
  const current = activeStatus(rec, at);

  // 2: our block is no longer the person's status, but the block still holds: cleared by hand
  if (memory.applied !== null && memory.applied === wantKey && current?.source !== 'calendar') memory.dismissed = wantKey;
  if (memory.dismissed !== null && memory.dismissed !== wantKey) memory.dismissed = null;

  if (current && current.source !== 'calendar') {
    // 1: manual wins until its own end
  } else if (want && wantKey !== memory.dismissed) {
    if (!current || current.kind !== want.kind || current.since !== want.since || current.until !== want.until) {
      commands.push({ op: 'set-status', person: personId, kind: want.kind, since: want.since, until: want.until, reason: null, divertTo: null });
    }
    memory.applied = wantKey;
  } else if (current?.source === 'calendar') {
    commands.push({ op: 'clear-status', person: personId });
    memory.applied = null;
  }

  // DV-5: offer the diversion from `promptMinutes` before a meeting until its end, while not diverted
  const diverted = activeDiversion(rec, at) !== null;
  const absent = want?.kind === 'absent' || current?.kind === 'absent';
  let meeting: { uid: string; start: string; end: string } | null = null;
  if (want?.kind === 'in-meeting') {
    const now = occurrences.find((o) => Date.parse(o.start) <= at.getTime() && at.getTime() < Date.parse(o.end) && !o.allDay);
    meeting = { uid: now?.uid ?? 'block', start: want.since, end: want.until };
  } else {
    const next = nextMeeting(occurrences, at, { tentative: opts.tentative });
    if (next && Date.parse(next.start) - at.getTime() <= opts.promptMinutes * 60_000) meeting = next;
  }
  let prompt: MeetingPrompt | null = null;
  if (meeting && !diverted && !absent) {
    const suggestion = suggestTarget(state, personId, new Date(Math.max(at.getTime(), Date.parse(meeting.start))))?.id ?? null;
    prompt = { start: meeting.start, end: meeting.end, suggestion };
    // DV-5: automatic for people who opt in, once per meeting, when it starts
    const key = `${meeting.uid} ${meeting.start}`;
    if (person.autoDivertMeetings && suggestion && Date.parse(meeting.start) <= at.getTime() && !memory.autoDiverted.has(key)) {
      memory.autoDiverted.add(key);
      commands.push({ op: 'divert', person: personId, target: suggestion, until: meeting.end });
      prompt = null;
    }
  }
  if (JSON.stringify(prompt) !== JSON.stringify(rec.meetingPrompt)) commands.push({ op: 'set-meeting-prompt', person: personId, prompt });
  // forget auto-diversions of meetings that are over
  for (const key of memory.autoDiverted) if (Date.parse(key.split(' ')[1]!) < at.getTime() - 86_400_000) memory.autoDiverted.delete(key);
  return commands;
}
