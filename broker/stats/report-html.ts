/**
 * ST-1: the quarterly report as ONE self-contained HTML file, for municipal leaders and IT
 * ("kvartalsstatistikker"). Danish first, English on request; 24-hour time, Europe/Copenhagen,
 * Danish number formatting (decimal comma) in Danish.
 *
 * No chart library and no script: the charts are inline SVG drawn here from the figures (bars
 * and a weekly trend), so the file opens offline, prints as it looks and runs nothing. No
 * external fonts, images or styles either. Pure: the report in, a string out.
 *
 * Accessibility: every chart is `role="img"` with a <title> and an aria-label that states its
 * data; the same figures are in tables with headers below; colours have at least 4.5:1 contrast
 * against white and are never the only carrier of meaning (values are written beside the bars,
 * the series differ in pattern, dash and marker shape too). Null figures show as "–".
 */
import { DateTime } from 'luxon';
import type { QuarterReport, ReportDepartment, ReportFigures, ReportWeek } from '../../protocol/index.js';

export type ReportLanguage = 'da' | 'en';

export interface ReportHtmlOptions {
  language: ReportLanguage;
}

const ZONE = 'Europe/Copenhagen';
const DASH = '–';

/** dark enough for white text on them and for themselves on white (≥ 4.5:1) */
const COLOURS = {
  primary: '#1f4e79',
  secondary: '#2f6f4f',
  late: '#a4262c',
  open: '#555b61',
  grid: '#c8cdd2',
  text: '#1b1b1b',
};

