/**
 * AS-5: VoicemailWatch between a SimulatedPbx with voicemail and the policy (an in-memory hub
 * that commits what `applyCommand` returns): an unanswered call's message reaches the owner's
 * record; an unknown mailbox is logged and ignored; a repeat is a no-op; a PBX without
 * voicemail is left alone; stop() lets go. Reconcile (the PBX reports only changes): at start
 * every person's mailbox is read back and applied at the hub's clock, so a box heard or filled
 * while the hub was down is put right; an event during the read wins; errors are logged; the
 * read repeats every `reconcileMs` until stop().
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, memoryLogger } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { VoicemailWatch } from '../../../broker/pbx/voicemail-watch.js';
import { NoPbx, PbxError, type PbxPort } from '../../../broker/pbx/pbx-port.js';
import { applyCommand, type Actor, type Command } from '../../../broker/policy/commands.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { initialRecord, type PersonRecord } from '../../../broker/state/person-record.js';
import { SimulatedPbx } from '../../../simulator/simulated-pbx.js';
import { sleep, waitFor } from '../../support/wait.js';

const t = suite('broker/pbx/voicemail-watch');

const dir = Directory.parse({
  municipality: 'Testkommune',
  departments: [{ id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00; PH off' }],
  groups: [],
  people: [
    { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001' },
    { id: 'bo', name: 'Bo Berg', dept: 'familie', extension: '1002' },
  ],
  devices: [],
});

/** The hub minus I/O and publishing: the policy decides, the maps keep the result, the journal is counted. */
class MemoryHub {
  readonly people = new Map<string, PersonRecord>();
  readonly journal: Array<{ actor: Actor; op: string; detail: unknown }> = [];
  constructor(readonly clock: FakeClock) {
    for (const id of dir.people.keys()) this.people.set(id, initialRecord(id, clock.now()));
  }
  get state(): PolicyState {
    return { dir, people: this.people, depts: new Map() };
  }
  now(): Date {
    return this.clock.now();
  }
  execute(actor: Actor, cmd: Command): unknown {
    const out = applyCommand(this.state, actor, cmd, this.now());
    if (out.people.length) this.journal.push({ actor, op: cmd.op, detail: out.journal ?? cmd });
    for (const p of out.people) this.people.set(p.personId, p);
    return out.data;
  }
}

function setup(voicemail: boolean | ((ext: string) => boolean) = true) {
  const clock = new FakeClock(Date.parse('2026-11-24T10:12:00+01:00'));
  const pbx = new SimulatedPbx({ voicemail, clock: () => clock.now() });
  const hub = new MemoryHub(clock);
  const logger = memoryLogger('debug');
  const watch = new VoicemailWatch({ pbx, hub, logger, reconcileMs: 0 });
  pbx.register('1001', () => false); // Anna does not answer
  pbx.register('1002', () => false);
  pbx.register('1099', () => false); // a mailbox no one in the directory has
  return { clock, pbx, hub, logger, watch };
}

t('AS-5: an unanswered call leaves a message: the owner\'s record has it, journalled as counts by the PBX', () => {
  const { pbx, hub, watch, clock } = setup();
  watch.start();
  const r = pbx.call('+4570202020', '1001');
  assert.is(r.outcome, 'voicemail');
  const v = hub.people.get('anna')!.voicemail;
  assert.equal(v, { unheard: 1, unheardSince: clock.now().toISOString(), flaggedAt: null });
  assert.equal(hub.journal.map((j) => [j.actor.source, j.actor.id, j.op, j.detail]), [['pbx', 'simulated', 'set-voicemail', { person: 'anna', unheard: 1, heard: 0 }]]);
  clock.advance(3_600_000);
  pbx.call('+4570202021', '1001');
  assert.equal(hub.people.get('anna')!.voicemail?.unheard, 2);
  assert.equal(hub.people.get('anna')!.voicemail?.unheardSince, v!.unheardSince);
  pbx.listenVoicemail('1001');
  assert.equal(hub.people.get('anna')!.voicemail, { unheard: 0, unheardSince: null, flaggedAt: null });
  assert.is(hub.people.get('bo')!.voicemail, undefined, 'nobody else is touched');
  watch.stop();
});

t('AS-5: a mailbox no person has is logged once and ignored; nothing changes', () => {
  const { pbx, hub, watch, logger } = setup();
  watch.start();
  pbx.call('1001', '1099');
  pbx.call('1001', '1099');
  assert.equal(hub.journal, []);
  const lines = logger.records.filter((l) => l.msg.includes('no person has'));
  assert.is(lines.length, 1);
  assert.is(lines[0]!.mailbox, '1099');
  watch.stop();
});

