/**
 * The load generator for bench/route-endpoint.ts, run as a second process (forked with an IPC
 * channel) so its work does not share the hub's event loop. Open loop: request i is sent at
 * t0 + i / rate whatever happened to the earlier ones. HTTP/1.1 over keep-alive connections,
 * one request at a time per connection (a new connection opens when all are busy); written
 * directly on the socket so the generator's own overhead stays out of the figures. Each
 * request's latency runs from writing it to having read its whole response.
 */
import net from 'node:net';

export interface LoadCommand {
  t: 'run';
  /** origin of the hub's admin API, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** path and query of each request in order, with the status it must get */
  requests: { path: string; status: number }[];
  /** requests per second */
  rate: number;
  /** the first this many requests are not measured (JIT, connections) */
  warmup: number;
}

export interface LoadResult {
  t: 'done';
  /** latency of each measured request that got its expected status, µs */
  samples: number[];
  /** send time minus planned send time, µs: how well the pacing held */
  lag: number[];
  /** measured requests completed per second of wall time */
  rps: number;
  measured: number;
  /** transport errors, malformed responses and unexpected statuses (measured requests only) */
  errors: number;
  statuses: Record<string, number>;
  /** connections opened */
  connections: number;
  firstError: string | null;
}

interface InFlight {
  index: number;
  sentAt: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection: a request is written, its response read (Content-Length framed), then the next. */
class Connection {
  readonly socket: net.Socket;
  busy: InFlight | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private closed = false;

  constructor(host: string, port: number, private readonly onDone: (c: Connection, f: InFlight, status: number | null, error: string | null) => void) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk) => this.read(chunk));
    this.socket.on('error', (err) => this.fail(err.message));
    this.socket.on('close', () => this.fail('connection closed'));
  }

  send(f: InFlight, request: string): void {
    this.busy = f;
    this.socket.write(request);
  }

  get usable(): boolean {
    return !this.closed && this.busy === null;
  }

  private read(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const total = length ? end + 4 + Number(length[1]) : /\r\ntransfer-encoding: *chunked/i.test(head) ? chunkedEnd(this.buf, end + 4) : -2;
    if (total === -2) return this.fail('response framing not understood (neither content-length nor chunked)');
    if (total < 0 || this.buf.length < total) return; // not all there yet
    if (this.buf.length > total) return this.fail('bytes after the response');
    const status = Number(head.slice(9, 12));
    this.buf = Buffer.alloc(0);
    const f = this.busy;
    this.busy = null;
    if (f) this.onDone(this, f, status, null);
  }

  private fail(error: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const f = this.busy;
    this.busy = null;
    if (f) this.onDone(this, f, null, error);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/** Where a chunked body that starts at `from` ends (after its last chunk), or -1 when it is not all there yet. */
function chunkedEnd(buf: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const eol = buf.indexOf('\r\n', at, 'latin1');
    if (eol < 0) return -1;
    const size = parseInt(buf.toString('latin1', at, eol), 16);
    if (Number.isNaN(size)) return -2;
    if (size === 0) return buf.length >= eol + 4 ? eol + 4 : -1; // no trailers
    at = eol + 2 + size + 2;
    if (at > buf.length) return -1;
  }
}

function run(cmd: LoadCommand): Promise<LoadResult> {
  const { hostname, port } = new URL(cmd.origin);
  const host = hostname.replace(/^\[|\]$/g, '');
  const interval = 1000 / cmd.rate;
  const total = cmd.requests.length;
  const wire = cmd.requests.map((r) => `GET ${r.path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
  const samples: number[] = [];
  const lag: number[] = [];
  const statuses: Record<string, number> = {};
  const pool: Connection[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let done = 0;
  let sent = 0;
  let firstSend = 0;
  let lastEnd = 0;
  let connections = 0;
  return new Promise((resolve) => {
    const onDone = (_c: Connection, f: InFlight, status: number | null, error: string | null) => {
      const t1 = performance.now();
      const req = cmd.requests[f.index]!;
      if (f.index >= cmd.warmup) {
        lastEnd = Math.max(lastEnd, t1);
        if (status !== null) statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
        if (status === req.status) samples.push((t1 - f.sentAt) * 1000);
        else {
          errors++;
          firstError ??= `${req.path}: ${error ?? `status ${status}, expected ${req.status}`}`;
        }
      }
      if (++done === total) {
        for (const c of pool) c.close();
        const measured = total - cmd.warmup;
        resolve({ t: 'done', samples, lag, rps: measured / ((lastEnd - firstSend) / 1000), measured, errors, statuses, connections, firstError });
      }
    };
    const fire = (i: number, planned: number) => {
      let conn = pool.find((c) => c.usable);
      if (!conn) {
        conn = new Connection(host, Number(port), onDone);
        pool.push(conn);
        connections++;
      }
      const t0 = performance.now();
      if (i >= cmd.warmup) {
        if (i === cmd.warmup) firstSend = t0;
        lag.push((t0 - planned) * 1000);
      }
      conn.send({ index: i, sentAt: t0 }, wire[i]!);
    };
    const start = performance.now() + 5;
    const tick = () => {
      const now = performance.now();
      // every request whose time has come goes now; pacing does not wait for replies
      while (sent < total && start + sent * interval <= now) {
        fire(sent, start + sent * interval);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    setTimeout(tick, 5);
  });
}

process.on('message', (m: LoadCommand | { t: 'stop' }) => {
  if (m.t === 'stop') process.exit(0);
  void run(m).then((result) => process.send!(result));
});
process.send!({ t: 'ready' });