const TEXT = {
  da: {
    title: 'Telefonstatistik',
    quarter: (q: number, y: number) => `${q}. kvartal ${y}`,
    period: 'Periode',
    generated: 'Dannet',
    partial: (at: string) => `Kvartalet er ikke slut: tallene gælder til og med ${at}.`,
    timezone: 'Alle tider er dansk tid (Europe/Copenhagen).',
    keyFigures: 'Nøgletal',
    answerRate: 'Besvarede opkald',
    waitAvg: 'Gennemsnitlig ventetid',
    waitP90: 'Ventetid, 90 % af opkaldene',
    transfers: 'Viderestillinger pr. opkald',
    callbacksOnTime: 'Tilbagekald til tiden',
    ofAnswered: (a: string, o: string) => `${a} af ${o} opkald`,
    ofDue: (a: string, d: string) => `${a} af ${d} forfaldne`,
    overAnswered: 'over besvarede opkald',
    charts: 'Grafer',
    chartAnswerRate: 'Svarprocent pr. afdeling',
    chartWait: 'Ventetid pr. afdeling: gennemsnit og 90 %-fraktil',
    chartCallbacks: 'Tilbagekald pr. afdeling: til tiden, for sent og åbne',
    chartWeeks: 'Opkald pr. uge: modtaget og besvaret',
    avgShort: 'gns.',
    p90Short: '90 %-fraktil',
    onTime: 'til tiden',
    late: 'for sent',
    open: 'åbne',
    offered: 'Modtaget',
    answered: 'Besvaret',
    week: 'Uge',
    noData: 'Ingen opkald i perioden.',
    noCallbacks: 'Ingen beskeder i perioden.',
    departments: 'Afdelinger',
    department: 'Afdeling',
    deptTotal: 'Afdelingen i alt',
    figure: 'Tal',
    weeks: 'Uger',
    total: 'Hele kommunen',
    seconds: (s: string) => `${s} sek.`,
    figureNames: {
      offered: 'Opkald modtaget',
      answered: 'Besvaret',
      answerRate: 'Svarprocent',
      waitAvgS: 'Ventetid, gennemsnit',
      waitP90S: 'Ventetid, 90 %-fraktil',
      transfersPerCall: 'Viderestillinger pr. besvaret opkald',
      metUnavailable: 'Mødte en utilgængelig',
      messageCalls: 'Endte som besked',
      voicemail: 'Endte i telefonsvarer',
      lost: 'Tabt i telefontiden',
      diversions: 'Omstillinger sat',
      messages: 'Beskeder taget',
      callbacksOnTime: 'Tilbagekald til tiden',
      callbacksLate: 'Tilbagekald for sent',
      callbacksOpen: 'Tilbagekald åbne',
      callbackOnTimeRate: 'Andel tilbagekald til tiden',
    } satisfies Record<keyof ReportFigures, string>,
    footer: 'Tal efter telefonpolitikkens regel ST-1. Ventetider gælder besvarede opkald. "–" betyder, at der ikke var noget at måle.',
  },
  en: {
    title: 'Telephone statistics',
    quarter: (q: number, y: number) => `Q${q} ${y}`,
    period: 'Period',
    generated: 'Generated',
    partial: (at: string) => `The quarter is not over: figures up to ${at}.`,
    timezone: 'All times are Danish time (Europe/Copenhagen).',
    keyFigures: 'Key figures',
    answerRate: 'Calls answered',
    waitAvg: 'Average wait',
    waitP90: 'Wait, 90 % of calls',
    transfers: 'Transfers per call',
    callbacksOnTime: 'Call-backs on time',
    ofAnswered: (a: string, o: string) => `${a} of ${o} calls`,
    ofDue: (a: string, d: string) => `${a} of ${d} due`,
    overAnswered: 'over answered calls',
    charts: 'Charts',
    chartAnswerRate: 'Answer rate per department',
    chartWait: 'Wait per department: average and 90th percentile',
    chartCallbacks: 'Call-backs per department: on time, late and open',
    chartWeeks: 'Calls per week: offered and answered',
    avgShort: 'avg',
    p90Short: 'p90',
    onTime: 'on time',
    late: 'late',
    open: 'open',
    offered: 'Offered',
    answered: 'Answered',
    week: 'Week',
    noData: 'No calls in the period.',
    noCallbacks: 'No messages in the period.',
    departments: 'Departments',
    department: 'Department',
    deptTotal: 'Department total',
    figure: 'Figure',
    weeks: 'Weeks',
    total: 'Whole municipality',
    seconds: (s: string) => `${s} s`,
    figureNames: {
      offered: 'Calls offered',
      answered: 'Answered',
      answerRate: 'Answer rate',
      waitAvgS: 'Wait, average',
      waitP90S: 'Wait, 90th percentile',
      transfersPerCall: 'Transfers per answered call',
      metUnavailable: 'Met an unavailable person',
      messageCalls: 'Ended as a message',
      voicemail: 'Ended in voicemail',
      lost: 'Lost inside phone hours',
      diversions: 'Diversions set',
      messages: 'Messages taken',
      callbacksOnTime: 'Call-backs on time',
      callbacksLate: 'Call-backs late',
      callbacksOpen: 'Call-backs open',
      callbackOnTimeRate: 'Share of call-backs on time',
    } satisfies Record<keyof ReportFigures, string>,
    footer: 'Figures by rule ST-1 of the telephone policy. Waits are over answered calls. "–" means there was nothing to measure.',
  },
};

type Texts = (typeof TEXT)['da'];

/** Number formatting in the report's language: Danish decimal comma and "93 %". */
class Fmt {
  private readonly int: Intl.NumberFormat;
  private readonly dec: Intl.NumberFormat;
  private readonly dec2: Intl.NumberFormat;
  private readonly pct: Intl.NumberFormat;
  constructor(
    readonly lang: ReportLanguage,
    private readonly t: Texts,
  ) {
    const locale = lang === 'da' ? 'da-DK' : 'en-GB';
    this.int = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    this.dec = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    this.dec2 = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    this.pct = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  }
  count(n: number): string {
    return this.int.format(n);
  }
  rate(r: number | null): string {
    return r === null || !Number.isFinite(r) ? DASH : this.pct.format(r);
  }
  seconds(s: number | null): string {
    return s === null || !Number.isFinite(s) ? DASH : this.t.seconds(this.dec.format(s));
  }
  ratio(v: number | null): string {
    return v === null || !Number.isFinite(v) ? DASH : this.dec2.format(v);
  }
  figure(key: keyof ReportFigures, f: ReportFigures): string {
    const v = f[key];
    if (key === 'answerRate' || key === 'callbackOnTimeRate') return this.rate(v);
    if (key === 'waitAvgS' || key === 'waitP90S') return this.seconds(v);
    if (key === 'transfersPerCall') return this.ratio(v);
    return v === null ? DASH : this.count(v);
  }
}

