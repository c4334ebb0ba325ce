/**
 * RT-1: `omstil import` against the data directory of a running hub. The hub takes the new
 * directory within a second: removed people vanish from every screen (their retained topics
 * are cleared), new people appear, and a diversion to someone removed ends (no dead ends).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DirectoryData } from '../../broker/directory/directory.js';
import { BUNDLED_CLI, ROOT } from '../support/hub-process.js';
import { clockFrom, startSystem, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/directory-reload');
const run = promisify(execFile);
let sys: TestSystem;

e2e.before(async () => {
  if (!existsSync(BUNDLED_CLI)) throw new Error(`${BUNDLED_CLI} is missing: run \`npm run build\` (npm test does)`);
  sys = await startSystem({ clock: clockFrom('2026-11-23T10:00:00+01:00') });
  for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.config && (core.mirror.kind === 'kiosk' || core.mirror.me), `${core.deviceId} to show its state`);
});
e2e.after(async () => sys.stop());

e2e('RT-1: an import while the hub runs is in force within seconds; removed people are cleared everywhere', async () => {
  const [, anna, bo] = sys.directory.data.people;
  const phone = sys.fleet.core(`phone-${anna!.id}`);
  await phone.call('divert', { target: bo!.id });
  const kiosk = sys.fleet.kiosks[0]!;
  await waitFor(() => kiosk.mirror.people.get(anna!.id)?.diversion?.to === bo!.id, 'the kiosk to show the diversion');
  const configRev = phone.mirror.config!.rev;

  const { stdout } = await run(process.execPath, [BUNDLED_CLI, 'export', '--data-dir', sys.dataDir, '--format', 'json'], { cwd: ROOT });
  const data = JSON.parse(stdout) as DirectoryData;
  // bo leaves (with his phone and group memberships); a new colleague starts
  data.people = data.people.filter((p) => p.id !== bo!.id).map((p) => ({ ...p, preferred: p.preferred.filter((x) => x !== bo!.id) }));
  data.devices = data.devices.filter((d) => d.person !== bo!.id);
  data.groups = data.groups.map((g) => ({ ...g, members: g.members.filter((m) => m !== bo!.id) })).filter((g) => g.members.length > 0);
  data.people.push({ ...anna!, id: 'nina-ny', name: 'Nina Ny', extension: '19999', leader: anna!.leader, preferred: [] });
  const file = path.join(sys.dataDir, 'next.json');
  writeFileSync(file, JSON.stringify(data));
  const imported = await run(process.execPath, [BUNDLED_CLI, 'import', file, '--data-dir', sys.dataDir], { cwd: ROOT });
  assert.match(imported.stdout, /as directory version 2: .*1 person added.*1 person removed/, imported.stdout);

  await waitFor(() => !kiosk.mirror.people.has(bo!.id), 'bo to vanish from the kiosk', 5000);
  await waitFor(() => kiosk.mirror.people.get('nina-ny'), 'nina to appear on the kiosk', 5000);
  await waitFor(() => kiosk.mirror.people.get(anna!.id)?.diversion === null, 'the diversion to bo to end', 5000);
  await waitFor(() => phone.mirror.config!.rev > configRev, 'device configs to carry the new version', 5000);
  assert.is(sys.hub.hub.record(anna!.id)!.diversion, null);
  assert.is(sys.hub.hub.directory.people.has(bo!.id), false);
  assert.ok(sys.logger.records.some((r) => r.msg === 'directory reloaded'), 'the hub logs the reload');
});

e2e.run();
