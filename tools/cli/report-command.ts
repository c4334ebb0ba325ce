/**
 * `omstil report --quarter 2026Q4` (ST-1, docs/statistics.md "The quarterly report"): reads the
 * hub's SQLite database in --data-dir, builds the quarter's report from the calls, messages and
 * diversions stored there and the directory in force, and writes `omstil-report-2026Q4.html`
 * (charts, Danish or English), `.csv` and `.json` into --out. Only reads the database.
 *
 * Exit status: 0 written; 1 the files could not be written; 2 a usage error (a bad --quarter),
 * no database in --data-dir, or a database without a directory.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { loadConfig, ConfigError, type Config } from '../../broker/config.js';
import { Directory, DirectoryError } from '../../broker/directory/directory.js';
import { openStore } from '../../broker/main.js';
import { isPostgresStore } from '../../broker/store/create-store.js';
import { quarterReportFromStore } from '../../broker/stats/quarter-report.js';
import { renderReportCsv } from '../../broker/stats/report-csv.js';
import { renderReportHtml } from '../../broker/stats/report-html.js';
import { currentQuarter, reportFileName } from '../../broker/stats/report-quarters.js';
import { OmstilError, QUARTER_PATTERN, type QuarterReport } from '../../protocol/index.js';

interface ReportOptions {
  quarter?: string;
  out: string;
  dataDir?: string;
  lang: 'da' | 'en';
  json?: boolean;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('the quarterly telephone statistics (ST-1): an HTML report with charts, plus CSV and JSON, from the hub\'s database')
    .option('--quarter <quarter>', 'the quarter, e.g. 2026Q4 (default: the current one, figures so far)')
    .option('--out <dir>', 'folder for omstil-report-<quarter>.html, .csv and .json', '.')
    .option('--data-dir <dir>', 'the hub\'s data directory with omstil.db (default .omstil, or OMSTIL_DATA_DIR)')
    .addOption(new Option('--lang <lang>', 'language of the HTML report').choices(['da', 'en']).default('da'))
    .option('--json', 'print the report as JSON on stdout instead of the summary (the files are written too)')
    .addHelpText('after', '\nThe CSV has English column names and machine-readable numbers (dot decimal, rates 0..1); see docs/statistics.md.\nExit status: 0 written; 1 the files could not be written; 2 a bad --quarter, or no hub database in --data-dir.')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action((o: ReportOptions) => {
      process.exitCode = runReport(o, new Date());
    });
}

/** Runs `omstil report`; returns the exit status. */
export function runReport(o: ReportOptions, now: Date): number {
  const say = (msg: string) => process.stderr.write(`omstil report: ${msg}\n`);
  const quarter = o.quarter ?? currentQuarter(now);
  if (!QUARTER_PATTERN.test(quarter)) {
    say(`--quarter: must be a quarter like 2026Q4 (year and Q1-Q4), got "${quarter}" (ST-1)`);
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig({ overrides: { dataDir: o.dataDir } });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    say(err.message);
    return 2;
  }
  const postgres = isPostgresStore(config);
  const dbFile = postgres ? 'the PostgreSQL store' : path.resolve(config.dataDir, 'omstil.db');
  // opening a missing file would create an empty database: refuse before that
  if (!postgres && !existsSync(dbFile)) {
    say(`no hub database at ${dbFile}: pass the hub's --data-dir (default .omstil, or OMSTIL_DATA_DIR)`);
    return 2;
  }
  let report: QuarterReport;
  let store: ReturnType<typeof openStore>;
  try {
    store = openStore(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    say(err.message);
    return 2;
  }
  try {
    const stored = store.loadDirectory();
    if (!stored) {
      say(`${dbFile} holds no directory: start the hub once or run \`omstil import\` first`);
      return 2;
    }
    const dir = Directory.parse(stored.data, `directory version ${stored.version}`);
    report = quarterReportFromStore(store, dir, quarter, now);
  } catch (err) {
    if (err instanceof OmstilError && err.code !== 'internal') {
      say(`${err.field === 'quarter' ? '--quarter: ' : ''}${err.message}${err.rule ? ` (${err.rule})` : ''}`);
      return 2;
    }
    if (err instanceof DirectoryError) {
      say(err.message);
      return 2;
    }
    throw err;
  } finally {
    store.close();
  }
  const files = {
    html: path.resolve(o.out, reportFileName(quarter, 'html')),
    csv: path.resolve(o.out, reportFileName(quarter, 'csv')),
    json: path.resolve(o.out, reportFileName(quarter, 'json')),
  };
  try {
    mkdirSync(path.resolve(o.out), { recursive: true });
    writeFileSync(files.html, renderReportHtml(report, { language: o.lang }));
    writeFileSync(files.csv, renderReportCsv(report));
    writeFileSync(files.json, JSON.stringify(report, null, 2) + '\n');
  } catch (err) {
    say(`cannot write the report into ${path.resolve(o.out)}: ${(err as Error).message}`);
    return 1;
  }
  if (o.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  const t = report.totals;
  const pct = (r: number | null) => (r === null ? '–' : `${(r * 100).toFixed(1)} %`);
  const secs = (s: number | null) => (s === null ? '–' : `${s.toFixed(1)} s`);
  process.stdout.write(
    [
      `report ${quarter} for ${report.municipality} (${report.from} to ${report.to}${report.partial ? ', so far: the quarter is not over' : ''})`,
      `  ${t.offered} calls offered, ${pct(t.answerRate)} answered, average wait ${secs(t.waitAvgS)} (90 %: ${secs(t.waitP90S)}), call-backs on time ${pct(t.callbackOnTimeRate)}`,
      `  html  ${files.html}`,
      `  csv   ${files.csv}`,
      `  json  ${files.json}`,
    ].join('\n') + '\n',
  );
  return 0;
}
