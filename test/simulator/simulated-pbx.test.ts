/**
 * The simulated PBX's own behaviour as the hub sees it through the PbxPort: call events for
 * every outcome (announced calls included, ST-1 counts them) and mailboxes (AS-5) that report
 * their message-waiting state like Asterisk's `MessageWaiting` and are read back like its
 * `MailboxCount` (`readVoicemail`).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxError, type PbxCallEvent, type PbxVoicemailEvent } from '../../broker/pbx/pbx-port.js';
import { SimulatedPbx } from '../../simulator/simulated-pbx.js';

const test = suite('simulator/simulated-pbx');

const AT = new Date('2026-11-23T09:00:00Z');

function record(pbx: SimulatedPbx): { calls: PbxCallEvent[]; boxes: PbxVoicemailEvent[] } {
  const calls: PbxCallEvent[] = [];
  const boxes: PbxVoicemailEvent[] = [];
  pbx.onCallEvent((e) => calls.push(e));
  pbx.onVoicemail((e) => boxes.push(e));
  return { calls, boxes };
}

test('answered and unanswered calls: ringing, answered, ended, at the clock\'s time', () => {
  const pbx = new SimulatedPbx({ clock: () => AT });
  const { calls } = record(pbx);
  pbx.register('1001', () => true);
  pbx.register('1002', () => false);
  const one = pbx.call('5550', '1001');
  const two = pbx.call('5550', '1002');
  assert.equal([one.outcome, two.outcome], ['answered', 'no-answer']);
  assert.equal(calls.map((e) => [e.callId, e.type, e.reason ?? null, e.extensions ?? null]), [
    [one.pbxCallId, 'ringing', null, ['1001']],
    [one.pbxCallId, 'answered', null, ['1001']],
    [one.pbxCallId, 'ended', 'completed', null],
    [two.pbxCallId, 'ringing', null, ['1002']],
    [two.pbxCallId, 'ended', 'no-answer', null],
  ]);
  // ids are unique across runs of the PBX, as a real PBX's Call-ID is (a stored call is never overwritten, ST-1)
  assert.match(one.pbxCallId, /^[a-z0-9]+-1$/);
  assert.is.not(new SimulatedPbx().call('5550', '1001').pbxCallId, one.pbxCallId);
  assert.ok(calls.every((e) => e.at === AT.toISOString()));
});

test('a call the hub sends to the IVR rings nobody and ends announced, with the route\'s reason', async () => {
  const pbx = new SimulatedPbx({ routes: true });
  const { calls } = record(pbx);
  await pbx.routes!.apply('10900', { kind: 'announce', reason: 'message' });
  const r = pbx.call('5550', '10900');
  assert.equal([r.outcome, r.announce], ['announced', 'message']);
  assert.equal(calls.map((e) => [e.type, e.reason ?? null, e.route ?? null, e.extensions ?? null]), [
    ['ringing', null, { kind: 'announce', reason: 'message' }, []],
    ['ended', 'announced', null, null],
  ]);
});

test('AS-5: with voicemail an unanswered call goes to the last ringing extension\'s mailbox; listening marks every message heard', () => {
  const pbx = new SimulatedPbx({ voicemail: (ext) => ext !== '1003', clock: () => AT });
  const { calls, boxes } = record(pbx);
  pbx.register('1002', () => false);
  pbx.register('1003', () => false);
  pbx.forwardFromPhone('1001', '1002'); // a forward: the mailbox is the one that rang last
  pbx.register('1001', () => false);
  assert.is(pbx.call('5550', '1001').outcome, 'voicemail');
  assert.is(pbx.call('5551', '1002').outcome, 'voicemail');
  assert.is(pbx.call('5552', '1003').outcome, 'no-answer', 'an extension without a mailbox rings out');
  assert.equal(calls.filter((e) => e.type === 'ended').map((e) => e.reason), ['voicemail', 'voicemail', 'no-answer']);
  assert.equal(pbx.mailbox('1002'), { unheard: 2, heard: 0 });
  assert.equal(pbx.mailbox('1001'), { unheard: 0, heard: 0 });
  pbx.listenVoicemail('1002');
  pbx.listenVoicemail('1002'); // nothing new: no event
  assert.equal(pbx.mailbox('1002'), { unheard: 0, heard: 2 });
  assert.equal(boxes, [
    { mailbox: '1002', unheard: 1, heard: 0, at: AT.toISOString() },
    { mailbox: '1002', unheard: 2, heard: 0, at: AT.toISOString() },
    { mailbox: '1002', unheard: 0, heard: 2, at: AT.toISOString() },
  ]);
});

test('without voicemail nothing is left in a mailbox and no message-waiting event is sent', () => {
  const pbx = new SimulatedPbx();
  const { boxes } = record(pbx);
  pbx.register('1002', () => false);
  assert.is(pbx.call('5550', '1002').outcome, 'no-answer');
  assert.equal([pbx.mailbox('1002'), boxes], [{ unheard: 0, heard: 0 }, []]);
});

test('AS-5 readVoicemail: the counts of the boxes asked for, without an event; no box, no entry; voicemail off: an empty map', async () => {
  const pbx = new SimulatedPbx({ voicemail: (ext) => ext !== '1003', clock: () => AT });
  pbx.register('1001', () => true);
  pbx.register('1002', () => false);
  pbx.register('1003', () => false);
  pbx.call('5550', '1002');
  pbx.call('5551', '1002');
  pbx.listenVoicemail('1002');
  pbx.call('5552', '1002');
  const { boxes } = record(pbx);
  const read = await pbx.readVoicemail(['1001', '1002', '1003', '1004']);
  assert.equal([...read.entries()], [
    ['1001', { unheard: 0, heard: 0 }], // a registered extension with an empty box
    ['1002', { unheard: 1, heard: 2 }],
  ]);
  assert.equal(boxes, [], 'reading reports nothing');
  read.get('1002')!.unheard = 99;
  assert.equal(pbx.mailbox('1002'), { unheard: 1, heard: 2 }, 'a copy, not the box');
  const off = new SimulatedPbx();
  off.register('1001', () => false);
  off.call('5550', '1001');
  assert.equal((await off.readVoicemail(['1001'])).size, 0);
  pbx.unreachable = true;
  try {
    await pbx.readVoicemail(['1002']);
    assert.unreachable('an unreachable PBX cannot be read');
  } catch (err) {
    assert.instance(err, PbxError);
    assert.is((err as PbxError).code, 'unreachable');
  }
});

test('PH-4 never silence: routing by the hub, a call nobody answers falls back to the IVR with a message offer; a mailbox comes first', async () => {
  const pbx = new SimulatedPbx({ routes: true, voicemail: (ext) => ext === '1003' });
  const { calls } = record(pbx);
  pbx.register('1002', () => false);
  pbx.register('1003', () => false);
  await pbx.routes!.apply('1900', { kind: 'ring', extensions: ['1002'] });
  const r = pbx.call('5550', '1900');
  assert.equal([r.outcome, r.announce, r.route], ['announced', 'message', ['1900', '1002']]);
  assert.equal(calls.map((e) => [e.type, e.extensions ?? null, e.route ?? null, e.reason ?? null]), [
    ['ringing', ['1002'], null, null],
    ['ringing', [], { kind: 'announce', reason: 'message' }, null],
    ['ended', null, null, 'announced'],
  ]);
  assert.is(pbx.call('5550', '1003').outcome, 'voicemail');
});

test.run();
