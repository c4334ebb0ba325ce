import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadLang } from '../../device-ui/i18n/index.js';
import type { DeptPublic, DeviceView, PublicClosure } from '../../protocol/index.js';
import { clockTime, msg } from '../../device-ui/i18n/index.js';
import { weekdayDate } from '../../device-ui/i18n/format.js';
import {
  EMPTY_DRAFT,
  MESSAGE_LIMITS,
  checkDraft,
  clockSpan,
  closureRows,
  copenhagenDate,
  dateSpan,
  deptStatus,
  groupLabel,
  isCallerNumber,
  matchScore,
  offersCallerInformed,
  peakRows,
  personContact,
  resolveTarget,
  searchDirectory,
  takesMessages,
  todaysHours,
} from '../../device-ui/reception-model.js';
import { deptPublicFixture } from '../support/fixtures.js';
import { person } from './fixtures.js';

// English is loaded on demand in the browser; these tests read it
await loadLang('en');

const t = suite('device-ui/reception-model');

/** Monday 23 November 2026, 10:00 in Copenhagen (CET, +01) */
const NOW = new Date('2026-11-23T09:00:00Z');

function closure(id: string, start: string, end: string, extra: Partial<PublicClosure> = {}): PublicClosure {
  return { id, start, end, endedEarly: false, message: { da: `Lukket (${id})`, en: `Closed (${id})` }, offer: 'message', fallback: null, ...extra };
}

const borgerservice = deptPublicFixture({
  deptId: 'borgerservice',
  name: 'Borgerservice',
  tasks: ['pas', 'kørekort', 'sundhedskort'],
  groups: [{ id: 'borgerservice-gruppe', name: 'Borgerservice, fællesnummer', number: '10900', tasks: [] }],
  today: { date: '2026-11-23', holiday: null, open: [{ from: '08:00', to: '18:00' }] },
  nextChange: '2026-11-23T17:00:00.000Z',
});
const misbrug = deptPublicFixture({
  deptId: 'misbrugscenter',
  name: 'Misbrugscentret',
  sensitive: true,
  tasks: ['misbrug', 'rådgivning'],
  groups: [{ id: 'misbrugscenter-gruppe', name: 'Misbrugscentret, fællesnummer', number: '21900', tasks: [] }],
});
const jobcenter = deptPublicFixture({ deptId: 'jobcenter', name: 'Jobcenter', tasks: ['ledighed', 'fleksjob'], openNow: false, nextChange: '2026-11-24T08:00:00.000Z' });

function kiosk(extra: Partial<DeviceView> = {}): DeviceView {
  return {
    deviceId: 'kiosk-1',
    kind: 'kiosk',
    connected: true,
    asOf: NOW.toISOString(),
    me: null,
    preferred: [],
    people: [
      person('anna-holm', { deptId: 'borgerservice', extension: '10000' }),
      person('bo-larsen', { deptId: 'borgerservice', extension: '10001', presence: 'in-meeting' }),
      person('camilla-olsen', { deptId: 'borgerservice', extension: '10002', presence: 'absent' }),
      { ...person('soeren-oestergaard', { deptId: 'borgerservice', extension: '10003' }), name: 'Søren Østergaard' },
      { ...person('emil-oestergaard', { deptId: 'misbrugscenter', extension: null }), name: 'Emil Østergaard' },
      person('jens-hansen', { deptId: 'jobcenter', extension: '13000' }),
    ],
    depts: [borgerservice, misbrug, jobcenter],
    broadcasts: [],
    ...extra,
  };
}

// ---- dates and times ----

t('copenhagenDate: the Copenhagen calendar day, whatever the device\'s zone (CET and CEST)', () => {
  assert.is(copenhagenDate(new Date('2026-11-23T22:59:00Z')), '2026-11-23');
  assert.is(copenhagenDate(new Date('2026-11-23T23:00:00Z')), '2026-11-24', 'midnight in winter is 23:00 UTC');
  assert.is(copenhagenDate(new Date('2026-06-15T21:59:00Z')), '2026-06-15');
  assert.is(copenhagenDate(new Date('2026-06-15T22:00:00Z')), '2026-06-16', 'midnight in summer is 22:00 UTC');
});

