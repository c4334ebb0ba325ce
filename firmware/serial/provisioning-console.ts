/**
 * The provisioning console IT reaches over the device's serial line (115200 8N1).
 * Line-oriented, no echo, prompt `omstil> `. Every reply ends with a line `OK` or
 * `ERR <code> <message>`, so a script can drive it as well as a person.
 */
import {
  formatIssue,
  hasField,
  redacted,
  saveDeviceConfig,
  withValue,
  type ProvisionedConfig,
} from '../config/device-config.js';
import type { SerialLink } from './serial-link.js';

export const PROMPT = 'omstil> ';
export const MAX_LINE = 512;

export type ConsoleErrorCode = 'unknown-command' | 'usage' | 'unknown-path' | 'bad-value' | 'line-too-long' | 'bad-byte' | 'save-failed' | 'internal';

/** What `status` shows; the runtime provides it. */
export interface ConsoleStatus {
  connected: boolean;
  /** ISO time the connection was made or lost; null before the first attempt */
  since: string | null;
  firmware: string;
  lastError: string | null;
}

export interface ProvisioningConsoleOptions {
  link: SerialLink;
  /** where `save` writes */
  file: string;
  config: ProvisionedConfig;
  status: () => ConsoleStatus;
  reboot: () => void | Promise<void>;
  maxLine?: number;
}

const HELP = [
  'help                 this list',
  'show                 the whole config (token redacted); says if there are unsaved changes',
  'get <path>           one field or group, e.g. get ui.port',
  'set <path> <value>   change a field, e.g. set hubUrl mqtts://hub.example.dk:8883',
  '                     groups take JSON: set credentials {"username":"u","token":"t"}',
  'save                 write the config file (takes effect after reboot)',
  'status               hub connection, firmware version, last error',
  'reboot               restart the device',
];

class ConsoleError extends Error {
  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class ProvisioningConsole {
  private readonly opts: ProvisioningConsoleOptions;
  private _config: ProvisionedConfig;
  private unsaved = new Set<string>();
  private line = '';
  private fault: ConsoleError | null = null;
  private afterCR = false;
  private queue: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;

  constructor(opts: ProvisioningConsoleOptions) {
    this.opts = opts;
    this._config = opts.config;
  }

  /** the config as edited so far (saved or not) */
  get config(): ProvisionedConfig {
    return this._config;
  }

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.opts.link.onData((bytes) => this.receive(bytes));
    void this.send(PROMPT);
  }

  /** Stops reading; a command already running finishes first. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.line = '';
    this.fault = null;
    await this.queue;
  }

  private receive(bytes: Uint8Array): void {
    const max = this.opts.maxLine ?? MAX_LINE;
    for (const b of bytes) {
      const crlf = this.afterCR && b === 0x0a;
      this.afterCR = b === 0x0d;
      if (crlf) continue;
      if (b === 0x0d || b === 0x0a) {
        const line = this.line;
        const fault = this.fault;
        this.line = '';
        this.fault = null;
        this.enqueue(line, fault);
      } else if (this.fault) {
        // the line is already refused; skip to its end
      } else if (b === 0x08 || b === 0x7f) {
        this.line = this.line.slice(0, -1);
      } else if (b < 0x20 || b > 0x7e) {
        this.fault = new ConsoleError('bad-byte', `non-printable byte 0x${b.toString(16).padStart(2, '0')} in the line; use printable ASCII`);
      } else if (this.line.length >= max) {
        this.fault = new ConsoleError('line-too-long', `line longer than ${max} characters`);
      } else {
        this.line += String.fromCharCode(b);
      }
    }
  }

  private enqueue(line: string, fault: ConsoleError | null): void {
    this.queue = this.queue.then(async () => {
      const [, cmd = '', path, value] = /^(\S*)(?:\s+(\S+))?(?:\s+(.*))?$/.exec(line.trim())!;
      if (!fault && cmd === '') return this.send(PROMPT);
      let reply: string[];
      let ok = false;
      try {
        if (fault) throw fault;
        reply = [...(await this.run(cmd, path, value)), 'OK'];
        ok = true;
      } catch (err) {
        const e = err instanceof ConsoleError ? err : new ConsoleError('internal', (err as Error).message);
        reply = [`ERR ${e.code} ${e.message}`];
      }
      await this.send(reply.map((l) => `${l}\r\n`).join('') + PROMPT);
      if (ok && cmd === 'reboot') await this.opts.reboot();
    });
  }

  private async run(cmd: string, path: string | undefined, value: string | undefined): Promise<string[]> {
    const usage = (fits: boolean, form: string) => {
      if (!fits) throw new ConsoleError('usage', `usage: ${form}`);
    };
    switch (cmd) {
      case 'help':
        usage(!path, 'help');
        return HELP;
      case 'show': {
        usage(!path, 'show');
        const lines = flatten(redacted(this._config));
        if (this.unsaved.size) lines.push(`unsaved changes: ${[...this.unsaved].join(', ')} (save to keep them)`);
        return lines;
      }
      case 'get': {
        usage(!!path && value === undefined, 'get <path>');
        knownPath(path!);
        const v = path!.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], redacted(this._config));
        return v !== null && typeof v === 'object' ? flatten(v, `${path}.`) : [`${path} = ${v === undefined ? '(not set)' : text(v)}`];
      }
      case 'set': {
        usage(!!path && value !== undefined, 'set <path> <value>');
        knownPath(path!);
        const r = withValue(this._config, path!, value!);
        if (!r.ok) throw new ConsoleError('bad-value', r.errors.map(formatIssue).join('; '));
        this._config = r.config;
        this.unsaved.add(path!);
        return [];
      }
      case 'save':
        usage(!path, 'save');
        try {
          await saveDeviceConfig(this.opts.file, this._config);
        } catch (err) {
          throw new ConsoleError('save-failed', `${this.opts.file}: ${(err as Error).message}`);
        }
        this.unsaved.clear();
        return [`saved ${this.opts.file}; reboot to apply`];
      case 'status': {
        usage(!path, 'status');
        const s = this.opts.status();
        return [
          `hub = ${s.connected ? 'connected' : 'disconnected'}${s.since ? ` since ${s.since}` : ''}`,
          `firmware = ${s.firmware}`,
          `lastError = ${s.lastError ?? 'none'}`,
        ];
      }
      case 'reboot':
        usage(!path, 'reboot');
        return ['rebooting'];
      default:
        throw new ConsoleError('unknown-command', `${cmd}: unknown command; type help`);
    }
  }

  private async send(s: string): Promise<void> {
    // a lost link cannot be told about its own failure; the runtime sees it through onClose
    await this.opts.link.write(new TextEncoder().encode(s)).catch(() => {});
  }
}

function knownPath(path: string): void {
  if (!hasField(path)) throw new ConsoleError('unknown-path', `${path}: no such field; see show`);
}

function text(v: unknown): string {
  // a multi-line value (the PEM `ca`) as a JSON string, so every reply line stays one line
  return typeof v === 'string' && !/[\r\n]/.test(v) ? v : JSON.stringify(v);
}

/** `key = value` lines, one per leaf, in the config's own order. */
function flatten(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' ? flatten(v as object, `${prefix}${k}.`) : v === undefined ? [] : [`${prefix}${k} = ${text(v)}`],
  );
}
