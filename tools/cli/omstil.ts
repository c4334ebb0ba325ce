/**
 * The omstil command line: `up` (everything in one process), `hub`, `sim`; the directory
 * (`import`, `export`, `hours`); firmware images (`keys`, `image build`, `image verify`).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, ENV, loadConfig, type Config } from '../../broker/config.js';
import { CalendarConfigError } from '../../broker/calendar/calendar-config.js';
import { DirectoryError } from '../../broker/directory/directory.js';
import { openStore, resolveDirectory, startHubService } from '../../broker/main.js';
import { createLogger, systemClock, type Logger } from '../../protocol/index.js';
import { startSimulation } from '../../simulator/main.js';
import { SimulatedPbx } from '../../simulator/simulated-pbx.js';
import { createPbx } from '../../broker/pbx/create-pbx.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { DemoCallers } from '../../simulator/demo/demo-callers.js';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stderrSink } from '../log-sink.js';
import { Directory } from '../../broker/directory/directory.js';
import { formatDirectoryFile, formatFromName, formatProblems, parseDirectoryFile, type DirectoryFormat } from '../../broker/directory/directory-file.js';
import { describeDiff, diffDirectories } from '../../broker/directory/directory-diff.js';
import { hoursJson, hoursReport } from './hours-report.js';
import { atLocal } from '../../broker/policy/hours/zone.js';
import { FIRMWARE_VERSION } from '../../firmware/device-core.js';
import { buildImage, ImageError, isVersion, verifyImage, type ImageKind, type Manifest, type VerifyResult } from '../../firmware/image/image-format.js';
import { KeyError, readPrivateKey, readPublicKey, writeKeyPair } from '../../firmware/image/image-keys.js';
import { ArchiveError, packFiles, unpackFiles } from '../../firmware/image/file-archive.js';
import { FirmwareFolderError, readFirmwareFolder } from '../../firmware/image/firmware-folder.js';
import { registerFlashCommand } from './flash-command.js';
import { SIM_BOOT_VERSION, startSerialSimulation } from '../../simulator/serial/main.js';
import type { SimFleetOta } from '../../simulator/sim-fleet.js';
import { loadOtaPublicKey } from '../../broker/ota/ota-key.js';
import type { KeyObject } from 'node:crypto';
import { SerialSimError } from '../../simulator/serial/serial-sim.js';
import { registerOtaCommand } from './ota-command.js';
import { registerReportCommand } from './report-command.js';
import { registerProvisionCommands } from './provision-command.js';
import { adminApiBase, readAdminToken } from './admin-client.js';
import { FleetCredentialsError, fetchFleetTokens, issueFleetCredentials, loginsFor, type DeviceMqttOptions } from '../../simulator/fleet-credentials.js';
import { runScenarioCommand } from './scenario-command.js';

const envHelp = '\nEnvironment (overrides the config file; flags override both):\n' + Object.entries(ENV).map(([k, v]) => `  ${k.padEnd(24)} ${v.key}`).join('\n');

const int = (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`not a whole number: ${v}`);
  return n;
};

function common(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'JSON config file')
    .option('--directory <file>', 'directory file (JSON); default: the built-in demo municipality')
    .option('--data-dir <dir>', 'where the database is kept (default .omstil)')
    .option('--store <store>', "issue 10: 'sqlite' (<data-dir>/omstil.db, the default) or postgres://user:pass@host/db; several hubs may share one PostgreSQL database: one is active, the others stand by")
    .option('--host <addr>', 'address to listen on (default 127.0.0.1)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error', 'silent']))
    .addHelpText('after', envHelp);
}

/** The PBX the hub keeps in step (secrets only by environment: OMSTIL_PBX_USER / OMSTIL_PBX_SECRET). */
function pbxOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--pbx <kind>', 'the PBX: kamailio, asterisk, none (up: simulated unless given)').choices(['none', 'simulated', 'kamailio', 'asterisk']))
    .option('--pbx-url <url>', 'kamailio: its JSON-RPC, e.g. http://127.0.0.1:5071/RPC; asterisk: tcp://host:5038')
    .option('--pbx-events <host:port>', 'kamailio: its evapi address for call events');
}

