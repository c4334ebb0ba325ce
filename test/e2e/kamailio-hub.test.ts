/**
 * The hub's policy routes real SIP calls (issue: PBX sync). A real Kamailio with omstil.cfg,
 * real baresip user agents registered as the demo municipality's phones, and the hub with its
 * KamailioPbx: every decision is made by the hub (resolveCall → routes and forwards pushed over
 * JSON-RPC), and proved by who answers a call dialled through Kamailio.
 * Monday 23 November 2026, 10:00 in Copenhagen: Borgerservice answers 08:00-18:00.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OmstilError, memoryLogger } from '../../protocol/index.js';
import { loadConfig } from '../../broker/config.js';
import { Directory, type DirectoryData } from '../../broker/directory/directory.js';
import { startHubService, type HubService } from '../../broker/main.js';
import { KamailioPbx } from '../../broker/pbx/kamailio-pbx.js';
import type { Actor } from '../../broker/policy/commands.js';
import { demoDirectory } from '../../simulator/demo/demo-directory.js';
import { startAgents, stopAgents, type BaresipAgent } from '../support/baresip.js';
import { startKamailio, type KamailioServer } from '../support/kamailio.js';
import { findBinary, needBinary } from '../support/system-deps.js';
import { clockFrom, tempDir } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/kamailio-hub');
type Person = DirectoryData['people'][number];

const data = demoDirectory({ peoplePerDept: 3, kiosks: 0 });
const directory = Directory.parse(data);
const [anna, bo, camilla] = data.people as [Person, Person, Person];
const group = data.groups!.find((g) => g.dept === 'borgerservice')!; // Bo and Camilla
const CALLER = '5000'; // a citizen's line (no one in the directory)
const IVR = 'ivr';

let kam: KamailioServer | null = null;
let agents: Map<string, BaresipAgent> | null = null;
let hub: HubService | null = null;
let dataDir = '';
const logger = memoryLogger('info');
/** the hub's clock: Monday 10:00 in Copenhagen, moved forward by `later` ms where a test needs the evening (then Tuesday) */
let later = 0;
const monday = clockFrom('2026-11-23T10:00:00+01:00');
const clock = { now: () => new Date(monday.now().getTime() + later) };
const phone = (p: Person): Actor => ({ source: 'phone', id: `phone-${p.id}`, personId: p.id });
const agent = (ext: string) => agents!.get(ext)!;

async function startHub(): Promise<HubService> {
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: null, apiPort: null, dataDir, sync: 'normal', logLevel: 'info', pbxReconcileSeconds: 1 } });
  const pbx = new KamailioPbx({ rpcUrl: kam!.rpcUrl, events: kam!.events, logger: logger.child('kamailio') });
  return startHubService(config, { logger, pbx, directory, clock });
}

const skipped = () => {
  if (kam && agents && hub) return false;
  needBinary('kamailio', 'kamailio', 'SIP routing through Kamailio');
  needBinary('baresip', 'baresip', 'SIP calls with baresip user agents');
  return true;
};

e2e.before(async () => {
  if (!findBinary('kamailio') || !findBinary('baresip')) return;
  kam = await startKamailio({ what: 'the hub routing real SIP calls' });
  if (!kam) return;
  agents = await startAgents(kam, [CALLER, anna.extension, bo.extension, camilla.extension, IVR], { answerMode: (u) => (u === CALLER ? 'manual' : 'auto') });
  dataDir = tempDir();
  hub = await startHub();
  await hub.hub.pbxFlushed();
});

e2e.after(async () => {
  await hub?.stop();
  if (agents) await stopAgents(agents.values(), { graceful: false });
  await kam?.stop();
});

/**
 * The caller dials `number`; resolves with the extension (or `ivr`) that answered, after
 * hanging up. Rejects (with Kamailio's log) when nobody answers within the bound.
 */
async function whoAnswers(number: string): Promise<string> {
  const caller = agent(CALLER);
  for (const a of agents!.values()) a.skip();
  await caller.dial(number);
  try {
    await caller.next('CALL_ESTABLISHED', { timeoutMs: 5000 });
    // the answering side reports the call established when the ACK reaches it, a moment later
    const answered = await waitFor(() => [...agents!.values()].find((a) => a.user !== CALLER && a.pendingEvents('CALL_ESTABLISHED').length > 0), `the phone that answered ${number}`, 2000);
    return answered.user;
  } catch (err) {
    kam!.printLogs(`the call to ${number}`);
    throw err;
  } finally {
    await caller.hangup().catch(() => {});
    await caller.next('CALL_CLOSED', { timeoutMs: 5000 }).catch(() => {});
  }
}

e2e('PR-1 / DV-1: a call to Anna rings Anna; after her one-button diversion it is answered by Bo; after undivert by Anna again', async () => {
  if (skipped()) return;
  assert.is(await whoAnswers(anna.extension), anna.extension);
  hub!.hub.execute(phone(anna), { op: 'divert', person: anna.id, target: bo.id, until: null });
  await hub!.hub.pbxFlushed();
  assert.is(await whoAnswers(anna.extension), bo.extension);
  hub!.hub.execute(phone(anna), { op: 'undivert', person: anna.id });
  await hub!.hub.pbxFlushed();
  assert.is(await whoAnswers(anna.extension), anna.extension);
});

