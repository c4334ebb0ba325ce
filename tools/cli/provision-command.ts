/**
 * Issue 10, device identity (docs/provisioning.md, "Credentials"):
 *
 * `omstil provision DEVICE [--out FILE]` issues the device its own token through the running
 * hub's admin API (a device provisioned before gets a new one: the old one stops working) and
 * writes the device's provisioning fragment: `deviceId`, `kind`, `hubUrl`,
 * `credentials: {username, token}` and, when known, `ca` (the PEM certificate(s) the device
 * verifies the hub's TLS certificate by: `--ca FILE`, else the one the hub offers), the fields of the device config
 * (firmware/config/device-config.ts) that identify it. With --out it goes to FILE (mode 0600,
 * written whole or not at all), else to stdout; the hub shows the token this once.
 *
 * `omstil revoke DEVICE` revokes it: the hub disconnects the device at once and refuses it
 * until it is provisioned again.
 *
 * Exit status: 0 done; 1 the hub refused (an unknown device, nothing to revoke, a hub with an
 * external broker); 2 a usage error, the admin token could not be read, the hub could not be
 * reached, or --out could not be written.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { adminApiBase, readAdminToken } from './admin-client.js';

interface ApiOptions {
  api: string;
  tokenFile?: string;
  dataDir: string;
}

interface ProvisionOptions extends ApiOptions {
  out?: string;
  force?: boolean;
  mqttUrl?: string;
  ca?: string;
}

/** What POST /api/v1/devices/:id/credentials answers. */
interface Issued {
  deviceId: string;
  kind: 'phone' | 'kiosk';
  token: string;
  issuedAt: string;
  /** the hub's broker as the hub sees it (mqtts:// when it has TLS) */
  mqttUrl: string;
  /** issue 10: PEM certificate(s) to verify the hub by, when the hub's chain holds one */
  ca?: string;
}

type ApiAnswer<T> = { ok: true; status: number; body: T } | { ok: false; exit: number };

const say = (msg: string) => process.stderr.write(`omstil: ${msg}\n`);

export function registerProvisionCommands(program: Command): void {
  const api = (cmd: Command) =>
    cmd
      .option('--api <url>', 'the hub\'s admin API', 'http://127.0.0.1:8090')
      .option('--token-file <file>', 'the admin token (default: OMSTIL_ADMIN_TOKEN, else <data-dir>/admin-token)')
      .option('--data-dir <dir>', 'the hub\'s data directory, for its admin-token file', '.omstil')
      .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

  api(program.command('provision'))
    .description('issue a device its own broker token (a new one replaces the old) and write its provisioning fragment: deviceId, kind, hubUrl, credentials')
    .argument('<device>', 'the device id in the directory, e.g. phone-anna-holm')
    .option('-o, --out <file>', 'write the fragment to this file (mode 0600) instead of stdout')
    .option('--force', 'replace --out when it exists')
    .option('--mqtt-url <url>', 'the hub\'s broker as the device reaches it, e.g. mqtts://hub.kommune.dk:8883 (default: the URL the hub listens on)')
    .option('--ca <file>', 'PEM certificate(s) the device verifies the hub\'s TLS certificate by, e.g. the municipality\'s root CA (default: the one the hub offers, if any)')
    .addHelpText(
      'after',
      '\nThe token is shown this once and stored nowhere (the hub keeps only its hash): install the fragment on the device\n' +
        '(its config file, or `set credentials …` on its serial console, then `save` and `reboot`). See docs/provisioning.md.\n' +
        'Exit status: 0 issued; 1 refused by the hub (e.g. an unknown device); 2 usage errors, the hub not reachable, --out not writable.',
    )
    .action(async (deviceId: string, o: ProvisionOptions) => {
      process.exitCode = await provision(deviceId, o);
    });

  api(program.command('revoke'))
    .description('revoke a device\'s broker token: the hub disconnects it at once and refuses it until it is provisioned again')
    .argument('<device>', 'the device id')
    .addHelpText('after', '\nExit status: 0 revoked; 1 refused by the hub (no credential in force, unknown device); 2 usage errors or the hub not reachable.')
    .action(async (deviceId: string, o: ApiOptions) => {
      process.exitCode = await revoke(deviceId, o);
    });
}

