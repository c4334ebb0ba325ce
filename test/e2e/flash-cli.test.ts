/**
 * Flashing over serial as IT does it (issue "Flashing and OTA"): `omstil keys`, `omstil image
 * build` of the real dist/firmware/, a hub, `omstil sim --serial 1` in another process (a
 * simulated phone with A/B slots behind a socat pty pair, its bootloader paced at the baud
 * rate), `omstil flash --port <printed pty> --json` (first stopped with Ctrl+C part way, then run
 * again: it resumes); the hub's fleet then shows the new version.
 * A tampered image is refused by `omstil flash --key` before a byte is sent, and — sent without
 * --key — by the device, which keeps its version.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { FIRMWARE_VERSION } from '../../firmware/device-core.js';
import { freePort, killHard, ROOT, spawnCli } from '../support/hub-process.js';
import { needBinary } from '../support/system-deps.js';
import { tempDir } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const t = suite('e2e/flash-cli');
const run = promisify(execFile);
const FIRMWARE = path.join(ROOT, 'dist/firmware/omstil-firmware.js');
const BAUD = 921600; // the e2e runs at a fast line; the bench measures 115200
let dir = '';
const children: Awaited<ReturnType<typeof spawnCli>>[] = [];

async function omstil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli/omstil.ts'), ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs the CLI and sends it SIGINT (Ctrl+C) once a JSON `writing` event reaches `after` bytes. */
function interrupted(args: string[], after: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/cli/omstil.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c;
    if (!sent && events(stdout.slice(0, stdout.lastIndexOf('\n') + 1)).some((e) => e.state === 'writing' && (e.done as number) >= after)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const events = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown> & { state: string });

t.before(() => {
  if (!existsSync(FIRMWARE)) throw new Error(`${FIRMWARE} is missing: run \`npm run build\` (npm test does)`);
  dir = tempDir('omstil-flash-');
});
t.after(async () => {
  // the sim first: it stops its socat
  for (const c of children.reverse()) {
    if (c.child.exitCode === null) {
      const exited = new Promise((r) => c.child.once('exit', r));
      c.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      await killHard(c.child);
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

t('keys → image build → sim --serial → flash: progress events, exit 0, the hub sees the new version; a tampered image is refused by flash --key and by the device', async () => {
  if (!needBinary('socat', 'socat', 'omstil sim --serial')) return;
  const keys = path.join(dir, 'keys');
  assert.is((await omstil('keys', '--out', keys)).code, 0);
  const image = path.join(dir, 'omstil-firmware-0.2.0.img');
  const built = await omstil('image', 'build', '--key', keys, '--out', image, '--kind', 'phone', '--version', '0.2.0');
  assert.is(built.code, 0, built.stderr);

  const mqttPort = await freePort();
  const apiPort = await freePort();
  const hubDir = path.join(dir, 'hub');
  const hub = await spawnCli(['hub', '--mqtt-port', String(mqttPort), '--no-ws-port', '--api-port', String(apiPort), '--data-dir', hubDir, '--log-level', 'warn'], /omstil hub is up/);
  children.push(hub);
  const token = readFileSync(path.join(hubDir, 'admin-token'), 'utf8').trim();
  const fleet = async (): Promise<Map<string, { fw: string | null; state: string }>> => {
    const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/devices`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { devices: { deviceId: string; fw: string | null; state: string }[] };
    return new Map(body.devices.map((d) => [d.deviceId, d]));
  };

  const sim = await spawnCli(
    // issue 10: the device's token from the hub's admin API (the hub requires it), with the admin token the hub wrote
    ['sim', '--serial', '1', '--baud', String(BAUD), '--key', keys, '--mqtt-url', `mqtt://127.0.0.1:${mqttPort}`, '--data-dir', path.join(dir, 'sim'), '--api', `http://127.0.0.1:${apiPort}`, '--token-file', path.join(hubDir, 'admin-token'), '--log-level', 'info'],
    /Press Ctrl\+C to stop/,
  );
  children.push(sim);
  const m = /^\s+(\S+)\s+(\/dev\/pts\/\d+)\s*$/m.exec(sim.stdout());
  assert.ok(m, `a device and its pty in:\n${sim.stdout()}`);
  const [, deviceId, port] = m as unknown as [string, string, string];
  await waitFor(async () => (await fleet()).get(deviceId)?.fw === FIRMWARE_VERSION, `${deviceId} online with ${FIRMWARE_VERSION}`, 15_000, 100);

  // IT presses Ctrl+C part way: exit 2, and the next run resumes
  const cut = await interrupted(['flash', '--port', port, '--baud', String(BAUD), '--json', image], 40_000);
  assert.is(cut.code, 2, cut.stderr);
  const stopped = events(cut.stdout).find((e) => e.state === 'failed') as { error: { code: string }; done: number } | undefined;
  assert.is(stopped?.error.code, 'flash-stopped');
  assert.ok(stopped!.done >= 40_000);

  // the flash, with JSON events
  const flashed = await omstil('flash', '--port', port, '--baud', String(BAUD), '--key', keys, '--json', image);
  assert.is(flashed.code, 0, flashed.stderr + flashed.stdout.slice(-2000));
  const ev = events(flashed.stdout);
  const states = ev.map((e) => e.state).filter((s, i, a) => a[i - 1] !== s);
  assert.equal(states, ['image', 'connecting', 'writing', 'verifying', 'done', 'summary']);
  const writing = ev.filter((e) => e.state === 'writing');
  assert.ok(writing.length > 10, 'a writing event per chunk');
  assert.ok(writing.every((e, i) => i === 0 || (e.done as number) >= (writing[i - 1]!.done as number)), 'progress only grows');
  const summary = ev.at(-1)!;
  const imageBytes = readFileSync(image).length;
  assert.is(summary.ok, true);
  assert.ok((summary.resumedFrom as number) >= stopped!.done, `resumed at ${summary.resumedFrom}, stopped at ${stopped!.done}`);
  assert.is(ev.find((e) => e.state === 'writing')!.resumedFrom, summary.resumedFrom);
  assert.is(summary.imageBytes, imageBytes);
  assert.ok((summary.compressedBytes as number) < imageBytes, 'sent deflated');
  // paced at 921,600 baud: the compressed bytes cannot arrive faster than the line carries them
  const lineSeconds = (((summary.compressedBytes as number) - (summary.resumedFrom as number)) * 10) / BAUD;
  assert.ok((summary.seconds as number) >= lineSeconds * 0.95, `${summary.seconds} s for ${lineSeconds.toFixed(2)} s of line time`);
  const kbps = (imageBytes * 8) / (summary.seconds as number) / 1000;
  assert.ok(Math.abs((summary.effectiveKbps as number) / kbps - 1) < 0.01, `effective ${summary.effectiveKbps} kbit/s, ${kbps.toFixed(1)} from the summary`);

  await waitFor(async () => (await fleet()).get(deviceId)?.fw === '0.2.0', `${deviceId} reporting 0.2.0 to the hub`, 20_000, 100);
  await waitFor(() => /trial slot healthy: confirmed version=0\.2\.0/.test(sim.stderr()), 'the new slot confirmed', 15_000);

  // a tampered image (one payload byte): refused by flash --key, nothing sent
  const tampered = path.join(dir, 'tampered.img');
  const next = path.join(dir, 'omstil-firmware-0.3.0.img');
  assert.is((await omstil('image', 'build', '--key', keys, '--out', next, '--kind', 'phone', '--version', '0.3.0')).code, 0);
  const b = readFileSync(next);
  b[Math.floor(b.length / 2)]! ^= 0x01;
  writeFileSync(tampered, b);
  const before = sim.stderr().length;
  const byKey = await omstil('flash', '--port', port, '--baud', String(BAUD), '--key', keys, tampered);
  assert.is(byKey.code, 1);
  assert.match(byKey.stderr, 'refused (bad-signature)');
  const byKeyJson = await omstil('flash', '--port', port, '--key', keys, '--json', tampered);
  assert.is(byKeyJson.code, 1);
  assert.equal(events(byKeyJson.stdout).map((e) => [e.state, e.code]), [['refused', 'bad-signature']]);
  assert.not.match(sim.stderr().slice(before), 'image received', 'not a byte was sent');

  // … and, sent without --key, by the device itself: exit 1, the device keeps 0.2.0
  const byDevice = await omstil('flash', '--port', port, '--baud', String(BAUD), '--json', tampered);
  assert.is(byDevice.code, 1, byDevice.stderr);
  const failed = events(byDevice.stdout).find((e) => e.state === 'failed') as { error: { code: string; reason: string } } | undefined;
  assert.equal(failed?.error.code, 'flash-device');
  assert.equal(failed?.error.reason, 'refused');
  await waitFor(() => /image refused; keeping the running version code=bad-signature/.test(sim.stderr()), 'the device to log the refusal');
  await new Promise((r) => setTimeout(r, 500));
  assert.is((await fleet()).get(deviceId)?.fw, '0.2.0', 'the device keeps its version');
  assert.is((await fleet()).get(deviceId)?.state, 'online');

  // a port that is not there: exit 2, named
  const noPort = await omstil('flash', '--port', path.join(dir, 'no-such-tty'), image);
  assert.is(noPort.code, 2);
  assert.match(noPort.stderr, `cannot open serial port ${path.join(dir, 'no-such-tty')}`);
});

t.run();
