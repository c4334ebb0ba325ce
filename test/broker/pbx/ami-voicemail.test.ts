/**
 * AS-5 over the Asterisk Manager Interface, against the fake AMI (test/support/fake-ami.ts):
 * `MessageWaiting` events (class call, as main/mwi.c raises them) become `onVoicemail` reports;
 * the mailbox's `@context` is dropped; counts come from New/Old, or Waiting on old Asterisk;
 * unreadable ones are skipped; a session logged in with `Events: off` hears none; reports go on
 * after a reconnect; and a report reaches the owner's record through VoicemailWatch and the policy.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, memoryLogger } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import type { PbxVoicemailEvent } from '../../../broker/pbx/pbx-port.js';
import { AsteriskAmiPbx, type AsteriskAmiPbxOptions } from '../../../broker/pbx/asterisk-ami-pbx.js';
import { voicemailEvent } from '../../../broker/pbx/ami/ami-voicemail.js';
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

t.run();
