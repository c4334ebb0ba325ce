/**
 * What `GET /api/v1/devices` answers: the fleet as IT sees it. Types only (no runtime code),
 * the contract between the hub (broker/fleet/) and the fleet page (device-ui); nothing of the hub
 * ends up in its bundle.
 */
import type { DeviceKind } from './schemas.js';

/** `never-seen` ("aldrig set"): in the directory, but no birth or Will has reached the hub. */
export type FleetState = 'online' | 'offline' | 'never-seen';

/** The last request the hub refused from a device. PR-2: code and rule only, never a reason or a message text. */
export interface FleetError {
  at: string;
  code: string;
  rule: string | null;
  /** the request's op, when the request could be read */
  op: string | null;
}

/** Firmware update progress (convention 6: a state with done/total); filled by the OTA work, null until then. */
export interface FleetUpdate {
  state: string;
  done: number | null;
  total: number | null;
  at: string;
}

export interface FleetDevice {
  deviceId: string;
  kind: DeviceKind;
  /** a phone's person and department; null for a kiosk */
  person: { id: string; name: string } | null;
  dept: { id: string; name: string } | null;
  state: FleetState;
  /**
   * Online: the device's birth time. Offline: when the hub received the Will. Null when never seen.
   * When `sinceBefore` is set, the device went offline at or before `since` (the Will was already
   * retained when the hub subscribed, so the real time is not known).
   */
  since: string | null;
  sinceBefore: boolean;
  fw: string | null;
  lastError: FleetError | null;
  update: FleetUpdate | null;
}

/** A status message from a device id that is not in the directory (listed apart). */
export interface FleetUnknownDevice {
  deviceId: string;
  kind: DeviceKind;
  online: boolean;
  since: string;
  sinceBefore: boolean;
  fw: string;
  /** when the hub last received its status */
  seenAt: string;
}

export interface FleetSummary {
  /** devices in the directory */
  total: number;
  online: number;
  offline: number;
  neverSeen: number;
  withErrors: number;
  unknown: number;
}

export interface FleetList {
  /** the hub's time when this was made (the page measures ages against it) */
  at: string;
  /** grows with every change (from 0 when the hub starts); `?after=<version>&wait=<s>` waits until it is no longer that */
  version: number;
  summary: FleetSummary;
  /** every device in the directory, by id */
  devices: FleetDevice[];
  /** status messages from ids not in the directory, by id */
  unknown: FleetUnknownDevice[];
}