/** HTML-escapes text (every name from the directory goes through here). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
const esc = escapeHtml;

/** the top of an axis with four equal, round steps, ≥ v; whole steps for counts */
function niceMax(v: number, whole = false): number {
  if (!(v > 0)) return 4;
  const raw = v / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of whole ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]) if (m * p >= raw && (!whole || Number.isInteger(m * p))) return 4 * m * p;
  return 4 * Math.max(1, Math.ceil(raw));
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** long department names are cut in the chart (the full name is in the row's <title> and the tables) */
function short(name: string, max = 30): string {
  return name.length > max ? `${name.slice(0, max - 1)}…` : name;
}

const CHART_W = 860;
const LABEL_W = 230;
const BAR_W = 460;

function svgOpen(id: string, height: number, title: string, label: string): string {
  return (
    `<svg class="chart" id="${id}" role="img" aria-labelledby="${id}-title" aria-label="${esc(label)}" viewBox="0 0 ${CHART_W} ${height}" width="${CHART_W}" height="${height}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="13" fill="${COLOURS.text}">` +
    `<title id="${id}-title">${esc(title)}</title>`
  );
}

/** vertical grid lines with their labels along the top of a horizontal bar chart */
function xGrid(max: number, top: number, bottom: number, label: (v: number) => string): string {
  let out = '';
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const x = r1(LABEL_W + (BAR_W * i) / 4);
    out += `<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="${COLOURS.grid}" stroke-width="1"/>`;
    out += `<text x="${x}" y="${top - 6}" text-anchor="middle" font-size="11">${esc(label(v))}</text>`;
  }
  return out;
}

function rowLabel(name: string, y: number): string {
  return `<text x="${LABEL_W - 8}" y="${y}" text-anchor="end" dominant-baseline="middle"><title>${esc(name)}</title>${esc(short(name))}</text>`;
}

/** Answer rate per department: bars on 0–100 %, the figure written on each bar. */
function answerRateChart(r: QuarterReport, t: Texts, f: Fmt): string {
  // no calls anywhere: a sentence, not a column of dashes
  const depts = r.departments.some((d) => d.figures.answerRate !== null) ? r.departments : [];
  const rowH = 28;
  const top = 28;
  const height = top + Math.max(1, depts.length) * rowH + 10;
  const label = `${t.chartAnswerRate}: ` + (depts.length ? depts.map((d) => `${d.name} ${f.rate(d.figures.answerRate)}`).join('; ') : t.noData);
  let out = svgOpen('chart-answer-rate', height, t.chartAnswerRate, label);
  if (depts.length) out += xGrid(1, top, height - 6, (v) => f.rate(v));
  depts.forEach((d, i) => {
    const y = top + i * rowH + 4;
    const mid = y + 10;
    const rate = d.figures.answerRate;
    out += `<g class="row" data-dept="${esc(d.id)}">` + rowLabel(d.name, mid);
    if (rate === null) {
      out += `<text x="${LABEL_W + 6}" y="${mid}" dominant-baseline="middle" class="value">${DASH}</text>`;
    } else {
      const w = r1(BAR_W * rate);
      out += `<rect class="bar" x="${LABEL_W}" y="${y}" width="${w}" height="20" fill="${COLOURS.primary}"><title>${esc(`${d.name}: ${f.rate(rate)}`)}</title></rect>`;
      // inside the bar's end in white when there is room, else just after it in black
      out +=
        w > 70
          ? `<text class="value" x="${r1(LABEL_W + w - 6)}" y="${mid}" text-anchor="end" dominant-baseline="middle" fill="#ffffff" font-weight="600">${esc(f.rate(rate))}</text>`
          : `<text class="value" x="${r1(LABEL_W + w + 6)}" y="${mid}" dominant-baseline="middle" font-weight="600">${esc(f.rate(rate))}</text>`;
    }
    out += '</g>';
  });
  if (!depts.length) out += `<text x="${LABEL_W}" y="${top + 14}">${esc(t.noData)}</text>`;
  return out + '</svg>';
}

