/**
 * ota_fleet_s: one rollout of a 1 MB signed image to 1,000 simulated devices, from the upload
 * (POST /api/v1/ota/rollouts, no canary: `--then 100%`) until every device has confirmed the
 * new version. The hub and broker run here; the devices (SlottedDevice with real A/B slots in a
 * temp folder, the real OtaClient) run in a second process started from this same file.
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../broker/config.js';
import { Directory } from '../broker/directory/directory.js';
import { startHubService } from '../broker/main.js';
import { packFiles } from '../firmware/image/file-archive.js';
import { buildImage } from '../firmware/image/image-format.js';
import { readPrivateKey, writeKeyPair } from '../firmware/image/image-keys.js';
import { silentLogger, systemClock } from '../protocol/index.js';
import { demoDirectory, type DemoOptions } from '../simulator/demo/demo-directory.js';
import { issueFleetTokens, loginsFor, type FleetTokens } from '../simulator/fleet-credentials.js';

type FarmReply = { t: 'ready'; devices: number; ms: number } | { t: 'error'; message: string } | { t: 'cpu'; s: number };

export interface OtaBenchResult {
  ota_fleet_s: number | null;
  ota_devices: number;
  ota_image_bytes: number;
  ota_confirmed: number;
  ota_failed: number;
  /** CPU seconds during the rollout: the hub process (hub, broker, OTA service) and the device process */
  ota_hub_cpu_s: number;
  ota_devices_cpu_s: number;
  /** the hub process's event-loop delay during the rollout (hub, broker and OTA service share it) */
  ota_hub_loop_p99_ms: number;
  ota_hub_loop_max_ms: number;
}

const DEPARTMENTS = 15;