t('PH-1: phone hours as 24-hour times: da with a full stop, en with a colon; 24:00 stays 24:00', () => {
  assert.is(clockSpan({ from: '08:00', to: '18:00' }, 'da'), '08.00–18.00');
  assert.is(clockSpan({ from: '08:00', to: '18:00' }, 'en'), '08:00–18:00');
  assert.is(clockSpan({ from: '00:00', to: '24:00' }, 'da'), '00.00–24.00');
  assert.is(msg('da').kiosk.joinSpans(['08.00–12.00', '13.00–16.00']), '08.00–12.00 og 13.00–16.00');
  assert.is(msg('en').kiosk.joinSpans(['08:00–12:00', '13:00–14:00', '15:00–16:00']), '08:00–12:00, 13:00–14:00 and 15:00–16:00');
});

t('PH-5: peak dates as days of the year', () => {
  assert.is(dateSpan('2026-12-01', '2026-12-01', 'da'), '1. december');
  assert.is(dateSpan('2026-12-01', '2026-12-03', 'da'), '1.–3. december');
  assert.is(dateSpan('2026-11-30', '2026-12-02', 'da'), '30. november–2. december');
  assert.match(dateSpan('2026-12-01', '2026-12-03', 'en'), /^1\s?–\s?3 December$/);
});

// ---- the board ----

t('PH-1: open or closed as the hub says, with when that changes', () => {
  assert.equal(deptStatus(borgerservice, NOW), { kind: 'open', closesAt: '2026-11-23T17:00:00.000Z' });
  assert.equal(deptStatus(jobcenter, NOW), { kind: 'closed', opensAt: '2026-11-24T08:00:00.000Z' });
});

t('PH-3: a closure in force now wins over the phone hours (the hub may not have refreshed yet)', () => {
  const c = closure('flytning', '2026-11-23T07:00:00Z', '2026-11-23T11:00:00Z');
  const dept = { ...borgerservice, closures: [c] };
  assert.equal(deptStatus(dept, NOW), { kind: 'closure', closure: c });
  assert.is(deptStatus(dept, new Date('2026-11-23T11:00:00Z')).kind, 'open', 'the end is exclusive');
});

t('PH-3: closures shown: the one now, one ended early today, planned ones; past ones are not', () => {
  const dept: DeptPublic = {
    ...borgerservice,
    closures: [
      closure('planned', '2026-11-24T09:00:00Z', '2026-11-24T11:00:00Z'),
      closure('past', '2026-11-20T09:00:00Z', '2026-11-20T11:00:00Z'),
      closure('early-yesterday', '2026-11-22T09:00:00Z', '2026-11-22T10:00:00Z', { endedEarly: true }),
      closure('early-today', '2026-11-23T07:00:00Z', '2026-11-23T08:15:00Z', { endedEarly: true }),
      closure('now', '2026-11-23T08:30:00Z', '2026-11-23T10:00:00Z'),
    ],
  };
  assert.equal(
    closureRows(dept, NOW).map((r) => `${r.phase}:${r.closure.id}`),
    ['now:now', 'ended-early:early-today', 'planned:planned'],
  );
});

t('PH-3: the closure texts say until when (English without "until at")', () => {
  const da = msg('da').kiosk;
  const en = msg('en').kiosk;
  assert.is(da.closureNow({ kind: 'today', time: '12.00' }), 'Lukket indtil kl. 12.00');
  assert.is(en.closureNow({ kind: 'today', time: '12:00' }), 'Closed until 12:00');
  assert.is(en.closureNow({ kind: 'tomorrow', time: '12:00' }), 'Closed until tomorrow at 12:00');
  assert.is(da.closurePlanned({ kind: 'tomorrow', time: '10.00' }, { kind: 'today', time: '12.00' }), 'Lukket i morgen kl. 10.00 til kl. 12.00');
  assert.is(en.closurePlanned({ kind: 'tomorrow', time: '10:00' }, { kind: 'today', time: '12:00' }), 'Closed tomorrow at 10:00 to 12:00');
});

