/**
 * Issue 10, device identity, as IT does it: a hub with `deviceAuth: 'required'`; `omstil
 * provision DEVICE` (the CLI as its own process, through the hub's admin API) writes the
 * device's fragment (0600); the real device core connects with it and gets its config; with no
 * login or a wrong token it is refused; `omstil revoke` disconnects it at once and it cannot
 * connect again; provisioning it again issues a new token and the old one stops working. The
 * token is never in the hub's log or database.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeviceCore } from '../../firmware/device-core.js';
import { parseDeviceConfig } from '../../firmware/config/device-config.js';
import { memoryLogger, systemClock } from '../../protocol/index.js';
import { ROOT } from '../support/hub-process.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { sleep, waitFor } from '../support/wait.js';

const e2e = suite('e2e/provision');
const run = promisify(execFile);

let sys: TestSystem;
let phone: string;
let kiosk: string;
const cores: DeviceCore[] = [];
const tokens: string[] = [];

e2e.before(async () => {
  // no simulated devices: this suite provisions its devices itself, through the CLI
  sys = await startSystem({ phones: 0, kiosks: 0, config: { deviceAuth: 'required' } });
  phone = sys.directory.data.devices.find((d) => d.kind === 'phone')!.id;
  kiosk = sys.directory.data.devices.find((d) => d.kind === 'kiosk')!.id;
});

e2e.after.each(async () => {
  await Promise.all(cores.splice(0).map((c) => c.stop()));
});

e2e.after(async () => {
  await sys?.stop();
});

async function omstil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli/omstil.ts'), ...args], { cwd: ROOT, env: { ...process.env, OMSTIL_ADMIN_TOKEN: '' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const apiArgs = () => ['--api', sys.hub.api!.url, '--data-dir', sys.dataDir];

/** `omstil provision` into a file; returns the fragment. */
async function provision(deviceId: string, file: string, ...more: string[]): Promise<{ deviceId: string; kind: string; hubUrl: string; credentials: { username: string; token: string } }> {
  const r = await omstil('provision', deviceId, '--out', file, '--mqtt-url', sys.hub.mqttUrl, ...apiArgs(), ...more);
  assert.is(r.code, 0, r.stderr);
  const fragment = JSON.parse(readFileSync(file, 'utf8')) as Awaited<ReturnType<typeof provision>>;
  tokens.push(fragment.credentials.token);
  return fragment;
}

function device(deviceId: string, kind: 'phone' | 'kiosk', login?: { username: string; token: string }): DeviceCore {
  const core = new DeviceCore({
    deviceId,
    kind,
    mqttUrl: sys.hub.mqttUrl,
    clock: systemClock,
    logger: memoryLogger('silent'),
    reconnect: { minMs: 100, maxMs: 200 },
    // as firmware/main.ts passes the config's credentials
    ...(login ? { mqttOptions: { username: login.username, password: login.token } } : {}),
  });
  cores.push(core);
  return core;
}

/** The broker's refusals of `deviceId` so far. */
const refusals = (deviceId: string) => sys.logger.records.filter((r) => r.msg === 'connection refused' && r.client === deviceId).map((r) => String(r.reason));

/** Starts the core without waiting and expects the broker to refuse it with `reason`. */
async function refused(core: DeviceCore, reason: RegExp): Promise<void> {
  const before = refusals(core.deviceId).length;
  await core.start({ wait: false });
  await waitFor(() => refusals(core.deviceId).slice(before).some((r) => reason.test(r)), `${core.deviceId} refused (${reason})`, 5000);
  await waitFor(() => /Not authorized/.test(core.linkStatus().lastError ?? ''), 'the device to see the refusal', 5000);
  assert.is(core.connected, false);
}

e2e('provision writes the fragment (0600) the firmware reads; the device connects with it and gets its config', async () => {
  const file = path.join(sys.dataDir, `${phone}.json`);
  const fragment = await provision(phone, file);
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.equal({ ...fragment, credentials: { ...fragment.credentials, token: '…' } }, { deviceId: phone, kind: 'phone', hubUrl: sys.hub.mqttUrl, credentials: { username: phone, token: '…' } });
  assert.match(fragment.credentials.token, /^[A-Za-z0-9_-]{43}$/);
  const parsed = parseDeviceConfig(fragment);
  assert.ok(parsed.ok, JSON.stringify(parsed));

  const core = device(phone, 'phone', fragment.credentials);
  await core.start();
  const config = await waitFor(() => core.mirror.config, 'the device config from the hub');
  assert.is(config.deviceId, phone);
  assert.ok(core.connected);
});

