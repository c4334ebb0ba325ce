/**
 * The config IT provisions on a device: defaults + schema, checked at start (convention 7).
 * Precedence: defaults < config file < environment. Errors name every bad field by its dotted
 * path (`ui.port`). The token is never shown: display goes through `redacted()`.
 */
import { readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod/mini';
import { DeviceKind, Id } from '../../protocol/index.js';

const HUB_PROTOCOLS = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];

function isHubUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return HUB_PROTOCOLS.includes(u.protocol) && u.hostname !== '';
  } catch {
    return false;
  }
}

/** one or more PEM certificates and nothing else */
const PEM_CERTS = /^\s*(-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/;

const Port = z.int().check(z.gte(0), z.lte(65535));

/** The boot launcher's A/B slots (firmware/boot/, docs/firmware.md#ab-slots-health-check-and-rollback). */
export const BootConfig = z.strictObject({
  /** slot-a/, slot-b/ and boot.json */
  dir: z._default(z.string().check(z.minLength(1)), '/var/lib/omstil/boot'),
  /** the public key images must be signed with (`omstil keys` makes it) */
  publicKeyFile: z._default(z.string().check(z.minLength(1)), '/etc/omstil/omstil-signing.pub'),
  /** a new image on trial must confirm (reach the hub) within this */
  healthTimeoutS: z._default(z.int().check(z.gte(5), z.lte(3600)), 60),
});
export type BootConfig = z.infer<typeof BootConfig>;

/** The boot settings of a config, with the defaults when the group is absent. */
export function bootConfigOf(config: ProvisionedConfig): BootConfig {
  return config.boot ?? BootConfig.parse({});
}

export const ProvisionedConfig = z.strictObject({
  deviceId: Id,
  kind: z._default(DeviceKind, 'phone'),
  /** the hub's broker */
  hubUrl: z._default(z.string().check(z.refine(isHubUrl, 'must be an mqtt://, mqtts://, ws:// or wss:// URL with a host')), 'mqtt://127.0.0.1:1883'),
  /** the device's login on the broker; absent: anonymous */
  credentials: z.optional(z.strictObject({ username: z.string().check(z.minLength(1)), token: z.string().check(z.minLength(1)) })),
  /**
   * Issue 10: the certificate(s) the hub's TLS certificate must chain to (mqtts://, wss://), PEM;
   * given, only these are trusted; absent: Node's built-in CA list. Verification is never off.
   */
  ca: z.optional(z.string().check(z.regex(PEM_CERTS, 'must be one or more PEM certificates (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)'))),
  /** the local screen server */
  ui: z.prefault(z.strictObject({ host: z._default(z.string().check(z.minLength(1)), '127.0.0.1'), port: z._default(Port, 8080) }), {}),
  log: z.prefault(
    z.strictObject({
      level: z._default(z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
      /** folder for rotated log files; absent: stderr only */
      dir: z.optional(z.string().check(z.minLength(1))),
      maxBytes: z._default(z.int().check(z.gte(4096)), 1024 * 1024),
      files: z._default(z.int().check(z.gte(1), z.lte(100)), 5),
    }),
    {},
  ),
  /** which USB peripherals to look for */
  peripherals: z.prefault(z.strictObject({ busylight: z._default(z.boolean(), true), button: z._default(z.boolean(), true), headset: z._default(z.boolean(), true) }), {}),
  /** backoff between attempts to reach the hub */
  reconnect: z.prefault(
    z
      .strictObject({
        minMs: z._default(z.int().check(z.gte(100)), 1000),
        maxMs: z._default(z.int().check(z.lte(3_600_000)), 30_000),
        /** attempts at the first delay before it doubles (a hub restart's few seconds) */
        plateau: z._default(z.int().check(z.gte(0), z.lte(1000)), 12),
      })
      .check(z.refine((r) => r.minMs <= r.maxMs, { message: 'must not be less than reconnect.minMs', path: ['maxMs'] })),
    {},
  ),
  /** A/B slots for updates; absent: BootConfig's defaults (read only by the boot launcher and the updater) */
  boot: z.optional(BootConfig),
});
export type ProvisionedConfig = z.infer<typeof ProvisionedConfig>;

/** One bad field: `path` is dotted (`ui.port`), '' for the whole config. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; config: ProvisionedConfig } | { ok: false; errors: ConfigIssue[] };

/** Environment variables and the field each one sets (the names firmware/main.ts has always read). */
export const DEVICE_ENV = {
  OMSTIL_DEVICE_ID: 'deviceId',
  OMSTIL_DEVICE_KIND: 'kind',
  OMSTIL_MQTT_URL: 'hubUrl',
  OMSTIL_UI_PORT: 'ui.port',
  OMSTIL_LOG_LEVEL: 'log.level',
} as const;

export const REDACTED = '(redacted)';

export class DeviceConfigError extends Error {
  readonly code = 'bad-config';
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`bad device config ${source}: ${issues.map(formatIssue).join('; ')}`);
    this.name = 'DeviceConfigError';
  }
}

