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
import { AccessControl } from './mqtt/access.js';
import { EmbeddedBroker } from './mqtt/embedded-broker.js';
import { DeviceCredentials } from './mqtt/device-credentials.js';
import { createPbx } from './pbx/create-pbx.js';
import type { PbxPort } from './pbx/pbx-port.js';
import { SqliteStore } from './store/sqlite-store.js';
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
  /** issue 10: the devices' credentials, checked by the embedded broker (null with an external broker) */
  credentials: DeviceCredentials | null;
  /** where the admin API's token is kept (null when it came from the config) */
  adminTokenFile: string | null;
  store: SqliteStore;
  directory: Directory;
  mqttUrl: string;
  wsUrl: string | null;
  dbFile: string;
  stop(): Promise<void>;
}

/** The hub's SQLite database in the configured data directory (the CLI's import/export/hours open the same one). */
export function openStore(config: Config): SqliteStore {
  return new SqliteStore({ file: path.resolve(config.dataDir, 'omstil.db'), synchronous: config.sync });
}

/** The directory file named in the config, or the built-in demo (for `omstil sim`, which has no store). */
export async function resolveDirectory(config: Config): Promise<Directory> {
  return config.directory ? loadDirectory(config.directory) : Directory.parse(demoDirectory(), 'built-in demo directory');
}

/**
 * The hub's directory (RT-1): a `--directory` file is imported into the store first
 * (idempotent); otherwise the last import is used; a fresh store starts with the demo.
 */
export async function directoryFromStore(config: Config, store: SqliteStore, now: Date): Promise<{ directory: Directory; version: number }> {
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
  },
): Promise<HubService> {
  const { logger } = deps;
  const clock = deps.clock ?? systemClock;
  const store = openStore(config);
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
  try {
    // OTA (issue 8): a bad key path stops the hub before anything listens
    const otaKey = config.otaPublicKey ? loadOtaPublicKey(config.otaPublicKey) : null;
    const resolved = deps.directory
      ? { directory: deps.directory, version: store.saveDirectory(deps.directory.data, 'startup', clock.now()).version }
      : await directoryFromStore(config, store, clock.now());
    // the broker's access rules follow the hub's directory, also after a new import
    const current = () => hub?.directory ?? resolved.directory;
    if (!mqttUrl) {
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
      });
      await broker.start();
      const started = broker;
      credentials.onChange((deviceId, change) => started.closeClient(deviceId, change === 'revoked' ? 'credential revoked' : 'credential issued anew'));
      mqttUrl = broker.mqttUrl;
      if (config.deviceAuth !== 'required') logger.info('devices without a credential connect by client id alone (deviceAuth: when-provisioned); set deviceAuth to required in production');
    } else if (config.deviceAuth === 'required') {
      logger.warn('deviceAuth required has no effect with an external broker (mqttUrl): it must check the devices\' logins itself');
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
        ...(credentials ? { credentials: { credentials, mqttUrl } } : {}),
      });
      await api.start();
    }
    return {
      hub: started,
      broker,
      api,
      ota: otaService,
      credentials,
      calendars: calendarSync,
      adminTokenFile: tokenFile,
      store,
      get directory() {
        return started.directory;
      },
      mqttUrl,
      wsUrl: broker?.wsUrl ?? null,
      dbFile,
      async stop() {
        await api?.stop();
        await calendarSync?.stop();
        await autoReplies?.stop();
        await otaService.stop();
        await started.stop();
        await pbx.stop?.();
        await broker?.stop();
        credentials?.stop();
        store.close();
      },
    };
  } catch (err) {
    await api?.stop().catch(() => {});
    await calendars?.stop().catch(() => {});
    await ota?.stop().catch(() => {});
    await hub?.stop().catch(() => {});
    await pbxStarted?.stop?.().catch(() => {});
    await broker?.stop().catch(() => {});
    credentials?.stop();
    store.close();
    throw err;
  }
}
