/**
 * The policy holds on every path (acceptance of the policy engine): the same refusals, with
 * the rule id, from a phone over MQTT and from the admin API over HTTP; the routing endpoint;
 * closures reaching the reception terminals. Real Aedes, real HTTP, SQLite, simulated devices.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import type { Response as Reply } from '../../protocol/index.js';
import { clockFrom, startSystem, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/policy');
let sys: TestSystem;
let api: string;
let token: string;
let L: string, A: string, B: string, extA: string;

/** Monday 23 November 2026, 10:00 in Copenhagen: Borgerservice answers (08:00-18:00). */
const START = '2026-11-23T10:00:00+01:00';
const inDays = (d: number) => new Date(Date.parse(START) + d * 86_400_000 + 60_000).toISOString();

e2e.before(async () => {
  sys = await startSystem({ clock: clockFrom(START) });
  const [lea, anna, bo] = sys.directory.data.people; // Borgerservice: the leader first, then two staff
  L = lea!.id;
  A = anna!.id;
  B = bo!.id;
  extA = anna!.extension;
  assert.is(anna!.leader, L);
  api = sys.hub.api!.url;
  token = readFileSync(sys.hub.adminTokenFile!, 'utf8').trim();
  for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.config && (core.mirror.kind === 'kiosk' || core.mirror.me), `${core.deviceId} to show its state`);
});
e2e.after(async () => sys.stop());

const phone = (person: string) => sys.fleet.core(`phone-${person}`);

async function http(method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; json: { ok: boolean; data?: unknown; error?: { code: string; rule?: string; field?: string; text?: { da: string; en: string }; suggestion?: { id: string } } } }> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as never };
}

async function phoneRefusal(person: string, op: 'divert', args: { target: string }): Promise<Extract<Reply, { ok: false }>['error']> {
  const res = await phone(person).request(op, args);
  assert.is(res.ok, false, JSON.stringify(res));
  if (res.ok) throw new Error('unreachable');
  return res.error;
}

e2e('DV-4: a divert to someone absent for a week is refused with the rule id, from the phone and the admin API alike', async () => {
  const set = await http('PUT', `/people/${B}/absence`, { until: inDays(7), reason: 'Ferie', divertTo: L });
  assert.is(set.status, 200, JSON.stringify(set.json));
  assert.equal(set.json.data, { kind: 'absent' });
  await waitFor(() => phone(A).mirror.people.get(B)?.presence === 'absent', 'colleagues to see B absent');

  const fromPhone = await phoneRefusal(A, 'divert', { target: B });
  assert.equal([fromPhone.code, fromPhone.rule, fromPhone.field], ['target-unavailable', 'DV-4', 'args.target']);
  assert.is(fromPhone.suggestion?.id, L, 'the colleague covering for B is suggested');
  assert.match(fromPhone.text!.da, 'er fraværende');
  assert.not.match(JSON.stringify(fromPhone), 'Ferie', 'PR-2: the reason is not in the refusal');

  const fromApi = await http('PUT', `/people/${A}/diversion`, { target: B });
  assert.is(fromApi.status, 422);
  assert.equal([fromApi.json.error!.code, fromApi.json.error!.rule], ['target-unavailable', 'DV-4']);
  assert.is(sys.hub.hub.record(A)!.diversion, null, 'nothing changed');
});

e2e('DV-3: a divert to the switchboard is refused from the phone and the admin API alike', async () => {
  const fromPhone = await phoneRefusal(A, 'divert', { target: 'omstillingen' });
  assert.equal([fromPhone.code, fromPhone.rule], ['switchboard-diversion', 'DV-3']);
  const fromApi = await http('PUT', `/people/${A}/diversion`, { target: 'omstillingen' });
  assert.equal([fromApi.status, fromApi.json.error!.code, fromApi.json.error!.rule], [422, 'switchboard-diversion', 'DV-3']);
});

e2e('DV-4: a divert into a cycle is refused from the phone and the admin API alike; the routing endpoint follows the chain', async () => {
  await phone(A).call('divert', { target: L });
  const fromPhone = await phoneRefusal(L, 'divert', { target: A });
  assert.equal([fromPhone.code, fromPhone.rule], ['diversion-cycle', 'DV-4']);
  const fromApi = await http('PUT', `/people/${L}/diversion`, { target: A });
  assert.equal([fromApi.status, fromApi.json.error!.code, fromApi.json.error!.rule], [422, 'diversion-cycle', 'DV-4']);

  const route = await http('GET', `/calls/resolve?number=${extA}`);
  assert.is(route.status, 200);
  assert.equal(route.json as unknown as { kind: string; route: string[]; ring: string[] }, { kind: 'ring', number: extA, route: [A, L], ring: [L], rule: 'DV-4' });
  await phone(A).call('undivert', {});
});

