/**
 * The Installer port (installer.ts) over the A/B boot slots: verify the whole image with the
 * device's public key and rules, then unpack it into the inactive slot as the next boot, on
 * trial. A refused image changes nothing; a slot that cannot be written is 'storage' and the
 * old slot stays active.
 */
import type { KeyObject } from 'node:crypto';
import { verifyImage } from '../image/image-format.js';
import { BootError, type BootSlots } from './boot-slots.js';
import type { InstallResult, Installer } from './installer.js';

export interface SlotInstallerOptions {
  /** where a verified image goes (BootSlots, or anything that reaches it) */
  slots: Pick<BootSlots, 'stage'>;
  publicKey: KeyObject;
  kind: Installer['kind'];
  bootVersion: string;
  /** the version running now */
  currentVersion(): string;
  /** restarts into the staged slot */
  reboot(): Promise<void>;
}

export function createSlotInstaller(o: SlotInstallerOptions): Installer {
  return {
    kind: o.kind,
    bootVersion: o.bootVersion,
    currentVersion: () => o.currentVersion(),
    async install(image, opts = {}): Promise<InstallResult> {
      const checked = verifyImage(image, o.publicKey, { kind: o.kind, currentVersion: o.currentVersion(), allowDowngrade: opts.allowDowngrade ?? false, bootVersion: o.bootVersion });
      if (!checked.ok) return { ok: false, code: checked.code, message: checked.message };
      try {
        const staged = o.slots.stage(checked);
        return { ok: true, version: staged.version, slot: staged.slot };
      } catch (err) {
        if (!(err instanceof BootError)) throw err;
        return { ok: false, code: err.code === 'image-payload' ? 'image-payload' : 'storage', message: err.message };
      }
    },
    reboot: () => o.reboot(),
  };
}
