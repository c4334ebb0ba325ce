/**
 * The hub's admin API (HTTP + JSON, bearer token): request bodies. The same policy applies
 * as to a phone's requests; errors have the same body (`{error: {code, rule, field, text}}`).
 */
import * as z from 'zod/mini';
import { ClosureOffer, Id, IsoTime, LocalDate, LocalizedText, MAX_REASON_CHARS } from './schemas.js';

export const ADMIN_API_PREFIX = '/api/v1';
/** Largest request body the admin API reads. */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;

export const AdminDivert = z.strictObject({ target: Id, until: z.optional(z.nullable(IsoTime)) });
export const AdminAbsence = z.strictObject({
  until: z.nullable(IsoTime),
  since: z.optional(z.nullable(IsoTime)),
  /** PR-1: omitted, one workday or more is `absent`, shorter `away` */
  kind: z.optional(z.nullable(z.enum(['away', 'absent', 'in-meeting']))),
  reason: z.optional(z.nullable(z.string().check(z.maxLength(MAX_REASON_CHARS)))),
  divertTo: z.optional(z.nullable(Id)),
  autoReply: z.optional(z.boolean()),
});
export const AdminClosure = z.strictObject({
  id: z.optional(Id),
  start: IsoTime,
  end: IsoTime,
  message: z.optional(z.nullable(LocalizedText)),
  offer: z._default(ClosureOffer, 'message'),
  fallback: z.optional(z.nullable(Id)),
});
export const AdminPeak = z.strictObject({ id: z.optional(Id), from: LocalDate, to: LocalDate, text: LocalizedText });
/**
 * RT-3: a crisis broadcast. `start` omitted: now. The text's limits, `start` < `expires` and an
 * expiry in the future are the policy's checks (refusals name the field and RT-3).
 */
export const AdminBroadcast = z.strictObject({
  id: z.optional(Id),
  text: z.strictObject({ da: z.string(), en: z.optional(z.nullable(z.string())) }),
  start: z.optional(z.nullable(IsoTime)),
  expires: IsoTime,
});
