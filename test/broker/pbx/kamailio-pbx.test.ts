/**
 * KamailioPbx against a real Kamailio running broker/pbx/kamailio/omstil.cfg, with real SIP
 * calls between baresip user agents (test/support/baresip.ts): forwards, chains and loops,
 * the hub's routes (parallel ringing, the IVR), feature codes, call events, routing with the
 * hub down, and errors. One Kamailio and one set of agents serve the whole suite. Without
 * kamailio or baresip installed, the SIP tests skip (and fail with REQUIRE_SYSTEM_DEPS=1);
 * the netstring, event and error tests that need no binary always run.
 *
 * The suite ends with one line of measurements (start-up, dial → answered, RPC entries/s).
 * OMSTIL_TIMINGS=1 prints each SIP test's duration; OMSTIL_KAMAILIO_LOG=1 prints Kamailio's log
 * at the end (it is printed anyway when a SIP test fails).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { decodeRoute, encodeRoute, KamailioPbx, NetstringDecoder, parseCallEvent } from '../../../broker/pbx/kamailio-pbx.js';
import { PbxError, type PbxCallEvent, type PbxRoute } from '../../../broker/pbx/pbx-port.js';
import { memoryLogger } from '../../../protocol/index.js';
import { startAgents, stopAgents, type BaresipAgent } from '../../support/baresip.js';
import { bodyOf, withServer } from '../../support/http-server.js';
import { freePort } from '../../support/hub-process.js';
import { checkKamailioConfig, startKamailio, type Defines, type KamailioServer } from '../../support/kamailio.js';
import { findBinary, needBinary } from '../../support/system-deps.js';

const t = suite('broker/pbx/kamailio-pbx');

/** 1000 calls; 1001, 1002 and the IVR answer at once; 1003 and 1004 are answered by the test. */
const USERS = ['1000', '1001', '1002', '1003', '1004', 'ivr'];
const AUTO = new Set(['1001', '1002', 'ivr']);
const RING_TIMEOUT_MS = 1500;

let kam: KamailioServer | null = null;
let agents = new Map<string, BaresipAgent>();
let pbx: KamailioPbx;
const log = memoryLogger('debug');
const events: PbxCallEvent[] = [];
const eventWaiters = new Set<() => void>();
const timings: string[] = [];

const ag = (user: string) => {
  const a = agents.get(user);
  if (!a) throw new Error(`no agent ${user}`);
  return a;
};

t.before(async () => {
  // a missing binary is reported by each test (skipped, or failed with REQUIRE_SYSTEM_DEPS=1)
  if (!findBinary('kamailio') || !findBinary('baresip')) return;
  const t0 = Date.now();
  const k = (await startKamailio({ defines: { RING_TIMEOUT_MS } }))!;
  kam = k;
  timings.push(`kamailio ready ${k.startupMs} ms`);
  pbx = new KamailioPbx({ rpcUrl: k.rpcUrl, events: k.events, logger: log, timeoutMs: 2000 });
  pbx.onCallEvent((e) => {
    events.push(e);
    for (const w of [...eventWaiters]) w();
  });
  const t1 = Date.now();
  const [, started] = await Promise.all([pbx.start(), startAgents(k, USERS, { answerMode: (u) => (AUTO.has(u) ? 'auto' : 'manual') })]);
  agents = started!;
  timings.push(`${USERS.length} agents registered ${Date.now() - t1} ms`, `setup ${Date.now() - t0} ms`);
});

t.after(async () => {
  if (process.env.OMSTIL_KAMAILIO_LOG === '1') kam?.printLogs('Kamailio log (OMSTIL_KAMAILIO_LOG=1)');
  const t0 = Date.now();
  await Promise.all([stopAgents(agents.values(), { graceful: false }), pbx?.stop()]);
  await kam?.stop();
  if (kam) timings.push(`teardown ${Date.now() - t0} ms`);
  if (timings.length) process.stdout.write(`\n  kamailio-pbx: ${timings.join('; ')}\n`);
});

/** A test that needs Kamailio and baresip: skipped without them; prints the logs when it fails. */
function sip(name: string, fn: () => Promise<void>): void {
  t(name, async () => {
    if (!kam) {
      const missing = findBinary('kamailio') ? 'baresip' : 'kamailio';
      needBinary(missing, missing, `real-SIP test "${name}"`);
      return;
    }
    await reset();
    const t0 = Date.now();
    try {
      await fn();
      if (process.env.OMSTIL_TIMINGS) process.stdout.write(`\n  ${Date.now() - t0} ms  ${name}\n`);
    } catch (err) {
      kam.printLogs(`Kamailio log after "${name}" failed`);
      for (const a of agents.values()) process.stdout.write(`\n----- ${a.user}: ${a.events.slice(-12).map((e) => `${e.type}${e.param ? `(${e.param})` : ''}`).join(' ')}\n${a.logs().slice(-1500)}\n`);
      process.stdout.write(`\n----- call events: ${JSON.stringify(events.slice(-10))}\n----- adapter log: ${JSON.stringify(log.records.slice(-10))}\n`);
      throw err;
    }
  });
}

/** No forwards, no routes, no events or agent events left over from the test before. */
async function reset(): Promise<void> {
  const [fwd, routes] = await Promise.all([pbx.readForwards(), pbx.routes.read()]);
  await Promise.all([...[...fwd.keys()].map((k) => pbx.applyForward(k, null)), ...[...routes.keys()].map((k) => pbx.routes.apply(k, null))]);
  // an undecodable entry is not in read(): clear those by the raw command
  const raw = (await pbx.rpc('htable.dump', ['route'])) as unknown[];
  if (raw.length) await pbx.rpc('htable.flush', ['route']);
  events.length = 0;
  for (const a of agents.values()) a.skip();
}

