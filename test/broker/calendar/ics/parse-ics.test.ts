import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandItem, splitCalendar, type ExpandResult } from '../../../../broker/calendar/ics/parse-ics.js';

const t = suite('broker/calendar/ics/parse-ics');

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/calendar');
const outlook = readFileSync(path.join(FIXTURES, 'outlook-weekly.ics'), 'utf8');

/** A VCALENDAR around the given lines, CRLF. */
const cal = (...body: (string | string[])[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//omstil test//EN', ...body.flat(), 'END:VCALENDAR', ''].join('\r\n');
const vevent = (...props: string[]) => ['BEGIN:VEVENT', ...props, 'END:VEVENT'];
const win = (from: string, to: string) => ({ from: new Date(from), to: new Date(to) });
/** 'YYYY-MM-DDTHH:mm' (UTC) → the ISO text the parser writes */
const z = (s: string) => new Date(`${s}:00Z`).toISOString();
const starts = (r: ExpandResult) => r.occurrences.map((o) => o.start);
const AUTUMN = win('2026-09-01T00:00:00Z', '2027-01-01T00:00:00Z');

const COPENHAGEN_VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Copenhagen',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];

// ------------------------------------------------------------------ time zones and DST

t('PR-3: Outlook export (Romance Standard Time + VTIMEZONE): 10:00 local stays 10:00 across the October DST change', () => {
  const r = expandItem(outlook, AUTUMN);
  assert.equal(r.problems, []);
  const team = r.occurrences.filter((o) => o.summary?.startsWith('Teammøde'));
  assert.equal(
    team.map((o) => o.start),
    [z('2026-10-06T08:00'), z('2026-10-13T08:00'), z('2026-10-20T08:00'), z('2026-10-28T12:00'), z('2026-11-10T09:00'), z('2026-11-17T09:00'), z('2026-11-24T09:00')],
  );
  assert.ok(team.every((o) => Date.parse(o.end) - Date.parse(o.start) === 3_600_000 && o.show === 'busy' && !o.allDay));
});

t('PR-3: the same export without its VTIMEZONE reads "Romance Standard Time" through the Windows table, same result', () => {
  const stripped = outlook.replace(/BEGIN:VTIMEZONE[\s\S]*?END:VTIMEZONE\r\n/, '');
  assert.not.ok(stripped.includes('VTIMEZONE'));
  const a = expandItem(outlook, AUTUMN);
  const b = expandItem(stripped, AUTUMN);
  assert.equal(b.problems, []);
  assert.equal(b.occurrences, a.occurrences);
});

t('PR-3: an IANA TZID without VTIMEZONE (luxon), across the March DST change', () => {
  const r = expandItem(
    cal(vevent('UID:iana', 'DTSTART;TZID=Europe/Copenhagen:20260319T100000', 'DTEND;TZID=Europe/Copenhagen:20260319T110000', 'RRULE:FREQ=WEEKLY;COUNT=3')),
    win('2026-03-01T00:00:00Z', '2026-05-01T00:00:00Z'),
  );
  assert.equal(r.problems, []);
  assert.equal(starts(r), [z('2026-03-19T09:00'), z('2026-03-26T09:00'), z('2026-04-02T08:00')]);
  assert.equal(r.occurrences.map((o) => o.end), [z('2026-03-19T10:00'), z('2026-03-26T10:00'), z('2026-04-02T09:00')]);
});

t('PR-3: a VTIMEZONE in the object is used for its TZID, also across March', () => {
  const r = expandItem(
    cal(COPENHAGEN_VTIMEZONE, vevent('UID:vtz', 'DTSTART;TZID=Europe/Copenhagen:20260319T100000', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;UNTIL=20260402T080000Z')),
    win('2026-03-01T00:00:00Z', '2026-05-01T00:00:00Z'),
  );
  assert.equal(r.problems, []);
  assert.equal(starts(r), [z('2026-03-19T09:00'), z('2026-03-26T09:00'), z('2026-04-02T08:00')]);
});

t('PR-3: the VTIMEZONE wins over what its name would say', () => {
  const liar = ['BEGIN:VTIMEZONE', 'TZID:Europe/Copenhagen', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0300', 'TZOFFSETTO:+0300', 'END:STANDARD', 'END:VTIMEZONE'];
  const r = expandItem(cal(liar, vevent('UID:liar', 'DTSTART;TZID=Europe/Copenhagen:20260115T100000', 'DURATION:PT1H')), win('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'));
  assert.equal(starts(r), [z('2026-01-15T07:00')]);
});

t('PR-3: US Eastern (Windows name) keeps New York wall time while Europe and the US change clocks on different days', () => {
  const r = expandItem(
    cal(vevent('UID:ny', 'DTSTART;TZID=Eastern Standard Time:20261020T090000', 'DTEND;TZID=Eastern Standard Time:20261020T093000', 'RRULE:FREQ=WEEKLY;COUNT=3')),
    AUTUMN,
  );
  assert.equal(r.problems, []);
  // EDT (-4) until 1 Nov 2026, then EST (-5)
  assert.equal(starts(r), [z('2026-10-20T13:00'), z('2026-10-27T13:00'), z('2026-11-03T14:00')]);
});

t('PR-3: other Windows names and IANA names hidden in a path (old Lightning/Citadel TZIDs)', () => {
  const one = (tzid: string) => expandItem(cal(vevent('UID:x', `DTSTART;TZID=${tzid}:20260115T100000`, 'DURATION:PT1H')), win('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'));
  assert.equal(starts(one('GMT Standard Time')), [z('2026-01-15T10:00')]);
  assert.equal(starts(one('FLE Standard Time')), [z('2026-01-15T08:00')]);
  assert.equal(starts(one('"W. Europe Standard Time"')), [z('2026-01-15T09:00')]);
  const moz = one('/mozilla.org/20050126_1/Europe/Copenhagen');
  assert.equal(moz.problems, []);
  assert.equal(starts(moz), [z('2026-01-15T09:00')]);
});

t('PR-3: an unknown TZID is reported and read as Europe/Copenhagen; the event still expands', () => {
  const r = expandItem(
    cal(vevent('UID:mars', 'SUMMARY:Privat aftale', 'DTSTART;TZID=Olympus Mons Time:20260701T100000', 'DTEND;TZID=Olympus Mons Time:20260701T110000', 'RRULE:FREQ=DAILY;COUNT=2')),
    win('2026-06-01T00:00:00Z', '2026-08-01T00:00:00Z'),
  );
  assert.equal(starts(r), [z('2026-07-01T08:00'), z('2026-07-02T08:00')]);
  assert.is(r.problems.length, 1);
  assert.match(r.problems[0]!, 'Olympus Mons Time');
  assert.match(r.problems[0]!, 'Europe/Copenhagen');
});

t('PR-3: floating times are Copenhagen wall-clock times, winter and summer', () => {
  const r = expandItem(
    cal(vevent('UID:f1', 'DTSTART:20260115T100000', 'DTEND:20260115T110000'), vevent('UID:f2', 'DTSTART:20260715T100000', 'DTEND:20260715T110000')),
    win('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'),
  );
  assert.equal(r.problems, []);
  assert.equal(starts(r), [z('2026-01-15T09:00'), z('2026-07-15T08:00')]);
});

t('PR-3: UTC times and a UNTIL in UTC that is exactly the last start (Outlook writes that)', () => {
  const r = expandItem(cal(vevent('UID:u', 'DTSTART:20260105T073000Z', 'DTEND:20260105T080000Z', 'RRULE:FREQ=DAILY;UNTIL=20260107T073000Z')), win('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'));
  assert.equal(starts(r), [z('2026-01-05T07:30'), z('2026-01-06T07:30'), z('2026-01-07T07:30')]);
});

t('PR-3: a time written with Z is UTC, even with a TZID beside it', () => {
  const r = expandItem(cal(vevent('UID:z', 'DTSTART;TZID=Europe/Copenhagen:20260115T100000Z', 'DURATION:PT1H')), win('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'));
  assert.equal(starts(r), [z('2026-01-15T10:00')]);
});

// ------------------------------------------------------------------ all-day, show, summary

t('PR-3: all-day (DATE) entries run from Copenhagen midnight to midnight, also across DST', () => {
  const r = expandItem(
    cal(
      vevent('UID:d1', 'DTSTART;VALUE=DATE:20260115', 'DTEND;VALUE=DATE:20260116'),
      vevent('UID:d2', 'DTSTART;VALUE=DATE:20261024', 'DTEND;VALUE=DATE:20261026'),
      vevent('UID:d3', 'DTSTART;VALUE=DATE:20260701'),
    ),
    win('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'),
  );
  assert.equal(r.problems, []);
  const byUid = new Map(r.occurrences.map((o) => [o.uid, o]));
  assert.equal(byUid.get('d1'), { uid: 'd1', start: z('2026-01-14T23:00'), end: z('2026-01-15T23:00'), allDay: true, show: 'busy', summary: null });
  // 24 Oct (summer) 00:00 → 26 Oct (winter) 00:00: 49 hours
  assert.is(byUid.get('d2')!.start, z('2026-10-23T22:00'));
  assert.is(byUid.get('d2')!.end, z('2026-10-25T23:00'));
  // no DTEND: one day
  assert.is(byUid.get('d3')!.start, z('2026-06-30T22:00'));
  assert.is(byUid.get('d3')!.end, z('2026-07-01T22:00'));
});

t('PR-3: a recurring all-day entry with an EXDATE', () => {
  const r = expandItem(
    cal(vevent('UID:wd', 'DTSTART;VALUE=DATE:20260302', 'DTEND;VALUE=DATE:20260303', 'RRULE:FREQ=DAILY;COUNT=5', 'EXDATE;VALUE=DATE:20260304', 'X-MICROSOFT-CDO-BUSYSTATUS:OOF')),
    win('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z'),
  );
  assert.equal(starts(r), [z('2026-03-01T23:00'), z('2026-03-02T23:00'), z('2026-03-04T23:00'), z('2026-03-05T23:00')]);
  assert.ok(r.occurrences.every((o) => o.allDay && o.show === 'oof'));
});

t('PR-3: show from X-MICROSOFT-CDO-BUSYSTATUS, else TRANSP:TRANSPARENT → free, else busy; summary may be null', () => {
  const e = (uid: string, ...props: string[]) => vevent(`UID:${uid}`, 'DTSTART:20260115T100000Z', 'DURATION:PT1H', ...props);
  const r = expandItem(
    cal(
      e('free', 'X-MICROSOFT-CDO-BUSYSTATUS:FREE'),
      e('tent', 'X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE'),
      e('busy', 'X-MICROSOFT-CDO-BUSYSTATUS:BUSY'),
      e('oof', 'X-MICROSOFT-CDO-BUSYSTATUS:OOF', 'TRANSP:TRANSPARENT'),
      e('else', 'X-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE'),
      e('transp', 'TRANSP:TRANSPARENT', 'SUMMARY:Frokost'),
      e('opaque', 'TRANSP:OPAQUE'),
      e('plain'),
      e('odd', 'X-MICROSOFT-CDO-BUSYSTATUS:SOMETHING', 'TRANSP:TRANSPARENT'),
    ),
    win('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'),
  );
  const show = Object.fromEntries(r.occurrences.map((o) => [o.uid, o.show]));
  assert.equal(show, { free: 'free', tent: 'tentative', busy: 'busy', oof: 'oof', else: 'elsewhere', transp: 'free', opaque: 'busy', plain: 'busy', odd: 'free' });
  const summary = Object.fromEntries(r.occurrences.map((o) => [o.uid, o.summary]));
  assert.is(summary.transp, 'Frokost');
  assert.is(summary.plain, null);
});

// ------------------------------------------------------------------ overrides, EXDATE, window

t('PR-3: RECURRENCE-ID overrides move or cancel an occurrence; EXDATE in UTC matches a zoned series', () => {
  const r = expandItem(
    cal(
      vevent('UID:g', 'SUMMARY:Ugemøde', 'DTSTART;TZID=Europe/Copenhagen:20260105T090000', 'DTEND;TZID=Europe/Copenhagen:20260105T093000', 'RRULE:FREQ=WEEKLY;COUNT=5', 'EXDATE:20260112T080000Z'),
      // Google style: a cancelled occurrence is an override with STATUS:CANCELLED
      vevent('UID:g', 'RECURRENCE-ID;TZID=Europe/Copenhagen:20260119T090000', 'DTSTART;TZID=Europe/Copenhagen:20260119T090000', 'DTEND;TZID=Europe/Copenhagen:20260119T093000', 'STATUS:CANCELLED'),
      // RECURRENCE-ID in UTC for a zoned series; moved to the afternoon, no DTEND: the master's length
      vevent('UID:g', 'RECURRENCE-ID:20260126T080000Z', 'DTSTART;TZID=Europe/Copenhagen:20260126T140000', 'SEQUENCE:1'),
    ),
    win('2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z'),
  );
  assert.equal(r.problems, []);
  assert.equal(
    r.occurrences.map((o) => [o.start, o.end, o.summary]),
    [
      [z('2026-01-05T08:00'), z('2026-01-05T08:30'), 'Ugemøde'],
      [z('2026-01-26T13:00'), z('2026-01-26T13:30'), 'Ugemøde'],
      [z('2026-02-02T08:00'), z('2026-02-02T08:30'), 'Ugemøde'],
    ],
  );
});

t('PR-3: an occurrence moved from outside the window into it is found; one moved out is gone', () => {
  const data = cal(
    vevent('UID:m', 'DTSTART:20260105T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;COUNT=4'),
    vevent('UID:m', 'RECURRENCE-ID:20260105T090000Z', 'DTSTART:20260114T090000Z', 'DURATION:PT1H'),
    vevent('UID:m', 'RECURRENCE-ID:20260119T090000Z', 'DTSTART:20260301T090000Z', 'DURATION:PT1H'),
  );
  const r = expandItem(data, win('2026-01-10T00:00:00Z', '2026-02-01T00:00:00Z'));
  assert.equal(starts(r), [z('2026-01-12T09:00'), z('2026-01-14T09:00'), z('2026-01-26T09:00')]);
});

t('PR-3: the window keeps what overlaps it (a long entry that began before) and nothing else', () => {
  const r = expandItem(
    cal(
      vevent('UID:long', 'DTSTART:20260101T080000Z', 'DTEND:20260110T080000Z', 'X-MICROSOFT-CDO-BUSYSTATUS:OOF'),
      vevent('UID:before', 'DTSTART:20260103T080000Z', 'DTEND:20260105T000000Z'),
      vevent('UID:after', 'DTSTART:20260201T000000Z', 'DTEND:20260201T010000Z'),
      vevent('UID:point', 'DTSTART:20260105T000000Z'),
    ),
    win('2026-01-05T00:00:00Z', '2026-02-01T00:00:00Z'),
  );
  assert.equal(r.occurrences.map((o) => o.uid), ['long', 'point']);
  assert.is(r.occurrences[1]!.end, r.occurrences[1]!.start);
});

t('PR-3: two copies of one event: the one with the highest SEQUENCE counts, and it is reported', () => {
  const r = expandItem(
    cal(vevent('UID:dup', 'SEQUENCE:2', 'DTSTART:20260105T090000Z', 'DURATION:PT1H'), vevent('UID:dup', 'SEQUENCE:1', 'DTSTART:20260105T120000Z', 'DURATION:PT1H')),
    win('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'),
  );
  assert.equal(starts(r), [z('2026-01-05T09:00')]);
  assert.is(r.problems.length, 1);
});

t('PR-3: a cancelled master has no occurrences', () => {
  const r = expandItem(cal(vevent('UID:c', 'STATUS:CANCELLED', 'DTSTART:20260105T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=3')), win('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'));
  assert.equal(r.occurrences, []);
  assert.equal(r.problems, []);
});

t('PR-3: RDATE adds occurrences (date-times and periods)', () => {
  const r = expandItem(
    cal(vevent('UID:rd', 'DTSTART:20260105T090000Z', 'DURATION:PT1H', 'RDATE:20260107T090000Z,20260109T090000Z', 'RDATE;VALUE=PERIOD:20260111T120000Z/PT2H')),
    win('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'),
  );
  assert.equal(
    r.occurrences.map((o) => [o.start, o.end]),
    [
      [z('2026-01-05T09:00'), z('2026-01-05T10:00')],
      [z('2026-01-07T09:00'), z('2026-01-07T10:00')],
      [z('2026-01-09T09:00'), z('2026-01-09T10:00')],
      [z('2026-01-11T12:00'), z('2026-01-11T14:00')],
    ],
  );
});

// ------------------------------------------------------------------ bounded expansion

t('PR-3: FREQ=SECONDLY from long before the window: stops fast, problem reported, no throw', () => {
  const t0 = performance.now();
  const r = expandItem(cal(vevent('UID:sec', 'DTSTART:20250101T000000Z', 'RRULE:FREQ=SECONDLY')), win('2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z'));
  const ms = performance.now() - t0;
  assert.ok(ms < 2_000, `took ${ms} ms`);
  assert.equal(r.occurrences, []);
  assert.is(r.problems.length, 1);
  assert.match(r.problems[0]!, 'steps');
});

t('PR-3: FREQ=SECONDLY inside the window: at most maxOccurrences (default 500), problem reported', () => {
  const data = cal(vevent('UID:sec', 'DTSTART:20260601T080000Z', 'RRULE:FREQ=SECONDLY'));
  const r = expandItem(data, win('2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z'));
  assert.is(r.occurrences.length, 500);
  assert.is(r.occurrences[499]!.start, '2026-06-01T08:08:19.000Z');
  assert.is(r.problems.length, 1);
  assert.match(r.problems[0]!, 'more than 500');
  const small = expandItem(data, win('2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z'), { maxOccurrences: 10 });
  assert.is(small.occurrences.length, 10);
});

t('PR-3: an RRULE without end stops at the window (an endless weekly meeting is normal: no problem)', () => {
  const t0 = performance.now();
  const r = expandItem(
    cal(vevent('UID:endless', 'DTSTART;TZID=Europe/Copenhagen:20200106T090000', 'DTEND;TZID=Europe/Copenhagen:20200106T100000', 'RRULE:FREQ=WEEKLY;BYDAY=MO')),
    win('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z'),
  );
  assert.ok(performance.now() - t0 < 2_000);
  assert.equal(r.problems, []);
  assert.equal(starts(r), [z('2026-10-05T07:00'), z('2026-10-12T07:00'), z('2026-10-19T07:00'), z('2026-10-26T08:00')]);
});

t('PR-3: an RRULE without end that would fill the window past the cap is bounded and reported', () => {
  const r = expandItem(cal(vevent('UID:min', 'DTSTART:20260101T000000Z', 'DURATION:PT1M', 'RRULE:FREQ=MINUTELY;INTERVAL=5')), win('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'));
  assert.is(r.occurrences.length, 500);
  assert.is(r.problems.length, 1);
});

t('PR-3: rules that can never match (ical.js would loop) are stopped by the step budget', () => {
  for (const rule of ['FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=31', 'FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30']) {
    const t0 = performance.now();
    const r = expandItem(cal(vevent('UID:never', 'DTSTART:20260101T090000Z', `RRULE:${rule}`)), win('2026-06-01T00:00:00Z', '2026-07-01T00:00:00Z'));
    const ms = performance.now() - t0;
    assert.ok(ms < 2_000, `${rule} took ${ms} ms`);
    assert.equal(r.occurrences, [], rule);
    assert.is(r.problems.length, 1, rule);
  }
});

t('PR-3: maxIterations is an option; a legitimate daily rule since 2015 fits the default', () => {
  const data = cal(vevent('UID:daily', 'DTSTART:20150105T080000Z', 'DURATION:PT15M', 'RRULE:FREQ=DAILY'));
  const ok = expandItem(data, win('2026-01-05T00:00:00Z', '2026-01-08T00:00:00Z'));
  assert.equal(ok.problems, []);
  assert.is(ok.occurrences.length, 3);
  const tight = expandItem(data, win('2026-01-05T00:00:00Z', '2026-01-08T00:00:00Z'), { maxIterations: 100 });
  assert.equal(tight.occurrences, []);
  assert.is(tight.problems.length, 1);
});

t('PR-3: a VTIMEZONE whose observance repeats every second is refused (fast) and the name is used', () => {
  const evil = ['BEGIN:VTIMEZONE', 'TZID:Europe/Copenhagen', 'BEGIN:STANDARD', 'DTSTART:16010101T000000', 'RRULE:FREQ=SECONDLY', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0100', 'END:STANDARD', 'END:VTIMEZONE'];
  const t0 = performance.now();
  const r = expandItem(cal(evil, vevent('UID:e', 'DTSTART;TZID=Europe/Copenhagen:20260715T100000', 'DURATION:PT1H')), win('2026-07-01T00:00:00Z', '2026-08-01T00:00:00Z'));
  assert.ok(performance.now() - t0 < 2_000);
  assert.equal(starts(r), [z('2026-07-15T08:00')]);
  assert.is(r.problems.length, 1);
  assert.match(r.problems[0]!, 'VTIMEZONE');
});

// ------------------------------------------------------------------ broken input

t('PR-3: text that is not iCalendar gives exactly one problem and no throw', () => {
  for (const junk of ['', 'garbage', '<html><body>502 Bad Gateway</body></html>', '\u0000\u0001\u0002binary', '{"value": []}']) {
    const e = expandItem(junk, AUTUMN);
    assert.equal(e.occurrences, []);
    assert.is(e.problems.length, 1, JSON.stringify(junk));
    const s = splitCalendar(junk);
    assert.equal(s.items, []);
    assert.is(s.problems.length, 1, JSON.stringify(junk));
  }
});

t('PR-3: a truncated file keeps the complete events and reports the cut one', () => {
  const cut = outlook.slice(0, outlook.indexOf('X-MICROSOFT-CDO-ALLDAYEVENT:TRUE'));
  const s = splitCalendar(cut);
  assert.is(s.items.length, 1); // the weekly meeting with its override; the OOF entry was cut
  assert.ok(s.problems.some((p) => p.includes('truncated') || p.includes('cut off')));
  const e = expandItem(cut, AUTUMN);
  assert.is(e.occurrences.length, 7);
  assert.ok(e.problems.length >= 1);
});

t('PR-3: a missing END:VCALENDAR is reported; the events are read', () => {
  const noEnd = outlook.replace(/END:VCALENDAR\r\n$/, '');
  const r = expandItem(noEnd, AUTUMN);
  assert.is(r.occurrences.length, 10);
  assert.is(r.problems.length, 1);
  assert.match(r.problems[0]!, 'END:VCALENDAR');
});

t('PR-3: junk lines, a bad RRULE, a VEVENT without UID or DTSTART: each reported, the rest read', () => {
  const data = cal(
    vevent('UID:good', 'DTSTART:20260105T090000Z', 'DURATION:PT1H'),
    vevent('UID:junk', 'DTSTART:20260106T090000Z', 'this line is not iCalendar', 'DURATION:PT1H'),
    vevent('UID:badrule', 'DTSTART:20260107T090000Z', 'RRULE:FREQ=FORTNIGHTLY'),
    vevent('DTSTART:20260108T090000Z', 'SUMMARY:Uden UID'),
    vevent('UID:nostart', 'SUMMARY:Uden start'),
    vevent('UID:baddate', 'DTSTART:2026XX09T090000Z'),
    ['BEGIN:VEVENT', 'UID:open', 'DTSTART:20260110T090000Z'],
    vevent('UID:after', 'DTSTART:20260111T090000Z'),
  );
  const r = expandItem(data, win('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'));
  assert.equal(r.occurrences.map((o) => o.uid), ['good', 'junk', 'after']);
  assert.ok(r.problems.some((p) => p.includes('not iCalendar content')));
  assert.ok(r.problems.some((p) => p.includes('badrule')));
  assert.ok(r.problems.some((p) => p.includes('no UID')));
  assert.ok(r.problems.some((p) => p.includes('nostart')));
  assert.ok(r.problems.some((p) => p.includes('baddate')));
  assert.ok(r.problems.some((p) => p.includes('open')));
  const s = splitCalendar(data);
  assert.equal(s.items.map((i) => i.uid), ['good', 'junk', 'after']);
});

t('PR-2: problems never carry a SUMMARY, DESCRIPTION or LOCATION', () => {
  const secret = 'Sygemelding hos lægen';
  const data = cal(
    vevent('UID:p1', `SUMMARY:${secret}`, `DESCRIPTION:${secret}`, `LOCATION:${secret}`, 'DTSTART;TZID=Nowhere:20260105T090000', 'RRULE:FREQ=SECONDLY'),
    vevent(`SUMMARY:${secret}`, 'DTSTART:20260105T090000Z'),
    vevent('UID:p3', `SUMMARY;LANGUAGE="da:${secret}`, 'DTSTART:20260105T090000Z'),
    vevent('UID:p4', `SUMMARY:${secret}`, `${secret} without a colon`, 'DTSTART:20260105T090000Z'),
  );
  const r = expandItem(data, win('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'));
  const s = splitCalendar(data);
  assert.ok(r.problems.length >= 3);
  for (const p of [...r.problems, ...s.problems]) assert.not.match(p, 'Sygemelding', p);
});

// ------------------------------------------------------------------ splitCalendar

t('PR-3: splitCalendar gives one VCALENDAR per UID, overrides with their master, only the VTIMEZONEs used', () => {
  const data = cal(
    COPENHAGEN_VTIMEZONE,
    ['BEGIN:VTIMEZONE', 'TZID:Unused Zone', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0000', 'END:STANDARD', 'END:VTIMEZONE'],
    vevent('UID:a', 'DTSTART;TZID=Europe/Copenhagen:20260105T090000', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;COUNT=3'),
    vevent('UID:b', 'DTSTART;VALUE=DATE:20260106', 'X-MICROSOFT-CDO-BUSYSTATUS:OOF'),
    vevent('UID:c', 'DTSTART:20260107T090000Z', 'DURATION:PT1H', 'BEGIN:VALARM', 'TRIGGER:-PT5M', 'ACTION:DISPLAY', 'DESCRIPTION:x', 'END:VALARM'),
    vevent('UID:a', 'RECURRENCE-ID;TZID=Europe/Copenhagen:20260112T090000', 'DTSTART;TZID=Europe/Copenhagen:20260113T150000', 'DURATION:PT1H'),
  );
  const s = splitCalendar(data);
  assert.equal(s.problems, []);
  assert.equal(s.items.map((i) => i.uid), ['a', 'b', 'c']);
  const [a, b, c] = s.items;
  assert.is(a!.data.match(/BEGIN:VEVENT/g)!.length, 2);
  assert.ok(a!.data.includes('TZID:Europe/Copenhagen'));
  assert.not.ok(a!.data.includes('Unused Zone'));
  assert.not.ok(b!.data.includes('VTIMEZONE'));
  assert.ok(c!.data.includes('BEGIN:VALARM'));
  for (const i of s.items) {
    assert.ok(i.data.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:'), i.uid);
    assert.ok(i.data.endsWith('END:VCALENDAR\r\n'), i.uid);
  }
  const w = win('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
  assert.equal(starts(expandItem(a!.data, w)), [z('2026-01-05T08:00'), z('2026-01-13T14:00'), z('2026-01-19T08:00')]);
  // each item alone expands to what the whole file gives for its UID
  const whole = expandItem(data, w).occurrences;
  assert.equal(s.items.flatMap((i) => expandItem(i.data, w).occurrences).sort((x, y) => x.start.localeCompare(y.start)), whole);
});

t('PR-3: splitCalendar of the Outlook export keeps its folded lines and CRLF', () => {
  assert.ok(outlook.includes('\r\n '), 'the fixture has folded lines');
  assert.not.ok(/[^\r]\n/.test(outlook), 'the fixture is CRLF throughout');
  const s = splitCalendar(outlook);
  assert.equal(s.problems, []);
  assert.is(s.items.length, 4);
  const weekly = s.items[0]!;
  assert.ok(weekly.data.startsWith('BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE'));
  assert.ok(weekly.data.includes('\r\n '));
  assert.ok(weekly.data.includes('TZID:Romance Standard Time'));
  assert.is(weekly.data.match(/BEGIN:VEVENT/g)!.length, 2);
  assert.is(expandItem(weekly.data, AUTUMN).occurrences.length, 7);
});

t('PR-3: a folded calendar property is carried whole into each item', () => {
  const long = `PRODID:-//Example Kommune//${'Kalendereksport '.repeat(6).trim()}//DA`;
  const folded = [long.slice(0, 75), ` ${long.slice(75)}`];
  const text = ['BEGIN:VCALENDAR', ...folded, 'VERSION:2.0', ...vevent('UID:f', 'DTSTART:20260105T090000Z'), 'END:VCALENDAR', ''].join('\r\n');
  const [item] = splitCalendar(text).items;
  assert.ok(item!.data.includes(folded.join('\r\n')));
  assert.is(expandItem(item!.data, win('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')).occurrences.length, 1);
});

t('PR-3: several VCALENDARs in one text (concatenated feeds) are all read', () => {
  const two = cal(vevent('UID:one', 'DTSTART:20260105T090000Z')) + cal(vevent('UID:two', 'DTSTART:20260106T090000Z'));
  assert.equal(splitCalendar(two).items.map((i) => i.uid), ['one', 'two']);
});

t.run();
