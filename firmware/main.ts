/**
 * The firmware entry point on a device: reads the config IT provisioned (a JSON file, then
 * OMSTIL_* environment overrides; see docs/provisioning.md), runs the device core, serves the
 * screen on localhost, watches its own health and logs to rotating files.
 *
 *   node --max-semi-space-size=1 --lite-mode omstil-firmware.js [--config FILE] [--console TTY]
 *     (the V8 flags: runtime/node-flags.ts)
 *     FILE  default $OMSTIL_DEVICE_CONFIG or /etc/omstil/device.json
 *     TTY   a serial line for IT's provisioning console (115200 8N1), default $OMSTIL_CONSOLE; none without
 *
 * Under the boot launcher (firmware/boot/boot-main.ts) it runs from an A/B slot: the launcher
 * sets OMSTIL_FW_VERSION (the slot's version, reported in the device's status),
 * OMSTIL_BOOT_VERSION and OMSTIL_BOOT_DIR; once connected to the hub the firmware confirms
 * its slot there (BootSlots.confirm()), which ends the launcher's health check.
 *
 * Exit status: 0 after SIGINT/SIGTERM; 2 for a bad config (every bad field named by its path);
 * 70 when the watchdog finds the process failing (stalled event loop, runaway memory), for
 * the supervisor (systemd `Restart=always`) to start it fresh; 75 to reboot into a newly
 * staged slot (the launcher does).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger, systemClock, type LogRecord } from '../protocol/index.js';
import { bootConfigOf, DeviceConfigError, loadDeviceConfig, type ProvisionedConfig } from './config/device-config.js';
import { DeviceCore, FIRMWARE_VERSION } from './device-core.js';
import { EXIT_REBOOT } from './boot/boot-launcher.js';
import { BootSlots } from './boot/boot-slots.js';
import { createSlotInstaller } from './boot/file-installer.js';
import { FileOtaStaging } from './ota/chunk-store.js';
import { OtaClient } from './ota/ota-client.js';
import { isVersion } from './image/image-format.js';
import { LocalBridge } from './local-bridge.js';
import { NodeHidBus } from './peripherals/node-hid-bus.js';
import { KNOWN_DEVICES, PeripheralManager, type PeripheralIntent } from './peripherals/peripheral-manager.js';
import { realTimers } from './peripherals/hid-device.js';
import { ProvisioningConsole } from './serial/provisioning-console.js';
import { SerialportLink } from './serial/serialport-link.js';
import { rotatingFileLog } from './runtime/file-log.js';
import { missingNodeFlags } from './runtime/node-flags.js';
import { Watchdog } from './runtime/watchdog.js';

export const DEFAULT_CONFIG_FILE = '/etc/omstil/device.json';

function readConfig(): { file: string; config: ProvisionedConfig; fileOnly: ProvisionedConfig | null; consolePath: string | null } {
  const { values } = parseArgs({ options: { config: { type: 'string' }, console: { type: 'string' } }, strict: true });
  const file = values.config ?? process.env.OMSTIL_DEVICE_CONFIG ?? DEFAULT_CONFIG_FILE;
  const consolePath = values.console ?? process.env.OMSTIL_CONSOLE ?? null;
  try {
    const config = loadDeviceConfig(file);
    // what the console edits and saves: the file alone, so environment overrides are not baked into it
    let fileOnly: ProvisionedConfig | null = null;
    try {
      fileOnly = loadDeviceConfig(file, {});
    } catch {
      fileOnly = null; // the file needs the environment (e.g. no deviceId in it): the console starts from the merged config
    }
    return { file, config, fileOnly, consolePath };
  } catch (err) {
    if (!(err instanceof DeviceConfigError)) throw err;
    process.stderr.write(`omstil-firmware: ${err.message}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const { file, config, fileOnly, consolePath } = readConfig();
  const fileLog = config.log.dir ? rotatingFileLog({ dir: config.log.dir, maxBytes: config.log.maxBytes, files: config.log.files }) : null;
  const logger = createLogger(`omstil:fw:${config.deviceId}`, config.log.level, (r: LogRecord) => {
    process.stderr.write(JSON.stringify(r) + '\n');
    fileLog?.write(r);
  });
  logger.info('starting', { config: file, hub: config.hubUrl, kind: config.kind });
  const missing = missingNodeFlags();
  if (missing.length) logger.info('not started with the device V8 flags (docs/firmware.md); memory use will be higher', { missing });
  const clock = systemClock;
  const fromLauncher = process.env.OMSTIL_FW_VERSION;
  const fwVersion = fromLauncher && isVersion(fromLauncher) ? fromLauncher : FIRMWARE_VERSION;
  const core = new DeviceCore({
    fwVersion,
    deviceId: config.deviceId,
    kind: config.kind,
    mqttUrl: config.hubUrl,
    clock,
    logger,
    reconnect: config.reconnect,
    mqttOptions: {
      ...(config.credentials ? { username: config.credentials.username, password: config.credentials.token } : {}),
      // issue 10: over mqtts:// and wss:// the hub's certificate must chain to `ca` (else Node's CA list); never unverified
      ...(config.ca ? { ca: config.ca } : {}),
      rejectUnauthorized: true,
    },
  });
  const watchdog = new Watchdog({
    clock,
    link: () => core.linkStatus(),
    ...(config.log.dir ? { heartbeatFile: path.join(config.log.dir, 'heartbeat.json') } : {}),
    onFailing: (report) => {
      logger.error('failing health checks; exiting for the supervisor to restart', { checks: report.checks, rssMb: report.rssMb, loopDelayMaxMs: report.loopDelayMaxMs });
      process.exit(70);
    },
  });
  const uiDir = process.env.OMSTIL_UI_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../device-ui');
  const bridge = new LocalBridge({ host: config.ui.host, port: config.ui.port, uiDir, logger: logger.child('bridge'), health: () => watchdog.report() });
  bridge.add(core);
  await bridge.start();
  logger.info('screen served', { url: `${bridge.url}/${config.kind}/${config.deviceId}` });

  // "connected and showing state": the first view with the hub's truth in it
  const offReady = core.onView((view) => {
    if (!view.connected || !core.mirror.config || (config.kind === 'phone' && !view.me)) return;
    offReady();
    const mem = process.memoryUsage();
    logger.info('showing state', { msSinceStart: Math.round(performance.now()), rssMb: Math.round(mem.rss / 1048576), heapMb: Math.round(mem.heapUsed / 1048576) });
  });
  let stopping = false;
  let provisioning: ProvisioningConsole | null = null;
  // stop() is hoisted: the updater's reboot exits with 75 for the boot launcher
  const bootSlot = startBootSlot(config, core, logger, () => stop(EXIT_REBOOT));
  const peripherals = startPeripherals(config, core, logger);
  watchdog.start();
  await core.start({ wait: false });

  function stop(code = 0): void {
    if (stopping) return;
    stopping = true;
    watchdog.stop();
    void Promise.all([bridge.stop(), core.stop(), provisioning?.stop(), peripherals?.stop(), bootSlot?.stop()])
      .then(() => fileLog?.close())
      .then(() => process.exit(code));
  }
  if (consolePath) {
    // a serial line that cannot be opened is logged; the device runs on without its console
    try {
      const link = await SerialportLink.open(consolePath);
      provisioning = new ProvisioningConsole({
        link,
        file,
        config: fileOnly ?? config,
        status: () => {
          const l = core.linkStatus();
          return { connected: l.connected, since: l.since, firmware: fwVersion, lastError: l.lastError };
        },
        // the supervisor starts the firmware again, which reads the saved config
        reboot: () => stop(),
      });
      provisioning.start();
      logger.info('provisioning console on serial line', { path: consolePath });
    } catch (err) {
      logger.error('provisioning console not started', { path: consolePath, err: (err as Error).message });
    }
  }
  process.on('SIGINT', () => stop());
  process.on('SIGTERM', () => stop());
}

/**
 * Run from a boot slot (OMSTIL_BOOT_DIR, set by the boot launcher): the first connection to
 * the hub is the health check a new image on trial must pass, so the firmware confirms its
 * slot then (the launcher sees it in boot.json). With the signing key's public half
 * (`boot.publicKeyFile`) the OTA client takes updates from the hub into the other slot and
 * exits with 75 for the launcher to boot it.
 */
