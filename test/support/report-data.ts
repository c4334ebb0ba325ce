/**
 * ST-1 data for the report tests and the `report_quarter_s` bench: calls spread over a
 * quarter's working days across a directory's departments and functions, and messages with
 * their audit trail. Seeded: the same seed, the same quarter. Each department answers at its
 * own rate and waits its own time, so the charts differ from bar to bar.
 */
import { DateTime } from 'luxon';
import type { Directory } from '../../broker/directory/directory.js';
import type { MessageRecord } from '../../broker/state/message-record.js';
import type { CallRecord } from '../../broker/stats/call-record.js';
import { quarterBounds } from '../../broker/stats/quarter-report.js';
import { seededRandom } from './seeded-random.js';

const ZONE = 'Europe/Copenhagen';

/** The quarter's weekdays (local midnight), Monday to Friday. */
function workdays(quarter: string): DateTime[] {
  const q = quarterBounds(quarter);
  const out: DateTime[] = [];
  for (let d = DateTime.fromISO(q.from, { zone: ZONE }); d.toISODate()! <= q.to; d = d.plus({ days: 1 })) if (d.weekday <= 5) out.push(d);
  return out;
}

/** A department's answer rate and mean wait, from its position (0.72–0.97, 12–48 s). */
function profile(index: number): { answer: number; wait: number; weight: number } {
  return { answer: 0.97 - ((index * 7) % 11) * 0.025, wait: 12 + ((index * 5) % 10) * 4, weight: index === 0 ? 4 : 1 + (index % 3) };
}

/** `count` finished calls offered on the quarter's weekdays 08:00–15:30 Copenhagen time, oldest first not guaranteed. */
export function* quarterCalls(dir: Directory, quarter: string, count: number, seed = 1): Generator<CallRecord> {
  const rnd = seededRandom(seed);
  const days = workdays(quarter);
  const depts = [...dir.departments.values()];
  const profiles = depts.map((_, i) => profile(i));
  const totalWeight = profiles.reduce((s, p) => s + p.weight, 0);
  const people = depts.map((d) => dir.membersOf(d.id));
  for (let i = 0; i < count; i++) {
    let pick = rnd() * totalWeight;
    let k = 0;
    while (k < depts.length - 1 && pick >= profiles[k]!.weight) pick -= profiles[k++]!.weight;
    const dept = depts[k]!;
    const p = profiles[k]!;
    const groups = dir.groupsOf(dept.id);
    const toGroup = groups.length > 0 && rnd() < 0.6;
    const person = toGroup ? null : (people[k]![Math.floor(rnd() * people[k]!.length)] ?? null);
    const group = toGroup ? groups[Math.floor(rnd() * groups.length)]! : person ? groups.find((g) => g.members.includes(person.id)) : undefined;
    const offered = days[Math.floor(rnd() * days.length)]!.plus({ minutes: 480 + Math.floor(rnd() * 450), seconds: Math.floor(rnd() * 60) });
    const metUnavailable = person !== null && rnd() < 0.15;
    const answered = rnd() < p.answer;
    const waitS = Math.round(-Math.log(1 - rnd()) * p.wait * 10) / 10;
    const r = rnd();
    const outcome: CallRecord['outcome'] = answered ? 'answered' : r < 0.4 ? 'message' : r < 0.6 ? 'voicemail' : r < 0.95 ? 'no-answer' : 'failed';
    const start = offered.toUTC();
    yield {
      callId: `call-${seed}-${i}`,
      number: toGroup ? group!.number : (person?.extension ?? dept.id),
      deptId: dept.id,
      fn: group?.id ?? null,
      personId: person?.id ?? null,
      offeredAt: start.toISO()!,
      answeredAt: answered ? start.plus({ milliseconds: waitS * 1000 }).toISO()! : null,
      endedAt: start.plus({ milliseconds: waitS * 1000 + (answered ? 180_000 : 0) }).toISO()!,
      waitS,
      outcome,
      answeredBy: answered ? (person?.extension ?? group?.number ?? null) : null,
      transfers: answered ? (rnd() < 0.85 ? 0 : rnd() < 0.8 ? 1 : 2) : 0,
      metUnavailable,
      insideHours: rnd() < 0.97,
    };
  }
}

/** `count` messages taken in the quarter for people and functions; some done on time, some late, some open. */
export function quarterMessages(dir: Directory, quarter: string, count: number, seed = 2): MessageRecord[] {
  const rnd = seededRandom(seed);
  const days = workdays(quarter);
  const people = [...dir.people.values()];
  const groups = [...dir.groups.values()];
  const out: MessageRecord[] = [];
  for (let i = 0; i < count; i++) {
    const forGroup = groups.length > 0 && rnd() < 0.3;
    const recipient = forGroup ? groups[Math.floor(rnd() * groups.length)]!.id : people[Math.floor(rnd() * people.length)]!.id;
    const taken = days[Math.floor(rnd() * days.length)]!.plus({ minutes: 480 + Math.floor(rnd() * 420) });
    const due = taken.plus({ days: 1 });
    const r = rnd();
    const history: MessageRecord['history'] = [{ at: taken.toUTC().toISO()!, status: 'waiting', by: 'admin:api', person: null }];
    let status: MessageRecord['status'] = 'waiting';
    if (r < 0.75) {
      // done: mostly before the due time (AS-2), some after (AS-4)
      const doneAt = r < 0.6 ? taken.plus({ hours: 2 + rnd() * 20 }) : due.plus({ hours: 1 + rnd() * 30 });
      history.push({ at: doneAt.toUTC().toISO()!, status: 'done', by: 'admin:api', person: forGroup ? null : recipient });
      status = 'done';
    }
    out.push({
      id: `msg-${seed}-${i}`,
      rev: history.length,
      for: recipient,
      askedFor: null,
      callerName: `Borger ${i}`,
      callerNumber: `+45${String(20_000_000 + i).slice(0, 8)}`,
      text: 'Ring venligst tilbage.',
      callerInformed: false,
      takenBy: { actor: 'admin:api', source: 'admin', person: null },
      takenAt: taken.toUTC().toISO()!,
      due: due.toUTC().toISO()!,
      rule: 'AS-1',
      status,
      history,
      updatedAt: history.at(-1)!.at,
    });
  }
  return out;
}
