/**
 * Hub configuration: defaults + schema, checked at start (convention 7).
 * Precedence: defaults < config file < environment < command-line flags.
 */
import { z } from 'zod';
import { readFileSync } from 'node:fs';

export const Config = z.strictObject({
  /** address every server listens on */
  host: z.string().default('127.0.0.1'),
  /** embedded broker's MQTT/TCP port (0 = any free port) */
  mqttPort: z.number().int().min(0).max(65535).default(1883),
  /** embedded broker's MQTT-over-WebSocket port; null disables it */
  wsPort: z.number().int().min(0).max(65535).nullable().default(9001),
  /** device UI and bridge (simulated devices) */
  httpPort: z.number().int().min(0).max(65535).default(8080),
  /** the hub's admin API (HTTP, bearer token); null disables it */
  apiPort: z.number().int().min(0).max(65535).nullable().default(8090),
  /** the admin API's bearer token; null: generated once and kept in `<dataDir>/admin-token` */
  adminToken: z.string().min(16, 'must be at least 16 characters').nullable().default(null),
  /** external broker (mqtt://, mqtts://, ws://); null runs the embedded broker */
  mqttUrl: z.string().url().nullable().default(null),
  /** the hub's password on an external broker (username omstil-hub) */
  mqttPassword: z.string().nullable().default(null),
  /**
   * Issue 10: who keeps the devices' logins and ACLs on an external broker (mqttUrl).
   * 'mosquitto-dynsec': the hub drives Mosquitto's dynamic-security plugin over
   * `$CONTROL/dynamic-security/v1` (its omstil-hub client needs the plugin's admin role);
   * 'none': the broker's operator does it (every device's topics as in docs/security.md).
   */
  mqttAdmin: z.enum(['none', 'mosquitto-dynsec']).default('none'),
  /** Issue 10: PEM certificate (chain) for MQTT over TLS and WSS on the embedded broker; with tlsKey; null: no TLS listeners */
  tlsCert: z.string().min(1).nullable().default(null),
  /** Issue 10: the certificate's PEM private key */
  tlsKey: z.string().min(1).nullable().default(null),
  /** Issue 10: the embedded broker's MQTT-over-TLS port (with tlsCert/tlsKey; 0 = any free port) */
  mqttsPort: z.number().int().min(0).max(65535).default(8883),
  /** Issue 10: the embedded broker's MQTT-over-WebSocket-over-TLS port (with tlsCert/tlsKey); null disables it */
  wssPort: z.number().int().min(0).max(65535).nullable().default(9443),
  /** Issue 10: with TLS on, also listen in clear (mqttPort, wsPort); false: TLS only */
  plainListeners: z.boolean().default(true),
  /**
   * Issue 10: where the hub keeps its state: 'sqlite' (`<dataDir>/omstil.db`, the default) or a
   * PostgreSQL URL (postgres://user:pass@host:5432/db); with PostgreSQL, several hubs may run
   * at once: one is active, the others wait on an advisory lock and take over when it stops.
   */
  store: z.string().regex(/^(sqlite|postgres(ql)?:\/\/.+)$/, "must be 'sqlite' or a postgres:// URL").default('sqlite'),
  /** where the SQLite database lives */
  dataDir: z.string().default('.omstil'),
  /** directory file (JSON or CSV) imported at start; null uses the imported one, or the built-in demo municipality */
  directory: z.string().nullable().default(null),
  /** PR-3: the calendars file (which calendar belongs to whom); null: no calendar sync */
  calendars: z.string().nullable().default(null),
  /** how often every calendar is polled */
  calendarPollSeconds: z.number().int().min(5).max(86_400).default(60),
  /** DV-5: how many minutes before a meeting the phone offers the diversion */
  meetingPromptMinutes: z.number().int().min(0).max(120).default(5),
  /** PR-3: tentative entries count as meetings, or as free time */
  tentativeAs: z.enum(['free', 'in-meeting']).default('free'),
  /**
   * The PBX the hub keeps in step: 'simulated' (demos: `up`), 'kamailio' (pbxUrl = its JSON-RPC
   * over HTTP, e.g. http://127.0.0.1:5071/RPC; pbxEvents = its evapi host:port for call events),
   * 'asterisk' (pbxUrl = tcp://host:5038 of the AMI; user and secret in OMSTIL_PBX_USER /
   * OMSTIL_PBX_SECRET), or 'none'
   */
  pbx: z.enum(['none', 'simulated', 'kamailio', 'asterisk']).default('none'),
  pbxUrl: z.string().url().nullable().default(null),
  pbxEvents: z.string().regex(/^[^:\s]+:\d{1,5}$/, 'must be host:port').nullable().default(null),
  pbxUser: z.string().nullable().default(null),
  pbxSecret: z.string().nullable().default(null),
  /** how often the PBX is read back and repaired (a forward set on a desk phone is taken in within this) */
  pbxReconcileSeconds: z.number().int().min(1).max(3600).default(30),
  /** 'full': every commit synced to disk (survives power loss); 'normal': survives a process crash */
  sync: z.enum(['full', 'normal']).default('full'),
  /** let clients that are not devices read public topics (e.g. mosquitto_sub) */
  allowObservers: z.boolean().default(true),
  /**
   * Issue 10, per-device credentials (`omstil provision DEVICE`): 'required' (the default)
   * refuses every device without its own token; the simulated devices of `omstil up` and
   * `omstil sim` are issued one each (docs/provisioning.md). 'when-provisioned' refuses a device
   * with a credential that does not give it, and a revoked one, but lets a device that was
   * never provisioned in by its client id alone: only for a fleet being moved over device by
   * device, never left on.
   */
  deviceAuth: z.enum(['required', 'when-provisioned']).default('required'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** OTA (issue 8): the firmware images' public key, omstil-signing.pub or its folder; null: the hub starts no rollout */
  otaPublicKey: z.string().min(1).nullable().default(null),
  /** simulated devices for `up` and `sim`: how many phones and kiosks (null = all in the directory) */
  simPhones: z.number().int().min(0).nullable().default(null),
  simKiosks: z.number().int().min(0).nullable().default(null),
});
export type Config = z.infer<typeof Config>;

/** Environment variables and the config key each one sets. */
export const ENV: Record<string, { key: keyof Config; type: 'string' | 'number' | 'port-or-off' | 'boolean' }> = {
  OMSTIL_HOST: { key: 'host', type: 'string' },
  OMSTIL_MQTT_PORT: { key: 'mqttPort', type: 'number' },
  OMSTIL_WS_PORT: { key: 'wsPort', type: 'port-or-off' },
  OMSTIL_HTTP_PORT: { key: 'httpPort', type: 'number' },
  OMSTIL_API_PORT: { key: 'apiPort', type: 'port-or-off' },
  OMSTIL_ADMIN_TOKEN: { key: 'adminToken', type: 'string' },
  OMSTIL_MQTT_URL: { key: 'mqttUrl', type: 'string' },
  OMSTIL_MQTT_PASSWORD: { key: 'mqttPassword', type: 'string' },
  OMSTIL_MQTT_ADMIN: { key: 'mqttAdmin', type: 'string' },
  OMSTIL_TLS_CERT: { key: 'tlsCert', type: 'string' },
  OMSTIL_TLS_KEY: { key: 'tlsKey', type: 'string' },
  OMSTIL_MQTTS_PORT: { key: 'mqttsPort', type: 'number' },
  OMSTIL_WSS_PORT: { key: 'wssPort', type: 'port-or-off' },
  OMSTIL_PLAIN_LISTENERS: { key: 'plainListeners', type: 'boolean' },
  OMSTIL_STORE: { key: 'store', type: 'string' },
  OMSTIL_DATA_DIR: { key: 'dataDir', type: 'string' },
  OMSTIL_DIRECTORY: { key: 'directory', type: 'string' },
  OMSTIL_SYNC: { key: 'sync', type: 'string' },
  OMSTIL_CALENDARS: { key: 'calendars', type: 'string' },
  OMSTIL_CALENDAR_POLL_SECONDS: { key: 'calendarPollSeconds', type: 'number' },
  OMSTIL_PBX: { key: 'pbx', type: 'string' },
  OMSTIL_PBX_URL: { key: 'pbxUrl', type: 'string' },
  OMSTIL_PBX_EVENTS: { key: 'pbxEvents', type: 'string' },
  OMSTIL_PBX_USER: { key: 'pbxUser', type: 'string' },
  OMSTIL_PBX_SECRET: { key: 'pbxSecret', type: 'string' },
  OMSTIL_PBX_RECONCILE_SECONDS: { key: 'pbxReconcileSeconds', type: 'number' },
  OMSTIL_ALLOW_OBSERVERS: { key: 'allowObservers', type: 'boolean' },
  OMSTIL_DEVICE_AUTH: { key: 'deviceAuth', type: 'string' },
  OMSTIL_LOG_LEVEL: { key: 'logLevel', type: 'string' },
  OMSTIL_OTA_PUBLIC_KEY: { key: 'otaPublicKey', type: 'string' },
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Builds the configuration from a file, the environment and explicit overrides; throws ConfigError naming the bad field. */
export function loadConfig(opts: { file?: string | null; env?: NodeJS.ProcessEnv; overrides?: Partial<Record<keyof Config, unknown>> } = {}): Config {
  let fromFile: Record<string, unknown> = {};
  if (opts.file) {
    try {
      fromFile = JSON.parse(readFileSync(opts.file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${opts.file}: ${(err as Error).message}`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  const env = opts.env ?? process.env;
  for (const [name, { key, type }] of Object.entries(ENV)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    // a blank or non-numeric value stays a string, so the schema names it instead of reading it as 0
    const num = (x: string) => (/^\s*-?\d+(\.\d+)?\s*$/.test(x) ? Number(x) : x);
    if (type === 'number') fromEnv[key] = num(v);
    else if (type === 'port-or-off') fromEnv[key] = v === 'off' ? null : num(v);
    // anything else stays a string, so the schema refuses it by name instead of reading it as false
    else if (type === 'boolean') fromEnv[key] = v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : v;
    else fromEnv[key] = v;
  }
  const overrides = Object.fromEntries(Object.entries(opts.overrides ?? {}).filter(([, v]) => v !== undefined));
  const parsed = Config.safeParse({ ...fromFile, ...fromEnv, ...overrides });
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    const key = i.path.map(String).join('.');
    // name where the bad value came from: a flag, the environment or the file
    const envName = Object.entries(ENV).find(([, e]) => e.key === key)?.[0];
    const source = key in overrides ? 'command line' : envName && key in fromEnv ? envName : opts.file && key in fromFile ? opts.file : null;
    throw new ConfigError(`config ${key}${source ? ` (${source})` : ''}: ${i.message}`);
  }
  return parsed.data;
}
