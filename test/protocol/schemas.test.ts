import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import {
  BroadcastList,
  DeptPublic,
  DeviceConfig,
  DeviceStatus,
  HubStatus,
  MAX_REQUEST_BYTES,
  OPS,
  PersonOwn,
  PersonPublic,
  Request,
  Response,
  TakeMessageReply,
  decodeJson,
  decodeRequest,
  decodeValue,
} from '../../protocol/index.js';

const t = suite('protocol/schemas');

// ---- helpers ----

/** A bad value that removes the field instead of setting it. */
const MISSING = Symbol('missing');
type Bad = unknown | typeof MISSING;

/** A copy of `sample` with the field at dotted `path` set to `value` (or removed). */
function withField(sample: unknown, path: string, value: Bad): unknown {
  const copy = structuredClone(sample) as Record<string, unknown>;
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value === MISSING) delete node[last];
  else node[last] = value;
  return copy;
}

type Def = { type: string; innerType?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType };
const defOf = (s: z.core.$ZodType) => s._zod.def as unknown as Def;

function unwrap(s: z.core.$ZodType): z.core.$ZodType {
  let cur = s;
  while (['nullable', 'optional', 'default'].includes(defOf(cur).type)) cur = defOf(cur).innerType!;
  return cur;
}

/** Every field path of an object schema, nested objects and array elements (as `.0`) included. */
function fieldPaths(schema: z.core.$ZodType, prefix = ''): string[] {
  const d = defOf(unwrap(schema));
  if (d.type === 'object') {
    return Object.entries(d.shape!).flatMap(([k, v]) => {
      const p = prefix ? `${prefix}.${k}` : k;
      return [p, ...fieldPaths(v, p)];
    });
  }
  if (d.type === 'array') return fieldPaths(d.element!, `${prefix}.0`);
  return [];
}

/** Paths of every nested strict object in a sample (root = ''). */
function objectPaths(schema: z.core.$ZodType, prefix = ''): string[] {
  const d = defOf(unwrap(schema));
  if (d.type === 'object') return [prefix, ...Object.entries(d.shape!).flatMap(([k, v]) => objectPaths(v, prefix ? `${prefix}.${k}` : k))];
  if (d.type === 'array') return objectPaths(d.element!, `${prefix}.0`);
  return [];
}

function has(sample: unknown, path: string): boolean {
  let node: unknown = sample;
  for (const k of path.split('.')) {
    if (node === null || typeof node !== 'object' || !(k in node)) return false;
    node = (node as Record<string, unknown>)[k];
  }
  return node !== null;
}

interface Row {
  field: string;
  /** values that must be refused; each refusal must name `field` (or the path given) */
  bad: (Bad | { value: Bad; field: string })[];
  /** values that must still be accepted (null for nullable, MISSING for optional) */
  good?: Bad[];
}

interface SchemaCase {
  name: string;
  schema: z.core.$ZodType;
  sample: unknown;
  rows: Row[];
}

const T0 = '2026-11-23T09:00:00+01:00';
const T1 = '2026-11-23T12:00:00.000Z';
const NOT_TIME = ['i morgen', '2026-11-23', '2026-11-23T10:00:00', '2026-13-01T00:00:00Z', 1732348800000];
const NOT_ID = ['Anna', 'a b', 'a/b', '+', '', '-a', 'x'.repeat(65), 7];
const NOT_REV = [-1, 1.5, '3', null];
const NOT_BOOL = ['true', 1, null];
const PRESENCE_BAD = ['busy', 'Available', 3, null];

const idRow = (field: string, extra: Bad[] = []): Row => ({ field, bad: [MISSING, ...NOT_ID, ...extra] });
const timeRow = (field: string, nullable: boolean): Row => ({ field, bad: [MISSING, ...NOT_TIME, ...(nullable ? [] : [null])], ...(nullable ? { good: [null] } : {}) });
const stringRow = (field: string, nullable: boolean): Row => ({ field, bad: [MISSING, 5, false, ...(nullable ? [] : [null])], ...(nullable ? { good: [null] } : {}) });

