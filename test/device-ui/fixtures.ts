/** Small DeviceView builders for the device-ui tests. */
import type { DeviceView, PersonOwn, PersonPublic } from '../../protocol/index.js';
import { deptPublicFixture } from '../support/fixtures.js';

const T = '2025-10-24T10:00:00.000Z';

export function person(personId: string, extra: Partial<PersonPublic> = {}): PersonPublic {
  const name = personId
    .split('-')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
  return {
    personId,
    name,
    deptId: 'borgerservice',
    title: null,
    role: 'employee',
    competencies: [],
    extension: '4100',
    presence: 'available',
    backAt: null,
    diversion: null,
    rev: 1,
    updatedAt: T,
    ...extra,
  };
}

export function own(p: PersonPublic, extra: Partial<PersonOwn> = {}): PersonOwn {
  return { ...p, ownDiversion: null, incoming: [], absenceReason: null, alerts: [], messages: [], pbx: { forward: 'applied', notice: null }, meetingPrompt: null, ...extra };
}

/** The public part of an own record (what colleagues see). */
export function publicOf(me: PersonOwn): PersonPublic {
  const { ownDiversion: _d, incoming: _i, absenceReason: _r, alerts: _a, messages: _ms, pbx: _p, meetingPrompt: _m, ...pub } = me;
  return pub;
}

export function phoneView(me: PersonOwn | null, people: PersonPublic[], extra: Partial<DeviceView> = {}): DeviceView {
  return {
    deviceId: 'phone-1',
    kind: 'phone',
    connected: true,
    asOf: T,
    me,
    preferred: [],
    people: me ? [publicOf(me), ...people] : people,
    depts: [deptPublicFixture({ deptId: 'borgerservice', name: 'Borgerservice' })],
    broadcasts: [],
    ...extra,
  };
}
