/**
 * A firmware version: MAJOR.MINOR.PATCH, numbers only, no leading zeros. What image manifests
 * carry (firmware/image/), what OTA offers and reports name (ota.ts), and what the downgrade
 * rule compares. Its own module, so the boot launcher's bundle takes it without the contract.
 */
import * as z from 'zod/mini';

export const Version = z.string().check(z.regex(/^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/, 'must be MAJOR.MINOR.PATCH, e.g. 1.4.0'));
export type Version = z.infer<typeof Version>;
