/**
 * Issue 10, transport security end to end: a hub with a certificate from a throwaway CA,
 * `deviceAuth: 'required'` and TLS only (`plainListeners: false`: its own links run over the
 * loopback listener). The admin API and `omstil provision` give a device the mqtts:// URL and
 * the CA; the real device core connects over MQTT over TLS and over WSS with its token,
 * trusting only that CA, and a diversion goes through the hub to the PBX and the other phone.
 * A client that does not trust the CA is refused on the certificate; the access rules hold
 * over TLS as in clear. The token never crosses the wire readable over TLS (a relay records
 * the bytes; the same relay to the loopback mqtt:// listener shows it, as the control). The
 * firmware process (firmware/main.ts) runs from a fragment with `ca` and shows the hub's
 * state; with the wrong CA it never connects.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import { Command } from 'commander';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DeviceCore } from '../../firmware/device-core.js';
import { parseDeviceConfig } from '../../firmware/config/device-config.js';
import { memoryLogger, systemClock } from '../../protocol/index.js';
import { registerProvisionCommands } from '../../tools/cli/provision-command.js';
import { ROOT } from '../support/hub-process.js';
import { needBinary } from '../support/system-deps.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { makeTestPki, type TestPki } from '../support/tls-certs.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/tls');
const openssl = needBinary('openssl', 'openssl', 'MQTT over TLS with a throwaway CA');

let pki: TestPki | null = null;
let sys: TestSystem;
let A: string, B: string;
const cores: DeviceCore[] = [];
const children: ChildProcess[] = [];
const servers: net.Server[] = [];

e2e.before(async () => {
  if (!openssl) return;
  pki = makeTestPki(openssl);
  // the chain file carries its root, so the hub can hand devices the CA in their fragment;
  // TLS only: the hub's own links run over the loopback listener
  sys = await startSystem({ phones: 0, kiosks: 0, config: { tlsCert: pki.chainFile, tlsKey: pki.keyFile, mqttsPort: 0, wssPort: 0, plainListeners: false, deviceAuth: 'required' } });
  const a = sys.directory.data.people[0]!;
  A = a.id;
  B = a.preferred[0]!;
});

e2e.after.each(async () => {
  await Promise.all(cores.splice(0).map((c) => c.stop()));
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const s of servers.splice(0)) s.close();
});

e2e.after(async () => {
  await sys?.stop();
  pki?.remove();
});

/** A phone core as firmware/main.ts makes it from a fragment: token, and `ca` with verification on. */
function phone(person: string, url: string, opts: { token?: string; ca?: string | Buffer } = {}): DeviceCore {
  const deviceId = `phone-${person}`;
  const core = new DeviceCore({
    deviceId,
    kind: 'phone',
    mqttUrl: url,
    clock: systemClock,
    logger: memoryLogger('silent'),
    reconnect: { minMs: 100, maxMs: 300 },
    mqttOptions: {
      username: deviceId,
      password: opts.token ?? sys.hub.credentials!.issue(deviceId).token,
      ...(opts.ca ? { ca: opts.ca } : {}),
      rejectUnauthorized: true,
    },
  });
  cores.push(core);
  return core;
}

/** A TCP relay to 127.0.0.1:port that keeps every byte both ways. */
async function relay(port: number): Promise<{ port: number; bytes: () => Buffer }> {
  const seen: Buffer[] = [];
  const server = net.createServer((inbound) => {
    const outbound = net.connect(port, '127.0.0.1');
    inbound.on('data', (d: Buffer) => seen.push(Buffer.from(d)));
    outbound.on('data', (d: Buffer) => seen.push(Buffer.from(d)));
    inbound.pipe(outbound).pipe(inbound);
    const end = () => (inbound.destroy(), outbound.destroy());
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, bytes: () => Buffer.concat(seen) };
}

/**
 * `omstil provision …` in this process (the command as the CLI registers it; a process of its
 * own costs seconds of start-up); returns what it said on stderr.
 */
async function provisionInProcess(...args: string[]): Promise<string> {
  const program = new Command('omstil').exitOverride();
  registerProvisionCommands(program);
  let said = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => ((said += String(chunk)), true)) as typeof process.stderr.write;
  try {
    await program.parseAsync(['provision', ...args], { from: 'user' });
  } finally {
    process.stderr.write = write;
  }
  const code = process.exitCode;
  process.exitCode = undefined;
  assert.is(code, 0, said);
  return said;
}

