/**
 * ST-1: the reports page on the admin API's port, `/reports`, for municipal leaders and IT. The
 * same login as the fleet page: the admin token, asked for by the page and kept for the tab
 * only (sessionStorage `omstil.adminToken`, so a login on /fleet carries over). The page itself
 * holds no figures, so it needs no token; its script fetches `GET /api/v1/reports/{quarter}`
 * with the token and shows the HTML report (`report-html.ts`) in a sandboxed frame that runs
 * no script, with downloads of the CSV, JSON and HTML.
 *
 * Server-rendered: the quarters to choose from (the current one and the three before it, by
 * the hub's clock), the texts in Danish or English (`?lang=en`), and a small script with no
 * texts of its own (it reads them from data attributes). Same-origin only, framed by nobody.
 */
import type { ServerResponse } from 'node:http';
import { QUARTER_PATTERN } from '../../protocol/index.js';
import { escapeHtml as esc } from './report-html.js';
import { recentQuarters } from './report-quarters.js';

export const REPORTS_PATH = '/reports';
const SCRIPT_PATH = '/reports/reports-page.js';

/** as the fleet page: only its own script, only its own origin; the report frame gets no script at all */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

const TEXT = {
  da: {
    title: 'Omstil – kvartalsrapporter',
    heading: 'Kvartalsrapporter',
    fleet: 'Enheder (IT)',
    other: { lang: 'en', label: 'English' },
    tokenLabel: 'Admin-nøgle',
    tokenHint: 'Nøglen står i filen admin-token i hubbens datamappe (eller OMSTIL_ADMIN_TOKEN).',
    login: 'Log ind',
    logout: 'Log ud',
    quarters: 'Kvartaler',
    quarter: (q: number, y: number) => `${q}. kvartal ${y}`,
    current: 'indtil nu',
    download: 'Hent',
    frameTitle: (q: string) => `Kvartalsrapport, ${q}`,
    wrongToken: 'Forkert admin-nøgle. Kopiér den igen fra filen admin-token, og prøv igen.',
    loading: 'Henter rapporten …',
    failed: 'Rapporten kunne ikke hentes',
    offline: 'Forbindelse afbrudt: hubben svarer ikke. Prøv igen om lidt.',
    badQuarter: (q: string) => `"${q}" er ikke et kvartal (skriv fx 2026Q4). Viser det aktuelle kvartal.`,
  },
  en: {
    title: 'Omstil – quarterly reports',
    heading: 'Quarterly reports',
    fleet: 'Devices (IT)',
    other: { lang: 'da', label: 'Dansk' },
    tokenLabel: 'Admin token',
    tokenHint: 'The token is in the file admin-token in the hub\'s data directory (or OMSTIL_ADMIN_TOKEN).',
    login: 'Log in',
    logout: 'Log out',
    quarters: 'Quarters',
    quarter: (q: number, y: number) => `Q${q} ${y}`,
    current: 'so far',
    download: 'Download',
    frameTitle: (q: string) => `Quarterly report, ${q}`,
    wrongToken: 'Wrong admin token. Copy it again from the file admin-token and try again.',
    loading: 'Loading the report …',
    failed: 'The report could not be loaded',
    offline: 'Connection lost: the hub does not answer. Try again in a moment.',
    badQuarter: (q: string) => `"${q}" is not a quarter (write e.g. 2026Q4). Showing the current quarter.`,
  },
};

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1b;background:#f4f6f8;line-height:1.4}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:16px;padding:12px 24px;background:#1f4e79;color:#fff}
header h1{margin:0;font-size:1.4rem}
header a{color:#fff}
header nav{display:flex;gap:16px;margin-left:auto}
main{padding:16px 24px}
form{max-width:420px;background:#fff;border:1px solid #9aa3ab;border-radius:6px;padding:16px}
label{display:block;font-weight:600;margin-bottom:4px}
input{font:inherit;width:100%;padding:6px 8px;border:1px solid #555b61;border-radius:4px}
input[aria-invalid=true]{border-color:#a4262c;outline:2px solid #a4262c}
button,.download{font:inherit;padding:6px 14px;border-radius:4px;border:1px solid #1f4e79;background:#1f4e79;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#1f4e79}
.error{color:#a4262c;font-weight:600}
.hint{font-size:.9rem;color:#3b3f44}
.quarters ul{list-style:none;display:flex;flex-wrap:wrap;gap:8px;margin:0 0 12px;padding:0}
.quarters a{display:inline-block;padding:6px 12px;border:1px solid #1f4e79;border-radius:4px;color:#1f4e79;background:#fff;text-decoration:none}
.quarters a[aria-current=page]{background:#1f4e79;color:#fff;font-weight:700}
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:12px}
.actions button.secondary{margin-left:auto}
iframe{width:100%;min-height:600px;border:1px solid #9aa3ab;background:#fff}
[hidden]{display:none!important}
`;

/**
 * The page's script: no texts (they are in data attributes), no data (it fetches the report
 * with the token). Plain JavaScript, served as a file: the page's CSP allows no inline script.
 */
const SCRIPT = `// omstil reports page (ST-1): see broker/stats/reports-page.ts
const KEY = 'omstil.adminToken';
const main = document.querySelector('main');
const $ = (id) => document.getElementById(id);
const form = $('login'), input = $('token'), loginError = $('login-error'), reports = $('reports'), frame = $('report'), status = $('status');
const quarter = main.dataset.quarter;
const lang = document.documentElement.lang;
const url = (format) => '/api/v1/reports/' + quarter + '?format=' + format + '&lang=' + lang;
const get = (format, token) => fetch(url(format), { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });

function say(text) { status.textContent = text; status.hidden = !text; }
function showLogin() { reports.hidden = true; form.hidden = false; input.focus(); }

async function failure(res) {
  const body = await res.json().catch(() => null);
  const msg = body && body.error && body.error.message ? ': ' + body.error.message : '';
  return main.dataset.failed + ' (' + res.status + msg + ')';
}

/** 'ok' | 'denied' | 'error' */
async function show(token) {
  form.hidden = true;
  reports.hidden = false;
  say(main.dataset.loading);
  let res;
  try { res = await get('html', token); } catch { say(main.dataset.offline); return 'error'; }
  if (res.status === 401) return 'denied';
  if (!res.ok) { say(await failure(res)); return 'error'; }
  frame.srcdoc = await res.text();
  say('');
  return 'ok';
}

// the frame is same-origin but runs no script: the page sizes it to the report
frame.addEventListener('load', () => {
  const doc = frame.contentDocument;
  if (doc && doc.documentElement) frame.style.height = doc.documentElement.scrollHeight + 24 + 'px';
});

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = input.value.trim();
  if (!token) return;
  const r = await show(token);
  if (r === 'denied') {
    sessionStorage.removeItem(KEY);
    showLogin();
    input.setAttribute('aria-invalid', 'true');
    loginError.textContent = main.dataset.wrongToken;
    loginError.hidden = false;
    return;
  }
  sessionStorage.setItem(KEY, token);
  input.value = '';
  input.removeAttribute('aria-invalid');
  loginError.hidden = true;
});

for (const a of document.querySelectorAll('a[data-format]')) {
  a.addEventListener('click', async (e) => {
    e.preventDefault();
    const token = sessionStorage.getItem(KEY);
    if (!token) return showLogin();
    let res;
    try { res = await get(a.dataset.format, token); } catch { say(main.dataset.offline); return; }
    if (res.status === 401) { sessionStorage.removeItem(KEY); return showLogin(); }
    if (!res.ok) { say(await failure(res)); return; }
    const blob = await res.blob();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = a.dataset.file;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  });
}

$('logout').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  frame.removeAttribute('srcdoc');
  showLogin();
});

const saved = sessionStorage.getItem(KEY);
if (saved) {
  show(saved).then((r) => { if (r === 'denied') { sessionStorage.removeItem(KEY); showLogin(); } });
} else showLogin();
`;

function quarterName(quarter: string, lang: 'da' | 'en'): string {
  return TEXT[lang].quarter(Number(quarter.slice(5)), Number(quarter.slice(0, 4)));
}

/** The page for `?quarter=&lang=` at `now` (the hub's clock). */
export function renderReportsPage(query: URLSearchParams, now: Date): string {
  const lang = query.get('lang') === 'en' ? 'en' : 'da';
  const t = TEXT[lang];
  const quarters = recentQuarters(now, 4);
  const asked = query.get('quarter');
  const valid = asked !== null && QUARTER_PATTERN.test(asked);
  const quarter = valid ? asked : quarters[0]!;
  // an older quarter asked for by its URL is shown too, and listed
  const listed = quarters.includes(quarter) ? quarters : [...quarters, quarter];
  const link = (q: string, l: string) => `${REPORTS_PATH}?quarter=${encodeURIComponent(q)}${l === 'da' ? '' : `&lang=${l}`}`;
  const file = (ext: string) => `omstil-report-${quarter}.${ext}`;
  const items = listed
    .map((q) => `<li><a href="${esc(link(q, lang))}" data-testid="reports-quarter" data-quarter="${esc(q)}"${q === quarter ? ' aria-current="page"' : ''}>${esc(quarterName(q, lang))}${q === quarters[0] ? ` (${esc(t.current)})` : ''}</a></li>`)
    .join('');
  const download = (format: string) =>
    `<a class="download" href="/api/v1/reports/${esc(quarter)}?format=${format}&amp;lang=${lang}" data-format="${format}" data-file="${esc(file(format))}" data-testid="reports-${format}">${esc(t.download)} ${format.toUpperCase()}</a>`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t.title)}</title>
<style>${STYLE}</style>
<script type="module" src="${SCRIPT_PATH}"></script>
</head>
<body>
<header><h1>${esc(t.heading)}</h1><nav><a href="/fleet${lang === 'da' ? '' : '?lang=en'}">${esc(t.fleet)}</a><a href="${esc(link(quarter, t.other.lang))}" lang="${t.other.lang}" data-testid="reports-lang">${esc(t.other.label)}</a></nav></header>
<main data-quarter="${esc(quarter)}" data-wrong-token="${esc(t.wrongToken)}" data-loading="${esc(t.loading)}" data-failed="${esc(t.failed)}" data-offline="${esc(t.offline)}">
${asked !== null && !valid ? `<p class="error" role="alert" data-testid="reports-bad-quarter">${esc(t.badQuarter(asked))}</p>` : ''}
<form id="login" data-testid="reports-login" hidden>
<label for="token">${esc(t.tokenLabel)}</label>
<input id="token" name="token" type="password" autocomplete="current-password" required aria-describedby="token-hint login-error" data-testid="reports-token">
<p id="token-hint" class="hint">${esc(t.tokenHint)}</p>
<p id="login-error" class="error" role="alert" data-testid="reports-login-error" hidden></p>
<button type="submit" data-testid="reports-login-submit">${esc(t.login)}</button>
</form>
<section id="reports" data-testid="reports" hidden>
<nav class="quarters" aria-label="${esc(t.quarters)}"><ul>${items}</ul></nav>
<div class="actions">${download('csv')}${download('json')}${download('html')}<button type="button" id="logout" class="secondary" data-testid="reports-logout">${esc(t.logout)}</button></div>
<p id="status" role="status" data-testid="reports-status" hidden></p>
<iframe id="report" title="${esc(t.frameTitle(quarterName(quarter, lang)))}" sandbox="allow-same-origin" data-testid="reports-frame"></iframe>
</section>
</main>
</body>
</html>
`;
}

export class ReportsPage {
  constructor(private readonly now: () => Date) {}

  /** Whether this path is the page or its script. */
  serves(pathname: string): boolean {
    return pathname === REPORTS_PATH || pathname === `${REPORTS_PATH}/` || pathname === SCRIPT_PATH;
  }

  send(url: URL, method: string | undefined, res: ServerResponse): void {
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    const script = url.pathname === SCRIPT_PATH;
    const body = script ? SCRIPT : renderReportsPage(url.searchParams, this.now());
    res.writeHead(200, { 'content-type': script ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...PAGE_HEADERS });
    res.end(method === 'HEAD' ? undefined : body);
  }
}
