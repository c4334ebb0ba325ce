/** Decoding of wire payloads into typed values, with errors that name the field. */
import * as z from 'zod/mini';
import { OmstilError } from './errors.js';
import { MAX_REQUEST_BYTES, OPS, Request, RequestId } from './schemas.js';

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: OmstilError };

function fieldOf(issue: z.core.$ZodIssue): string {
  // a strict object reports an unknown key at the object's path; name the key itself
  const path = issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...issue.path, issue.keys[0]] : issue.path;
  return path.map(String).join('.') || '(payload)';
}

/** Any zod schema: the contract's (zod/mini) and the hub's own (classic zod) alike. */
export type Schema = z.core.$ZodType;

export function decodeJson<S extends Schema>(schema: S, text: string): Decoded<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: new OmstilError('bad-json', 'payload is not JSON') };
  }
  return decodeValue(schema, raw);
}

export function decodeValue<S extends Schema>(schema: S, raw: unknown): Decoded<z.infer<S>> {
  const parsed = z.safeParse(schema, raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  const field = fieldOf(issue);
  return { ok: false, error: new OmstilError('invalid-payload', `${field}: ${issue.message}`, { field }) };
}

/** The id of a request when the payload is JSON with a usable `id`, so an error can still be correlated. */
export function requestIdOf(raw: unknown): string | null {
  if (raw && typeof raw === 'object' && 'id' in raw) {
    const id = (raw as { id: unknown }).id;
    // the contract's own check: its length counts code points, so an id the schema accepts is echoed even when refused
    if (typeof id === 'string' && z.safeParse(RequestId, id).success) return id;
  }
  return null;
}

/** Decodes a request payload: size, JSON, known op, then the op's schema. */
export function decodeRequest(payload: Uint8Array | string): { ok: true; value: Request } | { ok: false; id: string | null; error: OmstilError } {
  // the limit is in bytes: a string's UTF-8 length, which is never less than its length in characters
  const size = typeof payload === 'string' ? (payload.length > MAX_REQUEST_BYTES ? payload.length : new TextEncoder().encode(payload).byteLength) : payload.byteLength;
  if (size > MAX_REQUEST_BYTES) {
    return { ok: false, id: null, error: new OmstilError('payload-too-large', `request is over the limit of ${MAX_REQUEST_BYTES} bytes`) };
  }
  const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, id: null, error: new OmstilError('bad-json', 'payload is not JSON') };
  }
  const id = requestIdOf(raw);
  const op = raw && typeof raw === 'object' ? (raw as { op?: unknown }).op : undefined;
  if (typeof op === 'string' && !(OPS as readonly string[]).includes(op)) {
    return { ok: false, id, error: new OmstilError('unknown-op', `op: unknown operation ${JSON.stringify(op)}; known: ${OPS.join(', ')}`, { field: 'op' }) };
  }
  const decoded = decodeValue(Request, raw);
  return decoded.ok ? decoded : { ok: false, id, error: decoded.error };
}

export function encode(value: unknown): string {
  return JSON.stringify(value);
}