function startBootSlot(config: ProvisionedConfig, core: DeviceCore, logger: ReturnType<typeof createLogger>, reboot: () => void): { stop(): Promise<void> } | null {
  const dir = process.env.OMSTIL_BOOT_DIR;
  if (!dir) return null;
  const log = logger.child('boot');
  let slots: BootSlots;
  try {
    slots = BootSlots.open(dir);
  } catch (err) {
    log.error('cannot open the boot slots; not confirming (the launcher will roll back)', { dir, err: (err as Error).message });
    return null;
  }
  let ota: OtaClient | null = null;
  let staging: FileOtaStaging | null = null;
  // the link, not the view (which also waits for the hub's retained status)
  const off = core.onView(() => {
    if (!core.connected) return;
    off();
    try {
      if (slots.confirm()) log.info('connected to the hub: boot slot confirmed', { dir, version: core.fwVersion });
    } catch (err) {
      log.error('cannot confirm the boot slot', { dir, err: (err as Error).message });
    }
    ota?.bootDecided();
  });
  const boot = bootConfigOf(config);
  const bootVersion = process.env.OMSTIL_BOOT_VERSION;
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(readFileSync(boot.publicKeyFile));
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 public key');
  } catch (err) {
    log.warn('no updates over the air: cannot read the signing key', { file: boot.publicKeyFile, err: (err as Error).message });
    return null;
  }
  const installer = createSlotInstaller({
    slots,
    publicKey,
    kind: config.kind,
    bootVersion: bootVersion && isVersion(bootVersion) ? bootVersion : '0.0.0',
    currentVersion: () => core.fwVersion,
    reboot: async () => reboot(),
  });
  staging = new FileOtaStaging({ dir: path.join(dir, 'ota') });
  ota = new OtaClient({ core, staging, installer, clock: systemClock, logger: logger.child('ota'), bootReport: () => slots.takeReport() });
  ota.start();
  return {
    async stop() {
      ota?.stop();
      await staging?.close();
    },
  };
}

