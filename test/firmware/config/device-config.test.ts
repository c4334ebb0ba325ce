import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { scratchFolder, thrown } from '../../support/files.js';
import {
  bootConfigOf,
  DeviceConfigError,
  hasField,
  loadDeviceConfig,
  parseDeviceConfig,
  REDACTED,
  redacted,
  saveDeviceConfig,
  withValue,
  type ProvisionedConfig,
} from '../../../firmware/config/device-config.js';

const t = suite('firmware/config/device-config');

const scratch = scratchFolder(t, 'omstil-device-config-');
const file = scratch.file;
const configError = (fn: () => unknown) => thrown(fn, DeviceConfigError);

function parsed(raw: unknown): ProvisionedConfig {
  const r = parseDeviceConfig(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

const DEFAULTS: ProvisionedConfig = {
  deviceId: 'phone-anna',
  kind: 'phone',
  hubUrl: 'mqtt://127.0.0.1:1883',
  ui: { host: '127.0.0.1', port: 8080 },
  log: { level: 'info', maxBytes: 1024 * 1024, files: 5 },
  peripherals: { busylight: true, button: true, headset: true },
  reconnect: { minMs: 1000, maxMs: 30_000, plateau: 12 },
};

t('only the device id is needed; the rest has defaults', () => {
  assert.equal(parsed({ deviceId: 'phone-anna' }), DEFAULTS);
});

t('boot: absent means the launcher defaults; given in part keeps the rest; bad fields named; settable on the console', () => {
  assert.is(parsed({ deviceId: 'd' }).boot, undefined, 'not written into configs that do not set it');
  assert.equal(bootConfigOf(parsed({ deviceId: 'd' })), { dir: '/var/lib/omstil/boot', publicKeyFile: '/etc/omstil/omstil-signing.pub', healthTimeoutS: 60 });
  assert.equal(bootConfigOf(parsed({ deviceId: 'd', boot: { dir: '/data/boot' } })), { dir: '/data/boot', publicKeyFile: '/etc/omstil/omstil-signing.pub', healthTimeoutS: 60 });
  const bad = parseDeviceConfig({ deviceId: 'd', boot: { healthTimeoutS: 1, slot: 'c' } });
  assert.equal(bad.ok ? [] : bad.errors.map((e) => e.path).sort(), ['boot.healthTimeoutS', 'boot.slot']);
  assert.ok(hasField('boot.healthTimeoutS'));
  const set = withValue(parsed({ deviceId: 'd' }), 'boot.healthTimeoutS', '120');
  assert.equal(set.ok && bootConfigOf(set.config).healthTimeoutS, 120);
});

t('a group given in part keeps the defaults of the rest', () => {
  const c = parsed({ deviceId: 'phone-anna', ui: { port: 9000 }, peripherals: { headset: false } });
  assert.equal(c.ui, { host: '127.0.0.1', port: 9000 });
  assert.equal(c.peripherals, { busylight: true, button: true, headset: false });
});

t('the hub URL takes mqtt, mqtts, ws and wss only, with a host', () => {
  for (const url of ['mqtt://hub:1883', 'mqtts://hub.kommune.dk:8883', 'ws://10.0.0.2:9001', 'wss://hub.kommune.dk/mqtt', 'mqtt://[::1]:1883']) {
    assert.ok(parseDeviceConfig({ deviceId: 'd', hubUrl: url }).ok, url);
  }
  for (const url of ['http://hub:80', 'tcp://hub:1883', 'hub:1883', 'mqtt:hub', '']) {
    const r = parseDeviceConfig({ deviceId: 'd', hubUrl: url });
    assert.equal(r.ok ? [] : r.errors.map((e) => e.path), ['hubUrl'], url);
  }
});

t('every bad field is named by its dotted path', () => {
  const r = parseDeviceConfig({
    deviceId: 'Not An Id',
    kind: 'desk',
    ui: { port: 70000, colour: 'red' },
    log: { level: 'loud', files: 0 },
    credentials: { username: 'phone-anna' },
    extra: 1,
  });
  assert.not.ok(r.ok);
  const paths = r.ok ? [] : r.errors.map((e) => e.path).sort();
  assert.equal(paths, ['credentials.token', 'deviceId', 'extra', 'kind', 'log.files', 'log.level', 'ui.colour', 'ui.port']);
  const colour = r.ok ? undefined : r.errors.find((e) => e.path === 'ui.colour');
  assert.is(colour?.message, 'unknown field');
});

t('reconnect.maxMs may not be below reconnect.minMs', () => {
  const r = parseDeviceConfig({ deviceId: 'd', reconnect: { minMs: 5000, maxMs: 2000 } });
  assert.equal(r.ok ? [] : r.errors.map((e) => e.path), ['reconnect.maxMs']);
});

t('redacted() hides the token and leaves the config itself alone', () => {
  const c = parsed({ deviceId: 'd', credentials: { username: 'd', token: 's3cret-token' } });
  const shown = redacted(c);
  assert.equal(shown.credentials, { username: 'd', token: REDACTED });
  assert.not.match(JSON.stringify(shown), 's3cret');
  assert.is(c.credentials?.token, 's3cret-token');
});

t('withValue() turns text into the field type and validates', () => {
  const c = parsed({ deviceId: 'd' });
  const port = withValue(c, 'ui.port', '9090');
  assert.is(port.ok && port.config.ui.port, 9090);
  const light = withValue(c, 'peripherals.busylight', 'false');
  assert.is(light.ok && light.config.peripherals.busylight, false);
  const creds = withValue(c, 'credentials', '{"username":"d","token":"12345"}');
  assert.equal(creds.ok && creds.config.credentials, { username: 'd', token: '12345' });
  // a token of digits stays a string
  const token = withValue(creds.ok ? creds.config : c, 'credentials.token', '67890');
  assert.is(token.ok && token.config.credentials?.token, '67890');
  const bad = withValue(c, 'ui.port', 'eighty');
  assert.equal(bad.ok ? [] : bad.errors.map((e) => e.path), ['ui.port']);
  const unknown = withValue(c, 'ui.colour', 'red');
  assert.equal(unknown.ok ? null : unknown.errors, [{ path: 'ui.colour', message: 'no such field' }]);
  assert.equal(c, parsed({ deviceId: 'd' }), 'the config passed in is not changed');
});

t('hasField() knows fields, groups and optional fields, and nothing else', () => {
  for (const p of ['deviceId', 'ui', 'ui.port', 'credentials.token', 'log.dir', 'reconnect.maxMs']) assert.ok(hasField(p), p);
  for (const p of ['ui.colour', 'ui.port.x', 'deviceId.x', 'nope', '']) assert.not.ok(hasField(p), p);
});

t('loadDeviceConfig: the file over the defaults', () => {
  const f = file('file.json', { deviceId: 'kiosk-1', kind: 'kiosk', hubUrl: 'mqtts://hub:8883', log: { dir: '/var/log/omstil' } });
  const c = loadDeviceConfig(f, {});
  assert.equal(c, { ...DEFAULTS, deviceId: 'kiosk-1', kind: 'kiosk', hubUrl: 'mqtts://hub:8883', log: { ...DEFAULTS.log, dir: '/var/log/omstil' } });
});

t('loadDeviceConfig: the environment over the file, with the names firmware/main.ts reads', () => {
  const f = file('env.json', { deviceId: 'phone-anna', ui: { host: '0.0.0.0', port: 8000 } });
  const c = loadDeviceConfig(f, {
    OMSTIL_DEVICE_ID: 'phone-bo',
    OMSTIL_DEVICE_KIND: 'kiosk',
    OMSTIL_MQTT_URL: 'ws://hub:9001',
    OMSTIL_UI_PORT: '8181',
    OMSTIL_LOG_LEVEL: 'debug',
    OMSTIL_UI_DIR: '/ignored/here',
  });
  assert.equal([c.deviceId, c.kind, c.hubUrl, c.ui, c.log.level], ['phone-bo', 'kiosk', 'ws://hub:9001', { host: '0.0.0.0', port: 8181 }, 'debug']);
  assert.equal(loadDeviceConfig(f, { OMSTIL_UI_PORT: '' }).ui.port, 8000, 'an empty variable is not set');
});

t('loadDeviceConfig: no file means defaults and environment only', () => {
  const c = loadDeviceConfig(path.join(scratch.dir(), 'absent.json'), { OMSTIL_DEVICE_ID: 'phone-anna' });
  assert.equal(c, DEFAULTS);
});

t('loadDeviceConfig: a bad-config error names every bad path, and the variable it came from', () => {
  const f = file('bad.json', { deviceId: 'phone-anna', hubUrl: 'http://hub', log: { level: 'loud' } });
  const err = configError(() => loadDeviceConfig(f, { OMSTIL_UI_PORT: '99999' }));
  assert.is(err.code, 'bad-config');
  assert.equal(err.issues.map((i) => i.path).sort(), ['hubUrl', 'log.level', 'ui.port']);
  assert.match(err.message, f);
  assert.match(err.message, /hubUrl: must be an mqtt:\/\//);
  assert.match(err.message, /ui\.port: .*\(from OMSTIL_UI_PORT\)/);
  assert.match(configError(() => loadDeviceConfig(f, { OMSTIL_UI_PORT: 'x' })).message, /ui\.port: .*expected number.*\(from OMSTIL_UI_PORT\)/);
});

t('loadDeviceConfig: a file that is not a JSON object is refused', () => {
  assert.match(configError(() => loadDeviceConfig(file('broken.json', '{"deviceId": '), {})).message, 'broken.json');
  assert.match(configError(() => loadDeviceConfig(file('array.json', '[]'), {})).message, 'must be a JSON object');
  assert.equal(configError(() => loadDeviceConfig(file('group.json', { deviceId: 'd', ui: 5 }), { OMSTIL_UI_PORT: '1' })).issues.map((i) => i.path), ['ui']);
});

t('saveDeviceConfig writes what loadDeviceConfig reads, readable by the owner only', async () => {
  const f = path.join(scratch.dir(), 'saved.json');
  const c = parsed({ deviceId: 'phone-anna', credentials: { username: 'phone-anna', token: 'tok' }, ui: { port: 8123 } });
  await saveDeviceConfig(f, c);
  assert.equal(loadDeviceConfig(f, {}), c);
  assert.is(statSync(f).mode & 0o777, 0o600);
  assert.not.ok(readdirSync(scratch.dir()).some((n) => n.endsWith('.tmp')), 'no temporary file left');
});

t('saveDeviceConfig refuses an invalid config and leaves the file alone', async () => {
  const f = file('keep.json', { deviceId: 'phone-anna' });
  const bad = { ...parsed({ deviceId: 'phone-anna' }), hubUrl: 'http://x' };
  try {
    await saveDeviceConfig(f, bad);
    assert.unreachable('saved');
  } catch (err) {
    assert.instance(err, DeviceConfigError);
    assert.equal((err as DeviceConfigError).issues.map((i) => i.path), ['hubUrl']);
  }
  assert.equal(JSON.parse(readFileSync(f, 'utf8')), { deviceId: 'phone-anna' });
});

t('saveDeviceConfig: when writing fails the old file stays whole', async () => {
  const f = file('old.json', { deviceId: 'phone-anna', ui: { port: 8001 } });
  // a folder where the temporary file would go makes the write fail
  mkdirSync(`${f}.tmp`);
  try {
    await saveDeviceConfig(f, parsed({ deviceId: 'phone-bo' }));
    assert.unreachable('saved');
  } catch (err) {
    assert.is((err as NodeJS.ErrnoException).code, 'EISDIR');
  }
  assert.equal(JSON.parse(readFileSync(f, 'utf8')), { deviceId: 'phone-anna', ui: { port: 8001 } });
  rmSync(`${f}.tmp`, { recursive: true });
});

t('issue 10: ca takes PEM certificates only (one or a chain), and names the field otherwise', () => {
  const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
  const one = pem('MIIBszCCAVmgAwIBAgIUQk9v\nZ3VzIGNlcnRpZmljYXRl');
  assert.is(parsed({ deviceId: 'phone-anna', ca: one }).ca, one);
  assert.ok(parseDeviceConfig({ deviceId: 'phone-anna', ca: one + pem('QW5vdGhlcg==') }).ok, 'a chain');
  for (const bad of ['', 'not a certificate', `# root\n${one}`, pem('MIIB').replace('CERTIFICATE', 'PRIVATE KEY')]) {
    const r = parseDeviceConfig({ deviceId: 'phone-anna', ca: bad });
    assert.not.ok(r.ok, JSON.stringify(bad));
    assert.equal(!r.ok && r.errors.map((e) => e.path), ['ca']);
  }
});

t.run();
