/**
 * Error codes at every boundary. Handlers throw OmstilError; dispatchers reply
 * `{id, ok:false, error:{code, rule, message, field}}`. UIs translate codes to text.
 */
export const ERROR_CODES = [
  'bad-json', // payload is not JSON
  'invalid-payload', // JSON, but a field is missing or of the wrong type
  'unknown-op', // request op not known
  'payload-too-large', // over the size limit
  'unknown-device', // device id not in the directory
  'unknown-person', // person id not in the directory
  'no-person', // device has no person (a kiosk asked for a person's op)
  'forbidden', // role may not do this
  'self-diversion', // DV-4: diverting to oneself
  'switchboard-diversion', // DV-3: diverting to the switchboard without agreement
  'diversion-cycle', // DV-4: the chain comes back to the caller
  'chain-too-long', // DV-4: more than the allowed hops
  'not-diverted-to-you', // DV-2: decline of a diversion that does not target you
  'timeout', // no reply in time
  'offline', // device has no connection to the hub
  'internal', // a bug: logged with detail at the hub, never shown
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  rule?: string;
  field?: string;
}

export class OmstilError extends Error {
  readonly code: ErrorCode;
  readonly rule?: string;
  readonly field?: string;
  constructor(code: ErrorCode, message: string, opts: { rule?: string; field?: string } = {}) {
    super(message);
    this.name = 'OmstilError';
    this.code = code;
    if (opts.rule !== undefined) this.rule = opts.rule;
    if (opts.field !== undefined) this.field = opts.field;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.rule) body.rule = this.rule;
    if (this.field) body.field = this.field;
    return body;
  }
}
