import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { scratchFolder, thrown } from '../support/files.js';
import { ConfigError, ENV, loadConfig, type Config } from '../../broker/config.js';

const t = suite('broker/config');

const scratch = scratchFolder(t, 'omstil-config-');
const file = scratch.file;
const configError = (fn: () => unknown) => thrown(fn, ConfigError);

t('defaults, with an empty environment', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c, {
    host: '127.0.0.1',
    mqttPort: 1883,
    wsPort: 9001,
    httpPort: 8080,
    apiPort: 8090,
    adminToken: null,
    mqttUrl: null,
    mqttPassword: null,
    mqttAdmin: 'none',
    tlsCert: null,
    tlsKey: null,
    mqttsPort: 8883,
    wssPort: 9443,
    plainListeners: true,
    store: 'sqlite',
    dataDir: '.omstil',
    directory: null,
    calendars: null,
    calendarPollSeconds: 60,
    meetingPromptMinutes: 5,
    tentativeAs: 'free',
    pbx: 'none',
    pbxUrl: null,
    pbxEvents: null,
    pbxUser: null,
    pbxSecret: null,
    pbxReconcileSeconds: 30,
    sync: 'full',
    allowObservers: true,
    deviceAuth: 'required',
    logLevel: 'info',
    otaPublicKey: null,
    simPhones: null,
    simKiosks: null,
  } satisfies Config);
});

t('the process environment is not read when an env is given', () => {
  const saved = process.env.OMSTIL_MQTT_PORT;
  process.env.OMSTIL_MQTT_PORT = '1999';
  try {
    assert.is(loadConfig({ env: {} }).mqttPort, 1883);
    assert.is(loadConfig().mqttPort, 1999);
  } finally {
    if (saved === undefined) delete process.env.OMSTIL_MQTT_PORT;
    else process.env.OMSTIL_MQTT_PORT = saved;
  }
});

t('precedence: defaults < file < environment < overrides', () => {
  const f = file('prec.json', { mqttPort: 1000, httpPort: 1001, dataDir: '/from/file', logLevel: 'warn' });
  const env = { OMSTIL_HTTP_PORT: '2001', OMSTIL_DATA_DIR: '/from/env' };
  const c = loadConfig({ file: f, env, overrides: { dataDir: '/from/flag', logLevel: undefined } });
  assert.is(c.mqttPort, 1000); // file only
  assert.is(c.httpPort, 2001); // env beats file
  assert.is(c.dataDir, '/from/flag'); // override beats env and file
  assert.is(c.logLevel, 'warn'); // an undefined override does not hide the file's value
  assert.is(c.wsPort, 9001); // default
});

t('an empty environment variable counts as unset', () => {
  const c = loadConfig({ file: file('empty-env.json', { mqttPort: 1000 }), env: { OMSTIL_MQTT_PORT: '' } });
  assert.is(c.mqttPort, 1000);
});

t('every environment variable sets its key', () => {
  const c = loadConfig({
    env: {
      OMSTIL_HOST: '0.0.0.0',
      OMSTIL_MQTT_PORT: '0',
      OMSTIL_WS_PORT: '9101',
      OMSTIL_HTTP_PORT: '8181',
      OMSTIL_API_PORT: 'off',
      OMSTIL_ADMIN_TOKEN: 'a-long-enough-admin-token',
      OMSTIL_MQTT_URL: 'mqtts://broker.example:8883',
      OMSTIL_MQTT_PASSWORD: 'hemmeligt',
      OMSTIL_DATA_DIR: '/var/lib/omstil',
      OMSTIL_DIRECTORY: '/etc/omstil/directory.json',
      OMSTIL_SYNC: 'normal',
      OMSTIL_ALLOW_OBSERVERS: '0',
      OMSTIL_LOG_LEVEL: 'debug',
      OMSTIL_CALENDARS: '/etc/omstil/calendars.json',
      OMSTIL_CALENDAR_POLL_SECONDS: '120',
      OMSTIL_PBX: 'kamailio',
      OMSTIL_PBX_URL: 'http://127.0.0.1:5071/RPC',
      OMSTIL_PBX_EVENTS: '127.0.0.1:5072',
      OMSTIL_PBX_USER: 'omstil',
      OMSTIL_PBX_SECRET: 'hemmelig',
      OMSTIL_PBX_RECONCILE_SECONDS: '10',
      OMSTIL_OTA_PUBLIC_KEY: '/etc/omstil/keys',
      OMSTIL_DEVICE_AUTH: 'when-provisioned',
      OMSTIL_MQTT_ADMIN: 'mosquitto-dynsec',
      OMSTIL_TLS_CERT: '/etc/omstil/tls/hub.crt',
      OMSTIL_TLS_KEY: '/etc/omstil/tls/hub.key',
      OMSTIL_MQTTS_PORT: '8884',
      OMSTIL_WSS_PORT: 'off',
      OMSTIL_PLAIN_LISTENERS: 'false',
      OMSTIL_STORE: 'postgres://omstil:pw@db.example:5432/omstil',
    },
  });
  assert.equal([c.calendars, c.calendarPollSeconds], ['/etc/omstil/calendars.json', 120]);
  assert.equal(
    [c.pbx, c.pbxUrl, c.pbxEvents, c.pbxUser, c.pbxSecret, c.pbxReconcileSeconds],
    ['kamailio', 'http://127.0.0.1:5071/RPC', '127.0.0.1:5072', 'omstil', 'hemmelig', 10],
  );
  assert.equal(
    { host: c.host, mqttPort: c.mqttPort, wsPort: c.wsPort, httpPort: c.httpPort, apiPort: c.apiPort, adminToken: c.adminToken, mqttUrl: c.mqttUrl, mqttPassword: c.mqttPassword, dataDir: c.dataDir, directory: c.directory, sync: c.sync, allowObservers: c.allowObservers, logLevel: c.logLevel },
    { host: '0.0.0.0', mqttPort: 0, wsPort: 9101, httpPort: 8181, apiPort: null, adminToken: 'a-long-enough-admin-token', mqttUrl: 'mqtts://broker.example:8883', mqttPassword: 'hemmeligt', dataDir: '/var/lib/omstil', directory: '/etc/omstil/directory.json', sync: 'normal', allowObservers: false, logLevel: 'debug' },
  );
  assert.is(c.otaPublicKey, '/etc/omstil/keys');
  assert.is(c.deviceAuth, 'when-provisioned', 'the environment over the default (required)');
  assert.equal(
    [c.mqttAdmin, c.tlsCert, c.tlsKey, c.mqttsPort, c.wssPort, c.plainListeners, c.store],
    ['mosquitto-dynsec', '/etc/omstil/tls/hub.crt', '/etc/omstil/tls/hub.key', 8884, null, false, 'postgres://omstil:pw@db.example:5432/omstil'],
  );
  assert.is(Object.keys(ENV).length, 30, 'a new variable needs a line above');
});