export async function benchOta(opts: { chunkQos?: 0 | 1; concurrency?: number; devices?: number; imageBytes?: number; timeoutS?: number; progress?: (msg: string) => void } = {}): Promise<OtaBenchResult> {
  const devices = opts.devices ?? 1000;
  const imageBytes = opts.imageBytes ?? 1024 * 1024;
  const kiosks = Math.max(1, Math.round(devices * 0.04));
  const demo: DemoOptions = { peoplePerDept: Math.max(2, Math.round((devices - kiosks) / DEPARTMENTS)), kiosks };
  const directory = Directory.parse(demoDirectory(demo));
  const work = mkdtempSync(path.join(os.tmpdir(), 'omstil-bench-ota-'));
  const keyDir = path.join(work, 'keys');
  writeKeyPair(keyDir);
  const payload = packFiles([
    { path: 'omstil-firmware.js', mode: 0o644, data: Buffer.from('export const version = "9.0.0";\n') },
    { path: 'filler.bin', mode: 0o644, data: randomBytes(imageBytes - 1024) },
  ]);
  const image = buildImage({ payload, version: '9.0.0', kind: 'any', privateKey: readPrivateKey(keyDir) }).bytes;
  const config = loadConfig({ env: {}, overrides: { mqttPort: 0, wsPort: null, apiPort: 0, dataDir: path.join(work, 'hub'), logLevel: 'silent', otaPublicKey: keyDir, sync: 'normal' } });
  const hub = await startHubService(config, { logger: silentLogger, directory, ota: { ...(opts.chunkQos !== undefined ? { chunkQos: opts.chunkQos } : {}), ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) } });
  const here = fileURLToPath(import.meta.url);
  // issue 10: each device its own token, handed over in a file only this user can read (not argv, which `ps` shows)
  const tokensFile = path.join(work, 'farm-tokens.json');
  writeFileSync(tokensFile, JSON.stringify(issueFleetTokens(hub.credentials!, directory.data.devices.map((d) => d.id))), { mode: 0o600 });
  const farm = fork(here, ['--farm', hub.mqttUrl, JSON.stringify(demo), keyDir, path.join(work, 'devices'), tokensFile], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    opts.progress?.(`starting ${directory.devices.size} devices with A/B slots…`);
    const ready = await new Promise<FarmReply>((resolve, reject) => {
      farm.once('message', (m) => resolve(m as FarmReply));
      farm.once('exit', (code) => reject(new Error(`ota device farm exited (${code})`)));
    });
    if (ready.t !== 'ready') throw new Error(`ota device farm: ${ready.t === 'error' ? ready.message : 'did not start'}`);
    opts.progress?.(`${ready.devices} devices connected in ${(ready.ms / 1000).toFixed(1)} s; rolling out ${image.length} bytes`);
    // every birth has reached the OTA service (it offers only to devices it knows are online)
    const t0w = Date.now();
    while (hub.hub.fleet.snapshot(new Date()).summary.online < ready.devices && Date.now() - t0w < 30_000) await sleep(100);
    const token = readFileSync(hub.adminTokenFile!, 'utf8').trim();
    const cpuOf = () => new Promise<number>((resolve) => {
      farm.once('message', (m) => resolve((m as { s: number }).s));
      farm.send({ t: 'cpu' });
    });
    const farmCpu0 = await cpuOf();
    const hubCpu0 = process.cpuUsage();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const t0 = performance.now();
    const res = await fetch(`${hub.api!.url}/ota/rollouts?then=100`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(image) });
    const started = (await res.json()) as { id: string; error?: { code: string; message: string } };
    if (!res.ok) throw new Error(`rollout refused: ${started.error?.code}: ${started.error?.message}`);
    const limit = (opts.timeoutS ?? 300) * 1000;
    let last = '';
    for (;;) {
      const r = hub.ota.get(started.id);
      const secs = (performance.now() - t0) / 1000;
      const line = `${r.counts.confirmed} confirmed, ${r.failed} failed, ${r.counts.downloading + r.counts.offered} fetching`;
      if (line !== last && opts.progress && Math.floor(secs) % 5 === 0) opts.progress(`${secs.toFixed(0)} s: ${line}`);
      last = line;
      if (r.state !== 'running' || r.finished === r.total || performance.now() - t0 > limit) {
        const done = r.counts.confirmed === r.total;
        const hubCpu = process.cpuUsage(hubCpu0);
        loop.disable();
        const farmCpu = (await cpuOf()) - farmCpu0;
        const r1 = (x: number) => Math.round(x * 10) / 10;
        return {
          ota_fleet_s: done ? r1(secs) : null,
          ota_devices: r.total,
          ota_image_bytes: image.length,
          ota_confirmed: r.counts.confirmed,
          ota_failed: r.failed,
          ota_hub_cpu_s: r1((hubCpu.user + hubCpu.system) / 1e6),
          ota_devices_cpu_s: r1(farmCpu),
          ota_hub_loop_p99_ms: r1(loop.percentile(99) / 1e6),
          ota_hub_loop_max_ms: r1(loop.max / 1e6),
        };
      }
      await sleep(100);
    }
  } finally {
    if (farm.exitCode === null) {
      const exited = new Promise((r) => farm.once('exit', r));
      farm.send({ t: 'stop' });
      await Promise.race([exited, sleep(20_000)]);
      if (farm.exitCode === null) farm.kill('SIGKILL');
    }
    await hub.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The device process: a SimFleet with OTA and real slots. */
async function farmMain(): Promise<void> {
  const [mqttUrl, demoJson, keyDir, bootDir, tokensFile] = process.argv.slice(3) as [string, string, string, string, string];
  const send = (m: FarmReply) => process.send!(m);
  try {
    const { SimFleet } = await import('../simulator/sim-fleet.js');
    const directory = Directory.parse(demoDirectory(JSON.parse(demoJson) as DemoOptions));
    const publicKey = createPublicKey(readFileSync(path.join(keyDir, 'omstil-signing.pub'), 'utf8'));
    const tokens = JSON.parse(readFileSync(tokensFile, 'utf8')) as FleetTokens;
    rmSync(tokensFile, { force: true });
    const fleet = new SimFleet({
      deviceMqttOptions: loginsFor(tokens),
      directory,
      mqttUrl,
      clock: systemClock,
      logger: silentLogger,
      connectConcurrency: 25,
      ota: { publicKey, bootDir, bootVersion: '1.0.0', durable: false, healthTimeoutMs: 60_000, client: { rebootDelayMs: 100 } },
    });
    const t0 = performance.now();
    await fleet.start();
    send({ t: 'ready', devices: fleet.cores.size, ms: performance.now() - t0 });
    process.on('message', async (m: { t: string }) => {
      if (m.t === 'cpu') {
        const u = process.cpuUsage();
        send({ t: 'cpu', s: (u.user + u.system) / 1e6 });
        return;
      }
      if (m.t !== 'stop') return;
      await fleet.stop().catch(() => {});
      process.exit(0);
    });
  } catch (err) {
    send({ t: 'error', message: (err as Error).stack ?? String(err) });
    process.exit(1);
  }
}

if (process.argv[2] === '--farm') void farmMain();
