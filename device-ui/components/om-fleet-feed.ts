import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ADMIN_API_PREFIX } from '../../protocol/index.js';
import type { FleetList } from '../../protocol/fleet.js';

/** Where the admin token is kept: this tab only, gone when it closes, never in the URL. */
export const TOKEN_KEY = 'omstil.adminToken';
const DEVICES = `${ADMIN_API_PREFIX}/devices`;
/** the hub holds a request this long when nothing changes (long poll) */
const WAIT_SECONDS = 25;
/** after a failure, or when the hub answered at once without news */
const RETRY_MS = 5000;
const REQUEST_TIMEOUT_MS = (WAIT_SECONDS + 10) * 1000;

export type LoginProblem = 'wrong-token' | 'unreachable';

/**
 * The fleet page's data: asks `/api/v1/devices` on its own origin with the admin token and
 * keeps asking. The hub answers as soon as something changes (`?after=<version>&wait=25`), so
 * a Will shows at once; when the hub cannot be reached it retries every 5 s and says since when
 * the data is (`failing`, `asOf`). A 401 drops the token: the page asks for it again.
 */
export class FleetFeedController implements ReactiveController {
  list: FleetList | null = null;
  /** local time (ms) of the last answer; the hub's clock is `list.at` at that moment */
  receivedAt = 0;
  failing = false;
  checking = false;
  problem: LoginProblem | null = null;
  private token: string | null = null;
  /** bumped to end a running loop */
  private run = 0;
  private abort: AbortController | null = null;
  private sleeper: { timer: ReturnType<typeof setTimeout>; wake: () => void } | null = null;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  get loggedIn(): boolean {
    return this.token !== null;
  }

  hostConnected(): void {
    this.token = readToken();
    if (this.token) void this.loop();
  }

  hostDisconnected(): void {
    this.halt();
  }

  /** Checks the token with one request; keeps it (sessionStorage) and starts following when the hub takes it. */
  async login(token: string): Promise<void> {
    this.halt();
    this.checking = true;
    this.problem = null;
    this.host.requestUpdate();
    const run = this.run;
    let problem: LoginProblem | null = null;
    try {
      const res = await this.fetchList(token, null);
      if (run !== this.run) return;
      if (res === 'unauthorized') problem = 'wrong-token';
      else {
        this.token = token;
        writeToken(token);
        this.accept(res);
      }
    } catch {
      problem = 'unreachable';
    }
    if (run !== this.run) return;
    this.checking = false;
    this.problem = problem;
    this.host.requestUpdate();
    if (!problem) void this.loop();
  }

  logout(problem: LoginProblem | null = null): void {
    this.halt();
    this.token = null;
    writeToken(null);
    this.list = null;
    this.failing = false;
    this.problem = problem;
    this.host.requestUpdate();
  }

  private async loop(): Promise<void> {
    const run = ++this.run;
    while (run === this.run && this.token) {
      const started = Date.now();
      // after a failure, ask without waiting: the page must not say "afbrudt" a moment longer than it has to
      const version = this.failing ? null : (this.list?.version ?? null);
      try {
        const res = await this.fetchList(this.token, version);
        if (run !== this.run) return;
        if (res === 'unauthorized') return this.logout('wrong-token'); // e.g. the hub was given a new token
        this.accept(res);
        this.host.requestUpdate();
        // the hub answered at once without news (too many pages waiting): ask again a little later
        if (res.version === version && Date.now() - started < 1000) await this.sleep(RETRY_MS);
      } catch {
        if (run !== this.run) return;
        this.failing = true;
        this.host.requestUpdate();
        await this.sleep(RETRY_MS);
      }
    }
  }

  private accept(list: FleetList): void {
    this.list = list;
    this.receivedAt = Date.now();
    this.failing = false;
  }

  private async fetchList(token: string, after: number | null): Promise<FleetList | 'unauthorized'> {
    const abort = new AbortController();
    this.abort = abort;
    const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    try {
      const query = after === null ? '' : `?after=${after}&wait=${WAIT_SECONDS}`;
      const res = await fetch(`${DEVICES}${query}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, cache: 'no-store', signal: abort.signal });
      if (res.status === 401) return 'unauthorized';
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return (await res.json()) as FleetList;
    } finally {
      clearTimeout(timer);
      if (this.abort === abort) this.abort = null;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeper = null;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeper = { timer, wake };
    });
  }

  /** Ends the running loop, its request and its pause. */
  private halt(): void {
    this.run++;
    this.abort?.abort();
    this.abort = null;
    this.sleeper?.wake();
  }
}

function readToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function writeToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token lives as long as the page
  }
}