/** AS-1: a message as the recipient's own topic carries it */
const MESSAGE_SAMPLE = {
  id: 'm-mic3x9k0-1f9a0c3e',
  for: 'bo-jensen',
  forName: 'Bo Jensen',
  askedFor: 'anna-holm',
  askedForName: 'Anna Holm',
  callerName: 'Jytte Borger',
  callerNumber: '+45 20 30 40 50',
  text: 'Ringer om ansøgningen',
  takenBy: 'kiosk-1',
  takenAt: T0,
  due: T1,
  rule: 'AS-3',
  status: 'waiting',
  // AS-4: overdue and escalated to the recipient's department group
  escalation: { level: 1, from: 'bo-jensen', fromName: 'Bo Jensen', to: 'bs-gruppe', toName: 'Borgerservice, fællesnummer', overdueSince: T1, at: T1, toMe: true },
};
const CALLER_NUMBER_BAD = [MISSING, '', 'abc', '12345', '20304050x', '++4520304050', '-20304050', '+45 2030 4050 6070 8090 1', 20304050, null];
const CALLER_NUMBER_GOOD = ['20304050', '+4520304050', '20 30-40 50', '123456'];

const personPublicSample = {
  personId: 'anna-holm',
  name: 'Anna Holm',
  deptId: 'borgerservice',
  title: 'Sagsbehandler',
  role: 'employee',
  competencies: ['pas', 'kørekort'],
  extension: '10001',
  presence: 'away',
  backAt: T1,
  diversion: { to: 'bo-jensen', toName: 'Bo Jensen', until: T1 },
  rev: 4,
  updatedAt: T0,
};

const personPublicRows: Row[] = [
  idRow('personId'),
  stringRow('name', false),
  idRow('deptId', [null]),
  stringRow('title', true),
  // RT-1 / AS-3: public directory facts
  { field: 'role', bad: [MISSING, 'leader', 'Employee', 5, null], good: ['switchboard'] },
  { field: 'competencies', bad: [MISSING, null, 'pas', { value: [5], field: 'competencies.0' }], good: [[]] },
  stringRow('extension', true),
  { field: 'presence', bad: [MISSING, ...PRESENCE_BAD] },
  timeRow('backAt', true),
  { field: 'diversion', bad: [MISSING, 'bo-jensen', [], 5], good: [null] },
  idRow('diversion.to', [null]),
  stringRow('diversion.toName', false),
  timeRow('diversion.until', true),
  { field: 'rev', bad: [MISSING, ...NOT_REV] },
  timeRow('updatedAt', false),
];

