/**
 * AS-5 over the Asterisk Manager Interface, against the fake AMI (test/support/fake-ami.ts):
 * `MessageWaiting` events (class call, as main/mwi.c raises them) become `onVoicemail` reports;
 * the mailbox's `@context` is dropped; counts come from New/Old, or Waiting on old Asterisk;
 * unreadable ones are skipped; a session logged in with `Events: off` hears none; reports go on
 * after a reconnect; and a report reaches the owner's record through VoicemailWatch and the policy.
 * Reconcile: `readVoicemail` asks `MailboxCount` per box (New + Urg unheard, Old heard), an
 * unknown box reads 0/0 as in Asterisk, one box's error leaves only that box out, a refused right
 * or no session rejects, at most `voicemailReadConcurrency` at a time, contexts summed; and a box
 * filled while the hub was away reaches the record when VoicemailWatch starts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, memoryLogger } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { PbxError, type PbxVoicemailEvent } from '../../../broker/pbx/pbx-port.js';
import { AsteriskAmiPbx, type AsteriskAmiPbxOptions } from '../../../broker/pbx/asterisk-ami-pbx.js';
import { mailboxCount, voicemailEvent } from '../../../broker/pbx/ami/ami-voicemail.js';
import { AmiPacket } from '../../../broker/pbx/ami/ami-parser.js';
import { VoicemailWatch } from '../../../broker/pbx/voicemail-watch.js';
import { applyCommand, type Actor, type Command } from '../../../broker/policy/commands.js';
import { initialRecord, type PersonRecord } from '../../../broker/state/person-record.js';
import { FakeAmi } from '../../support/fake-ami.js';
import { seededRandom } from '../../support/seeded-random.js';
import { sleep, waitFor } from '../../support/wait.js';

interface Ctx {
  ami: FakeAmi;
  pbx: AsteriskAmiPbx | null;
  log: ReturnType<typeof memoryLogger>;
  clock: FakeClock;
}

const t = suite<Ctx>('broker/pbx/ami-voicemail (against a fake AMI)');

t.before.each((ctx) => {
  ctx.pbx = null;
  ctx.log = memoryLogger('debug');
  ctx.clock = new FakeClock(Date.parse('2026-11-24T10:12:00+01:00'));
});

t.after.each(async (ctx) => {
  await ctx.pbx?.stop();
  await ctx.ami.stop();
});

async function started(ctx: Ctx, more: Partial<AsteriskAmiPbxOptions> = {}): Promise<{ pbx: AsteriskAmiPbx; seen: PbxVoicemailEvent[] }> {
  ctx.ami = new FakeAmi('asterisk-20');
  const port = await ctx.ami.start();
  const pbx = new AsteriskAmiPbx({
    host: '127.0.0.1',
    port,
    username: 'omstil',
    secret: 'hemmelig',
    logger: ctx.log,
    timeoutMs: 1000,
    pingIntervalMs: 0,
    reconnectMinMs: 20,
    reconnectMaxMs: 200,
    random: seededRandom(7),
    clock: ctx.clock,
    ...more,
  });
  ctx.pbx = pbx;
  const seen: PbxVoicemailEvent[] = [];
  pbx.onVoicemail((e) => seen.push(e));
  await pbx.start();
  return { pbx, seen };
}

/** As Asterisk 16–21 writes it (main/mwi.c): Mailbox, Waiting, New, Old. */
const mwi = (mailbox: string, fresh: number, old: number) => ({ Mailbox: mailbox, Waiting: fresh > 0 ? '1' : '0', New: String(fresh), Old: String(old) });

t('AS-5: MessageWaiting → onVoicemail: the box of `1001@default`, New as unheard, Old as heard, the hub\'s time', async (ctx) => {
  const { seen } = await started(ctx);
  const now = ctx.clock.now().toISOString();
  ctx.ami.emit('MessageWaiting', mwi('1001@default', 1, 0));
  ctx.ami.emit('MessageWaiting', mwi('1001@default', 2, 0));
  ctx.ami.emit('MessageWaiting', mwi('1001@default', 0, 2));
  await waitFor(() => seen.length === 3, 'three reports');
  assert.equal(seen, [
    { mailbox: '1001', unheard: 1, heard: 0, at: now },
    { mailbox: '1001', unheard: 2, heard: 0, at: now },
    { mailbox: '1001', unheard: 0, heard: 2, at: now },
  ]);
});

