import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { FakeClock, memoryLogger, type Presence } from '../../../protocol/index.js';
import { PbxError, type PbxCallEvent } from '../../../broker/pbx/pbx-port.js';
import { AsteriskAmiPbx, type AsteriskAmiPbxOptions } from '../../../broker/pbx/asterisk-ami-pbx.js';
import { AmiClient } from '../../../broker/pbx/ami/ami-client.js';
import { AmiCallTracker, extensionOf } from '../../../broker/pbx/ami/ami-call-events.js';
import { AmiParser, type AmiPacket } from '../../../broker/pbx/ami/ami-parser.js';
import { FakeAmi, type FakeAmiProfile } from '../../support/fake-ami.js';
import { seededRandom } from '../../support/seeded-random.js';
import { sleep, waitFor } from '../../support/wait.js';

interface Ctx {
  ami: FakeAmi;
  port: number;
  pbx: AsteriskAmiPbx | null;
  client: AmiClient | null;
  log: ReturnType<typeof memoryLogger>;
}

const t = suite<Ctx>('broker/pbx/asterisk-ami-pbx (against a fake AMI)');

t.before.each((ctx) => {
  ctx.pbx = null;
  ctx.client = null;
  ctx.log = memoryLogger('debug');
});

t.after.each(async (ctx) => {
  await ctx.pbx?.stop();
  await ctx.client?.stop();
  await ctx.ami.stop();
});

async function serve(ctx: Ctx, profile: FakeAmiProfile = 'asterisk-20'): Promise<FakeAmi> {
  ctx.ami = new FakeAmi(profile);
  ctx.port = await ctx.ami.start();
  return ctx.ami;
}

function pbx(ctx: Ctx, more: Partial<AsteriskAmiPbxOptions> = {}): AsteriskAmiPbx {
  ctx.pbx = new AsteriskAmiPbx({
    host: '127.0.0.1',
    port: ctx.port,
    username: 'omstil',
    secret: 'hemmelig',
    logger: ctx.log,
    timeoutMs: 1000,
    pingIntervalMs: 0,
    reconnectMinMs: 20,
    reconnectMaxMs: 200,
    random: seededRandom(7),
    ...more,
  });
  return ctx.pbx;
}

async function started(ctx: Ctx, more: Partial<AsteriskAmiPbxOptions> = {}): Promise<AsteriskAmiPbx> {
  const p = pbx(ctx, more);
  await p.start();
  return p;
}

async function rejection(p: Promise<unknown>): Promise<PbxError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, PbxError);
    return err as PbxError;
  }
  assert.unreachable('expected a rejection');
  throw new Error('unreachable');
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

// ---- session ----

t('start() reads the banner and logs in with Events: call; stop() logs off and lets go', async (ctx) => {
  const ami = await serve(ctx);
  const p = await started(ctx);
  const [login] = ami.actionsNamed('Login');
  assert.ok(login);
  assert.equal([login!.headers.Username, login!.headers.Secret, login!.headers.Events], ['omstil', 'hemmelig', 'call']);
  assert.match(login!.headers.ActionID ?? '', /\S/);
  assert.is(ami.sessionCount, 1);
  assert.is(p.name, 'asterisk');
  await p.stop();
  assert.is(ami.actionsNamed('Logoff').length, 1);
  await waitFor(() => ami.sessionCount === 0, 'the session to close');
  const err = await rejection(p.applyForward('1001', '1002'));
  assert.is(err.code, 'unreachable');
});

t('a refused login rejects start() with PbxError refused, and is not retried', async (ctx) => {
  const ami = await serve(ctx);
  ami.refuseLogin = true;
  ami.loginFailDelayMs = 50; // manager.c sleeps 1 s before it says so
  const err = await rejection(pbx(ctx).start());
  assert.is(err.code, 'refused');
  assert.is(err.pbx, 'asterisk');
  assert.match(err.message, /Authentication failed/);
  assert.not.match(err.message, /hemmelig/, 'the secret is never in a message');
  await sleep(150);
  assert.is(ami.connections, 1, 'no reconnect after a refusal at start');
  assert.not.ok(ctx.log.records.some((r) => JSON.stringify(r).includes('hemmelig')), 'nor in the log');
});