e2e('DV-4: a chain rings where the hub\'s policy says (Anna → Bo → Camilla); a cycle cannot be created, from the phone or from the desk keypad', async () => {
  if (skipped()) return;
  const h = hub!.hub;
  h.execute(phone(bo), { op: 'divert', person: bo.id, target: camilla.id, until: null });
  h.execute(phone(anna), { op: 'divert', person: anna.id, target: bo.id, until: null });
  await h.pbxFlushed();
  assert.is(await whoAnswers(anna.extension), camilla.extension, 'Anna → Bo → Camilla');
  assert.is(h.resolveCall(anna.extension).kind, 'ring');
  // from the phone: refused by the policy, nothing changes
  assert.throws(() => h.execute(phone(camilla), { op: 'divert', person: camilla.id, target: anna.id, until: null }), (e: unknown) => e instanceof OmstilError && e.rule === 'DV-4');
  // from the desk keypad (*72 on Camilla's phone): Kamailio takes it, the hub's next reconcile reverts it
  const cam = agent(camilla.extension);
  cam.skip();
  await cam.dial(`*72${anna.extension}`);
  await cam.next('CALL_CLOSED', { timeoutMs: 5000 });
  await waitFor(() => logger.records.some((r) => r.msg === 'pbx-side forward refused; reverting it'), 'the hub to refuse the keypad forward', 5000);
  await waitFor(async () => !(await new KamailioPbx({ rpcUrl: kam!.rpcUrl, logger }).readForwards()).has(camilla.extension), 'the forward to be gone from Kamailio', 5000);
  assert.is(h.record(camilla.id)?.diversion ?? null, null);
  assert.is(h.pbxStatus(camilla.id).notice?.rule, 'DV-4', 'Camilla\'s phone is told why');
  assert.is(await whoAnswers(camilla.extension), camilla.extension, 'calls to Camilla still ring Camilla');
  h.execute(phone(anna), { op: 'undivert', person: anna.id });
  h.execute(phone(bo), { op: 'undivert', person: bo.id });
  await h.pbxFlushed();
});

e2e('PH-4: the function number rings its available members; one who is away is left out', async () => {
  if (skipped()) return;
  const h = hub!.hub;
  const first = await whoAnswers(group.number);
  assert.ok([bo.extension, camilla.extension].includes(first), `answered by ${first}`);
  h.execute(phone(bo), { op: 'set-status', person: bo.id, kind: 'away', until: null, reason: null, divertTo: null });
  await h.pbxFlushed();
  for (let i = 0; i < 2; i++) assert.is(await whoAnswers(group.number), camilla.extension, 'only Camilla is available');
  h.execute(phone(bo), { op: 'clear-status', person: bo.id });
  await h.pbxFlushed();
});

e2e('PH-3: during a closure the caller gets the department\'s message (the IVR); PH-2: outside phone hours likewise', async () => {
  if (skipped()) return;
  const h = hub!.hub;
  const admin: Actor = { source: 'admin', id: 'test', personId: null };
  const now = h.now();
  h.execute(admin, { op: 'add-closure', dept: 'borgerservice', id: 'personalemoede', start: now.toISOString(), end: new Date(now.getTime() + 3600_000).toISOString(), message: null, offer: 'message', fallback: null });
  await h.pbxFlushed();
  assert.is(await whoAnswers(group.number), IVR, 'the function number goes to the IVR');
  assert.is(await whoAnswers(anna.extension), IVR, 'so does a person of the closed department');
  assert.is(h.resolveCall(group.number).kind, 'closure', 'the routing endpoint tells the IVR what to say');
  h.execute(admin, { op: 'end-closure', dept: 'borgerservice', closure: 'personalemoede' });
  await h.pbxFlushed();
  assert.is(await whoAnswers(anna.extension), anna.extension);
  // 19:00: Borgerservice closed its phones at 18:00 (PH-2); the hub's next sweep notices
  later = 9 * 3600_000;
  try {
    await waitFor(() => h.resolveCall(group.number).kind === 'outside-hours' && h.dept('borgerservice')?.openNow === false, 'the hub to see the evening', 5000);
    await h.pbxFlushed();
    assert.is(await whoAnswers(group.number), IVR, 'outside phone hours the function number goes to the IVR');
  } finally {
    later = 24 * 3600_000; // Tuesday 10:00: open again (the clock never runs backwards)
  }
  await waitFor(() => h.dept('borgerservice')?.openNow === true, 'the next morning', 5000);
  await h.pbxFlushed();
  assert.is(await whoAnswers(group.number) !== IVR, true);
});

e2e('PR-1: the call events make the answering phone on-call while the call is up', async () => {
  if (skipped()) return;
  const h = hub!.hub;
  const caller = agent(CALLER);
  caller.skip();
  await caller.dial(anna.extension);
  await caller.next('CALL_ESTABLISHED', { timeoutMs: 5000 });
  await waitFor(() => h.record(anna.id)?.onCall === true, 'Anna to be on-call', 5000);
  await caller.hangup();
  await caller.next('CALL_CLOSED', { timeoutMs: 5000 });
  await waitFor(() => h.record(anna.id)?.onCall === false, 'Anna to be free again', 5000);
});

e2e('with the hub down, calls keep routing by the last state applied', async () => {
  if (skipped()) return;
  hub!.hub.execute(phone(anna), { op: 'divert', person: anna.id, target: camilla.id, until: null });
  await hub!.hub.pbxFlushed();
  await hub!.stop();
  hub = null;
  try {
    assert.is(await whoAnswers(anna.extension), camilla.extension, 'diverted, with no hub');
    assert.ok([bo.extension, camilla.extension].includes(await whoAnswers(group.number)), 'the function number still rings its members');
  } finally {
    hub = await startHub();
  }
  await hub.hub.pbxFlushed();
  assert.is(hub.hub.record(anna.id)?.diversion?.to, camilla.id, 'the hub comes back with the same truth');
  assert.is(await whoAnswers(anna.extension), camilla.extension);
});

e2e.run();
