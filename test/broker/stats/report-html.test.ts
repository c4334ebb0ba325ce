import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { renderReportHtml } from '../../../broker/stats/report-html.js';
import { QuarterReport } from '../../../protocol/index.js';
import { figures, sampleReport } from './report-fixture.js';

const t = suite('broker/stats/report-html');

/** the text a reader sees: tags out, entities and non-breaking spaces normalised */
const visible = (html: string) =>
  html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/\s+/g, ' ');

const svgs = (html: string) => (html.match(/<svg[\s\S]*?<\/svg>/g) ?? []).map((s) => s.replace(/[\u00a0\u202f]/g, ' '));

t('one self-contained file: no script, no external resource', () => {
  const html = renderReportHtml(sampleReport(), { language: 'da' });
  assert.match(html, /^<!doctype html>\n<html lang="da">/);
  assert.not.match(html, /<script/i);
  assert.not.match(html, /<link\b/i);
  assert.not.match(html, /<img\b/i);
  assert.not.match(html, /@import|url\((?!#)/i, 'only url(#pattern) references');
  assert.not.match(html, /\b(?:src|href)="(?!#)/, 'links only inside the document');
});

t('Danish: heading with municipality and quarter, key figures with decimal comma and "–" for null', () => {
  const html = renderReportHtml(sampleReport(), { language: 'da' });
  const text = visible(html);
  assert.match(text, /Norddjurs Kommune: telefonstatistik 4\. kvartal 2026/);
  assert.match(text, /Periode: 1\. oktober 2026 – 31\. december 2026/);
  // 14:05 UTC is 15.05 in Copenhagen in winter: 24-hour time
  assert.match(text, /Dannet: 3\. december 2026 kl\. 15\.05/);
  assert.match(text, /Kvartalet er ikke slut/);
  const card = (key: string) => visible(/<div class="card" data-key="([^"]+)">[\s\S]*?<\/div>/g.exec(html.slice(html.indexOf(`data-key="${key}"`) - 20))![0]);
  assert.match(card('answer-rate'), /87,9 %/); // 1230/1400
  assert.match(card('answer-rate'), /1\.230 af 1\.400 opkald/);
  assert.match(card('wait-avg'), /24,1 sek\./);
  assert.match(card('wait-p90'), /55 sek\./);
  assert.match(card('transfers'), /0,22/);
  assert.match(card('callbacks'), /77,8 %/);
  assert.match(card('callbacks'), /105 af 135 forfaldne/);
  assert.not.match(text, /NaN|undefined|null/);
  // the department with no calls: "–", never "0 %" or an empty bar
  const natur = /<tr data-dept="natur">[\s\S]*?<\/tr>/.exec(html)![0];
  assert.match(visible(natur), /Natur og Miljø 0 0 – – – – 0 –/);
});

t('English: the same figures with a decimal point', () => {
  const text = visible(renderReportHtml(sampleReport(), { language: 'en' }));
  assert.match(text, /Norddjurs Kommune: telephone statistics Q4 2026/);
  assert.match(text, /Generated: 3 December 2026, 15:05/);
  assert.match(text, /87\.9%/);
  assert.match(text, /24\.1 s/);
  assert.match(text, /1,230 of 1,400 calls/);
});

t('four charts, each an accessible image whose label states the data', () => {
  const html = renderReportHtml(sampleReport(), { language: 'da' });
  const charts = svgs(html);
  assert.is(charts.length, 4);
  for (const svg of charts) {
    assert.match(svg, /^<svg class="chart" id="chart-[a-z-]+" role="img" aria-labelledby="[a-z-]+-title" aria-label="[^"]+"/);
    assert.match(svg, /<title id="chart-[a-z-]+-title">[^<]+<\/title>/);
  }
  const [rate, wait, callbacks, weeks] = charts as [string, string, string, string];
  assert.match(visible(rate.slice(0, rate.indexOf('>'))), /Svarprocent pr\. afdeling: Borgerservice 93 %; Børn & <Unge> "PPR" 75 %; Natur og Miljø –/);
  assert.match(wait, /aria-label="[^"]*Borgerservice gns\. 28 sek\., 90 %-fraktil 61,5 sek\./);
  assert.match(callbacks, /aria-label="[^"]*Borgerservice 45 til tiden, 10 for sent, 5 åbne/);
  assert.match(weeks, /aria-label="[^"]*uge 40 110 \/ 95 \(86,4 %\)/);
});

t('answer-rate bars: width proportional to the rate, the figure written on each, none for null', () => {
  const html = renderReportHtml(sampleReport(), { language: 'da' });
  const rate = svgs(html)[0]!;
  const row = (id: string) => new RegExp(`<g class="row" data-dept="${id}">([\\s\\S]*?)</g>`).exec(rate)![1]!;
  const width = (g: string) => Number(/<rect class="bar"[^>]* width="([\d.]+)"/.exec(g)?.[1] ?? NaN);
  const bs = width(row('borgerservice'));
  const bu = width(row('boern-unge'));
  assert.ok(bs > 0 && bu > 0);
  assert.ok(Math.abs(bs / bu - 0.93 / 0.75) < 0.01, `${bs} / ${bu}`);
  assert.match(visible(row('borgerservice')), /93 %/);
  assert.match(visible(row('boern-unge')), /75 %/);
  assert.not.match(row('natur'), /<rect/);
  assert.match(visible(row('natur')), /–/);
});

