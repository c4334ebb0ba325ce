/**
 * The hub's sweep after a commit: a change of people alone no longer makes the sweep run over
 * everyone at once (bench/fleet.ts); it is due at the changed people's own ends, which must
 * still happen on time (DV-1, PR-1).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { loadConfig } from '../../broker/config.js';
import { Directory } from '../../broker/directory/directory.js';
import { startHubService, type HubService } from '../../broker/main.js';
import type { Actor } from '../../broker/policy/commands.js';
import { DeviceCore } from '../../firmware/device-core.js';
import { silentLogger } from '../../protocol/index.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { movableClock, tempDir } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const t = suite('broker/hub (sweep after a commit)');
// a Wednesday morning, inside phone hours
const START = '2026-03-04T09:00:00+01:00';
const clock = movableClock(START);
const directory = Directory.parse(demoDirectory({ peoplePerDept: 4, kiosks: 1 }));
const [a, b] = [...directory.people.values()].filter((p) => p.role === 'employee' && p.title !== 'Afdelingsleder');
const phone = (personId: string): Actor => ({ source: 'phone', id: `phone-${personId}`, personId });
let service: HubService;
let dataDir: string;

t.before(async () => {
  clock.advanceTo(Date.parse(START));
  dataDir = tempDir();
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: null, apiPort: null, dataDir, logLevel: 'silent' } });
  service = await startHubService(config, { logger: silentLogger, clock, directory });
});

t.after(async () => {
  await service.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

t('a diversion with an end is ended by the sweep when the end has passed (DV-1)', async () => {
  const hub = service.hub;
  const until = new Date(clock.now().getTime() + 10 * 60_000).toISOString();
  hub.execute(phone(a!.id), { op: 'divert', person: a!.id, target: b!.id, until });
  assert.is(hub.record(a!.id)?.diversion?.to, b!.id);
  await new Promise((r) => setTimeout(r, 1500)); // a sweep or two before the end: nothing ends
  assert.is(hub.record(a!.id)?.diversion?.to, b!.id);
  clock.advance(11 * 60_000);
  await waitFor(() => hub.record(a!.id)?.diversion === null, 'the diversion to end');
});

t('an absence planned for later starts when its time comes, and ends (PR-1)', async () => {
  const hub = service.hub;
  const now = clock.now().getTime();
  const since = new Date(now + 5 * 60_000).toISOString();
  const until = new Date(now + 30 * 60_000).toISOString();
  hub.execute(phone(a!.id), { op: 'set-status', person: a!.id, kind: 'away', since, until, reason: null, divertTo: null });
  await new Promise((r) => setTimeout(r, 1500));
  assert.is.not(hub.record(a!.id)?.presence, 'away');
  clock.advance(6 * 60_000);
  await waitFor(() => hub.record(a!.id)?.presence === 'away', 'the absence to start');
  clock.advance(30 * 60_000);
  await waitFor(() => hub.record(a!.id)?.presence !== 'away', 'the absence to end');
});

t("a person's own topic lists who diverts to them, as diversions come and go (DV-2)", async () => {
  const hub = service.hub;
  const c = [...directory.people.values()].find((p) => p.role === 'employee' && p.id !== a!.id && p.id !== b!.id)!;
  const deviceId = `phone-${b!.id}`;
  const { token } = service.credentials!.issue(deviceId);
  const phoneB = new DeviceCore({ deviceId, kind: 'phone', mqttUrl: service.mqttUrl, clock, logger: silentLogger, mqttOptions: { username: deviceId, password: token } });
  await phoneB.start();
  try {
    const incoming = () => (phoneB.mirror.me?.incoming ?? []).map((i) => i.from).sort();
    await waitFor(() => phoneB.mirror.me, 'B to see its own state');
    hub.execute(phone(a!.id), { op: 'divert', person: a!.id, target: b!.id, until: null });
    await waitFor(() => incoming().join() === a!.id, 'B to see A');
    hub.execute(phone(c.id), { op: 'divert', person: c.id, target: b!.id, until: null });
    await waitFor(() => incoming().join() === [a!.id, c.id].sort().join(), 'B to see A and C');
    hub.execute(phone(a!.id), { op: 'divert', person: a!.id, target: c.id, until: null });
    await waitFor(() => incoming().join() === c.id, 'B to see only C once A diverts elsewhere');
    hub.execute(phone(c.id), { op: 'undivert', person: c.id });
    await waitFor(() => incoming().length === 0 && phoneB.mirror.me?.rev === hub.record(b!.id)?.rev, 'B to see nobody');
    hub.execute(phone(a!.id), { op: 'undivert', person: a!.id });
  } finally {
    await phoneB.stop();
  }
});

t.run();
