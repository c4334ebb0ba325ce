/**
 * Issue 10: the broker contract (test/support/broker-contract.ts) against a real Mosquitto with
 * the dynamic-security plugin, the hub on it as an external broker (`mqttUrl`) keeping the
 * devices' logins and ACLs (`mqttAdmin: 'mosquitto-dynsec'`). Skipped, saying why, without
 * Mosquitto (tools/setup-system-deps.sh installs it; REQUIRE_SYSTEM_DEPS=1 makes that a failure).
 */
import { rmSync } from 'node:fs';
import { loadConfig } from '../../broker/config.js';
import { Directory } from '../../broker/directory/directory.js';
import { startHubService } from '../../broker/main.js';
import { memoryLogger } from '../../protocol/index.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { SimulatedPbx } from '../../simulator/simulated-pbx.js';
import { brokerContract, CONTRACT_START } from '../support/broker-contract.js';
import { startMosquitto } from '../support/mosquitto.js';
import { clockFrom, tempDir } from '../support/system.js';

brokerContract('mosquitto', async () => {
  const mosquitto = await startMosquitto('the broker contract against Mosquitto');
  if (!mosquitto) return null;
  const clock = clockFrom(CONTRACT_START);
  const dataDir = tempDir();
  const logger = memoryLogger('info');
  const directory = Directory.parse(demoDirectory({ peoplePerDept: 3, kiosks: 2 }));
  const config = loadConfig({
    env: {},
    overrides: { mqttUrl: mosquitto.mqttUrl, mqttPassword: mosquitto.hubPassword, mqttAdmin: 'mosquitto-dynsec', deviceAuth: 'required', wsPort: null, apiPort: 0, dataDir, sync: 'normal', logLevel: 'info' },
  });
  const pbx = new SimulatedPbx({ routes: false, clock: () => clock.now() });
  try {
    const hub = await startHubService(config, { logger, pbx, directory, clock });
    return {
      hub,
      directory,
      mqttUrl: mosquitto.mqttUrl,
      clock,
      logger,
      restartBroker: () => mosquitto.restart(),
      printLogs: (why) => {
        mosquitto.printLogs(why);
        process.stdout.write(`----- hub log -----\n${logger.records.filter((r) => r.level !== 'debug').slice(-60).map((r) => JSON.stringify(r)).join('\n')}\n`);
      },
      async stop() {
        await hub.stop();
        await mosquitto.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    mosquitto.printLogs('the hub did not start on Mosquitto');
    await mosquitto.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
});