/**
 * USB peripherals (docs/peripherals.md): busylights follow what the screen shows, the button
 * diverts in one press (long press: undivert), a headset off its hook lights the light red at
 * once. The hub hears of calls from the PBX (PR-1), so the hook switch stays local.
 */
function startPeripherals(config: ProvisionedConfig, core: DeviceCore, logger: ReturnType<typeof createLogger>): { stop(): Promise<void> } | null {
  const { busylight, button, headset } = config.peripherals;
  if (config.kind !== 'phone' || (!busylight && !button && !headset)) return null;
  const log = logger.child('hid');
  const known = KNOWN_DEVICES.filter((d) => (d.role === 'muteme' ? button : busylight));
  const bus = new NodeHidBus({ logger: log });
  const act = async (intent: PeripheralIntent) => {
    const person = core.mirror.config?.personId;
    if (!person || (intent.type !== 'divert' && intent.type !== 'undivert')) return;
    if (intent.type === 'divert' && !intent.target) return log.warn('divert button pressed, but no preferred colleague is configured');
    const res = intent.type === 'divert' ? await core.request('divert', { person, target: intent.target! }) : await core.request('undivert', { person });
    if (!res.ok) log.warn(`${intent.type} from the button refused`, { code: res.error.code, rule: res.error.rule });
  };
  const manager = new PeripheralManager({ bus, timers: realTimers, clock: systemClock, logger: log, known, headsets: headset, onIntent: (i) => void act(i) });
  core.onView((view) => manager.update(view));
  void manager.start().then(() => bus.start());
  return {
    async stop() {
      bus.stop();
      await manager.stop();
    },
  };
}

void main();
