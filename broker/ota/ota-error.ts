/**
 * Errors of the OTA rollouts at the admin API's boundary: a code (image-format's own codes for
 * a refused image, `ota-*` for the rest) and the HTTP status it answers with.
 */
export type OtaErrorCode =
  | 'ota-no-key'
  | 'ota-rollout-running'
  | 'ota-bad-stages'
  | 'ota-bad-option'
  | 'ota-no-devices'
  | 'ota-not-running'
  | 'unknown-rollout'
  | 'payload-too-large'
  | 'downgrade'
  | string;

export class OtaError extends Error {
  override readonly name = 'OtaError';
  constructor(
    readonly code: OtaErrorCode,
    message: string,
    readonly status: number,
    readonly field?: string,
  ) {
    super(message);
  }

  toBody(): { code: string; message: string; field?: string } {
    return { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) };
  }
}