t('AS-5: a repeated identical report is a no-op: no new revision', () => {
  const { pbx, hub, watch, clock } = setup();
  watch.start();
  pbx.call('1002', '1001');
  const rev = hub.people.get('anna')!.rev;
  watch.onEvent({ mailbox: '1001', unheard: 1, heard: 0, at: clock.now().toISOString() });
  assert.is(hub.people.get('anna')!.rev, rev);
  assert.is(hub.journal.length, 1);
  watch.stop();
});

t('AS-5: a report the policy refuses is logged with the rule, never thrown into the PBX', () => {
  const { hub, watch, logger } = setup();
  watch.start();
  watch.onEvent({ mailbox: '1001', unheard: -3, heard: 0, at: new Date().toISOString() });
  assert.is(hub.people.get('anna')!.rev, 0);
  assert.ok(logger.records.some((l) => l.msg === 'voicemail report refused' && l.rule === 'AS-5' && l.mailbox === '1001'));
  watch.stop();
});

t('AS-5: stop() unsubscribes; a PBX without voicemail (no onVoicemail) is left alone', async () => {
  const { pbx, hub, watch } = setup();
  watch.start();
  watch.stop();
  pbx.call('1002', '1001');
  assert.is(hub.people.get('anna')!.voicemail, undefined);
  const none = new VoicemailWatch({ pbx: new NoPbx(), hub, logger: memoryLogger('debug') });
  none.start();
  assert.is(await none.reconcile(), 0, 'nothing to read from a PBX without readVoicemail');
  none.stop();
});

t('AS-5 reconcile: a box heard while the hub was down clears the record (and its flag) at start', async () => {
  const { pbx, hub, watch, clock, logger } = setup();
  watch.start();
  await watch.reconcile();
  pbx.call('+4570202020', '1001');
  assert.is(hub.people.get('anna')!.voicemail?.unheard, 1);
  watch.stop(); // the hub goes down
  clock.advance(25 * 3_600_000);
  // the record as a sweep would have left it: flagged after 24 h
  const anna = hub.people.get('anna')!;
  hub.people.set('anna', { ...anna, voicemail: { ...anna.voicemail!, flaggedAt: clock.now().toISOString() } });
  pbx.listenVoicemail('1001'); // heard: the PBX's event goes nowhere
  clock.advance(3_600_000);
  const again = new VoicemailWatch({ pbx, hub, logger, reconcileMs: 0 });
  again.start();
  assert.is(await again.reconcile(), 2, 'anna\'s and bo\'s (empty); 1099 is no one\'s and not asked for');
  assert.equal(hub.people.get('anna')!.voicemail, { unheard: 0, unheardSince: null, flaggedAt: null });
  assert.equal(hub.journal.at(-1)!.detail, { person: 'anna', unheard: 0, heard: 1 });
  assert.is(hub.people.get('bo')!.voicemail, undefined, 'an empty box never reported adds nothing');
  assert.is(hub.journal.length, 2);
  const rev = hub.people.get('anna')!.rev;
  await again.reconcile();
  assert.is(hub.people.get('anna')!.rev, rev, 'an unchanged box is a no-op');
  assert.ok(!logger.records.some((l) => l.level === 'warn' || l.level === 'error'));
  again.stop();
});

t('AS-5 reconcile: a box filled while the hub was down counts from the reconcile, not earlier', async () => {
  const { pbx, hub, watch, clock } = setup();
  pbx.call('+4570202020', '1002'); // the hub is down: nobody hears the event
  clock.advance(3 * 3_600_000);
  const readAt = clock.now().toISOString();
  watch.start();
  await watch.reconcile();
  assert.equal(hub.people.get('bo')!.voicemail, { unheard: 1, unheardSince: readAt, flaggedAt: null });
  assert.equal(hub.journal.map((j) => [j.actor.source, j.op, j.detail]), [['pbx', 'set-voicemail', { person: 'bo', unheard: 1, heard: 0 }]]);
  // a later event goes on from there
  clock.advance(60_000);
  pbx.call('+4570202021', '1002');
  assert.equal(hub.people.get('bo')!.voicemail, { unheard: 2, unheardSince: readAt, flaggedAt: null });
  watch.stop();
});

