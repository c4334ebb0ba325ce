/**
 * Issue 10, the embedded broker over TLS: the certificate and key are checked at start with
 * errors that name the config key, before anything listens; with `plainListeners: false` the
 * clear listener answers on loopback only (the hub's own links) and there is no clear
 * WebSocket, while MQTT over TLS answers from outside; stop() returns with TLS clients
 * connected and with a client stuck before its handshake.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt, { type MqttClient } from 'mqtt';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../../broker/config.js';
import { Directory } from '../../../broker/directory/directory.js';
import { startHubService } from '../../../broker/main.js';
import { AccessControl, HUB_USERNAME } from '../../../broker/mqtt/access.js';
import { readBrokerTls } from '../../../broker/mqtt/broker-tls.js';
import { EmbeddedBroker, LOOPBACK } from '../../../broker/mqtt/embedded-broker.js';
import { memoryLogger } from '../../../protocol/index.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';
import { freePort } from '../../support/hub-process.js';
import { needBinary } from '../../support/system-deps.js';
import { tempDir } from '../../support/system.js';
import { makeTestPki, type TestPki } from '../../support/tls-certs.js';

const t = suite('broker/mqtt/tls');
const openssl = needBinary('openssl', 'openssl', 'MQTT over TLS with a throwaway CA');
let pki: TestPki | null = null;
const directory = Directory.parse(demoDirectory({ peoplePerDept: 2, kiosks: 1 }));
const clients: MqttClient[] = [];

t.before(() => {
  if (openssl) pki = makeTestPki(openssl);
});
t.after.each(() => {
  for (const c of clients.splice(0)) c.end(true);
});
t.after(() => pki?.remove());

function connected(c: MqttClient): Promise<void> {
  clients.push(c);
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
}

/** Where a TCP connection to host:port ends: 'connected' or the error code. */
function reach(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port }, () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

function broker(host: string, plainListeners: boolean): EmbeddedBroker {
  return new EmbeddedBroker({
    host,
    port: 0,
    wsPort: 0,
    access: new AccessControl(() => directory, { hubPassword: 'hub-secret', allowObservers: true }),
    logger: memoryLogger('warn'),
    tls: { cert: readFileSync(pki!.certFile), key: readFileSync(pki!.keyFile), mqttsPort: 0, wssPort: 0 },
    plainListeners,
  });
}

t('the certificate and key: both or neither, readable, a certificate, a key that fits it; errors name the key', () => {
  if (!pki) return;
  type Keys = Parameters<typeof readBrokerTls>[0];
  const base: Keys = { tlsCert: null, tlsKey: null, plainListeners: true };
  const fails = (c: Partial<Keys>, message: RegExp) => {
    try {
      readBrokerTls({ ...base, ...c });
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.match((err as Error).message, message);
      return;
    }
    assert.unreachable(`accepted ${JSON.stringify(c)}`);
  };
  assert.is(readBrokerTls(base), null, 'neither: no TLS');
  fails({ tlsCert: pki.certFile }, /^config tlsKey: must be set with tlsCert/);
  fails({ tlsKey: pki.keyFile }, /^config tlsCert: must be set with tlsKey/);
  fails({ plainListeners: false }, /^config plainListeners: false needs tlsCert and tlsKey/);
  fails({ tlsCert: '/nonexistent/hub.pem', tlsKey: pki.keyFile }, /^config tlsCert: cannot read \/nonexistent\/hub\.pem: ENOENT$/);
  fails({ tlsCert: pki.certFile, tlsKey: '/nonexistent/hub.key' }, /^config tlsKey: cannot read \/nonexistent\/hub\.key: ENOENT$/);
  fails({ tlsCert: pki.keyFile, tlsKey: pki.keyFile }, /^config tlsCert: .* holds no PEM certificate/);
  fails({ tlsCert: pki.certFile, tlsKey: path.join(pki.dir, 'other-ca.key') }, /^config tlsKey: .*other-ca\.key does not fit the certificate/);

  const alone = readBrokerTls({ ...base, tlsCert: pki.certFile, tlsKey: pki.keyFile })!;
  assert.is(alone.trustAnchors, null, 'a chain without its root offers devices no ca');
  assert.match(alone.names, /DNS:localhost/);
  assert.ok(alone.validTo.getTime() > Date.now());
  const chain = readBrokerTls({ ...base, tlsCert: pki.chainFile, tlsKey: pki.keyFile })!;
  assert.is(chain.trustAnchors!.trim(), pki.caPem.trim(), 'the root in the chain is what devices can trust');
});

