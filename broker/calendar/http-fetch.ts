/**
 * A small `fetch` on `node:http` / `node:https` for the CalDAV adapter (tsdav takes a custom
 * `fetch`). Why not the global (undici) fetch: a calendar poll is one small request, mostly on a
 * fresh connection (Radicale speaks HTTP/1.0 and closes every one), and there undici's fetch
 * costs the hub ~1.2–2 ms CPU per request against ~0.3–0.5 ms for `http.request` (measured with
 * `process.cpuUsage()` over hundreds of sync-collection REPORTs of an unchanged calendar on a
 * loopback Radicale; bench/calendar.ts shows what it means for 500 calendars).
 *
 * It is a fetch only as far as tsdav and the adapter need one:
 * - request: a string or byte body, headers as an object, a `Headers` or pairs, `signal`;
 *   redirects are followed (at most 5; the credentials stay on the origin that got them);
 * - answer: `status`, `statusText`, `ok`, `url`, `headers.get/has/forEach`, and a body read in
 *   full before the promise resolves: `text()`, `arrayBuffer()`, `json()` (each as often as
 *   wanted), plus `bodyBytes`, the body's size as it came over the wire (compressed);
 * - it asks for gzip and unpacks it with zlib (deflate too, should a server send it); a body
 *   over `MAX_BODY_BYTES`, packed or unpacked, is an error, as is an encoding it cannot unpack.
 * Connections are kept alive where the server allows it (one agent per protocol); a request
 * that finds a kept connection closed under it (ECONNRESET on a reused socket) is sent once
 * more if its method is idempotent, as Node's documentation advises.
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/** more than any calendar the hub should take in one answer */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 5;
/** below this a gzip body is unpacked synchronously (cheaper than the thread pool's round trip) */
const SYNC_INFLATE_BYTES = 256 * 1024;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PROPFIND', 'REPORT']);

const agents = {
  'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5_000 }),
  'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5_000 }),
};

/** The header view of a `BufferedResponse` (lower-case names, as node:http gives them). */
export class HeaderView {
  constructor(private readonly raw: Readonly<Record<string, string | string[] | undefined>>) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  forEach(fn: (value: string, name: string) => void): void {
    for (const name of Object.keys(this.raw)) {
      const v = this.get(name);
      if (v !== null) fn(v, name);
    }
  }
}

/**
 * An answer whose body has been read: what tsdav and the adapter use of a `Response`.
 * The body can be read any number of times (the adapter looks at it before tsdav parses it).
 */
export class BufferedResponse {
  readonly ok: boolean;
  readonly redirected = false;
  readonly bodyUsed = false;
  private decoded: string | undefined;
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly url: string,
    readonly headers: { get(name: string): string | null; has(name: string): boolean; forEach(fn: (value: string, name: string) => void): void },
    private readonly body: Uint8Array,
    /** the body's size as received (before unpacking) */
    readonly bodyBytes: number,
  ) {
    this.ok = status >= 200 && status <= 299;
  }
  async text(): Promise<string> {
    return this.textSync();
  }
  /** as `text()`, without the promise; UTF-8, a leading BOM dropped (as `Response.text()`) */
  textSync(): string {
    if (this.decoded === undefined) {
      const b = this.body;
      const start = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
      this.decoded = Buffer.from(b.buffer, b.byteOffset + start, b.byteLength - start).toString('utf8');
    }
    return this.decoded;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.body.buffer.slice(this.body.byteOffset, this.body.byteOffset + this.body.byteLength) as ArrayBuffer;
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.textSync());
  }
  /** as a `Response` for code typed against fetch; only the members above are there */
  asResponse(): Response {
    return this as unknown as Response;
  }
}

/** An error of the transport, with node's `code` (ECONNREFUSED, …) where it has one. */
class HttpFetchError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpFetchError';
  }
}

/** `fetch` on node:http (see the file comment); the answer is a `BufferedResponse`. */
export const httpFetch: typeof fetch = async (input, init) => (await httpRequest(input, init)).asResponse();

