/**
 * `omstil flash --port PATH IMAGE`: writes a firmware image to a device's serial bootloader
 * (docs/firmware.md, "Flashing over serial"). The protocol is firmware/flash; this file is the
 * host's face: checks, the port, a progress bar (or lines, or JSON events), the exit status.
 *
 * Exit status: 0 the device took the image (and reboots into it); 1 the image was refused (by
 * --key before a byte was sent, or by the device); 2 a usage error, a port that cannot be
 * opened, or a transfer that could not finish (timeout, a lost line): run it again to resume.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { FlashEvent } from '../../firmware/flash/flash-session.js';
import { ImageError, parseImage } from '../../firmware/image/image-format.js';
// serialport-link loads the native binding only when a port is opened
import { SerialportLink } from '../../firmware/serial/serialport-link.js';
import { flashOverLink } from '../../simulator/serial/host-session.js';
import { imageToSend } from './image-to-send.js';

const int = (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`not a positive whole number: ${v}`);
  return n;
};

interface FlashOptions {
  port: string;
  baud: number;
  key?: string;
  json?: boolean;
  chunk: number;
}

/** One line of `--json` output. */
export type FlashJsonEvent =
  | { state: 'image'; file: string; bytes: number; version: string | null; kind: string | null; port: string; baud: number }
  | { state: 'refused'; file: string; code: string; message: string }
  | (Omit<Exclude<FlashEvent, { state: 'failed' }>, never> & { elapsedMs: number })
  | { state: 'failed'; done: number; total: number; elapsedMs: number; error: { code: string; message: string; reason?: string } }
  | {
      state: 'summary';
      ok: boolean;
      file: string;
      port: string;
      imageBytes: number;
      compressedBytes: number;
      seconds: number;
      /** uncompressed image bits per second / 1000 (null when it failed; a resumed transfer counts the whole image) */
      effectiveKbps: number | null;
      resumedFrom: number;
      exitCode: number;
    };

export function registerFlashCommand(program: Command): void {
  program
    .command('flash')
    .description('write a signed firmware image to a device over a serial line (its bootloader); resumes an interrupted transfer')
    .argument('<image>', 'the image file (`omstil image build`)')
    .requiredOption('--port <path>', 'the serial port: /dev/ttyUSB0, or a pty that `omstil sim --serial` printed')
    .option('--baud <rate>', 'line rate (8N1)', int, 115200)
    .option('--key <dir>', 'check the image against DIR/omstil-signing.pub before sending a byte')
    .option('--json', 'one JSON event per line on stdout (no progress bar)')
    .option('--chunk <bytes>', 'largest DATA frame payload (the device may take less)', int, 4096)
    .addHelpText('after', '\nExit status: 0 flashed; 1 refused (by --key, or by the device); 2 usage, port or line errors (run it again: it resumes).')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (file: string, o: FlashOptions) => {
      process.exitCode = await flash(file, o);
    });
}

