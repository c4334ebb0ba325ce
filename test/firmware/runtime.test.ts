/** The device's health signal, its watchdog's heartbeat and restart decision, and its rotating log files. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LinkStatus } from '../../firmware/device-core.js';
import { assessHealth } from '../../firmware/runtime/health.js';
import { rotatingFileLog } from '../../firmware/runtime/file-log.js';
import { Watchdog } from '../../firmware/runtime/watchdog.js';
import { FakeClock } from '../../protocol/index.js';
import { tempDir } from '../support/system.js';

const t = suite('firmware/runtime');
const link = (connected: boolean): LinkStatus => ({ connected, since: '2026-12-03T08:00:00.000Z', reconnects: 0, resyncs: 0, lastMessageAt: null, lastError: null, nextAttemptMs: connected ? null : 4000 });
const limits = { loopDelayMs: 1000, rssBytes: 100 * 1024 * 1024 };
const now = new Date('2026-12-03T09:00:00.000Z');
const startedAt = '2026-12-03T08:00:00.000Z';

t('health: ok when connected; degraded (not failing) without the hub; failing on a stalled loop or high memory', () => {
  assert.is(assessHealth({ link: link(true), loopDelayMaxMs: 12, rssBytes: 40e6, startedAt }, now, limits).state, 'ok');
  const away = assessHealth({ link: link(false), loopDelayMaxMs: 12, rssBytes: 40e6, startedAt }, now, limits);
  assert.is(away.state, 'degraded', 'a restart would not bring the network back');
  assert.is(away.checks.hub, 'disconnected');
  assert.is(away.uptimeS, 3600);
  const stalled = assessHealth({ link: link(true), loopDelayMaxMs: 1500, rssBytes: 40e6, startedAt }, now, limits);
  assert.equal([stalled.state, stalled.checks.loop], ['failing', 'stalled']);
  const leak = assessHealth({ link: link(true), loopDelayMaxMs: 5, rssBytes: 200 * 1024 * 1024, startedAt }, now, limits);
  assert.equal([leak.state, leak.checks.memory, leak.rssMb], ['failing', 'high', 200]);
});

t('watchdog: writes the heartbeat file with the report at every check, and asks for a restart only after three failing checks in a row', () => {
  const dir = tempDir();
  try {
    const heartbeatFile = path.join(dir, 'heartbeat.json');
    const failing: string[] = [];
    let rssLimit = 10 * 1024 * 1024 * 1024;
    const clock = new FakeClock(now.getTime());
    const dog = new Watchdog({ clock, link: () => link(true), heartbeatFile, get limits() { return { loopDelayMs: 60_000, rssBytes: rssLimit }; }, onFailing: (r) => failing.push(r.state) });
    assert.is(dog.check().state, 'ok');
    const beat = JSON.parse(readFileSync(heartbeatFile, 'utf8'));
    assert.equal([beat.at, beat.state, beat.checks.hub], [now.toISOString(), 'ok', 'connected']);
    assert.equal(readdirSync(dir), ['heartbeat.json'], 'no temporary file left behind');
    rssLimit = 1; // any process is above it now
    dog.check();
    dog.check();
    assert.equal(failing, [], 'two failing checks are not yet a reason to restart');
    rssLimit = 10 * 1024 * 1024 * 1024;
    dog.check();
    rssLimit = 1;
    dog.check();
    dog.check();
    assert.equal(failing, [], 'a good check in between starts the count again');
    dog.check();
    assert.equal(failing, ['failing']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('watchdog: report() is health now (what /healthz serves), not the last periodic check', () => {
  let connected = true;
  // limits far above this test process (uvu runs every test file in it)
  const dog = new Watchdog({ clock: new FakeClock(now.getTime()), link: () => link(connected), limits: { loopDelayMs: 60_000, rssBytes: 64 * 1024 ** 3 } });
  assert.is(dog.check().state, 'ok');
  connected = false;
  assert.is(dog.report().state, 'degraded');
  connected = true;
  assert.is(dog.report().state, 'ok');
});

t('file log: JSON lines, rotated by size, never more than the configured number of old files', async () => {
  const dir = tempDir();
  try {
    const log = rotatingFileLog({ dir, maxBytes: 2048, files: 2 });
    for (let i = 0; i < 200; i++) {
      log.write({ time: new Date(Date.UTC(2026, 11, 3, 9, 0, i % 60)).toISOString(), level: 'info', ns: 'omstil:fw:test', msg: 'update', data: { i } });
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 10)); // let rotations happen
    }
    await log.close();
    const files = readdirSync(dir).filter((f) => !f.endsWith('.history'));
    assert.ok(files.includes('omstil-firmware.log'), files.join(', '));
    assert.ok(files.length >= 2 && files.length <= 3, `the live file and at most 2 old ones: ${files.join(', ')}`);
    const records = files.flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; data: { i: number } }));
    const kept = records.map((r) => r.data.i).sort((x, y) => x - y);
    assert.is(kept.at(-1), 199, 'the newest record is kept');
    assert.ok(kept.length < 200, `old records were dropped with the oldest files (${kept.length} kept)`);
    assert.equal(kept, Array.from({ length: kept.length }, (_, k) => 200 - kept.length + k), 'what is kept is the newest, without holes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();
