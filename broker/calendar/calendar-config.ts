/**
 * Which calendars belong to whom (PR-3): a JSON file named by the `calendars` config key.
 * Secrets are never in the file: it names environment variables that hold them.
 *
 *   { "calendars": [
 *       { "kind": "caldav", "id": "anna-caldav", "person": "anna-holm", "url": "https://dav.example.dk/anna/kalender/", "username": "anna", "passwordEnv": "DAV_ANNA" },
 *       { "kind": "ics", "id": "bo-outlook", "person": "bo-larsen", "url": "https://outlook.office365.com/owa/calendar/…/calendar.ics" },
 *       { "kind": "graph", "id": "camilla-m365", "person": "camilla-olsen", "user": "camilla@kommune.dk", "tokenEnv": "GRAPH_TOKEN" } ] }
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Id } from '../../protocol/index.js';
import type { Directory } from '../directory/directory.js';
import { CaldavCalendar } from './caldav-calendar.js';
import type { CalendarSource } from './calendar-source.js';
import { GraphCalendar } from './graph-calendar.js';
import { IcsCalendar } from './ics-calendar.js';

const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name');

export const CalendarSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('caldav'), id: Id, person: Id, url: z.string().url(), username: z.string().optional(), passwordEnv: EnvName.optional() }),
  z.strictObject({ kind: z.literal('ics'), id: Id, person: Id, url: z.string().url().optional(), file: z.string().min(1).optional() }),
  z.strictObject({ kind: z.literal('graph'), id: Id, person: Id, user: z.string().min(1), baseUrl: z.string().url().optional(), tokenEnv: EnvName }),
]);
export type CalendarSpec = z.infer<typeof CalendarSpec>;
export const CalendarsFile = z.strictObject({ calendars: z.array(CalendarSpec) });

export class CalendarConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalendarConfigError';
  }
}

/** Reads and checks the calendars file against the directory; every problem is listed with its path. */
export function readCalendarSpecs(file: string, dir: Directory): CalendarSpec[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CalendarConfigError(`calendars file ${file}: ${(err as Error).message}`);
  }
  const parsed = CalendarsFile.safeParse(raw);
  const problems: string[] = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  if (parsed.success) {
    const seen = new Set<string>();
    parsed.data.calendars.forEach((c, i) => {
      if (seen.has(c.id)) problems.push(`calendars.${i}.id: duplicate id "${c.id}"`);
      seen.add(c.id);
      if (!dir.people.has(c.person)) problems.push(`calendars.${i}.person: unknown person "${c.person}" (RT-1)`);
      if (c.kind === 'ics' && !c.url === !c.file) problems.push(`calendars.${i}: give exactly one of url and file`);
    });
  }
  if (problems.length) throw new CalendarConfigError(`calendars file ${file} has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  return parsed.data!.calendars;
}

/** The adapters for the specs, secrets read from the environment. */
export function createCalendarSources(specs: readonly CalendarSpec[], env: NodeJS.ProcessEnv = process.env): CalendarSource[] {
  const secret = (name: string, id: string) => {
    const v = env[name];
    if (!v) throw new CalendarConfigError(`calendar ${id}: environment variable ${name} is not set`);
    return v;
  };
  return specs.map((c): CalendarSource => {
    switch (c.kind) {
      case 'caldav':
        return new CaldavCalendar({ id: c.id, personId: c.person, url: c.url, ...(c.username ? { username: c.username } : {}), ...(c.passwordEnv ? { password: secret(c.passwordEnv, c.id) } : {}) });
      case 'ics':
        return new IcsCalendar({ id: c.id, personId: c.person, ...(c.url ? { url: c.url } : { file: c.file! }) });
      case 'graph': {
        const token = secret(c.tokenEnv, c.id);
        return new GraphCalendar({ id: c.id, personId: c.person, user: c.user, ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}), token: async () => token });
      }
    }
  });
}