const cases: SchemaCase[] = [
  {
    name: 'DeviceStatus',
    schema: DeviceStatus,
    sample: { online: true, kind: 'phone', fw: '0.1.0', since: T0 },
    rows: [
      { field: 'online', bad: [MISSING, ...NOT_BOOL] },
      { field: 'kind', bad: [MISSING, 'desk', 'Phone', 1, null] },
      { field: 'fw', bad: [MISSING, 1, null, 'x'.repeat(65)], good: ['x'.repeat(64)] },
      timeRow('since', false),
    ],
  },
  {
    name: 'DeviceConfig',
    schema: DeviceConfig,
    sample: { deviceId: 'phone-anna', kind: 'phone', personId: 'anna', deptId: 'familie', watch: ['bo'], preferred: ['carl', 'bo'], staff: ['dora'], rev: 0 },
    rows: [
      idRow('deviceId', [null]),
      { field: 'kind', bad: [MISSING, 'desk', null] },
      { ...idRow('personId'), good: [null] },
      { ...idRow('deptId'), good: [null] },
      {
        field: 'watch',
        bad: [MISSING, null, 'bo', { value: ['Bo'], field: 'watch.0' }, { value: ['bo', 5], field: 'watch.1' }, Array.from({ length: 51 }, (_, i) => `p${i}`)],
        good: [[], Array.from({ length: 50 }, (_, i) => `p${i}`)],
      },
      {
        field: 'preferred',
        bad: [MISSING, null, 'bo', { value: ['a b'], field: 'preferred.0' }, Array.from({ length: 51 }, (_, i) => `p${i}`)],
        good: [[]],
      },
      {
        field: 'staff',
        bad: [MISSING, null, 'dora', { value: ['Dora'], field: 'staff.0' }, Array.from({ length: 201 }, (_, i) => `p${i}`)],
        good: [[], Array.from({ length: 200 }, (_, i) => `p${i}`)],
      },
      { field: 'rev', bad: [MISSING, ...NOT_REV], good: [0] },
    ],
  },
  {
    name: 'HubStatus',
    schema: HubStatus,
    sample: { online: false, since: T0 },
    rows: [{ field: 'online', bad: [MISSING, ...NOT_BOOL] }, timeRow('since', false)],
  },
  { name: 'PersonPublic', schema: PersonPublic, sample: personPublicSample, rows: personPublicRows },
  {
    name: 'TakeMessageReply',
    schema: TakeMessageReply,
    sample: { id: 'm-mic3x9k0-1f9a0c3e', for: 'bo-jensen', forName: 'Bo Jensen', due: T1, rule: 'AS-3' },
    rows: [idRow('id', [null]), idRow('for', [null]), stringRow('forName', false), timeRow('due', false), stringRow('rule', false)],
  },
  {
    name: 'PersonOwn',
    schema: PersonOwn,
    sample: {
      ...personPublicSample,
      ownDiversion: { to: 'bo-jensen', toName: 'Bo Jensen', since: T0, until: T1, status: 'active' },
      incoming: [{ from: 'carl', fromName: 'Carl', since: T0, until: T1 }],
      absenceReason: 'kursus',
      alerts: [{ rule: 'DV-6', text: { da: 'Viderestil telefonen', en: 'Divert the phone' } }],
      messages: [MESSAGE_SAMPLE],
      pbx: { forward: 'pending', notice: { at: T0, kind: 'refused', to: '1002', rule: 'DV-4', text: { da: 'Fjernet igen', en: 'Removed' } } },
      meetingPrompt: { start: T0, end: T1, suggestion: { id: 'bo-jensen', name: 'Bo Jensen' } },
      voicemail: { unheard: 2, unheardSince: T0, flaggedAt: T1 },
    },
    rows: [
      ...personPublicRows,
      { field: 'voicemail', bad: [null, 'x', 5], good: [MISSING] },
      { field: 'voicemail.unheard', bad: [MISSING, -1, 1.5, '2', null], good: [0] },
      timeRow('voicemail.unheardSince', true),
      timeRow('voicemail.flaggedAt', true),
      { field: 'ownDiversion', bad: [MISSING, 'x', 5], good: [null] },
      idRow('ownDiversion.to', [null]),
      stringRow('ownDiversion.toName', false),
      timeRow('ownDiversion.since', false),
      timeRow('ownDiversion.until', true),
      { field: 'ownDiversion.status', bad: [MISSING, 'expired', 'Active', true, null], good: ['declined', 'accepted'] },
      { field: 'incoming', bad: [MISSING, null, 'carl', { value: [5], field: 'incoming.0' }], good: [[]] },
      idRow('incoming.0.from', [null]),
      stringRow('incoming.0.fromName', false),
      timeRow('incoming.0.since', false),
      timeRow('incoming.0.until', true),
      stringRow('absenceReason', true),
      { field: 'alerts', bad: [MISSING, null, 'DV-6', { value: [5], field: 'alerts.0' }], good: [[]] },
      stringRow('alerts.0.rule', false),
      { field: 'alerts.0.text', bad: [MISSING, null, 'tekst'] },
      stringRow('alerts.0.text.da', false),
      stringRow('alerts.0.text.en', false),
      { field: 'messages', bad: [MISSING, null, 'x', { value: [5], field: 'messages.0' }, Array.from({ length: 201 }, () => MESSAGE_SAMPLE)], good: [[], Array.from({ length: 200 }, () => MESSAGE_SAMPLE)] },
      idRow('messages.0.id', [null]),
      idRow('messages.0.for', [null]),
      stringRow('messages.0.forName', false),
      { ...idRow('messages.0.askedFor'), good: [null] },
      stringRow('messages.0.askedForName', true),
      { field: 'messages.0.callerName', bad: [MISSING, '', 'x'.repeat(101), 5, null], good: ['x'.repeat(100)] },
      { field: 'messages.0.callerNumber', bad: CALLER_NUMBER_BAD, good: CALLER_NUMBER_GOOD },
      { field: 'messages.0.text', bad: [MISSING, 'x'.repeat(1001), 5, null], good: ['', 'x'.repeat(1000)] },
      stringRow('messages.0.takenBy', false),
      timeRow('messages.0.takenAt', false),
      timeRow('messages.0.due', false),
      stringRow('messages.0.rule', false),
      { field: 'messages.0.status', bad: [MISSING, 'open', 'Done', 5, null], good: ['acknowledged', 'done'] },
      { field: 'messages.0.escalation', bad: [null, 'x', 1], good: [MISSING] },
      { field: 'messages.0.escalation.level', bad: [MISSING, 0, 3, '1', null], good: [2] },
      idRow('messages.0.escalation.from', [null]),
      stringRow('messages.0.escalation.fromName', false),
      idRow('messages.0.escalation.to', [null]),
      stringRow('messages.0.escalation.toName', false),
      timeRow('messages.0.escalation.overdueSince', false),
      timeRow('messages.0.escalation.at', false),
      { field: 'messages.0.escalation.toMe', bad: [MISSING, null, 'true', 1], good: [false] },
      { field: 'pbx', bad: [MISSING, null, 'applied'] },
      { field: 'pbx.forward', bad: [MISSING, null, 'done', 'Applied'], good: ['applied'] },
      { field: 'pbx.notice', bad: [MISSING, 'x'], good: [null] },
      timeRow('pbx.notice.at', false),
      { field: 'pbx.notice.kind', bad: [MISSING, null, 'ok'], good: ['adopted'] },
      stringRow('pbx.notice.to', true),
      stringRow('pbx.notice.rule', true),
      { field: 'pbx.notice.text', bad: [MISSING, null, 'tekst'] },
      stringRow('pbx.notice.text.da', false),
      stringRow('pbx.notice.text.en', false),
      { field: 'meetingPrompt', bad: [MISSING, 'x', 5], good: [null] },
      timeRow('meetingPrompt.start', false),
      timeRow('meetingPrompt.end', false),
      { field: 'meetingPrompt.suggestion', bad: [MISSING, 'bo'], good: [null] },
      idRow('meetingPrompt.suggestion.id', [null]),
      stringRow('meetingPrompt.suggestion.name', false),
    ],
  },
  {
    name: 'DeptPublic',
    schema: DeptPublic,
    sample: {
      deptId: 'familie',
      name: 'Familie',
      phoneHours: 'Mo-Fr 08:00-15:00; PH off',
      sensitive: false,
      tasks: ['underretning'],
      groups: [{ id: 'familie-gruppe', name: 'Familie, fællesnummer', number: '1900', tasks: ['plejefamilie'] }],
      openNow: true,
      today: { date: '2026-11-23', holiday: 'Juledag', open: [{ from: '08:00', to: '15:00' }] },
      nextChange: T1,
      outsideHours: { da: 'Lukket', en: 'Closed' },
      closures: [{ id: 'closure-1', start: T0, end: T1, endedEarly: false, message: { da: 'Lukket for møde', en: 'Closed for a meeting' }, offer: 'fallback', fallback: { id: 'jobcenter-gruppe', name: 'Jobcenter' } }],
      peaks: [{ id: 'peak-1', from: '2026-12-01', to: '2026-12-02', text: { da: 'Forskudsopgørelser', en: 'Tax cards' } }],
      rev: 0,
      updatedAt: T0,
    },
    rows: [
      idRow('deptId', [null]),
      stringRow('name', false),
      stringRow('phoneHours', false),
      { field: 'sensitive', bad: [MISSING, ...NOT_BOOL] },
      { field: 'tasks', bad: [MISSING, null, 'x', { value: [5], field: 'tasks.0' }], good: [[]] },
      { field: 'groups', bad: [MISSING, null, { value: [5], field: 'groups.0' }], good: [[]] },
      idRow('groups.0.id', [null]),
      stringRow('groups.0.name', false),
      stringRow('groups.0.number', false),
      { field: 'groups.0.tasks', bad: [MISSING, null, 'x', { value: [5], field: 'groups.0.tasks.0' }], good: [[]] },
      { field: 'openNow', bad: [MISSING, ...NOT_BOOL] },
      { field: 'today', bad: [MISSING, null, '2026-11-23'] },
      { field: 'today.date', bad: [MISSING, '23-11-2026', '2026-11-23T00:00:00Z', 5, null] },
      stringRow('today.holiday', true),
      { field: 'today.open', bad: [MISSING, null, { value: ['08-15'], field: 'today.open.0' }], good: [[]] },
      { field: 'today.open.0.from', bad: [MISSING, '8:00', '08.00', '25:00', null], good: ['00:00'] },
      { field: 'today.open.0.to', bad: [MISSING, '24:01', '8', null], good: ['24:00'] },
      timeRow('nextChange', true),
      { field: 'outsideHours', bad: [MISSING, null, 'Lukket'] },
      stringRow('outsideHours.da', false),
      stringRow('outsideHours.en', false),
      { field: 'closures', bad: [MISSING, null, { value: [5], field: 'closures.0' }], good: [[]] },
      idRow('closures.0.id', [null]),
      timeRow('closures.0.start', false),
      timeRow('closures.0.end', false),
      { field: 'closures.0.endedEarly', bad: [MISSING, ...NOT_BOOL] },
      { field: 'closures.0.message', bad: [MISSING, null, 'Lukket'] },
      stringRow('closures.0.message.da', false),
      stringRow('closures.0.message.en', false),
      { field: 'closures.0.offer', bad: [MISSING, 'voicemail', null], good: ['message', 'callback'] },
      { field: 'closures.0.fallback', bad: [MISSING, 'jobcenter'], good: [null] },
      idRow('closures.0.fallback.id', [null]),
      stringRow('closures.0.fallback.name', false),
      { field: 'peaks', bad: [MISSING, null, { value: [5], field: 'peaks.0' }], good: [[]] },
      idRow('peaks.0.id', [null]),
      { field: 'peaks.0.from', bad: [MISSING, '1/12', null] },
      { field: 'peaks.0.to', bad: [MISSING, '2026-12', null] },
      { field: 'peaks.0.text', bad: [MISSING, null, 'x'] },
      stringRow('peaks.0.text.da', false),
      stringRow('peaks.0.text.en', false),
      { field: 'rev', bad: [MISSING, ...NOT_REV] },
      timeRow('updatedAt', false),
    ],
  },
  {
    // RT-3
    name: 'BroadcastList',
    schema: BroadcastList,
    sample: {
      broadcasts: [{ id: 'stormflod', text: { da: 'Sandsække udleveres ved Rådhuset.', en: 'Sandbags at the town hall.' }, start: T0, expires: T1, createdAt: T0 }],
      rev: 2,
      updatedAt: T0,
    },
    rows: [
      { field: 'broadcasts', bad: [MISSING, null, 'x', { value: [5], field: 'broadcasts.0' }], good: [[]] },
      idRow('broadcasts.0.id', [null]),
      { field: 'broadcasts.0.text', bad: [MISSING, null, 'Sandsække'] },
      // trimmed: blank is empty; Danish required
      { field: 'broadcasts.0.text.da', bad: [MISSING, '', '   ', 'x'.repeat(301), 5, null], good: ['x'.repeat(300)] },
      // English optional
      { field: 'broadcasts.0.text.en', bad: ['', 'x'.repeat(301), 5, null], good: [MISSING, 'x'.repeat(300)] },
      timeRow('broadcasts.0.start', false),
      // after its start
      { ...timeRow('broadcasts.0.expires', false), bad: [...timeRow('broadcasts.0.expires', false).bad, T0, '2026-11-23T07:00:00.000Z'] },
      timeRow('broadcasts.0.createdAt', false),
      { field: 'rev', bad: [MISSING, ...NOT_REV], good: [0] },
      timeRow('updatedAt', false),
    ],
  },
  {
    name: 'Response (ok)',
    schema: Response._zod.def.options[0],
    sample: { id: 'r1', ok: true, data: { chain: ['bo'] } },
    rows: [
      { field: 'id', bad: [MISSING, '', 'x'.repeat(65), 5, null] },
      { field: 'ok', bad: [MISSING, 'true', 1, null] },
      // data is opaque to the protocol: any JSON value, or none
      { field: 'data', bad: [], good: [MISSING, null, 'x', 0, [1]] },
    ],
  },
  {
    name: 'Response (error)',
    schema: Response._zod.def.options[1],
    sample: {
      id: 'r1',
      ok: false,
      error: { code: 'target-unavailable', message: 'bo is absent', rule: 'DV-4', field: 'args.target', text: { da: 'Bo er fraværende.', en: 'Bo is absent.' }, suggestion: { id: 'carl', name: 'Carl' } },
    },
    rows: [
      { field: 'id', bad: [MISSING, '', 'x'.repeat(65), 5], good: [null] },
      { field: 'ok', bad: [MISSING, 'false', 0, null] },
      { field: 'error', bad: [MISSING, 'forbidden', null, []] },
      { field: 'error.code', bad: [MISSING, 'not-a-code', 'Forbidden', 5, null] },
      stringRow('error.message', false),
      { field: 'error.rule', bad: [5, null], good: [MISSING] },
      { field: 'error.field', bad: [5, null], good: [MISSING] },
      { field: 'error.text', bad: [null, 'tekst'], good: [MISSING] },
      stringRow('error.text.da', false),
      stringRow('error.text.en', false),
      { field: 'error.suggestion', bad: [null, 'carl'], good: [MISSING] },
      idRow('error.suggestion.id', [null]),
      stringRow('error.suggestion.name', false),
    ],
  },
];

