/**
 * The routing endpoint (RT-2, PH-2, PH-3, PH-4, AS-2, PR-2) over real HTTP against a started
 * hub (embedded broker, SQLite, simulated PBX): every form of `to`, lang, at, keyword
 * matching, unknown, bad input, no token, and a directory import rebuilding the index.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { MAX_ROUTE_TO_CHARS, RouteAnswer, ROUTE_PATH, ROUTE_PATH_SHORT } from '../../../protocol/index.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';
import { clockFrom, startSystem, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';

const test = suite('broker/http/route-endpoint');

/** Monday 23 November 2026, 10:00 in Copenhagen: Borgerservice answers (08:00-18:00). */
const START = '2026-11-23T10:00:00+01:00';
let sys: TestSystem;
let base: string;
let token: string;

test.before(async () => {
  sys = await startSystem({ clock: clockFrom(START), phones: 0, kiosks: 0 });
  base = new URL(sys.hub.api!.url).origin;
  token = readFileSync(sys.hub.adminTokenFile!, 'utf8').trim();
});
test.after(async () => sys.stop());

interface ErrorReply {
  ok: false;
  error: { code: string; field?: string; rule?: string; message: string; text?: { da: string; en: string } };
}

/** GET /api/v1/route without a token; a 200 or 404 body must be a valid RouteAnswer. */
async function route(params: Record<string, string> | string): Promise<{ status: number; body: RouteAnswer; raw: string }> {
  const qs = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  const res = await fetch(`${base}${ROUTE_PATH}?${qs}`);
  const raw = await res.text();
  const json = JSON.parse(raw) as unknown;
  if (res.status === 200 || res.status === 404) {
    const parsed = RouteAnswer.safeParse(json);
    assert.ok(parsed.success, `not a RouteAnswer: ${raw}\n${parsed.success ? '' : parsed.error.message}`);
  }
  return { status: res.status, body: json as RouteAnswer, raw };
}

async function refused(qs: string): Promise<{ status: number; body: ErrorReply }> {
  const res = await fetch(`${base}${ROUTE_PATH}?${qs}`);
  return { status: res.status, body: (await res.json()) as ErrorReply };
}

