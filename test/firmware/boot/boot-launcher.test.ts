/**
 * The boot launcher's loop with real child processes: each slot holds a small stand-in
 * firmware (CommonJS) that records what it was run with and then confirms, exits, hangs or
 * asks for a reboot. The real firmware under the built launcher: test/e2e/boot-launcher.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Buffer } from 'node:buffer';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BootLauncher, type LauncherEvent } from '../../../firmware/boot/boot-launcher.js';
import { BootSlots, sha256Of } from '../../../firmware/boot/boot-slots.js';
import { packFiles } from '../../../firmware/image/file-archive.js';
import { memoryLogger } from '../../../protocol/index.js';
import { scratchFolder } from '../../support/files.js';
import { waitFor } from '../../support/wait.js';

const t = suite('firmware/boot/boot-launcher');
const scratch = scratchFolder(t, 'omstil-launcher-');
let n = 0;

/** A stand-in firmware: logs `version bootVersion args` to ../runs.log, then does `behaviour` (CommonJS source). */
function firmware(behaviour: string): Buffer {
  return Buffer.from(`const fs = require('node:fs'); const path = require('node:path');
const dir = process.env.OMSTIL_BOOT_DIR;
fs.appendFileSync(path.join(dir, '..', 'runs.log'), [process.env.OMSTIL_FW_VERSION, process.env.OMSTIL_BOOT_VERSION, ...process.argv.slice(2)].join(' ') + '\\n');
function confirm() {
  const f = path.join(dir, 'boot.json');
  const s = JSON.parse(fs.readFileSync(f, 'utf8'));
  s.confirmed = true; s.tries = 0;
  fs.writeFileSync(f + '.tmp', JSON.stringify(s)); fs.renameSync(f + '.tmp', f);
}
${behaviour}
`);
}

const CONFIRM_THEN_EXIT = (code: number) => `confirm(); setTimeout(() => process.exit(${code}), 400);`;
const EXIT = (code: number) => `process.exit(${code});`;
const HANG = 'setInterval(() => {}, 1000);';
const WAIT_GO_THEN_75 = `setInterval(() => { if (fs.existsSync(path.join(dir, '..', 'go'))) process.exit(75); }, 20);`;

function image(version: string, behaviour: string) {
  const payload = packFiles([{ path: 'omstil-firmware.js', mode: 0o644, data: firmware(behaviour) }]);
  return { manifest: { version, sha256: sha256Of(payload) }, payload };
}

function setup(old: string, next?: string) {
  const home = path.join(scratch.dir(), `dev${n++}`);
  const dir = path.join(home, 'boot');
  BootSlots.open(dir).adopt({ version: '1.0.0' }, [{ path: 'omstil-firmware.js', mode: 0o644, data: firmware(old) }]);
  if (next) BootSlots.open(dir).stage(image('2.0.0', next));
  const events: LauncherEvent[] = [];
  const launcher = new BootLauncher({
    slots: BootSlots.open(dir),
    logger: memoryLogger('warn'),
    bootVersion: '1.0.0',
    healthTimeoutMs: 1500,
    pollMs: 50,
    killGraceMs: 500,
    args: ['--config', '/etc/omstil/device.json'],
    env: { PATH: process.env.PATH ?? '' },
    onEvent: (e) => events.push(e),
  });
  const runs = () => (existsSync(path.join(home, 'runs.log')) ? readFileSync(path.join(home, 'runs.log'), 'utf8').trim().split('\n') : []);
  const states = () => events.map((e) => (e.state === 'booting' ? `boot ${e.version}${e.trial ? ' trial' : ''}` : e.state === 'rolled-back' ? `rolled-back ${e.reason}` : e.state === 'exited' ? `exit ${e.code ?? e.signal}` : e.state));
  return { home, dir, launcher, events, runs, states };
}

t('a new slot that confirms itself: kept; the firmware gets its version, the boot version and the arguments', async () => {
  const d = setup(EXIT(0), CONFIRM_THEN_EXIT(3));
  assert.is(await d.launcher.run(), 3, 'a confirmed firmware’s exit status ends the launcher (the supervisor restarts it)');
  assert.equal(d.runs(), ['2.0.0 1.0.0 --config /etc/omstil/device.json']);
  assert.equal(d.states(), ['boot 2.0.0 trial', 'confirmed', 'exit 3']);
  const st = BootSlots.open(d.dir).state()!;
  assert.equal([st.active, st.confirmed], ['b', true]);
});

t('a new slot that exits before confirming: rolled back, the old slot started', async () => {
  const d = setup(EXIT(0), EXIT(1));
  assert.is(await d.launcher.run(), 0);
  assert.equal(d.runs().map((r) => r.split(' ')[0]), ['2.0.0', '1.0.0']);
  assert.equal(d.states(), ['boot 2.0.0 trial', 'exit 1', 'rolled-back exited', 'boot 1.0.0', 'exit 0']);
  const r = BootSlots.open(d.dir).takeReport()!;
  assert.equal([r.result, r.version, r.running, r.reason], ['rolled-back', '2.0.0', '1.0.0', 'exited']);
});

t('a new slot that never confirms: killed after the health timeout, rolled back', async () => {
  const d = setup(EXIT(0), HANG);
  const started = Date.now();
  assert.is(await d.launcher.run(), 0);
  assert.ok(Date.now() - started >= 1500);
  assert.equal(d.states(), ['boot 2.0.0 trial', 'rolled-back health-timeout', 'boot 1.0.0', 'exit 0']);
  assert.is(BootSlots.open(d.dir).peekReport()!.reason, 'health-timeout');
});

t('exit 75 after an image was staged: the launcher boots the staged slot on trial', async () => {
  const d = setup(WAIT_GO_THEN_75);
  const run = d.launcher.run();
  await waitFor(() => d.runs().length === 1, 'the old firmware running');
  BootSlots.open(d.dir).stage(image('2.0.0', CONFIRM_THEN_EXIT(0))); // what its OTA client does
  writeFileSync(path.join(d.home, 'go'), '');
  assert.is(await run, 0);
  assert.equal(d.states(), ['boot 1.0.0', 'exit 75', 'boot 2.0.0 trial', 'confirmed', 'exit 0']);
});

t('stop(): the firmware is stopped and run() ends with 0', async () => {
  const d = setup(HANG);
  const run = d.launcher.run();
  await waitFor(() => d.runs().length === 1, 'the firmware running');
  await d.launcher.stop();
  assert.is(await run, 0);
  assert.equal(BootSlots.open(d.dir).state()!.active, 'a');
});

t.run();
