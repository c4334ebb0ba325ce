import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildTopic, parseTopic, filters, RETAINED, type Topic } from '../../protocol/index.js';

const t = suite('protocol/topics');

const every: Topic[] = [
  { kind: 'hub-status' },
  { kind: 'device-status', deviceId: 'phone-anna' },
  { kind: 'device-config', deviceId: 'phone-anna' },
  { kind: 'device-req', deviceId: 'phone-anna' },
  { kind: 'device-res', deviceId: 'kiosk-1' },
  { kind: 'person-public', personId: 'anna-holm' },
  { kind: 'person-own', personId: 'anna-holm' },
  { kind: 'dept-public', deptId: 'borgerservice' },
  { kind: 'dept-member', deptId: 'borgerservice', personId: 'anna-holm' },
  { kind: 'broadcast' },
  { kind: 'device-ota', deviceId: 'phone-anna', part: 'offer' },
  { kind: 'device-ota', deviceId: 'phone-anna', part: 'want' },
  { kind: 'device-ota', deviceId: 'kiosk-1', part: 'chunk' },
  { kind: 'device-ota', deviceId: 'kiosk-1', part: 'progress' },
];

t('every topic kind is covered by the round-trip list', () => {
  assert.equal(new Set(every.map((x) => x.kind)).size, Object.keys(RETAINED).length);
});

for (const topic of every) {
  t(`round-trip ${topic.kind}`, () => {
    const s = buildTopic(topic);
    assert.ok(s.startsWith('omstil/v1/'), s);
    assert.equal(parseTopic(s), topic);
  });
}

t('OTA topics: device/{id}/ota/{offer|want|chunk|progress}, never retained; nothing else under ota/', () => {
  assert.is(buildTopic({ kind: 'device-ota', deviceId: 'phone-anna', part: 'chunk' }), 'omstil/v1/device/phone-anna/ota/chunk');
  assert.is(RETAINED['device-ota'], false);
  assert.is(filters.allOtaWant, 'omstil/v1/device/+/ota/want');
  for (const s of ['omstil/v1/device/phone-anna/ota', 'omstil/v1/device/phone-anna/ota/other', 'omstil/v1/device/phone-anna/ota/chunk/1', 'omstil/v1/device/Phone/ota/offer']) assert.is(parseTopic(s), null, s);
  assert.throws(() => buildTopic({ kind: 'device-ota', deviceId: 'phone-anna', part: 'x' as 'offer' }), /not an OTA topic part/);
});

t('acceptance topic shape: omstil/v1/person/{id}/public', () => {
  assert.is(buildTopic({ kind: 'person-public', personId: 'b' }), 'omstil/v1/person/b/public');
});

t('RT-3: the broadcast topic is omstil/v1/broadcast, retained, and its filter is the topic itself', () => {
  assert.is(buildTopic({ kind: 'broadcast' }), 'omstil/v1/broadcast');
  assert.is(RETAINED.broadcast, true);
  assert.is(filters.broadcast, 'omstil/v1/broadcast');
  for (const s of ['omstil/v1/broadcast/x', 'omstil/v1/broadcast/', 'omstil/v1/broadcasts']) assert.is(parseTopic(s), null, s);
});

t('builders refuse ids that could break a topic', () => {
  for (const bad of ['', 'A', 'a/b', '+', '#', 'a b', 'x'.repeat(65), '-a']) {
    assert.throws(() => buildTopic({ kind: 'person-public', personId: bad }), /not an omstil id/);
  }
});

t('parser rejects foreign, wildcard and malformed topics', () => {
  for (const s of [
    'omstil/v2/hub/status',
    'other/v1/hub/status',
    'omstil/v1/person/+/public',
    'omstil/v1/person/anna/secret',
    'omstil/v1/person/anna/public/x',
    'omstil/v1/device/Phone/req',
    'omstil/v1/dept/a/member/+',
    'omstil/v1/dept/a/member/b/c',
    'omstil/v1',
    '',
  ]) {
    assert.is(parseTopic(s), null, s);
  }
});

t('filters', () => {
  assert.is(filters.deptMembers('familie'), 'omstil/v1/dept/familie/member/+');
  assert.is(filters.allPersonPublic, 'omstil/v1/person/+/public');
});

t.run();