function configFrom(o: Record<string, unknown>): Config {
  return loadConfig({
    file: (o.config as string | undefined) ?? null,
    overrides: {
      directory: o.directory,
      dataDir: o.dataDir,
      store: o.store,
      host: o.host,
      logLevel: o.logLevel,
      mqttPort: o.mqttPort,
      wsPort: o.wsPort === false ? null : o.wsPort,
      httpPort: o.httpPort,
      apiPort: o.apiPort === false ? null : o.apiPort,
      calendars: o.calendars,
      mqttUrl: o.mqttUrl,
      simPhones: o.phones,
      simKiosks: o.kiosks,
      pbx: o.pbx,
      pbxUrl: o.pbxUrl,
      pbxEvents: o.pbxEvents,
      otaPublicKey: o.otaKey,
      tlsCert: o.tlsCert,
      tlsKey: o.tlsKey,
    },
  });
}

function loggerFor(config: Config): Logger {
  return createLogger('omstil', config.logLevel, stderrSink());
}

function onStop(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`\n${signal}: stopping…\n`);
    stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

function line(label: string, value: string, note = ''): string {
  return `  ${label.padEnd(10)} ${value}${note ? `   ${note}` : ''}`;
}

function apiLines(hub: Awaited<ReturnType<typeof startHubService>>): string[] {
  if (!hub.api) return [];
  const where = hub.adminTokenFile ? `in ${hub.adminTokenFile}` : 'from the config';
  return [
    line('api', hub.api.url, `bearer token ${where}`),
    line('fleet', hub.api.fleetUrl, `every device, for IT: log in with the admin token ${where}`),
    line('reports', hub.api.reportsUrl, 'quarterly telephone statistics (ST-1), same login'),
  ];
}

function apiOptions(cmd: Command): Command {
  return cmd
    .option('--api-port <port>', 'admin API port (default 8090)', int)
    .option('--no-api-port', 'no admin API')
    .option('--calendars <file>', 'calendars file (JSON): which CalDAV, ICS or Microsoft Graph calendar belongs to whom (PR-3)')
    .option('--ota-key <path>', 'omstil-signing.pub (or its folder): the key OTA images must be signed with (`omstil ota`)')
    // issue 10 (docs/security.md): ports and plainListeners by config file or OMSTIL_MQTTS_PORT, OMSTIL_WSS_PORT, OMSTIL_PLAIN_LISTENERS
    .option('--tls-cert <file>', 'PEM certificate (chain) of the embedded broker: MQTT over TLS (default port 8883) and WSS (9443); with --tls-key')
    .option('--tls-key <file>', 'its PEM private key');
}

/** Issue 10: the embedded broker's TLS listeners, when on. */
function tlsLines(hub: Awaited<ReturnType<typeof startHubService>>): string[] {
  return [...(hub.mqttsUrl ? [line('mqtts', hub.mqttsUrl, 'MQTT over TLS: give devices this one')] : []), ...(hub.wssUrl ? [line('wss', hub.wssUrl)] : [])];
}

const program = new Command('omstil')
  .description('Presence, one-button diversion and absence for a municipality\'s phones, kept true to its telephone policy.')
  .showHelpAfterError();