/** Wait per department: average (solid) and 90th percentile (lighter, outlined), each labelled. */
function waitChart(r: QuarterReport, t: Texts, f: Fmt): string {
  const depts = r.departments.some((d) => d.figures.waitAvgS !== null || d.figures.waitP90S !== null) ? r.departments : [];
  const rowH = 38;
  const top = 28;
  const height = top + Math.max(1, depts.length) * rowH + 10;
  // waits are shown in whole seconds: an axis shorter than 20 s would label every step "0 sek."
  const max = niceMax(Math.max(20, ...depts.map((d) => Math.max(d.figures.waitP90S ?? 0, d.figures.waitAvgS ?? 0))));
  const label =
    `${t.chartWait}: ` + (depts.length ? depts.map((d) => `${d.name} ${t.avgShort} ${f.seconds(d.figures.waitAvgS)}, ${t.p90Short} ${f.seconds(d.figures.waitP90S)}`).join('; ') : t.noData);
  let out = svgOpen('chart-wait', height, t.chartWait, label);
  if (depts.length) out += xGrid(max, top, height - 6, (v) => f.seconds(v));
  depts.forEach((d, i) => {
    const y = top + i * rowH + 3;
    out += `<g class="row" data-dept="${esc(d.id)}">` + rowLabel(d.name, y + 15);
    const bars: [string, number | null, string, string][] = [
      [t.avgShort, d.figures.waitAvgS, COLOURS.primary, 'none'],
      [t.p90Short, d.figures.waitP90S, '#a9c4e0', COLOURS.primary],
    ];
    bars.forEach(([name, v, fill, stroke], k) => {
      const by = y + k * 16;
      const text = `${name} ${f.seconds(v)}`;
      if (v === null) {
        out += `<text class="value" x="${LABEL_W + 6}" y="${by + 7}" dominant-baseline="middle" font-size="11">${esc(text)}</text>`;
        return;
      }
      const w = Math.max(1, r1((BAR_W * v) / max));
      out += `<rect class="bar" x="${LABEL_W}" y="${by}" width="${w}" height="14" fill="${fill}" stroke="${stroke}" stroke-width="1"><title>${esc(`${d.name}: ${text}`)}</title></rect>`;
      out += `<text class="value" x="${r1(LABEL_W + w + 6)}" y="${by + 7}" dominant-baseline="middle" font-size="11">${esc(text)}</text>`;
    });
    out += '</g>';
  });
  if (!depts.length) out += `<text x="${LABEL_W}" y="${top + 14}">${esc(t.noData)}</text>`;
  return out + '</svg>';
}