/** As `httpFetch`, typed as what it returns. */
export async function httpRequest(input: string | URL | Request, init: RequestInit = {}): Promise<BufferedResponse> {
  if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('httpFetch takes a URL, not a Request');
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw abortError(signal);
  let url = new URL(input);
  let method = (init.method ?? 'GET').toUpperCase();
  let body = requestBody(init.body);
  const headers = requestHeaders(init.headers);
  if (!('accept-encoding' in headers)) headers['accept-encoding'] = 'gzip';
  for (let hop = 0; ; hop++) {
    const res = await sendOnce(url, method, headers, body, signal, IDEMPOTENT.has(method));
    const location = res.headers.get('location');
    if (!(res.status === 301 || res.status === 302 || res.status === 303 || res.status === 307 || res.status === 308) || location === null) return res;
    if (hop >= MAX_REDIRECTS) throw new HttpFetchError(`more than ${MAX_REDIRECTS} redirects (${url.href})`);
    const next = new URL(location, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new HttpFetchError(`redirect to ${next.protocol} (${url.href})`);
    if (next.origin !== url.origin) {
      delete headers.authorization;
      delete headers.cookie;
    }
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      delete headers['content-type'];
    }
    url = next;
  }
}

function requestBody(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('httpFetch takes a string or bytes as the request body');
}

function requestHeaders(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (Array.isArray(h)) for (const [k, v] of h) out[String(k).toLowerCase()] = String(v);
  else if (typeof (h as Headers).forEach === 'function') (h as Headers).forEach((v, k) => (out[k.toLowerCase()] = v));
  else for (const [k, v] of Object.entries(h as Record<string, string>)) if (v !== undefined) out[k.toLowerCase()] = String(v);
  return out;
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}

async function sendOnce(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, signal: AbortSignal | undefined, mayRetry: boolean): Promise<BufferedResponse> {
  try {
    return await exchange(url, method, headers, body, signal);
  } catch (err) {
    if (mayRetry && err instanceof StaleSocket) return exchange(url, method, headers, body, signal);
    throw err instanceof StaleSocket ? err.reason : err;
  }
}

/** A kept-alive connection the server had closed: the request never reached it. */
class StaleSocket extends Error {
  constructor(readonly reason: unknown) {
    super('stale socket');
  }
}

function exchange(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, signal: AbortSignal | undefined): Promise<BufferedResponse> {
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') return Promise.reject(new TypeError(`httpFetch: ${url.protocol} is not HTTP`));
  return new Promise<BufferedResponse>((resolve, reject) => {
    let settled = false;
    const finish = (err: unknown, res?: BufferedResponse) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err !== null) reject(err);
      else resolve(res!);
    };
    const onAbort = () => {
      req.destroy();
      finish(abortError(signal!));
    };
    const options: http.RequestOptions = {
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port || undefined,
      path: url.pathname + url.search,
      method,
      headers: body !== undefined ? { ...headers, 'content-length': String(body.byteLength) } : headers,
      agent: agents[secure ? 'https:' : 'http:'],
    };
    if (url.username || url.password) options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    const req = (secure ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_BODY_BYTES) {
          req.destroy();
          finish(new HttpFetchError(`the answer is larger than ${MAX_BODY_BYTES} bytes (${url.href})`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (err) => finish(err));
      // a body cut short (the connection closed before Content-Length or the last chunk)
      res.on('close', () => {
        if (!res.complete) finish(new HttpFetchError(`the connection closed before the whole answer came (${url.href})`, 'ECONNRESET'));
      });
      res.on('end', () => {
        if (settled) return;
        const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
        unpack(raw, res.headers['content-encoding']).then(
          (data) => finish(null, new BufferedResponse(res.statusCode ?? 0, res.statusMessage ?? '', url.href, new HeaderView(res.headers), data, received)),
          (err: unknown) => finish(err),
        );
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish(req.reusedSocket && err.code === 'ECONNRESET' ? new StaleSocket(err) : err));
    signal?.addEventListener('abort', onAbort, { once: true });
    req.end(body);
  });
}

async function unpack(raw: Buffer, encoding: string | undefined): Promise<Buffer> {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity' || raw.length === 0) return raw;
  const opts = { maxOutputLength: MAX_BODY_BYTES };
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return raw.length < SYNC_INFLATE_BYTES ? zlib.gunzipSync(raw, opts) : await gunzip(raw, opts);
    // "deflate" is meant to be zlib-wrapped; some servers send it raw
    if (enc === 'deflate') return (raw[0]! & 0x0f) === 8 ? zlib.inflateSync(raw, opts) : zlib.inflateRawSync(raw, opts);
  } catch (err) {
    throw new HttpFetchError(`the answer could not be unpacked (${enc}): ${(err as Error).message}`, (err as NodeJS.ErrnoException).code, { cause: err });
  }
  throw new HttpFetchError(`the answer came with an encoding that was not asked for: ${enc}`);
}

function gunzip(raw: Buffer, opts: zlib.ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.gunzip(raw, opts, (err, out) => (err ? reject(err) : resolve(out))));
}