t('PH-5: peaks today and coming, today first; ended ones are not shown', () => {
  const dept: DeptPublic = {
    ...borgerservice,
    peaks: [
      { id: 'later', from: '2026-12-01', to: '2026-12-03', text: { da: 'b', en: 'b' } },
      { id: 'over', from: '2026-11-20', to: '2026-11-22', text: { da: 'c', en: 'c' } },
      { id: 'now', from: '2026-11-22', to: '2026-11-23', text: { da: 'a', en: 'a' } },
    ],
  };
  assert.equal(
    peakRows(dept, NOW).map((r) => `${r.phase}:${r.peak.id}`),
    ['today:now', 'upcoming:later'],
  );
});

t('PH-1: today\'s hours are stale when the hub\'s date is not the screen\'s (just after midnight)', () => {
  assert.is(todaysHours(borgerservice, NOW).stale, false);
  assert.is(todaysHours(borgerservice, new Date('2026-11-23T23:30:00Z')).stale, true);
});

t('PH-4: a function number is named without repeating its department', () => {
  assert.is(groupLabel(borgerservice.groups[0]!, borgerservice), 'Fællesnummer');
  assert.is(groupLabel({ id: 'x', name: 'Pas og kørekort', number: '1', tasks: [] }, borgerservice), 'Pas og kørekort');
});

// ---- RT-1 ----

t('RT-1: a sensitive department gives its function number, never a personal extension', () => {
  const emil = person('emil', { deptId: 'misbrugscenter', extension: '21001' }); // even if one slipped through
  assert.equal(personContact(emil, misbrug), { kind: 'group', group: misbrug.groups[0]! });
  assert.equal(personContact(emil, { ...misbrug, groups: [] }), { kind: 'none' });
  assert.equal(personContact(person('anna', { extension: '10000' }), borgerservice), { kind: 'extension', number: '10000' });
  assert.equal(personContact(person('anna', { extension: null }), borgerservice), { kind: 'none' });
});

// ---- RT-2 ----

t('RT-2: matching ignores case and accents; æ, ø, å match ae/oe/aa and plain a/o', () => {
  for (const q of ['kørekort', 'KØREKORT', 'koerekort', 'korekort', 'Kørekort ']) assert.is(matchScore(q, 'kørekort'), 100, q);
  assert.is(matchScore('sor', 'Søren Østergaard'), 90, 'start of the text');
  assert.is(matchScore('oster', 'Søren Østergaard'), 80, 'start of a word');
  assert.is(matchScore('s ost', 'Søren Østergaard'), 80, 'every word starts a word');
  assert.is(matchScore('kort', 'kørekort'), 60, 'inside, 3 letters or more');
  assert.is(matchScore('rt', 'kørekort'), 0, 'too short to match inside');
  assert.is(matchScore('pas', 'kørekort'), 0);
  assert.is(matchScore('', 'kørekort'), 0);
});

t('RT-2: a task keyword finds its department, and says which task', () => {
  const r = searchDirectory(kiosk(), 'Koerekort');
  assert.equal(
    r.depts.map((h) => [h.dept.deptId, h.why]),
    [['borgerservice', { field: 'task', text: 'kørekort' }]],
  );
  // the department's people follow, who can answer now first
  assert.equal(
    r.people.map((h) => h.person.personId),
    ['anna-holm', 'soeren-oestergaard', 'bo-larsen', 'camilla-olsen'],
  );
  assert.ok(r.people.every((h) => h.why.field === 'dept'));
});

t('RT-2: a department by its name, and by its function number', () => {
  assert.equal(searchDirectory(kiosk(), 'jobcenter').depts.map((h) => h.dept.deptId), ['jobcenter']);
  const byNumber = searchDirectory(kiosk(), '21900');
  assert.equal(byNumber.depts.map((h) => [h.dept.deptId, h.why.field]), [['misbrugscenter', 'group']]);
});

t('RT-2: a name finds people first; people found by name rank above a department\'s members', () => {
  const r = searchDirectory(kiosk(), 'ostergaard');
  assert.equal(r.depts, []);
  assert.equal(
    r.people.map((h) => h.person.personId),
    ['emil-oestergaard', 'soeren-oestergaard'],
  );
  assert.equal(searchDirectory(kiosk(), 'anna h').people.map((h) => h.person.personId), ['anna-holm']);
});

