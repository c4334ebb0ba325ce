/**
 * The fleet as IT sees it (pure: no I/O, no timers; time comes in as arguments). The hub hands
 * it every retained `device/{id}/status` (birth and Will) and every request it refused; the
 * admin API reads `snapshot`. Listeners hear of every change (for the API's long poll).
 */
import { decodeJson, DeviceStatus, type DeviceStatus as Status } from '../../protocol/index.js';
import type { Directory } from '../directory/directory.js';
import type { FleetDevice, FleetError, FleetList, FleetUnknownDevice, FleetUpdate } from '../../protocol/fleet.js';

/** Status messages from ids outside the directory are kept up to this many (a misbehaving client cannot fill memory). */
export const MAX_UNKNOWN = 500;

interface Seen {
  status: Status;
  /** online: the birth's own time; offline: when the hub received the Will */
  since: string;
  sinceBefore: boolean;
  seenAt: string;
}

export class FleetTracker {
  private readonly seen = new Map<string, Seen>();
  private readonly errors = new Map<string, FleetError>();
  private readonly updates = new Map<string, FleetUpdate>();
  private readonly listeners = new Set<() => void>();
  private _version = 0;

  constructor(private dir: Directory) {}

  /** Grows with every change. */
  get version(): number {
    return this._version;
  }

  /** Called after every change. Returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A message on `device/{id}/status`. `retained`: delivered because the hub subscribed (it was
   * already there), not live. An empty payload clears the device's status (a cleared retained
   * topic). Returns false for a payload that is not a DeviceStatus (it is ignored).
   */
  status(deviceId: string, payload: Uint8Array | string, at: Date, retained: boolean): boolean {
    const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
    if (text === '') {
      if (this.seen.delete(deviceId)) this.changed();
      return true;
    }
    const d = decodeJson(DeviceStatus, text);
    if (!d.ok) return false;
    const known = this.dir.devices.has(deviceId);
    if (!known && !this.seen.has(deviceId) && this.unknownCount() >= MAX_UNKNOWN) return true;
    const s = d.value;
    // The Will is made when the device connects, so its `since` is not when it went away:
    // a live Will counts from its arrival; a retained one only says "offline by now".
    const entry: Seen = s.online
      ? { status: s, since: s.since, sinceBefore: false, seenAt: at.toISOString() }
      : { status: s, since: at.toISOString(), sinceBefore: retained, seenAt: at.toISOString() };
    const before = this.seen.get(deviceId);
    // a repeated Will (e.g. the broker replays it) keeps the first time the device was seen offline
    if (before && !before.status.online && !s.online) {
      entry.since = before.since;
      entry.sinceBefore = before.sinceBefore;
    }
    this.seen.set(deviceId, entry);
    this.changed();
    return true;
  }

  /** The hub refused a request from this device (PR-2: code and rule, never a reason or text). */
  refused(deviceId: string, error: { at: Date; code: string; rule?: string | null | undefined; op?: string | null | undefined }): void {
    if (!this.dir.devices.has(deviceId) && !this.seen.has(deviceId)) return;
    this.errors.set(deviceId, { at: error.at.toISOString(), code: error.code, rule: error.rule ?? null, op: error.op ?? null });
    this.changed();
  }

  /** Update progress for a device (the OTA work); null clears it. */
  update(deviceId: string, progress: FleetUpdate | null): void {
    if (progress) this.updates.set(deviceId, progress);
    else if (!this.updates.delete(deviceId)) return;
    this.changed();
  }

  /**
   * A new directory (RT-1). Devices that left it and are offline are forgotten; one that left
   * and is still connected is listed with the unknown ones, so IT sees it is still out there.
   */
  setDirectory(next: Directory): void {
    const old = this.dir;
    this.dir = next;
    for (const id of old.devices.keys()) {
      if (next.devices.has(id)) continue;
      this.errors.delete(id);
      this.updates.delete(id);
      if (this.seen.get(id)?.status.online === false) this.seen.delete(id);
    }
    this.changed();
  }

  snapshot(now: Date): FleetList {
    const dir = this.dir;
    const devices: FleetDevice[] = [];
    for (const dev of dir.devices.values()) {
      const seen = this.seen.get(dev.id);
      const person = dev.person ? dir.people.get(dev.person) : undefined;
      const dept = person ? dir.departments.get(person.dept) : undefined;
      devices.push({
        deviceId: dev.id,
        kind: dev.kind,
        person: person ? { id: person.id, name: person.name } : null,
        dept: dept ? { id: dept.id, name: dept.name } : null,
        state: !seen ? 'never-seen' : seen.status.online ? 'online' : 'offline',
        since: seen?.since ?? null,
        sinceBefore: seen?.sinceBefore ?? false,
        fw: seen?.status.fw ?? null,
        lastError: this.errors.get(dev.id) ?? null,
        update: this.updates.get(dev.id) ?? null,
      });
    }
    devices.sort((a, b) => cmp(a.deviceId, b.deviceId));
    const unknown: FleetUnknownDevice[] = [];
    for (const [id, s] of this.seen) {
      if (dir.devices.has(id)) continue;
      unknown.push({ deviceId: id, kind: s.status.kind, online: s.status.online, since: s.since, sinceBefore: s.sinceBefore, fw: s.status.fw, seenAt: s.seenAt });
    }
    unknown.sort((a, b) => cmp(a.deviceId, b.deviceId));
    const count = (f: (d: FleetDevice) => boolean) => devices.reduce((n, d) => n + (f(d) ? 1 : 0), 0);
    return {
      at: now.toISOString(),
      version: this._version,
      summary: {
        total: devices.length,
        online: count((d) => d.state === 'online'),
        offline: count((d) => d.state === 'offline'),
        neverSeen: count((d) => d.state === 'never-seen'),
        withErrors: count((d) => d.lastError !== null),
        unknown: unknown.length,
      },
      devices,
      unknown,
    };
  }

  private unknownCount(): number {
    let n = 0;
    for (const id of this.seen.keys()) if (!this.dir.devices.has(id)) n++;
    return n;
  }

  private changed(): void {
    this._version++;
    for (const l of this.listeners) l();
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
