/**
 * Issue 10: the broker contract (test/support/broker-contract.ts) against the embedded Aedes,
 * every device with its own token (`deviceAuth: 'required'`).
 */
import { brokerContract, CONTRACT_START } from '../support/broker-contract.js';
import { freePort } from '../support/hub-process.js';
import { clockFrom, startSystem } from '../support/system.js';

brokerContract('aedes', async () => {
  const clock = clockFrom(CONTRACT_START);
  // a fixed port, so the broker comes back where the hub and the devices look for it
  const mqttPort = await freePort();
  const sys = await startSystem({ phones: 0, kiosks: 0, clock, config: { deviceAuth: 'required', mqttPort } });
  const broker = sys.hub.broker!;
  return {
    hub: sys.hub,
    directory: sys.directory,
    mqttUrl: sys.hub.mqttUrl,
    clock,
    logger: sys.logger,
    async restartBroker() {
      await broker.stop();
      await broker.start();
    },
    stop: () => sys.stop(),
  };
});
