/**
 * A stand-in for the Asterisk Manager Interface, built from the documented AMI protocol because
 * no Asterisk is available here (no package, no network). It is not Asterisk: it follows the wire
 * format and the answers of the actions omstil uses, closely enough to be a fair test partner, and
 * nothing more. Sources:
 *
 * - AMI framing and sessions — Asterisk's "AMI v2 Specification" and "Asterisk Manager Interface
 *   (AMI)" pages (docs.asterisk.org), and main/manager.c (Asterisk 13–21): the banner line
 *   `Asterisk Call Manager/<version>` CRLF; packets of `Key: Value` CRLF lines ended by an empty
 *   line (input lines must end in CRLF, as manager.c's get_input requires); keys compared
 *   case-insensitively; `Response:` first, then `ActionID:` (echoed), then `EventList:`/`Message:`;
 *   actions other than Login/Logoff/Challenge before login → `Permission denied`; an unknown action →
 *   `Invalid/unknown command: <X>. Use Action: ListCommands to show available commands.`
 * - Login (`Username`, `Secret`, `Events`) → `Authentication accepted`, or `Authentication failed`
 *   and the socket closed (manager.c sleeps 1 s first: `loginFailDelayMs`). `Events: call` limits
 *   the session to events of class call; `off` to none; absent or `on` to all.
 * - Logoff → `Response: Goodbye` / `Thanks for all the fish.`, then the socket closed. Ping →
 *   `Ping: Pong` and `Timestamp:`.
 * - AstDB (main/db.c; AMI Actions DBPut, DBGet, DBDel, DBDelTree, DBGetTree): keys stored as
 *   `/<family>/<key>`; DBGet → list ack `Result will follow` + DBGetResponse + DBGetComplete;
 *   DBGetTree (Asterisk 16.28 / 18.14 / 19.6 and later) → list ack + DBGetTreeResponse (`Key:
 *   /<family>/<key>`, `Val:`) per entry + DBGetTreeComplete with `ListItems`; DBDel of a missing key
 *   → an error (`Database entry could not be deleted` in current releases, `Database entry not
 *   found` in older ones: `dbDelMissing`); DBDelTree of nothing → `Database entry not found`.
 * - Command (`database show <family>`, printed as main/db.c does: `%-50s: %-25s` lines, then
 *   `N results found.`): Asterisk ≥ 14 answers `Response: Success` / `Message: Command output
 *   follows` / one `Output:` header per line ("Upgrading to Asterisk 14"); Asterisk ≤ 13 answers
 *   `Response: Follows` / `Privilege: Command` / ActionID, the raw lines and `--END COMMAND--`.
 * - Setvar without Channel writes a dialplan function: DEVICE_STATE(Custom:…) takes
 *   UNKNOWN | NOT_INUSE | INUSE | BUSY | INVALID | UNAVAILABLE | RINGING | RINGINUSE | ONHOLD
 *   (func_devstate); PRESENCE_STATE(CustomPresence:…) takes `<state>[,<subtype>[,<message>[,e]]]`
 *   with state not_set | unavailable | available | away | xa | chat | dnd (func_presencestate).
 *   Anything else → `Variable not set`.
 * - MailboxCount (`Mailbox: <box>@<context>`; AMI Actions MailboxCount, main/manager.c
 *   `action_mailboxcount`, Asterisk 1.6–21): no Mailbox → `Mailbox not specified`; else
 *   `Response: Success`, ActionID, `Message: Mailbox Message Count`, `Mailbox:` (as asked),
 *   `UrgMessages:` (the docs say `UrgentMessages`; the code writes `UrgMessages`), `NewMessages:`,
 *   `OldMessages:`, read from the settable `mailboxes` table (`1001@default`; a box without
 *   `@` is in `default`, as app_voicemail takes it). A box not in the table answers 0/0/0, as
 *   app_voicemail counts the files of a box that does not exist. `mailboxCountErrors` makes
 *   one box answer `Response: Error` with the given message (a knob; real Asterisk errs only
 *   without a Mailbox or a right).
 * - Events (AMI Events DialBegin, DialEnd, Hangup, BlindTransfer, AttendedTransfer) are pushed by
 *   the test with `emit()`, written as `Event:`, `Privilege: call,all`, (`Timestamp:` when
 *   `timestampEvents`), then the fields given.
 *
 * Profiles: `asterisk-20` (default; banner 9.0.0), `asterisk-16.10` (no DBGetTree; Command with
 * Output lines), `asterisk-13` (no DBGetTree; Command as Response: Follows). Knobs for trouble:
 * `refuseLogin`, `dropConnections()`, `delayMs`, `mute()` (never answer an action), `sendRaw()`
 * (garbage), `pause()`/`resume()` (stop listening). Every action received is recorded.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type FakeAmiProfile = 'asterisk-20' | 'asterisk-16.10' | 'asterisk-13';

export interface RecordedAction {
  /** the Action header as sent */
  action: string;
  /** every header, keys as sent */
  headers: Record<string, string>;
  /** which connection (1, 2, … in order of arrival) */
  session: number;
  at: number;
}

