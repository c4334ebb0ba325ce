/**
 * Wires the hub together: directory, SQLite store, embedded (or external) broker, PBX.
 * The only place in broker/ that chooses adapters.
 */
import v8 from 'node:v8';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock, type Logger } from '../protocol/index.js';
import type { Config } from './config.js';
import { Directory } from './directory/directory.js';
import { loadDirectory } from './directory/load-directory.js';
import { createCalendarSources, readCalendarSpecs } from './calendar/calendar-config.js';
import type { CalendarSource } from './calendar/calendar-source.js';
import { caldavHomeProbes } from './calendar/caldav-home.js';
import { CalendarSync } from './calendar/calendar-sync.js';
import { AutoReplySync } from './calendar/auto-reply.js';
import { GraphCalendar } from './calendar/graph-calendar.js';
import { AdminApi } from './http/admin-api.js';
import { Hub } from './hub.js';
import { AccessControl, HUB_USERNAME } from './mqtt/access.js';
import { EmbeddedBroker } from './mqtt/embedded-broker.js';
import { readBrokerTls, type BrokerTls } from './mqtt/broker-tls.js';
import { DeviceCredentials } from './mqtt/device-credentials.js';
import { MosquittoDynsec } from './mqtt/mosquitto-dynsec.js';
import { createPbx } from './pbx/create-pbx.js';
import type { PbxPort } from './pbx/pbx-port.js';
import { openStore, isPostgresStore, type OpenedStore } from './store/create-store.js';
import { PostgresHubLock } from './store/postgres-hub-lock.js';
import type { Store } from './store/store.js';
import { demoDirectory } from '../simulator/demo/demo-directory.js';
import { OtaService, type OtaServiceOptions } from './ota/ota-service.js';
import { loadOtaPublicKey } from './ota/ota-key.js';

/*
 * V8 tuning for the hub process. With a municipality-sized directory in memory, V8's
 * allocation-site pretenuring starts placing the hub's short-lived request objects in the old
 * generation, and every minor GC then takes 5-9 ms instead of under 1: measured on the routing
 * endpoint at 1,000 requests/s (bench --only route), p99 ~2.5 ms with it, ~1.5 ms without; the
 * same pauses hit MQTT handling. Set before the hub allocates anything.
 */
v8.setFlagsFromString('--no-allocation-site-pretenuring');

export interface HubService {
  hub: Hub;
  broker: EmbeddedBroker | null;
  api: AdminApi | null;
  /** calendar sync (PR-3, DV-5), when calendars are configured */
  calendars: CalendarSync | null;
  /** OTA rollouts (issue 8) */
  ota: OtaService;
  /** issue 10: the devices' credentials, checked by the embedded broker or pushed to Mosquitto (null with an external broker the hub does not administer) */
  credentials: DeviceCredentials | null;
  /** issue 10: the logins and ACLs on an external Mosquitto (mqttAdmin: mosquitto-dynsec), else null */
  dynsec: MosquittoDynsec | null;
  /** where the admin API's token is kept (null when it came from the config) */
  adminTokenFile: string | null;
  store: OpenedStore;
  /** issue 10: with a PostgreSQL store, this hub's hold on being the active one (others stand by) */
  lock: PostgresHubLock | null;
  directory: Directory;
  mqttUrl: string;
  wsUrl: string | null;
  /** issue 10: the embedded broker's MQTT over TLS and WSS (null when off or with an external broker) */
  mqttsUrl: string | null;
  wssUrl: string | null;
  dbFile: string;
  stop(): Promise<void>;
}

/** The hub's store as configured: SQLite in the data directory, or PostgreSQL (the CLI's import/export/hours/report open the same one). */
export { openStore };

/** The directory file named in the config, or the built-in demo (for `omstil sim`, which has no store). */
export async function resolveDirectory(config: Config): Promise<Directory> {
  return config.directory ? loadDirectory(config.directory) : Directory.parse(demoDirectory(), 'built-in demo directory');
}

/**
 * The hub's directory (RT-1): a `--directory` file is imported into the store first
 * (idempotent); otherwise the last import is used; a fresh store starts with the demo.
 */
export async function directoryFromStore(config: Config, store: Store, now: Date): Promise<{ directory: Directory; version: number }> {
  if (config.directory) {
    const directory = await loadDirectory(config.directory);
    return { directory, version: store.saveDirectory(directory.data, path.resolve(config.directory), now).version };
  }
  const stored = store.loadDirectory();
  if (stored) return { directory: Directory.parse(stored.data, `the imported directory (version ${stored.version})`), version: stored.version };
  const directory = Directory.parse(demoDirectory(), 'built-in demo directory');
  return { directory, version: store.saveDirectory(directory.data, 'built-in demo', now).version };
}