const portOf = (url: string) => Number(new URL(url).port);

e2e('provisioning: the admin API gives the mqtts:// URL and the CA; omstil provision --ca writes them into a fragment the firmware takes', async () => {
  if (!pki) return;
  assert.ok(sys.hub.mqttsUrl && sys.hub.wssUrl, 'TLS listeners on');
  assert.is(sys.hub.wsUrl, null, 'plainListeners false: no clear WebSocket');
  assert.is(new URL(sys.hub.mqttUrl).hostname, '127.0.0.1', 'plainListeners false: clear MQTT on loopback, for the hub itself');
  const adminToken = readFileSync(sys.hub.adminTokenFile!, 'utf8').trim();
  const res = await fetch(`${sys.hub.api!.url}/devices/phone-${A}/credentials`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
  assert.is(res.status, 201);
  const issued = (await res.json()) as { mqttUrl: string; ca?: string };
  assert.is(issued.mqttUrl, sys.hub.mqttsUrl, 'devices are given the TLS URL');
  assert.is(issued.ca?.trim(), pki.caPem.trim(), 'and the root the hub\'s chain carries');

  // IT's own CA file (a bundle with comments around the certificate) goes into the fragment
  const file = path.join(sys.dataDir, 'fragment.json');
  const bundle = path.join(sys.dataDir, 'bundle.pem');
  writeFileSync(bundle, `# municipal root\n${pki.caPem}\n# end\n`);
  const stderr = await provisionInProcess(`phone-${A}`, '--out', file, '--ca', bundle, '--api', sys.hub.api!.url, '--token-file', sys.hub.adminTokenFile!);
  const fragment = JSON.parse(readFileSync(file, 'utf8')) as { hubUrl: string; ca?: string };
  assert.is(fragment.hubUrl, sys.hub.mqttsUrl);
  assert.is(fragment.ca, pki.caPem.trim() + '\n', 'the certificate alone, without the comments');
  assert.not.match(stderr, /no ca in the fragment/);
  const parsed = parseDeviceConfig(fragment);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  assert.is(parsed.ok && parsed.config.ca, fragment.ca);
  assert.not.ok(parseDeviceConfig({ ...fragment, ca: `# comment\n${pki.caPem}` }).ok, 'the device config takes only PEM certificates');
});

e2e('a divert end to end: A over mqtts://, B over wss://, both with their tokens and trusting only the CA', async () => {
  if (!pki) return;
  const a = phone(A, sys.hub.mqttsUrl!, { ca: pki.caPem });
  const b = phone(B, sys.hub.wssUrl!, { ca: pki.caPem });
  await Promise.all([a.start(), b.start()]);
  await waitFor(() => a.mirror.me && b.mirror.me, 'both phones to show their person');
  const extA = sys.directory.people.get(A)!.extension;
  const extB = sys.directory.people.get(B)!.extension;
  await a.call('divert', { target: B });
  await waitFor(() => b.mirror.me?.incoming.find((i) => i.from === A), 'B (over wss) to be told');
  await waitFor(() => a.mirror.me?.ownDiversion?.status === 'active', 'A (over mqtts) to see its diversion');
  await waitFor(() => sys.pbx.forwardOf(extA) === extB, 'the PBX to have the forward');
  assert.equal(sys.pbx.call('citizen', extA).route, [extA, extB], 'a call to A goes to B');
  await a.call('undivert', {});
  await waitFor(() => sys.pbx.forwardOf(extA) === null, 'the forward to be cleared');
});

e2e('refused: a client that does not trust the CA (certificate error), over mqtts and wss; a device without its token over TLS', async () => {
  if (!pki) return;
  const attempt = (url: string, ca?: Buffer) =>
    new Promise<Error>((resolve, reject) => {
      const c = mqtt.connect(url, { clientId: 'observer-x', reconnectPeriod: 0, connectTimeout: 5000, rejectUnauthorized: true, ...(ca ? { ca } : {}) });
      c.once('connect', () => (c.end(true), reject(new Error(`${url}: connected without trusting the CA`))));
      c.once('error', (err) => (c.end(true), resolve(err)));
    });
  const other = readFileSync(pki.otherCaFile);
  for (const url of [sys.hub.mqttsUrl!, sys.hub.wssUrl!]) {
    // Node's own CA list (no ca) and a CA that signed nothing here
    for (const ca of [undefined, other]) {
      const err = await attempt(url, ca);
      assert.match(`${(err as NodeJS.ErrnoException).code} ${err.message}`, /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT|self.signed certificate|unable to get (local )?issuer/i, `${url}: ${err.message}`);
    }
  }
  const refusals = () => sys.logger.records.filter((r) => r.msg === 'connection refused' && r.client === `phone-${A}`).length;
  const before = refusals();
  const wrong = phone(A, sys.hub.mqttsUrl!, { token: 'not-the-token', ca: pki.caPem });
  await wrong.start({ wait: false });
  await waitFor(() => refusals() > before, 'the broker to refuse the wrong token over TLS');
  await waitFor(() => /Not authorized/.test(wrong.linkStatus().lastError ?? ''), 'the device to see the refusal');
  assert.is(wrong.connected, false);
});

e2e('the token is not on the wire over mqtts:// or wss://; over mqtt:// it is (the control)', async () => {
  if (!pki) return;
  const cases = [
    { url: (p: number) => `mqtts://localhost:${p}`, to: portOf(sys.hub.mqttsUrl!), clear: false },
    { url: (p: number) => `wss://localhost:${p}/mqtt`, to: portOf(sys.hub.wssUrl!), clear: false },
    { url: (p: number) => `mqtt://localhost:${p}`, to: portOf(sys.hub.mqttUrl), clear: true },
  ];
  for (const c of cases) {
    const r = await relay(c.to);
    const token = sys.hub.credentials!.issue(`phone-${A}`).token;
    const core = phone(A, c.url(r.port), { token, ca: pki.caPem });
    await core.start();
    await waitFor(() => core.mirror.me, `${c.url(r.port)}: the phone to show its person`);
    await core.stop();
    const bytes = r.bytes();
    assert.ok(bytes.length > 500, `${c.url(r.port)}: the relay saw the session (${bytes.length} bytes)`);
    if (c.clear) {
      assert.ok(bytes.includes(token), 'the control: in clear the token is in the bytes');
    } else {
      assert.is(bytes.includes(token), false, `${c.url(r.port)}: the token crossed the wire readable`);
      assert.is(bytes.includes(Buffer.from(`phone-${A}`)), false, `${c.url(r.port)}: the device id crossed the wire readable`);
      assert.is(bytes[0], 0x16, 'the first byte starts a TLS handshake record');
    }
  }
});

e2e('the firmware process from a fragment with ca shows the hub\'s state over mqtts://; with the wrong CA it never connects', async () => {
  if (!pki) return;
  const start = (name: string, ca: string) => {
    const deviceId = `phone-${B}`;
    const file = path.join(sys.dataDir, `${name}.json`);
    const fragment = { deviceId, kind: 'phone', hubUrl: sys.hub.mqttsUrl, credentials: { username: deviceId, token: sys.hub.credentials!.issue(deviceId).token }, ca };
    writeFileSync(file, JSON.stringify({ ...fragment, ui: { port: 0 }, peripherals: { busylight: false, button: false, headset: false }, reconnect: { minMs: 200, maxMs: 400 } }), { mode: 0o600 });
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'firmware/main.ts'), '--config', file], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    return () => err;
  };
  const wrong = start('wrong-ca', readFileSync(pki.otherCaFile, 'utf8'));
  await waitFor(() => /mqtt error.*(unable to get (local )?issuer|self.signed)/i.test(wrong()), 'the wrong-CA firmware to report the certificate error', 10_000, 50);
  assert.not.match(wrong(), /showing state/);
  for (const c of children.splice(0)) c.kill('SIGKILL');
  const right = start('right-ca', pki.caPem);
  await waitFor(() => /"showing state"/.test(right()), 'the firmware to show the hub\'s state', 10_000, 50);
  assert.not.match(right(), /mqtt error/);
});

e2e.run();