pbxOptions(apiOptions(common(program.command('up'))))
  .description('run everything in one process: hub, embedded broker, SQLite, simulated phones, kiosks and PBX, and the device UI')
  .option('--mqtt-port <port>', 'MQTT/TCP port (default 1883)', int)
  .option('--ws-port <port>', 'MQTT over WebSocket port (default 9001)', int)
  .option('--no-ws-port', 'no MQTT over WebSocket')
  .option('--http-port <port>', 'device UI port (default 8080)', int)
  .option('--phones <n>', 'simulated phones (default: all in the directory)', int)
  .option('--kiosks <n>', 'simulated kiosks (default: all in the directory)', int)
  .option('--demo-calls <n>', 'citizens calling the simulated PBX, n calls an hour on average (3-5 minutes each): people show on calls and the reports page fills', int, 0)
  .action(async (o: Record<string, unknown>) => {
    const config = configFrom(o);
    const logger = loggerFor(config);
    // the simulated PBX (routing by the hub's decision per number, as Kamailio does) unless a real one is configured
    const simulated = new SimulatedPbx({ routes: true });
    const pbx = config.pbx === 'none' || config.pbx === 'simulated' ? simulated : createPbx(config, logger.child('pbx'));
    const hub = await startHubService(config, { logger, pbx });
    let sim;
    try {
      const ota = simOta(config.otaPublicKey ? loadOtaPublicKey(config.otaPublicKey) : null, config.dataDir);
      // issue 10: each simulated device its own token, issued in this process (with an external broker there are none)
      const credentials = hub.credentials;
      const logins = credentials ? (ids: string[]) => issueFleetCredentials(credentials, ids) : undefined;
      sim = await startSimulation({ directory: hub.directory, mqttUrl: hub.mqttUrl, host: config.host, httpPort: config.httpPort, logger, pbx: simulated, phones: config.simPhones, kiosks: config.simKiosks, ...(ota ? { ota } : {}), ...(logins ? { logins } : {}) });
    } catch (err) {
      await hub.stop();
      throw err;
    }
    const callers = new DemoCallers({ pbx: simulated, directory: hub.directory, callsPerHour: o.demoCalls as number, logger: logger.child('demo-calls') });
    if (pbx === simulated) callers.start();
    else if ((o.demoCalls as number) > 0) logger.warn('--demo-calls needs the simulated PBX; ignored with --pbx ' + config.pbx);
    onStop(async () => {
      callers.stop();
      await sim.stop();
      await hub.stop();
    });
    const phones = sim.fleet.phones;
    const first = phones[0];
    const colleagueId = first?.mirror.config?.preferred[0];
    const colleague = phones.find((p) => p.mirror.config?.personId === colleagueId);
    const who = (deviceId: string | undefined) => {
      const person = deviceId ? hub.directory.people.get(hub.directory.devices.get(deviceId)?.person ?? '') : undefined;
      return person ? `${person.name} (${hub.directory.departments.get(person.dept)?.name})` : '';
    };
    const d = hub.directory;
    const out = [
      `omstil is up: ${d.data.municipality}, ${d.departments.size} departments, ${d.people.size} people, ${phones.length} phones, ${sim.fleet.kiosks.length} kiosks`,
      line('mqtt', hub.mqttUrl),
      ...(hub.wsUrl ? [line('mqtt-ws', hub.wsUrl)] : []),
      ...tlsLines(hub),
      ...(first ? [line('phone', sim.bridge.phoneUrl(first.deviceId), who(first.deviceId))] : []),
      ...(colleague ? [line('colleague', sim.bridge.phoneUrl(colleague.deviceId), who(colleague.deviceId))] : []),
      ...sim.fleet.kiosks.slice(0, 1).map((k) => line('reception', sim.bridge.kioskUrl(k.deviceId))),
      line('devices', `${sim.bridge.url}/`, 'every simulated phone and kiosk'),
      ...apiLines(hub),
      ...((o.demoCalls as number) > 0 && pbx === simulated ? [line('calls', `about ${o.demoCalls as number} an hour`, 'citizens calling the simulated PBX (--demo-calls): counted on the reports page')] : []),
      ...(config.otaPublicKey ? [line('ota', `omstil ota IMAGE --data-dir ${config.dataDir}`, 'the simulated devices have A/B slots and take images signed with --ota-key')] : []),
      line('database', hub.dbFile),
      'Press Ctrl+C to stop.',
    ];
    process.stdout.write(out.join('\n') + '\n');
  });

