/**
 * Who may publish and receive what on the broker (pure). Enforced by the embedded broker's
 * hooks; `canReceive` is checked for every delivery, retained ones included, so a wildcard
 * subscription can never reach a private topic (PR-2).
 *
 * Identity (issue 10): a device connects with its directory id as client id and, once it
 * has been provisioned (`omstil provision DEVICE`), with username = its device id and
 * password = its own token. A revoked device is refused; a device without a credential is
 * refused under `deviceAuth: 'required'` (the default) and let in by client id alone under
 * `'when-provisioned'` (the transition). Clients that are not devices connect as read-only
 * observers of public topics (when allowed), e.g. `mosquitto_sub`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseTopic } from '../../protocol/index.js';
import type { Directory } from '../directory/directory.js';

export const HUB_USERNAME = 'omstil-hub';

export type Principal =
  | { role: 'hub' }
  | { role: 'device'; deviceId: string; personId: string | null }
  | { role: 'observer' };

/**
 * Issue 10: whether a device must have a credential. 'required' (the default): every device
 * needs its own token; the simulator and the tests carry one each (simulator/fleet-credentials.ts).
 * 'when-provisioned': a device with a credential must use it; one without connects by client id
 * alone, as before issue 10 (a fleet in transition, provisioned device by device).
 */
export type DeviceAuth = 'required' | 'when-provisioned';

/** What a device's credential says of a token: it matches, it does not, it was revoked, or the device has none. */
export type CredentialVerdict = 'ok' | 'bad' | 'revoked' | 'none';

/** The port to the credentials (DeviceCredentials): checks a token in constant time. */
export interface CredentialChecker {
  verify(deviceId: string, token: string | undefined): CredentialVerdict;
}

export interface AccessOptions {
  hubPassword: string;
  allowObservers: boolean;
  /** issue 10: the devices' credentials; absent: no device has one */
  credentials?: CredentialChecker;
  /** issue 10: default 'required' */
  deviceAuth?: DeviceAuth;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: string };

export class AccessControl {
  constructor(
    private directory: () => Directory,
    private readonly opts: AccessOptions,
  ) {}

  authenticate(clientId: string, username: string | undefined, password: string | undefined): AuthResult {
    if (username === HUB_USERNAME) {
      return samePassword(password, this.opts.hubPassword) ? { ok: true, principal: { role: 'hub' } } : { ok: false, reason: 'bad hub credentials' };
    }
    const directory = this.directory();
    const device = directory.devices.get(clientId);
    if (device) {
      // issue 10: a device logs in as itself; its token counts only with its own id as username
      if (username && username !== device.id) return { ok: false, reason: `device "${device.id}" gave the username ${JSON.stringify(username.slice(0, 64))}: a device logs in with its own id` };
      const verdict = this.opts.credentials?.verify(device.id, username ? password : undefined) ?? 'none';
      const principal: Principal = { role: 'device', deviceId: device.id, personId: device.person };
      switch (verdict) {
        case 'ok':
          return { ok: true, principal };
        case 'revoked':
          return { ok: false, reason: `device "${device.id}": its credential is revoked` };
        case 'bad':
          return { ok: false, reason: username ? `device "${device.id}": wrong token` : `device "${device.id}" has a credential but gave none` };
        case 'none':
          if ((this.opts.deviceAuth ?? 'required') === 'required') return { ok: false, reason: `device "${device.id}" has no credential (deviceAuth is required): provision it with \`omstil provision ${device.id}\`` };
          return { ok: true, principal };
      }
    }
    // a device's id as username is that device's login, valid only with its own client id
    if (username && directory.devices.has(username)) return { ok: false, reason: `client "${clientId}" gave device "${username}" as its username: a device connects with its own id as client id` };
    if (this.opts.allowObservers && !username) return { ok: true, principal: { role: 'observer' } };
    return { ok: false, reason: `unknown client "${clientId}"` };
  }

  canPublish(p: Principal, topic: string): boolean {
    if (p.role === 'hub') return topic.startsWith('omstil/');
    if (p.role === 'observer') return false;
    const t = parseTopic(topic);
    if (!t) return false;
    // a device speaks only on its own topics: its birth/Will, its requests, its OTA wants and progress
    if (t.kind === 'device-ota') return t.deviceId === p.deviceId && (t.part === 'want' || t.part === 'progress');
    return (t.kind === 'device-status' || t.kind === 'device-req') && t.deviceId === p.deviceId;
  }

  canReceive(p: Principal, topic: string): boolean {
    if (p.role === 'hub') return true;
    const t = parseTopic(topic);
    if (!t) return false;
    switch (t.kind) {
      case 'hub-status':
      case 'device-status':
      case 'person-public':
      case 'dept-public':
      case 'dept-member':
      case 'broadcast': // RT-3: every device, the hub the only publisher
        return true;
      case 'person-own':
        // PR-2 / PR-4: the person's own phone and their leader's phone only
        return p.role === 'device' && p.personId !== null && (p.personId === t.personId || this.directory().isLeaderOf(p.personId, t.personId));
      case 'device-config':
      case 'device-res':
        return p.role === 'device' && p.deviceId === t.deviceId;
      case 'device-req':
        return false;
      case 'device-ota':
        // its own offers and chunks; a device's wants and progress are for the hub
        return p.role === 'device' && p.deviceId === t.deviceId && (t.part === 'offer' || t.part === 'chunk');
    }
  }
}

/** The hub's password compared in constant time (both hashed first, so neither length nor content leaks through timing). */
function samePassword(given: string | undefined, want: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return given !== undefined && timingSafeEqual(digest(given), digest(want));
}
