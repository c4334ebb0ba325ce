/**
 * AS-5: VoicemailWatch between a SimulatedPbx with voicemail and the policy (an in-memory hub
 * that commits what `applyCommand` returns): an unanswered call's message reaches the owner's
 * record; an unknown mailbox is logged and ignored; a repeat is a no-op; a PBX without
 * voicemail is left alone; stop() lets go.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, memoryLogger } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { VoicemailWatch } from '../../../broker/pbx/voicemail-watch.js';
import { NoPbx } from '../../../broker/pbx/pbx-port.js';
import { applyCommand, type Actor, type Command } from '../../../broker/policy/commands.js';
import type { PolicyState } from '../../../broker/policy/policy-state.js';
import { initialRecord, type PersonRecord } from '../../../broker/state/person-record.js';
import { SimulatedPbx } from '../../../simulator/simulated-pbx.js';

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
  const watch = new VoicemailWatch({ pbx, hub, logger });
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

t('AS-5: stop() unsubscribes; a PBX without voicemail (no onVoicemail) is left alone', () => {
  const { pbx, hub, watch } = setup();
  watch.start();
  watch.stop();
  pbx.call('1002', '1001');
  assert.is(hub.people.get('anna')!.voicemail, undefined);
  const none = new VoicemailWatch({ pbx: new NoPbx(), hub, logger: memoryLogger('debug') });
  none.start();
  none.stop();
});

t.run();
