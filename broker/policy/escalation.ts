/**
 * AS-4: an overdue message escalates. "Overdue" is past its due time (AS-2) and not `done`:
 * acknowledging a message says it has been seen, not that the caller was called back, so an
 * acknowledged message escalates like a waiting one.
 *
 * - Level 1, at the due time: the recipient's department group (the function number the
 *   recipient is a member of, else the department's first group with another member: as AS-3
 *   picks it). Its members see the message on their own topics and may finish it.
 * - Level 2, LEADER_ESCALATION_WORKDAYS workdays later (the due time when there is no group):
 *   the recipient's leader sees it on their own topic and may finish it.
 *
 * A message for a group skips level 1 (its members have it already); its level 2 goes to the
 * leader of whoever the caller asked for, else the leader of most of the group's members.
 * Targets are fixed when a step happens and kept in the audit trail; nobody loses a message
 * that was escalated to them until it is done. Pure: the hub's `refresh` commits the result.
 */
import type { Directory } from '../directory/directory.js';
import { escalationsOf, type EscalationLevel, type MessageRecord } from '../state/message-record.js';
import { addWorkdays } from './hours/workdays.js';
import type { PolicyState } from './policy-state.js';

/** AS-4: workdays between escalating to the group (at the due time) and to the leader */
export const LEADER_ESCALATION_WORKDAYS = 1;

/** How the audit trail names the hub when time escalates a message. */
export const ESCALATED_BY = 'hub';

export interface EscalationStep {
  level: EscalationLevel;
  to: string;
  /** when it is due to happen */
  at: Date;
}

/** AS-4: the recipient's department group, or null (a group recipient, or a department without one). */
export function escalationGroup(dir: Directory, m: Pick<MessageRecord, 'for'>): string | null {
  const person = dir.people.get(m.for);
  if (!person) return null;
  const groups = dir.groupsOf(person.dept).filter((g) => g.members.some((x) => x !== person.id));
  return (groups.find((g) => g.members.includes(person.id)) ?? groups[0])?.id ?? null;
}

/** AS-4: the recipient's leader (for a group: see the file comment), or null. */
export function escalationLeader(dir: Directory, m: Pick<MessageRecord, 'for' | 'askedFor'>): string | null {
  const person = dir.people.get(m.for);
  if (person) return person.leader;
  const group = dir.groups.get(m.for);
  if (!group) return null;
  const asked = m.askedFor === null ? undefined : dir.people.get(m.askedFor);
  if (asked?.leader) return asked.leader;
  const count = new Map<string, number>();
  for (const id of group.members) {
    const leader = dir.people.get(id)?.leader;
    if (leader) count.set(leader, (count.get(leader) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [id, n] of count) if (best === null || n > count.get(best)!) best = id; // ties: the first member's leader
  return best;
}

/** AS-4: the escalation steps a message would take, whether they have happened yet or not. */
export function escalationPlan(dir: Directory, m: MessageRecord): EscalationStep[] {
  const due = new Date(m.due);
  const steps: EscalationStep[] = [];
  const group = escalationGroup(dir, m);
  if (group) steps.push({ level: 1, to: group, at: due });
  const leader = escalationLeader(dir, m);
  if (leader && leader !== m.for) steps.push({ level: 2, to: leader, at: group ? addWorkdays(due, LEADER_ESCALATION_WORKDAYS) : due });
  return steps;
}

/** The steps that have not happened yet: none once a message is done. */
function pending(dir: Directory, m: MessageRecord): EscalationStep[] {
  if (m.status === 'done') return [];
  const done = new Set(escalationsOf(m).map((e) => e.level));
  return escalationPlan(dir, m).filter((s) => !done.has(s.level));
}

/** AS-4: the next revision of every overdue message with a step due at `at` (one revision each). */
export function escalateMessages(state: PolicyState, at: Date): MessageRecord[] {
  const t = at.getTime();
  const out: MessageRecord[] = [];
  for (const m of state.messages?.values() ?? []) {
    const steps = pending(state.dir, m).filter((s) => s.at.getTime() <= t);
    if (!steps.length) continue;
    const when = at.toISOString();
    const entries = steps.map((s) => ({ at: when, status: m.status, by: ESCALATED_BY, person: null, escalated: { level: s.level, to: s.to } }));
    out.push({ ...m, rev: m.rev + 1, updatedAt: when, history: [...m.history, ...entries] });
  }
  return out;
}

/** AS-4: the next instant after `at` at which a message escalates, or null. */
export function nextEscalation(state: PolicyState, at: Date): Date | null {
  const t = at.getTime();
  let next: number | null = null;
  for (const m of state.messages?.values() ?? []) {
    for (const s of pending(state.dir, m)) {
      const x = s.at.getTime();
      if (x > t && (next === null || x < next)) next = x;
    }
  }
  return next === null ? null : new Date(next);
}

/** The person ids an id stands for: a group's members, or the person. */
function peopleOf(dir: Directory, id: string): readonly string[] {
  return dir.groups.get(id)?.members ?? [id];
}

/** AS-1/AS-4: whose own topics show a message: its recipient (a group's members), and everyone it was escalated to. */
export function messageAudience(dir: Directory, m: MessageRecord): string[] {
  const out = new Set<string>(peopleOf(dir, m.for));
  for (const e of escalationsOf(m)) for (const id of peopleOf(dir, e.to)) out.add(id);
  return [...out];
}

/** AS-4: `personId` has the message only because it was escalated to them (or their group). */
export function escalatedTo(dir: Directory, m: MessageRecord, personId: string): boolean {
  if (peopleOf(dir, m.for).includes(personId)) return false;
  return escalationsOf(m).some((e) => peopleOf(dir, e.to).includes(personId));
}
