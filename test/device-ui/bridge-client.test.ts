import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ScreenToBridge } from '../../protocol/index.js';
import { BridgeClient, type RequestResult, type SocketHandlers, type Timers } from '../../device-ui/bridge-client.js';
import { own, person, phoneView } from './fixtures.js';

/** A clock whose timers run only when the test advances it. */
class FakeTimers implements Timers {
  now = 0;
  private next = 1;
  readonly queue = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.queue.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.queue.delete(h as number);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.queue.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.queue.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = end;
  }
  /** ms until the next timer fires */
  nextIn(): number | null {
    const ats = [...this.queue.values()].map((t) => t.at - this.now);
    return ats.length ? Math.min(...ats) : null;
  }
}

class FakeSocket {
  sent: string[] = [];
  closed = false;
  constructor(
    readonly url: string,
    readonly on: SocketHandlers,
  ) {}
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
  }
}

function setup() {
  const timers = new FakeTimers();
  const sockets: FakeSocket[] = [];
  const client = new BridgeClient({
    url: 'ws://device.local/bridge/phone-1',
    timers,
    random: () => 0.5, // no jitter
    socket: (url, on) => {
      const s = new FakeSocket(url, on);
      sockets.push(s);
      return s;
    },
  });
  const last = () => sockets[sockets.length - 1]!;
  return { timers, sockets, client, last };
}

const view = phoneView(own(person('anna-holm')), [person('bo-berg')]);
const flush = () => new Promise((r) => setImmediate(r));

const t = suite('device-ui/bridge-client');

t('connects on start, reports the link and validated views', () => {
  const { client, sockets, last } = setup();
  const seen: boolean[] = [];
  client.subscribe((s) => seen.push(s.linkUp));
  client.start();
  assert.is(sockets.length, 1);
  assert.is(last().url, 'ws://device.local/bridge/phone-1');
  assert.is(client.linkUp, false);
  last().on.open();
  assert.is(client.linkUp, true);
  last().on.message(JSON.stringify({ t: 'view', view }));
  assert.equal(client.view, view);
  assert.equal(seen, [true, true]);
  client.stop();
});

t('drops frames that are not valid bridge messages', () => {
  const { client, last } = setup();
  client.start();
  last().on.open();
  last().on.message(JSON.stringify({ t: 'view', view }));
  last().on.message('not json');
  last().on.message(JSON.stringify({ t: 'view', view: { ...view, connected: 'yes' } }));
  last().on.message(JSON.stringify({ t: 'view', view: { ...view, people: [{ ...view.people[0], absenceReason: 'Sygdom' }] } }));
  assert.is(client.badMessages, 3);
  assert.equal(client.view, view);
  client.stop();
});

t('request: a valid req frame, answered by its id', async () => {
  const { client, last } = setup();
  client.start();
  last().on.open();
  const p = client.request('divert', { target: 'bo-berg' });
  const frame = JSON.parse(last().sent[0]!);
  assert.ok(ScreenToBridge.safeParse(frame).success, JSON.stringify(frame));
  assert.equal({ t: frame.t, op: frame.op, args: frame.args }, { t: 'req', op: 'divert', args: { target: 'bo-berg' } });
  last().on.message(JSON.stringify({ t: 'res', id: 'someone-else', ok: true }));
  last().on.message(JSON.stringify({ t: 'res', id: frame.id, ok: true }));
  assert.equal(await p, { ok: true });
  client.stop();
});

t('request: the hub error is passed on as it came', async () => {
  const { client, last } = setup();
  client.start();
  last().on.open();
  const p = client.request('divert', { target: 'omstillingen' });
  const { id } = JSON.parse(last().sent[0]!);
  const error = { code: 'switchboard-diversion', rule: 'DV-3', message: 'no agreement' };
  last().on.message(JSON.stringify({ t: 'res', id, ok: false, error }));
  assert.equal(await p, { ok: false, error });
  client.stop();
});

t('request ids are unique', () => {
  const { client, last } = setup();
  client.start();
  last().on.open();
  void client.request('undivert', {});
  void client.request('undivert', {});
  const ids = last().sent.map((s) => JSON.parse(s).id);
  assert.is(new Set(ids).size, 2);
  client.stop();
});

t('request: no answer in 10 s is a local timeout', async () => {
  const { client, last, timers } = setup();
  client.start();
  last().on.open();
  let result: RequestResult | null = null;
  void client.request('decline-diversion', { from: 'bo-berg' }).then((r) => (result = r));
  timers.advance(9_999);
  await flush();
  assert.is(result, null);
  timers.advance(1);
  await flush();
  assert.is((result as RequestResult | null)?.ok, false);
  assert.is((result as unknown as { error: { code: string } }).error.code, 'timeout');
  client.stop();
});

t('request while the bridge is down fails at once as offline', async () => {
  const { client } = setup();
  client.start();
  const r = await client.request('undivert', {});
  assert.equal(r.ok ? null : r.error.code, 'offline');
  client.stop();
});

t('losing the bridge: link down, waiting requests fail, view kept, reconnect with growing backoff', async () => {
  const { client, sockets, last, timers } = setup();
  client.start();
  last().on.open();
  last().on.message(JSON.stringify({ t: 'view', view }));
  const p = client.request('undivert', {});
  last().on.close();
  assert.is(client.linkUp, false);
  assert.is(client.failures, 1);
  assert.equal(client.view, view, 'the last view stays for the banner to age');
  const r = await p;
  assert.equal(r.ok ? null : r.error.code, 'offline');

  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    delays.push(timers.nextIn()!);
    timers.advance(timers.nextIn()!);
    last().on.close();
  }
  assert.equal(delays, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  assert.is(sockets.length, 9);
  timers.advance(timers.nextIn()!);
  assert.is(sockets.length, 10);
  last().on.open();
  assert.is(client.failures, 0);
  assert.is(client.linkUp, true);
  client.stop();
});

t('events of a replaced socket are ignored', () => {
  const { client, sockets, timers } = setup();
  client.start();
  const first = sockets[0]!;
  first.on.close();
  timers.advance(1_000);
  const second = sockets[1]!;
  second.on.open();
  first.on.message(JSON.stringify({ t: 'view', view }));
  first.on.close();
  assert.is(client.view, null);
  assert.is(client.linkUp, true);
  client.stop();
});

t('stop closes the socket, clears every timer and does not reconnect', async () => {
  const { client, last, timers, sockets } = setup();
  client.start();
  last().on.open();
  const p = client.request('undivert', {});
  client.stop();
  assert.ok(last().closed);
  assert.is(timers.queue.size, 0);
  const r = await p;
  assert.equal(r.ok ? null : r.error.code, 'offline');
  timers.advance(60_000);
  assert.is(sockets.length, 1);
});

t('a socket that cannot even be created counts as a failure and is retried', () => {
  const timers = new FakeTimers();
  let calls = 0;
  const client = new BridgeClient({
    url: 'ws://x/bridge/p',
    timers,
    random: () => 0.5,
    socket: () => {
      calls++;
      throw new Error('SecurityError');
    },
  });
  client.start();
  assert.is(client.failures, 1);
  timers.advance(500);
  assert.is(calls, 2);
  client.stop();
  assert.is(timers.queue.size, 0);
});

t.run();