interface Session {
  id: number;
  socket: net.Socket;
  buf: string;
  authed: boolean;
  /** event classes wanted: 'all', 'none' or a set */
  events: 'all' | 'none' | Set<string>;
}

const DEVICE_STATES = new Set(['UNKNOWN', 'NOT_INUSE', 'INUSE', 'BUSY', 'INVALID', 'UNAVAILABLE', 'RINGING', 'RINGINUSE', 'ONHOLD']);
const PRESENCE_STATES = new Set(['not_set', 'unavailable', 'available', 'away', 'xa', 'chat', 'dnd']);

export class FakeAmi {
  username = 'omstil';
  secret = 'hemmelig';
  banner: string;
  /** Asterisk ≥ 16.28 / 18.14 / 19.6 */
  dbGetTree: boolean;
  /** how Command output is written */
  commandFormat: 'output' | 'follows';
  /** DBDel of a key that is not there */
  dbDelMissing: 'could-not-be-deleted' | 'not-found';
  refuseLogin = false;
  loginFailDelayMs = 0;
  /** delay before answering each action (a function gets the action; for out-of-order answers) */
  delayMs: number | ((a: RecordedAction) => number) = 0;
  /** events carry `Timestamp:` (manager.conf timestampevents=yes) */
  timestampEvents = false;
  readonly db = new Map<string, string>();
  readonly deviceStates = new Map<string, string>();
  readonly presenceStates = new Map<string, string>();
  /** app_voicemail's boxes for MailboxCount, by `<box>@<context>` */
  readonly mailboxes = new Map<string, { new: number; old: number; urgent?: number }>();
  /** MailboxCount of these boxes (`<box>@<context>`) answers `Response: Error` with this message */
  readonly mailboxCountErrors = new Map<string, string>();
  readonly actions: RecordedAction[] = [];
  /** ActionIDs in the order they were answered */
  readonly answered: string[] = [];
  logins = 0;
  connections = 0;
  private server: net.Server | null = null;
  private port = 0;
  private readonly sessions = new Set<Session>();
  private readonly muted = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly profile: FakeAmiProfile = 'asterisk-20') {
    this.banner = profile === 'asterisk-13' ? 'Asterisk Call Manager/2.10.6' : profile === 'asterisk-16.10' ? 'Asterisk Call Manager/5.0.1' : 'Asterisk Call Manager/9.0.0';
    this.dbGetTree = profile === 'asterisk-20';
    this.commandFormat = profile === 'asterisk-13' ? 'follows' : 'output';
    this.dbDelMissing = profile === 'asterisk-20' ? 'could-not-be-deleted' : 'not-found';
  }

  /** Listens on a free loopback port (or the one it had, after `pause()`); resolves to the port. */
  async start(): Promise<number> {
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.dropConnections();
    const server = this.server;
    this.server = null;
    if (server) await new Promise((r) => server.close(r));
  }

  /** Stop listening and drop every session (Asterisk restarting); `resume()` listens again on the same port. */
  async pause(): Promise<void> {
    await this.stop();
  }

  async resume(): Promise<void> {
    await this.start();
  }

  /** Drop every connection, as a crash or a network cut would. */
  dropConnections(): void {
    for (const s of this.sessions) s.socket.destroy();
    this.sessions.clear();
  }

  /** Logged-in sessions. */
  get sessionCount(): number {
    return [...this.sessions].filter((s) => s.authed).length;
  }

  /** Never answer this action (case-insensitive) until `unmute`. */
  mute(action: string): void {
    this.muted.add(action.toLowerCase());
  }
  unmute(action: string): void {
    this.muted.delete(action.toLowerCase());
  }

  /** Write bytes as they are to every connection. */
  sendRaw(data: string | Buffer): void {
    for (const s of this.sessions) s.socket.write(data);
  }

  /** Push an event of class `cls` to every logged-in session that wants that class. */
  emit(event: string, fields: Record<string, string>, cls = 'call'): void {
    const lines = [`Event: ${event}`, `Privilege: ${cls},all`];
    if (this.timestampEvents) lines.push(`Timestamp: ${(Date.now() / 1000).toFixed(6)}`);
    for (const [k, v] of Object.entries(fields)) lines.push(`${k}: ${v}`);
    const wire = lines.join('\r\n') + '\r\n\r\n';
    for (const s of this.sessions) {
      if (!s.authed || s.events === 'none') continue;
      if (s.events !== 'all' && !s.events.has(cls)) continue;
      s.socket.write(wire);
    }
  }

  /** The Setvar actions received, as [Variable, Value]. */
  setvars(): Array<[string, string]> {
    return this.actions.filter((a) => a.action.toLowerCase() === 'setvar').map((a) => [get(a.headers, 'Variable') ?? '', get(a.headers, 'Value') ?? '']);
  }

  /** The actions received with this name (case-insensitive). */
  actionsNamed(name: string): RecordedAction[] {
    return this.actions.filter((a) => a.action.toLowerCase() === name.toLowerCase());
  }

  // ---- the server ----

  private accept(socket: net.Socket): void {
    const session: Session = { id: ++this.connections, socket, buf: '', authed: false, events: 'all' };
    this.sessions.add(session);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.data(session, chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.sessions.delete(session));
    socket.write(`${this.banner}\r\n`);
  }

  private data(s: Session, chunk: string): void {
    s.buf += chunk;
    for (;;) {
      const end = s.buf.indexOf('\r\n\r\n');
      if (end < 0) break;
      const block = s.buf.slice(0, end);
      s.buf = s.buf.slice(end + 4);
      const headers: Record<string, string> = {};
      for (const line of block.split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const key = line.slice(0, colon).trim();
        if (!(key in headers)) headers[key] = line.slice(colon + 1).replace(/^\s+/, ''); // astman_get_header skips leading blanks
      }
      const action = get(headers, 'Action');
      if (action === undefined) continue; // manager.c ignores a packet without Action
      const rec: RecordedAction = { action, headers, session: s.id, at: Date.now() };
      this.actions.push(rec);
      if (this.muted.has(action.toLowerCase())) continue;
      const delay = typeof this.delayMs === 'function' ? this.delayMs(rec) : this.delayMs;
      if (delay > 0) this.later(delay, () => this.handle(s, rec));
      else this.handle(s, rec);
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private handle(s: Session, a: RecordedAction): void {
    if (s.socket.destroyed) return;
    const h = a.headers;
    const id = get(h, 'ActionID');
    const name = a.action.toLowerCase();
    const send = (lines: string[]) => {
      if (id !== undefined) this.answered.push(id);
      s.socket.write(lines.join('\r\n') + '\r\n\r\n');
    };
    const head = (response: string) => [`Response: ${response}`, ...(id !== undefined ? [`ActionID: ${id}`] : [])];
    const ok = (message: string, ...more: string[]) => send([...head('Success'), ...more, `Message: ${message}`]);
    const error = (message: string) => send([...head('Error'), `Message: ${message}`]);
    const idLine = id !== undefined ? [`ActionID: ${id}`] : [];

    if (!s.authed && !['login', 'logoff', 'challenge'].includes(name)) return error('Permission denied');
    switch (name) {
      case 'login': {
        if (this.refuseLogin || get(h, 'Username') !== this.username || get(h, 'Secret') !== this.secret) {
          const refuse = () => {
            if (s.socket.destroyed) return;
            error('Authentication failed');
            s.socket.end();
          };
          return this.loginFailDelayMs > 0 ? this.later(this.loginFailDelayMs, refuse) : refuse();
        }
        s.authed = true;
        this.logins++;
        const ev = (get(h, 'Events') ?? 'on').toLowerCase();
        s.events = ev === 'on' || ev === 'yes' ? 'all' : ev === 'off' || ev === 'no' ? 'none' : new Set(ev.split(',').map((x) => x.trim()));
        ok('Authentication accepted');
        if (s.events === 'all' || (s.events !== 'none' && s.events.has('system'))) {
          s.socket.write('Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: 4242\r\nLastReload: 4242\r\nStatus: Fully Booted\r\n\r\n');
        }
        return;
      }
      case 'logoff':
        send([...head('Goodbye'), 'Message: Thanks for all the fish.']);
        s.socket.end();
        return;
      case 'ping':
        return send([...head('Success'), 'Ping: Pong', `Timestamp: ${(Date.now() / 1000).toFixed(6)}`]);
      case 'dbput': {
        const family = get(h, 'Family');
        const key = get(h, 'Key');
        if (!family) return error('No family specified');
        if (!key) return error('No key specified');
        this.db.set(`/${family}/${key}`, get(h, 'Val') ?? '');
        return ok('Updated database successfully');
      }
      case 'dbget': {
        const family = get(h, 'Family');
        const key = get(h, 'Key');
        if (!family) return error('No family specified.');
        if (!key) return error('No key specified.');
        const v = this.db.get(`/${family}/${key}`);
        if (v === undefined) return error('Database entry not found');
        send([...head('Success'), 'EventList: start', 'Message: Result will follow']);
        send(['Event: DBGetResponse', `Family: ${family}`, `Key: ${key}`, `Val: ${v}`, ...idLine]);
        return send(['Event: DBGetComplete', ...idLine, 'EventList: Complete', 'ListItems: 1']);
      }
      case 'dbdel': {
        const family = get(h, 'Family');
        const key = get(h, 'Key');
        if (!family) return error('No family specified.');
        if (!key) return error('No key specified.');
        if (!this.db.delete(`/${family}/${key}`)) {
          return error(this.dbDelMissing === 'could-not-be-deleted' ? 'Database entry could not be deleted' : 'Database entry not found');
        }
        return ok('Key deleted successfully');
      }
      case 'dbdeltree': {
        const family = get(h, 'Family');
        if (!family) return error('No family specified.');
        const keys = this.tree(family, get(h, 'Key'));
        for (const [k] of keys) this.db.delete(k);
        return keys.length === 0 ? error('Database entry not found') : ok('Key tree deleted successfully');
      }
      case 'dbgettree': {
        if (!this.dbGetTree) break;
        const entries = this.tree(get(h, 'Family'), get(h, 'Key'));
        send([...head('Success'), 'EventList: start', 'Message: Result will follow']);
        for (const [k, v] of entries) send(['Event: DBGetTreeResponse', `Key: ${k}`, `Val: ${v}`, ...idLine]);
        return send(['Event: DBGetTreeComplete', ...idLine, 'EventList: Complete', `ListItems: ${entries.length}`]);
      }
      case 'mailboxcount': {
        const mailbox = get(h, 'Mailbox');
        if (!mailbox) return error('Mailbox not specified');
        const key = mailbox.includes('@') ? mailbox : `${mailbox}@default`;
        const failure = this.mailboxCountErrors.get(key);
        if (failure !== undefined) return error(failure);
        const box = this.mailboxes.get(key) ?? { new: 0, old: 0 };
        return send([
          ...head('Success'),
          'Message: Mailbox Message Count',
          `Mailbox: ${mailbox}`,
          `UrgMessages: ${box.urgent ?? 0}`,
          `NewMessages: ${box.new}`,
          `OldMessages: ${box.old}`,
        ]);
      }
      case 'command':
        return this.command(s, id, get(h, 'Command') ?? '', send, head);
      case 'setvar': {
        const variable = get(h, 'Variable');
        if (!variable) return error('No variable specified');
        if (get(h, 'Channel')) return error('No such channel');
        return this.setvar(variable, get(h, 'Value') ?? '') ? ok('Variable Set') : error('Variable not set');
      }
    }
    error(`Invalid/unknown command: ${a.action}. Use Action: ListCommands to show available commands.`);
  }

  /** Entries under /family[/key]/ as main/db.c selects them (`key || '/' LIKE prefix || '/' || '%'`). */
  private tree(family: string | undefined, key: string | undefined): Array<[string, string]> {
    const prefix = family ? (key ? `/${family}/${key}` : `/${family}`) : '';
    return [...this.db.entries()].filter(([k]) => `${k}/`.startsWith(`${prefix}/`)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private command(s: Session, id: string | undefined, command: string, send: (lines: string[]) => void, head: (r: string) => string[]): void {
    const words = command.trim().split(/\s+/);
    let out: string[];
    let known = true;
    if (words[0] === 'database' && words[1] === 'show' && words.length <= 3) {
      const entries = this.tree(words[2], undefined);
      out = entries.map(([k, v]) => `${k.padEnd(50)}: ${v.padEnd(25)}`);
      out.push(`${entries.length} results found.`);
    } else {
      known = false;
      out = [`No such command '${command}' (type 'core show help ${words[0] ?? ''}' for other possible commands)`];
    }
    if (this.commandFormat === 'follows') {
      // Asterisk ≤ 13: raw CLI output (LF line ends) closed by --END COMMAND--
      const idText = id !== undefined ? `ActionID: ${id}\r\n` : '';
      if (id !== undefined) this.answered.push(id);
      s.socket.write(`Response: Follows\r\nPrivilege: Command\r\n${idText}${out.map((l) => `${l}\n`).join('')}--END COMMAND--\r\n\r\n`);
      return;
    }
    send([...head(known ? 'Success' : 'Error'), 'Message: Command output follows', ...out.map((l) => `Output: ${l}`)]);
  }

  private setvar(variable: string, value: string): boolean {
    const m = /^(DEVICE_STATE|PRESENCE_STATE)\((.*)\)$/i.exec(variable);
    if (!m) return true; // a global variable
    const fn = m[1]!.toUpperCase();
    const arg = m[2]!;
    if (fn === 'DEVICE_STATE') {
      if (!arg.startsWith('Custom:') || !DEVICE_STATES.has(value.toUpperCase())) return false;
      this.deviceStates.set(arg.slice('Custom:'.length), value.toUpperCase());
      return true;
    }
    if (!arg.startsWith('CustomPresence:')) return false;
    const [state, , , options] = value.split(',');
    if (!state || !PRESENCE_STATES.has(state.toLowerCase()) || (options !== undefined && options !== '' && options !== 'e')) return false;
    this.presenceStates.set(arg.slice('CustomPresence:'.length), value);
    return true;
  }
}

function get(headers: Record<string, string>, name: string): string | undefined {
  const n = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === n) return v;
  return undefined;
}