/** The admin API's token: from the config, or generated once and kept beside the database (mode 0600). */
export function adminToken(config: Config): { token: string; file: string | null } {
  if (config.adminToken) return { token: config.adminToken, file: null };
  const file = path.resolve(config.dataDir, 'admin-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), file };
  mkdirSync(path.dirname(file), { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, file };
}

export async function startHubService(
  config: Config,
  deps: {
    logger: Logger;
    clock?: Clock;
    pbx?: PbxPort;
    directory?: Directory;
    calendarSources?: readonly CalendarSource[];
    /** OTA tuning (tests, bench): tick, deadlines, concurrency */
    ota?: Partial<Pick<OtaServiceOptions, 'tickMs' | 'flushMs' | 'deviceTimeoutMs' | 'concurrency' | 'minFinished' | 'chunkSize' | 'chunkQos'>>;
    /**
     * Issue 10, PostgreSQL store: this hub lost its hold on being the active one (its lock's
     * connection died; another hub may be active now). The service has already stopped itself;
     * `omstil hub` exits non-zero so its supervisor restarts it, into standby.
     */
    onLeadershipLost?: (reason: string) => void;
    /** PostgreSQL store: the lock's poll and heartbeat (tests) */
    lockTiming?: { pollMs?: number; heartbeatMs?: number };
  },
): Promise<HubService> {
  const { logger } = deps;
  const clock = deps.clock ?? systemClock;
  // Issue 10: on PostgreSQL, one hub is active and the others wait here (an advisory lock)
  // before they open the store or listen on anything, so two never process the same change
  let lock: PostgresHubLock | null = null;
  if (isPostgresStore(config)) {
    lock = new PostgresHubLock({ url: config.store, ...deps.lockTiming, onStandby: () => logger.info('another hub is active on this database: standing by until it stops') });
    await lock.acquire();
    logger.info('this hub is the active one on its database');
  }
  let store: OpenedStore;
  try {
    store = openStore(config);
  } catch (err) {
    await lock?.release().catch(() => {});
    throw err;
  }
  const dbFile = store.file;
  let broker: EmbeddedBroker | null = null;
  let api: AdminApi | null = null;
  let hub: Hub | null = null;
  let calendars: CalendarSync | null = null;
  let ota: OtaService | null = null;
  let pbxStarted: PbxPort | null = null;
  let mqttUrl = config.mqttUrl;
  let password = config.mqttPassword ?? '';
  let credentials: DeviceCredentials | null = null;
  let dynsec: MosquittoDynsec | null = null;
  let brokerTls: BrokerTls | null = null;
  try {
    // OTA (issue 8): a bad key path stops the hub before anything listens
    const otaKey = config.otaPublicKey ? loadOtaPublicKey(config.otaPublicKey) : null;
    const resolved = deps.directory
      ? { directory: deps.directory, version: store.saveDirectory(deps.directory.data, 'startup', clock.now()).version }
      : await directoryFromStore(config, store, clock.now());
    // the broker's access rules follow the hub's directory, also after a new import
    const current = () => hub?.directory ?? resolved.directory;
    if (!mqttUrl) {
      // issue 10: certificate and key read and checked before anything listens (ConfigError names the key)
      brokerTls = readBrokerTls(config);
      password = randomBytes(24).toString('base64url'); // the hub's own identity on its own broker
      // issue 10: every device its own token; a change ends the device's session at once
      credentials = new DeviceCredentials({ store, clock });
      credentials.start();
      broker = new EmbeddedBroker({
        host: config.host,
        port: config.mqttPort,
        wsPort: config.wsPort,
        access: new AccessControl(current, { hubPassword: password, allowObservers: config.allowObservers, credentials, deviceAuth: config.deviceAuth }),
        logger: logger.child('broker'),
        // issue 10: with plainListeners false the clear MQTT listener is on loopback only, for the
        // hub's own links below (Hub, OtaService), which so never leave the machine; no clear WS
        ...(brokerTls ? { tls: { cert: brokerTls.cert, key: brokerTls.key, mqttsPort: config.mqttsPort, wssPort: config.wssPort }, plainListeners: config.plainListeners } : {}),
      });
      await broker.start();
      const started = broker;
      credentials.onChange((deviceId, change) => started.closeClient(deviceId, change === 'revoked' ? 'credential revoked' : 'credential issued anew'));
      mqttUrl = broker.mqttUrl;
      if (brokerTls) {
        logger.info('tls certificate', { names: brokerTls.names, validTo: brokerTls.validTo.toISOString(), plainListeners: config.plainListeners });
        if (brokerTls.validTo.getTime() < clock.now().getTime()) logger.warn('the tls certificate has expired: devices refuse the hub', { cert: config.tlsCert, validTo: brokerTls.validTo.toISOString() });
      }
      if (config.deviceAuth !== 'required') logger.info('devices without a credential connect by client id alone (deviceAuth: when-provisioned); set deviceAuth to required in production');
    } else if (config.mqttAdmin === 'mosquitto-dynsec') {
      // issue 10: the hub keeps Mosquitto's logins and ACLs (docs/external-broker.md); every
      // device needs its own token there (no anonymous access), whatever deviceAuth says
      credentials = new DeviceCredentials({ store, clock });
      credentials.start();
      dynsec = new MosquittoDynsec({ mqttUrl, username: HUB_USERNAME, password, directory: current, credentials, clock, logger: logger.child('dynsec') });
      // before the hub connects: giving the hub's client its role ends its sessions
      await dynsec.start();
      if (config.deviceAuth !== 'required') logger.info('deviceAuth when-provisioned has no effect on Mosquitto: a device without a token cannot log in there');
    } else if (config.deviceAuth === 'required') {
      logger.warn('deviceAuth required has no effect with an external broker (mqttUrl) and mqttAdmin none: it must check the devices\' logins itself');
    }
    const pbx = deps.pbx ?? createPbx(config, logger.child('pbx'));
    if (pbx.start) {
      // an unreachable PBX does not stop the hub: changes wait for it (PbxSync retries, phones say "pending")
      await pbx.start().catch((err: Error) => logger.warn('pbx not reachable at start; changes wait for it', { pbx: pbx.name, err: err.message }));
    }
    pbxStarted = pbx;
    hub = new Hub({
      directory: resolved.directory,
      directoryVersion: resolved.version,
      store,
      pbx,
      reconcileIntervalMs: config.pbxReconcileSeconds * 1000,
      mqttUrl,
      mqttPassword: password,
      clock,
      logger: logger.child('hub'),
    });
    await hub.start();
    const started = hub;
    // OTA rollouts (issue 8): its own MQTT link under the hub's identity
    ota = new OtaService({
      ...deps.ota,
      mqttUrl,
      mqttPassword: password,
      store,
      dataDir: config.dataDir,
      directory: () => started.directory,
      fleet: started.fleet,
      publicKey: otaKey,
      clock,
      logger: logger.child('ota'),
    });
    await ota.start();
    const otaService = ota;
    const sources = deps.calendarSources ?? (config.calendars ? createCalendarSources(readCalendarSpecs(config.calendars, started.directory)) : []);
    if (sources.length) {
      calendars = new CalendarSync({
        hub: started,
        sources,
        probes: caldavHomeProbes(sources),
        logger: logger.child('calendar'),
        pollMs: config.calendarPollSeconds * 1000,
        promptMinutes: config.meetingPromptMinutes,
        tentative: config.tentativeAs,
      });
      await calendars.start();
    }
    const calendarSync = calendars;
    // seed 000: an absence set on the phone can set the Outlook auto-reply, for people with a Graph calendar
    const mailboxes = new Map(sources.filter((s): s is GraphCalendar => s instanceof GraphCalendar).map((s) => [s.personId, s]));
    const autoReplies = mailboxes.size ? new AutoReplySync({ hub: started, mailboxOf: (p) => mailboxes.get(p) ?? null, logger: logger.child('auto-reply') }) : null;
    autoReplies?.start();
    let tokenFile: string | null = null;
    if (config.apiPort !== null) {
      const { token, file } = adminToken(config);
      tokenFile = file;
      api = new AdminApi({
        hub: started,
        ota: otaService,
        store,
        token,
        host: config.host,
        port: config.apiPort,
        logger: logger.child('api'),
        ...(calendarSync ? { calendars: () => calendarSync.status() } : {}),
        // issue 10: devices are given the TLS URL when TLS is on, and the chain's trust anchor (if any) as `ca`
        ...(credentials ? { credentials: { credentials, mqttUrl: broker?.mqttsUrl ?? mqttUrl, ...(brokerTls?.trustAnchors ? { ca: brokerTls.trustAnchors } : {}), ...(dynsec ? { applied: () => dynsec!.settled() } : {}) } } : {}),
      });
      await api.start();
    }
    let stopping: Promise<void> | null = null;
    const service: HubService = {
      hub: started,
      lock,
      broker,
      api,
      ota: otaService,
      credentials,
      dynsec,
      calendars: calendarSync,
      adminTokenFile: tokenFile,
      store,
      get directory() {
        return started.directory;
      },
      mqttUrl,
      wsUrl: broker?.wsUrl ?? null,
      mqttsUrl: broker?.mqttsUrl ?? null,
      wssUrl: broker?.wssUrl ?? null,
      dbFile,
      stop() {
        stopping ??= (async () => {
          await api?.stop();
          await calendarSync?.stop();
          await autoReplies?.stop();
          await otaService.stop();
          await started.stop();
          await pbx.stop?.();
          await dynsec?.stop();
          await broker?.stop();
          credentials?.stop();
          store.close();
          await lock?.release();
        })();
        return stopping;
      },
    };
    // Issue 10: a hub that may no longer be the only active one stops acting at once
    lock?.onLost((reason) => {
      logger.error('lost the lock on the database: another hub may be active; stopping', { reason });
      void service.stop().finally(() => deps.onLeadershipLost?.(reason));
    });
    return service;
  } catch (err) {
    await api?.stop().catch(() => {});
    await calendars?.stop().catch(() => {});
    await ota?.stop().catch(() => {});
    await hub?.stop().catch(() => {});
    await pbxStarted?.stop?.().catch(() => {});
    await dynsec?.stop().catch(() => {});
    await broker?.stop().catch(() => {});
    credentials?.stop();
    store.close();
    await lock?.release().catch(() => {});
    throw err;
  }
}
