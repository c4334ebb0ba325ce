/**
 * The port through which a device takes a new image, whatever brought it (the serial
 * bootloader, the OTA client): verify it, put it in the other A/B slot, and reboot into it
 * on trial. Implemented by firmware/boot/ (a real device: files and a restart through the boot
 * launcher; the simulator: the same slots, and a reboot of the simulated device).
 */
import type { ImageCode } from '../image/image-format.js';
import type { ImageKind } from '../image/image-format.js';

export type InstallErrorCode =
  /** the image failed a check: nothing was written (image-format's codes) */
  | ImageCode
  /** the slot could not be written (a full disk, an I/O error): the old image stays */
  | 'storage';

export type InstallResult =
  | { ok: true; version: string; slot: 'a' | 'b' }
  | { ok: false; code: InstallErrorCode; message: string };

export interface Installer {
  /** the kind of device (an image for the other kind is refused) */
  readonly kind: Exclude<ImageKind, 'any'>;
  /** the version running now (an older image is refused unless allowDowngrade) */
  currentVersion(): string;
  /** the boot (updater) version, compared with an image's minBootVersion */
  readonly bootVersion: string;
  /**
   * Verifies the whole image file (signature with the device's public key, SHA-256, kind,
   * version, boot version) and stages it in the inactive slot as the next boot, on trial.
   * Resolves once staged or refused; the reboot follows (`reboot()`).
   */
  install(image: Uint8Array, opts?: { allowDowngrade?: boolean }): Promise<InstallResult>;
  /** Restarts into the staged slot (a real device exits for its launcher; the simulator restarts the device). */
  reboot(): Promise<void>;
}