const requestSamples: Record<string, unknown> = {
  divert: { id: 'req-1', op: 'divert', args: { target: 'bo-jensen', until: T1, person: 'anna' } },
  undivert: { id: 'req-2', op: 'undivert', args: { person: 'anna' } },
  'decline-diversion': { id: 'req-3', op: 'decline-diversion', args: { from: 'carl' } },
  'accept-diversion': { id: 'req-4', op: 'accept-diversion', args: { from: 'carl' } },
  'set-absence': { id: 'req-5', op: 'set-absence', args: { until: T1, reason: 'kursus', divertTo: 'bo-jensen', autoReply: true, person: 'anna' } },
  'clear-absence': { id: 'req-6', op: 'clear-absence', args: { person: 'anna' } },
  'take-message': { id: 'req-7', op: 'take-message', args: { for: 'anna', callerName: 'Jytte Borger', callerNumber: '+45 20 30 40 50', text: 'Ring tilbage om ansøgningen', callerInformed: true } },
  'message-status': { id: 'req-8', op: 'message-status', args: { message: 'm-mic3x9k0-1f9a0c3e', status: 'done' } },
};
const personArgRow: Row = { field: 'args.person', bad: NOT_ID, good: [MISSING] };

const requestIdRow: Row = { field: 'id', bad: [MISSING, '', 'x'.repeat(65), 5, null] };
const opRow: Row = { field: 'op', bad: [MISSING, 5, null, true] };
const argsRow: Row = { field: 'args', bad: [MISSING, 'x', null, [], 5] };
const requestRows: Record<string, Row[]> = {
  divert: [
    requestIdRow,
    opRow,
    argsRow,
    idRow('args.target', [null]),
    { field: 'args.until', bad: NOT_TIME, good: [MISSING, null] },
    personArgRow,
  ],
  undivert: [requestIdRow, opRow, { ...argsRow, bad: [...argsRow.bad, { value: { target: 'bo' }, field: 'args.target' }] }, personArgRow],
  'decline-diversion': [requestIdRow, opRow, argsRow, idRow('args.from', [null])],
  'accept-diversion': [requestIdRow, opRow, argsRow, idRow('args.from', [null])],
  'set-absence': [
    requestIdRow,
    opRow,
    argsRow,
    { field: 'args.until', bad: [MISSING, ...NOT_TIME], good: [null] },
    { field: 'args.reason', bad: [5, 'x'.repeat(201)], good: [MISSING, null, 'x'.repeat(200)] },
    { field: 'args.divertTo', bad: NOT_ID, good: [MISSING, null] },
    { field: 'args.autoReply', bad: ['ja', 1, null], good: [MISSING, true, false] },
    personArgRow,
  ],
  'clear-absence': [requestIdRow, opRow, { ...argsRow, bad: [...argsRow.bad, { value: { until: null }, field: 'args.until' }] }, personArgRow],
  'take-message': [
    requestIdRow,
    opRow,
    argsRow,
    idRow('args.for', [null]),
    // trimmed: blank is empty
    { field: 'args.callerName', bad: [MISSING, '', '   ', 'x'.repeat(101), 5, null], good: ['x'.repeat(100), ' Jytte '] },
    { field: 'args.callerNumber', bad: CALLER_NUMBER_BAD, good: CALLER_NUMBER_GOOD },
    { field: 'args.text', bad: [MISSING, 'x'.repeat(1001), 5, null], good: ['', 'x'.repeat(1000)] },
    { field: 'args.callerInformed', bad: ['ja', 1, null], good: [MISSING, false] },
  ],
  'message-status': [
    requestIdRow,
    opRow,
    argsRow,
    idRow('args.message', [null]),
    { field: 'args.status', bad: [MISSING, 'waiting', 'open', 'Done', 5, null], good: ['acknowledged'] },
  ],
};

