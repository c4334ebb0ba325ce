/**
 * The device screens' weight and speed:
 * - ui_phone_gzip_kb / ui_reception_gzip_kb: what a phone's or a kiosk's browser downloads
 *   (index.html and the script it loads, gzip -9), in KB. Both views are one bundle today.
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

/** The files a screen loads: the page and every script it names (gzip -9, as a server would send them). */
function pageWeightKb(uiDir: string): number {
  const html = readFileSync(path.join(uiDir, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]*src="\.?\/?([^"]+)"/g)].map((m) => m[1]!);
  let bytes = gzipSync(html, { level: 9 }).byteLength;
  // the bridge serves the UI folder under /ui/
  for (const s of scripts) bytes += gzipSync(readFileSync(path.join(uiDir, path.basename(s))), { level: 9 }).byteLength;
  return Math.round((bytes / 1024) * 10) / 10;
}

export async function benchUi(opts: { loads?: number; progress?: (msg: string) => void } = {}): Promise<UiBenchResult> {
  const uiDir = defaultUiDir();
  const none: UiBenchResult = { ui_phone_gzip_kb: null, ui_reception_gzip_kb: null, ui_first_render_ms: null, ui_reception_first_render_ms: null };
  if (!existsSync(path.join(uiDir, 'omstil-ui.js'))) {
    process.stderr.write(`bench: ui: ${uiDir}/omstil-ui.js is missing (run npm run build); its figures are null\n`);
    return none;
  }
  const weight = pageWeightKb(uiDir);
  const result: UiBenchResult = { ...none, ui_phone_gzip_kb: weight, ui_reception_gzip_kb: weight };
  if (!findBinary('chromium')) {
    process.stderr.write('bench: ui: chromium not found (Debian package chromium; run tools/setup-system-deps.sh); the render figures are null\n');
    return result;
  }
  const sys = await startSystem({ clock: clockFrom('2026-11-23T10:00:00+01:00'), phones: 2, kiosks: 1 });
  const bridge = new LocalBridge({ host: '127.0.0.1', port: 0, uiDir, logger: sys.logger.child('bridge') });
  for (const core of sys.fleet.cores.values()) bridge.add(core);
  await bridge.start();
  const browser = await launchChromium('ui bench');
  try {
    for (const core of sys.fleet.cores.values()) await waitFor(() => core.mirror.config && (core.mirror.kind === 'kiosk' || core.mirror.me), `${core.deviceId} to show its state`);
    const time = async (url: string, ready: string, size: { width: number; height: number }): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i < (opts.loads ?? 15) + 2; i++) {
        const page = await browser!.newPage({ viewport: size });
        await page.goto(url);
        await page.locator(ready).first().waitFor({ timeout: 10_000 });
        const ms = await page.evaluate(() => performance.now());
        await page.close();
        if (i >= 2) samples.push(ms); // the first loads warm up Chromium's own caches
      }
      return Math.round(median(samples));
    };
    const phone = sys.fleet.phones[0]!;
    opts.progress?.('ui: first render of the phone view');
    result.ui_first_render_ms = await time(bridge.phoneUrl(phone.deviceId), '[data-testid="own-name"]', { width: 800, height: 480 });
    opts.progress?.('ui: first render of the reception view');
    result.ui_reception_first_render_ms = await time(bridge.kioskUrl(sys.fleet.kiosks[0]!.deviceId), 'om-reception-view [data-testid]', { width: 1920, height: 1080 });
    return result;
  } finally {
    await browser?.close();
    await bridge.stop();
    await sys.stop();
  }
}