pbxOptions(apiOptions(common(program.command('hub'))))
  .description('run the hub alone: embedded broker (or --mqtt-url), SQLite, directory')
  .option('--mqtt-port <port>', 'MQTT/TCP port (default 1883)', int)
  .option('--ws-port <port>', 'MQTT over WebSocket port (default 9001)', int)
  .option('--no-ws-port', 'no MQTT over WebSocket')
  .option('--mqtt-url <url>', 'use an external broker instead of the embedded one')
  .action(async (o: Record<string, unknown>) => {
    const config = configFrom(o);
    // issue 10: a hub that lost its database lock has stopped itself; exit so a supervisor restarts it into standby
    const hub = await startHubService(config, { logger: loggerFor(config), onLeadershipLost: () => process.exit(1) });
    onStop(() => hub.stop());
    const ota = config.otaPublicKey && hub.api ? [line('ota', `omstil ota IMAGE --data-dir ${config.dataDir}`, `rollouts of images signed with the key in ${config.otaPublicKey}`)] : [];
    const out = [`omstil hub is up: ${hub.directory.data.municipality}`, line('mqtt', hub.mqttUrl), ...(hub.wsUrl ? [line('mqtt-ws', hub.wsUrl)] : []), ...tlsLines(hub), ...apiLines(hub), ...ota, line('database', hub.dbFile)];
    process.stdout.write(out.join('\n') + '\n');
  });

common(program.command('sim'))
  .description('run simulated phones and kiosks (the real firmware core) against a running hub, with their screens')
  .option('--mqtt-url <url>', 'the hub\'s broker', 'mqtt://127.0.0.1:1883')
  .option('--http-port <port>', 'device UI port (default 8080)', int)
  .option('--phones <n>', 'simulated phones (default: all in the directory)', int)
  .option('--kiosks <n>', 'simulated kiosks (default: all in the directory)', int)
  .option('--serial [n]', 'instead: n devices (default 1) IT flashes over serial, each on a socat pty pair; prints the ports for `omstil flash --port`', int)
  .option('--baud <rate>', 'with --serial: the line rate the devices\' bootloaders pace to (8N1)', int, 115200)
  .option('--key <dir>', 'folder with omstil-signing.pub, the key the devices trust: with --serial for flashing; without, the simulated devices get A/B slots and take `omstil ota` updates')
  .option('--api <url>', 'the hub\'s admin API, which issues each simulated device its own token (issue 10)', 'http://127.0.0.1:8090')
  .option('--token-file <file>', 'the admin token for --api (default: OMSTIL_ADMIN_TOKEN, else <data-dir>/admin-token)')
  .option('--no-provision', 'connect the devices without tokens (only a hub with deviceAuth when-provisioned lets them in)')
  .addOption(new Option('--scenario <name>', 'instead: simulate a municipal day with and without omstil\'s policies and print the KPIs side by side (docs/scenario.md)').choices(['day']))
  .option('--seed <n>', 'with --scenario: the random seed (the same seed, the same day)', int)
  .option('--json', 'with --scenario: print the result as JSON')
  .option('--departments <n>', 'with --scenario: departments in the simulated municipality (default 20)', int)
  .option('--date <YYYY-MM-DD>', 'with --scenario: the simulated day (default 2026-11-24, a Tuesday)')
  .addHelpText(
    'after',
    '\nThe simulated PBX runs inside the hub process: use `omstil up` to place calls.\n' +
      'Each simulated device is issued its own token through the hub\'s admin API at start (--api, and --data-dir or --token-file for the\n' +
      'admin token); this replaces any token the device had, so do not simulate devices that real ones are provisioned as.',
  )
  .action(async (o: Record<string, unknown>) => {
    if (o.scenario !== undefined) return runScenarioCommand(o);
    const config = configFrom(o);
    const logger = loggerFor(config);
    const directory = await resolveDirectory(config);
    if (o.serial !== undefined) return simSerial(o, config, directory, logger);
    const ota = simOta(o.key ? readPublicKey(o.key as string) : null, config.dataDir);
    const logins = simLogins(o, config);
    const sim = await startSimulation({ directory, mqttUrl: config.mqttUrl!, host: config.host, httpPort: config.httpPort, logger, phones: config.simPhones, kiosks: config.simKiosks, ...(ota ? { ota } : {}), ...(logins ? { logins } : {}) });
    onStop(() => sim.stop());
    process.stdout.write([`omstil sim is up: ${sim.fleet.phones.length} phones, ${sim.fleet.kiosks.length} kiosks`, line('devices', `${sim.bridge.url}/`)].join('\n') + '\n');
  });

