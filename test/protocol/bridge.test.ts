import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BridgeToScreen, DeviceView, ScreenToBridge, bridgePath, decodeJson, decodeValue } from '../../protocol/index.js';
import { deptPublicFixture } from '../support/fixtures.js';

const t = suite('protocol/bridge');

const T0 = '2026-11-23T09:00:00+01:00';

const anna = {
  personId: 'anna',
  name: 'Anna Holm',
  deptId: 'familie',
  title: null,
  role: 'employee' as const,
  competencies: [],
  extension: '1001',
  presence: 'available',
  backAt: null,
  diversion: null,
  rev: 1,
  updatedAt: T0,
};
const me = { ...anna, ownDiversion: null, incoming: [], absenceReason: null, alerts: [], messages: [], pbx: { forward: 'applied', notice: null }, meetingPrompt: null };
const dept = deptPublicFixture({ deptId: 'familie', name: 'Familie', rev: 0 });

function view(): DeviceView {
  return {
    deviceId: 'phone-anna',
    kind: 'phone',
    connected: true,
    asOf: T0,
    me: structuredClone(me) as DeviceView['me'],
    preferred: ['bo'],
    people: [structuredClone(anna) as DeviceView['people'][number]],
    depts: [structuredClone(dept)],
    broadcasts: [],
  };
}

function refused(schema: Parameters<typeof decodeValue>[0], raw: unknown, field?: string): void {
  const d = decodeValue(schema, raw);
  assert.is(d.ok, false, JSON.stringify(raw).slice(0, 120));
  if (!d.ok) {
    assert.is(d.error.code, 'invalid-payload');
    if (field !== undefined) assert.is(d.error.field, field);
  }
}

// ---- DeviceView ----

t('DeviceView: a phone view and a kiosk view (no person) are valid', () => {
  const v = view();
  const d = decodeValue(DeviceView, v);
  assert.ok(d.ok);
  if (d.ok) assert.equal(d.value, v);
  assert.ok(decodeValue(DeviceView, { ...v, deviceId: 'kiosk-1', kind: 'kiosk', me: null, asOf: null, preferred: [], connected: false }).ok);
});

t('DeviceView: wrong or missing fields are refused, naming the field', () => {
  refused(DeviceView, { ...view(), kind: 'desk' }, 'kind');
  refused(DeviceView, { ...view(), connected: 'yes' }, 'connected');
  refused(DeviceView, { ...view(), asOf: 5 }, 'asOf');
  refused(DeviceView, { ...view(), preferred: [5] }, 'preferred.0');
  const { deviceId: _omit, ...noId } = view();
  refused(DeviceView, noId, 'deviceId');
  refused(DeviceView, { ...view(), extra: true }, 'extra');
});

t('DeviceView: a person inside it must be a valid PersonPublic / PersonOwn', () => {
  refused(DeviceView, { ...view(), people: [{ ...anna, presence: 'busy' }] }, 'people.0.presence');
  // PR-2: a public person entry cannot smuggle a reason along
  refused(DeviceView, { ...view(), people: [{ ...anna, absenceReason: 'sygdom' }] }, 'people.0.absenceReason');
  refused(DeviceView, { ...view(), me: { ...me, incoming: 'none' } }, 'me.incoming');
  refused(DeviceView, { ...view(), depts: [{ ...dept, rev: -1 }] }, 'depts.0.rev');
});

// ---- ScreenToBridge ----

t('ScreenToBridge: a request of every op is valid', () => {
  for (const req of [
    { t: 'req', id: 'r1', op: 'divert', args: { target: 'bo' } },
    { t: 'req', id: 'r2', op: 'divert', args: { target: 'bo', until: T0 } },
    { t: 'req', id: 'r3', op: 'undivert', args: {} },
    { t: 'req', id: 'r4', op: 'decline-diversion', args: { from: 'carl' } },
  ]) {
    const d = decodeValue(ScreenToBridge, req);
    assert.ok(d.ok, JSON.stringify(req));
    if (d.ok) assert.equal(d.value, req);
  }
});

t('ScreenToBridge: invalid messages are refused', () => {
  refused(ScreenToBridge, { id: 'r1', op: 'undivert', args: {} }, 't');
  refused(ScreenToBridge, { t: 'res', id: 'r1', op: 'undivert', args: {} }, 't');
  refused(ScreenToBridge, { t: 'req', op: 'undivert', args: {} }, 'id');
  refused(ScreenToBridge, { t: 'req', id: 'r1', op: 'transfer', args: {} }, 'op');
  refused(ScreenToBridge, { t: 'req', id: 'r1', op: 'divert', args: { target: 'Bo' } }, 'args.target');
  refused(ScreenToBridge, { t: 'req', id: 'r1', op: 'divert', args: {} }, 'args.target');
  refused(ScreenToBridge, { t: 'req', id: 'r1', op: 'undivert', args: { target: 'bo' } }, 'args.target');
  refused(ScreenToBridge, 'undivert');
  refused(ScreenToBridge, null);
});

t('ScreenToBridge: an unknown extra field is refused, not silently dropped', () => {
  refused(ScreenToBridge, { t: 'req', id: 'r1', op: 'undivert', args: {}, personId: 'bo' }, 'personId');
});

// ---- BridgeToScreen ----

t('BridgeToScreen: a view, a success and a refusal are valid', () => {
  for (const msg of [
    { t: 'view', view: view() },
    { t: 'res', id: 'r1', ok: true },
    { t: 'res', id: 'r1', ok: true, data: { chain: ['bo', 'carl'] } },
    { t: 'res', id: 'r1', ok: false, error: { code: 'diversion-cycle', rule: 'DV-4', message: 'rundt i ring', field: 'args.target' } },
    { t: 'res', id: null, ok: false, error: { code: 'bad-json', message: 'message is not JSON' } },
  ]) {
    const d = decodeJson(BridgeToScreen, JSON.stringify(msg));
    assert.ok(d.ok, JSON.stringify(msg));
    if (d.ok) assert.equal(d.value, msg);
  }
});

t('BridgeToScreen: invalid messages are refused', () => {
  refused(BridgeToScreen, { t: 'views', view: view() });
  refused(BridgeToScreen, { view: view() });
  refused(BridgeToScreen, { t: 'view', view: { ...view(), kind: 'desk' } });
  refused(BridgeToScreen, { t: 'view' });
  refused(BridgeToScreen, { t: 'res', id: 'r1' });
  refused(BridgeToScreen, { t: 'res', id: null, ok: true }); // a success always answers a request id
  refused(BridgeToScreen, { t: 'res', id: 'r1', ok: false, error: { code: 'oops', message: 'x' } });
  refused(BridgeToScreen, { t: 'res', id: 'r1', ok: false });
  refused(BridgeToScreen, { t: 'view', view: view(), extra: 1 });
  refused(BridgeToScreen, { t: 'res', id: 'r1', ok: true, extra: 1 });
  const bad = decodeJson(BridgeToScreen, '{"t":"view",');
  assert.is(bad.ok, false);
  if (!bad.ok) assert.is(bad.error.code, 'bad-json');
});

t('bridgePath', () => {
  assert.is(bridgePath('phone-anna'), '/bridge/phone-anna');
});

t.run();