t('nothing listening → PbxError unreachable; a foreign banner → PbxError protocol', async (ctx) => {
  await serve(ctx);
  const closed = await freePort();
  const e1 = await rejection(pbx(ctx, { port: closed }).start());
  assert.is(e1.code, 'unreachable');

  ctx.ami.banner = 'SSH-2.0-OpenSSH_9.6';
  const e2 = await rejection(pbx(ctx).start());
  assert.is(e2.code, 'protocol');
  assert.is(ctx.ami.actionsNamed('Login').length, 0, 'no secret is sent to something that is not Asterisk');
});

// ---- forwards ----

t('forwards: DBPut CF/<ext>, DBGetTree reads family CF only, DBDel is idempotent (Asterisk 20)', async (ctx) => {
  const ami = await serve(ctx);
  ami.db.set('/CFB/1001', '1009');
  ami.db.set('/CFU/1001', '1009');
  ami.db.set('/DND/1004', 'YES');
  ami.db.set('/CF/1007', '1008'); // set on the phone with *72: reconcile sees it
  const p = await started(ctx);

  await p.applyForward('1001', '1002');
  await p.applyForward('1003', '+4587654321');
  await p.applyForward('1003', '+4587654321'); // idempotent
  const put = ami.actionsNamed('DBPut')[0]!;
  assert.equal([put.headers.Family, put.headers.Key, put.headers.Val], ['CF', '1001', '1002']);
  assert.is(ami.db.get('/CF/1001'), '1002');

  assert.equal(
    [...(await p.readForwards())].sort(),
    [
      ['1001', '1002'],
      ['1003', '+4587654321'],
      ['1007', '1008'],
    ],
  );
  assert.is(ami.actionsNamed('DBGetTree')[0]!.headers.Family, 'CF');
  assert.is(ami.actionsNamed('Command').length, 0);

  await p.applyForward('1001', null);
  assert.not.ok(ami.db.has('/CF/1001'));
  await p.applyForward('1001', null); // "Database entry could not be deleted" — already gone: success
  assert.is(ami.actionsNamed('DBDel').length, 2);
  assert.is(ami.actionsNamed('DBGet').length, 1, 'the error is checked with DBGet');
  assert.equal([...(await p.readForwards())].sort(), [
    ['1003', '+4587654321'],
    ['1007', '1008'],
  ]);
  assert.equal([ami.db.get('/CFB/1001'), ami.db.get('/CFU/1001'), ami.db.get('/DND/1004')], ['1009', '1009', 'YES'], 'CFB, CFU and DND untouched');
});

t('forwards: values that would break the AMI packet or the AstDB path are refused before sending', async (ctx) => {
  const ami = await serve(ctx);
  const p = await started(ctx);
  for (const [ext, to] of [
    ['1001\r\nAction: DBDelTree', '1002'],
    ['1001', '1002\r\nFamily: DND'],
    ['CF/1001', '1002'],
    ['', '1002'],
    ['1001', ' '],
  ] as const) {
    const err = await rejection(p.applyForward(ext, to));
    assert.is(err.code, 'protocol');
  }
  assert.is(ami.actionsNamed('DBPut').length, 0);
});

t('forwards on Asterisk 16.10 (no DBGetTree): `database show CF` with Output lines; asked once per session', async (ctx) => {
  const ami = await serve(ctx, 'asterisk-16.10');
  ami.db.set('/CF/1001', '1002');
  ami.db.set('/CF/2001', '+4533333333');
  ami.db.set('/CFB/1001', '1009');
  ami.db.set('/CF/1005/extra', 'x');
  const p = await started(ctx);
  const expected = [
    ['1001', '1002'],
    ['2001', '+4533333333'],
  ];
  assert.equal([...(await p.readForwards())].sort(), expected);
  assert.equal([...(await p.readForwards())].sort(), expected);
  assert.is(ami.actionsNamed('DBGetTree').length, 1, 'the unknown action is remembered');
  const cmds = ami.actionsNamed('Command');
  assert.is(cmds.length, 2);
  assert.is(cmds[0]!.headers.Command, 'database show CF');

  await p.applyForward('9999', null); // "Database entry not found": success
  await p.applyForward('1001', null);
  assert.equal([...(await p.readForwards())], [['2001', '+4533333333']]);
});