/** The first call event matching `match` (already received or still to come). */
function nextEvent(what: string, match: (e: PbxCallEvent) => boolean, timeoutMs = 3000): Promise<PbxCallEvent> {
  return new Promise((resolve, reject) => {
    const look = () => events.find(match);
    const found = look();
    if (found) return resolve(found);
    const timer = setTimeout(() => {
      eventWaiters.delete(check);
      reject(new Error(`no call event ${what} within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
    }, timeoutMs);
    const check = () => {
      const e = look();
      if (!e) return;
      clearTimeout(timer);
      eventWaiters.delete(check);
      resolve(e);
    };
    eventWaiters.add(check);
  });
}

/** `from` calls `number`; it must be answered at `at` and nowhere else. Hangs up; returns the Call-ID. */
async function answeredAt(from: string, number: string, at: string): Promise<string> {
  const caller = ag(from);
  const callee = ag(at);
  for (const a of agents.values()) a.skip();
  const t0 = Date.now();
  await caller.dial(number);
  if (!AUTO.has(at)) {
    await callee.next('CALL_INCOMING');
    await callee.answer();
  }
  const est = await callee.next('CALL_ESTABLISHED', { match: (e) => e.direction === 'incoming' });
  await caller.next('CALL_ESTABLISHED', { match: (e) => e.id === est.id });
  const ms = Date.now() - t0;
  for (const [user, a] of agents) {
    if (user === from || user === at) continue;
    const seen = a.pendingEvents().filter((e) => e.id === est.id);
    assert.is(seen.length, 0, `${user} must not see the call to ${number} (saw ${seen.map((e) => e.type).join(', ')})`);
  }
  await caller.hangup();
  await Promise.all([caller.next('CALL_CLOSED', { match: (e) => e.id === est.id }), callee.next('CALL_CLOSED', { match: (e) => e.id === est.id })]);
  if (!timings.some((s) => s.startsWith('dial→answered'))) timings.push(`dial→answered ${ms} ms`);
  return est.id!;
}

/** `from` calls `number` and must get a final refusal matching `reply` within `withinMs`. */
async function refused(from: string, number: string, reply: RegExp, withinMs = 1000): Promise<number> {
  const caller = ag(from);
  caller.skip();
  const t0 = Date.now();
  await caller.dial(number);
  const closed = await caller.next('CALL_CLOSED', { timeoutMs: withinMs });
  assert.match(closed.param ?? '', reply, `call from ${from} to ${number} ended with "${closed.param}"`);
  return Date.now() - t0;
}

// ---------------------------------------------------------------- configuration

t('omstil.cfg passes `kamailio -c` with its defaults, with test ports and with WITH_AUTH', async () => {
  const exe = needBinary('kamailio', 'kamailio', 'kamailio -c of omstil.cfg');
  if (!exe) return;
  for (const defines of <Defines[]>[{}, { SIP_PORT: 5099, RPC_PORT: 5098, EV_BIND: '127.0.0.1:5097', IVR_USER: 'announce', MAX_HOPS: 3 }, { WITH_AUTH: true }]) {
    const r = await checkKamailioConfig(exe, defines);
    assert.ok(r.ok, `kamailio -c ${JSON.stringify(defines)}:\n${r.output.slice(-3000)}`);
  }
});

// ---------------------------------------------------------------- 1, 2: forwards

sip('a call is answered where the forwards point, and back at the extension once cleared', async () => {
  await answeredAt('1000', '1001', '1001');
  await pbx.applyForward('1001', '1002');
  assert.equal(await pbx.readForwards(), new Map([['1001', '1002']]));
  await answeredAt('1000', '1001', '1002');
  await pbx.applyForward('1001', null);
  await pbx.applyForward('1001', null); // idempotent: deleting what is gone is success
  assert.equal(await pbx.readForwards(), new Map());
  await answeredAt('1000', '1001', '1001');
});

sip('a chain of forwards is followed to its end; a loop is refused with 482 at once; too long a chain with 483', async () => {
  await pbx.applyForward('1001', '1002');
  await pbx.applyForward('1002', '1003');
  await answeredAt('1000', '1001', '1003');

  // as a broken PBX state could have it: written straight into the table
  await pbx.rpc('htable.sets', ['fwd', '1002', '1001']);
  const ms = await refused('1000', '1001', /^482 Loop Detected/, 1000);
  timings.push(`loop refused ${ms} ms`);
  assert.is(ag('1001').pendingEvents().length + ag('1002').pendingEvents().length, 0, 'nobody rang');
  await pbx.applyForward('1001', null);
  await pbx.applyForward('1002', null);

  // 3001 → 3002 → … → 3007: 6 hops, one over MAX_HOPS (5)
  for (let i = 1; i <= 6; i++) await pbx.applyForward(`300${i}`, `300${i + 1}`);
  await refused('1000', '3001', /^483 /);
  // 5 hops are fine: 3002 → … → 3007 → 1002
  await pbx.applyForward('3007', '1002');
  await answeredAt('1000', '3003', '1002');
});

// ---------------------------------------------------------------- 3, 4: routes

sip('a ring route rings its extensions in parallel; the first to answer takes the call, the other stops ringing', async () => {
  await pbx.routes.apply('2000', { kind: 'ring', extensions: ['1003', '1004'] });
  assert.equal(await pbx.routes.read(), new Map([['2000', { kind: 'ring', extensions: ['1003', '1004'] }]]));
  const [caller, a, b] = [ag('1000'), ag('1003'), ag('1004')];
  await caller.dial('2000');
  const [inA, inB] = await Promise.all([a.next('CALL_INCOMING'), b.next('CALL_INCOMING')]);
  assert.is(inA.id, inB.id, 'one call, two branches');
  await b.answer();
  await b.next('CALL_ESTABLISHED');
  await caller.next('CALL_ESTABLISHED');
  const closedA = await a.next('CALL_CLOSED');
  assert.is(closedA.id, inA.id);
  const ringing = await nextEvent('ringing 2000', (e) => e.type === 'ringing' && e.callId === inA.id);
  assert.equal(ringing.extensions, ['1003', '1004']);
  assert.equal(ringing.route, { kind: 'ring', extensions: ['1003', '1004'] });
  const answered = await nextEvent('answered 2000', (e) => e.type === 'answered' && e.callId === inA.id);
  assert.equal(answered.extensions, ['1004'], 'the one that answered');
  assert.is(answered.callee, '2000');
  await caller.hangup();
  await Promise.all([caller.next('CALL_CLOSED'), b.next('CALL_CLOSED')]);

  // an extension of the list that is not registered is skipped; none registered: 480
  await pbx.routes.apply('2000', { kind: 'ring', extensions: ['1999', '1001'] });
  await answeredAt('1000', '2000', '1001');
  await pbx.routes.apply('2000', { kind: 'ring', extensions: ['1998', '1999'] });
  await refused('1000', '2000', /^480 Nobody Available/);
  await pbx.routes.apply('2000', { kind: 'ring', extensions: [] });
  assert.equal((await pbx.routes.read()).get('2000'), { kind: 'ring', extensions: [] });
  await refused('1000', '2000', /^480 Nobody Available/);
  // a route wins over the number's own forwards
  await pbx.applyForward('2000', '1002');
  await pbx.routes.apply('2000', { kind: 'ring', extensions: ['1001'] });
  await answeredAt('1000', '2000', '1001');
});

sip('an announce route sends the caller to the IVR with X-Omstil-Route; no IVR registered: 480', async () => {
  await pbx.routes.apply('2001', { kind: 'announce', reason: 'closure' });
  const callId = await answeredAt('1000', '2001', 'ivr');
  const ringing = await nextEvent('ringing to the IVR', (e) => e.type === 'ringing' && e.callId === callId);
  assert.equal(ringing.route, { kind: 'announce', reason: 'closure' });
  assert.equal(ringing.extensions, [], 'the IVR is no extension');

  const ivr = ag('ivr');
  agents.delete('ivr');
  await ivr.stop(); // SIGTERM: baresip unregisters before it exits
  await untilUnregistered('ivr');
  await refused('1000', '2001', /^480 Announcement Unavailable/);

  // what the IVR is told: a raw SIP endpoint registers as the IVR and reads the INVITE
  const probe = await SipProbe.open(kam!);
  try {
    await probe.register('ivr');
    const caller = ag('1000');
    caller.skip();
    await caller.dial('2001');
    const invite = await probe.next((m) => m.method === 'INVITE');
    assert.is(invite.header('x-omstil-route'), 'closure;to=2001');
    probe.reply(invite, 486, 'Busy Here');
    const closed = await caller.next('CALL_CLOSED');
    assert.match(closed.param ?? '', /^486/);
    const ended = await nextEvent('ended (busy IVR)', (e) => e.type === 'ended' && e.callId === closed.id);
    assert.is(ended.reason, 'busy');
    await probe.register('ivr', 0);
  } finally {
    probe.close();
  }
});

sip('routes.read() skips an entry it cannot decode (logged); Kamailio then rings by the forwards', async () => {
  await pbx.routes.apply('2002', { kind: 'announce', reason: 'message' });
  await pbx.rpc('htable.sets', ['route', '2003', 'ring-all-of-them']);
  log.records.length = 0;
  assert.equal(await pbx.routes.read(), new Map([['2002', { kind: 'announce', reason: 'message' }]]));
  assert.ok(log.records.some((r) => r.level === 'warn' && r.number === '2003'), 'warned about 2003');
  await pbx.applyForward('2003', '1001');
  await answeredAt('1000', '2003', '1001');
});

// ---------------------------------------------------------------- 5: feature codes

sip('*72<number> sets the desk phone\'s forward (603 at once), seen by readForwards; *73 clears it', async () => {
  const ms = await refused('1001', '*721002', /^603 Forward Set/);
  timings.push(`*72 answered ${ms} ms`);
  assert.equal(await pbx.readForwards(), new Map([['1001', '1002']]));
  await answeredAt('1000', '1001', '1002');
  await refused('1001', '*73', /^603 Forward Cleared/);
  assert.equal(await pbx.readForwards(), new Map());
  await answeredAt('1000', '1001', '1001');
  await refused('1001', '*72', /^484 /);
  await refused('1001', '*721001', /^403 /);
  assert.equal(await pbx.readForwards(), new Map());
});

// ---------------------------------------------------------------- 6: call events

sip('call events: ringing, answered, ended with one callId, caller, callee and extensions; transferred on REFER', async () => {
  const callId = await answeredAt('1000', '1001', '1001');
  const ended = await nextEvent('ended', (e) => e.type === 'ended' && e.callId === callId);
  const mine = events.filter((e) => e.callId === callId);
  assert.equal(
    mine.map((e) => e.type),
    ['ringing', 'answered', 'ended'],
  );
  for (const e of mine) {
    assert.is(e.caller, '1000');
    assert.is(e.callee, '1001');
  }
  assert.equal(mine[0]!.extensions, ['1001']);
  assert.is(mine[0]!.route, undefined, 'no route decided it');
  assert.equal(mine[1]!.extensions, ['1001']);
  assert.is(ended.reason, 'completed');
  const times = mine.map((e) => Date.parse(e.at));
  assert.ok(times.every((x, i) => i === 0 || x >= times[i - 1]!), `in order: ${mine.map((e) => e.at)}`);
  assert.ok(Math.abs(times[0]! - Date.now()) < 5000, 'Kamailio time');

  // forwarded: callee is what was dialled, extensions where it rang
  await pbx.applyForward('1001', '1002');
  const fwdId = await answeredAt('1000', '1001', '1002');
  const fwdRinging = await nextEvent('ringing forwarded', (e) => e.type === 'ringing' && e.callId === fwdId);
  assert.is(fwdRinging.callee, '1001');
  assert.equal(fwdRinging.extensions, ['1002']);
  await pbx.applyForward('1001', null);

  // blind transfer: 1001 answers, then sends the caller on to 1002 with a REFER
  const [caller, b, c] = [ag('1000'), ag('1001'), ag('1002')];
  for (const a of agents.values()) a.skip();
  await caller.dial('1001');
  const est = await b.next('CALL_ESTABLISHED');
  await caller.next('CALL_ESTABLISHED');
  await b.transfer('1002');
  const transferred = await nextEvent('transferred', (e) => e.type === 'transferred' && e.callId === est.id);
  assert.is(transferred.transferTo, '1002');
  assert.is(transferred.caller, '1000');
  assert.is(transferred.callee, '1001');
  const onward = await c.next('CALL_ESTABLISHED');
  await nextEvent('ended of the transferred call', (e) => e.type === 'ended' && e.callId === est.id);
  await nextEvent('answered onward call', (e) => e.type === 'answered' && e.callId === onward.id && e.extensions?.[0] === '1002');
  await c.hangup();
  await caller.next('CALL_CLOSED', { match: (e) => e.id === onward.id });
});

sip('ended reasons: cancelled by the caller, busy (rejected), no-answer (ring timeout)', async () => {
  // with an IVR registered, busy and no-answer would fall back to it (see "never silence" below)
  await noIvrRegistered();
  const [caller, d] = [ag('1000'), ag('1003')];
  const endedOf = async (callId: string) => (await nextEvent(`ended ${callId}`, (e) => e.type === 'ended' && e.callId === callId)).reason;

  await caller.dial('1003');
  const inc1 = await d.next('CALL_INCOMING');
  await caller.hangup();
  await Promise.all([d.next('CALL_CLOSED'), caller.next('CALL_CLOSED')]);
  assert.is(await endedOf(inc1.id!), 'cancelled');

  await caller.dial('1003');
  const inc2 = await d.next('CALL_INCOMING');
  await d.hangup();
  assert.match((await caller.next('CALL_CLOSED', { match: (e) => e.id === inc2.id })).param ?? '', /^486/);
  assert.is(await endedOf(inc2.id!), 'busy');

  const t0 = Date.now();
  await caller.dial('1003');
  const inc3 = await d.next('CALL_INCOMING');
  assert.match((await caller.next('CALL_CLOSED', { match: (e) => e.id === inc3.id, timeoutMs: RING_TIMEOUT_MS + 2000 })).param ?? '', /^408/);
  assert.is(await endedOf(inc3.id!), 'no-answer');
  const ended = events.find((e) => e.type === 'ended' && e.callId === inc3.id)!;
  const ringing = events.find((e) => e.type === 'ringing' && e.callId === inc3.id)!;
  assert.ok(Date.parse(ended.at) - Date.parse(ringing.at) >= RING_TIMEOUT_MS - 100, 'ended carries the time it ended');
  assert.ok(Date.now() - t0 < RING_TIMEOUT_MS + 1500);
  await d.next('CALL_CLOSED');
});

// ---------------------------------------------------------------- PH-4 / AS-1: never silence

/** The events of one call, in the order they came. */
const eventsOf = (callId: string) => events.filter((e) => e.callId === callId);

/** INVITEs a SipProbe received, retransmissions counted once (by their top Via). */
const invitesAt = (probe: SipProbe) => new Set(probe.all((m) => m.method === 'INVITE').map((m) => m.header('via'))).size;

/** The fallback reached the IVR (a SipProbe): it reads the INVITE, answers; the caller hangs up. Returns the Call-ID. */
async function messageTakenAt(probe: SipProbe, callee: string): Promise<string> {
  const caller = ag('1000');
  const invite = await probe.next((m) => m.method === 'INVITE', RING_TIMEOUT_MS + 2000);
  assert.is(invite.header('x-omstil-route'), `message;to=${callee}`, 'AS-1: the IVR is told to take a message for the number dialled');
  assert.match(invite.raw.split('\r\n')[0]!, /^INVITE sip:ivr@127\.0\.0\.1:\d+ /, 'to the IVR\'s registered contact');
  probe.answer(invite);
  const est = await caller.next('CALL_ESTABLISHED');
  assert.is(est.id, invite.header('call-id'));
  await nextEvent('answered by the IVR', (e) => e.type === 'answered' && e.callId === est.id);
  await caller.hangup();
  const bye = await probe.next((m) => m.method === 'BYE' && m.header('call-id') === est.id);
  probe.reply(bye, 200, 'OK', { toTag: false });
  await caller.next('CALL_CLOSED', { match: (e) => e.id === est.id });
  await nextEvent('ended at the IVR', (e) => e.type === 'ended' && e.callId === est.id);
  return est.id!;
}

/** Checks ringing(phones) → ringing(announce message, []) → answered([]) → ended completed. */
function assertFellBack(callId: string, callee: string, phones: string[], firstRoute?: PbxRoute): void {
  const mine = eventsOf(callId);
  assert.equal(mine.map((e) => e.type), ['ringing', 'ringing', 'answered', 'ended'], JSON.stringify(mine));
  const [rang, toIvr, answered, ended] = mine as [PbxCallEvent, PbxCallEvent, PbxCallEvent, PbxCallEvent];
  assert.equal(rang.extensions, phones);
  assert.equal(rang.route, firstRoute);
  assert.equal(toIvr.route, { kind: 'announce', reason: 'message' });
  assert.equal(toIvr.extensions, [], 'the IVR is no extension');
  assert.equal(answered.extensions, []);
  assert.is(ended.reason, 'completed');
  for (const e of mine) {
    assert.is(e.caller, '1000');
    assert.is(e.callee, callee);
  }
}

sip('PH-4/AS-1: a call the phone does not answer in time goes on to the IVR to take a message', async () => {
  await withProbeIvr(async (probe) => {
    const [caller, d] = [ag('1000'), ag('1003')];
    const t0 = Date.now();
    await caller.dial('1003');
    const inc = await d.next('CALL_INCOMING');
    // 1003 lets it ring: after RING_TIMEOUT_MS the phone stops ringing and the IVR gets the call
    await d.next('CALL_CLOSED', { match: (e) => e.id === inc.id, timeoutMs: RING_TIMEOUT_MS + 2000 });
    assert.ok(Date.now() - t0 >= RING_TIMEOUT_MS - 100, 'it rang the full ring time first');
    const callId = await messageTakenAt(probe, '1003');
    assert.is(callId, inc.id);
    assertFellBack(callId, '1003', ['1003']);
    assert.is(invitesAt(probe), 1);
    const [rang, toIvr] = eventsOf(callId);
    assert.ok(Date.parse(toIvr!.at) - Date.parse(rang!.at) >= RING_TIMEOUT_MS - 100, 'the second ringing carries the time it fell back');
  });
});

sip('PH-4/AS-1: busy phones (486) of a ring route send the caller to the IVR the same way', async () => {
  await pbx.routes.apply('2005', { kind: 'ring', extensions: ['1003', '1004'] });
  await withProbeIvr(async (probe) => {
    const [caller, a, b] = [ag('1000'), ag('1003'), ag('1004')];
    await caller.dial('2005');
    const [inA] = await Promise.all([a.next('CALL_INCOMING'), b.next('CALL_INCOMING')]);
    await Promise.all([a.hangup(), b.hangup()]); // both reject: 486 Busy Here
    const callId = await messageTakenAt(probe, '2005');
    assert.is(callId, inA.id);
    assertFellBack(callId, '2005', ['1003', '1004'], { kind: 'ring', extensions: ['1003', '1004'] });
  });
});

sip('PH-4: when the IVR fails too, the call ends busy / no-answer with the phone\'s reply, once; no second fallback', async () => {
  await withProbeIvr(async (probe) => {
    const [caller, d] = [ag('1000'), ag('1003')];
    await caller.dial('1003');
    const inc = await d.next('CALL_INCOMING');
    await d.hangup();
    const invite = await probe.next((m) => m.method === 'INVITE');
    assert.is(invite.header('x-omstil-route'), 'message;to=1003');
    probe.reply(invite, 500, 'Server Error');
    const closed = await caller.next('CALL_CLOSED', { match: (e) => e.id === inc.id });
    assert.match(closed.param ?? '', /^486/, `the caller hears what the phone said, not the IVR (${closed.param})`);
    const ended = await nextEvent('ended busy', (e) => e.type === 'ended' && e.callId === inc.id);
    assert.is(ended.reason, 'busy');
    await new Promise((r) => setTimeout(r, 300)); // nothing more may come
    assert.equal(eventsOf(inc.id!).map((e) => e.type), ['ringing', 'ringing', 'ended']);
    assert.is(invitesAt(probe), 1, 'the IVR was tried once');

    // not answered in time, and the IVR refuses: no-answer, and the caller gets the 408
    await caller.dial('1003');
    const inc2 = await d.next('CALL_INCOMING');
    const invite2 = await probe.next((m) => m.method === 'INVITE' && m.header('call-id') === inc2.id, RING_TIMEOUT_MS + 2000);
    probe.reply(invite2, 503, 'Service Unavailable');
    const closed2 = await caller.next('CALL_CLOSED', { match: (e) => e.id === inc2.id });
    assert.match(closed2.param ?? '', /^408/, `the caller hears the ring timeout (${closed2.param})`);
    assert.is((await nextEvent('ended no-answer', (e) => e.type === 'ended' && e.callId === inc2.id)).reason, 'no-answer');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(eventsOf(inc2.id!).map((e) => e.type), ['ringing', 'ringing', 'ended']);
    assert.is(invitesAt(probe), 2, 'the IVR was tried once for each call');
  });
});

sip('PH-4: with no IVR registered an unanswered call ends no-answer as before, with one ended', async () => {
  await noIvrRegistered();
  const [caller, d] = [ag('1000'), ag('1003')];
  await caller.dial('1003');
  const inc = await d.next('CALL_INCOMING');
  const closed = await caller.next('CALL_CLOSED', { match: (e) => e.id === inc.id, timeoutMs: RING_TIMEOUT_MS + 2000 });
  assert.match(closed.param ?? '', /^408/);
  const ended = await nextEvent('ended no-answer', (e) => e.type === 'ended' && e.callId === inc.id);
  assert.is(ended.reason, 'no-answer');
  await d.next('CALL_CLOSED', { match: (e) => e.id === inc.id });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(eventsOf(inc.id!).map((e) => e.type), ['ringing', 'ended']);
});

sip('a call the caller cancels is cancelled, with no fallback to the IVR', async () => {
  await withProbeIvr(async (probe) => {
    const [caller, d] = [ag('1000'), ag('1003')];
    await caller.dial('1003');
    const inc = await d.next('CALL_INCOMING');
    await caller.hangup();
    await Promise.all([d.next('CALL_CLOSED'), caller.next('CALL_CLOSED')]);
    const ended = await nextEvent('ended cancelled', (e) => e.type === 'ended' && e.callId === inc.id);
    assert.is(ended.reason, 'cancelled');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(eventsOf(inc.id!).map((e) => e.type), ['ringing', 'ended']);
    assert.is(invitesAt(probe), 0, 'the IVR never saw it');
  });
});

sip('a call to the IVR (announce route) that fails is not sent to the IVR again', async () => {
  await pbx.routes.apply('2006', { kind: 'announce', reason: 'message' });
  await withProbeIvr(async (probe) => {
    const caller = ag('1000');
    caller.skip();
    await caller.dial('2006');
    const invite = await probe.next((m) => m.method === 'INVITE');
    assert.is(invite.header('x-omstil-route'), 'message;to=2006');
    probe.reply(invite, 486, 'Busy Here');
    const closed = await caller.next('CALL_CLOSED');
    assert.match(closed.param ?? '', /^486/);
    const ended = await nextEvent('ended busy', (e) => e.type === 'ended' && e.callId === closed.id);
    assert.is(ended.reason, 'busy');
    await new Promise((r) => setTimeout(r, 300));
    const mine = eventsOf(closed.id!);
    assert.equal(mine.map((e) => e.type), ['ringing', 'ended']);
    assert.equal(mine[0]!.route, { kind: 'announce', reason: 'message' });
    assert.is(invitesAt(probe), 1, 'one INVITE to the IVR');
  });
});

sip('strings JSON must escape arrive intact: a Call-ID with quotes and backslashes, a caller id with \' and æ', async () => {
  // Kamailio refuses `"` and `\` in a URI's user part (400 Invalid From Header), but a Call-ID
  // may hold both (RFC 3261 `word`), and a user part may hold ' and raw UTF-8
  const probe = await SipProbe.open(kam!);
  try {
    const user = "o'brien-æøå";
    const callId = `raw"quoted\\back\\slash-${Date.now()}`;
    const invite = probe.invite(user, '1003', callId);
    await ag('1003').next('CALL_INCOMING');
    const ringing = await nextEvent('ringing from the raw caller', (e) => e.type === 'ringing' && e.callId === callId);
    assert.is(ringing.caller, user);
    assert.is(ringing.callee, '1003');
    probe.cancel(invite);
    await probe.next((m) => m.status === 487);
    assert.is((await nextEvent('ended', (e) => e.type === 'ended' && e.callId === callId)).reason, 'cancelled');
    await ag('1003').next('CALL_CLOSED');
  } finally {
    probe.close();
  }
});

// ---------------------------------------------------------------- 7: the hub down

sip('routes and forwards applied before the adapter stops keep deciding calls', async () => {
  await pbx.routes.apply('2004', { kind: 'ring', extensions: ['1002'] });
  await pbx.applyForward('1001', '1002');
  await pbx.stop();
  try {
    await answeredAt('1000', '2004', '1002');
    await answeredAt('1000', '1001', '1002');
  } finally {
    await pbx.start(); // and the adapter comes back: RPC and events again
  }
  await pbx.applyForward('1001', null);
  events.length = 0;
  const id = await answeredAt('1000', '1001', '1001');
  await nextEvent('ended after restart', (e) => e.type === 'ended' && e.callId === id);
});

// ---------------------------------------------------------------- RPC volume

sip('RPC volume: thousands of forwards applied concurrently, read back, cleared', async () => {
  const n = 2000;
  const keys = Array.from({ length: n }, (_, i) => String(40000 + i));
  let t0 = Date.now();
  await Promise.all(keys.map((k) => pbx.applyForward(k, '1002')));
  const setMs = Date.now() - t0;
  t0 = Date.now();
  const all = await pbx.readForwards();
  const readMs = Date.now() - t0;
  assert.is(all.size, n);
  t0 = Date.now();
  await Promise.all(keys.map((k) => pbx.applyForward(k, null)));
  const delMs = Date.now() - t0;
  assert.is((await pbx.readForwards()).size, 0);
  timings.push(`RPC: ${n} htable.sets ${setMs} ms (${Math.round((n / setMs) * 1000)}/s), dump ${readMs} ms, ${n} deletes ${delMs} ms`);
});

// ---------------------------------------------------------------- 8: errors

sip('a JSON-RPC error is PbxError refused with Kamailio\'s message', async () => {
  const e1 = await rejects(pbx.rpc('no.such.method'));
  assert.is(e1.code, 'refused');
  assert.match(e1.message, /Method Not Found/);
  const e2 = await rejects(pbx.rpc('htable.sets', ['no-such-table', 'a', 'b']));
  assert.is(e2.code, 'refused');
  assert.match(e2.message, /No such htable/);
  // a path Kamailio does not serve: HTTP 404, not JSON-RPC
  const wrong = new KamailioPbx({ rpcUrl: kam!.rpcUrl.replace('/RPC', '/other'), logger: log });
  try {
    assert.is((await rejects(wrong.readForwards())).code, 'protocol');
  } finally {
    await wrong.stop();
  }
  // not a dialable number: refused before anything is sent
  assert.is((await rejects(pbx.applyForward('10 01', '1002'))).code, 'refused');
  assert.is((await rejects(pbx.routes.apply('2000', { kind: 'ring', extensions: ['1001,1002'] }))).code, 'refused');
});

t('RPC on a closed port is PbxError unreachable; start() rejects unreachable', async () => {
  const port = await freePort();
  const p = new KamailioPbx({ rpcUrl: `http://127.0.0.1:${port}/RPC`, logger: memoryLogger(), timeoutMs: 1000 });
  try {
    const e = await rejects(p.readForwards());
    assert.is(e.code, 'unreachable');
    assert.is(e.pbx, 'kamailio');
    assert.is((await rejects(p.start())).code, 'unreachable');
  } finally {
    await p.stop();
  }
});

t('start(): a Kamailio without the omstil tables is protocol; an events socket nobody serves only warns', async () => {
  const evPort = await freePort();
  let tables = ['fwd'];
  await withServer(
    async (req: http.IncomingMessage, res: http.ServerResponse) => {
      const { id } = JSON.parse(await bodyOf(req)) as { id: number };
      res.end(JSON.stringify({ jsonrpc: '2.0', result: tables.map((name) => ({ name, slots: 4096, all: 0 })), id }));
    },
    async (url) => {
      const mlog = memoryLogger('debug');
      const p = new KamailioPbx({ rpcUrl: `${url}/RPC`, events: { host: '127.0.0.1', port: evPort }, logger: mlog, timeoutMs: 300 });
      try {
        const e = await rejects(p.start());
        assert.is(e.code, 'protocol');
        assert.match(e.message, /no htable "route"/);
        tables = ['calls', 'route', 'fwd'];
        await p.start();
        assert.ok(mlog.records.some((r) => r.level === 'warn' && /call events not connected/.test(r.msg)));
      } finally {
        await p.stop();
      }
    },
  );
});

t('a server that never answers is PbxError timeout; one that answers nonsense is protocol', async () => {
  const silent = net.createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const held: net.Socket[] = [];
  silent.on('connection', (s) => held.push(s));
  const p = new KamailioPbx({ rpcUrl: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/RPC`, logger: memoryLogger(), timeoutMs: 200 });
  try {
    const e = await rejects(p.applyForward('1001', '1002'));
    assert.is(e.code, 'timeout');
  } finally {
    await p.stop();
    for (const s of held) s.destroy();
    await new Promise((r) => silent.close(r));
  }
  const answers = ['<html>hello</html>', '{"result":1}', '{"jsonrpc":"2.0","result":"x"}'];
  let i = 0;
  await withServer(
    (_req: http.IncomingMessage, res: http.ServerResponse) => res.end(answers[i++]),
    async (url) => {
      const q = new KamailioPbx({ rpcUrl: `${url}/RPC`, logger: memoryLogger() });
      try {
        assert.is((await rejects(q.readForwards())).code, 'protocol', 'HTML');
        assert.is((await rejects(q.readForwards())).code, 'protocol', 'not JSON-RPC 2.0');
        assert.is((await rejects(q.readForwards())).code, 'protocol', 'a dump that is not a list');
      } finally {
        await q.stop();
      }
    },
  );
});

async function rejects(p: Promise<unknown>): Promise<PbxError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, PbxError);
    return err as PbxError;
  }
  throw new Error('expected a PbxError');
}

// ---------------------------------------------------------------- netstrings and events

t('netstrings: split across chunks, several per chunk, multibyte characters, garbage in between', () => {
  const ns = (s: string) => `${Buffer.byteLength(s)}:${s},`;
  const one = ns('{"type":"ringing"}');
  const d = new NetstringDecoder();
  const got: string[] = [];
  const errors: string[] = [];
  const feed = (c: string | Buffer) => {
    for (const item of d.push(c)) 'payload' in item ? got.push(item.payload) : errors.push(item.error);
  };
  // byte by byte
  for (const ch of Buffer.from(one)) feed(Buffer.from([ch]));
  assert.equal(got, ['{"type":"ringing"}']);
  // three in one chunk, the third cut in the middle of "ø" (two bytes)
  const three = Buffer.from(ns('a') + ns('') + ns('blåbærgrød'));
  feed(three.subarray(0, three.length - 6));
  feed(three.subarray(three.length - 6));
  assert.equal(got.slice(1), ['a', '', 'blåbærgrød']);
  // garbage, then a good one; a wrong length (no comma where it should be), then a good one
  feed('hello world\n' + ns('after garbage'));
  feed('5:abcdefgh,' + ns('after bad length'));
  feed('99999999999:x,' + ns('after huge'));
  assert.equal(got.slice(4), ['after garbage', 'after bad length', 'after huge']);
  assert.ok(errors.length >= 3, errors.join('; '));
  // an over-limit length is refused without waiting for its bytes
  const small = new NetstringDecoder(10);
  assert.ok('error' in small.push('11:')[0]!);
});

t('call event validation: malformed events are reasons, not exceptions', () => {
  const now = () => new Date('2026-11-23T09:00:00Z');
  const ok = parseCallEvent('{"type":"answered","callId":"c1","caller":"1000","callee":"2000","extensions":["1004"],"ts":1795420800.25}', now);
  assert.equal(ok, { type: 'answered', callId: 'c1', at: '2026-11-23T08:00:00.250Z', caller: '1000', callee: '2000', extensions: ['1004'] });
  assert.is((parseCallEvent('{"type":"ended","callId":"c1","caller":"a\\"b","callee":"1"}', now) as PbxCallEvent).at, '2026-11-23T09:00:00.000Z', 'no time: the clock');
  for (const bad of ['nope', '[]', '{"type":"exploded","callId":"c","caller":"a","callee":"b"}', '{"type":"ringing","callId":1,"caller":"a","callee":"b"}', '{"type":"ringing","callId":"c","caller":"a"}', '{"type":"ringing","callId":"c","caller":"a","callee":"b","extensions":[1]}', '{"type":"ringing","callId":"c","caller":"a","callee":"b","route":{"kind":"announce","reason":"party"}}']) {
    assert.type(parseCallEvent(bad, now), 'string', bad);
  }
});

t('route encoding round trip', () => {
  for (const r of [{ kind: 'ring', extensions: ['1002'] }, { kind: 'ring', extensions: ['1003', '1004'] }, { kind: 'announce', reason: 'outside-hours' }, { kind: 'announce', reason: 'closure' }, { kind: 'announce', reason: 'message' }] satisfies PbxRoute[]) {
    assert.equal(decodeRoute(encodeRoute(r)), r);
  }
  assert.is(encodeRoute({ kind: 'ring', extensions: ['1003', '1004'] }), 'ring:1003,1004');
  for (const bad of ['', 'ring', 'ring:10 01', 'announce:', 'announce:lunch', 'hangup:now']) assert.is(decodeRoute(bad), null, bad);
});

t('evapi: garbage and malformed events are dropped and logged, good ones delivered; a dropped connection is made again', async () => {
  const sockets: net.Socket[] = [];
  const srv = net.createServer((s) => {
    sockets.push(s);
    s.write('16:{"type":"hello"},');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  const mlog = memoryLogger('debug');
  const p = new KamailioPbx({ rpcUrl: 'http://127.0.0.1:9/RPC', events: { host: '127.0.0.1', port }, logger: mlog, reconnectMinMs: 20, reconnectMaxMs: 50 });
  const got: PbxCallEvent[] = [];
  const waiters: Array<() => void> = [];
  const unsubscribe = p.onCallEvent((e) => {
    got.push(e);
    waiters.splice(0).forEach((w) => w());
  });
  const until = (n: number) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} events`)), 2000);
    const check = () => (got.length >= n ? (clearTimeout(timer), resolve()) : waiters.push(check));
    check();
  });
  const ns = (s: string) => `${Buffer.byteLength(s)}:${s},`;
  const ev = (id: string) => JSON.stringify({ type: 'ringing', callId: id, caller: '1000', callee: '1001' });
  try {
    await p.whenEventsConnected();
    const wire = 'garbage!' + ns(ev('a')) + ns('{not json') + ns('{"type":"ringing"}') + ns(ev('b'));
    sockets[0]!.write(wire.slice(0, 30));
    sockets[0]!.write(wire.slice(30));
    await until(2);
    assert.equal(got.map((e) => e.callId), ['a', 'b']);
    assert.ok(mlog.records.filter((r) => r.level === 'warn').length >= 3, 'framing error, not JSON, not an event: each logged');
    // the connection drops: the adapter connects again (backoff 20–50 ms) and hears what comes next
    sockets[0]!.destroy();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reconnect')), 2000);
      srv.once('connection', () => (clearTimeout(timer), resolve()));
    });
    await p.whenEventsConnected();
    sockets[1]!.write(ns(ev('c')));
    await until(3);
    assert.is(got[2]!.callId, 'c');
    unsubscribe();
  } finally {
    await p.stop();
    for (const s of sockets) s.destroy();
    await new Promise((r) => srv.close(r));
  }
});

