/**
 * The embedded broker's life cycle: it stops while clients are still connected (a hub stopped
 * or restarted with its devices up), and those clients see the connection close.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import { Directory } from '../../../broker/directory/directory.js';
import { AccessControl } from '../../../broker/mqtt/access.js';
import { EmbeddedBroker } from '../../../broker/mqtt/embedded-broker.js';
import { memoryLogger } from '../../../protocol/index.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';

const t = suite('broker/mqtt/embedded-broker');

t('stop() returns while devices and observers are still connected, and closes their connections', async () => {
  const directory = Directory.parse(demoDirectory({ peoplePerDept: 2, kiosks: 1 }));
  const broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, wsPort: 0, access: new AccessControl(() => directory, { hubPassword: 'p', allowObservers: true, deviceAuth: 'when-provisioned' }), logger: memoryLogger('warn') });
  await broker.start();
  const device = directory.data.devices[0]!.id;
  const clients = [mqtt.connect(broker.mqttUrl, { clientId: device, reconnectPeriod: 0 }), mqtt.connect(broker.mqttUrl, { clientId: 'observer-1', reconnectPeriod: 0 }), mqtt.connect(broker.wsUrl!, { clientId: 'observer-ws', reconnectPeriod: 0 })];
  try {
    await Promise.all(clients.map((c) => new Promise<void>((resolve, reject) => (c.once('connect', () => resolve()), c.once('error', reject)))));
    const closed = Promise.all(clients.map((c) => new Promise<void>((resolve) => c.once('close', () => resolve()))));
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([broker.stop().then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 10_000)))]);
    clearTimeout(timer);
    assert.ok(stopped, 'stop() did not return within 10 s with clients connected');
    await closed;
    assert.is(broker.instance, null);
  } finally {
    for (const c of clients) c.end(true);
  }
});

t.run();
