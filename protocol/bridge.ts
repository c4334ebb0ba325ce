/**
 * The device bridge: how a device's screen (device-ui, in a browser) talks to the firmware
 * running on the same device, over a WebSocket on the firmware's local HTTP server.
 * The screen never speaks MQTT and never holds the device's credentials.
 *
 *   firmware → screen: {t:'view', view}   whenever what the device shows changes
 *                      {t:'res', ...Response} the answer to a request
 *   screen → firmware: {t:'req', id, op, args}  same ops as the hub's device requests
 */
import * as z from 'zod/mini';
import { Broadcast, DeptPublic, DeviceKind, PersonOwn, PersonPublic, Request, Response } from './schemas.js';

export const DeviceView = z.strictObject({
  deviceId: z.string(),
  kind: DeviceKind,
  /** true while the firmware has a live connection to the hub */
  connected: z.boolean(),
  /** when the data shown was last confirmed by the hub (ISO time), null before the first message */
  asOf: z.nullable(z.string()),
  me: z.nullable(PersonOwn),
  /** preferred colleagues, in the order the directory gives (DV-1) */
  preferred: z.array(z.string()),
  people: z.array(PersonPublic),
  depts: z.array(DeptPublic),
  /** RT-3: crisis broadcasts not yet expired when the hub sent them; the screen shows those in force by its own clock */
  broadcasts: z.array(Broadcast),
});
export type DeviceView = z.infer<typeof DeviceView>;

export const BridgeToScreen = z.union([
  z.strictObject({ t: z.literal('view'), view: DeviceView }),
  // strict on both sides: an intersection then refuses a key that neither side knows
  z.intersection(z.strictObject({ t: z.literal('res') }), Response),
]);
export type BridgeToScreen = { t: 'view'; view: DeviceView } | ({ t: 'res' } & Response);

export const ScreenToBridge = z.intersection(z.strictObject({ t: z.literal('req') }), Request);
export type ScreenToBridge = { t: 'req' } & Request;

/** Path of a device's bridge WebSocket on the local HTTP server. */
export function bridgePath(deviceId: string): string {
  return `/bridge/${deviceId}`;
}
