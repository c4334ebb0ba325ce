/**
 * A real CalDAV server for tests and benchmarks: Radicale (Debian package `radicale`, installed
 * by tools/setup-system-deps.sh) on a free loopback port with its own storage folder, no auth.
 * See /work/shared/notes/caldav-testing.md for what it costs: bound the client's concurrency
 * (Radicale takes only a few connections at a time), and seed big sets on disk, not by PUT.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './hub-process.js';
import { seededRandom } from './seeded-random.js';
import { needBinary } from './system-deps.js';
import { waitFor } from './wait.js';

export interface RadicaleServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  /** the `filesystem_folder`; collections live under `collection-root/<user>/<calendar>/` */
  storageDir: string;
  /** kills the server, waits for it to exit and removes its folder */
  stop(): Promise<void>;
}

export { freePort };

/** Starts Radicale, or returns null (after saying why) when it is not installed. */
export async function startRadicale(what = 'CalDAV test against Radicale'): Promise<RadicaleServer | null> {
  const exe = needBinary('radicale', 'radicale', what);
  if (!exe) return null;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'omstil-radicale-'));
  const storageDir = path.join(dir, 'storage');
  const port = await freePort();
  const config = path.join(dir, 'config');
  writeFileSync(
    config,
    [
      '[server]',
      `hosts = 127.0.0.1:${port}`,
      '[auth]',
      'type = none',
      '[storage]',
      `filesystem_folder = ${storageDir}`,
      '[web]',
      'type = none',
      '[logging]',
      'level = error',
      'mask_passwords = True',
      '',
    ].join('\n'),
  );
  const child = spawn(exe, ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`radicale exited with ${child.exitCode}: ${stderr.trim()}`);
        const res = await fetch(url, { method: 'OPTIONS' });
        await res.arrayBuffer();
        return true;
      },
      `radicale on ${url}`,
      10_000,
      50,
    );
  } catch (err) {
    await kill(child, exited);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stopped = false;
  return {
    url,
    storageDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill(child, exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const late = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(late);
}

async function expectOk(res: Response, what: string, also: number[] = []): Promise<void> {
  const body = await res.text();
  if (!res.ok && !also.includes(res.status)) throw new Error(`${what}: ${res.status} ${res.statusText} ${body.slice(0, 200)}`);
}

const MKCALENDAR_BODY =
  '<?xml version="1.0" encoding="utf-8"?>' +
  '<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>' +
  '<D:resourcetype><D:collection/><C:calendar/></D:resourcetype>' +
  '</D:prop></D:set></D:mkcol>';

/** Makes `<baseUrl><user>/<name>/` a calendar (and the user's collection if needed); returns its URL. */
export async function makeCalendar(baseUrl: string, user: string, name: string): Promise<string> {
  const home = new URL(`${encodeURIComponent(user)}/`, baseUrl).href;
  // 405: the user's collection is there already
  await expectOk(await fetch(home, { method: 'MKCOL' }), `MKCOL ${home}`, [405]);
  const url = new URL(`${encodeURIComponent(name)}/`, home).href;
  await expectOk(await fetch(url, { method: 'MKCOL', headers: { 'content-type': 'application/xml; charset=utf-8' }, body: MKCALENDAR_BODY }), `MKCOL ${url}`);
  return url;
}

/** The item's URL in a calendar: `<uid>.ics`, as most clients name them. */
export const eventUrl = (calendarUrl: string, uid: string) => new URL(`${encodeURIComponent(uid)}.ics`, calendarUrl).href;

/** PUT (create or replace) an event; returns its href (the path, as the server reports it in a sync). */
export async function putEvent(calendarUrl: string, uid: string, ics: string): Promise<string> {
  const url = eventUrl(calendarUrl, uid);
  await expectOk(await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/calendar; charset=utf-8' }, body: ics }), `PUT ${url}`);
  return new URL(url).pathname;
}

export async function deleteEvent(calendarUrl: string, uid: string): Promise<string> {
  const url = eventUrl(calendarUrl, uid);
  await expectOk(await fetch(url, { method: 'DELETE' }), `DELETE ${url}`);
  return new URL(url).pathname;
}

export interface SeedCalendar {
  name: string;
  events: { uid: string; ics: string }[];
}

/**
 * Writes calendars straight into Radicale's storage, as Radicale 3 itself lays them out
 * (checked by making one over HTTP): `collection-root/<user>/` is a plain folder,
 * `collection-root/<user>/<calendar>/.Radicale.props` is `{"tag": "VCALENDAR"}`, and each
 * item is `<calendar>/<uid>.ics` holding its VCALENDAR text. Radicale builds its caches
 * (`.Radicale.cache/`) on first use. Returns each calendar's URL path (`/<user>/<calendar>/`).
 */
export function seedCalendarsOnDisk(storageDir: string, user: string, calendars: SeedCalendar[]): string[] {
  const home = path.join(storageDir, 'collection-root', user);
  mkdirSync(home, { recursive: true });
  return calendars.map((cal) => {
    const dir = path.join(home, cal.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, '.Radicale.props'), '{"tag": "VCALENDAR"}');
    for (const ev of cal.events) writeFileSync(path.join(dir, `${ev.uid}.ics`), ev.ics);
    return `/${user}/${cal.name}/`;
  });
}

export interface SampleEvent {
  uid: string;
  /** local Copenhagen time, `YYYYMMDDTHHMMSS` */
  start: string;
  end: string;
  summary?: string;
  /** iCalendar TRANSP: OPAQUE shows busy */
  transp?: 'OPAQUE' | 'TRANSPARENT';
  sequence?: number;
  /** free text, e.g. from `sampleDescription` */
  description?: string;
}

/** iCalendar TEXT escaping (RFC 5545 §3.3.11). */
const textLine = (name: string, value: string) => `${name}:${value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\n/g, '\\n')}`;

/** Folds a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character. */
function fold(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(bytes.length, start + (start === 0 ? 75 : 74));
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
    parts.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
  }
  return parts.join('\r\n ');
}

const WORDS = (
  'møde borger sag opfølgning team budget plan status afdeling jobcenter borgerservice ' +
  'ydelse samtale henvendelse kontor rådhus udvalg referat dagsorden aftale orientering ' +
  'kvartal handleplan visitation bevilling sagsbehandling telefon vagt kursus ferie tilsyn'
).split(' ');

export { seededRandom };

/**
 * A meeting description as calendars hold them: a few lines of text and an online-meeting
 * link with its random ids (which is what keeps real items from compressing to nothing).
 */
export function sampleDescription(seed: number): string {
  const random = seededRandom(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const sentence = () => {
    const n = 6 + Math.floor(random() * 10);
    const words = Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]!);
    return words.join(' ').replace(/^./, (c) => c.toUpperCase()) + '.';
  };
  const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, sentence);
  lines.push(`Deltag online: https://meet.kommune.example.dk/j/${hex(8)}-${hex(4)}-${hex(4)}-${hex(12)}?pwd=${hex(16)}`);
  lines.push(`Møde-id: ${Math.floor(random() * 1e9)} · Adgangskode: ${hex(6)}`);
  return lines.join('\n');
}