t('RT-2 / RT-1: an extension finds a person, but never in a sensitive department', () => {
  assert.equal(searchDirectory(kiosk(), '10001').people.map((h) => [h.person.personId, h.why.field]), [['bo-larsen', 'extension']]);
  const sensitive = kiosk({ people: [person('emil', { deptId: 'misbrugscenter', extension: '21001' })] });
  assert.equal(searchDirectory(sensitive, '21001').people, []);
});

t('RT-2: an empty query finds nothing (the view lists everyone); a long list is cut at the limit', () => {
  assert.equal(searchDirectory(kiosk(), '  '), { depts: [], people: [], totalPeople: 0 });
  const r = searchDirectory(kiosk(), 'borgerservice', 2);
  assert.is(r.people.length, 2);
  assert.is(r.totalPeople, 4);
});

t('RT-2: a person\'s competency is a task keyword: accent- and case-insensitive, says which, and ranks the person above a department\'s members', () => {
  const view = kiosk({
    people: [
      person('anna-holm', { deptId: 'borgerservice', extension: '10000' }),
      person('bo-larsen', { deptId: 'borgerservice', extension: '10001', competencies: ['Sygesikring', 'Kørekort til udlandet'] }),
      person('jens-hansen', { deptId: 'jobcenter', extension: '13000', competencies: ['fleksjob'] }),
    ],
  });
  for (const q of ['sygesikring', 'SYGESIKRING', 'Sygesikr']) {
    const r = searchDirectory(view, q);
    assert.equal(r.depts, [], q);
    assert.equal(r.people.map((h) => [h.person.personId, h.why]), [['bo-larsen', { field: 'task', text: 'Sygesikring' }]], q);
  }
  const kort = searchDirectory(view, 'korekort til udlandet');
  assert.equal(kort.people.map((h) => [h.person.personId, h.why.field]), [['bo-larsen', 'task']], 'ø written as o');
  // fleksjob is the job centre's task and Jens' competency: he comes first among its people
  const flex = searchDirectory(view, 'Fleksjob');
  assert.equal(flex.depts.map((h) => h.dept.deptId), ['jobcenter']);
  assert.equal(flex.people.map((h) => [h.person.personId, h.why.field]), [['jens-hansen', 'task']]);
  assert.equal(searchDirectory(view, 'bo l').people.map((h) => [h.person.personId, h.why.field]), [['bo-larsen', 'name']], 'a name still matches as a name');
});

t('RT-2: a function number\'s own task keywords find its department', () => {
  const withGroupTasks = { ...jobcenter, groups: [{ id: 'jobcenter-ydelse', name: 'Jobcenter, ydelser', number: '13900', tasks: ['dagpenge', 'Kontanthjælp'] }] };
  const r = searchDirectory(kiosk({ depts: [borgerservice, misbrug, withGroupTasks] }), 'kontanthjaelp');
  assert.equal(r.depts.map((h) => [h.dept.deptId, h.why]), [['jobcenter', { field: 'task', text: 'Kontanthjælp' }]]);
  assert.equal(searchDirectory(kiosk(), 'kontanthjaelp').depts, [], 'not without the task');
});

// ---- AS-1..AS-3 ----

t('AS-3: the switchboard takes no messages; everyone else does', () => {
  assert.is(takesMessages(person('omstillingen', { role: 'switchboard' })), false);
  assert.is(takesMessages(person('anna-holm')), true);
});

t('AS-1: a target is looked up in the current view (presence may have changed)', () => {
  const view = kiosk();
  const camilla = resolveTarget(view, { kind: 'person', id: 'camilla-olsen' });
  assert.is(camilla?.kind === 'person' && camilla.person.presence, 'absent');
  assert.is(camilla?.dept?.name, 'Borgerservice');
  const group = resolveTarget(view, { kind: 'group', id: 'misbrugscenter-gruppe' });
  assert.is(group?.kind === 'group' && group.group.number, '21900');
  assert.is(resolveTarget(view, { kind: 'person', id: 'nobody' }), null);
  assert.is(resolveTarget(null, { kind: 'person', id: 'anna-holm' }), null);
});