async function admin(method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; json: { ok?: boolean; data?: unknown; error?: { code: string } } }> {
  const res = await fetch(`${sys.hub.api!.url}${path}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as never };
}

const person = (id: string) => sys.directory.people.get(id)!;
/** The demo's Borgerservice: the leader first, then two staff; the staff are its group number's members. */
const borgerservice = () => sys.directory.membersOf('borgerservice');
const inHours = (h: number) => new Date(Date.parse(START) + h * 3_600_000).toISOString();

test('an extension rings the person (PR-1), in Danish by default and in English on request', async () => {
  const [, bo] = borgerservice();
  const da = await route({ to: bo!.extension });
  assert.is(da.status, 200);
  const b = da.body;
  assert.equal([b.query, b.kind, b.rule, b.deptId], ['number', 'ring', 'PR-1', 'borgerservice']);
  assert.equal(b.target, { kind: 'person', id: bo!.id, name: bo!.name, deptId: 'borgerservice', number: bo!.extension });
  assert.equal(b.ring, [{ id: bo!.id, name: bo!.name, extension: bo!.extension }]);
  assert.equal(b.route, [{ kind: 'person', id: bo!.id, name: bo!.name }]);
  assert.is(b.say, b.text.da);
  assert.match(b.say, bo!.name);
  assert.equal([b.callback, b.switchboard, b.candidates], [null, null, []]);
  const en = await route({ to: bo!.extension, lang: 'en' });
  assert.is(en.body.say, en.body.text.en);
  assert.match(en.body.say, /^Putting you through to/);
});

test('a function number rings its available members (PH-4); numbers may be written with spaces and +45', async () => {
  const g = sys.directory.groups.get('borgerservice-gruppe')!;
  const { status, body } = await route({ to: g.number });
  assert.is(status, 200);
  assert.equal([body.kind, body.rule, body.target?.kind, body.target?.id], ['ring', 'PH-4', 'group', g.id]);
  assert.equal(body.ring.map((r) => r.id).sort(), [...g.members].sort());
  const spaced = await route({ to: '+45 89 15 15 15' });
  assert.equal([spaced.status, spaced.body.kind, spaced.body.rule, spaced.body.target?.id], [200, 'ring', 'DV-3', 'omstillingen']);
});

test('a department id answers on its function number, with its name as the target (PH-4)', async () => {
  const { status, body } = await route({ to: 'borgerservice' });
  assert.is(status, 200);
  assert.equal([body.query, body.kind, body.rule], ['department', 'ring', 'PH-4']);
  assert.equal(body.target, { kind: 'department', id: 'borgerservice', name: 'Borgerservice', deptId: 'borgerservice', number: sys.directory.groups.get('borgerservice-gruppe')!.number });
  assert.equal(body.route.map((h) => h.id), ['borgerservice-gruppe']);
});

test('PH-2: outside phone hours (at=) a number and a department get the outside-hours text, in the asked language', async () => {
  const night = '2026-11-23T20:00:00+01:00';
  for (const to of ['10900', 'borgerservice', '10001']) {
    const da = await route({ to, at: night });
    assert.equal([da.status, da.body.kind, da.body.rule, da.body.ring, da.body.callback], [200, 'outside-hours', 'PH-2', [], null], to);
    assert.match(da.body.say, 'uden for telefontiden');
    assert.match(da.body.say, 'Vi åbner igen');
    assert.is(da.body.at, new Date(night).toISOString());
    const en = await route({ to, at: night, lang: 'en' });
    assert.match(en.body.say, 'outside phone hours');
  }
});

test('PH-3: a closure registered through the admin API is what callers get, with a call-back due by AS-2; ended, the number rings again', async () => {
  const now = sys.hub.hub.now();
  const add = await admin('POST', '/departments/jobcenter/closures', { start: now.toISOString(), end: new Date(now.getTime() + 3_600_000).toISOString(), offer: 'callback' });
  assert.is(add.status, 200, JSON.stringify(add.json));
  const id = (add.json.data as { closure: { id: string } }).closure.id;
  const at = inHours(0.5); // Monday 10:30: due Tuesday 10:30 (one workday, AS-2)
  for (const to of ['jobcenter', sys.directory.groups.get('jobcenter-gruppe')!.number, 'ledighed']) {
    const { status, body } = await route({ to, at });
    assert.equal([status, body.kind, body.rule, body.deptId], [200, 'closure', 'PH-3', 'jobcenter'], to);
    assert.match(body.text.da, 'er lukket indtil');
    assert.match(body.text.en, 'is closed until');
    assert.equal(body.callback, { offer: 'callback', recipient: { kind: 'group', id: 'jobcenter-gruppe', name: 'Jobcenter, Regimentvej 10, fællesnummer' }, due: '2026-11-24T09:30:00.000Z', backAt: null });
  }
  assert.is((await admin('POST', `/departments/jobcenter/closures/${id}/end`)).status, 200);
  assert.is((await route({ to: 'jobcenter' })).body.kind, 'ring');
});

test('PH-5: on a registered peak day the voicebot is warned: the department\'s answers carry the peak and say it; other days and departments do not', async () => {
  const add = await admin('POST', '/departments/borgerservice/peaks', {
    id: 'aarsopgoerelse',
    from: '2026-11-23',
    to: '2026-11-24',
    text: { da: 'Årsopgørelserne er sendt ud, så der kan være ventetid', en: 'The annual tax statements have been sent, so there may be a wait' },
  });
  assert.is(add.status, 200, JSON.stringify(add.json));
  try {
    for (const to of ['borgerservice', sys.directory.groups.get('borgerservice-gruppe')!.number]) {
      const { body } = await route({ to });
      assert.equal(body.peaks.map((p) => p.id), ['aarsopgoerelse'], to);
      assert.ok(body.say.startsWith('Årsopgørelserne er sendt ud, så der kan være ventetid. '), body.say);
      const en = await route({ to, lang: 'en' });
      assert.ok(en.body.say.startsWith('The annual tax statements have been sent'), en.body.say);
    }
    // Tuesday is still inside the peak; Wednesday is not
    assert.equal((await route({ to: 'borgerservice', at: '2026-11-24T10:00:00+01:00' })).body.peaks.length, 1);
    const after = await route({ to: 'borgerservice', at: '2026-11-25T10:00:00+01:00' });
    assert.equal([after.body.peaks, after.body.say.includes('Årsopgørelserne')], [[], false]);
    // another department's callers are not warned of Borgerservice's peak
    const other = await route({ to: 'jobcenter' });
    assert.equal([other.body.deptId, other.body.peaks], ['jobcenter', []]);
  } finally {
    assert.is((await admin('DELETE', '/departments/borgerservice/peaks/aarsopgoerelse')).status, 200);
  }
  assert.equal((await route({ to: 'borgerservice' })).body.peaks, []);
});

test('PH-3: a closure whose fallback answers rings the fallback', async () => {
  const now = sys.hub.hub.now();
  const add = await admin('POST', '/departments/familie/closures', { start: now.toISOString(), end: new Date(now.getTime() + 3_600_000).toISOString(), offer: 'fallback', fallback: 'borgerservice-gruppe' });
  assert.is(add.status, 200, JSON.stringify(add.json));
  const id = (add.json.data as { closure: { id: string } }).closure.id;
  const { body } = await route({ to: 'familie' });
  assert.equal([body.kind, body.route.map((h) => h.id)], ['ring', ['familie-gruppe', 'borgerservice-gruppe']]);
  assert.match(body.say, 'Borgerservice, fællesnummer');
  await admin('POST', `/departments/familie/closures/${id}/end`);
});

test('PH-4 / AS-2: a function number with nobody available offers a message for the group, due one workday later', async () => {
  const [, bo, camilla] = borgerservice();
  for (const p of [bo!, camilla!]) {
    const set = await admin('PUT', `/people/${p.id}/absence`, { kind: 'away', until: inHours(2) });
    assert.is(set.status, 200, JSON.stringify(set.json));
  }
  const { status, body } = await route({ to: '10900', at: '2026-11-23T11:00:00+01:00' });
  assert.equal([status, body.kind, body.rule, body.ring], [200, 'message', 'PH-4', []]);
  assert.equal(body.callback, { offer: 'message', recipient: { kind: 'group', id: 'borgerservice-gruppe', name: 'Borgerservice, fællesnummer' }, due: '2026-11-24T10:00:00.000Z', backAt: null });
  assert.match(body.say, 'Læg en besked');
  // the department says the same; a person who is away gets back-at with the message (AS-1)
  assert.is((await route({ to: 'borgerservice', at: '2026-11-23T11:00:00+01:00' })).body.kind, 'message');
  const one = await route({ to: bo!.extension, at: '2026-11-23T11:00:00+01:00' });
  assert.equal([one.body.kind, one.body.callback?.recipient.id, one.body.callback?.backAt], ['message', bo!.id, new Date(inHours(2)).toISOString()]);
  for (const p of [bo!, camilla!]) assert.is((await admin('DELETE', `/people/${p.id}/absence`)).status, 200);
  assert.is((await route({ to: '10900' })).body.kind, 'ring');
});

test('RT-2: keywords match department tasks, case- and accent-insensitively, Danish letters or not', async () => {
  const forms: [string, string, string][] = [
    ['kørekort', 'borgerservice', 'kørekort'],
    ['Kørekort', 'borgerservice', 'kørekort'],
    ['KØREKORT', 'borgerservice', 'kørekort'],
    ['koerekort', 'borgerservice', 'kørekort'],
    ['korekort', 'borgerservice', 'kørekort'],
    ['pas', 'borgerservice', 'pas'],
    ['PAS', 'borgerservice', 'pas'],
    ['byggetilladelse', 'miljo-teknik', 'byggetilladelse'],
    ['Byggetilladelse ', 'miljo-teknik', 'byggetilladelse'],
    ['BØRNESAGER', 'familie', 'børnesager'],
    ['bornesager', 'familie', 'børnesager'],
    ['Hjælpemidler', 'social-arbejdsmarked', 'hjælpemidler'],
    ['hjaelpemidler', 'social-arbejdsmarked', 'hjælpemidler'],
    ['urnenedsættelse', 'kirkegaard', 'urnenedsættelse'],
    ['tale-høre', 'ppr', 'tale-høre'],
    ['Jobcenter', 'jobcenter', 'jobcenter'], // its id, written as a word
    // a compound's head and a sentence's word
    ['tilladelse', 'miljo-teknik', 'byggetilladelse'],
    ['jeg skal forny mit pas', 'borgerservice', 'pas'],
  ];
  for (const [to, dept, matched] of forms) {
    const { status, body } = await route({ to });
    assert.is(status, 200, to);
    assert.equal([body.query, body.deptId, body.matched, body.target?.kind], ['keyword', dept, matched, 'department'], to);
    assert.is(body.kind, 'ring', to);
  }
});

test('RT-2: a keyword answers with the best match resolved plus the other candidates, name and number', async () => {
  const { body } = await route({ to: 'kørekort' });
  const holder = sys.directory.data.people.find((p) => p.competencies.includes('kørekort'))!;
  // the department's function number first (PH-4), the person who knows about it offered too
  assert.equal(body.target?.id, 'borgerservice');
  assert.ok(body.candidates.some((c) => c.kind === 'person' && c.id === holder.id && c.number === holder.extension && c.matched === 'kørekort'), JSON.stringify(body.candidates));
  // a word shared by many: the best one rings, the next are offered (at most 5)
  const many = await route({ to: 'fællesnummer' });
  assert.equal([many.body.target?.kind, many.body.candidates.length], ['group', 5]);
  assert.ok(many.body.candidates.every((c) => c.kind === 'group' && c.number !== null));
});

test('RT-1: a sensitive department\'s personal extensions are never given out: its function number answers', async () => {
  const { body } = await route({ to: 'misbrug' });
  assert.equal([body.deptId, body.kind], ['misbrugscenter', 'ring']);
  assert.ok(body.ring.length > 0);
  assert.ok(body.ring.every((r) => r.extension === null), JSON.stringify(body.ring));
  assert.not.ok(body.candidates.some((c) => c.kind === 'person'), JSON.stringify(body.candidates));
  for (const p of sys.directory.membersOf('misbrugscenter')) assert.not.match(JSON.stringify(body), p.extension);
});

test('unknown number or keyword: 404 with a text in both languages and the switchboard\'s number', async () => {
  const number = await route({ to: '99999' });
  assert.equal([number.status, number.body.query, number.body.kind, number.body.rule], [404, 'number', 'unknown', 'RT-1']);
  assert.equal(number.body.switchboard, { name: 'Omstillingen', number: '89151515' });
  assert.match(number.body.text.da, 'Nummeret findes ikke');
  assert.match(number.body.say, '89151515');
  const word = await route({ to: 'rumfærge', lang: 'en' });
  assert.equal([word.status, word.body.query, word.body.kind, word.body.rule], [404, 'keyword', 'unknown', 'RT-2']);
  assert.is(word.body.say, word.body.text.en);
  assert.match(word.body.say, 'Call Omstillingen on 89151515');
  assert.equal([word.body.ring, word.body.candidates, word.body.target], [[], [], null]);
});

test('bad input: 400 naming the field, with a text, in the admin API\'s error shape; never a crash', async () => {
  const cases: [string, string][] = [
    ['', 'to'],
    ['to=', 'to'],
    ['to=%20%20', 'to'],
    [`to=${'a'.repeat(MAX_ROUTE_TO_CHARS + 1)}`, 'to'],
    ['to=pas&to=10900', 'to'],
    ['to=pas&lang=de', 'lang'],
    ['to=pas&lang=', 'lang'],
    ['to=pas&lang=da&lang=en', 'lang'],
    ['to=pas&at=i%20morgen', 'at'],
    ['to=pas&at=2026-11-23T10:00:00', 'at'], // no offset
    ['to=pas&at=2026-13-45T10:00:00Z', 'at'],
    ['to=pas&at=', 'at'],
  ];
  for (const [qs, field] of cases) {
    const { status, body } = await refused(qs);
    assert.is(status, 400, qs);
    assert.equal([body.ok, body.error.code, body.error.field], [false, 'invalid-payload', field], qs);
    assert.ok(body.error.text?.da && body.error.text.en, qs);
  }
  // the longest allowed `to` is read (and matches nothing)
  assert.is((await route({ to: 'x'.repeat(MAX_ROUTE_TO_CHARS) })).status, 404);
  // odd but harmless input is a keyword that matches nothing
  for (const to of ['%%%', '<speak>', '\u0000', '😀', '../../etc']) assert.is((await route({ to })).status, 404, to);
  const post = await fetch(`${base}${ROUTE_PATH}?to=pas`, { method: 'POST' });
  assert.equal([post.status, post.headers.get('allow')], [405, 'GET']);
  // the hub still answers
  assert.is((await route({ to: 'pas' })).status, 200);
});

test('PR-2: an absence reason never appears, whichever way the absent person is reached', async () => {
  const [lea, , camilla] = borgerservice();
  const reason = 'Hemmelig-grund-4711';
  const set = await admin('PUT', `/people/${camilla!.id}/absence`, { until: inHours(24 * 7), reason, divertTo: lea!.id });
  assert.is(set.status, 200, JSON.stringify(set.json));
  // the hub has the reason (for the person's own phone and their leader's) ...
  assert.is(sys.hub.hub.record(camilla!.id)?.absenceReason, reason);
  // ... the admin API does not give it back (PR-2: not the employee, not their leader) ...
  const own = await admin('GET', `/people/${camilla!.id}`);
  assert.is(own.status, 200);
  assert.not.match(JSON.stringify(own.json), reason);
  assert.is((own.json as { absenceReason: unknown }).absenceReason, null);
  assert.equal([(own.json as { presence: unknown }).presence, (own.json as { ownDiversion: { to: string } }).ownDiversion?.to], ['absent', lea!.id], 'the rest of the own view is there');
  // ... and no routing answer carries it
  const queries: Record<string, string>[] = [
    { to: camilla!.extension },
    { to: camilla!.extension, lang: 'en' },
    { to: camilla!.extension, at: '2026-11-23T20:00:00+01:00' },
    { to: '10900' },
    { to: 'borgerservice' },
    ...camilla!.competencies.map((to) => ({ to })),
  ];
  for (const q of queries) {
    const { status, raw } = await route(q);
    assert.is(status, 200);
    assert.not.match(raw, reason, JSON.stringify(q));
    assert.not.match(raw, /reason|årsag/i, JSON.stringify(q));
  }
  const diverted = await route({ to: camilla!.extension });
  assert.equal([diverted.body.kind, diverted.body.rule, diverted.body.route.map((h) => h.id)], ['ring', 'DV-4', [camilla!.id, lea!.id]]);
  assert.is((await admin('DELETE', `/people/${camilla!.id}/absence`)).status, 200);
});

test('no admin token needed (a wrong one is ignored); the admin endpoints still need it', async () => {
  const bare = await fetch(`${base}${ROUTE_PATH}?to=pas`);
  assert.is(bare.status, 200);
  const wrong = await fetch(`${base}${ROUTE_PATH}?to=pas`, { headers: { authorization: 'Bearer wrong' } });
  assert.is(wrong.status, 200);
  assert.is((await admin('GET', '/calls/resolve?number=10900', undefined, false)).status, 401);
  assert.is((await admin('GET', `/people/${borgerservice()[0]!.id}`, undefined, false)).status, 401);
  assert.is((await admin('PUT', `/people/${borgerservice()[0]!.id}/diversion`, { target: 'borgerservice-gruppe' }, false)).status, 401);
  assert.is((await admin('GET', '/calls/resolve?number=10900')).status, 200);
});

test('keep-alive: one connection serves many requests', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<{ reused: boolean; connection: string | undefined }>((resolve, reject) => {
      const req = http.get(`${base}${ROUTE_PATH}?to=10900`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ reused: req.reusedSocket, connection: res.headers.connection }));
      });
      req.on('error', reject);
    });
  try {
    const first = await get();
    const second = await get();
    const third = await get();
    assert.equal([first.connection, first.reused, second.reused, third.reused], ['keep-alive', false, true, true]);
  } finally {
    agent.destroy();
  }
});

test('RT-1: an imported directory is searched at once (new index); a department without a function number rings its available people, PH-2 outside its hours', async () => {
  assert.is((await route({ to: 'navneændring' })).status, 404);
  const data = demoDirectory({ peoplePerDept: 3, kiosks: 2 });
  data.departments.push({ id: 'vielser', name: 'Vielseskontoret', phoneHours: 'Mo-Fr 09:00-12:00; PH off', tasks: ['vielse', 'navneændring'], sensitive: false, switchboardAgreement: false, callbackWorkdays: 2, web: null, digitalMail: true });
  data.departments.push({ id: 'tomt', name: 'Det tomme kontor', phoneHours: 'Mo-Fr 09:00-12:00; PH off', tasks: [], sensitive: false, switchboardAgreement: false, callbackWorkdays: 1, web: null, digitalMail: true });
  const staff = (id: string, name: string, ext: string, leader: string | null) => ({ id, name, title: null, dept: 'vielser', extension: ext, leader, preferred: [], competencies: [], caseSplit: null, autoDivertMeetings: false, role: 'employee' as const });
  data.people.push(staff('vera-vie', 'Vera Vie', '30000', null), staff('viggo-vie', 'Viggo Vie', '30001', 'vera-vie'));
  // a task that is gone is no longer found
  data.departments.find((d) => d.id === 'kirkegaard')!.tasks = ['gravsted', 'begravelse'];
  for (const p of data.people) p.competencies = p.competencies.filter((c) => c !== 'urnenedsættelse');
  sys.hub.store.saveDirectory(data, 'test', sys.hub.hub.now());
  await waitFor(async () => (await fetch(`${base}${ROUTE_PATH}?to=navne%C3%A6ndring`)).status === 200, 'the import to be searchable', 5000, 50);

  const open = await route({ to: 'NAVNEAENDRING', at: '2026-11-23T10:00:00+01:00' });
  assert.equal([open.body.kind, open.body.rule, open.body.target?.kind, open.body.target?.id, open.body.target?.number], ['ring', 'PH-4', 'department', 'vielser', null]);
  assert.equal(open.body.ring.map((r) => r.id).sort(), ['vera-vie', 'viggo-vie']);
  const byId = await route({ to: 'vielser', at: '2026-11-23T13:00:00+01:00' });
  assert.equal([byId.body.query, byId.body.kind, byId.body.rule], ['department', 'outside-hours', 'PH-2']);
  assert.match(byId.body.say, 'Du har ringet til Vielseskontoret uden for telefontiden');
  assert.is((await route({ to: 'urnenedsættelse' })).status, 404);
  // nobody there: a message for the leader, due two workdays later (the department's AS-2 setting)
  for (const id of ['vera-vie', 'viggo-vie']) assert.is((await admin('PUT', `/people/${id}/absence`, { kind: 'away', until: inHours(2) })).status, 200);
  const busy = await route({ to: 'vielse', at: '2026-11-23T11:00:00+01:00' });
  assert.equal([busy.body.kind, busy.body.callback?.recipient.id, busy.body.callback?.due], ['message', 'vera-vie', '2026-11-25T10:00:00.000Z']);
  // a department with nobody in it takes the message itself: never silence (PH-4)
  const empty = await route({ to: 'tomt', at: '2026-11-23T11:00:00+01:00' });
  assert.equal([empty.body.kind, empty.body.callback?.recipient], ['message', { kind: 'department', id: 'tomt', name: 'Det tomme kontor' }]);
});

test('the short path /api/route (as PBX and IVR configurations write it) answers the same', async () => {
  const qs = new URLSearchParams({ to: 'pas', at: '2026-11-23T10:00:00+01:00' }).toString();
  const long = await route(qs);
  const res = await fetch(`${base}${ROUTE_PATH_SHORT}?${qs}`);
  assert.is(res.status, long.status);
  assert.equal(JSON.parse(await res.text()), long.body);
});

test.run();
