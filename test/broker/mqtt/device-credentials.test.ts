/**
 * Issue 10: per-device credentials against the real SQLite store (migration 7): issue, verify,
 * rotate, revoke; kept across a reopen; only the hash stored, nothing of it in the journal; the
 * comparison always goes through the constant-time path. With the embedded broker: a revoke that
 * lands while a device is half-connected still keeps it off.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { FakeClock, memoryLogger } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { AccessControl } from '../../../broker/mqtt/access.js';
import { DeviceCredentials, hashToken } from '../../../broker/mqtt/device-credentials.js';
import { EmbeddedBroker } from '../../../broker/mqtt/embedded-broker.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';
import { sleep, waitFor } from '../../support/wait.js';
import type { SqliteStore } from '../../../broker/store/sqlite-store.js';
import { tempStores } from '../../support/temp-stores.js';

const t = suite('broker/mqtt/device-credentials');
const { store, file: inTmp } = tempStores(t, 'omstil-credentials-');

function credentials(s: SqliteStore = store(), clock = new FakeClock()): DeviceCredentials {
  const c = new DeviceCredentials({ store: s, clock });
  c.start();
  return c;
}

t('issue: a 256-bit random token (base64url), verified ok; a wrong, empty or missing one is bad', () => {
  const c = credentials();
  const { token, issuedAt } = c.issue('phone-anna');
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.is(Buffer.from(token, 'base64url').length, 32);
  assert.is(issuedAt, '2026-11-23T08:00:00.000Z');
  assert.is(c.verify('phone-anna', token), 'ok');
  for (const wrong of [token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), '', undefined, token + 'x', 'x'.repeat(10_000)]) {
    assert.is(c.verify('phone-anna', wrong), 'bad', String(wrong).slice(0, 20));
  }
  assert.is(c.verify('phone-bo', token), 'none', 'a token is for its own device only');
  assert.is(c.issue('phone-bo').token === token, false, 'every device its own token');
});

t('rotate: issuing again replaces the token; the old one is bad at once', () => {
  const clock = new FakeClock();
  const c = credentials(store(), clock);
  const first = c.issue('phone-anna').token;
  clock.advance(60_000);
  const second = c.issue('phone-anna');
  assert.is(c.verify('phone-anna', first), 'bad');
  assert.is(c.verify('phone-anna', second.token), 'ok');
  assert.equal(c.status('phone-anna'), { issuedAt: '2026-11-23T08:01:00.000Z', revokedAt: null });
});

t('revoke: the device is revoked whatever it gives; a second revoke finds nothing; provisioning again lifts it', () => {
  const clock = new FakeClock();
  const c = credentials(store(), clock);
  const { token } = c.issue('kiosk-1');
  clock.advance(1000);
  assert.equal(c.revoke('kiosk-1'), { revokedAt: '2026-11-23T08:00:01.000Z' });
  for (const given of [token, 'other', undefined]) assert.is(c.verify('kiosk-1', given), 'revoked');
  assert.is(c.revoke('kiosk-1'), false, 'nothing in force');
  assert.is(c.revoke('phone-never'), false, 'never provisioned');
  const again = c.issue('kiosk-1').token;
  assert.is(c.verify('kiosk-1', again), 'ok');
  assert.is(c.verify('kiosk-1', token), 'bad');
});

t('a change is announced to listeners (the broker ends the session); unsubscribe and stop() remove them', () => {
  const c = credentials();
  const seen: string[] = [];
  const off = c.onChange((id, change) => seen.push(`${id} ${change}`));
  c.issue('phone-anna');
  c.revoke('phone-anna');
  c.revoke('phone-anna'); // nothing changed: no event
  off();
  c.issue('phone-anna');
  assert.equal(seen, ['phone-anna issued', 'phone-anna revoked']);
  c.onChange(() => seen.push('after stop'));
  c.stop();
  c.start();
  c.issue('phone-bo');
  assert.is(seen.length, 2);
});

t('persistence: tokens, rotations and revocations survive a reopen of the store', () => {
  const file = inTmp('reopen.db');
  const first = store(file);
  const c1 = credentials(first);
  const anna = c1.issue('phone-anna').token;
  const boOld = c1.issue('phone-bo').token;
  const bo = c1.issue('phone-bo').token;
  const kiosk = c1.issue('kiosk-1').token;
  c1.revoke('kiosk-1');
  first.close();

  const c2 = credentials(store(file));
  assert.is(c2.verify('phone-anna', anna), 'ok');
  assert.is(c2.verify('phone-bo', bo), 'ok');
  assert.is(c2.verify('phone-bo', boOld), 'bad');
  assert.is(c2.verify('kiosk-1', kiosk), 'revoked');
  assert.is(c2.verify('phone-carl', undefined), 'none');
});

t('only the hash is stored (sha256:<hex>); the journal says who and when, never the token or its hash', () => {
  const file = inTmp('at-rest.db');
  const s = store(file);
  const c = credentials(s);
  const { token } = c.issue('phone-anna');
  c.issue('phone-anna');
  c.revoke('phone-anna');
  const { token: bo } = c.issue('phone-bo');
  const rows = s.loadCredentials();
  assert.equal(rows.map((r) => [r.deviceId, r.revokedAt !== null]), [['phone-anna', true], ['phone-bo', false]]);
  assert.is(rows[1]!.tokenHash, hashToken(bo));
  assert.match(rows[1]!.tokenHash, /^sha256:[0-9a-f]{64}$/);
  assert.equal(s.journal(10).reverse().map((e) => [e.actor, e.op, e.detail]), [
    ['admin:api', 'provision-device', { device: 'phone-anna', rotated: false }],
    ['admin:api', 'provision-device', { device: 'phone-anna', rotated: true }],
    ['admin:api', 'revoke-device', { device: 'phone-anna' }],
    ['admin:api', 'provision-device', { device: 'phone-bo', rotated: false }],
  ]);
  // nothing in the whole database holds a token
  const raw = new Database(file, { readonly: true });
  try {
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
    const everything = tables.map(({ name }) => JSON.stringify(raw.prepare(`SELECT * FROM "${name}"`).all())).join('\n');
    for (const secret of [token, bo]) assert.not.ok(everything.includes(secret), 'a token in the database');
    const journal = JSON.stringify(raw.prepare('SELECT * FROM journal').all());
    assert.not.ok(journal.includes(hashToken(bo).slice(7)), 'a hash in the journal');
  } finally {
    raw.close();
  }
});

t('the constant-time path: every verify of a provisioned device compares two 32-byte digests with timingSafeEqual', () => {
  const c = credentials();
  const { token } = c.issue('phone-anna');
  const original = crypto.timingSafeEqual;
  const calls: [number, number][] = [];
  crypto.timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    calls.push([a.byteLength, b.byteLength]);
    return original(a, b);
  };
  try {
    assert.is(c.verify('phone-anna', token), 'ok');
    assert.is(c.verify('phone-anna', 'short'), 'bad');
    assert.is(c.verify('phone-anna', 'x'.repeat(500)), 'bad');
    assert.is(c.verify('phone-anna', undefined), 'bad');
  } finally {
    crypto.timingSafeEqual = original;
  }
  assert.equal(calls, [[32, 32], [32, 32], [32, 32], [32, 32]]);
});

t('a stored hash of a scheme this version does not know never matches', () => {
  const s = store();
  s.issueCredential('phone-anna', 'scrypt:abc', new Date('2026-11-23T08:00:00Z'));
  const c = credentials(s);
  for (const given of ['abc', '', undefined, 'scrypt:abc']) assert.is(c.verify('phone-anna', given), 'bad');
});

t('used before start(): an error, not a silent "none" that would let devices in', () => {
  const c = new DeviceCredentials({ store: store(), clock: new FakeClock() });
  assert.throws(() => c.verify('phone-anna', 'x'), /before start/);
  assert.throws(() => c.issue('phone-anna'), /before start/);
});

t('with the broker: a revoke caught between a device\'s authentication and its CONNACK still keeps it off', async () => {
  const directory = Directory.parse(demoDirectory({ peoplePerDept: 1, kiosks: 1 }));
  const deviceId = directory.data.devices[0]!.id;
  const creds = credentials();
  const { token } = creds.issue(deviceId);
  let revokeMidConnect = false;
  // the revoke lands after the token was checked, while Aedes is still setting the session up
  const checker = {
    verify: (id: string, given: string | undefined) => {
      const verdict = creds.verify(id, given);
      if (revokeMidConnect) queueMicrotask(() => creds.revoke(id));
      return verdict;
    },
  };
  const logger = memoryLogger('info');
  const broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, wsPort: null, access: new AccessControl(() => directory, { hubPassword: 'p', allowObservers: false, credentials: checker, deviceAuth: 'required' }), logger });
  await broker.start();
  creds.onChange((id) => broker.closeClient(id, 'credential revoked'));
  const client = mqtt.connect(broker.mqttUrl, { clientId: deviceId, username: deviceId, password: token, reconnectPeriod: 100, connectTimeout: 2000 });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    client.end(true);
    revokeMidConnect = true;
    const late = mqtt.connect(broker.mqttUrl, { clientId: deviceId, username: deviceId, password: token, reconnectPeriod: 100, connectTimeout: 2000 });
    let connected = false;
    late.on('connect', () => (connected = true));
    late.on('error', () => {});
    try {
      await waitFor(() => logger.records.some((r) => r.msg === 'client disconnected' && r.client === deviceId), 'the session closed on registration');
      await waitFor(() => logger.records.some((r) => r.msg === 'connection refused' && /revoked/.test(String(r.reason))), 'the retry refused as revoked');
      await sleep(200);
      assert.is(connected, false, 'it never got a CONNACK');
    } finally {
      late.end(true);
    }
  } finally {
    client.end(true);
    await broker.stop();
  }
});

t.run();