t('the hub refuses to start with an unreadable certificate, before anything listens', async () => {
  if (!pki) return;
  const dataDir = tempDir();
  const [mqttPort, apiPort] = [await freePort(), await freePort()];
  const config = loadConfig({ env: {}, overrides: { mqttPort, wsPort: null, apiPort, dataDir, sync: 'normal', tlsCert: path.join(dataDir, 'missing.pem'), tlsKey: pki.keyFile } });
  try {
    await startHubService(config, { logger: memoryLogger('silent'), directory });
    assert.unreachable('started');
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.is((err as Error).message, `config tlsCert: cannot read ${path.join(dataDir, 'missing.pem')}: ENOENT`);
  }
  assert.is(await reach(LOOPBACK, mqttPort), 'ECONNREFUSED');
  assert.is(await reach(LOOPBACK, apiPort), 'ECONNREFUSED');
});

t('plainListeners false: clear MQTT on loopback only, no clear WebSocket; MQTT over TLS and WSS from outside', async () => {
  if (!pki) return;
  const b = broker('0.0.0.0', false);
  await b.start();
  try {
    const plainPort = Number(new URL(b.mqttUrl).port);
    assert.is(new URL(b.mqttUrl).hostname, LOOPBACK);
    assert.is(b.wsUrl, null, 'no clear WebSocket');
    assert.ok(b.mqttsUrl && b.wssUrl);
    // the hub's own link: in clear over loopback
    await connected(mqtt.connect(b.mqttUrl, { clientId: 'omstil-hub', username: HUB_USERNAME, password: 'hub-secret', reconnectPeriod: 0 }));

    const outside = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (!outside) {
      process.stdout.write('\n  skipped part: no non-loopback IPv4 address on this machine to test "from outside" with\n');
      return;
    }
    assert.is(await reach(outside, plainPort), 'ECONNREFUSED', `clear MQTT must not answer on ${outside}`);
    const tlsPort = Number(new URL(b.mqttsUrl).port);
    const wssPort = Number(new URL(b.wssUrl).port);
    // from outside over TLS, verified against the CA (the name checked is localhost, which the certificate carries)
    const ca = readFileSync(pki.caFile);
    await connected(mqtt.connect(`mqtts://${outside}:${tlsPort}`, { clientId: 'observer-tls', ca, servername: 'localhost', rejectUnauthorized: true, reconnectPeriod: 0 }));
    await connected(
      mqtt.connect(`wss://${outside}:${wssPort}/mqtt`, { clientId: 'observer-wss', reconnectPeriod: 0, wsOptions: { ca, servername: 'localhost', rejectUnauthorized: true } as object }),
    );
  } finally {
    await b.stop();
  }
});

t('stop() returns with clients connected over TLS and WSS and one that never finished its handshake', async () => {
  if (!pki) return;
  const b = broker(LOOPBACK, true);
  await b.start();
  let stopCalled = false;
  try {
    const ca = readFileSync(pki.caFile);
    const tlsClients = [mqtt.connect(b.mqttsUrl!, { clientId: 'observer-tls', ca, reconnectPeriod: 0 }), mqtt.connect(b.wssUrl!, { clientId: 'observer-wss', ca, reconnectPeriod: 0 })];
    await Promise.all(tlsClients.map(connected));
    // a TCP connection to the TLS port that sends nothing: no handshake, never an Aedes client
    const stuck = net.connect(Number(new URL(b.mqttsUrl!).port), LOOPBACK);
    await new Promise((r) => stuck.once('connect', r));
    const closed = Promise.all([...tlsClients.map((c) => new Promise<void>((r) => c.once('close', () => r()))), new Promise<void>((r) => stuck.once('close', () => r()))]);
    let timer: NodeJS.Timeout | undefined;
    const began = Date.now();
    stopCalled = true;
    const stopped = await Promise.race([b.stop().then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 10_000)))]);
    clearTimeout(timer);
    assert.ok(stopped, 'stop() did not return within 10 s');
    assert.ok(Date.now() - began < 5000, `stop() took ${Date.now() - began} ms`);
    await closed;
    assert.is(b.instance, null);
  } finally {
    if (!stopCalled) await b.stop();
  }
});

t.run();
