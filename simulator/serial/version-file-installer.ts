/**
 * A small Installer for the serial bootloader's tests, without A/B slots on disk (`omstil sim
 * --serial` uses SlottedDevice's slot installer): it verifies the image exactly as a
 * device does (verifyImage with the device's public key, kind, current version, boot version)
 * and keeps only versions, in `dir/firmware.json` ({running, staged}, replaced atomically), so a
 * power cut at any point leaves the old or the new version running, never a mix. reboot()
 * makes the staged version the running one and calls `onReboot` (the simulator restarts the
 * device's core with it).
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Installer, InstallResult } from '../../firmware/boot/installer.js';
import { verifyImage } from '../../firmware/image/image-format.js';

export const VERSION_FILE = 'firmware.json';

interface VersionState {
  running: string;
  slot: 'a' | 'b';
  staged: { version: string; slot: 'a' | 'b' } | null;
}

export interface VersionFileInstallerOptions {
  dir: string;
  publicKey: KeyObject;
  kind: 'phone' | 'kiosk';
  /** the version a fresh device runs */
  initialVersion: string;
  bootVersion?: string;
  onReboot?: (version: string) => Promise<void> | void;
}

export class VersionFileInstaller implements Installer {
  readonly kind: 'phone' | 'kiosk';
  readonly bootVersion: string;
  private readonly file: string;

  constructor(private readonly opts: VersionFileInstallerOptions) {
    this.kind = opts.kind;
    this.bootVersion = opts.bootVersion ?? '1.0.0';
    this.file = path.join(opts.dir, VERSION_FILE);
  }

  currentVersion(): string {
    return this.load().running;
  }

  /** the version the next reboot runs, if one is staged */
  stagedVersion(): string | null {
    return this.load().staged?.version ?? null;
  }

  async install(image: Uint8Array, opts: { allowDowngrade?: boolean } = {}): Promise<InstallResult> {
    const state = this.load();
    const r = verifyImage(image, this.opts.publicKey, { kind: this.kind, currentVersion: state.running, allowDowngrade: opts.allowDowngrade ?? false, bootVersion: this.bootVersion });
    if (!r.ok) return { ok: false, code: r.code, message: r.message };
    const slot = state.slot === 'a' ? 'b' : 'a';
    try {
      this.save({ ...state, staged: { version: r.manifest.version, slot } });
    } catch (err) {
      return { ok: false, code: 'storage', message: `cannot stage the image: ${(err as Error).message}` };
    }
    return { ok: true, version: r.manifest.version, slot };
  }

  async reboot(): Promise<void> {
    const state = this.load();
    if (state.staged) this.save({ running: state.staged.version, slot: state.staged.slot, staged: null });
    await this.opts.onReboot?.(this.currentVersion());
  }

  private load(): VersionState {
    try {
      const s = JSON.parse(readFileSync(this.file, 'utf8')) as VersionState;
      if (typeof s.running === 'string' && (s.slot === 'a' || s.slot === 'b')) return s;
    } catch {
      /* a fresh device */
    }
    return { running: this.opts.initialVersion, slot: 'a', staged: null };
  }

  private save(s: VersionState): void {
    mkdirSync(this.opts.dir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(s));
    renameSync(tmp, this.file);
  }
}
