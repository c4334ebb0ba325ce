/**
 * Per-device credentials (issue 10): every device its own token, issued by
 * `omstil provision DEVICE` (through the admin API), revocable, no shared secret.
 *
 * A token is 32 random bytes (base64url, 43 characters), shown once; only its SHA-256 is kept,
 * in the store and in this in-memory index the broker checks every connection against. A
 * slow hash (scrypt) protects passwords people choose, which can be guessed; a 256-bit random
 * token cannot be, so a stolen hash gives nothing away and SHA-256 is enough. It also keeps a
 * connect cheap: a whole fleet reconnecting after a restart costs microseconds each, not the
 * ~50 ms of CPU per connect a password-strength scrypt would take on the broker's event loop.
 * The comparison is constant-time (`timingSafeEqual` on the two 32-byte digests, whatever the
 * length of what the client sent).
 */
import crypto from 'node:crypto';
import type { Clock } from '../../protocol/index.js';
import type { Store, StoredCredential } from '../store/store.js';
import type { CredentialChecker, CredentialVerdict } from './access.js';

export type CredentialStore = Pick<Store, 'issueCredential' | 'revokeCredential' | 'loadCredentials'>;

/** How a stored hash is written: the scheme first, so another one can follow. */
const SCHEME = 'sha256:';
const TOKEN_BYTES = 32;

/** The stored form of a token's hash. */
export function hashToken(token: string): string {
  return SCHEME + digest(token).toString('hex');
}

function digest(token: string): Buffer {
  return crypto.createHash('sha256').update(token, 'utf8').digest();
}

/** A stored hash as its 32 bytes; null for a scheme this version does not know (never matches). */
function parseHash(stored: string): Buffer | null {
  if (!stored.startsWith(SCHEME)) return null;
  const hex = stored.slice(SCHEME.length);
  return /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : null;
}

export interface DeviceCredentialsOptions {
  store: CredentialStore;
  clock: Clock;
  /** a new token (tests fix it); default 32 random bytes, base64url */
  newToken?: () => string;
}

/** What changed for a device: its session must end (the broker closes it). */
export type CredentialChange = 'issued' | 'revoked';

/**
 * Called after a device's credential changed. On 'issued' the new token comes along, for a
 * broker that keeps its own logins (Mosquitto's dynamic security): hold it no longer than it
 * takes to pass it on, and never log or journal it. Undefined on 'revoked'.
 */
export type CredentialListener = (deviceId: string, change: CredentialChange, token?: string) => void;

interface Entry {
  hash: Buffer | null;
  issuedAt: string;
  revokedAt: string | null;
}

export class DeviceCredentials implements CredentialChecker {
  private readonly index = new Map<string, Entry>();
  private readonly listeners = new Set<CredentialListener>();
  private started = false;

  constructor(private readonly opts: DeviceCredentialsOptions) {}

  /** Loads every credential from the store. */
  start(): void {
    this.index.clear();
    for (const c of this.opts.store.loadCredentials()) this.index.set(c.deviceId, entryOf(c));
    this.started = true;
  }

  stop(): void {
    this.listeners.clear();
    this.index.clear();
    this.started = false;
  }

  /**
   * Issues the device a new token, replacing (rotating) any earlier one, also a revoked one.
   * The token is returned once and kept nowhere; its device's session ends (listeners).
   */
  issue(deviceId: string, actor?: string): { token: string; issuedAt: string } {
    this.assertStarted();
    const token = this.opts.newToken?.() ?? crypto.randomBytes(TOKEN_BYTES).toString('base64url');
    const at = this.opts.clock.now();
    const tokenHash = hashToken(token);
    this.opts.store.issueCredential(deviceId, tokenHash, at, actor);
    const issuedAt = at.toISOString();
    this.index.set(deviceId, { hash: parseHash(tokenHash), issuedAt, revokedAt: null });
    this.emit(deviceId, 'issued', token);
    return { token, issuedAt };
  }

  /** Revokes the device's credential: it cannot connect until provisioned again. False when it had none in force. */
  revoke(deviceId: string, actor?: string): { revokedAt: string } | false {
    this.assertStarted();
    const entry = this.index.get(deviceId);
    if (!entry || entry.revokedAt) return false;
    const at = this.opts.clock.now();
    if (!this.opts.store.revokeCredential(deviceId, at, actor)) return false;
    const revokedAt = at.toISOString();
    this.index.set(deviceId, { ...entry, revokedAt });
    this.emit(deviceId, 'revoked');
    return { revokedAt };
  }

  /** Checks a token in constant time: 'none' when the device was never provisioned. */
  verify(deviceId: string, token: string | undefined): CredentialVerdict {
    this.assertStarted();
    const entry = this.index.get(deviceId);
    if (!entry) return 'none';
    if (entry.revokedAt) return 'revoked';
    // both sides 32 bytes: timingSafeEqual compares without an early exit, and a token of any length is hashed first
    const given = digest(token ?? '');
    const match = crypto.timingSafeEqual(given, entry.hash ?? Buffer.alloc(given.length));
    return match && entry.hash !== null ? 'ok' : 'bad';
  }

  /** When the device's credential was issued and revoked (never the token or its hash); null when it has none. */
  status(deviceId: string): { issuedAt: string; revokedAt: string | null } | null {
    const entry = this.index.get(deviceId);
    return entry ? { issuedAt: entry.issuedAt, revokedAt: entry.revokedAt } : null;
  }

  /** Called after a device's credential was issued (with the new token) or revoked. Returns an unsubscribe function. */
  onChange(listener: CredentialListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(deviceId: string, change: CredentialChange, token?: string): void {
    for (const l of this.listeners) l(deviceId, change, token);
  }

  private assertStarted(): void {
    if (!this.started) throw new Error('DeviceCredentials used before start()');
  }
}

function entryOf(c: StoredCredential): Entry {
  return { hash: parseHash(c.tokenHash), issuedAt: c.issuedAt, revokedAt: c.revokedAt };
}
