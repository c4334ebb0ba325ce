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
  'target-unavailable', // DV-4: the target (or the end of its chain) is absent or off-hours; see `suggestion`
  'needs-colleague', // DV-6: an absence longer than one workday needs a diversion to a colleague
  'unknown-department', // department id not in the directory
  'unknown-closure', // PH-3: closure id not known for the department
  'unknown-broadcast', // RT-3: broadcast id not known
  'too-many-broadcasts', // RT-3: the most broadcasts in force or planned at once are there already
  'unknown-number', // a dialled number that reaches nobody in the directory
  'invalid-time', // a time range that ends before it starts, or lies in the past
  'timeout', // no reply in time
  'offline', // device has no connection to the hub
  'internal', // a bug: logged with detail at the hub, never shown
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Text a user can be shown, in both languages the UI speaks. */
export interface Texts {
  da: string;
  en: string;
}

/** DV-4: who to divert to instead when the chosen target cannot answer. */
export interface Suggestion {
  id: string;
  name: string;
}

export interface ErrorBody {
  code: ErrorCode;
  /** for logs and developers (English) */
  message: string;
  rule?: string;
  field?: string;
  /** for people: what the UI shows */
  text?: Texts;
  suggestion?: Suggestion;
}

export interface ErrorOptions {
  rule?: string;
  field?: string;
  text?: Texts;
  suggestion?: Suggestion;
}

export class OmstilError extends Error {
  readonly code: ErrorCode;
  readonly rule?: string;
  readonly field?: string;
  readonly text?: Texts;
  readonly suggestion?: Suggestion;
  constructor(code: ErrorCode, message: string, opts: ErrorOptions = {}) {
    super(message);
    this.name = 'OmstilError';
    this.code = code;
    if (opts.rule !== undefined) this.rule = opts.rule;
    if (opts.field !== undefined) this.field = opts.field;
    if (opts.text !== undefined) this.text = opts.text;
    if (opts.suggestion !== undefined) this.suggestion = opts.suggestion;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.rule) body.rule = this.rule;
    if (this.field) body.field = this.field;
    if (this.text) body.text = this.text;
    if (this.suggestion) body.suggestion = this.suggestion;
    return body;
  }
}