t('forwards on Asterisk 13: Response: Follows … --END COMMAND--, raw lines parsed', async (ctx) => {
  const ami = await serve(ctx, 'asterisk-13');
  const p = await started(ctx);
  assert.equal([...(await p.readForwards())], [], 'an empty family: "0 results found."');
  await p.applyForward('1001', '1002');
  await p.applyForward('1010', '1011');
  assert.equal([...(await p.readForwards())].sort(), [
    ['1001', '1002'],
    ['1010', '1011'],
  ]);
  await p.applyForward('1010', null);
  await p.applyForward('1010', null);
  assert.equal([...(await p.readForwards())], [['1001', '1002']]);
});

// ---- presence ----

t('setPresence: DEVICE_STATE and PRESENCE_STATE Setvars with exactly the documented strings', async (ctx) => {
  const ami = await serve(ctx);
  const p = await started(ctx);
  const cases: Array<[Presence, string, string]> = [
    ['available', 'NOT_INUSE', 'available,,Ledig'],
    ['on-call', 'INUSE', 'dnd,,I telefon'],
    ['in-meeting', 'BUSY', 'dnd,,I møde'],
    ['away', 'UNAVAILABLE', 'away,,Kort fravær'],
    ['absent', 'UNAVAILABLE', 'xa,,Fraværende'],
    ['off-hours', 'UNAVAILABLE', 'xa,,Uden for telefontid'],
  ];
  for (const [presence] of cases) await p.setPresence('1001', presence);
  assert.equal(
    ami.setvars(),
    cases.flatMap(([, device, presence]) => [
      ['DEVICE_STATE(Custom:omstil1001)', device],
      ['PRESENCE_STATE(CustomPresence:1001)', presence],
    ]),
  );
  assert.ok(ami.actionsNamed('Setvar').every((a) => a.headers.Channel === undefined), 'no channel: the dialplan functions are written');
  assert.is(ami.deviceStates.get('omstil1001'), 'UNAVAILABLE', 'accepted as a valid device state');
  assert.is(ami.presenceStates.get('1001'), 'xa,,Uden for telefontid');
});

t('setPresence: another prefix and English messages; commas cannot add fields', async (ctx) => {
  const ami = await serve(ctx);
  const p = await started(ctx, { deviceStatePrefix: 'Custom:BLF', presenceMessages: { absent: 'Out, back later', available: 'Available' } });
  await p.setPresence('2002', 'absent');
  await p.setPresence('2002', 'available');
  assert.equal(ami.setvars(), [
    ['DEVICE_STATE(Custom:BLF2002)', 'UNAVAILABLE'],
    ['PRESENCE_STATE(CustomPresence:2002)', 'xa,,Out back later'],
    ['DEVICE_STATE(Custom:BLF2002)', 'NOT_INUSE'],
    ['PRESENCE_STATE(CustomPresence:2002)', 'available,,Available'],
  ]);
});

// ---- call events ----

/** The headers Asterisk 20 puts on DialBegin/DialEnd (AMI Events docs), for one leg. */
function dial(o: { caller: string; chan: string; dest: string; destExten: string; linkedid: string; destUid: string; status?: string }): Record<string, string> {
  const fields: Record<string, string> = {
    Channel: o.chan,
    ChannelState: '4',
    ChannelStateDesc: 'Ring',
    CallerIDNum: o.caller,
    CallerIDName: '<unknown>',
    ConnectedLineNum: '<unknown>',
    ConnectedLineName: '<unknown>',
    Language: 'da',
    AccountCode: '',
    Context: 'macro-dial-one',
    Exten: 's',
    Priority: '52',
    Uniqueid: o.linkedid,
    Linkedid: o.linkedid,
    DestChannel: o.dest,
    DestChannelState: '0',
    DestChannelStateDesc: 'Down',
    DestCallerIDNum: o.destExten,
    DestCallerIDName: 'Medarbejder',
    DestConnectedLineNum: o.caller,
    DestConnectedLineName: '<unknown>',
    DestLanguage: 'da',
    DestAccountCode: '',
    DestContext: 'from-internal',
    DestExten: o.destExten,
    DestPriority: '1',
    DestUniqueid: o.destUid,
    DestLinkedid: o.linkedid,
  };
  if (o.status) fields.DialStatus = o.status;
  else fields.DialString = `${o.destExten}/sip:${o.destExten}@10.20.0.31:5060`;
  return fields;
}