t('AS-5: Timestamp (timestampevents=yes) is the report\'s instant; call events and voicemail stay apart', async (ctx) => {
  const { pbx, seen } = await started(ctx);
  const calls: unknown[] = [];
  pbx.onCallEvent((e) => calls.push(e));
  ctx.ami.timestampEvents = true;
  const before = Date.now();
  ctx.ami.emit('MessageWaiting', mwi('2001@default', 3, 1));
  await waitFor(() => seen.length === 1, 'the report');
  const at = Date.parse(seen[0]!.at);
  assert.ok(at >= before - 1000 && at <= Date.now() + 1000, 'the PBX\'s instant, not the fake clock');
  assert.equal([seen[0]!.mailbox, seen[0]!.unheard, seen[0]!.heard], ['2001', 3, 1]);
  assert.equal(calls, []);
});

t('AS-5: unreadable MessageWaiting events are skipped, never guessed; other contexts filtered when asked', async (ctx) => {
  const { seen } = await started(ctx, { voicemailContexts: ['default'] });
  ctx.ami.emit('MessageWaiting', { Waiting: '1', New: '1', Old: '0' }); // no mailbox
  ctx.ami.emit('MessageWaiting', { Mailbox: '10 01@default', Waiting: '1', New: '1', Old: '0' }); // not an extension
  ctx.ami.emit('MessageWaiting', { Mailbox: '1001@default', Waiting: 'maybe' }); // no count at all
  ctx.ami.emit('MessageWaiting', { Mailbox: '1001@default', Waiting: '1', New: '-2', Old: '0' }); // no count: New unreadable, Waiting says 1
  ctx.ami.emit('MessageWaiting', mwi('1002@device', 1, 0)); // another voicemail context
  ctx.ami.emit('MessageWaiting', mwi('1003@default', 4, 0));
  await waitFor(() => seen.some((e) => e.mailbox === '1003'), 'the readable one');
  assert.equal(seen.map((e) => [e.mailbox, e.unheard, e.heard]), [['1001', 1, 0], ['1003', 4, 0]]);
});

t('AS-5: old Asterisk without New/Old: Waiting says whether any is unheard', () => {
  const clock = new FakeClock();
  const packet = (lines: string) =>
    new AmiPacket(
      lines.split('\n').map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i), l.slice(i + 1).trim()] as const;
      }),
    );
  assert.equal(voicemailEvent(packet('Event: MessageWaiting\nMailbox: 1001@default\nWaiting: Yes'), clock)?.unheard, 1);
  assert.equal(voicemailEvent(packet('Event: MessageWaiting\nMailbox: 1001@default\nWaiting: 0'), clock)?.unheard, 0);
  assert.equal(voicemailEvent(packet('Event: MessageWaiting\nMailbox: 1001\nWaiting: 1\nNew: 2\nOld: 1'), clock), { mailbox: '1001', unheard: 2, heard: 1, at: clock.now().toISOString() });
  assert.is(voicemailEvent(packet('Event: DialBegin\nMailbox: 1001@default\nNew: 2'), clock), null);
});

t('AS-5: a session logged in with Events: off hears no voicemail; unsubscribing stops the reports', async (ctx) => {
  const { seen } = await started(ctx, { callEvents: false });
  assert.is(ctx.ami.actionsNamed('Login')[0]!.headers.Events, 'off');
  ctx.ami.emit('MessageWaiting', mwi('1001@default', 1, 0));
  await sleep(100);
  assert.equal(seen, []);
  await ctx.pbx!.stop();
  await ctx.ami.stop();
  const again = await started(ctx);
  const other: PbxVoicemailEvent[] = [];
  const off = again.pbx.onVoicemail((e) => other.push(e));
  off();
  ctx.ami.emit('MessageWaiting', mwi('1001@default', 1, 0));
  await waitFor(() => again.seen.length === 1, 'the still-subscribed listener');
  assert.equal(other, []);
});

t('AS-5: after the connection drops and comes back, reports go on', async (ctx) => {
  const { seen } = await started(ctx);
  ctx.ami.dropConnections();
  await waitFor(() => ctx.ami.logins === 2 && ctx.ami.sessionCount === 1, 'the re-login', 3000);
  ctx.ami.emit('MessageWaiting', mwi('1001@default', 1, 0));
  await waitFor(() => seen.length === 1, 'the report after the reconnect');
});

