/**
 * `omstil up --demo-calls`: demo citizens' calls go through the simulated PBX the hub routes,
 * the simulated employees take them (on a call until hung up), and the hub counts every one
 * (ST-1). Against the real hub, embedded broker and SQLite.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DemoCallers } from '../../../simulator/demo/demo-callers.js';
import { seededRandom } from '../../support/seeded-random.js';
import { clockFrom, startSystem, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';

const t = suite('simulator/demo/demo-callers');

/** Monday 23 November 2026, 10:00 in Copenhagen: the demo municipality answers. */
const START = '2026-11-23T10:00:00+01:00';
let sys: TestSystem;

t.before(async () => {
  sys = await startSystem({ clock: clockFrom(START), pbxRoutes: true, phones: 200, kiosks: 0 });
});
t.after(async () => sys?.stop());

const stored = () => [...sys.hub.store.calls(new Date(0), new Date('2100-01-01'))];

t('calls to function and personal numbers are routed by the hub, taken, and counted', async () => {
  const callers = new DemoCallers({ pbx: sys.pbx, directory: sys.directory, callsPerHour: 60, logger: sys.logger, random: seededRandom(7) });
  const results = Array.from({ length: 20 }, () => callers.callOnce());
  assert.is(callers.placed, 20);
  const numbers = new Set(results.map((r) => r.to));
  const groups = new Set([...sys.directory.groups.values()].map((g) => g.number));
  assert.ok([...numbers].some((n) => groups.has(n)) && [...numbers].some((n) => !groups.has(n)), 'both kinds of number were called');
  assert.ok(results.some((r) => r.outcome === 'answered'), JSON.stringify(results.map((r) => r.outcome)));
  // answered calls are held (people on calls) until their hang-up; the rest are counted at once
  const ended = results.filter((r) => r.outcome !== 'answered').map((r) => r.pbxCallId);
  await waitFor(() => ended.every((id) => stored().some((c) => c.callId === id)), 'the calls that ended to be counted');
  const onCall = results.find((r) => r.outcome === 'answered')!;
  const person = sys.directory.byNumber(onCall.answeredBy!);
  assert.ok(person?.kind === 'person');
  await waitFor(() => sys.hub.hub.record(person.person.id)?.onCall === true, 'the one who answered to be on a call (PR-1)');
  callers.stop();
  for (const r of results.filter((x) => x.outcome === 'answered')) sys.pbx.hangup(r.callId);
  await waitFor(() => results.every((r) => stored().some((c) => c.callId === r.pbxCallId)), 'every call to be counted once hung up');
});

t('start/stop: a Poisson stream of calls, and nothing runs after stop', async () => {
  const callers = new DemoCallers({ pbx: sys.pbx, directory: sys.directory, callsPerHour: 3_600_000, logger: sys.logger, random: seededRandom(3) });
  callers.start();
  await waitFor(() => callers.placed >= 5, 'calls to arrive');
  callers.stop();
  const n = callers.placed;
  await new Promise((r) => setTimeout(r, 100));
  assert.is(callers.placed, n);
  const none = new DemoCallers({ pbx: sys.pbx, directory: sys.directory, callsPerHour: 0, logger: sys.logger });
  none.start();
  await new Promise((r) => setTimeout(r, 50));
  assert.is(none.placed, 0);
  none.stop();
  for (const r of sys.pbx.log.filter((x) => x.outcome === 'answered')) sys.pbx.hangup(r.callId);
});

t.run();