function collect(p: AsteriskAmiPbx): PbxCallEvent[] {
  const seen: PbxCallEvent[] = [];
  p.onCallEvent((e) => seen.push(e));
  return seen;
}

const pick = (e: PbxCallEvent) => ({ type: e.type, callId: e.callId, caller: e.caller, callee: e.callee, extensions: e.extensions, transferTo: e.transferTo, reason: e.reason });

t('call events: an outside call answered, blind-transferred, answered again and hung up — one callId, ended once', async (ctx) => {
  const ami = await serve(ctx);
  ami.timestampEvents = true;
  const p = await started(ctx);
  const seen = collect(p);
  const L = '1763452800.101';
  const trunk = 'PJSIP/telia-00000031';
  const anna = 'PJSIP/1001-00000032';
  const bo = 'PJSIP/1002-00000033';
  const leg1 = { caller: '4512345678', chan: trunk, dest: anna, destExten: '1001', linkedid: L, destUid: '1763452800.102' };
  const leg2 = { caller: '4512345678', chan: trunk, dest: bo, destExten: '1002', linkedid: L, destUid: '1763452810.103' };

  ami.emit('Newchannel', { Channel: trunk, Uniqueid: L, Linkedid: L, Exten: '70202020', Context: 'from-trunk' });
  ami.emit('DialBegin', dial(leg1));
  ami.emit('DialState', { ...dial(leg1), DialStatus: 'RINGING' });
  ami.emit('DialEnd', dial({ ...leg1, status: 'ANSWER' }));
  ami.emit('BridgeEnter', { Channel: anna, Linkedid: L, BridgeUniqueid: 'b-1' });
  ami.emit('BlindTransfer', {
    Result: 'Success',
    TransfererChannel: anna,
    TransfererCallerIDNum: '1001',
    TransfererExten: '1001',
    TransfererUniqueid: '1763452800.102',
    TransfererLinkedid: L,
    TransfereeChannel: trunk,
    TransfereeCallerIDNum: '4512345678',
    TransfereeUniqueid: L,
    TransfereeLinkedid: L,
    BridgeUniqueid: 'b-1',
    BridgeType: 'basic',
    IsExternal: 'Yes',
    Context: 'from-internal-xfer',
    Extension: '1002',
  });
  ami.emit('Hangup', { Channel: anna, Uniqueid: '1763452800.102', Linkedid: L, Cause: '16', 'Cause-txt': 'Normal Clearing' });
  ami.emit('DialBegin', dial(leg2));
  ami.emit('DialEnd', dial({ ...leg2, status: 'ANSWER' }));
  ami.emit('Hangup', { Channel: bo, Uniqueid: '1763452810.103', Linkedid: L, Cause: '16', 'Cause-txt': 'Normal Clearing' });
  ami.emit('Hangup', { Channel: trunk, Uniqueid: L, Linkedid: L, Cause: '16', 'Cause-txt': 'Normal Clearing' });
  ami.emit('Hangup', { Channel: trunk, Uniqueid: L, Linkedid: L, Cause: '16', 'Cause-txt': 'Normal Clearing' }); // a repeat

  await waitFor(() => seen.length >= 6, 'six call events');
  await p.readForwards(); // a round trip: every event sent before it has been read
  assert.equal(seen.map(pick), [
    { type: 'ringing', callId: L, caller: '4512345678', callee: '1001', extensions: ['1001'], transferTo: undefined, reason: undefined },
    { type: 'answered', callId: L, caller: '4512345678', callee: '1001', extensions: ['1001'], transferTo: undefined, reason: undefined },
    { type: 'transferred', callId: L, caller: '4512345678', callee: '1001', extensions: undefined, transferTo: '1002', reason: undefined },
    { type: 'ringing', callId: L, caller: '4512345678', callee: '1002', extensions: ['1002'], transferTo: undefined, reason: undefined },
    { type: 'answered', callId: L, caller: '4512345678', callee: '1002', extensions: ['1002'], transferTo: undefined, reason: undefined },
    { type: 'ended', callId: L, caller: '4512345678', callee: '1002', extensions: undefined, transferTo: undefined, reason: 'completed' },
  ]);
  for (const e of seen) {
    assert.ok(Math.abs(Date.parse(e.at) - Date.now()) < 60_000, `at from the event's Timestamp: ${e.at}`);
    assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
});

t('call events: a ring group (Local channels) answered by one; an unanswered call ends no-answer once; busy', async (ctx) => {
  const ami = await serve(ctx);
  const p = await started(ctx);
  p.onCallEvent(() => {
    throw new Error('a listener that throws');
  });
  const seen = collect(p);
  // ring group 600 → 1001 and 1002 through Local channels; 1002 answers
  const G = '1763452900.200';
  const caller = 'PJSIP/1005-00000040';
  const l1 = 'Local/1001@from-internal-00000001;1';
  const l1b = 'Local/1001@from-internal-00000001;2';
  const l2 = 'Local/1002@from-internal-00000002;1';
  const l2b = 'Local/1002@from-internal-00000002;2';
  const legs = [
    { caller: '1005', chan: caller, dest: l1, destExten: '1001', linkedid: G, destUid: 'u1' },
    { caller: '1005', chan: caller, dest: l2, destExten: '1002', linkedid: G, destUid: 'u2' },
    { caller: '1005', chan: l1b, dest: 'PJSIP/1001-00000041', destExten: '1001', linkedid: G, destUid: 'u3' },
    { caller: '1005', chan: l2b, dest: 'PJSIP/1002-00000042', destExten: '1002', linkedid: G, destUid: 'u4' },
  ];
  for (const l of legs) ami.emit('DialBegin', { ...dial(l), DestExten: l.destExten, Exten: '600' });
  ami.emit('DialEnd', dial({ ...legs[3]!, status: 'ANSWER' }));
  ami.emit('DialEnd', dial({ ...legs[1]!, status: 'ANSWER' }));
  ami.emit('DialEnd', dial({ ...legs[2]!, status: 'CANCEL' }));
  ami.emit('DialEnd', dial({ ...legs[0]!, status: 'CANCEL' }));
  for (const ch of [l1, l1b, 'PJSIP/1001-00000041', l2, l2b, 'PJSIP/1002-00000042', caller]) ami.emit('Hangup', { Channel: ch, Linkedid: G, Cause: '16' });

  // 1003 does not answer; then the caller hangs up
  const N = '1763453000.300';
  const n = { caller: '4599999999', chan: 'PJSIP/telia-00000050', dest: 'PJSIP/1003-00000051', destExten: '1003', linkedid: N, destUid: 'u5' };
  ami.emit('DialBegin', dial(n));
  ami.emit('DialEnd', dial({ ...n, status: 'NOANSWER' }));
  ami.emit('Hangup', { Channel: n.dest, Linkedid: N, Cause: '19' });
  ami.emit('Hangup', { Channel: n.chan, Linkedid: N, Cause: '16' });

  // 1004 is busy
  const B = '1763453100.400';
  const b = { caller: '1001', chan: 'PJSIP/1001-00000060', dest: 'PJSIP/1004-00000061', destExten: '1004', linkedid: B, destUid: 'u6' };
  ami.emit('DialBegin', dial(b));
  ami.emit('DialEnd', dial({ ...b, status: 'BUSY' }));
  ami.emit('Hangup', { Channel: b.dest, Linkedid: B, Cause: '17' });
  ami.emit('Hangup', { Channel: b.chan, Linkedid: B, Cause: '17' });

  await waitFor(() => seen.length >= 8, 'eight call events');
  await p.readForwards();
  assert.equal(
    seen.map((e) => [e.type, e.callId, e.callee, e.extensions?.join(',') ?? e.reason]),
    [
      ['ringing', G, '1001', '1001'],
      ['ringing', G, '1001', '1002'],
      ['answered', G, '1001', '1002'],
      ['ended', G, '1001', 'completed'],
      ['ringing', N, '1003', '1003'],
      ['ended', N, '1003', 'no-answer'],
      ['ringing', B, '1004', '1004'],
      ['ended', B, '1004', 'busy'],
    ],
  );
  assert.is(seen.length, 8, 'no duplicates');
  assert.ok(ctx.log.records.some((r) => r.msg === 'call event listener threw'), 'a throwing listener is logged, the others still hear');
});

t('call tracker: remembers a bounded number of calls, forgets the oldest and the silent', () => {
  const clock = new FakeClock();
  const tracker = new AmiCallTracker({ clock, maxCalls: 3, maxAgeMs: 60_000 });
  const ev = (fields: Record<string, string>) => ({ get: (n: string) => fields[Object.keys(fields).find((k) => k.toLowerCase() === n.toLowerCase()) ?? ''] });
  const begin = (id: string) => tracker.handle(ev({ Event: 'DialBegin', Linkedid: id, Channel: `PJSIP/9-${id}`, DestChannel: `PJSIP/1001-0000000${id}`, CallerIDNum: '9' }));
  for (const id of ['1', '2', '3', '4']) assert.is(begin(id).length, 1);
  assert.is(tracker.size, 3, 'the oldest went');
  assert.equal(tracker.handle(ev({ Event: 'Hangup', Linkedid: '1', Channel: 'PJSIP/9-1' })), [], 'a forgotten call ends silently');
  clock.advance(120_000);
  begin('5');
  assert.is(tracker.size, 1, 'calls silent for longer than maxAgeMs are forgotten');
  assert.equal(extensionOf('Local/1002@from-queue-0000000a;2'), '1002');
  assert.equal(extensionOf('PJSIP/telia-0000000b'), undefined, 'a trunk is no extension');
  assert.equal(extensionOf('SIP/1003-0000000c'), '1003');
});

t('garbage from the server is logged and skipped; nothing throws and the session goes on', async (ctx) => {
  const ami = await serve(ctx);
  const p = await started(ctx);
  const seen = collect(p);
  let thrown = 0;
  const onUncaught = () => thrown++;
  process.on('uncaughtException', onUncaught);
  try {
    ami.sendRaw(Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a]));
    ami.sendRaw('this is not a header\r\n\r\n');
    ami.sendRaw('Foo: bar\r\n\r\n');
    ami.sendRaw(': no key\r\nEvent: Odd\r\n\r\n');
    ami.sendRaw('Response: Success\r\nActionID: nobody-asked\r\nMessage: stray\r\n\r\n');
    ami.sendRaw('Response: Follows\r\nActionID: nobody-either\r\n/CF/1: 2\n--END COMMAND--\r\n\r\n');
    ami.sendRaw(`X-Long: ${'x'.repeat(100_000)}\r\n\r\n`);
    ami.sendRaw('Event: DialBegin\r\nPrivilege: call,all\r\n\r\n');
    ami.sendRaw('Event: DialEnd\r\nLinkedid: 999\r\nDestChannel: PJSIP/1-00000001\r\nDialStatus: ANSWER\r\n\r\n');
    ami.sendRaw('Event: Hangup\r\nLinkedid: 999\r\nChannel: PJSIP/1-00000001\r\n\r\n');
    ami.sendRaw('Event: BlindTransfer\r\nResult: Fail\r\nExtension: 1002\r\nTransfereeLinkedid: 998\r\n\r\n');
    ami.sendRaw('Event: Mystery\r\nx: y\r\n\r\n\r\n\r\n');
    ami.sendRaw('Response: Success\r\nActionID'); // a packet cut in two …
    ami.sendRaw(': also-nobody\r\n\r\n'); // … and finished
    await p.applyForward('1001', '1002');
    assert.equal([...(await p.readForwards())], [['1001', '1002']]);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
  assert.is(thrown, 0);
  assert.equal(seen, [], 'no call events from garbage');
  const warned = ctx.log.records.filter((r) => r.level === 'warn' && r.msg.startsWith('AMI: skipped'));
  assert.ok(warned.length >= 4, `malformed input was logged (${warned.length})`);
  assert.ok(warned.some((r) => r.reason === 'line too long'));
  assert.is(ami.logins, 1, 'the same session throughout');
});

