/**
 * The fleet page on the admin API's port: the device UI bundle (the same dist/device-ui the
 * local bridge serves; om-app shows the fleet view at /fleet), so the page and
 * `/api/v1/devices` share an origin and the token never leaves it. Only these files, no token:
 * they hold no data. The page asks for the token itself.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServerResponse } from 'node:http';

export const FLEET_PATH = '/fleet';

const FAVICON = '/favicon.ico';

/** URL path → file in the UI folder. Nothing else is served. */
const FILES: Record<string, { file: string; type: string }> = {
  [FLEET_PATH]: { file: 'index.html', type: 'text/html; charset=utf-8' },
  [`${FLEET_PATH}/`]: { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/omstil-ui.js': { file: 'omstil-ui.js', type: 'text/javascript; charset=utf-8' },
  '/ui/omstil-ui.js.map': { file: 'omstil-ui.js.map', type: 'application/json' },
};

/** the bundle's per-view chunks (rollup's `chunk-[name]-[hash].js`) and their source maps */
const CHUNK = /^\/ui\/(chunk-[A-Za-z0-9_-]+\.js(?:\.map)?)$/;

/**
 * The page runs only its own script and talks only to its own origin; nobody may frame it.
 * (The inline style in index.html is the only inline content.)
 */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

export class FleetPage {
  constructor(private readonly uiDir: string) {}

  /** Whether this path is one of the page's files. */
  serves(pathname: string): boolean {
    return Object.hasOwn(FILES, pathname) || CHUNK.test(pathname) || pathname === FAVICON;
  }

  /** Sends the file; 503 with a hint when the UI has not been built. */
  async send(pathname: string, method: string | undefined, res: ServerResponse): Promise<void> {
    // the browser asks for an icon on its own; there is none, and a 401 for it would only be noise
    if (pathname === FAVICON) return void res.writeHead(204, { 'cache-control': 'max-age=86400' }).end();
    const chunk = CHUNK.exec(pathname);
    const entry = FILES[pathname] ?? { file: chunk![1]!, type: chunk![1]!.endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8' };
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(path.join(this.uiDir, entry.file));
    } catch {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(`the device UI is not built (${path.join(this.uiDir, entry.file)}): run \`npm run build\`\n`);
      return;
    }
    res.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-cache', ...PAGE_HEADERS });
    res.end(method === 'HEAD' ? undefined : body);
  }
}
