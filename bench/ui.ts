/**
 * The device screens' weight and speed:
 * - ui_phone_gzip_kb / ui_reception_gzip_kb: what a phone's or a kiosk's browser downloads
 *   (index.html and every script the page loaded: the shell, shared chunks and its own view's
 *   chunk, as Chromium's resource timing lists them; gzip -9), in KB, Danish.
 * - ui_first_render_ms: headless Debian Chromium, from navigation start until the phone view
 *   shows the person's name from live hub state (median of 15 fresh page loads, each on a new
 *   page so nothing is cached in the page); ui_reception_first_render_ms likewise for the
 *   reception view's department board.
 * Needs `npm run build` (dist/device-ui) and Chromium; without them the figures are null and
 * stderr says why.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { LocalBridge } from '../firmware/local-bridge.js';
import { defaultUiDir } from '../simulator/main.js';
import { findBinary } from '../test/support/system-deps.js';
import { clockFrom, startSystem } from '../test/support/system.js';
import { launchChromium } from '../test/support/ui.js';
import { waitFor } from '../test/support/wait.js';

export interface UiBenchResult {
  ui_phone_gzip_kb: number | null;
  ui_reception_gzip_kb: number | null;
  ui_first_render_ms: number | null;
  ui_reception_first_render_ms: number | null;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** gzip -9 of index.html plus these UI files, in KB. */
function weightKb(uiDir: string, files: readonly string[]): number {
  let bytes = gzipSync(readFileSync(path.join(uiDir, 'index.html')), { level: 9 }).byteLength;
  for (const f of new Set(files)) bytes += gzipSync(readFileSync(path.join(uiDir, f)), { level: 9 }).byteLength;
  return Math.round((bytes / 1024) * 10) / 10;
}

export async function benchUi(opts: { loads?: number; progress?: (msg: string) => void } = {}): Promise<UiBenchResult> {
  const uiDir = defaultUiDir();
  const none: UiBenchResult = { ui_phone_gzip_kb: null, ui_reception_gzip_kb: null, ui_first_render_ms: null, ui_reception_first_render_ms: null };
  if (!existsSync(path.join(uiDir, 'omstil-ui.js'))) {
    process.stderr.write(`bench: ui: ${uiDir}/omstil-ui.js is missing (run npm run build); its figures are null\n`);
    return none;
  }
  const result: UiBenchResult = { ...none };
  if (!findBinary('chromium')) {
    process.stderr.write('bench: ui: chromium not found (Debian package chromium; run tools/setup-system-deps.sh); its figures are null\n');
    return result;
  }
  const sys = await startSystem({ clock: clockFrom('2026-11-23T10:00:00+01:00'), phones: 2, kiosks: 1 });
  const bridge = new LocalBridge({ host: '127.0.0.1', port: 0, uiDir, logger: sys.logger.child('bridge') });
  for (const core of sys.fleet.cores.values()) bridge.add(core);
  await bridge.start();
  const browser = await launchChromium('ui bench');
  try {
    for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.config && (core.mirror.kind === 'kiosk' || core.mirror.me), `${core.deviceId} to show its state`);
    /** median first render in ms, and the UI files the page loaded */
    const time = async (url: string, ready: string, size: { width: number; height: number }): Promise<{ ms: number; files: string[] }> => {
      const samples: number[] = [];
      let files: string[] = [];
      for (let i = 0; i < (opts.loads ?? 15) + 2; i++) {
        const page = await browser!.newPage({ viewport: size });
        await page.goto(url);
        await page.locator(ready).first().waitFor({ timeout: 10_000 });
        const [ms, loaded] = await page.evaluate(() => [performance.now(), performance.getEntriesByType('resource').map((e) => e.name)] as const);
        await page.close();
        files = loaded.filter((n) => /\/ui\/[^/]+\.js$/.test(new URL(n).pathname)).map((n) => path.basename(new URL(n).pathname));
        if (i >= 2) samples.push(ms); // the first loads warm up Chromium's own caches
      }
      return { ms: Math.round(median(samples)), files: ['omstil-ui.js', ...files] };
    };
    const phone = sys.fleet.phones[0]!;
    opts.progress?.('ui: first render of the phone view');
    const p = await time(bridge.phoneUrl(phone.deviceId), '[data-testid="own-name"]', { width: 800, height: 480 });
    result.ui_first_render_ms = p.ms;
    result.ui_phone_gzip_kb = weightKb(uiDir, p.files);
    opts.progress?.('ui: first render of the reception view');
    const r = await time(bridge.kioskUrl(sys.fleet.kiosks[0]!.deviceId), 'om-reception-view [data-testid]', { width: 1920, height: 1080 });
    result.ui_reception_first_render_ms = r.ms;
    result.ui_reception_gzip_kb = weightKb(uiDir, r.files);
    return result;
  } finally {
    await browser?.close();
    await bridge.stop();
    await sys.stop();
  }
}