/** AS-2/AS-4 call-backs per department, stacked: on time (solid), late (striped), open (outlined). */
function callbacksChart(r: QuarterReport, t: Texts, f: Fmt): string {
  const depts = r.departments.some((d) => d.figures.callbacksOnTime + d.figures.callbacksLate + d.figures.callbacksOpen > 0) ? r.departments : [];
  const rowH = 28;
  const top = 28;
  const legendH = 26;
  const height = top + Math.max(1, depts.length) * rowH + 10 + legendH;
  const totals = depts.map((d) => d.figures.callbacksOnTime + d.figures.callbacksLate + d.figures.callbacksOpen);
  const max = niceMax(Math.max(0, ...totals), true);
  const counts = (d: ReportDepartment) => `${f.count(d.figures.callbacksOnTime)} ${t.onTime}, ${f.count(d.figures.callbacksLate)} ${t.late}, ${f.count(d.figures.callbacksOpen)} ${t.open}`;
  const label = `${t.chartCallbacks}: ` + (depts.length ? depts.map((d) => `${d.name} ${counts(d)}`).join('; ') : t.noCallbacks);
  let out = svgOpen('chart-callbacks', height, t.chartCallbacks, label);
  out +=
    '<defs><pattern id="pattern-late" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">' +
    `<rect width="6" height="6" fill="${COLOURS.late}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern></defs>`;
  if (depts.length) out += xGrid(max, top, top + depts.length * rowH + 4, (v) => f.count(v));
  const segments: [keyof ReportFigures, string, string, string][] = [
    ['callbacksOnTime', t.onTime, COLOURS.secondary, 'none'],
    ['callbacksLate', t.late, 'url(#pattern-late)', COLOURS.late],
    ['callbacksOpen', t.open, '#ffffff', COLOURS.open],
  ];
  depts.forEach((d, i) => {
    const y = top + i * rowH + 4;
    out += `<g class="row" data-dept="${esc(d.id)}">` + rowLabel(d.name, y + 10);
    let x = LABEL_W;
    for (const [key, name, fill, stroke] of segments) {
      const n = d.figures[key] as number;
      if (!n) continue;
      const w = r1((BAR_W * n) / max);
      out += `<rect class="bar" data-kind="${key}" x="${r1(x)}" y="${y}" width="${w}" height="20" fill="${fill}" stroke="${stroke}" stroke-width="1.5"><title>${esc(`${d.name}: ${f.count(n)} ${name}`)}</title></rect>`;
      x += w;
    }
    out += `<text class="value" x="${r1(x + 6)}" y="${y + 10}" dominant-baseline="middle" font-size="11">${esc(totals[i] ? counts(d) : DASH)}</text>`;
    out += '</g>';
  });
  if (!depts.length) out += `<text x="${LABEL_W}" y="${top + 14}">${esc(t.noCallbacks)}</text>`;
  // the legend: the same patterns, and the words
  const ly = height - legendH + 6;
  let lx = LABEL_W;
  for (const [, name, fill, stroke] of segments) {
    out += `<rect x="${lx}" y="${ly}" width="16" height="14" fill="${fill}" stroke="${stroke}" stroke-width="1.5"/><text x="${lx + 22}" y="${ly + 7}" dominant-baseline="middle" font-size="12">${esc(name)}</text>`;
    lx += 40 + name.length * 8;
  }
  return out + '</svg>';
}