t('the wait axis has distinct whole-second steps even when every wait is under a second (a PBX that answers at once)', () => {
  const r = sampleReport();
  for (const d of r.departments) if (d.figures.waitAvgS !== null) d.figures = { ...d.figures, waitAvgS: 0.004, waitP90S: 0.01 };
  const wait = svgs(renderReportHtml(r, { language: 'da' }))[1]!;
  const ticks = [...wait.matchAll(/<text x="[\d.]+" y="\d+" text-anchor="middle" font-size="11">([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.ok(ticks.length >= 4, JSON.stringify(ticks));
  assert.is(new Set(ticks).size, ticks.length, `every step a different label: ${JSON.stringify(ticks)}`);
});

t('call-backs stacked: three segments in proportion; the weekly trend has a point per week and series', () => {
  const html = renderReportHtml(sampleReport(), { language: 'da' });
  const [, , callbacks, weeks] = svgs(html) as [string, string, string, string];
  const row = /<g class="row" data-dept="boern-unge">([\s\S]*?)<\/g>/.exec(callbacks)![1]!;
  const seg = (kind: string) => Number(new RegExp(`data-kind="${kind}" x="[\\d.]+" y="[\\d.]+" width="([\\d.]+)"`).exec(row)![1]);
  assert.ok(Math.abs(seg('callbacksOnTime') / seg('callbacksLate') - 3) < 0.05);
  assert.ok(Math.abs(seg('callbacksOnTime') / seg('callbacksOpen') - 6) < 0.1);
  assert.is((weeks.match(/class="point"/g) ?? []).length, 2 * 14);
  assert.is((weeks.match(/<polyline/g) ?? []).length, 2);
  assert.match(weeks, /stroke-dasharray="6 4"/, 'answered differs by dash too, not only colour');
});

t('every text from the directory is HTML-escaped', () => {
  const html = renderReportHtml(sampleReport(), { language: 'da' });
  assert.not.match(html, /<Unge>|<visitation>/);
  assert.match(html, /Børn &amp; &lt;Unge&gt; &quot;PPR&quot;/);
  assert.match(html, /Pladsanvisning &lt;visitation&gt;/);
  const evil = sampleReport();
  evil.municipality = '</title><script>alert(1)</script>';
  evil.departments[0]!.name = '<img src=x onerror=alert(1)>';
  const bad = renderReportHtml(evil, { language: 'en' });
  assert.not.match(bad, /<script|<img/);
});

t('a table per department: figures down, the department and its functions across, with headers', () => {
  const html = renderReportHtml(sampleReport(), { language: 'da' });
  const section = /<section class="dept" id="dept-boern-unge"[\s\S]*?<\/section>/.exec(html)![0];
  assert.match(section, /<th scope="col">Afdelingen i alt<\/th><th scope="col">Pladsanvisning &lt;visitation&gt;<\/th>/);
  const rate = /<tr data-figure="answerRate">([\s\S]*?)<\/tr>/.exec(section)![1]!;
  assert.match(visible(rate), /Svarprocent 75 % 80 %/);
  const wait = /<tr data-figure="waitAvgS">([\s\S]*?)<\/tr>/.exec(section)![1]!;
  assert.match(visible(wait), /12,3 sek\. 10 sek\./);
  assert.is((html.match(/<section class="dept"/g) ?? []).length, 3);
});

t('an empty quarter renders without NaN: every figure "–" or 0, charts say there were no calls', () => {
  const r = sampleReport();
  r.departments = [];
  r.weeks = [];
  r.totals = figures();
  const html = renderReportHtml(QuarterReport.parse(r), { language: 'da' });
  const text = visible(html);
  assert.not.match(text, /NaN|Infinity|undefined/);
  assert.match(text, /Ingen opkald i perioden\./);
  assert.not.match(text, /(^|[^\d,])0 %/);
});

t('property: any valid report renders without NaN/Infinity and with four labelled charts', () => {
  const rate = fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null });
  const secs = fc.option(fc.double({ min: 0, max: 10_000, noNaN: true }), { nil: null });
  const n = fc.nat({ max: 100_000 });
  const figs = fc.record({
    offered: n, answered: n, answerRate: rate, waitAvgS: secs, waitP90S: secs, transfersPerCall: secs, metUnavailable: n, messageCalls: n, voicemail: n, lost: n,
    diversions: n, messages: n, callbacksOnTime: n, callbacksLate: n, callbacksOpen: n, callbackOnTimeRate: rate,
  });
  const name = fc.string({ maxLength: 60 });
  fc.assert(
    fc.property(fc.array(fc.record({ name, figures: figs, functions: fc.array(fc.record({ name, figures: figs }), { maxLength: 3 }) }), { maxLength: 25 }), figs, fc.array(fc.tuple(n, n), { maxLength: 14 }), fc.boolean(), (depts, totals, weeks, da) => {
      const r = sampleReport();
      r.totals = totals;
      r.departments = depts.map((d, i) => ({ id: `d${i}`, name: d.name, figures: d.figures, functions: d.functions.map((f, k) => ({ id: `d${i}-f${k}`, name: f.name, figures: f.figures })) }));
      r.weeks = weeks.map(([o, a], i) => ({ week: `2026-W${String(40 + i).padStart(2, '0')}`, offered: o, answered: a, answerRate: o ? Math.min(1, a / o) : null }));
      const html = renderReportHtml(QuarterReport.parse(r), { language: da ? 'da' : 'en' });
      const markup = html.replace(/<title[^>]*>[\s\S]*?<\/title>|aria-label="[^"]*"/g, '');
      assert.not.match(visible(html), /\bNaN\b|Infinity/);
      assert.not.match(markup, /="[^"]*NaN|="-?Infinity/);
      assert.is(svgs(html).length, 4);
    }),
    { numRuns: 60 },
  );
});

t.run();
