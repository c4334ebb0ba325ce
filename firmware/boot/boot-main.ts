/**
 * The boot launcher on a device (dist/boot/omstil-boot.js): picks the A/B slot, runs its
 * firmware, rolls a new image back when it does not confirm itself in time
 * (docs/firmware.md#ab-slots-health-check-and-rollback). Run it under systemd instead of the
 * firmware itself:
 *
 *   node /opt/omstil/boot/omstil-boot.js [--config FILE] [--console TTY] [--firmware DIR] [--initial-version V]
 *     FILE  the provisioned config (default $OMSTIL_DEVICE_CONFIG or /etc/omstil/device.json); its `boot` group
 *           names the slot folder, the public key and the health timeout. Passed on to the firmware.
 *     TTY   passed on to the firmware (its provisioning console)
 *     DIR   a firmware folder (default ../firmware beside this file) installed as slot a when the
 *           slot folder is empty, as version V (default 0.0.0)
 *
 * Exit status: the firmware's, when a confirmed firmware exits (the supervisor restarts the
 * launcher); 0 after SIGINT/SIGTERM; 2 for a bad config; 1 when there is nothing to boot.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger, type LogRecord } from '../../protocol/log.js';
import { bootConfigOf, DeviceConfigError, loadDeviceConfig } from '../config/device-config.js';
import { FIRMWARE_ENTRY, readFirmwareFolder } from '../image/firmware-folder.js';
import { DEVICE_NODE_FLAGS } from '../runtime/node-flags.js';
import { BootLauncher } from './boot-launcher.js';
import { BootError, BootSlots } from './boot-slots.js';
import { BOOT_VERSION } from './boot-version.js';

const DEFAULT_CONFIG_FILE = '/etc/omstil/device.json';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { config: { type: 'string' }, console: { type: 'string' }, firmware: { type: 'string' }, 'initial-version': { type: 'string' } }, strict: true });
  const file = values.config ?? process.env.OMSTIL_DEVICE_CONFIG ?? DEFAULT_CONFIG_FILE;
  let config;
  try {
    config = loadDeviceConfig(file);
  } catch (err) {
    if (!(err instanceof DeviceConfigError)) throw err;
    process.stderr.write(`omstil-boot: ${err.message}\n`);
    return 2;
  }
  const boot = bootConfigOf(config);
  const log = createLogger(`omstil:boot:${config.deviceId}`, config.log.level, (r: LogRecord) => process.stderr.write(JSON.stringify(r) + '\n'));
  const here = path.dirname(fileURLToPath(import.meta.url));

  let slots: BootSlots;
  try {
    slots = BootSlots.open(boot.dir);
    if (!slots.state()) {
      const from = path.resolve(values.firmware ?? path.join(here, '../firmware'));
      if (!existsSync(path.join(from, FIRMWARE_ENTRY))) {
        log.error('nothing to boot: no slots and no firmware folder to install', { dir: boot.dir, firmware: from });
        return 1;
      }
      const version = values['initial-version'] ?? '0.0.0';
      slots.adopt({ version }, readFirmwareFolder(from));
      log.info('installed the firmware folder as slot a', { from, version });
    }
  } catch (err) {
    log.error('cannot open the boot slots', { dir: boot.dir, code: err instanceof BootError ? err.code : undefined, err: (err as Error).message });
    return 1;
  }

  const args = ['--config', file, ...(values.console ? ['--console', values.console] : [])];
  const launcher = new BootLauncher({
    slots,
    logger: log,
    bootVersion: BOOT_VERSION,
    healthTimeoutMs: boot.healthTimeoutS * 1000,
    nodeFlags: DEVICE_NODE_FLAGS,
    args,
    // the screens are not in the image: they stay beside the launcher
    env: { ...process.env, OMSTIL_UI_DIR: process.env.OMSTIL_UI_DIR ?? path.resolve(here, '../device-ui') },
  });
  const stop = () => void launcher.stop();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  log.info('boot launcher', { version: BOOT_VERSION, dir: boot.dir, healthTimeoutS: boot.healthTimeoutS });
  return launcher.run();
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`omstil-boot: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
