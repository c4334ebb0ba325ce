/**
 * `omstil ota IMAGE [--canary 5%] [--then 100%]`: a staged over-the-air rollout through the
 * hub's admin API (docs/firmware.md, "Over-the-air updates: rollouts"). Checks the image with
 * --key first (a refused image is never uploaded), uploads it (the hub checks it again with its
 * own key), then follows the rollout: a progress bar per stage on stderr, or JSON lines.
 *
 * Exit status: 0 the rollout completed; 1 it halted (the failure threshold, or IT) or the image
 * was refused (by --key or by the hub); 2 a usage error, or the hub could not be reached.
 */
import { Command, InvalidArgumentError } from 'commander';
import { adminApiBase, readAdminToken } from './admin-client.js';

const percent = (v: string) => {
  const m = /^(\d{1,3}(?:\.\d+)?)%?$/.exec(v.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!(n > 0 && n <= 100)) throw new InvalidArgumentError(`not a percentage in (0, 100]: ${v}`);
  return n;
};
const rate = (v: string) => {
  const m = /^(\d{1,3}(?:\.\d+)?)(%?)$/.exec(v.trim());
  const n = m ? (m[2] || Number(m[1]) > 1 ? Number(m[1]) / 100 : Number(m[1])) : NaN;
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`not a failure rate (0-100 %): ${v}`);
  return n;
};
const ms = (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 50) throw new InvalidArgumentError(`not a whole number of milliseconds ≥ 50: ${v}`);
  return n;
};

interface OtaOptions {
  canary?: number;
  then: number[];
  maxFailures?: number;
  api: string;
  tokenFile?: string;
  dataDir: string;
  key?: string;
  allowDowngrade?: boolean;
  json?: boolean;
  interval: number;
  follow: boolean;
}

/** What GET /api/v1/ota/rollouts/:id answers (the fields the CLI reads). */
interface RolloutView {
  id: string;
  state: 'running' | 'completed' | 'halted' | 'superseded';
  stage: number;
  stages: number[];
  stageEnds: number[];
  image: { version: string; kind: string; size: number; sha256: string };
  haltedReason: string | null;
  total: number;
  counts: Record<string, number>;
  finished: number;
  failed: number;
  pendingOffline: number;
  devices?: { deviceId: string; state: string; error: { code: string; message: string } | null }[];
}

export function registerOtaCommand(program: Command): void {
  program
    .command('ota')
    .description('roll a signed firmware image out over the air, in stages; halts by itself when too many devices fail')
    .argument('<image>', 'the image file (`omstil image build`)')
    .option('--canary <percent>', 'first stage: this share of the devices (e.g. 5%)', percent)
    .option('--then <percent>', 'the following stage(s), cumulative; repeat it or list them: 25%,100% (default 100%)', (v: string, prev: number[] | undefined) => [...(prev ?? []), ...v.split(',').map(percent)])
    .option('--max-failures <rate>', 'halt when more than this share of a stage\'s finished devices fail (default 20%)', rate)
    .option('--api <url>', 'the hub\'s admin API', 'http://127.0.0.1:8090')
    .option('--token-file <file>', 'the admin token (default: OMSTIL_ADMIN_TOKEN, else <data-dir>/admin-token)')
    .option('--data-dir <dir>', 'the hub\'s data directory, for its admin-token file', '.omstil')
    .option('--key <dir>', 'check the image against DIR/omstil-signing.pub before uploading it')
    .option('--allow-downgrade', 'roll out an image older than what devices run')
    .option('--json', 'one JSON line per change on stdout (no progress bar)')
    .option('--interval <ms>', 'how often the rollout is read', ms, 500)
    .option('--no-follow', 'start the rollout and exit')
    .addHelpText('after', '\nExit status: 0 completed; 1 halted, or the image was refused (by --key or the hub); 2 usage or connection errors.\nCtrl+C stops following; the rollout goes on (halt it with POST /api/v1/ota/rollouts/ID/halt).')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (file: string, o: OtaOptions) => {
      process.exitCode = await ota(file, o);
    });
}