/** Offered and answered per ISO week: two lines, solid with circles and dashed with squares. */
function weeksChart(r: QuarterReport, t: Texts, f: Fmt): string {
  const weeks = r.weeks.some((w) => w.offered > 0) ? r.weeks : [];
  const height = 300;
  const left = 70;
  const right = CHART_W - 20;
  const top = 20;
  const bottom = height - 60;
  const max = niceMax(Math.max(0, ...weeks.map((w) => w.offered)), true);
  const label = `${t.chartWeeks}: ` + (weeks.length ? weeks.map((w) => `${weekLabel(w, t)} ${f.count(w.offered)} / ${f.count(w.answered)} (${f.rate(w.answerRate)})`).join('; ') : t.noData);
  let out = svgOpen('chart-weeks', height, t.chartWeeks, label);
  for (let i = 0; i <= 4 && weeks.length; i++) {
    const y = r1(bottom - ((bottom - top) * i) / 4);
    out += `<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="${COLOURS.grid}"/>`;
    out += `<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${esc(f.count((max * i) / 4))}</text>`;
  }
  const step = weeks.length > 1 ? (right - left - 20) / (weeks.length - 1) : 0;
  const xOf = (i: number) => r1(left + 10 + i * step);
  const yOf = (v: number) => r1(bottom - ((bottom - top) * v) / max);
  weeks.forEach((w, i) => {
    out += `<text x="${xOf(i)}" y="${bottom + 16}" text-anchor="middle" font-size="11">${esc(w.week.slice(6))}</text>`;
  });
  out += `<text x="${r1((left + right) / 2)}" y="${bottom + 34}" text-anchor="middle" font-size="12">${esc(t.week)}</text>`;
  const series: [string, (w: ReportWeek) => number, string, string, 'circle' | 'square'][] = [
    [t.offered, (w) => w.offered, COLOURS.primary, 'none', 'circle'],
    [t.answered, (w) => w.answered, COLOURS.secondary, '6 4', 'square'],
  ];
  for (const [name, value, colour, dash, marker] of series) {
    if (!weeks.length) break;
    const points = weeks.map((w, i) => `${xOf(i)},${yOf(value(w))}`).join(' ');
    out += `<g class="series" data-series="${esc(name)}"><polyline class="line" points="${points}" fill="none" stroke="${colour}" stroke-width="2.5" stroke-dasharray="${dash}"/>`;
    weeks.forEach((w, i) => {
      const tip = `<title>${esc(`${weekLabel(w, t)}: ${f.count(value(w))} ${name.toLowerCase()}`)}</title>`;
      out +=
        marker === 'circle'
          ? `<circle class="point" cx="${xOf(i)}" cy="${yOf(value(w))}" r="4" fill="${colour}">${tip}</circle>`
          : `<rect class="point" x="${xOf(i) - 4}" y="${yOf(value(w)) - 4}" width="8" height="8" fill="${colour}">${tip}</rect>`;
    });
    out += '</g>';
  }
  if (!weeks.length) out += `<text x="${left + 10}" y="${r1((top + bottom) / 2)}">${esc(t.noData)}</text>`;
  // legend
  const ly = height - 14;
  out += `<line x1="${left}" y1="${ly}" x2="${left + 28}" y2="${ly}" stroke="${COLOURS.primary}" stroke-width="2.5"/><circle cx="${left + 14}" cy="${ly}" r="4" fill="${COLOURS.primary}"/>`;
  out += `<text x="${left + 36}" y="${ly}" dominant-baseline="middle" font-size="12">${esc(t.offered)}</text>`;
  const l2 = left + 60 + t.offered.length * 8;
  out += `<line x1="${l2}" y1="${ly}" x2="${l2 + 28}" y2="${ly}" stroke="${COLOURS.secondary}" stroke-width="2.5" stroke-dasharray="6 4"/><rect x="${l2 + 10}" y="${ly - 4}" width="8" height="8" fill="${COLOURS.secondary}"/>`;
  out += `<text x="${l2 + 36}" y="${ly}" dominant-baseline="middle" font-size="12">${esc(t.answered)}</text>`;
  return out + '</svg>';
}

function weekLabel(w: ReportWeek, t: Texts): string {
  return `${t.week.toLowerCase()} ${Number(w.week.slice(6))}`;
}

const FIGURE_ORDER: (keyof ReportFigures)[] = [
  'offered',
  'answered',
  'answerRate',
  'waitAvgS',
  'waitP90S',
  'transfersPerCall',
  'metUnavailable',
  'messageCalls',
  'voicemail',
  'lost',
  'diversions',
  'messages',
  'callbacksOnTime',
  'callbacksLate',
  'callbacksOpen',
  'callbackOnTimeRate',
];

/** One table per department: the figures down, the department and each function across. */
function departmentTable(d: ReportDepartment, t: Texts, f: Fmt): string {
  const cols = [{ name: t.deptTotal, figures: d.figures }, ...d.functions.map((fn) => ({ name: fn.name, figures: fn.figures }))];
  let out = `<section class="dept" id="dept-${esc(d.id)}" data-dept="${esc(d.id)}"><h3>${esc(d.name)}</h3><table class="figures">`;
  out += `<caption>${esc(d.name)}</caption><thead><tr><th scope="col">${esc(t.figure)}</th>`;
  for (const c of cols) out += `<th scope="col">${esc(c.name)}</th>`;
  out += '</tr></thead><tbody>';
  for (const key of FIGURE_ORDER) {
    out += `<tr data-figure="${key}"><th scope="row">${esc(t.figureNames[key])}</th>`;
    for (const c of cols) out += `<td>${esc(f.figure(key, c.figures))}</td>`;
    out += '</tr>';
  }
  return out + '</tbody></table></section>';
}