/**
 * Issue 10: `omstil sim` runs against a hub in another process, so each device's token comes
 * through the hub's admin API (as `omstil provision` gets one), with the admin token from
 * --token-file, OMSTIL_ADMIN_TOKEN or the data dir's admin-token file; none with --no-provision.
 */
function simLogins(o: Record<string, unknown>, config: Config): ((deviceIds: string[]) => Promise<DeviceMqttOptions>) | undefined {
  if (o.provision === false) return undefined;
  const fix = '(pass --api, --token-file or --data-dir; or --no-provision for a hub with deviceAuth when-provisioned)';
  return async (deviceIds) => {
    let why = '';
    const adminToken = readAdminToken({ ...(o.tokenFile ? { tokenFile: o.tokenFile as string } : {}), dataDir: config.dataDir }, (l) => (why = l));
    if (adminToken === null) throw new CliError(`the simulated devices need tokens from the hub: ${why}; or --no-provision`);
    try {
      return loginsFor(await fetchFleetTokens({ apiBase: adminApiBase(o.api as string), adminToken, deviceIds }));
    } catch (err) {
      if (err instanceof FleetCredentialsError) throw new CliError(`the simulated devices need tokens from the hub: ${err.message} ${fix}`);
      throw err;
    }
  };
}

/** Simulated devices with A/B slots under the data dir that trust `publicKey`: they take `omstil ota` updates (docs/firmware.md). */
function simOta(publicKey: KeyObject | null, dataDir: string): SimFleetOta | undefined {
  return publicKey ? { publicKey, bootDir: path.join(dataDir, 'sim-devices'), bootVersion: SIM_BOOT_VERSION } : undefined;
}

/** `omstil sim --serial [n]`: devices with a serial bootloader on pty pairs (docs/firmware.md, "Flashing over serial"). */
async function simSerial(o: Record<string, unknown>, config: Config, directory: Directory, logger: Logger): Promise<void> {
  if (!o.key) throw new CliError('--serial needs --key DIR: the folder with omstil-signing.pub, which the devices check images against');
  const publicKey = readPublicKey(o.key as string);
  const count = o.serial === true ? 1 : (o.serial as number);
  if (count < 1) throw new CliError('--serial: give at least 1 device');
  let sim;
  try {
    const logins = simLogins(o, config);
    sim = await startSerialSimulation({ directory, mqttUrl: config.mqttUrl!, count, baud: o.baud as number, publicKey, dataDir: config.dataDir, clock: systemClock, logger, ...(logins ? { logins } : {}) });
  } catch (err) {
    if (err instanceof SerialSimError) throw new CliError(err.message);
    throw err;
  }
  onStop(() => sim.stop());
  const width = Math.max(...sim.ports.map((p) => p.deviceId.length), 8);
  process.stdout.write(
    [
      `omstil sim is up: ${sim.ports.length} device${sim.ports.length === 1 ? '' : 's'} on serial lines at ${o.baud as number} baud (8N1), reporting to ${config.mqttUrl}`,
      ...sim.ports.map((p) => `  ${p.deviceId.padEnd(width)}  ${p.hostPath}`),
      `Flash one with: omstil flash --port ${sim.ports[0]?.hostPath ?? 'PORT'} IMAGE`,
      'Press Ctrl+C to stop.',
    ].join('\n') + '\n',
  );
}

