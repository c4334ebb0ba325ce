/**
 * Serial flashing of a real firmware image (the built dist/firmware, `npm run build`, signed
 * in-process with a throwaway key) at 115,200 baud, as `omstil flash` and a simulated device's
 * bootloader do it: host and device on a socat pty pair (in memory with a note on stderr
 * without socat), the device's end paced at the baud rate (8N1: 10 bits a byte).
 *   serial_line_kbps       a raw 2-second burst through the line, bits/s / 1000: ≈ 115.2
 *   serial_effective_kbps  uncompressed image bits / flash seconds / 1000 (HELLO to DONE,
 *                          verify-and-install on the device included); target ≥ 1.5 × the line rate
 *   serial_image_kb, serial_compressed_kb, serial_flash_s
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { packFiles } from '../firmware/image/file-archive.js';
import { readFirmwareFolder } from '../firmware/image/firmware-folder.js';
import { buildImage } from '../firmware/image/image-format.js';
import { memoryLinkPair, type SerialLink } from '../firmware/serial/serial-link.js';
import { SerialportLink } from '../firmware/serial/serialport-link.js';
import { flashOverLink } from '../simulator/serial/host-session.js';
import { PacedLink } from '../simulator/serial/paced-link.js';
import { SerialBootloader } from '../simulator/serial/serial-bootloader.js';
import { findSocat, startPtyPair } from '../simulator/serial/serial-sim.js';
import { VersionFileInstaller } from '../simulator/serial/version-file-installer.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIRMWARE_DIR = path.join(ROOT, 'dist/firmware');
const BAUD = 115_200;
const CHUNK = 4096;

export interface SerialFigures {
  serial_line_kbps: number | null;
  serial_effective_kbps: number | null;
  serial_image_kb: number | null;
  serial_compressed_kb: number | null;
  serial_flash_s: number | null;
  serial_link: 'pty' | 'memory' | null;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export async function benchSerial(opts: { progress?: (msg: string) => void } = {}): Promise<SerialFigures> {
  const none: SerialFigures = { serial_line_kbps: null, serial_effective_kbps: null, serial_image_kb: null, serial_compressed_kb: null, serial_flash_s: null, serial_link: null };
  if (!existsSync(path.join(FIRMWARE_DIR, 'omstil-firmware.js'))) {
    process.stderr.write(`bench serial: ${FIRMWARE_DIR} is missing; run \`npm run build\` first\n`);
    return none;
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const image = buildImage({ payload: packFiles(readFirmwareFolder(FIRMWARE_DIR)), version: '9.9.9', kind: 'phone', privateKey }).bytes;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'omstil-bench-serial-'));
  const cleanup: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    let host: SerialLink;
    let device: SerialLink;
    let kind: 'pty' | 'memory';
    const socat = findSocat();
    if (socat) {
      const { child, paths } = await startPtyPair(socat);
      cleanup.unshift(() => void child.kill());
      device = await SerialportLink.open(paths[0], BAUD);
      host = await SerialportLink.open(paths[1], BAUD);
      kind = 'pty';
    } else {
      process.stderr.write('bench serial: socat not found (run tools/setup-system-deps.sh); measuring over an in-memory link, paced the same\n');
      [host, device] = memoryLinkPair();
      kind = 'memory';
    }
    const paced = new PacedLink(device, { baud: BAUD });
    cleanup.unshift(() => paced.close(), () => host.close());

    opts.progress?.(`serial: the line at ${BAUD} baud, a 2-second raw burst`);
    const lineKbps = await burst(host, paced, (BAUD / 10) * 2);

    const installer = new VersionFileInstaller({ dir, publicKey, kind: 'phone', initialVersion: '0.1.0' });
    const boot = new SerialBootloader({ link: paced, dir: path.join(dir, 'serial'), installer });
    boot.start();
    cleanup.unshift(() => boot.stop());
    opts.progress?.(`serial: flashing a ${(image.length / 1024).toFixed(0)} KB image at ${BAUD} baud (about a minute)`);
    const started = performance.now();
    const s = flashOverLink({ link: host, image, chunkSize: CHUNK, timeoutMs: 1000 + Math.ceil(((CHUNK + 32) * 20 * 1000) / BAUD) });
    const final = await s.result;
    const seconds = (performance.now() - started) / 1000;
    if (final.state !== 'done') throw new Error(`the flash failed: ${final.error.code}: ${final.error.message}`);
    if (installer.stagedVersion() !== '9.9.9' && installer.currentVersion() !== '9.9.9') throw new Error('the device did not take the image');
    return {
      serial_line_kbps: round1(lineKbps),
      serial_effective_kbps: round1((image.length * 8) / seconds / 1000),
      serial_image_kb: round1(image.length / 1024),
      serial_compressed_kb: round1(s.flasher.compressed.length / 1024),
      serial_flash_s: round1(seconds),
      serial_link: kind,
    };
  } finally {
    for (const c of cleanup) await c();
  }
}

/** Writes `bytes` raw bytes from the host; the paced device end receives them. Returns bits/s / 1000, first write to last byte. */
async function burst(host: SerialLink, paced: PacedLink, bytes: number): Promise<number> {
  let got = 0;
  let last = 0;
  const done = new Promise<void>((resolve) => {
    const off = paced.onData((b) => {
      got += b.length;
      last = performance.now();
      if (got >= bytes) {
        off();
        resolve();
      }
    });
  });
  const start = performance.now();
  for (let sent = 0; sent < bytes; sent += 1024) await host.write(new Uint8Array(Math.min(1024, bytes - sent)).fill(0x55));
  await done;
  return (got * 10) / ((last - start) / 1000) / 1000;
}
