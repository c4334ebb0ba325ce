/**
 * The boot launcher's (updater's) own version: an image whose manifest asks for a newer
 * `minBootVersion` is refused (firmware/image/image-format.ts). It changes only when the
 * launcher does, which is rarer than the firmware: it is installed once, outside the slots.
 */
export const BOOT_VERSION = '1.0.0';
