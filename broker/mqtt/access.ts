/**
 * Who may publish and receive what on the broker (pure). Enforced by the embedded broker's
 * hooks; `canReceive` is checked for every delivery, retained ones included, so a wildcard
 * subscription can never reach a private topic (PR-2).
 *
 * Identity in this version is the MQTT client id of a device in the directory; per-device
 * credentials come with the security work. Clients that are not devices connect as
 * read-only observers of public topics (when allowed), e.g. `mosquitto_sub`.
 */
import { parseTopic } from '../../protocol/index.js';
import type { Directory } from '../directory/directory.js';

export const HUB_USERNAME = 'omstil-hub';

export type Principal =
  | { role: 'hub' }
  | { role: 'device'; deviceId: string; personId: string | null }
  | { role: 'observer' };

export interface AccessOptions {
  hubPassword: string;
  allowObservers: boolean;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: string };

export class AccessControl {
  constructor(
    private directory: () => Directory,
    private readonly opts: AccessOptions,
  ) {}

  authenticate(clientId: string, username: string | undefined, password: string | undefined): AuthResult {
    if (username === HUB_USERNAME) {
      return password === this.opts.hubPassword ? { ok: true, principal: { role: 'hub' } } : { ok: false, reason: 'bad hub credentials' };
    }
    const device = this.directory().devices.get(clientId);
    if (device) return { ok: true, principal: { role: 'device', deviceId: device.id, personId: device.person } };
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
