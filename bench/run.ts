/**
 * `npm run -s bench -- --json` prints one JSON object of figures; without --json, a table.
 * Options: --devices N (default 1000), --rounds N (default 300), --only divert|policy|report|day|fuzz|privacy|crash|store|fleet|calendar|route|pbx|ui|firmware|ota|serial
 * (default all: the policy engine on 10,000 people, report_quarter_s: `omstil report` on a quarter of
 * 100,000 calls in SQLite, the simulated municipal day with and without omstil (day_*), 100,000
 * fuzzed requests, the privacy scan of a day with 1,000 devices, 10 kills of the hub under load, store commits in
 * SQLite and PostgreSQL (a throwaway cluster), the fleet ramp (devices on one hub up to 20,000 while
 * divert_e2e p99 ≤ 100 ms, hub memory per device, sustained requests/s), divert_e2e
 * through the hub, then CalDAV sync
 * of 500 calendars × 50 events against a local Radicale, about 2.5 minutes of it seeding, then
 * the routing endpoint at 1,000 requests/s for 10 s from a second process, then hub decisions
 * applied to a real Kamailio, then the device screens in headless Chromium, then the built
 * firmware: bundle size, cold start, memory after a soak, then a firmware image flashed over a
 * serial line at 115,200 baud, then ota_fleet_s: a 1 MB image over the air to 1,000 simulated
 * devices with real A/B slots).
 */
import { parseArgs } from 'node:util';

const BENCHES = ['divert', 'policy', 'report', 'day', 'fuzz', 'privacy', 'crash', 'store', 'fleet', 'calendar', 'route', 'pbx', 'ui', 'firmware', 'serial', 'ota'] as const;
type Bench = (typeof BENCHES)[number];

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    devices: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '300' },
    only: { type: 'string' },
  },
});

if (values.only !== undefined && !BENCHES.includes(values.only as Bench)) {
  process.stderr.write(`bench: --only must be one of ${BENCHES.join(', ')} (got "${values.only}")\n`);
  process.exit(2);
}
const run = (bench: Bench) => values.only === undefined || values.only === bench;

const DEPARTMENTS = 15; // the demo municipality's departments
const progress = values.json ? undefined : (msg: string) => process.stderr.write(`bench: ${msg}\n`);
let figures: Record<string, unknown> = {};

if (run('policy')) {
  // pure and CPU-bound: measured before the hub and the device farm start
  const { benchPolicy } = await import('./policy.js');
  figures = { ...figures, ...benchPolicy({ ...(progress ? { progress } : {}) }) };
}
if (run('report')) {
  // ST-1: `omstil report` on a quarter of 100,000 calls (SQLite, CPU): before the hub and the farm start
  const { benchReport } = await import('./report.js');
  figures = { ...figures, ...(await benchReport({ ...(progress ? { progress } : {}) })) };
}
if (run('day')) {
  // the simulated municipal day (docs/scenario.md), default seed: with omstil's policies and with a plain PBX
  const { benchDay } = await import('./day.js');
  figures = { ...figures, ...(await benchDay({ ...(progress ? { progress } : {}) })) };
}
if (run('fuzz')) {
  // issue 10: 100,000 random and mutated requests through the hub's request path
  const { benchFuzz } = await import('./fuzz.js');
  figures = { ...figures, ...(await benchFuzz({ ...(progress ? { progress } : {}) })) };
}
if (run('privacy')) {
  // issue 10, PR-2: a simulated day with 1,000 devices, every payload scanned for reasons and caller data
  const { benchPrivacy } = await import('./privacy.js');
  figures = { ...figures, ...(await benchPrivacy({ ...(progress ? { progress } : {}) })) };
}
if (run('crash')) {
  // issue 10: kill -9 of the hub under a stream of changes, 10 times
  const { benchCrash } = await import('./crash.js');
  figures = { ...figures, ...(await benchCrash({ ...(progress ? { progress } : {}) })) };
}
if (run('store')) {
  // issue 10: one commit (a person + its journal entry) in SQLite and in PostgreSQL (a throwaway cluster; null without it)
  const { benchStore } = await import('./store.js');
  figures = { ...figures, ...(await benchStore({ ...(progress ? { progress } : {}) })) };
}
if (run('fleet')) {
  // issue 10: real firmware cores in two farm processes, ramped on one hub (about 6 minutes)
  const { benchFleet } = await import('./fleet.js');
  figures = { ...figures, ...(await benchFleet({ ...(progress ? { progress } : {}) })) };
}
if (run('divert')) {
  const { benchDivert } = await import('./divert-e2e.js');
  const devices = Number(values.devices);
  const kiosks = Math.max(1, Math.round(devices * 0.04));
  const peoplePerDept = Math.max(2, Math.round((devices - kiosks) / DEPARTMENTS));
  figures = { ...figures, ...(await benchDivert({ peoplePerDept, kiosks, rounds: Number(values.rounds), ...(progress ? { progress } : {}) })) };
}
if (run('calendar')) {
  // a real CalDAV server (Radicale) on loopback; null figures and a note on stderr without it
  const { benchCalendar } = await import('./calendar.js');
  figures = { ...figures, ...(await benchCalendar({ ...(progress ? { progress } : {}) })) };
}
if (run('route')) {
  // GET /api/v1/route (RT-2) on a 1,000-person hub, the load from a second process
  const { benchRoute } = await import('./route-endpoint.js');
  figures = { ...figures, ...(await benchRoute({ ...(progress ? { progress } : {}) })) };
}
if (run('pbx')) {
  // a real Kamailio on loopback; null figures and a note on stderr without it
  const { benchPbx } = await import('./pbx.js');
  figures = { ...figures, ...(await benchPbx({ ...(progress ? { progress } : {}) })) };
}
if (run('ui')) {
  // the built screens (npm run build) in Debian Chromium; null figures and a note on stderr without them
  const { benchUi } = await import('./ui.js');
  figures = { ...figures, ...(await benchUi({ ...(progress ? { progress } : {}) })) };
}
if (run('firmware')) {
  // the built firmware (npm run build) as separate processes; null figures and a note on stderr without it
  const { benchFirmware } = await import('./firmware.js');
  figures = { ...figures, ...(await benchFirmware({ ...(progress ? { progress } : {}) })) };
}
if (run('serial')) {
  // a real firmware image flashed over a socat pty pair at 115,200 baud, paced; in memory with a note on stderr without socat
  const { benchSerial } = await import('./serial.js');
  figures = { ...figures, ...(await benchSerial({ ...(progress ? { progress } : {}) })) };
}
if (run('ota')) {
  // OTA: a 1 MB signed image to 1,000 simulated devices with real A/B slots (a second process), no canary
  const { benchOta } = await import('./ota.js');
  figures = { ...figures, ...(await benchOta({ devices: Number(values.devices), ...(progress ? { progress } : {}) })) };
}
figures = { ...figures, node: process.version, at: new Date().toISOString() };
if (values.json) process.stdout.write(JSON.stringify(figures) + '\n');
else for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k.padEnd(30)} ${v}\n`);
process.exit(0);