// Requests are checked through both decodeValue(Request) and decodeRequest (the wire path).
for (const op of OPS) {
  const option = Request._zod.def.options.find((o) => o.shape.op._zod.def.values[0] === op);
  cases.push({ name: `Request ${op}`, schema: option!, sample: requestSamples[op], rows: requestRows[op]! });
}

// ---- the table covers every field ----

t('the table has a request sample and rows for every op', () => {
  assert.equal(Object.keys(requestSamples).sort(), [...OPS].sort());
  assert.equal(Object.keys(requestRows).sort(), [...OPS].sort());
  assert.is(Request._zod.def.options.length, OPS.length);
});

t('RT-3: a broadcast list holds at most MAX_BROADCASTS broadcasts', () => {
  const one = { id: 'b', text: { da: 'Sandsække' }, start: T0, expires: T1, createdAt: T0 };
  const list = (n: number) => ({ broadcasts: Array.from({ length: n }, (_, i) => ({ ...one, id: `b-${i}` })), rev: n, updatedAt: T0 });
  assert.ok(decodeValue(BroadcastList, list(3)).ok);
  const d = decodeValue(BroadcastList, list(4));
  assert.is(d.ok ? null : d.error.field, 'broadcasts');
});

t('Response is covered option by option', () => {
  assert.is(Response._zod.def.options.length, 2);
});