e2e('PR-4 / PR-2: the leader\'s phone sees its staff member\'s reason; a colleague\'s phone never does', async () => {
  const staff = await waitFor(() => phone(L).mirror.staff.get(B), 'the leader to follow B');
  assert.is(staff.absenceReason, 'Ferie');
  assert.is(phone(A).mirror.staff.size, 0);
  assert.not.match(JSON.stringify(phone(A).mirror.view(true)), 'Ferie');
  // a colleague may not set absence for B; the leader may
  const res = await phone(A).request('clear-absence', { person: B });
  assert.equal(!res.ok && [res.error.code, res.error.rule], ['forbidden', 'PR-4']);
  await phone(L).call('clear-absence', { person: B });
  await waitFor(() => phone(A).mirror.people.get(B)?.presence === 'available', 'B back');
});

e2e('DV-4: a forward set on the PBX side goes through the policy too: a cycle is reverted, a good one is taken in', async () => {
  const ext = (id: string) => sys.directory.people.get(id)!.extension;
  assert.is(sys.hub.hub.record(B)!.diversion, null, 'B\'s cover ended with the absence');
  await phone(A).call('divert', { target: L });
  await waitFor(() => sys.pbx.forwardOf(ext(A)) === ext(L), 'the PBX to have A → L');
  // *72 on L's desk phone to A's extension would close a cycle
  sys.pbx.forwardFromPhone(ext(L), ext(A));
  await sys.hub.hub.reconcile();
  assert.is(sys.pbx.forwardOf(ext(L)), null, 'the cycle is reverted on the PBX');
  assert.is(sys.hub.hub.record(L)!.diversion, null);
  const refused = sys.hub.store.journal(5).find((e) => e.op === 'pbx-forward-refused');
  assert.equal(refused?.detail, { extension: ext(L), to: ext(A), code: 'diversion-cycle', rule: 'DV-4' });
  // *72 on B's desk phone to L: allowed, and now the hub's truth, shown everywhere
  sys.pbx.forwardFromPhone(ext(B), ext(L));
  await sys.hub.hub.reconcile();
  assert.equal([sys.hub.hub.record(B)!.diversion?.to, sys.hub.hub.record(B)!.diversion?.source], [L, 'pbx']);
  await waitFor(() => sys.fleet.kiosks[0]!.mirror.people.get(B)?.diversion?.to === L, 'the kiosk to show the PBX-side forward');
  assert.is(sys.pbx.forwardOf(ext(B)), ext(L), 'and the PBX keeps it');
  await phone(B).call('undivert', {});
  await phone(A).call('undivert', {});
});

e2e('PH-3: a closure registered through the admin API reaches every kiosk at once, and so does ending it early', async () => {
  const dept = sys.directory.people.get(A)!.dept;
  const end = inDays(0.1);
  const add = await http('POST', `/departments/${dept}/closures`, { start: START, end, offer: 'callback' });
  assert.is(add.status, 200, JSON.stringify(add.json));
  const id = (add.json.data as { closure: { id: string } }).closure.id;
  for (const k of sys.fleet.kiosks) await waitFor(() => k.mirror.depts.get(dept)?.closures.find((c) => c.id === id && !c.endedEarly), `${k.deviceId} to show the closure`);
  await waitFor(() => sys.fleet.kiosks[0]!.mirror.depts.get(dept)?.openNow === false, 'the board to say closed');
  const call = await http('GET', `/calls/resolve?number=${extA}`);
  assert.is((call.json as unknown as { kind: string }).kind, 'closure');
  const ended = await http('POST', `/departments/${dept}/closures/${id}/end`);
  assert.is(ended.status, 200);
  for (const k of sys.fleet.kiosks) await waitFor(() => k.mirror.depts.get(dept)?.closures.find((c) => c.id === id && c.endedEarly), `${k.deviceId} to show it ended early`);
  await waitFor(() => sys.fleet.kiosks[0]!.mirror.depts.get(dept)?.openNow === true, 'the board to say open again');
});

e2e('admin API: no token → 401; bad JSON, bad fields and unknown ids are refused by name and change nothing', async () => {
  const revs = JSON.stringify([...sys.hub.hub.state.people.values()].map((r) => r.rev));
  assert.is((await http('PUT', `/people/${A}/diversion`, { target: L }, false)).status, 401);
  const bad = await http('PUT', `/people/${A}/diversion`, '{"target":');
  assert.equal([bad.status, bad.json.error!.code], [400, 'bad-json']);
  const field = await http('PUT', `/people/${A}/absence`, { until: 'i morgen' });
  assert.equal([field.status, field.json.error!.code, field.json.error!.field], [400, 'invalid-payload', 'until']);
  const who = await http('PUT', '/people/ghost/diversion', { target: L });
  assert.equal([who.status, who.json.error!.code], [404, 'unknown-person']);
  const where = await http('GET', '/nowhere');
  assert.is(where.status, 404);
  const dv6 = await http('PUT', `/people/${A}/absence`, { until: inDays(5) });
  assert.equal([dv6.status, dv6.json.error!.code, dv6.json.error!.rule, dv6.json.error!.field], [422, 'needs-colleague', 'DV-6', 'args.divertTo']);
  assert.is(JSON.stringify([...sys.hub.hub.state.people.values()].map((r) => r.rev)), revs, 'nothing changed');
});

e2e.run();