/** A PBX whose reads the test answers by hand. */
class ManualPbx implements PbxPort {
  readonly name = 'manual';
  reads: Array<{ mailboxes: readonly string[]; answer: (m: Map<string, { unheard: number; heard: number }>) => void; fail: (e: Error) => void }> = [];
  async applyForward(): Promise<void> {}
  async readForwards(): Promise<Map<string, string>> {
    return new Map();
  }
  onVoicemail(): () => void {
    return () => {};
  }
  readVoicemail(mailboxes: readonly string[]): Promise<Map<string, { unheard: number; heard: number }>> {
    return new Promise((answer, fail) => this.reads.push({ mailboxes, answer, fail }));
  }
}

t('AS-5 reconcile: a report that comes while the read is under way wins over the read; one read at a time', async () => {
  const clock = new FakeClock(Date.parse('2026-11-24T10:12:00+01:00'));
  const hub = new MemoryHub(clock);
  const pbx = new ManualPbx();
  const watch = new VoicemailWatch({ pbx, hub, logger: memoryLogger('debug'), reconcileMs: 0 });
  watch.start();
  assert.is(pbx.reads.length, 1);
  assert.equal([...pbx.reads[0]!.mailboxes].sort(), ['1001', '1002']);
  const second = watch.reconcile();
  assert.is(pbx.reads.length, 1, 'a reconcile asked for during one is the same one');
  watch.onEvent({ mailbox: '1001', unheard: 0, heard: 3, at: clock.now().toISOString() }); // heard just now
  pbx.reads[0]!.answer(new Map([['1001', { unheard: 2, heard: 1 }], ['1002', { unheard: 1, heard: 0 }]]));
  assert.is(await second, 2);
  assert.is(hub.people.get('anna')!.voicemail, undefined, 'the older read does not undo the newer report');
  assert.is(hub.people.get('bo')!.voicemail?.unheard, 1);
  // the next read is free to apply 1001 again
  const third = watch.reconcile();
  assert.is(pbx.reads.length, 2);
  pbx.reads[1]!.answer(new Map([['1001', { unheard: 1, heard: 3 }]]));
  await third;
  assert.is(hub.people.get('anna')!.voicemail?.unheard, 1);
  watch.stop();
});

t('AS-5 reconcile: a failed read is logged, never thrown; a read that ends after stop() changes nothing', async () => {
  const { pbx, hub, watch, logger } = setup();
  pbx.call('1002', '1001');
  pbx.unreachable = true;
  watch.start();
  assert.is(await watch.reconcile(), 0);
  assert.ok(logger.records.some((l) => l.level === 'warn' && l.msg.includes('reconcile failed') && l.rule === 'AS-5'));
  assert.is(hub.people.get('anna')!.voicemail, undefined);
  pbx.unreachable = false;
  assert.is(await watch.reconcile(), 2);
  assert.is(hub.people.get('anna')!.voicemail?.unheard, 1);
  watch.stop();

  const manual = new ManualPbx();
  const late = new VoicemailWatch({ pbx: manual, hub, logger, reconcileMs: 0 });
  late.start();
  late.stop();
  manual.reads[0]!.answer(new Map([['1002', { unheard: 4, heard: 0 }]]));
  await sleep(0);
  assert.is(hub.people.get('bo')!.voicemail, undefined);
  const failing = new VoicemailWatch({ pbx: manual, hub, logger, reconcileMs: 0 });
  failing.start();
  manual.reads[1]!.fail(new PbxError('manual', 'timeout', 'no answer'));
  assert.is(await failing.reconcile(), 0);
  failing.stop();
});

t('AS-5 reconcile: repeated every reconcileMs; stop() clears the timer', async () => {
  const clock = new FakeClock(Date.parse('2026-11-24T10:12:00+01:00'));
  const hub = new MemoryHub(clock);
  const pbx = new ManualPbx();
  const watch = new VoicemailWatch({ pbx, hub, logger: memoryLogger('debug'), reconcileMs: 15 });
  const answerAll = setInterval(() => {
    for (const r of pbx.reads) r.answer(new Map());
  }, 5);
  try {
    watch.start();
    await waitFor(() => pbx.reads.length >= 3, 'three reads', 2000);
    watch.stop();
    await sleep(20);
    const n = pbx.reads.length;
    await sleep(60);
    assert.is(pbx.reads.length, n, 'no read after stop()');
  } finally {
    clearInterval(answerAll);
  }
});

t.run();