for (const c of cases) {
  t(`${c.name}: the table covers every field of the schema, and only real fields`, () => {
    const paths = fieldPaths(c.schema);
    const rows = c.rows.map((r) => r.field);
    assert.equal([...rows].sort(), [...new Set(paths)].sort());
  });

  t(`${c.name}: every field has a refusal test, or is declared to accept anything`, () => {
    for (const r of c.rows) assert.ok(r.bad.length > 0 || (r.good?.length ?? 0) > 0, r.field);
  });

  t(`${c.name}: the sample has every field filled in`, () => {
    for (const p of fieldPaths(c.schema)) assert.ok(has(c.sample, p), p);
  });

  t(`${c.name}: the valid sample passes`, () => {
    const d = decodeValue(c.schema as z.ZodType, c.sample);
    assert.ok(d.ok, d.ok ? '' : d.error.message);
    if (d.ok) assert.equal(d.value, c.sample);
  });

  for (const row of c.rows) {
    for (const b of row.bad) {
      const { value, field } = typeof b === 'object' && b !== null && 'field' in b && 'value' in b ? (b as { value: Bad; field: string }) : { value: b as Bad, field: row.field };
      const label = value === MISSING ? 'missing' : JSON.stringify(value)?.slice(0, 40);
      t(`${c.name}: ${row.field} = ${label} is refused naming ${field}`, () => {
        const bad = withField(c.sample, row.field, value);
        const d = decodeValue(c.schema as z.ZodType, bad);
        assert.is(d.ok, false);
        if (d.ok) return;
        assert.is(d.error.code, 'invalid-payload');
        assert.is(d.error.field, field);
        assert.ok(d.error.message.startsWith(`${field}: `), d.error.message);
        if (c.name.startsWith('Request')) {
          const r = decodeRequest(JSON.stringify(bad));
          assert.is(r.ok, false);
          if (r.ok) return;
          assert.is(r.error.code, 'invalid-payload');
          assert.is(r.error.field, field);
          // the request id is kept whenever it is usable, so the reply can be correlated
          assert.is(r.id, row.field === 'id' ? null : (c.sample as { id: string }).id);
        }
        if (c.schema === Response._zod.def.options[0] || c.schema === Response._zod.def.options[1]) {
          const whole = decodeValue(Response, bad);
          assert.is(whole.ok, false);
          if (!whole.ok) assert.is(whole.error.field, field, 'through the Response union');
        }
      });
    }
    for (const value of row.good ?? []) {
      const label = value === MISSING ? 'missing' : JSON.stringify(value)?.slice(0, 40);
      t(`${c.name}: ${row.field} = ${label} is accepted`, () => {
        const good = withField(c.sample, row.field, value);
        const d = decodeValue(c.schema as z.ZodType, good);
        assert.ok(d.ok, d.ok ? '' : d.error.message);
        if (c.name.startsWith('Request')) assert.ok(decodeRequest(JSON.stringify(good)).ok);
      });
    }
  }

  t(`${c.name}: an unknown extra field is refused at every level (strict objects), naming it`, () => {
    for (const at of objectPaths(c.schema)) {
      const bad = structuredClone(c.sample) as Record<string, unknown>;
      let node = bad;
      if (at) for (const k of at.split('.')) node = node[k] as Record<string, unknown>;
      node.extra = 1;
      const field = at ? `${at}.extra` : 'extra';
      const d = decodeValue(c.schema as z.ZodType, bad);
      assert.is(d.ok, false, field);
      if (!d.ok) {
        assert.is(d.error.code, 'invalid-payload');
        assert.is(d.error.field, field);
      }
    }
  });
}

