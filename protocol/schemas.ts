/**
 * Payload schemas for every topic and request (zod). Types are inferred from the schemas,
 * so a field exists in exactly one place.
 */
import { z } from 'zod';
import { ID_PATTERN } from './ids.js';
import { ERROR_CODES } from './errors.js';

/** Largest request payload the hub reads; anything larger is refused unread (`payload-too-large`). */
export const MAX_REQUEST_BYTES = 16 * 1024;

export const Id = z.string().regex(ID_PATTERN, 'must be an id: a-z, 0-9 and -, at most 64 characters');
export const IsoTime = z.iso.datetime({ offset: true });

/** PR-1 */
export const Presence = z.enum(['available', 'on-call', 'in-meeting', 'away', 'absent', 'off-hours']);
export type Presence = z.infer<typeof Presence>;

export const DeviceKind = z.enum(['phone', 'kiosk']);
export type DeviceKind = z.infer<typeof DeviceKind>;

/** Retained on device/{id}/status. Birth sets online:true; the MQTT Will sets online:false. */
export const DeviceStatus = z.strictObject({
  online: z.boolean(),
  kind: DeviceKind,
  fw: z.string().max(64),
  since: IsoTime,
});
export type DeviceStatus = z.infer<typeof DeviceStatus>;

/** Retained on device/{id}/config by the hub: what this device is for and what it shows. */
export const DeviceConfig = z.strictObject({
  deviceId: Id,
  kind: DeviceKind,
  personId: Id.nullable(),
  deptId: Id.nullable(),
  /** people outside the own department the phone shows (preferred colleagues), in order */
  watch: z.array(Id).max(50),
  preferred: z.array(Id).max(50),
  rev: z.number().int().nonnegative(),
});
export type DeviceConfig = z.infer<typeof DeviceConfig>;

export const HubStatus = z.strictObject({ online: z.boolean(), since: IsoTime });
export type HubStatus = z.infer<typeof HubStatus>;

/** What everyone may see of a diversion (DV-1). Only diversions in force are public. */
export const PublicDiversion = z.strictObject({
  to: Id,
  toName: z.string(),
  until: IsoTime.nullable(),
});

/**
 * person/{id}/public: colleagues, kiosks, voicebot. PR-2: no reason, ever.
 * `extension` is null for people in sensitive departments (RT-1).
 */
export const PersonPublic = z.strictObject({
  personId: Id,
  name: z.string(),
  deptId: Id,
  title: z.string().nullable(),
  extension: z.string().nullable(),
  presence: Presence,
  backAt: IsoTime.nullable(),
  diversion: PublicDiversion.nullable(),
  rev: z.number().int().nonnegative(),
  updatedAt: IsoTime,
});
export type PersonPublic = z.infer<typeof PersonPublic>;

export const OwnDiversion = z.strictObject({
  to: Id,
  toName: z.string(),
  since: IsoTime,
  until: IsoTime.nullable(),
  /** DV-2: a declined diversion is not in force */
  status: z.enum(['active', 'declined']),
});

export const IncomingDiversion = z.strictObject({
  from: Id,
  fromName: z.string(),
  since: IsoTime,
  until: IsoTime.nullable(),
});

/** person/{id}/own: the employee's own phone (and their leader's). May carry private fields. */
export const PersonOwn = z.strictObject({
  ...PersonPublic.shape,
  ownDiversion: OwnDiversion.nullable(),
  /** DV-2: who diverts to me now */
  incoming: z.array(IncomingDiversion),
  /** PR-2: private; only on this topic */
  absenceReason: z.string().nullable(),
});
export type PersonOwn = z.infer<typeof PersonOwn>;

/** dept/{id}/public */
export const DeptPublic = z.strictObject({
  deptId: Id,
  name: z.string(),
  /** PH-1: OpenStreetMap opening_hours syntax, Europe/Copenhagen */
  phoneHours: z.string(),
  sensitive: z.boolean(),
  rev: z.number().int().nonnegative(),
});
export type DeptPublic = z.infer<typeof DeptPublic>;

// ---- requests on device/{id}/req, replies on device/{id}/res ----

export const RequestId = z.string().min(1).max(64);

export const DivertArgs = z.strictObject({ target: Id, until: IsoTime.nullable().optional() });
export const UndivertArgs = z.strictObject({});
export const DeclineArgs = z.strictObject({ from: Id });

export const Request = z.discriminatedUnion('op', [
  z.strictObject({ id: RequestId, op: z.literal('divert'), args: DivertArgs }),
  z.strictObject({ id: RequestId, op: z.literal('undivert'), args: UndivertArgs }),
  z.strictObject({ id: RequestId, op: z.literal('decline-diversion'), args: DeclineArgs }),
]);
export type Request = z.infer<typeof Request>;
export type Op = Request['op'];
export const OPS: readonly Op[] = ['divert', 'undivert', 'decline-diversion'];
export type ArgsOf<O extends Op> = Extract<Request, { op: O }>['args'];

export const ErrorBodySchema = z.strictObject({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  rule: z.string().optional(),
  field: z.string().optional(),
});

/** Discriminated by `ok`, so a refusal names the wrong field rather than the whole payload. */
export const Response = z.discriminatedUnion('ok', [
  z.strictObject({ id: RequestId, ok: z.literal(true), data: z.unknown().optional() }),
  z.strictObject({ id: RequestId.nullable(), ok: z.literal(false), error: ErrorBodySchema }),
]);
export type Response = z.infer<typeof Response>;
