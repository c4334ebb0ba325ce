/**
 * The Asterisk Manager Interface wire format, read incrementally from a TCP stream. Pure: no I/O,
 * no logging — what it cannot read it reports through `onMalformed` and skips.
 *
 * What it reads (Asterisk's "AMI v2 Specification" and main/manager.c):
 * - the banner, one line when the connection opens: `Asterisk Call Manager/x.y.z`;
 * - packets of `Key: Value` lines ended by an empty line. Lines end in CRLF; a bare LF is taken too.
 *   Keys are case-insensitive (Asterisk's `astman_get_header` compares with strcasecmp);
 * - `Response: Follows` (the Command action up to Asterisk 13): after the `Privilege`/`ActionID`
 *   headers come raw CLI lines (which may look like headers, or be empty) up to a line ending in
 *   `--END COMMAND--`, then the empty line. Asterisk 14+ sends `Output:` headers instead, which
 *   are ordinary headers here.
 *
 * Never throws on input: over-long lines, lines without a colon, packets with neither `Response`
 * nor `Event`, and over-large packets are reported and dropped, and reading goes on.
 */
import { StringDecoder } from 'node:string_decoder';

/** One packet: a response to an action, or an event. */
export class AmiPacket {
  /** the headers in the order they came */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** the raw CLI lines of a `Response: Follows` (Asterisk ≤ 13 Command), else empty */
  readonly follows: readonly string[];

  constructor(headers: ReadonlyArray<readonly [string, string]>, follows: readonly string[] = []) {
    this.headers = headers;
    this.follows = follows;
  }

  /** The first value of a header (case-insensitive), or undefined. */
  get(name: string): string | undefined {
    const n = name.toLowerCase();
    for (const [k, v] of this.headers) if (k.toLowerCase() === n) return v;
    return undefined;
  }

  /** Every value of a header, in order (`Output:` repeats). */
  all(name: string): string[] {
    const n = name.toLowerCase();
    return this.headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  }

  get response(): string | undefined {
    return this.get('Response');
  }
  get event(): string | undefined {
    return this.get('Event');
  }
  get actionId(): string | undefined {
    return this.get('ActionID');
  }
}

export interface AmiParserLimits {
  /** a line longer than this is dropped (default 64 KiB) */
  maxLineChars?: number;
  /** a packet larger than this is dropped (default 16 MiB; `database show` of a big AstDB is large) */
  maxPacketChars?: number;
}

export interface AmiParserHandlers {
  onBanner(line: string): void;
  onPacket(packet: AmiPacket): void;
  onMalformed(reason: string, sample: string): void;
}

const END_COMMAND = '--END COMMAND--';
const FOLLOWS_HEADERS = new Set(['actionid', 'privilege', 'message']);
const KEY = /^[A-Za-z0-9_.()/\-][A-Za-z0-9_.()/\- ]{0,127}$/;

export class AmiParser {
  private readonly decoder = new StringDecoder('utf8');
  private readonly maxLine: number;
  private readonly maxPacket: number;
  private buf = '';
  private wantBanner = true;
  /** dropping the rest of an over-long line */
  private skippingLine = false;
  /** dropping the rest of an over-large packet, until the next empty line */
  private skippingPacket = false;
  private headers: Array<[string, string]> = [];
  private size = 0;
  /** set while inside a `Response: Follows` packet */
  private follows: { lines: string[]; started: boolean; ended: boolean; lastBlank: boolean } | null = null;

  constructor(
    private readonly handlers: AmiParserHandlers,
    limits: AmiParserLimits = {},
  ) {
    this.maxLine = limits.maxLineChars ?? 64 * 1024;
    this.maxPacket = limits.maxPacketChars ?? 16 * 1024 * 1024;
  }