// ---- trouble ----

t('connection dropped mid-session: an action in flight fails fast; reconnect, re-login, the next action works', async (ctx) => {
  const ami = await serve(ctx);
  const p = await started(ctx);
  const seen = collect(p);
  ami.mute('DBPut');
  const inFlight = p.applyForward('1001', '1002');
  await waitFor(() => ami.actionsNamed('DBPut').length === 1, 'the DBPut to arrive');
  const t0 = Date.now();
  ami.dropConnections();
  const err = await rejection(inFlight);
  assert.is(err.code, 'unreachable');
  assert.ok(Date.now() - t0 < 500, 'not left to time out');
  ami.unmute('DBPut');

  await p.applyForward('1001', '1003'); // waits for the new session within its bound
  assert.is(ami.logins, 2);
  assert.is(ami.actionsNamed('Login')[1]!.headers.Events, 'call', 're-login asks for call events again');
  assert.is(ami.db.get('/CF/1001'), '1003');
  ami.emit('DialBegin', dial({ caller: '1005', chan: 'PJSIP/1005-00000001', dest: 'PJSIP/1001-00000002', destExten: '1001', linkedid: 'x.1', destUid: 'x.2' }));
  await waitFor(() => seen.length === 1, 'events on the new session');
});

t('Asterisk restarting: reconnects with backoff until it listens again', async (ctx) => {
  const ami = await serve(ctx);
  const p = await started(ctx);
  await ami.pause();
  await sleep(250);
  const attempts = ctx.log.records.filter((r) => r.msg === 'AMI reconnect failed').length;
  assert.ok(attempts >= 1 && attempts <= 8, `a few attempts, backing off (${attempts})`);
  const waits = ctx.log.records.filter((r) => r.msg === 'AMI reconnect scheduled').map((r) => r.inMs as number);
  assert.ok(waits.every((w) => w >= 10 && w <= 200), `within 20/2 … 200 ms: ${waits.join(', ')}`);
  assert.ok((waits.at(-1) ?? 0) >= (waits[0] ?? 0), 'growing');
  await ami.resume();
  await p.applyForward('1001', '1002');
  assert.is(ami.logins, 2, 'logged in again after the restart');
  assert.is(ami.db.get('/CF/1001'), '1002');
});