async function flash(file: string, o: FlashOptions): Promise<number> {
  const json = (e: FlashJsonEvent) => process.stdout.write(JSON.stringify(e) + '\n');
  const say = (msg: string) => process.stderr.write(`omstil: ${msg}\n`);

  const refuse = (code: string, message: string) => {
    if (o.json) json({ state: 'refused', file, code, message });
    else say(`${file} refused (${code}): ${message}`);
    return 1;
  };
  const loaded = imageToSend(file, o.key, say);
  if (!loaded.ok) return loaded.usage ? 2 : refuse(loaded.code, loaded.message);
  const image = loaded.image;
  // never send something that is not an image (with --key, imageToSend checked it whole)
  let manifest;
  try {
    manifest = parseImage(image).manifest;
  } catch (err) {
    if (err instanceof ImageError) return refuse(err.code, err.message);
    throw err;
  }

  let link;
  try {
    link = await SerialportLink.open(o.port, o.baud);
  } catch (err) {
    say(`cannot open serial port ${o.port}: ${(err as Error).message.replace(`${o.port}: `, '')}`);
    return 2;
  }
  if (o.json) json({ state: 'image', file, bytes: image.length, version: manifest.version, kind: manifest.kind, port: o.port, baud: o.baud });
  else process.stderr.write(`flashing ${file} (firmware ${manifest.version}, ${image.length} bytes) over ${o.port} at ${o.baud} baud\n`);

  const view = o.json ? undefined : await progressView(o.port);
  const started = performance.now();
  const elapsedMs = () => Math.round(performance.now() - started);
  // a DATA frame's line time, twice, plus a second: a slow line must not look like a lost frame
  const timeoutMs = 1000 + Math.ceil(((o.chunk + 32) * 10 * 2 * 1000) / o.baud);
  let resumedFrom = 0;
  const session = flashOverLink({
    link,
    image,
    chunkSize: o.chunk,
    timeoutMs,
    onEvent: (e) => {
      if (e.state === 'writing') resumedFrom = e.resumedFrom;
      if (o.json) {
        if (e.state === 'failed') json({ state: 'failed', done: e.done, total: e.total, elapsedMs: elapsedMs(), error: { code: e.error.code, message: e.error.message, ...(e.error.reason ? { reason: e.error.reason } : {}) } });
        else json({ ...e, elapsedMs: elapsedMs() });
      } else view?.(e);
    },
  });
  const onSignal = () => session.flasher.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const final = await session.result;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await link.close();

  const seconds = (performance.now() - started) / 1000;
  const code = final.state === 'done' ? 0 : final.error.code === 'flash-device' || final.error.code === 'flash-refused' ? 1 : 2;
  const effectiveKbps = final.state === 'done' ? Math.round(((image.length * 8) / seconds / 1000) * 10) / 10 : null;
  if (o.json) {
    json({ state: 'summary', ok: code === 0, file, port: o.port, imageBytes: image.length, compressedBytes: final.total, seconds: Math.round(seconds * 1000) / 1000, effectiveKbps, resumedFrom, exitCode: code });
  } else if (final.state === 'done') {
    process.stderr.write(`flashed firmware ${manifest.version} in ${seconds.toFixed(1)} s (${effectiveKbps} kbit/s of image${resumedFrom ? `, resumed at ${resumedFrom} bytes` : ''}); the device reboots into it\n`);
  } else if (code === 1) {
    const why = final.error.reason === 'refused' ? 'its signature, kind or version check failed (the device logs which); it keeps its old firmware' : final.error.message;
    say(`the device refused ${file} (${final.error.reason ?? final.error.code}): ${why}`);
  } else {
    say(`flashing stopped (${final.error.code}): ${final.error.message}. Run the same command again to resume.`);
  }
  return code;
}

/** A progress bar on a terminal (bytes, kbit/s, ETA), else one line per state; both on stderr. */
async function progressView(port: string): Promise<(e: FlashEvent) => void> {
  if (!process.stderr.isTTY) {
    let last = '';
    return (e) => {
      if (e.state === last) return;
      last = e.state;
      if (e.state === 'connecting') process.stderr.write(`connecting to the bootloader on ${port}\n`);
      else if (e.state === 'writing') process.stderr.write(`writing ${e.total} bytes (deflated)${e.resumedFrom ? `, resuming at ${e.resumedFrom}` : ''}\n`);
      else if (e.state === 'verifying') process.stderr.write('sent; the device verifies and installs the image\n');
    };
  }
  const { default: cliProgress } = await import('cli-progress'); // only on a terminal
  const bar = new cliProgress.SingleBar(
    { format: 'flashing [{bar}] {percentage}% | {kb}/{totalKb} KB | {rate} kbit/s | ETA {eta_formatted}', stream: process.stderr, hideCursor: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  let started = 0;
  let from = 0;
  let on = false;
  return (e) => {
    if (e.state === 'writing') {
      const kb = (n: number) => (n / 1024).toFixed(1);
      if (!on) {
        on = true;
        started = performance.now();
        from = e.done;
        bar.start(e.total, e.done, { kb: kb(e.done), totalKb: kb(e.total), rate: '0.0' });
      }
      const s = (performance.now() - started) / 1000;
      bar.update(e.done, { kb: kb(e.done), totalKb: kb(e.total), rate: s > 0 ? (((e.done - from) * 8) / s / 1000).toFixed(1) : '0.0' });
    } else if (e.state === 'verifying' || e.state === 'done' || e.state === 'failed') {
      if (on) bar.stop();
      on = false;
      if (e.state === 'verifying') process.stderr.write('sent; the device verifies and installs the image\n');
    } else if (e.state === 'connecting') {
      process.stderr.write(`connecting to the bootloader on ${port}\n`);
    }
  };
}