function overviewTable(r: QuarterReport, t: Texts, f: Fmt): string {
  const keys: (keyof ReportFigures)[] = ['offered', 'answered', 'answerRate', 'waitAvgS', 'waitP90S', 'transfersPerCall', 'messages', 'callbackOnTimeRate'];
  let out = `<table class="overview"><caption>${esc(t.departments)}</caption><thead><tr><th scope="col">${esc(t.department)}</th>`;
  for (const k of keys) out += `<th scope="col">${esc(t.figureNames[k])}</th>`;
  out += '</tr></thead><tbody>';
  for (const d of r.departments) {
    out += `<tr data-dept="${esc(d.id)}"><th scope="row"><a href="#dept-${esc(d.id)}">${esc(d.name)}</a></th>`;
    for (const k of keys) out += `<td>${esc(f.figure(k, d.figures))}</td>`;
    out += '</tr>';
  }
  out += `</tbody><tfoot><tr data-dept=""><th scope="row">${esc(t.total)}</th>`;
  for (const k of keys) out += `<td>${esc(f.figure(k, r.totals))}</td>`;
  return out + '</tr></tfoot></table>';
}

function weeksTable(r: QuarterReport, t: Texts, f: Fmt): string {
  let out = `<table class="weeks"><caption>${esc(t.weeks)}</caption><thead><tr><th scope="col">${esc(t.week)}</th><th scope="col">${esc(t.offered)}</th><th scope="col">${esc(t.answered)}</th><th scope="col">${esc(t.figureNames.answerRate)}</th></tr></thead><tbody>`;
  for (const w of r.weeks) out += `<tr><th scope="row">${esc(w.week)}</th><td>${esc(f.count(w.offered))}</td><td>${esc(f.count(w.answered))}</td><td>${esc(f.rate(w.answerRate))}</td></tr>`;
  return out + '</tbody></table>';
}

function keyFigures(r: QuarterReport, t: Texts, f: Fmt): string {
  const x = r.totals;
  const due = x.callbacksOnTime + x.callbacksLate;
  const items: [string, string, string, string][] = [
    ['answer-rate', t.answerRate, f.rate(x.answerRate), t.ofAnswered(f.count(x.answered), f.count(x.offered))],
    ['wait-avg', t.waitAvg, f.seconds(x.waitAvgS), t.overAnswered],
    ['wait-p90', t.waitP90, f.seconds(x.waitP90S), t.overAnswered],
    ['transfers', t.transfers, f.ratio(x.transfersPerCall), ''],
    ['callbacks', t.callbacksOnTime, f.rate(x.callbackOnTimeRate), t.ofDue(f.count(x.callbacksOnTime), f.count(due))],
  ];
  let out = `<section class="key" aria-labelledby="key-heading"><h2 id="key-heading">${esc(t.keyFigures)}</h2><dl class="cards">`;
  for (const [id, name, value, note] of items) {
    out += `<div class="card" data-key="${id}"><dt>${esc(name)}</dt><dd class="big">${esc(value)}</dd>${note ? `<dd class="note">${esc(note)}</dd>` : ''}</div>`;
  }
  return out + '</dl></section>';
}

