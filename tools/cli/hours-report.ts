/**
 * `omstil hours DEPT`: a department's or group's phone hours this week, whether it is open now,
 * and the PH-2 message callers hear outside phone hours. Pure: directory and instant in, text
 * (or, for --json, the same facts as a plain object) out.
 */
import type { Department, Directory, Group } from '../../broker/directory/directory.js';
import { formatDayMonth, formatRanges, formatWeekSummary, openNowText, outsideHoursText, weekdayName, type Lang } from '../../broker/policy/hours/hours-text.js';
import { phoneHoursFor, type ClockRange, type PhoneHours } from '../../broker/policy/hours/phone-hours.js';
import { dateParts, localDate, ZONE } from '../../broker/policy/hours/zone.js';

export interface HoursDay {
  date: string;
  /** 1 = Monday … 7 = Sunday */
  weekday: number;
  holiday: { name: string; nameEn: string } | null;
  open: ClockRange[];
  today: boolean;
}

export interface HoursFacts {
  id: string;
  kind: 'department' | 'group';
  name: string;
  department: { id: string; name: string };
  /** PH-1: the expression in force, and whether it is the group's own or its department's */
  phoneHours: string;
  ownHours: boolean;
  timezone: string;
  at: string;
  openNow: boolean;
  /** when it next opens or closes, ISO; null if not within a year */
  nextChange: string | null;
  status: string;
  isoWeek: number;
  week: HoursDay[];
  summary: string;
  /** PH-2 */
  outsideHoursMessage: string;
}

interface Subject {
  kind: 'department' | 'group';
  id: string;
  name: string;
  dept: Department;
  expr: string;
  ownHours: boolean;
}

function subject(dir: Directory, id: string, lang: Lang): Subject {
  const dept = dir.departments.get(id);
  if (dept) return { kind: 'department', id, name: dept.name, dept, expr: dept.phoneHours, ownHours: true };
  const group: Group | undefined = dir.groups.get(id);
  const groupDept = group && dir.departments.get(group.dept);
  if (group && groupDept) {
    return { kind: 'group', id, name: group.name, dept: groupDept, expr: group.phoneHours ?? groupDept.phoneHours, ownHours: group.phoneHours !== null };
  }
  const list = (ids: string[]) => (ids.length > 12 ? `${ids.slice(0, 12).join(', ')}, … (${ids.length})` : ids.join(', ') || '–');
  const depts = list([...dir.departments.keys()]);
  const groups = list([...dir.groups.keys()]);
  throw new Error(
    lang === 'da'
      ? `ukendt afdeling eller gruppe "${id}". Afdelinger: ${depts}. Grupper: ${groups}.`
      : `unknown department or group "${id}". Departments: ${depts}. Groups: ${groups}.`,
  );
}

/** ISO 8601 week number of the week containing `date`. */
function isoWeek(date: string): number {
  const [y, m, d] = dateParts(date);
  const day = new Date(Date.UTC(y, m - 1, d));
  const dow = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - dow); // the Thursday decides the year
  const jan1 = Date.UTC(day.getUTCFullYear(), 0, 1);
  return Math.floor((day.getTime() - jan1) / 86_400_000 / 7) + 1;
}

/** The facts `omstil hours` prints, as a plain object (for --json). */
export function hoursJson(dir: Directory, id: string, at: Date, lang: Lang = 'da'): HoursFacts {
  const s = subject(dir, id, lang);
  const hours: PhoneHours = phoneHoursFor(s.expr);
  const today = localDate(at);
  const next = hours.nextChange(at);
  return {
    id: s.id,
    kind: s.kind,
    name: s.name,
    department: { id: s.dept.id, name: s.dept.name },
    phoneHours: s.expr,
    ownHours: s.ownHours,
    timezone: ZONE,
    at: at.toISOString(),
    openNow: hours.isOpen(at),
    nextChange: next ? next.toISOString() : null,
    status: openNowText(hours, at, lang),
    isoWeek: isoWeek(today),
    week: hours.week(at).map((d) => ({
      date: d.date,
      weekday: d.weekday,
      holiday: d.holiday ? { name: d.holiday.name, nameEn: d.holiday.nameEn } : null,
      open: d.open,
      today: d.date === today,
    })),
    summary: formatWeekSummary(hours.typicalWeek(at), lang),
    outsideHoursMessage: outsideHoursText({ name: s.name, hours, web: s.dept.web, digitalMail: s.dept.digitalMail, at }, lang),
  };
}

/** `omstil hours DEPT`: the report as text. `id` is a department or group id. */
export function hoursReport(dir: Directory, id: string, at: Date, lang: Lang = 'da'): string {
  const f = hoursJson(dir, id, at, lang);
  const da = lang === 'da';
  const lines: string[] = [];
  const what = f.kind === 'department' ? (da ? 'afdeling' : 'department') : da ? `gruppe i ${f.department.name}` : `group in ${f.department.name}`;
  lines.push(`${f.name} (${f.id}, ${what})`);
  const source = f.ownHours ? '' : da ? ' (afdelingens)' : " (the department's)";
  lines.push(`${da ? 'Telefontid' : 'Phone hours'}${source}: ${f.phoneHours}`);
  lines.push('');
  const first = f.week[0]!.date;
  const last = f.week[6]!.date;
  lines.push(`${da ? 'Uge' : 'Week'} ${f.isoWeek}, ${formatDayMonth(first, lang)} - ${formatDayMonth(last, lang)} ${dateParts(last)[0]}:`);
  const dayWidth = Math.max(...f.week.map((d) => weekdayName(d.weekday, lang).length));
  const dateWidth = Math.max(...f.week.map((d) => formatDayMonth(d.date, lang).length));
  for (const d of f.week) {
    const closed = da ? 'lukket' : 'closed';
    const hours = d.open.length > 0 ? formatRanges(d.open, lang) : d.holiday ? `${closed} (${da ? d.holiday.name : d.holiday.nameEn})` : closed;
    const holidayNote = d.open.length > 0 && d.holiday ? ` (${da ? d.holiday.name : d.holiday.nameEn})` : '';
    const mark = d.today ? (da ? '   <- i dag' : '   <- today') : '';
    lines.push(`  ${weekdayName(d.weekday, lang).padEnd(dayWidth)}  ${formatDayMonth(d.date, lang).padEnd(dateWidth)}  ${hours}${holidayNote}${mark}`);
  }
  lines.push('');
  lines.push(f.status);
  lines.push('');
  lines.push(da ? 'Besked uden for telefontiden (PH-2):' : 'Message outside phone hours (PH-2):');
  lines.push(`  ${f.outsideHoursMessage}`);
  return lines.join('\n');
}