t('AS-3: the "caller knows" question is asked only for someone absent', () => {
  const view = kiosk();
  assert.is(offersCallerInformed(resolveTarget(view, { kind: 'person', id: 'camilla-olsen' })), true);
  assert.is(offersCallerInformed(resolveTarget(view, { kind: 'person', id: 'bo-larsen' })), false, 'in a meeting is not absent');
  assert.is(offersCallerInformed(resolveTarget(view, { kind: 'group', id: 'borgerservice-gruppe' })), false);
});

t('AS-1: the form\'s limits are the protocol\'s', () => {
  assert.is(MESSAGE_LIMITS.callerName, 100);
  assert.is(MESSAGE_LIMITS.text, 1000);
  // CallerNumber: the number of characters the hint promises
  assert.ok(isCallerNumber('1'.repeat(MESSAGE_LIMITS.numberMin)));
  assert.not.ok(isCallerNumber('1'.repeat(MESSAGE_LIMITS.numberMin - 1)));
  assert.ok(isCallerNumber('1'.repeat(MESSAGE_LIMITS.numberMax)));
  assert.not.ok(isCallerNumber('1'.repeat(MESSAGE_LIMITS.numberMax + 1)));
  assert.ok(isCallerNumber('+45 86 42-00 00'));
  assert.not.ok(isCallerNumber('86 42 00 00 ext. 2'));
});

t('AS-1: checkDraft names each wrong field and sends nothing', () => {
  assert.equal(checkDraft('anna-holm', EMPTY_DRAFT, false), { ok: false, problems: { callerName: 'required', callerNumber: 'required' } });
  assert.equal(checkDraft('anna-holm', { ...EMPTY_DRAFT, callerName: '   ', callerNumber: '12' }, false), { ok: false, problems: { callerName: 'required', callerNumber: 'invalid' } });
  assert.equal(
    checkDraft('anna-holm', { callerName: 'x'.repeat(101), callerNumber: '86420000', text: 'y'.repeat(1001), callerInformed: false }, false),
    { ok: false, problems: { callerName: 'too-long', text: 'too-long' } },
  );
});

t('AS-1 / AS-3: a good draft becomes take-message args, trimmed; callerInformed only when asked', () => {
  const draft = { callerName: ' Hans Hansen ', callerNumber: ' +45 20 30 40 50 ', text: ' Om sit pas \n', callerInformed: true };
  assert.equal(checkDraft('anna-holm', draft, false), { ok: true, args: { for: 'anna-holm', callerName: 'Hans Hansen', callerNumber: '+45 20 30 40 50', text: 'Om sit pas' } });
  assert.equal(checkDraft('camilla-olsen', { ...draft, callerInformed: false }, true), {
    ok: true,
    args: { for: 'camilla-olsen', callerName: 'Hans Hansen', callerNumber: '+45 20 30 40 50', text: 'Om sit pas', callerInformed: false },
  });
  assert.ok(checkDraft('anna-holm', { ...draft, text: '' }, false).ok, 'the message text may be empty (a call-back is asked for)');
});

t('AS-2 / AS-3: the receipt\'s words', () => {
  const due = new Date('2026-11-24T09:00:00Z');
  const da = msg('da').kiosk;
  assert.is(da.due(weekdayDate(due, 'da'), clockTime(due, 'da')), 'Ringes op senest tirsdag 24. november kl. 10.00');
  assert.is(msg('en').kiosk.due(weekdayDate(due, 'en'), clockTime(due, 'en')), 'To be called back by Tuesday 24 November at 10:00');
  assert.is(da.sentInstead('Niels Jensen', 'Ole Sørensen'), 'Beskeden går til Niels Jensen i stedet for Ole Sørensen (AS-3).');
  assert.is(da.resultCount(0, 2), '2 medarbejdere fundet');
  assert.is(da.resultCount(1, 1), '1 afdeling og 1 medarbejder fundet');
  assert.is(msg('en').kiosk.resultCount(2, 0), '2 departments found');
});

t.run();