t('an action with no answer rejects with PbxError timeout within its bound; the session stays usable', async (ctx) => {
  const ami = await serve(ctx);
  const p = await started(ctx, { timeoutMs: 300 });
  ami.mute('DBPut');
  const t0 = Date.now();
  const err = await rejection(p.applyForward('1001', '1002'));
  const took = Date.now() - t0;
  assert.is(err.code, 'timeout');
  assert.ok(took >= 290 && took < 800, `took ${took} ms`);
  ami.unmute('DBPut');
  await p.applyForward('1001', '1002');
  assert.is(ami.db.get('/CF/1001'), '1002');
  assert.is(ami.logins, 1);
});

t('Ping keeps the session; an unanswered Ping drops it and a new one is made', async (ctx) => {
  const ami = await serve(ctx);
  await started(ctx, { pingIntervalMs: 40, timeoutMs: 150 });
  await waitFor(() => ami.actionsNamed('Ping').length >= 2, 'two pings');
  ami.mute('Ping');
  await waitFor(() => ami.logins >= 2, 'a new session after the unanswered ping', 3000);
  ami.unmute('Ping');
  assert.ok(ctx.log.records.some((r) => r.msg.startsWith('AMI Ping unanswered')));
});

t('many concurrent actions, answered out of order, are matched by ActionID', async (ctx) => {
  const ami = await serve(ctx);
  const rnd = seededRandom(42);
  ami.delayMs = () => Math.floor(rnd() * 25);
  const p = await started(ctx, { timeoutMs: 3000 });
  const exts = Array.from({ length: 100 }, (_, i) => String(2000 + i));
  await Promise.all(exts.map((x, i) => p.applyForward(x, String(3000 + i))));
  const sent = ami.actionsNamed('DBPut').map((a) => a.headers.ActionID);
  const answeredPuts = ami.answered.filter((id) => sent.includes(id));
  assert.not.equal(answeredPuts, sent, 'the fake really answered out of order');
  const read = await p.readForwards();
  assert.is(read.size, 100);
  exts.forEach((x, i) => assert.is(read.get(x), String(3000 + i)));

  // and list answers (DBGet: ack + DBGetResponse + DBGetComplete) straight on the client
  ctx.client = new AmiClient({ host: '127.0.0.1', port: ctx.port, username: 'omstil', secret: 'hemmelig', logger: ctx.log, events: 'off', pingIntervalMs: 0, timeoutMs: 3000 });
  await ctx.client.start();
  const answers = await Promise.all(exts.slice(0, 50).map((x) => ctx.client!.action('DBGet', { Family: 'CF', Key: x })));
  answers.forEach((a, i) => {
    assert.ok(a.ok);
    assert.is(a.events.length, 1);
    assert.is(a.events[0]!.get('Key'), exts[i]);
    assert.is(a.events[0]!.get('Val'), String(3000 + i));
  });
});

