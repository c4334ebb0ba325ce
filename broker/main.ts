/**
 * Wires the hub together: directory, SQLite store, embedded (or external) broker, PBX.
 * The only place in broker/ that chooses adapters.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { systemClock, type Clock, type Logger } from '../protocol/index.js';
import type { Config } from './config.js';
import { Directory } from './directory/directory.js';
import { loadDirectory } from './directory/load-directory.js';
import { Hub } from './hub.js';
import { AccessControl } from './mqtt/access.js';
import { EmbeddedBroker } from './mqtt/embedded-broker.js';
import { NoPbx, type PbxPort } from './pbx/pbx-port.js';
import { SqliteStore } from './store/sqlite-store.js';
import { demoDirectory } from '../simulator/demo/demo-directory.js';

export interface HubService {
  hub: Hub;
  broker: EmbeddedBroker | null;
  store: SqliteStore;
  directory: Directory;
  mqttUrl: string;
  wsUrl: string | null;
  dbFile: string;
  stop(): Promise<void>;
}

export async function resolveDirectory(config: Config): Promise<Directory> {
  return config.directory ? loadDirectory(config.directory) : Directory.parse(demoDirectory(), 'built-in demo directory');
}

export async function startHubService(config: Config, deps: { logger: Logger; clock?: Clock; pbx?: PbxPort; directory?: Directory }): Promise<HubService> {
  const { logger } = deps;
  const directory = deps.directory ?? (await resolveDirectory(config));
  const dbFile = path.resolve(config.dataDir, 'omstil.db');
  const store = new SqliteStore({ file: dbFile, synchronous: config.sync });
  let broker: EmbeddedBroker | null = null;
  let mqttUrl = config.mqttUrl;
  let password = config.mqttPassword ?? '';
  try {
    if (!mqttUrl) {
      password = randomBytes(24).toString('base64url'); // the hub's own identity on its own broker
      broker = new EmbeddedBroker({
        host: config.host,
        port: config.mqttPort,
        wsPort: config.wsPort,
        access: new AccessControl(() => directory, { hubPassword: password, allowObservers: config.allowObservers }),
        logger: logger.child('broker'),
      });
      await broker.start();
      mqttUrl = broker.mqttUrl;
    }
    const hub = new Hub({
      directory,
      store,
      pbx: deps.pbx ?? new NoPbx(),
      mqttUrl,
      mqttPassword: password,
      clock: deps.clock ?? systemClock,
      logger: logger.child('hub'),
    });
    await hub.start();
    return {
      hub,
      broker,
      store,
      directory,
      mqttUrl,
      wsUrl: broker?.wsUrl ?? null,
      dbFile,
      async stop() {
        await hub.stop();
        await broker?.stop();
        store.close();
      },
    };
  } catch (err) {
    await broker?.stop().catch(() => {});
    store.close();
    throw err;
  }
}
