/**
 * AS-5 end to end: the real hub with its embedded broker and SQLite, a SimulatedPbx with
 * voicemail, and real DeviceCore phones. A call nobody answers leaves a message; the owner's
 * phone shows it on its own topic (and the leader's phone has it with the staff's own state,
 * PR-4); when the hub's clock passes a day the mailbox is flagged; listening clears it. A hub
 * that was down when the day passed flags it on start, from what it stored. Nobody else — a
 * colleague's phone, an observer on `#` — ever gets voicemail data (PR-2); the journal keeps
 * counts only.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import type { PersonOwn } from '../../protocol/index.js';
import { Directory } from '../../broker/directory/directory.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { movableClock, startSystem, tempDir, type TestSystem } from '../support/system.js';
import { listenToEverything, type Listener } from '../support/listener.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/voicemail');

/** Tuesday 24 November 2026, 10:12 in Copenhagen */
const START = '2026-11-24T10:12:00+01:00';
/** real speed from START; `advance` moves it on (the hub's sweep notices within a second) */
const clock = movableClock(START);
const advance = (ms: number) => clock.advance(ms);
const HOUR = 3_600_000;

let sys: TestSystem;
let dataDir: string;
/** L leads A; C is a colleague of another department */
let L: string, A: string, C: string, extA: string;
let observer: Listener;

async function boot(): Promise<void> {
  sys = await startSystem({ clock, dataDir, pbxVoicemail: true });
  for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.config && (core.mirror.kind === 'kiosk' || core.mirror.me), `${core.deviceId} to show its state`, 10_000);
  // A is away from the desk: calls ring out to voicemail
  sys.pbx.register(extA, () => false);
}

e2e.before(async () => {
  clock.advanceTo(Date.parse(START)); // from START when the suite runs, not when the test files were loaded
  dataDir = tempDir();
  const dir = Directory.parse(demoDirectory({ peoplePerDept: 3, kiosks: 2 }));
  const [lea, anna] = dir.data.people;
  L = lea!.id;
  A = anna!.id;
  extA = anna!.extension;
  assert.is(anna!.leader, L);
  await boot();
  C = [...sys.fleet.cores.keys()].map((id) => sys.directory.devices.get(id)!.person).find((p) => p && sys.directory.people.get(p)!.dept !== anna!.dept)!;
  assert.ok(C, 'a colleague of another department with a phone');
  observer = await listenToEverything(sys.hub.mqttUrl, 'anonymous-observer');
});

e2e.after(async () => {
  await observer?.client.endAsync(true);
  await sys?.stop();
});

const phone = (person: string) => sys.fleet.core(`phone-${person}`);
const shown = (person: string): PersonOwn['voicemail'] => phone(person).mirror.me?.voicemail;
const atLeader = (): PersonOwn['voicemail'] => phone(L).mirror.staff.get(A)?.voicemail;

let since = '';

e2e('AS-5: an unanswered call leaves a message: the own phone and the leader\'s phone show 1 unheard, not flagged', async () => {
  const r = sys.pbx.call('+4570202020', extA);
  assert.is(r.outcome, 'voicemail');
  assert.equal(sys.pbx.mailbox(extA), { unheard: 1, heard: 0 });
  await waitFor(() => shown(A)?.unheard === 1, "A's phone to show the message");
  since = shown(A)!.unheardSince!;
  assert.ok(Math.abs(Date.parse(since) - Date.parse(START)) < 60_000, `since ${since} is the time of the call`);
  assert.is(shown(A)!.flaggedAt, null);
  await waitFor(() => atLeader()?.unheard === 1, "the leader's phone to have it with A's own state (PR-4)");
  assert.is(shown(C), undefined, 'nothing on the colleague\'s own topic');
});

e2e('AS-5: another message keeps the clock; a repeat of the same report adds no revision', async () => {
  advance(3 * HOUR);
  sys.pbx.call('+4570202021', extA);
  await waitFor(() => shown(A)?.unheard === 2, 'two unheard');
  assert.is(shown(A)!.unheardSince, since);
  const rev = sys.hub.hub.record(A)!.rev;
  sys.hub.hub.execute({ source: 'pbx', id: 'simulated', personId: null }, { op: 'set-voicemail', person: A, unheard: 2, heard: 0, at: clock.now().toISOString() });
  assert.is(sys.hub.hub.record(A)!.rev, rev);
});

e2e('AS-5: past a day unheard, the hub flags it on its own: both phones show the flag', async () => {
  advance(21 * HOUR + 60_000); // Wednesday 10:13
  await waitFor(() => shown(A)?.flaggedAt, "A's phone to show the flag", 5000);
  assert.is(shown(A)!.unheardSince, since);
  await waitFor(() => atLeader()?.flaggedAt, "the leader's phone to have the flag");
  const journal = sys.hub.store.journal(50).filter((j) => j.op === 'set-voicemail');
  assert.ok(journal.length >= 2);
  for (const j of journal) {
    assert.equal(Object.keys(j.detail as object).sort(), ['heard', 'person', 'unheard'], 'the journal keeps counts only');
    assert.is(j.actor, 'pbx:simulated');
  }
});

e2e('AS-5: listening to the mailbox clears count and flag', async () => {
  sys.pbx.listenVoicemail(extA);
  await waitFor(() => shown(A)?.unheard === 0, 'the mailbox heard');
  assert.equal(shown(A), { unheard: 0, unheardSince: null, flaggedAt: null });
  await waitFor(() => atLeader()?.unheard === 0, "the leader's phone to follow");
});

e2e('AS-5: a hub that was down while the day passed flags the mailbox on start, from what it stored', async () => {
  sys.pbx.call('+4570202022', extA);
  await waitFor(() => shown(A)?.unheard === 1, 'a new message');
  const left = shown(A)!.unheardSince!;
  await observer.client.endAsync(true);
  await sys.stop(true);
  advance(30 * HOUR);
  await boot();
  await waitFor(() => shown(A)?.flaggedAt, 'the flag after the restart', 10_000);
  assert.is(shown(A)!.unheard, 1);
  assert.is(shown(A)!.unheardSince, left);
  // the observer of the first run was replaced; listen again for the privacy check
  const client = await mqtt.connectAsync(sys.hub.mqttUrl, { clientId: 'anonymous-observer', reconnectPeriod: 0 });
  client.on('message', (topic, payload) => observer.got.push({ topic, text: payload.toString() }));
  await client.subscribeAsync(['#'], { qos: 1 });
  observer.client = client;
  await waitFor(() => observer.got.some((m) => m.topic.endsWith(`person/${A}/public`) && Date.parse((JSON.parse(m.text) as { updatedAt: string }).updatedAt) > Date.parse(left)), 'retained state after the restart');
});

e2e('PR-2 / AS-5: voicemail never reaches a public topic, an observer on #, nor a colleague\'s phone', () => {
  assert.ok(observer.got.length > 20, `the observer got the public state (${observer.got.length})`);
  assert.equal(observer.got.filter((m) => m.topic.endsWith('/own')).map((m) => m.topic), [], 'no own topic for an observer');
  assert.equal(observer.got.filter((m) => /voicemail|unheard/.test(m.text)).map((m) => m.topic), []);
  const colleague = phone(C).mirror;
  assert.ok(colleague.people.size > 0 || colleague.me, 'the colleague\'s phone has state');
  assert.not.ok(JSON.stringify([...colleague.people.values(), colleague.me]).includes('unheard'), 'nothing on the colleague\'s phone');
  assert.is(colleague.me?.voicemail, undefined);
});

e2e.run();