/**
 * An event as a desktop client writes it (times in Europe/Copenhagen with its VTIMEZONE,
 * Outlook's busy status, an alarm): about 1.1 kB, 1.5 kB with a description.
 */
export function sampleEventIcs(ev: SampleEvent): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//omstil//test//DA',
    'CALSCALE:GREGORIAN',
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Copenhagen',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'TZNAME:CEST',
    'DTSTART:19700329T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'TZNAME:CET',
    'DTSTART:19701025T030000',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'END:STANDARD',
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    `UID:${ev.uid}`,
    'DTSTAMP:20261120T080000Z',
    'CREATED:20261120T080000Z',
    'LAST-MODIFIED:20261120T080000Z',
    `SEQUENCE:${ev.sequence ?? 0}`,
    `DTSTART;TZID=Europe/Copenhagen:${ev.start}`,
    `DTEND;TZID=Europe/Copenhagen:${ev.end}`,
    textLine('SUMMARY', ev.summary ?? 'Møde'),
    ...(ev.description !== undefined ? [textLine('DESCRIPTION', ev.description)] : []),
    'LOCATION:Rådhuset\\, mødelokale 2',
    'ORGANIZER;CN=Anna Jensen:mailto:anna@kommune.example.dk',
    'ATTENDEE;CN=Bo Hansen;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:bo@kommune.example.dk',
    `TRANSP:${ev.transp ?? 'OPAQUE'}`,
    'CLASS:PUBLIC',
    `X-MICROSOFT-CDO-BUSYSTATUS:${ev.transp === 'TRANSPARENT' ? 'FREE' : 'BUSY'}`,
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    'DESCRIPTION:Påmindelse',
    'TRIGGER:-PT15M',
    'END:VALARM',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n') + '\r\n';
}
