/** Starts a whole omstil system in the test process: hub + embedded broker on free ports, SQLite in a temp dir, PBX, simulated devices. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../broker/config.js';
import type { CalendarSource } from '../../broker/calendar/calendar-source.js';
import { Directory } from '../../broker/directory/directory.js';
import { startHubService, type HubService } from '../../broker/main.js';
import { memoryLogger, systemClock, type Clock } from '../../protocol/index.js';
import { demoDirectory, type DemoOptions } from '../../simulator/demo/demo-directory.js';
import { issueFleetTokens, loginsFor, type FleetTokens } from '../../simulator/fleet-credentials.js';
import { fleetDevices, SimFleet } from '../../simulator/sim-fleet.js';
import { SimulatedPbx } from '../../simulator/simulated-pbx.js';

export interface TestSystem {
  hub: HubService;
  pbx: SimulatedPbx;
  fleet: SimFleet;
  directory: Directory;
  dataDir: string;
  logger: ReturnType<typeof memoryLogger>;
  /**
   * Issue 10: a device's broker login, for a raw MQTT client posing as it: the token its simulated
   * device uses, else one issued now (and kept, so a second client for it gets the same).
   */
  login(deviceId: string): { username: string; password: string };
  /** stops everything; keeps the data dir when `keepData` */
  stop(keepData?: boolean): Promise<void>;
}

/** A clock that runs at real speed from a chosen start: tests get a fixed weekday and hour and real timeouts. */
export function clockFrom(startIso: string): Clock {
  const offset = Date.parse(startIso) - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}

/**
 * A clock that runs at real speed from `startIso` and can be moved on (a hub's sweep notices
 * within a second). uvu loads every test file before it runs any suite: a suite that needs to
 * be near `startIso` calls `advanceTo(Date.parse(START))` in its `before`.
 */
export interface MovableClock extends Clock {
  /** moves the clock to the instant `ms` (ms since 1970), from where it runs on at real speed */
  advanceTo(ms: number): void;
  /** moves the clock on by `ms` */
  advance(ms: number): void;
}

export function movableClock(startIso: string): MovableClock {
  let offset = Date.parse(startIso) - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    advanceTo(ms: number) {
      offset = ms - Date.now();
    },
    advance(ms: number) {
      offset += ms;
    },
  };
}

export function tempDir(prefix = 'omstil-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startSystem(opts: { demo?: DemoOptions; phones?: number; kiosks?: number; dataDir?: string; clock?: Clock; calendarSources?: readonly CalendarSource[]; pbxRoutes?: boolean; reconcileSeconds?: number; /** AS-5: unanswered calls go to voicemail */ pbxVoicemail?: boolean; /** hub config over the test defaults (e.g. issue 10's `deviceAuth: 'required'`) */ config?: Partial<Config> } = {}): Promise<TestSystem> {
  const dataDir = opts.dataDir ?? tempDir();
  const logger = memoryLogger('info');
  const directory = Directory.parse(demoDirectory(opts.demo ?? { peoplePerDept: 3, kiosks: 2 }));
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: 0, apiPort: 0, dataDir, sync: 'normal', logLevel: 'info', ...(opts.reconcileSeconds ? { pbxReconcileSeconds: opts.reconcileSeconds } : {}), ...opts.config } });
  const clock = opts.clock ?? systemClock;
  // call events carry the system's clock, as a real PBX's carry the time the hub shares with it
  const pbx = new SimulatedPbx({ routes: opts.pbxRoutes ?? false, clock: () => clock.now(), ...(opts.pbxVoicemail ? { voicemail: true } : {}) });
  const hub = await startHubService(config, { logger, pbx, directory, clock, ...(opts.calendarSources ? { calendarSources: opts.calendarSources } : {}) });
  const pick = { phones: opts.phones ?? 6, kiosks: opts.kiosks ?? 2 };
  // issue 10: every simulated device logs in with its own token, issued by the hub (deviceAuth is required by default)
  const credentials = hub.credentials;
  const tokens: FleetTokens = credentials ? issueFleetTokens(credentials, fleetDevices(directory, pick).map((d) => d.id), 'test') : {};
  const fleet = new SimFleet({ directory, mqttUrl: hub.mqttUrl, clock, logger, pbx, ...pick, ...(credentials ? { deviceMqttOptions: loginsFor(tokens) } : {}) });
  await fleet.start();
  return {
    hub,
    pbx,
    fleet,
    directory,
    dataDir,
    logger,
    login(deviceId: string) {
      if (!credentials) throw new Error('login: this hub issues no credentials (an external broker)');
      tokens[deviceId] ??= credentials.issue(deviceId, 'test').token;
      return { username: deviceId, password: tokens[deviceId] };
    },
    async stop(keepData = false) {
      await fleet.stop();
      await hub.stop();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
