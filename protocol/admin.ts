/**
 * The hub's admin API (HTTP + JSON, bearer token): request bodies. The same policy applies
 * as to a phone's requests; errors have the same body (`{error: {code, rule, field, text}}`).
 */
import { z } from 'zod';
import { ClosureOffer, Id, IsoTime, LocalDate, LocalizedText, MAX_REASON_CHARS } from './schemas.js';

export const ADMIN_API_PREFIX = '/api/v1';
/** Largest request body the admin API reads. */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;

export const AdminDivert = z.strictObject({ target: Id, until: IsoTime.nullable().optional() });
export const AdminAbsence = z.strictObject({
  until: IsoTime.nullable(),
  since: IsoTime.nullable().optional(),
  /** PR-1: omitted, one workday or more is `absent`, shorter `away` */
  kind: z.enum(['away', 'absent', 'in-meeting']).nullable().optional(),
  reason: z.string().max(MAX_REASON_CHARS).nullable().optional(),
  divertTo: Id.nullable().optional(),
  autoReply: z.boolean().optional(),
});
export const AdminClosure = z.strictObject({
  id: Id.optional(),
  start: IsoTime,
  end: IsoTime,
  message: LocalizedText.nullable().optional(),
  offer: ClosureOffer.default('message'),
  fallback: Id.nullable().optional(),
});
export const AdminPeak = z.strictObject({ id: Id.optional(), from: LocalDate, to: LocalDate, text: LocalizedText });
/**
 * RT-3: a crisis broadcast. `start` omitted: now. The text's limits, `start` < `expires` and an
 * expiry in the future are the policy's checks (refusals name the field and RT-3).
 */
export const AdminBroadcast = z.strictObject({
  id: Id.optional(),
  text: z.strictObject({ da: z.string(), en: z.string().nullable().optional() }),
  start: IsoTime.nullable().optional(),
  expires: IsoTime,
});
