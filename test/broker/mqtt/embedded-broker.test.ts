/**
 * The embedded broker's life cycle: it stops while clients are still connected (a hub stopped
 * or restarted with its devices up), and those clients see the connection close; and it
 * survives a burst of messages (thousands of devices' Wills after a network blip).
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

t('a burst queued behind slow deliveries does not overflow the stack (thousands of Wills at once)', async () => {
  const directory = Directory.parse(demoDirectory({ peoplePerDept: 2, kiosks: 1 }));
  const broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, wsPort: null, access: new AccessControl(() => directory, { hubPassword: 'p', allowObservers: false }), logger: memoryLogger('warn') });
  await broker.start();
  // The broker's emitter: with a concurrency limit, messages beyond it queue, and when the
  // deliveries in flight end, the queue drains by recursion (mqemitter's released → _do), one
  // stack frame set per queued message whose deliveries end at once: 50,000 of them overflow
  // the stack inside a setImmediate, an uncaught RangeError that ends the hub process.
  const mq = (broker.instance as unknown as { mq: { on(topic: string, fn: (m: unknown, cb: () => void) => void): void; emit(m: { topic: string; payload: Buffer }, cb: (err?: Error) => void): void } }).mq;
  const crashes: Error[] = [];
  const onCrash = (err: Error) => crashes.push(err);
  const listeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', onCrash);
  try {
    let slow = true; // the first deliveries wait for the next turn, as a socket write or a retained store does
    mq.on('omstil/v1/device/+/status', (_m, cb) => (slow ? setImmediate(cb) : cb()));
    const total = 50_000;
    let done = 0;
    const all = new Promise<void>((resolve) => {
      for (let i = 0; i < total; i++) {
        if (i === 200) slow = false;
        mq.emit({ topic: `omstil/v1/device/d-${i}/status`, payload: Buffer.from('{"online":false}') }, () => {
          if (++done === total) resolve();
        });
      }
    });
    const finished = await Promise.race([all.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    assert.equal(crashes.map((e) => e.message), [], 'no uncaught error');
    assert.ok(finished, `every message delivered (${done} of ${total})`);
  } finally {
    process.off('uncaughtException', onCrash);
    for (const l of listeners) process.on('uncaughtException', l);
    await broker.stop();
  }
});

t.run();
