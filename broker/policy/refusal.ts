/**
 * Refusals: an error code, the POLICY.md rule, the field at fault, and text in Danish and
 * English that a phone or kiosk can show as it is.
 */
import { OmstilError, type ErrorCode, type Suggestion, type Texts } from '../../protocol/index.js';

export interface Refusal {
  ok: false;
  code: ErrorCode;
  rule: string;
  field: string;
  /** English, for logs and developers */
  message: string;
  text: Texts;
  suggestion?: Suggestion;
}

export function refusal(code: ErrorCode, rule: string, field: string, text: Texts, suggestion?: Suggestion): Refusal {
  return { ok: false, code, rule, field, message: text.en, text, ...(suggestion ? { suggestion } : {}) };
}

export function toError(r: Refusal): OmstilError {
  return new OmstilError(r.code, r.message, { rule: r.rule, field: r.field, text: r.text, ...(r.suggestion ? { suggestion: r.suggestion } : {}) });
}

/** Throws a refusal as an OmstilError. */
export function refuse(code: ErrorCode, rule: string, field: string, text: Texts, suggestion?: Suggestion): never {
  throw toError(refusal(code, rule, field, text, suggestion));
}