async function provision(deviceId: string, o: ProvisionOptions): Promise<number> {
  if (o.mqttUrl !== undefined && !isHubUrl(o.mqttUrl)) {
    say(`--mqtt-url: must be an mqtt://, mqtts://, ws:// or wss:// URL with a host, got "${o.mqttUrl}"`);
    return 2;
  }
  let ca: string | undefined;
  if (o.ca !== undefined) {
    try {
      ca = readFileSync(o.ca, 'utf8');
    } catch (err) {
      say(`--ca: cannot read ${o.ca}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return 2;
    }
    // only the certificates: bundles often carry comments around them, which the device config refuses
    const pems = ca.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    if (!pems) {
      say(`--ca: ${o.ca} holds no PEM certificate`);
      return 2;
    }
    ca = pems.join('\n') + '\n';
  }
  // the file is made (0600) before the token is issued: a token that cannot be written is never issued
  let out: { file: string; tmp: string; fd: number } | null = null;
  if (o.out) {
    const file = path.resolve(o.out);
    if (existsSync(file) && !o.force) {
      say(`${file} exists: pass --force to replace it (nothing was issued)`);
      return 2;
    }
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      out = { file, tmp, fd: openSync(tmp, 'wx', 0o600) };
    } catch (err) {
      say(`cannot write ${file}: ${(err as Error).message} (nothing was issued)`);
      return 2;
    }
  }
  const discard = () => {
    if (!out) return;
    closeSync(out.fd);
    rmSync(out.tmp, { force: true });
  };
  const answer = await call<Issued>('POST', deviceId, o);
  if (!answer.ok) {
    discard();
    return answer.exit;
  }
  const issued = answer.body;
  const hubUrl = o.mqttUrl ?? issued.mqttUrl;
  // the device config's own fields (firmware/config/device-config.ts): merged into its file, or set on its console
  ca ??= issued.ca;
  const fragment = { deviceId: issued.deviceId, kind: issued.kind, hubUrl, credentials: { username: issued.deviceId, token: issued.token }, ...(ca ? { ca } : {}) };
  const json = JSON.stringify(fragment, null, 2) + '\n';
  if (out) {
    try {
      writeSync(out.fd, json);
      fsyncSync(out.fd);
      closeSync(out.fd);
      renameSync(out.tmp, out.file);
    } catch (err) {
      rmSync(out.tmp, { force: true });
      say(`the hub issued ${deviceId} a token at ${issued.issuedAt}, but ${out.file} could not be written: ${(err as Error).message}; provision it again`);
      return 2;
    }
    say(`issued ${deviceId} (${issued.kind}) a token at ${issued.issuedAt}; wrote ${out.file} (mode 0600): install it on the device`);
  } else {
    process.stdout.write(json);
    say(`issued ${deviceId} (${issued.kind}) a token at ${issued.issuedAt}; the token is shown this once`);
  }
  if (!ca && /^(mqtts|wss):/.test(hubUrl)) say(`no ca in the fragment: the device trusts only Node's built-in CA list; pass --ca with the CA that issued the hub's certificate`);
  if (!o.mqttUrl && isLoopback(hubUrl)) say(`hubUrl ${hubUrl} is the hub's own machine: pass --mqtt-url with the address devices reach the hub at`);
  return 0;
}

async function revoke(deviceId: string, o: ApiOptions): Promise<number> {
  const answer = await call<{ deviceId: string; revokedAt: string }>('DELETE', deviceId, o);
  if (!answer.ok) return answer.exit;
  say(`revoked ${deviceId}'s token at ${answer.body.revokedAt}: it is disconnected and refused until \`omstil provision ${deviceId}\``);
  return 0;
}

/** POST or DELETE /api/v1/devices/:id/credentials; says what went wrong and with which exit status. */
async function call<T>(method: 'POST' | 'DELETE', deviceId: string, o: ApiOptions): Promise<ApiAnswer<T>> {
  if (!/^[a-z0-9-]{1,64}$/.test(deviceId)) {
    say(`not a device id: "${deviceId}" (a-z, 0-9 and -, at most 64 characters)`);
    return { ok: false, exit: 2 };
  }
  const token = readAdminToken(o, say);
  if (token === null) return { ok: false, exit: 2 };
  const url = `${adminApiBase(o.api)}/devices/${deviceId}/credentials`;
  let res: Response;
  try {
    res = await fetch(url, { method, headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause?.message;
    say(`cannot reach the hub at ${o.api}: ${cause ?? (err as Error).message}`);
    return { ok: false, exit: 2 };
  }
  const body = (await res.json().catch(() => null)) as (T & { ok?: false; error?: { code: string; message: string } }) | null;
  if (res.ok && body && body.ok !== false) return { ok: true, status: res.status, body };
  const e = body?.error ?? { code: `http-${res.status}`, message: res.statusText };
  say(`the hub said ${res.status} (${e.code}): ${e.message}`);
  // refused by the hub: 1; the admin token or the request itself was wrong: 2
  return { ok: false, exit: res.status === 404 || res.status === 503 || res.status === 409 ? 1 : 2 };
}

function isHubUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return ['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(u.protocol) && u.hostname !== '';
  } catch {
    return false;
  }
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
  } catch {
    return false;
  }
}