export function formatIssue(i: ConfigIssue): string {
  return i.path ? `${i.path}: ${i.message}` : i.message;
}

export function parseDeviceConfig(raw: unknown): ParseResult {
  const r = ProvisionedConfig.safeParse(raw);
  if (r.success) return { ok: true, config: r.data };
  const errors = r.error.issues.flatMap((i): ConfigIssue[] => {
    const at = i.path.map(String);
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ path: [...at, k].join('.'), message: 'unknown field' }));
    return [{ path: at.join('.'), message: i.message }];
  });
  return { ok: false, errors };
}

/** Reads `file` (absent: only defaults and environment) and applies the environment; throws DeviceConfigError. */
export function loadDeviceConfig(file: string, env: NodeJS.ProcessEnv = process.env): ProvisionedConfig {
  let raw: unknown = {};
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new DeviceConfigError(file, [{ path: '', message: (err as Error).message }]);
  }
  if (!isRecord(raw)) throw new DeviceConfigError(file, [{ path: '', message: 'must be a JSON object' }]);
  const fromEnv = new Map<string, string>();
  for (const [name, field] of Object.entries(DEVICE_ENV)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    setPath(raw, field, fromText(schemaAt(field)!, text));
    fromEnv.set(field, name);
  }
  const r = parseDeviceConfig(raw);
  if (r.ok) return r.config;
  throw new DeviceConfigError(
    file,
    r.errors.map((i) => (fromEnv.has(i.path) ? { ...i, message: `${i.message} (from ${fromEnv.get(i.path)})` } : i)),
  );
}

/** Writes the config so a power cut leaves the old file or the new one, never half of one. */
export async function saveDeviceConfig(file: string, config: ProvisionedConfig): Promise<void> {
  const checked = parseDeviceConfig(config);
  if (!checked.ok) throw new DeviceConfigError(file, checked.errors);
  const tmp = `${file}.tmp`;
  try {
    // 0600: the file holds the broker token
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(checked.config, null, 2) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    // the rename itself is only durable once the folder is synced
    const dir = await open(path.dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}

/** A copy for display: the token replaced by REDACTED. */
export function redacted(config: ProvisionedConfig): ProvisionedConfig {
  return config.credentials ? { ...config, credentials: { ...config.credentials, token: REDACTED } } : config;
}

/** Whether `path` names a field or group of the config (`ui`, `ui.port`, `credentials.token`). */
export function hasField(path: string): boolean {
  return schemaAt(path) !== undefined;
}

/** The config with one field set from its text form (as typed on the console), validated. */
export function withValue(config: ProvisionedConfig, path: string, text: string): ParseResult {
  const field = schemaAt(path);
  if (!field) return { ok: false, errors: [{ path, message: 'no such field' }] };
  const raw = structuredClone(config) as Record<string, unknown>;
  setPath(raw, path, fromText(field, text));
  return parseDeviceConfig(raw);
}

type Schema = z.core.$ZodType;
type Def = { type: string; innerType?: Schema; shape?: Record<string, Schema> };
const defOf = (s: Schema) => s._zod.def as unknown as Def;

function unwrap(s: Schema): Schema {
  while (['default', 'prefault', 'optional'].includes(defOf(s).type)) s = defOf(s).innerType!;
  return s;
}

function schemaAt(dotted: string): Schema | undefined {
  let s: Schema = ProvisionedConfig;
  for (const key of dotted.split('.')) {
    const shape: Record<string, Schema> | undefined = defOf(unwrap(s)).shape;
    if (!shape || !Object.hasOwn(shape, key)) return undefined;
    s = shape[key]!;
  }
  return s;
}

/** Text to the field's type; text that does not fit stays a string, so the schema names the field. */
function fromText(field: Schema, text: string): unknown {
  const type = defOf(unwrap(field)).type;
  if (type === 'number') return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (type === 'object') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Sets a dotted path, making groups on the way; a group that is not an object is left for the schema to name. */
function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let cur = target;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key] ?? (cur[key] = {});
    if (!isRecord(next)) return;
    cur = next;
  }
  cur[keys.at(-1)!] = value;
}