async function ota(file: string, o: OtaOptions): Promise<number> {
  const say = (msg: string) => process.stderr.write(`omstil: ${msg}\n`);
  const json = (e: Record<string, unknown>) => process.stdout.write(JSON.stringify(e) + '\n');

  const refuse = (code: string, message: string, by: 'key' | 'hub') => {
    if (o.json) json({ state: 'refused', by, file, code, message });
    else say(`${file} refused ${by === 'key' ? 'by --key' : 'by the hub'} (${code}): ${message}`);
    return 1;
  };
  const { imageToSend } = await import('./image-to-send.js');
  const loaded = imageToSend(file, o.key, say);
  if (!loaded.ok) return loaded.usage ? 2 : refuse(loaded.code, loaded.message, 'key');
  const image = loaded.image;

  const token = readAdminToken(o, say);
  if (token === null) return 2;
  const base = `${adminApiBase(o.api)}/ota/rollouts`;
  const headers = { authorization: `Bearer ${token}` };
  const stages = [...(o.canary !== undefined ? [o.canary] : []), ...(o.then ?? [100])];
  for (let i = 1; i < stages.length; i++) {
    if (stages[i]! <= stages[i - 1]!) {
      say(`stages must grow: ${stages.join('% → ')}%`);
      return 2;
    }
  }
  const q = new URLSearchParams();
  if (o.canary !== undefined) q.set('canary', String(o.canary));
  q.set('then', (o.then ?? [100]).join(','));
  if (o.maxFailures !== undefined) q.set('maxFailureRate', String(o.maxFailures));
  if (o.allowDowngrade) q.set('allowDowngrade', '1');

  let res: Response;
  try {
    res = await fetch(`${base}?${q}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: new Uint8Array(image) });
  } catch (err) {
    say(`cannot reach the hub at ${o.api}: ${(err as Error).message}`);
    return 2;
  }
  const body = (await res.json().catch(() => null)) as (RolloutView & { ok?: false; error?: { code: string; message: string } }) | null;
  if (!res.ok || !body || body.ok === false) {
    const e = body?.error ?? { code: `http-${res.status}`, message: res.statusText };
    if (res.status === 422) return refuse(e.code, e.message, 'hub');
    if (o.json) json({ state: 'error', status: res.status, code: e.code, message: e.message });
    else say(`the hub said ${res.status} (${e.code}): ${e.message}`);
    return res.status === 409 || res.status === 503 ? 1 : 2;
  }
  const started = body;
  const t0 = Date.now();
  if (o.json) json({ state: 'started', ...summaryOf(started), elapsedMs: 0 });
  else say(`rollout ${started.id}: firmware ${started.image.version} for ${started.image.kind} devices, ${started.total} devices in stages ${started.stages.map((s) => `${s}%`).join(' → ')}`);
  if (!o.follow) return 0;

  const { default: cliProgress } = await import('cli-progress');
  const tty = process.stderr.isTTY === true && !o.json;
  const ui: { bar: InstanceType<typeof cliProgress.SingleBar> | null } = { bar: null };
  let barStage = -1;
  let last = '';
  const show = (r: RolloutView) => {
    const key = JSON.stringify([r.state, r.stage, r.counts]);
    const changed = key !== last;
    last = key;
    if (o.json) {
      if (changed) json({ state: r.state, ...summaryOf(r), elapsedMs: Date.now() - t0 });
      return;
    }
    const size = r.stageEnds[r.stage] ?? r.total;
    const payload = { stage: `stage ${r.stage + 1}/${r.stages.length} (${r.stages[r.stage]}%)`, confirmed: r.counts.confirmed ?? 0, failed: r.failed, fetching: (r.counts.offered ?? 0) + (r.counts.downloading ?? 0) };
    if (tty) {
      if (barStage !== r.stage) {
        if (ui.bar && barStage >= 0) {
          // the stage ended between two polls: show it whole before the next one's bar
          const end = r.stageEnds[barStage] ?? size;
          ui.bar.update(end, { stage: `stage ${barStage + 1}/${r.stages.length} (${r.stages[barStage]}%)`, confirmed: Math.min(payload.confirmed, end), failed: r.failed, fetching: 0 });
        }
        ui.bar?.stop();
        const bar = new cliProgress.SingleBar(
          { stream: process.stderr, format: ' {stage} [{bar}] {value}/{total} finished | {confirmed} confirmed, {failed} failed, {fetching} fetching', hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        bar.start(size, Math.min(size, r.finished), payload);
        ui.bar = bar;
        barStage = r.stage;
      } else ui.bar?.update(Math.min(size, r.finished), payload);
    } else if (changed) {
      say(`${payload.stage}: ${r.finished}/${size} finished, ${payload.confirmed} confirmed, ${payload.failed} failed, ${payload.fetching} fetching`);
    }
  };

  let stop = false;
  const onSigint = () => {
    stop = true;
  };
  process.once('SIGINT', onSigint);
  try {
    for (;;) {
      let r: RolloutView;
      try {
        const g = await fetch(`${base}/${started.id}`, { headers });
        if (!g.ok) throw new Error(`HTTP ${g.status}`);
        r = (await g.json()) as RolloutView;
      } catch (err) {
        ui.bar?.stop();
        say(`lost the hub while following rollout ${started.id}: ${(err as Error).message}; the rollout goes on`);
        return 2;
      }
      show(r);
      if (r.state !== 'running') {
        ui.bar?.stop();
        const failures = (r.devices ?? []).filter((d) => d.error && ['failed', 'refused', 'rolled-back'].includes(d.state));
        if (o.json) json({ state: 'summary', ok: r.state === 'completed', id: r.id, rolloutState: r.state, ...summaryOf(r), seconds: (Date.now() - t0) / 1000, haltedReason: r.haltedReason, failures: failures.slice(0, 20).map((d) => ({ deviceId: d.deviceId, state: d.state, code: d.error!.code })) });
        else if (r.state === 'completed') {
          say(`rollout ${r.id} completed in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${r.counts.confirmed ?? 0} confirmed, ${r.failed} failed${r.pendingOffline ? `, ${r.pendingOffline} offline (they get it when they come online)` : ''}`);
        } else {
          say(`rollout ${r.id} ${r.state}: ${r.haltedReason ?? ''}`);
          for (const d of failures.slice(0, 10)) say(`  ${d.deviceId}: ${d.state} (${d.error!.code}) ${d.error!.message}`);
        }
        return r.state === 'completed' ? 0 : 1;
      }
      if (stop) {
        ui.bar?.stop();
        say(`stopped following; rollout ${started.id} goes on (halt it: POST ${base}/${started.id}/halt)`);
        return 130;
      }
      await new Promise((resolve) => setTimeout(resolve, o.interval));
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function summaryOf(r: RolloutView): Record<string, unknown> {
  return { id: r.id, version: r.image.version, stage: r.stage, stages: r.stages, total: r.total, finished: r.finished, failed: r.failed, counts: r.counts, pendingOffline: r.pendingOffline };
}
