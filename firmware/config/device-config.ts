/**
 * The config IT provisions on a device: defaults + schema, checked at start (convention 7).
 * Precedence: defaults < config file < environment. Errors name every bad field by its dotted
 * path (`ui.port`). The token is never shown: display goes through `redacted()`.
 */
import { readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
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

const Port = z.number().int().min(0).max(65535);

export const ProvisionedConfig = z.strictObject({
  deviceId: Id,
  kind: DeviceKind.default('phone'),
  /** the hub's broker */
  hubUrl: z.string().refine(isHubUrl, 'must be an mqtt://, mqtts://, ws:// or wss:// URL with a host').default('mqtt://127.0.0.1:1883'),
  /** the device's login on the broker; absent: anonymous */
  credentials: z.strictObject({ username: z.string().min(1), token: z.string().min(1) }).optional(),
  /** the local screen server */
  ui: z.strictObject({ host: z.string().min(1).default('127.0.0.1'), port: Port.default(8080) }).prefault({}),
  log: z
    .strictObject({
      level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
      /** folder for rotated log files; absent: stderr only */
      dir: z.string().min(1).optional(),
      maxBytes: z.number().int().min(4096).default(1024 * 1024),
      files: z.number().int().min(1).max(100).default(5),
    })
    .prefault({}),
  /** which USB peripherals to look for */
  peripherals: z.strictObject({ busylight: z.boolean().default(true), button: z.boolean().default(true), headset: z.boolean().default(true) }).prefault({}),
  /** backoff between attempts to reach the hub */
  reconnect: z
    .strictObject({ minMs: z.number().int().min(100).default(1000), maxMs: z.number().int().max(3_600_000).default(30_000) })
    .refine((r) => r.minMs <= r.maxMs, { message: 'must not be less than reconnect.minMs', path: ['maxMs'] })
    .prefault({}),
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

function unwrap(s: Schema): Schema {
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) s = s.unwrap() as Schema;
  return s;
}

function schemaAt(dotted: string): Schema | undefined {
  let s: Schema | undefined = ProvisionedConfig;
  for (const key of dotted.split('.')) {
    const obj = unwrap(s);
    if (!(obj instanceof z.ZodObject) || !Object.hasOwn(obj.shape, key)) return undefined;
    s = obj.shape[key] as Schema;
  }
  return s;
}

/** Text to the field's type; text that does not fit stays a string, so the schema names the field. */
function fromText(field: Schema, text: string): unknown {
  const s = unwrap(field);
  if (s instanceof z.ZodNumber) return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  if (s instanceof z.ZodBoolean) return text === 'true' ? true : text === 'false' ? false : text;
  if (s instanceof z.ZodObject) {
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
