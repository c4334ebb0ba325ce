/**
 * A simulated device's serial bootloader (issue "Flashing and OTA"): the DeviceReceiver of
 * firmware/flash on a SerialLink (the simulator wraps it in a PacedLink, so it runs at the
 * configured baud rate), its resume point and staging area in files in the device's folder,
 * and an Installer that takes the image.
 *
 * How the host learns that the device refused a signed-but-bad image: the receiver checks size
 * and SHA-256, then — before DONE is sent — hands the image to `installer.install()`, which
 * checks the signature (the device's own public key), kind, version and boot version and stages
 * it. DONE ok means "staged, rebooting into it"; a refusal is DONE fail `refused` (a full slot,
 * `storage`), the device keeps running its old image, and the precise code goes out as a
 * `refused` event for the device's log. After DONE ok is on the line the device reboots.
 */
import { encodeFrame, type DoneReason, type Frame } from '../../firmware/flash/flash-frames.js';
import { DeviceReceiver, type ReceiverEvent } from '../../firmware/flash/flash-session.js';
import { frameLink } from '../../firmware/flash/frame-link.js';
import type { InstallErrorCode, Installer } from '../../firmware/boot/installer.js';
import type { SerialLink } from '../../firmware/serial/serial-link.js';
import { fileFlashStorage } from './file-flash-storage.js';

export const DEFAULT_MAX_CHUNK = 4096;

export type BootloaderEvent =
  | { state: 'receiving'; done: number; total: number }
  | { state: 'verifying'; done: number; total: number }
  /** the transfer failed before the installer saw it (hash, size, inflate, resume) */
  | { state: 'failed'; reason: DoneReason }
  /** the installer took it: staged in `slot`; the reboot follows */
  | { state: 'installed'; version: string; slot: 'a' | 'b'; sha256: string }
  /** the installer refused it; the old image keeps running */
  | { state: 'refused'; code: InstallErrorCode; message: string; version: string }
  | { state: 'rebooting'; version: string }
  /** the reboot is done: the version the device runs now */
  | { state: 'running'; version: string };

export interface SerialBootloaderOptions {
  link: SerialLink;
  /** the device's folder: the staging file and the resume point live here */
  dir: string;
  installer: Installer;
  /** largest DATA payload accepted (default 4096) */
  maxChunk?: number;
  /** largest inflated image (default 64 MiB) */
  maxImageSize?: number;
  onEvent?: (e: BootloaderEvent) => void;
}

export class SerialBootloader {
  private receiver: DeviceReceiver | undefined;
  private wire: ReturnType<typeof frameLink> | undefined;
  private stopped = false;
  /** the installer refused the last image (reported as `refused`, not again as `failed`) */
  private refused = false;

  constructor(private readonly opts: SerialBootloaderOptions) {}

  /** the version the device runs now */
  get version(): string {
    return this.opts.installer.currentVersion();
  }

  start(): void {
    const { link, installer } = this.opts;
    const storage = fileFlashStorage(this.opts.dir);
    this.stopped = false;
    this.receiver = new DeviceReceiver({
      bootVersion: installer.bootVersion,
      kind: installer.kind,
      maxChunk: this.opts.maxChunk ?? DEFAULT_MAX_CHUNK,
      maxImageSize: this.opts.maxImageSize ?? 64 * 1024 * 1024,
      ...storage,
      send: (frame) => this.send(frame),
      onEvent: (e) => this.onReceiver(e),
      accept: (image, sha256) => this.accept(image, sha256),
    });
    this.wire = frameLink(link, () => this.receiver!);
  }

  /** Detaches from the link (the link's owner closes it). A power cut is stop() without a goodbye. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wire?.detach();
    this.wire = undefined;
  }

  private send(frame: Frame): void {
    if (this.stopped) return;
    const written = this.opts.link.write(encodeFrame(frame));
    written.then(
      () => {
        // DONE ok is on the line, so the host knows: now reboot into the staged image
        if (frame.type === 'done' && frame.ok && !this.stopped) void this.reboot();
      },
      () => {
        /* a lost link: the host resumes with a new session */
      },
    );
  }

  private async accept(image: Uint8Array, sha256: string): Promise<DoneReason> {
    const r = await this.opts.installer.install(image);
    if (r.ok) {
      this.emit({ state: 'installed', version: r.version, slot: r.slot, sha256 });
      return 'ok';
    }
    this.refused = true;
    this.emit({ state: 'refused', code: r.code, message: r.message, version: this.version });
    return r.code === 'storage' ? 'storage' : 'refused';
  }

  private async reboot(): Promise<void> {
    this.emit({ state: 'rebooting', version: this.version });
    await this.opts.installer.reboot();
    this.emit({ state: 'running', version: this.version });
  }

  private onReceiver(e: ReceiverEvent): void {
    if (e.state === 'receiving' || e.state === 'verifying') this.emit(e);
    else if (e.state === 'failed') {
      if (!this.refused) this.emit(e);
      this.refused = false;
    }
    // done: the installer's outcome (installed) was reported by accept()
  }

  private emit(e: BootloaderEvent): void {
    if (!this.stopped) this.opts.onEvent?.(e);
  }
}