program
  .command('demo-directory')
  .description('write the demo municipality\'s directory as JSON: a starting point for your own --directory file')
  .option('--people-per-dept <n>', 'people (each with a phone) per department', int, 4)
  .option('--kiosks <n>', 'reception kiosks', int, 2)
  .option('-o, --out <file>', 'write to a file instead of stdout')
  .action((o: { peoplePerDept: number; kiosks: number; out?: string }) => {
    const json = JSON.stringify(demoDirectory({ peoplePerDept: o.peoplePerDept, kiosks: o.kiosks }), null, 2) + '\n';
    if (o.out) writeFileSync(o.out, json);
    else process.stdout.write(json);
  });

function formatOf(file: string, given: string | undefined): DirectoryFormat {
  const format = (given as DirectoryFormat | undefined) ?? formatFromName(file);
  if (format !== 'json' && format !== 'csv') throw new CliError(`cannot tell the format of ${file}: name it .json or .csv, or pass --format`);
  return format;
}

class CliError extends Error {}

program
  .command('import')
  .description('validate a directory file (JSON or CSV) and make it the one in force (RT-1); a running hub applies it within a second')
  .argument('<file>', 'directory file: .json or .csv (see `omstil export` for the format)')
  .option('--data-dir <dir>', 'where the database is kept (default .omstil)')
  .option('--store <store>', "'sqlite' (default) or the hub's postgres:// URL (OMSTIL_STORE)")
  .addOption(new Option('--format <format>', 'file format (default: by extension)').choices(['json', 'csv']))
  .option('--dry-run', 'validate and report what would change; change nothing')
  .action((file: string, o: { dataDir?: string; store?: string; format?: string; dryRun?: boolean }) => {
    const config = loadConfig({ overrides: { dataDir: o.dataDir, store: o.store } });
    const format = formatOf(file, o.format);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const parsed = parseDirectoryFile(text, format);
    if (!parsed.ok) {
      process.stderr.write(`${formatProblems(parsed.problems, file)}\n${file}: ${parsed.problems.length} problem(s); nothing was imported\n`);
      process.exitCode = 1;
      return;
    }
    const store = openStore(config);
    try {
      const before = store.loadDirectory();
      const summary = describeDiff(diffDirectories(before?.data ?? null, parsed.data));
      if (o.dryRun) {
        process.stdout.write(`${file} is valid: ${summary} (dry run: nothing imported)\n`);
        return;
      }
      const saved = store.saveDirectory(parsed.data, path.resolve(file), new Date());
      process.stdout.write(
        saved.changed
          ? `imported ${file} as directory version ${saved.version}: ${summary}\n`
          : `no changes: ${file} matches directory version ${saved.version}, which is in force\n`,
      );
    } finally {
      store.close();
    }
  });

program
  .command('export')
  .description('write the directory in force (RT-1) as JSON or CSV, in the format `omstil import` reads')
  .option('--data-dir <dir>', 'where the database is kept (default .omstil)')
  .option('--store <store>', "'sqlite' (default) or the hub's postgres:// URL (OMSTIL_STORE)")
  .addOption(new Option('--format <format>', 'file format (default: by the --out extension, else json)').choices(['json', 'csv']))
  .option('-o, --out <file>', 'write to a file instead of stdout')
  .action((o: { dataDir?: string; store?: string; format?: string; out?: string }) => {
    const config = loadConfig({ overrides: { dataDir: o.dataDir, store: o.store } });
    const format = o.out ? formatOf(o.out, o.format) : ((o.format as DirectoryFormat | undefined) ?? 'json');
    const store = openStore(config);
    let data;
    try {
      data = store.loadDirectory()?.data ?? Directory.parse(demoDirectory()).data; // what a fresh hub would use
    } finally {
      store.close();
    }
    const text = formatDirectoryFile(data, format);
    if (o.out) writeFileSync(o.out, text);
    else process.stdout.write(text);
  });

