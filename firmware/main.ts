/**
 * The firmware entry point on a device: reads its provisioned identity from the
 * environment, runs the device core and serves the screen on localhost.
 *
 *   OMSTIL_DEVICE_ID   device id as provisioned in the directory (required)
 *   OMSTIL_DEVICE_KIND phone | kiosk (default phone)
 *   OMSTIL_MQTT_URL    the hub's broker (default mqtt://127.0.0.1:1883)
 *   OMSTIL_UI_PORT     local screen server port (default 8080)
 *   OMSTIL_UI_DIR      folder with the built device UI
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createLogger, DeviceKind, Id, systemClock, type LogRecord } from '../protocol/index.js';
import { DeviceCore } from './device-core.js';
import { LocalBridge } from './local-bridge.js';

const Env = z.object({
  OMSTIL_DEVICE_ID: Id,
  OMSTIL_DEVICE_KIND: DeviceKind.default('phone'),
  OMSTIL_MQTT_URL: z.string().url().default('mqtt://127.0.0.1:1883'),
  OMSTIL_UI_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  OMSTIL_UI_DIR: z.string().optional(),
  OMSTIL_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

async function main(): Promise<void> {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    process.stderr.write(`omstil-firmware: ${i.path.join('.')}: ${i.message}\n`);
    process.exit(2);
  }
  const env = parsed.data;
  const logger = createLogger(`omstil:fw:${env.OMSTIL_DEVICE_ID}`, env.OMSTIL_LOG_LEVEL, (r: LogRecord) => process.stderr.write(JSON.stringify(r) + '\n'));
  const core = new DeviceCore({ deviceId: env.OMSTIL_DEVICE_ID, kind: env.OMSTIL_DEVICE_KIND, mqttUrl: env.OMSTIL_MQTT_URL, clock: systemClock, logger });
  const uiDir = env.OMSTIL_UI_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../device-ui');
  const bridge = new LocalBridge({ host: '127.0.0.1', port: env.OMSTIL_UI_PORT, uiDir, logger: logger.child('bridge') });
  bridge.add(core);
  await bridge.start();
  logger.info('screen served', { url: `${bridge.url}/${env.OMSTIL_DEVICE_KIND}/${env.OMSTIL_DEVICE_ID}` });
  await core.start();
  const stop = () => void Promise.all([bridge.stop(), core.stop()]).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
