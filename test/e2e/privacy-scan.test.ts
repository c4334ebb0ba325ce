/**
 * Issue 10, the privacy scan (PR-2) at CI scale: a compressed municipal day through the real
 * hub, broker, SQLite and devices (test/support/privacy-scan.ts), every payload searched for
 * the day's absence reasons and caller data. Full scale: `npm run bench -- --only privacy`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../../protocol/index.js';
import { PayloadScanner, runPrivacyScan, tokensIn } from '../support/privacy-scan.js';
import { Directory } from '../../broker/directory/directory.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { seededRandom } from '../support/seeded-random.js';

const scan = suite('e2e/privacy-scan');

scan('markers are found in raw bytes, JSON escapes and base64', () => {
  const token = 'PRV00001abcdef';
  assert.ok(tokensIn(Buffer.from(`{"absenceReason":"Årsag ${token}"}`)).has(token));
  assert.ok(tokensIn(Buffer.from(JSON.stringify({ r: 'x' }).replace('x', token.split('').map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')))).has(token), 'a \\u-escaped marker');
  assert.ok(tokensIn(Buffer.from(JSON.stringify({ blob: Buffer.from(`reason: ${token}`).toString('base64') }))).has(token), 'a base64 marker');
  assert.ok(tokensIn(Buffer.from('{"callerNumber":"+45990001234"}')).has('45990001234'));
});

scan('the judge flags a reason anywhere but the own topic, and a delivery to anyone but the person and their leader', () => {
  const dir = Directory.parse(demoDirectory({ peoplePerDept: 3, kiosks: 1 }));
  const [leader, employee, colleague] = dir.data.people as [(typeof dir.data.people)[0], (typeof dir.data.people)[0], (typeof dir.data.people)[0]];
  const s = new PayloadScanner(seededRandom(1), () => dir);
  const { text, marker } = s.reason(employee.id, `phone-${employee.id}`);
  const own = `omstil/v1/person/${employee.id}/own`;
  s.record(`omstil/v1/device/phone-${employee.id}/req`, JSON.stringify({ args: { reason: text } }), 'broker');
  s.record(own, JSON.stringify({ absenceReason: text }), 'broker');
  s.record(own, JSON.stringify({ absenceReason: text }), `device:phone-${employee.id}`);
  s.record(own, JSON.stringify({ absenceReason: text }), `device:phone-${leader.id}`);
  assert.equal(s.judge(() => undefined).leaks, []);
  s.record(own, JSON.stringify({ absenceReason: text }), `device:phone-${colleague.id}`);
  s.record(`omstil/v1/person/${employee.id}/public`, JSON.stringify({ note: text }), 'broker');
  s.record(`omstil/v1/device/phone-${employee.id}/res`, JSON.stringify({ ok: true, data: { reason: text } }), 'broker');
  const { leaks, seenOwn, atLeader } = s.judge(() => undefined);
  assert.equal(leaks.map((l) => [l.topic, l.via]), [
    [own, `device:phone-${colleague.id}`],
    [`omstil/v1/person/${employee.id}/public`, 'broker'],
    [`omstil/v1/device/phone-${employee.id}/res`, 'broker'],
  ]);
  assert.ok(seenOwn.has(marker.token) && atLeader.has(marker.token));
});

scan('a simulated day: no absence reason or caller data anywhere but the allowed topics', async () => {
  const logger = memoryLogger('warn');
  const r = await runPrivacyScan({ demo: { peoplePerDept: 3, kiosks: 2 }, rate: 0.15, seed: 10, plant: true, logger, ...(process.env.PRIVACY_SCAN_VERBOSE ? { progress: (m: string) => console.log(`${(performance.now() / 1000).toFixed(1)} ${m}`) } : {}) });
  if (process.env.PRIVACY_SCAN_VERBOSE) console.log(JSON.stringify({ ...r, leaks: r.leaks.slice(0, 5) }, null, 1));
  assert.equal(r.leaks.slice(0, 10), [], `${r.leaks.length} leaks`);
  // the scan is not empty: markers were set, taken and seen where they belong
  assert.ok(r.payloads > 2000, `payloads scanned: ${r.payloads}`);
  assert.ok(r.reasonsAccepted >= 15, `reasons taken: ${r.reasonsAccepted}`);
  assert.is(r.reasonsSeenOwn, r.reasonsAccepted, 'every reason taken went out on its own topic');
  assert.ok(r.reasonsAtLeader > 0, "staff reasons reached the leader's phone (PR-4)");
  assert.ok(r.callerAccepted >= 15, `caller markers taken: ${r.callerAccepted}`);
  assert.is(r.callerSeenOwn, r.callerAccepted, "every message's caller data went out on a recipient's own topic");
  assert.ok(r.reasonMarkers > r.reasonsAccepted, 'refused requests carried reasons too');
  assert.ok((r.actions['hub-restart'] ?? 0) === 1 && (r.actions['directory-reload'] ?? 0) === 1);
  assert.ok(r.messagesEscalated > 0, 'some messages escalated (AS-4): their audience grew');
  // the recording itself works: a reason published on a public topic is found at the broker and on the kiosks
  assert.ok(r.planted.includes('broker'), `planted leak found: ${r.planted.join(', ')}`);
  assert.ok(r.planted.some((v) => v.startsWith('device:kiosk-')), 'and on the kiosks that received it');
});

scan.run();