t('AS-5: Asterisk → VoicemailWatch → policy: the owner\'s record holds the unheard count; a repeat adds no revision', async (ctx) => {
  const dir = Directory.parse({
    municipality: 'Testkommune',
    departments: [{ id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00; PH off' }],
    groups: [],
    people: [{ id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001' }],
    devices: [],
  });
  const people = new Map<string, PersonRecord>([['anna', initialRecord('anna', ctx.clock.now())]]);
  const hub = {
    get state() {
      return { dir, people, depts: new Map() };
    },
    now: () => ctx.clock.now(),
    execute(actor: Actor, cmd: Command) {
      for (const p of applyCommand(this.state, actor, cmd, ctx.clock.now()).people) people.set(p.personId, p);
    },
  };
  const { pbx } = await started(ctx);
  const watch = new VoicemailWatch({ pbx, hub, logger: ctx.log });
  watch.start();
  try {
    ctx.ami.emit('MessageWaiting', mwi('1001@default', 2, 0));
    await waitFor(() => people.get('anna')!.voicemail?.unheard === 2, 'the record to hold 2 unheard');
    const rev = people.get('anna')!.rev;
    assert.is(people.get('anna')!.voicemail!.unheardSince, ctx.clock.now().toISOString());
    ctx.ami.emit('MessageWaiting', mwi('1001@default', 2, 0));
    ctx.ami.emit('MessageWaiting', mwi('4711@default', 1, 0)); // nobody's
    ctx.ami.emit('MessageWaiting', mwi('1001@default', 0, 2));
    await waitFor(() => people.get('anna')!.voicemail?.unheard === 0, 'all heard');
    assert.is(people.get('anna')!.rev, rev + 1, 'the repeat added no revision');
    assert.ok(ctx.log.records.some((r) => r.msg.includes('no person has') && r.mailbox === '4711'));
  } finally {
    watch.stop();
  }
});

t('AS-5 readVoicemail: MailboxCount per box; New + Urg unheard, Old heard; an unknown box reads 0/0 as Asterisk answers it', async (ctx) => {
  const { pbx, seen } = await started(ctx);
  ctx.ami.mailboxes.set('1001@default', { new: 2, old: 5 });
  ctx.ami.mailboxes.set('1002@default', { new: 0, old: 3, urgent: 1 });
  ctx.ami.mailboxes.set('1003@default', { new: 0, old: 0 });
  const read = await pbx.readVoicemail(['1001', '1002', '1003', '4711', '1001']);
  assert.equal(Object.fromEntries(read), {
    '1001': { unheard: 2, heard: 5 },
    '1002': { unheard: 1, heard: 3 }, // urgent is unheard too, as MessageWaiting's New counts it
    '1003': { unheard: 0, heard: 0 },
    '4711': { unheard: 0, heard: 0 }, // app_voicemail counts an unknown box as empty
  });
  assert.equal(ctx.ami.actionsNamed('MailboxCount').map((a) => a.headers.Mailbox).sort(), ['1001@default', '1002@default', '1003@default', '4711@default'], 'each box once');
  assert.equal(seen, [], 'a read is no report');
});

t('AS-5 readVoicemail: one box answering an error is left out (and logged); the rest are read', async (ctx) => {
  const { pbx } = await started(ctx);
  ctx.ami.mailboxes.set('1001@default', { new: 1, old: 0 });
  ctx.ami.mailboxes.set('1003@default', { new: 0, old: 4 });
  ctx.ami.mailboxCountErrors.set('1002@default', 'Mailbox lookup failed');
  const read = await pbx.readVoicemail(['1001', '1002', '1003', 'not a box']);
  assert.equal(Object.fromEntries(read), { '1001': { unheard: 1, heard: 0 }, '1003': { unheard: 0, heard: 4 } });
  assert.ok(ctx.log.records.some((r) => r.level === 'warn' && r.mailbox === '1002@default' && r.message === 'Mailbox lookup failed' && r.rule === 'AS-5'));
  assert.is(ctx.ami.actionsNamed('MailboxCount').length, 3, 'what is not an extension is never sent');
});

t('AS-5 readVoicemail: a refused right rejects the whole read (PbxError refused); so does no session (unreachable)', async (ctx) => {
  const { pbx } = await started(ctx, { timeoutMs: 300 });
  for (const box of ['1001', '1002', '1003', '1004', '1005', '1006']) ctx.ami.mailboxCountErrors.set(`${box}@default`, 'Permission denied');
  try {
    await pbx.readVoicemail(['1001', '1002', '1003', '1004', '1005', '1006']);
    assert.unreachable('refused');
  } catch (err) {
    assert.instance(err, PbxError);
    assert.is((err as PbxError).code, 'refused');
  }
  assert.ok(ctx.ami.actionsNamed('MailboxCount').length <= 4, 'no box asked after the refusal');
  await ctx.ami.pause();
  await waitFor(() => ctx.log.records.some((r) => String(r.msg).includes('connection lost')), 'the drop');
  try {
    await pbx.readVoicemail(['1001', '1002']);
    assert.unreachable('no session');
  } catch (err) {
    assert.instance(err, PbxError);
    assert.is((err as PbxError).code, 'unreachable');
  }
});

t('AS-5 readVoicemail: at most voicemailReadConcurrency MailboxCount actions at a time', async (ctx) => {
  const { pbx } = await started(ctx, { voicemailReadConcurrency: 3 });
  let inFlight = 0;
  let most = 0;
  ctx.ami.delayMs = (a) => {
    if (a.action !== 'MailboxCount') return 0;
    inFlight++;
    most = Math.max(most, inFlight);
    setTimeout(() => inFlight--, 20); // before the answer, which is timed after this
    return 20;
  };
  const boxes = Array.from({ length: 10 }, (_, i) => String(2001 + i));
  for (const [i, b] of boxes.entries()) ctx.ami.mailboxes.set(`${b}@default`, { new: i, old: 0 });
  const read = await pbx.readVoicemail(boxes);
  assert.is(read.size, 10);
  assert.is(read.get('2010')!.unheard, 9);
  assert.is(most, 3);
});

t('AS-5 readVoicemail: every context of voicemailContexts is asked and summed', async (ctx) => {
  const { pbx } = await started(ctx, { voicemailContexts: ['default', 'ansatte'] });
  ctx.ami.mailboxes.set('1001@default', { new: 1, old: 2 });
  ctx.ami.mailboxes.set('1001@ansatte', { new: 3, old: 0 });
  const read = await pbx.readVoicemail(['1001']);
  assert.equal(read.get('1001'), { unheard: 4, heard: 2 });
  assert.equal(ctx.ami.actionsNamed('MailboxCount').map((a) => a.headers.Mailbox), ['1001@default', '1001@ansatte']);
});

t('AS-5 MailboxCount answers: UrgentMessages as documented, missing or unreadable counts → null, never guessed', () => {
  const p = (h: Record<string, string>) => new AmiPacket(Object.entries(h));
  assert.equal(mailboxCount(p({ Response: 'Success', UrgentMessages: '2', NewMessages: '1', OldMessages: '0' })), { unheard: 3, heard: 0 });
  assert.equal(mailboxCount(p({ Response: 'Success', NewMessages: '1', OldMessages: '7' })), { unheard: 1, heard: 7 }, 'Asterisk 1.4: no urgent count');
  assert.is(mailboxCount(p({ Response: 'Success', NewMessages: '1' })), null);
  assert.is(mailboxCount(p({ Response: 'Success', NewMessages: '-1', OldMessages: '0' })), null);
  assert.is(mailboxCount(p({ Response: 'Success', UrgMessages: 'x', NewMessages: '1', OldMessages: '0' })), null);
});

t('AS-5 Asterisk → VoicemailWatch reconcile: a box filled while the hub was away is on the record at start, from then', async (ctx) => {
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
  const people = new Map<string, PersonRecord>([
    ['anna', initialRecord('anna', ctx.clock.now())],
    ['bo', initialRecord('bo', ctx.clock.now())],
  ]);
  // bo had an unheard message when the hub went down; he has since heard it
  const stale = new Date(ctx.clock.now().getTime() - 2 * 3_600_000).toISOString();
  people.set('bo', { ...people.get('bo')!, voicemail: { unheard: 1, unheardSince: stale, flaggedAt: null } });
  const hub = {
    get state() {
      return { dir, people, depts: new Map() };
    },
    now: () => ctx.clock.now(),
    execute(actor: Actor, cmd: Command) {
      for (const p of applyCommand(this.state, actor, cmd, ctx.clock.now()).people) people.set(p.personId, p);
    },
  };
  const { pbx } = await started(ctx);
  ctx.ami.mailboxes.set('1001@default', { new: 2, old: 0 });
  ctx.ami.mailboxes.set('1002@default', { new: 0, old: 1 });
  ctx.ami.mailboxCountErrors.set('1002@default', 'Mailbox lookup failed'); // first round: bo's box cannot be read
  const watch = new VoicemailWatch({ pbx, hub, logger: ctx.log, reconcileMs: 0 });
  watch.start();
  try {
    assert.is(await watch.reconcile(), 1);
    assert.equal(people.get('anna')!.voicemail, { unheard: 2, unheardSince: ctx.clock.now().toISOString(), flaggedAt: null });
    assert.equal(people.get('bo')!.voicemail?.unheard, 1, 'a box that could not be read is left as it was');
    ctx.ami.mailboxCountErrors.clear();
    ctx.clock.advance(600_000);
    assert.is(await watch.reconcile(), 2);
    assert.equal(people.get('bo')!.voicemail, { unheard: 0, unheardSince: null, flaggedAt: null });
    assert.is(people.get('anna')!.voicemail!.unheardSince, new Date(ctx.clock.now().getTime() - 600_000).toISOString(), 'unchanged: kept');
  } finally {
    watch.stop();
  }
});

t.run();
