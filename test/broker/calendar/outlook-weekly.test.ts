/**
 * Acceptance (PR-3, DV-5): an Outlook export as Outlook writes it (Romance Standard Time with its
 * VTIMEZONE, X-MICROSOFT-CDO-BUSYSTATUS, CRLF, folded lines), through split → expand → timeline,
 * checked at a table of instants on both sides of the October 2026 DST change (25 Oct).
 *
 * The fixture: a weekly Tuesday 10:00–11:00 meeting from 6 Oct to 24 Nov 2026; the 27 Oct
 * occurrence moved to Wednesday 28 Oct 13:00–14:00; the 3 Nov occurrence deleted (EXDATE); an
 * all-day OOF entry Mon 9 Nov – Mon 16 Nov; a free all-day birthday on 14 Oct; a tentative
 * meeting Thu 15 Oct 14:00–15:00.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandItem, splitCalendar } from '../../../broker/calendar/ics/parse-ics.js';
import { calendarStatusAt, nextMeeting, nextTransition } from '../../../broker/calendar/timeline.js';
import type { Occurrence } from '../../../broker/calendar/calendar-source.js';

const t = suite('broker/calendar/outlook-weekly');

const text = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/calendar/outlook-weekly.ics'), 'utf8');
const WINDOW = { from: new Date('2026-09-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') };

function occurrences(): { occurrences: Occurrence[]; problems: string[] } {
  const split = splitCalendar(text);
  const out: Occurrence[] = [];
  const problems = [...split.problems];
  for (const item of split.items) {
    const r = expandItem(item.data, WINDOW);
    out.push(...r.occurrences);
    problems.push(...r.problems);
  }
  return { occurrences: out, problems };
}

const { occurrences: all, problems } = occurrences();
const OPTS = { tentative: 'free' } as const;

t('PR-3: the Outlook export reads without problems', () => {
  assert.equal(problems, []);
  assert.is(all.length, 10);
});

// [instant (UTC), expected status or null, what it shows]
const TABLE: [string, ReturnType<typeof calendarStatusAt>, string][] = [
  ['2026-10-06T07:59:00Z', null, 'Tue 6 Oct 09:59 CEST: before the first occurrence'],
  ['2026-10-06T08:00:00Z', { kind: 'in-meeting', since: '2026-10-06T08:00:00.000Z', until: '2026-10-06T09:00:00.000Z' }, 'Tue 6 Oct 10:00 CEST: starts'],
  ['2026-10-06T08:59:59Z', { kind: 'in-meeting', since: '2026-10-06T08:00:00.000Z', until: '2026-10-06T09:00:00.000Z' }, 'Tue 6 Oct 10:59:59 CEST: still in'],
  ['2026-10-06T09:00:00Z', null, 'Tue 6 Oct 11:00 CEST: over'],
  ['2026-10-14T10:00:00Z', null, 'Wed 14 Oct: the free all-day birthday is not an absence'],
  ['2026-10-15T12:30:00Z', null, 'Thu 15 Oct 14:30: tentative counts as free with this setting'],
  ['2026-10-20T08:30:00Z', { kind: 'in-meeting', since: '2026-10-20T08:00:00.000Z', until: '2026-10-20T09:00:00.000Z' }, 'Tue 20 Oct 10:30 CEST: last one in summer time'],
  ['2026-10-27T08:30:00Z', null, 'Tue 27 Oct 09:30 CET: summer-time UTC would wrongly say in-meeting'],
  ['2026-10-27T09:30:00Z', null, 'Tue 27 Oct 10:30 CET: the moved occurrence is not at its old time'],
  ['2026-10-28T11:59:00Z', null, 'Wed 28 Oct 12:59 CET: just before the moved occurrence'],
  ['2026-10-28T12:30:00Z', { kind: 'in-meeting', since: '2026-10-28T12:00:00.000Z', until: '2026-10-28T13:00:00.000Z' }, 'Wed 28 Oct 13:30 CET: the moved occurrence'],
  ['2026-11-03T09:30:00Z', null, 'Tue 3 Nov 10:30 CET: the deleted occurrence is free'],
  ['2026-11-08T22:59:00Z', null, 'Sun 8 Nov 23:59 CET: before the OOF week'],
  ['2026-11-08T23:00:00Z', { kind: 'absent', since: '2026-11-08T23:00:00.000Z', until: '2026-11-15T23:00:00.000Z' }, 'Mon 9 Nov 00:00 CET: OOF starts'],
  ['2026-11-10T09:30:00Z', { kind: 'absent', since: '2026-11-08T23:00:00.000Z', until: '2026-11-15T23:00:00.000Z' }, 'Tue 10 Nov 10:30: the meeting inside the OOF week does not beat the absence'],
  ['2026-11-15T22:59:00Z', { kind: 'absent', since: '2026-11-08T23:00:00.000Z', until: '2026-11-15T23:00:00.000Z' }, 'Sun 15 Nov 23:59: still absent'],
  ['2026-11-15T23:00:00Z', null, 'Mon 16 Nov 00:00: back'],
  ['2026-11-17T08:30:00Z', null, 'Tue 17 Nov 09:30 CET: summer-time UTC would wrongly say in-meeting'],
  ['2026-11-17T09:00:00Z', { kind: 'in-meeting', since: '2026-11-17T09:00:00.000Z', until: '2026-11-17T10:00:00.000Z' }, 'Tue 17 Nov 10:00 CET: winter time, 09:00Z'],
  ['2026-11-24T09:30:00Z', { kind: 'in-meeting', since: '2026-11-24T09:00:00.000Z', until: '2026-11-24T10:00:00.000Z' }, 'Tue 24 Nov 10:30 CET: the last one (UNTIL is its start)'],
  ['2026-12-01T09:30:00Z', null, 'Tue 1 Dec 10:30 CET: after UNTIL'],
];

for (const [instant, want, what] of TABLE) {
  t(`PR-3: ${what}`, () => {
    assert.equal(calendarStatusAt(all, new Date(instant), OPTS), want);
  });
}

t('PR-3: with tentative counted as a meeting, Thu 15 Oct 14:30 is in-meeting', () => {
  assert.equal(calendarStatusAt(all, new Date('2026-10-15T12:30:00Z'), { tentative: 'in-meeting' }), {
    kind: 'in-meeting',
    since: '2026-10-15T12:00:00.000Z',
    until: '2026-10-15T13:00:00.000Z',
  });
});

t('DV-5: the next meeting after Tue 20 Oct is the moved one on Wednesday 28 Oct, not Tue 27 Oct', () => {
  assert.equal(nextMeeting(all, new Date('2026-10-20T10:00:00Z'), OPTS), {
    uid: all.find((o) => o.start === '2026-10-28T12:00:00.000Z')!.uid,
    start: '2026-10-28T12:00:00.000Z',
    end: '2026-10-28T13:00:00.000Z',
  });
});

t('DV-5: no meeting prompt for the occurrence inside the OOF week; the next is Tue 17 Nov', () => {
  assert.is(nextMeeting(all, new Date('2026-11-02T12:00:00Z'), OPTS)!.start, '2026-11-17T09:00:00.000Z');
});

t('PR-3: nextTransition walks the autumn: meeting ends, OOF starts and ends', () => {
  const seen: string[] = [];
  for (let at: Date | null = new Date('2026-11-03T00:00:00Z'); at && seen.length < 5; at = nextTransition(all, at)) seen.push(at.toISOString());
  assert.equal(seen, ['2026-11-03T00:00:00.000Z', '2026-11-08T23:00:00.000Z', '2026-11-10T09:00:00.000Z', '2026-11-10T10:00:00.000Z', '2026-11-15T23:00:00.000Z']);
});

t('PR-2: the private OOF summary stays in the occurrence (for the person and leader), the status carries none', () => {
  const status = calendarStatusAt(all, new Date('2026-11-10T09:30:00Z'), OPTS);
  assert.not.ok(JSON.stringify(status).includes('sommerhus'));
  assert.ok(all.some((o) => o.summary === 'Efterårsferie i sommerhuset'));
});

t.run();