  /** Feed bytes (or text) as they arrive; complete packets are handed out synchronously. */
  feed(chunk: Buffer | string): void {
    this.buf += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (;;) {
      const nl = this.buf.indexOf('\n', start);
      if (nl < 0) break;
      let line = this.buf.slice(start, nl);
      start = nl + 1;
      if (this.skippingLine) {
        this.skippingLine = false;
        continue;
      }
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.length > this.maxLine) {
        this.handlers.onMalformed('line too long', line.slice(0, 80));
        continue;
      }
      this.line(line);
    }
    this.buf = this.buf.slice(start);
    if (this.buf.length > this.maxLine) {
      this.handlers.onMalformed('line too long', this.buf.slice(0, 80));
      this.buf = '';
      this.skippingLine = true;
    }
  }

  private line(line: string): void {
    if (this.wantBanner) {
      this.wantBanner = false;
      this.handlers.onBanner(line);
      return;
    }
    if (this.skippingPacket) {
      if (line === '') this.skippingPacket = false;
      return;
    }
    if (this.follows) return this.followsLine(line);
    if (line === '') {
      if (this.headers.length > 0) this.finish();
      return;
    }
    this.size += line.length + 2;
    if (this.size > this.maxPacket) return this.dropPacket(line);
    const colon = line.indexOf(':');
    const key = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!KEY.test(key)) {
      this.handlers.onMalformed('not a header line', line.slice(0, 80));
      return;
    }
    let value = line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (this.headers.length === 0 && key.toLowerCase() === 'response' && value.trim().toLowerCase() === 'follows') {
      this.follows = { lines: [], started: false, ended: false, lastBlank: false };
    }
    this.headers.push([key, value]);
  }

  private followsLine(line: string): void {
    const f = this.follows!;
    if (f.ended) {
      // after --END COMMAND-- only the empty line is due; take anything else as the next packet
      this.finish();
      if (line !== '') this.line(line);
      return;
    }
    // a broken server that never ends the output: an empty line then a packet start ends it
    if (f.lastBlank && /^(Response|Event):\s/i.test(line)) {
      this.handlers.onMalformed('Follows output without --END COMMAND--', f.lines.slice(-1)[0] ?? '');
      f.lines.pop(); // the empty line belonged to the packet's end
      this.finish();
      this.line(line);
      return;
    }
    this.size += line.length + 2;
    if (this.size > this.maxPacket) return this.dropPacket(line);
    if (line.endsWith(END_COMMAND)) {
      const rest = line.slice(0, -END_COMMAND.length);
      if (rest !== '') f.lines.push(stripOutput(rest));
      f.ended = true;
      return;
    }
    if (!f.started) {
      const colon = line.indexOf(':');
      if (colon > 0 && FOLLOWS_HEADERS.has(line.slice(0, colon).trim().toLowerCase())) {
        let value = line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        this.headers.push([line.slice(0, colon).trim(), value]);
        return;
      }
      f.started = true;
    }
    f.lastBlank = line === '';
    f.lines.push(stripOutput(line));
  }

  private finish(): void {
    const headers = this.headers;
    const follows = this.follows?.lines ?? [];
    this.headers = [];
    this.follows = null;
    this.size = 0;
    const packet = new AmiPacket(headers, follows);
    if (packet.response === undefined && packet.event === undefined) {
      this.handlers.onMalformed('packet with neither Response nor Event', headers.map(([k, v]) => `${k}: ${v}`).join(' | ').slice(0, 80));
      return;
    }
    this.handlers.onPacket(packet);
  }

  private dropPacket(line: string): void {
    this.handlers.onMalformed('packet too large', line.slice(0, 80));
    this.headers = [];
    this.follows = null;
    this.size = 0;
    this.skippingPacket = line !== '';
  }
}

/** Some Asterisk 13 builds prefix the first Follows line with `Output: `. */
function stripOutput(line: string): string {
  return line.startsWith('Output: ') ? line.slice(8) : line;
}

/** One action as it goes on the wire: `Action`, `ActionID`, then the fields, CRLF, an empty line. */
export function serializeAction(action: string, actionId: string, fields: Readonly<Record<string, string>>): string {
  const lines = [`Action: ${action}`, `ActionID: ${actionId}`];
  for (const [k, v] of Object.entries(fields)) lines.push(`${k}: ${v}`);
  for (const l of lines) {
    // a CR or LF inside a value would end the header early and smuggle in another one
    if (/[\r\n]/.test(l)) throw new RangeError(`AMI header contains a line break: ${JSON.stringify(l.slice(0, 60))}`);
  }
  return lines.join('\r\n') + '\r\n\r\n';
}