program
  .command('hours')
  .description('a department\'s (or group number\'s) phone hours this week, and whether it answers now (PH-1, PH-2)')
  .argument('<id>', 'department or group id')
  .option('--data-dir <dir>', 'where the database is kept (default .omstil)')
  .option('--store <store>', "'sqlite' (default) or the hub's postgres:// URL (OMSTIL_STORE)")
  .option('--directory <file>', 'read this directory file instead of the one in force')
  .option('--at <time>', 'as if it were this time (ISO 8601), e.g. 2026-12-25T10:00')
  .addOption(new Option('--lang <lang>', 'language').choices(['da', 'en']).default('da'))
  .option('--json', 'print the facts as JSON')
  .action(async (id: string, o: { dataDir?: string; store?: string; directory?: string; at?: string; lang: 'da' | 'en'; json?: boolean }) => {
    const config = loadConfig({ overrides: { dataDir: o.dataDir, store: o.store, directory: o.directory } });
    let dir: Directory;
    if (config.directory) dir = await resolveDirectory(config);
    else {
      const store = openStore(config);
      try {
        const stored = store.loadDirectory();
        dir = stored ? Directory.parse(stored.data, `directory version ${stored.version}`) : Directory.parse(demoDirectory(), 'built-in demo directory');
      } finally {
        store.close();
      }
    }
    const at = o.at ? parseLocalTime(o.at) : new Date();
    let text: string;
    try {
      text = o.json ? JSON.stringify(hoursJson(dir, id, at, o.lang), null, 2) : hoursReport(dir, id, at, o.lang);
    } catch (err) {
      throw new CliError((err as Error).message); // an unknown id: the message lists the known ones
    }
    process.stdout.write(text + '\n');
  });

const version = (v: string) => {
  if (!isVersion(v)) throw new InvalidArgumentError(`not a version: ${v} (use MAJOR.MINOR.PATCH, e.g. 1.4.0)`);
  return v;
};

/** Usage errors of the firmware-image commands exit with 2 (commander's own default is 1). */
const usageExit = (err: { exitCode: number }) => process.exit(err.exitCode === 0 ? 0 : 2);

function manifestLines(m: Manifest, files?: number): string[] {
  return [
    line('version', m.version),
    line('kind', m.kind),
    line('min boot', m.minBootVersion),
    line('size', `${m.size} bytes`, files === undefined ? '' : `${files} files`),
    line('sha256', m.sha256),
    line('built at', m.builtAt),
    line('key id', m.keyId),
  ];
}

program
  .command('keys')
  .description('make an Ed25519 key pair for signing firmware images: omstil-signing.key (private, 0600) and omstil-signing.pub')
  .requiredOption('--out <dir>', 'folder for the key pair (created 0700); keep it off devices and out of git')
  .option('--force', 'replace a key pair that is there already (images signed with it stop verifying)')
  .exitOverride(usageExit)
  .action((o: { out: string; force?: boolean }) => {
    const k = writeKeyPair(o.out, { force: o.force });
    process.stdout.write(
      [`made signing key ${k.keyId}`, line('private', k.privateFile, 'for `omstil image build` only: keep it secret'), line('public', k.publicFile, 'for `omstil image verify` and devices')].join('\n') + '\n',
    );
  });

const image = program
  .command('image')
  .description('signed firmware images of the built dist/firmware/ (see docs/firmware.md#firmware-images)')
  .exitOverride(usageExit);