// ---- the wire path of requests ----

t('decodeRequest accepts every valid request, as text and as bytes', () => {
  for (const op of OPS) {
    const text = JSON.stringify(requestSamples[op]);
    for (const payload of [text, new TextEncoder().encode(text)]) {
      const r = decodeRequest(payload);
      assert.ok(r.ok, op);
      if (r.ok) assert.equal(r.value, requestSamples[op]);
    }
  }
});

t('not JSON → bad-json, with no id', () => {
  for (const text of ['', '{', 'divert', '{"id":"a",}', "{'id':'a'}"]) {
    const r = decodeRequest(text);
    assert.is(r.ok, false, text);
    if (!r.ok) {
      assert.is(r.error.code, 'bad-json');
      assert.is(r.id, null);
    }
  }
  const j = decodeJson(HubStatus, 'nope');
  assert.is(j.ok, false);
  if (!j.ok) assert.is(j.error.code, 'bad-json');
});

t('JSON that is not an object → invalid-payload for the whole payload', () => {
  for (const text of ['null', '[]', '"divert"', '42', 'true']) {
    const r = decodeRequest(text);
    assert.is(r.ok, false, text);
    if (!r.ok) {
      assert.is(r.error.code, 'invalid-payload');
      assert.is(r.error.field, '(payload)');
      assert.is(r.id, null);
    }
  }
});