// ---------------------------------------------------------------- helpers

/** Polls usrloc (ul.lookup answers 404 once the AOR is gone) until `user` has no registration. */
async function untilUnregistered(user: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await pbx.rpc('ul.lookup', ['location', user]);
    } catch (err) {
      if (err instanceof PbxError && err.code === 'refused') return;
      throw err;
    }
    if (Date.now() > end) throw new Error(`${user} still registered after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** No IVR registered: the baresip IVR is stopped if a test before did not (the tests below register a SipProbe instead). */
async function noIvrRegistered(): Promise<void> {
  const ivr = agents.get('ivr');
  if (ivr) {
    agents.delete('ivr');
    await ivr.stop(); // SIGTERM: baresip unregisters before it exits
  }
  // a SipProbe a failed test left registered: removed by hand (404: nothing to remove)
  await pbx.rpc('ul.rm', ['location', 'ivr']).catch((err: unknown) => {
    if (!(err instanceof PbxError && err.code === 'refused')) throw err;
  });
  await untilUnregistered('ivr');
}

/** A SipProbe registered as the only IVR while `fn` runs; unregistered and closed afterwards. */
async function withProbeIvr(fn: (probe: SipProbe) => Promise<void>): Promise<void> {
  await noIvrRegistered();
  const probe = await SipProbe.open(kam!);
  try {
    await probe.register('ivr');
    await fn(probe);
  } finally {
    await probe.register('ivr', 0).catch(() => {});
    probe.close();
  }
}

interface SipMessage {
  raw: string;
  method?: string;
  status?: number;
  header(name: string): string | undefined;
}

/**
 * A bare SIP endpoint on a UDP socket, for what baresip cannot do: register as the IVR and read
 * the INVITE's headers, or call with a caller id full of quotes.
 */
class SipProbe {
  private readonly messages: SipMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private seq = 1;
  private constructor(
    private readonly sock: dgram.Socket,
    private readonly kam: KamailioServer,
  ) {
    sock.on('message', (buf) => {
      this.messages.push(parseSip(buf.toString('utf8')));
      for (const w of [...this.waiters]) w();
    });
  }

  static async open(kam: KamailioServer): Promise<SipProbe> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    return new SipProbe(sock, kam);
  }

  get port(): number {
    return this.sock.address().port;
  }

  send(text: string): void {
    this.sock.send(text, this.kam.sipPort, '127.0.0.1');
  }

  private via(branch: string): string {
    return `SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK${branch};rport`;
  }

  /** REGISTER `user` with this socket as its contact (expires 0: unregister); waits for 200. */
  async register(user: string, expires = 60): Promise<void> {
    const callId = `reg-${user}-${this.port}`;
    const seq = this.seq++;
    this.send(
      [
        `REGISTER sip:${this.kam.domain} SIP/2.0`,
        `Via: ${this.via(`reg${seq}${this.port}`)}`,
        'Max-Forwards: 70',
        `From: <sip:${user}@${this.kam.domain}>;tag=r${this.port}`,
        `To: <sip:${user}@${this.kam.domain}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${seq} REGISTER`,
        `Contact: <sip:${user}@127.0.0.1:${this.port}>`,
        `Expires: ${expires}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    await this.next((m) => m.status === 200 && m.header('call-id') === callId && m.header('cseq') === `${seq} REGISTER`);
  }

  /** Sends an INVITE (with an SDP offer) from `fromUser` to `number`; returns it, to CANCEL. */
  invite(fromUser: string, number: string, callId: string): { lines: Record<string, string>; uri: string } {
    const sdp = ['v=0', `o=- 1 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
    const uri = `sip:${number}@${this.kam.domain}`;
    const lines = {
      Via: this.via(`inv${this.port}`),
      From: `"Probe" <sip:${fromUser}@127.0.0.1>;tag=p${this.port}`,
      To: `<${uri}>`,
      'Call-ID': callId,
    };
    this.send([`INVITE ${uri} SIP/2.0`, ...Object.entries(lines).map(([k, v]) => `${k}: ${v}`), 'Max-Forwards: 70', 'CSeq: 1 INVITE', `Contact: <sip:probe@127.0.0.1:${this.port}>`, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp].join('\r\n'));
    return { lines, uri };
  }

  /** CANCELs that INVITE and ACKs its 487. */
  cancel(inv: { lines: Record<string, string>; uri: string }): void {
    this.send([`CANCEL ${inv.uri} SIP/2.0`, ...Object.entries(inv.lines).map(([k, v]) => `${k}: ${v}`), 'Max-Forwards: 70', 'CSeq: 1 CANCEL', 'Content-Length: 0', '', ''].join('\r\n'));
    void this.next((m) => m.status === 487).then((r) => {
      this.send([`ACK ${inv.uri} SIP/2.0`, `Via: ${inv.lines.Via}`, `From: ${inv.lines.From}`, `To: ${r.header('to')}`, `Call-ID: ${inv.lines['Call-ID']}`, 'Max-Forwards: 70', 'CSeq: 1 ACK', 'Content-Length: 0', '', ''].join('\r\n'));
    }, () => {});
  }

  /** A final reply to a request received (the To gets a tag, unless it is in a dialog: `toTag: false`). */
  reply(req: SipMessage, code: number, reason: string, opts: { toTag?: boolean } = {}): void {
    const vias = req.raw.split('\r\n').filter((l) => /^(via|v):/i.test(l));
    const to = opts.toTag === false ? req.header('to') : `${req.header('to')};tag=probe${this.port}`;
    this.send([`SIP/2.0 ${code} ${reason}`, ...vias, `From: ${req.header('from')}`, `To: ${to}`, `Call-ID: ${req.header('call-id')}`, `CSeq: ${req.header('cseq')}`, 'Content-Length: 0', '', ''].join('\r\n'));
  }

  /** Answers an INVITE received: 200 with an SDP answer, its Record-Route (so ACK and BYE pass Kamailio) and a Contact. */
  answer(inv: SipMessage): void {
    const sdp = ['v=0', 'o=- 2 2 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40002 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
    const head = inv.raw.split('\r\n\r\n')[0]!.split('\r\n');
    const vias = head.filter((l) => /^(via|v):/i.test(l));
    const rr = head.filter((l) => /^record-route:/i.test(l));
    this.send(
      [
        'SIP/2.0 200 OK',
        ...vias,
        ...rr,
        `From: ${inv.header('from')}`,
        `To: ${inv.header('to')};tag=probe${this.port}`,
        `Call-ID: ${inv.header('call-id')}`,
        `CSeq: ${inv.header('cseq')}`,
        `Contact: <sip:ivr@127.0.0.1:${this.port}>`,
        'Content-Type: application/sdp',
        `Content-Length: ${Buffer.byteLength(sdp)}`,
        '',
        sdp,
      ].join('\r\n'),
    );
  }

  /** Every message received so far that matches. */
  all(match: (m: SipMessage) => boolean): SipMessage[] {
    return this.messages.filter(match);
  }

  next(match: (m: SipMessage) => boolean, timeoutMs = 3000): Promise<SipMessage> {
    return new Promise((resolve, reject) => {
      const found = this.messages.find(match);
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`SIP probe: no matching message within ${timeoutMs} ms; got ${this.messages.map((m) => m.raw.split('\r\n')[0]).join(' | ')}`));
      }, timeoutMs);
      const check = () => {
        const m = this.messages.find(match);
        if (!m) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(m);
      };
      this.waiters.add(check);
    });
  }

  close(): void {
    this.sock.close();
  }
}

function parseSip(raw: string): SipMessage {
  const [head] = raw.split('\r\n\r\n');
  const [first, ...lines] = head!.split('\r\n');
  const headers = new Map<string, string>();
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0 && !headers.has(l.slice(0, i).trim().toLowerCase())) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  const status = /^SIP\/2\.0 (\d{3})/.exec(first!)?.[1];
  return {
    raw,
    ...(status ? { status: Number(status) } : { method: first!.split(' ')[0] }),
    header: (name) => headers.get(name.toLowerCase()),
  };
}

t.run();