t('OMSTIL_WS_PORT=off disables the WebSocket listener (null)', () => {
  assert.is(loadConfig({ env: { OMSTIL_WS_PORT: 'off' } }).wsPort, null);
  assert.is(loadConfig({ env: { OMSTIL_WS_PORT: '9002' } }).wsPort, 9002);
});

t('OMSTIL_ALLOW_OBSERVERS: 1/true and 0/false', () => {
  for (const v of ['1', 'true']) assert.is(loadConfig({ env: { OMSTIL_ALLOW_OBSERVERS: v } }).allowObservers, true, v);
  for (const v of ['0', 'false']) assert.is(loadConfig({ env: { OMSTIL_ALLOW_OBSERVERS: v } }).allowObservers, false, v);
});

t('a bad environment value gives a ConfigError naming the field and the variable', () => {
  const cases: [string, string, string][] = [
    ['OMSTIL_MQTT_PORT', 'abc', 'mqttPort'],
    ['OMSTIL_MQTT_PORT', '70000', 'mqttPort'],
    ['OMSTIL_MQTT_PORT', '1.5', 'mqttPort'],
    ['OMSTIL_HTTP_PORT', '-1', 'httpPort'],
    ['OMSTIL_WS_PORT', 'on', 'wsPort'],
    ['OMSTIL_SYNC', 'sometimes', 'sync'],
    ['OMSTIL_STORE', 'mysql://db/omstil', 'store'],
    ['OMSTIL_MQTT_ADMIN', 'emqx', 'mqttAdmin'],
    ['OMSTIL_LOG_LEVEL', 'verbose', 'logLevel'],
    ['OMSTIL_MQTT_URL', 'not a url', 'mqttUrl'],
    // fail fast (convention 7): a boolean that is neither 1/true nor 0/false is a typo, not "false"
    ['OMSTIL_ALLOW_OBSERVERS', 'yes', 'allowObservers'],
    ['OMSTIL_DEVICE_AUTH', 'optional', 'deviceAuth'],
  ];
  for (const [name, value, key] of cases) {
    const e = configError(() => loadConfig({ env: { [name]: value } }));
    assert.match(e.message, `config ${key} (${name})`, `${name}=${value}`);
  }
});

t('a bad value in the file or in an override names the field', () => {
  const e = configError(() => loadConfig({ file: file('bad-port.json', { mqttPort: 'high' }), env: {} }));
  assert.match(e.message, 'config mqttPort');
  const o = configError(() => loadConfig({ env: {}, overrides: { simPhones: -1 } }));
  assert.match(o.message, 'config simPhones');
});

t('the error names where the bad value came from: file, environment or command line', () => {
  const f = file('bad-src.json', { mqttPort: 'high' });
  assert.match(configError(() => loadConfig({ file: f, env: {} })).message, `config mqttPort (${f})`);
  assert.match(configError(() => loadConfig({ file: f, env: { OMSTIL_MQTT_PORT: 'x' } })).message, 'config mqttPort (OMSTIL_MQTT_PORT)');
  assert.match(configError(() => loadConfig({ env: { OMSTIL_MQTT_PORT: '1' }, overrides: { mqttPort: -5 } })).message, 'config mqttPort (command line)');
  // a blank number is an error, not port 0
  assert.match(configError(() => loadConfig({ env: { OMSTIL_HTTP_PORT: '  ' } })).message, 'config httpPort (OMSTIL_HTTP_PORT)');
});

t('an unknown key in the file is refused (strict), naming the key', () => {
  const e = configError(() => loadConfig({ file: file('typo.json', { mqttport: 1 }), env: {} }));
  assert.match(e.message, 'mqttport');
});

t('an unreadable or non-JSON file gives a ConfigError naming the file', () => {
  const missing = path.join(scratch.dir(), 'nope.json');
  assert.match(configError(() => loadConfig({ file: missing, env: {} })).message, `config file ${missing}`);
  const broken = file('broken.json', '{ "mqttPort": ');
  assert.match(configError(() => loadConfig({ file: broken, env: {} })).message, `config file ${broken}`);
});

t.run();