const STYLE = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:${COLOURS.text};background:#fff;line-height:1.4}
h1{font-size:1.7rem;margin:0 0 4px}
h2{font-size:1.3rem;margin:28px 0 10px;border-bottom:2px solid ${COLOURS.primary};padding-bottom:4px}
h3{font-size:1.1rem;margin:18px 0 6px}
.meta{margin:2px 0;color:#3b3f44}
.partial{margin:10px 0;padding:8px 12px;border-left:4px solid ${COLOURS.late};background:#fbeeee}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:0;padding:0}
.card{border:1px solid #9aa3ab;border-radius:6px;padding:10px 14px;min-width:150px;flex:1}
.card dt{font-size:.9rem}
.card dd{margin:0}
.card .big{font-size:1.8rem;font-weight:700;color:${COLOURS.primary}}
.card .note{font-size:.85rem;color:#3b3f44}
figure{margin:12px 0 20px;break-inside:avoid;page-break-inside:avoid}
figcaption{font-weight:600;margin-bottom:4px}
svg.chart{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;margin:6px 0 14px;font-size:.9rem;break-inside:avoid;page-break-inside:avoid}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #9aa3ab;padding:4px 8px;text-align:right;vertical-align:top}
th[scope=row],thead th:first-child{text-align:left}
thead th{background:#e8eef4}
tfoot th,tfoot td{font-weight:700;background:#f2f4f6}
a{color:${COLOURS.primary}}
footer{margin-top:28px;font-size:.85rem;color:#3b3f44}
@media print{body{padding:0 8mm}h2{break-after:avoid}.dept{break-inside:avoid}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit;text-decoration:none}}
@page{size:A4;margin:14mm}
`;

/** ST-1: the quarterly report as one self-contained, printable HTML document. */
export function renderReportHtml(report: QuarterReport, opts: ReportHtmlOptions): string {
  const lang = opts.language;
  const t = TEXT[lang];
  const f = new Fmt(lang, t);
  const [year, q] = [Number(report.quarter.slice(0, 4)), Number(report.quarter.slice(5))];
  const quarter = t.quarter(q, year);
  const day = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).setLocale(lang === 'da' ? 'da' : 'en-GB').toFormat(lang === 'da' ? 'd. MMMM yyyy' : 'd MMMM yyyy');
  const generated = DateTime.fromISO(report.generatedAt).setZone(ZONE).setLocale(lang === 'da' ? 'da' : 'en-GB');
  const generatedText = lang === 'da' ? generated.toFormat("d. MMMM yyyy 'kl.' HH.mm") : generated.toFormat('d MMMM yyyy, HH:mm');
  const title = `${t.title} ${quarter} – ${report.municipality}`;
  const body = [
    `<header><h1>${esc(report.municipality)}: ${esc(t.title.toLowerCase())} ${esc(quarter)}</h1>`,
    `<p class="meta">${esc(t.period)}: ${esc(day(report.from))} – ${esc(day(report.to))}. ${esc(t.generated)}: <time datetime="${esc(report.generatedAt)}">${esc(generatedText)}</time>. ${esc(t.timezone)}</p>`,
    report.partial ? `<p class="partial" data-testid="partial">${esc(t.partial(generatedText))}</p>` : '',
    '</header><main>',
    keyFigures(report, t, f),
    `<section aria-labelledby="charts-heading"><h2 id="charts-heading">${esc(t.charts)}</h2>`,
    `<figure><figcaption>${esc(t.chartAnswerRate)}</figcaption>${answerRateChart(report, t, f)}</figure>`,
    `<figure><figcaption>${esc(t.chartWait)}</figcaption>${waitChart(report, t, f)}</figure>`,
    `<figure><figcaption>${esc(t.chartCallbacks)}</figcaption>${callbacksChart(report, t, f)}</figure>`,
    `<figure><figcaption>${esc(t.chartWeeks)}</figcaption>${weeksChart(report, t, f)}</figure>`,
    '</section>',
    `<section aria-labelledby="dept-heading"><h2 id="dept-heading">${esc(t.departments)}</h2>`,
    overviewTable(report, t, f),
    ...report.departments.map((d) => departmentTable(d, t, f)),
    '</section>',
    `<section aria-labelledby="weeks-heading"><h2 id="weeks-heading">${esc(t.weeks)}</h2>${weeksTable(report, t, f)}</section>`,
    `</main><footer><p>${esc(t.footer)}</p></footer>`,
  ].join('\n');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="omstil">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