t('unknown op → unknown-op naming op, with the request id kept', () => {
  const r = decodeRequest(JSON.stringify({ id: 'req-9', op: 'transfer', args: {} }));
  assert.is(r.ok, false);
  if (r.ok) return;
  assert.is(r.error.code, 'unknown-op');
  assert.is(r.error.field, 'op');
  assert.is(r.id, 'req-9');
  assert.match(r.error.message, 'transfer');
  for (const op of OPS) assert.match(r.error.message, op);
});

t('unknown op with an unusable id → unknown-op, id null', () => {
  const r = decodeRequest(JSON.stringify({ id: 5, op: 'DIVERT', args: {} }));
  assert.is(r.ok, false);
  if (!r.ok) {
    assert.is(r.error.code, 'unknown-op');
    assert.is(r.id, null);
  }
});

/** A valid undivert request padded with JSON whitespace to exactly `bytes` bytes. */
function padded(bytes: number): string {
  const text = JSON.stringify(requestSamples.undivert);
  return text.slice(0, -1) + ' '.repeat(bytes - text.length) + '}';
}

t('a request of exactly MAX_REQUEST_BYTES is read; one byte more is payload-too-large, unread', () => {
  const fits = padded(MAX_REQUEST_BYTES);
  assert.is(fits.length, MAX_REQUEST_BYTES);
  assert.ok(decodeRequest(fits).ok);
  assert.ok(decodeRequest(new TextEncoder().encode(fits)).ok);
  const over = padded(MAX_REQUEST_BYTES + 1);
  for (const payload of [over, new TextEncoder().encode(over)]) {
    const r = decodeRequest(payload);
    assert.is(r.ok, false);
    if (!r.ok) {
      assert.is(r.error.code, 'payload-too-large');
      assert.is(r.id, null); // refused unread: not even the id is parsed
    }
  }
});

t('the size limit counts bytes, not characters: the same payload gives the same answer as text and as bytes', () => {
  // 'ø' is two bytes in UTF-8: 9000 of them is under the limit in characters, over it in bytes
  const text = JSON.stringify({ id: 'req-1', op: 'divert', args: { target: 'ø'.repeat(9000) } });
  assert.ok(text.length < MAX_REQUEST_BYTES);
  const bytes = new TextEncoder().encode(text);
  assert.ok(bytes.byteLength > MAX_REQUEST_BYTES);
  const asBytes = decodeRequest(bytes);
  const asText = decodeRequest(text);
  assert.is(asBytes.ok, false);
  assert.is(asText.ok, false);
  if (!asBytes.ok && !asText.ok) {
    assert.is(asBytes.error.code, 'payload-too-large');
    assert.is(asText.error.code, 'payload-too-large');
  }
});

t('error bodies carry code, field and message, and leave out what is unset', () => {
  const r = decodeRequest(JSON.stringify({ id: 'req-1', op: 'divert', args: { target: 'Bo' } }));
  assert.is(r.ok, false);
  if (r.ok) return;
  const body = r.error.toBody();
  assert.is(body.code, 'invalid-payload');
  assert.is(body.field, 'args.target');
  assert.is('rule' in body, false);
  const reply = { id: r.id, ok: false as const, error: body };
  assert.ok(decodeValue(Response, reply).ok, 'a refusal is itself a valid Response');
});

t.run();