e2e('refused: the provisioned device without a login or with a wrong token; a device never provisioned; another client id with its login', async () => {
  const file = path.join(sys.dataDir, `${phone}.json`);
  const { credentials } = JSON.parse(readFileSync(file, 'utf8')) as { credentials: { username: string; token: string } };
  await refused(device(phone, 'phone'), /has a credential but gave none/);
  cores.splice(0).forEach((c) => void c.stop());
  await refused(device(phone, 'phone', { username: phone, token: credentials.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }), /wrong token/);
  await refused(device(kiosk, 'kiosk'), /no credential \(deviceAuth is required\)/);
  // a kiosk's client id with the phone's valid login
  await refused(device(kiosk, 'kiosk', credentials), /logs in with its own id/);
});

e2e('a kiosk is provisioned as a kiosk; the fragment can go to stdout; a file is not replaced without --force', async () => {
  const r = await omstil('provision', kiosk, ...apiArgs());
  assert.is(r.code, 0, r.stderr);
  const fragment = JSON.parse(r.stdout) as { kind: string; hubUrl: string; credentials: { token: string } };
  tokens.push(fragment.credentials.token);
  assert.is(fragment.kind, 'kiosk');
  assert.is(fragment.hubUrl, sys.hub.mqttUrl, 'without --mqtt-url: the URL the hub listens on');
  assert.match(r.stderr, /pass --mqtt-url/, 'it says a loopback hubUrl only works on the hub\'s machine');
  const core = device(kiosk, 'kiosk', { username: kiosk, token: fragment.credentials.token });
  await core.start();

  const file = path.join(sys.dataDir, 'existing.json');
  writeFileSync(file, '{"deviceId":"keep-me"}');
  const again = await omstil('provision', kiosk, '--out', file, ...apiArgs());
  assert.is(again.code, 2);
  assert.match(again.stderr, /exists: pass --force .*nothing was issued/);
  assert.is(readFileSync(file, 'utf8'), '{"deviceId":"keep-me"}');
  await sleep(300);
  assert.ok(core.connected, 'nothing was issued: the kiosk stays connected');
});

e2e('revoke disconnects the device at once; it cannot connect again, with or without its token', async () => {
  const file = path.join(sys.dataDir, `${phone}.json`);
  const { credentials } = JSON.parse(readFileSync(file, 'utf8')) as { credentials: { username: string; token: string } };
  const core = device(phone, 'phone', credentials);
  await core.start();
  const state = () => sys.hub.hub.fleet.snapshot(new Date()).devices.find((d) => d.deviceId === phone)?.state;
  await waitFor(() => state() === 'online', 'the hub to see the device online');
  const r = await omstil('revoke', phone, ...apiArgs());
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`revoked ${phone}'s token at `));
  await waitFor(() => !core.connected, 'the device to be disconnected', 1000);
  await waitFor(() => refusals(phone).some((x) => /revoked/.test(x)), 'its reconnect refused as revoked', 3000);
  await waitFor(() => state() === 'offline', 'the hub to see it offline (its Will)', 3000);
  await sleep(500);
  assert.is(core.connected, false, 'still off');
  await refused(device(phone, 'phone', credentials), /its credential is revoked/);
  await refused(device(phone, 'phone'), /its credential is revoked/);

  const twice = await omstil('revoke', phone, ...apiArgs());
  assert.is(twice.code, 1);
  assert.match(twice.stderr, /404 \(no-credential\): .*revoked at/);
});