image
  .command('build')
  .description('pack dist/firmware/ (run `npm run build` first) into an image signed with the private key')
  .requiredOption('--key <dir>', 'folder with omstil-signing.key (from `omstil keys`)')
  .requiredOption('-o, --out <file>', 'the image file to write')
  .addOption(new Option('--kind <kind>', 'devices it is for').choices(['phone', 'kiosk', 'any']).default('any'))
  .option('--version <version>', 'firmware version', version, FIRMWARE_VERSION)
  .option('--min-boot-version <version>', 'oldest updater that may install it', version, '0.0.0')
  .option('--from <dir>', 'the built firmware folder', 'dist/firmware')
  .action((o: { key: string; out: string; kind: ImageKind; version: string; minBootVersion: string; from: string }) => {
    const privateKey = readPrivateKey(o.key);
    const files = readFirmwareFolder(o.from);
    const { bytes, manifest } = buildImage({ payload: packFiles(files), version: o.version, kind: o.kind, minBootVersion: o.minBootVersion, privateKey });
    writeFileSync(o.out, bytes);
    process.stdout.write([`wrote ${o.out}: ${bytes.length} bytes, firmware ${manifest.version} for ${manifest.kind} devices`, ...manifestLines(manifest, files.length)].join('\n') + '\n');
  });

image
  .command('verify')
  .description('check an image: structure, signature (public key only), SHA-256, kind and version; exit 0 only for a good image, 1 when refused')
  .argument('<file>', 'the image file')
  .requiredOption('--key <dir>', 'folder with omstil-signing.pub')
  .addOption(new Option('--kind <kind>', 'the device it is meant for: refuse images for the other kind').choices(['phone', 'kiosk']))
  .option('--current <version>', 'the version installed now: refuse older images', version)
  .option('--allow-downgrade', 'accept an image older than --current')
  .option('--json', 'print the result as JSON')
  .action((file: string, o: { key: string; kind?: 'phone' | 'kiosk'; current?: string; allowDowngrade?: boolean; json?: boolean }) => {
    const publicKey = readPublicKey(o.key);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const r = verifyImage(bytes, publicKey, { kind: o.kind, currentVersion: o.current, allowDowngrade: o.allowDowngrade });
    let files: number | undefined;
    let result: VerifyResult = r;
    if (r.ok) {
      try {
        files = unpackFiles(r.payload).length;
      } catch (err) {
        if (!(err instanceof ArchiveError)) throw err;
        result = { ok: false, code: 'image-payload', message: `payload: ${err.message}`, manifest: r.manifest };
      }
    }
    if (o.json) {
      const { payload: _payload, ...rest } = result as { payload?: Buffer };
      process.stdout.write(JSON.stringify({ file, ...rest, ...(files === undefined ? {} : { files }) }, null, 2) + '\n');
    } else if (result.ok) {
      process.stdout.write([`${file}: good image, signed by key ${result.manifest.keyId}`, ...manifestLines(result.manifest, files)].join('\n') + '\n');
    } else {
      process.stderr.write(`omstil: ${file} refused (${result.code}): ${result.message}\n`);
    }
    process.exitCode = result.ok ? 0 : 1;
  });

/** An ISO time; without an offset it is Copenhagen wall-clock time. */
function parseLocalTime(text: string): Date {
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
  const at = hasZone ? new Date(text) : atLocal(text.slice(0, 10), text.length > 10 ? text.slice(11, 16) : '12:00');
  if (Number.isNaN(at.getTime())) throw new CliError(`--at: not a time: ${text} (use e.g. 2026-12-25T10:00)`);
  return at;
}

registerFlashCommand(program);
registerOtaCommand(program);
registerReportCommand(program);
registerProvisionCommands(program);

program.parseAsync().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (err instanceof ConfigError || err instanceof DirectoryError || err instanceof CliError || err instanceof CalendarConfigError || err instanceof KeyError || err instanceof FirmwareFolderError || err instanceof ImageError || err instanceof ArchiveError) process.stderr.write(`omstil: ${e.message}\n`);
  else if (e.code === 'EADDRINUSE') process.stderr.write(`omstil: port ${e.port} is already in use; choose another (see --help for the port flags)\n`);
  else process.stderr.write(`omstil: ${e.stack ?? String(err)}\n`);
  process.exit(2);
});