t('parser: packets split at every byte (UTF-8 too) come out whole', () => {
  const packets: AmiPacket[] = [];
  const banners: string[] = [];
  const bad: string[] = [];
  const parser = new AmiParser({ onBanner: (b) => banners.push(b), onPacket: (p) => packets.push(p), onMalformed: (r) => bad.push(r) });
  const wire = Buffer.from(
    'Asterisk Call Manager/9.0.0\r\n' +
      'Response: Success\r\nActionID: a-1\r\nMessage: Variable Set\r\n\r\n' +
      'Event: DialBegin\r\nCallerIDName: Søren Ærø\r\nLinkedid: 1.1\r\n\r\n' +
      'Response: Success\r\nActionID: a-2\r\nMessage: Command output follows\r\nOutput: /CF/1001 : 1002\r\nOutput: \r\nOutput: 1 results found.\r\n\r\n' +
      'Response: Follows\r\nPrivilege: Command\r\nActionID: a-3\r\n/CF/1001 : 1002\n\nActionID: looks like a header\n1 results found.\n--END COMMAND--\r\n\r\n',
    'utf8',
  );
  for (let i = 0; i < wire.length; i++) parser.feed(wire.subarray(i, i + 1));
  assert.equal(banners, ['Asterisk Call Manager/9.0.0']);
  assert.equal(bad, []);
  assert.is(packets.length, 4);
  assert.is(packets[1]!.get('callerIDname'), 'Søren Ærø');
  assert.equal(packets[2]!.all('Output'), ['/CF/1001 : 1002', '', '1 results found.']);
  assert.is(packets[3]!.actionId, 'a-3');
  assert.equal(packets[3]!.follows, ['/CF/1001 : 1002', '', 'ActionID: looks like a header', '1 results found.']);

  // a Follows never ended does not swallow what comes after it
  parser.feed('Response: Follows\r\nActionID: a-4\r\nsome output\n\r\nResponse: Success\r\nActionID: a-5\r\n\r\n');
  assert.equal(packets.slice(4).map((p) => [p.actionId, p.follows]), [
    ['a-4', ['some output']],
    ['a-5', []],
  ]);
  assert.equal(bad, ['Follows output without --END COMMAND--']);
});

t.run();