e2e('provisioning again issues a new token: it connects, the old one is refused', async () => {
  const file = path.join(sys.dataDir, `${phone}.json`);
  const old = (JSON.parse(readFileSync(file, 'utf8')) as { credentials: { username: string; token: string } }).credentials;
  const fresh = (await provision(phone, file, '--force')).credentials;
  assert.is.not(fresh.token, old.token);
  const core = device(phone, 'phone', fresh);
  await core.start();
  await waitFor(() => core.mirror.config, 'the device config');
  await refused(device(phone, 'phone', old), /wrong token/);
  // rotating it again ends the session that used the token before
  const rotated = (await provision(phone, file, '--force')).credentials;
  await waitFor(() => !core.connected, 'the session on the replaced token to end', 1000);
  const next = device(phone, 'phone', rotated);
  await next.start();
  assert.ok(next.connected);
});

e2e('clear errors: an unknown device (1), a hub not reachable (2), no admin token (2)', async () => {
  const [unknown, revokeUnknown, down, noToken] = await Promise.all([
    omstil('provision', 'phone-nobody', ...apiArgs()),
    omstil('revoke', 'phone-nobody', ...apiArgs()),
    omstil('provision', phone, '--api', 'http://127.0.0.1:9', '--data-dir', sys.dataDir),
    omstil('revoke', phone, '--api', sys.hub.api!.url, '--data-dir', path.join(sys.dataDir, 'nowhere')),
  ]);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /404 \(unknown-device\): unknown device "phone-nobody"/);
  assert.is(unknown.stdout, '');
  assert.is(revokeUnknown.code, 1);
  assert.match(revokeUnknown.stderr, /unknown device "phone-nobody"/);
  assert.is(down.code, 2);
  assert.match(down.stderr, /cannot reach the hub at http:\/\/127\.0\.0\.1:9/);
  assert.is(noToken.code, 2);
  assert.match(noToken.stderr, /cannot read the admin token/);
});

e2e('the admin API: 201 with the token, not to be cached; 401 without the admin token', async () => {
  const other = sys.directory.data.devices.filter((d) => d.kind === 'phone')[1]!.id;
  const url = `${sys.hub.api!.url}/devices/${other}/credentials`;
  const admin = { authorization: `Bearer ${readFileSync(path.join(sys.dataDir, 'admin-token'), 'utf8').trim()}` };
  assert.is((await fetch(url, { method: 'POST' })).status, 401);
  assert.is((await fetch(url, { method: 'DELETE', headers: { authorization: 'Bearer wrong' } })).status, 401);
  const none = await fetch(url, { method: 'DELETE', headers: admin });
  assert.is(none.status, 404);
  assert.equal(((await none.json()) as { error: unknown }).error, { code: 'no-credential', message: `device "${other}" has no credential: it was never provisioned`, field: 'id' });
  const res = await fetch(url, { method: 'POST', headers: admin });
  assert.is(res.status, 201);
  assert.is(res.headers.get('cache-control'), 'no-store');
  const body = (await res.json()) as { deviceId: string; kind: string; token: string; issuedAt: string; mqttUrl: string };
  tokens.push(body.token);
  assert.equal(Object.keys(body).sort(), ['deviceId', 'issuedAt', 'kind', 'mqttUrl', 'token']);
  assert.equal([body.deviceId, body.kind, body.mqttUrl], [other, 'phone', sys.hub.mqttUrl]);
  assert.ok(Math.abs(Date.parse(body.issuedAt) - Date.now()) < 60_000);
  const revoked = await fetch(url, { method: 'DELETE', headers: admin });
  assert.is(revoked.status, 200);
  assert.equal(Object.keys((await revoked.json()) as object).sort(), ['deviceId', 'revokedAt']);
});

e2e('no token is in the hub\'s log or database; the journal says who was provisioned and revoked', () => {
  const log = JSON.stringify(sys.logger.records);
  const journal = sys.hub.store.journal(50);
  const db = readFileSync(sys.hub.dbFile).toString('latin1') + readFileSync(`${sys.hub.dbFile}-wal`).toString('latin1');
  assert.ok(tokens.length >= 4);
  for (const token of tokens) {
    assert.not.ok(log.includes(token), 'a token in the log');
    assert.not.ok(db.includes(token), 'a token in the database');
  }
  assert.ok(journal.some((e) => e.op === 'revoke-device' && (e.detail as { device: string }).device === phone));
  assert.ok(journal.some((e) => e.op === 'provision-device' && (e.detail as { rotated: boolean }).rotated));
});

e2e.run();
