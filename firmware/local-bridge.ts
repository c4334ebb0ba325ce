/**
 * The local bridge: an HTTP server that serves the device UI and a WebSocket per device
 * (`/bridge/{deviceId}`) that hands the screen its view and passes its requests to the
 * firmware core. On a real device it serves one core on localhost; the simulator serves
 * many simulated devices from one server.
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeValue, isId, ScreenToBridge, type BridgeToScreen, type Logger } from '../protocol/index.js';
import type { DeviceCore } from './device-core.js';
import type { HealthReport } from './runtime/health.js';

export interface LocalBridgeOptions {
  host: string;
  port: number;
  /** folder with index.html and omstil-ui.js (the built device UI) */
  uiDir: string;
  logger: Logger;
  /** the device's health for GET /healthz (200 while ok or degraded, 503 when failing); without it, a plain "ok" */
  health?: () => HealthReport;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export class LocalBridge {
  private readonly cores = new Map<string, DeviceCore>();
  /** open screens per device: a replaced core (a simulated device rebooted) closes them, and they reconnect to the new one */
  private readonly screens = new Map<string, Set<WebSocket>>();
  private server: http.Server | null = null;
  private wss: WebSocketServer | null = null;
  url = '';

  constructor(private readonly opts: LocalBridgeOptions) {}

  /** Serves a device's screens from this core; a new core for the same device (after a reboot) takes over. */
  add(core: DeviceCore): void {
    const before = this.cores.get(core.deviceId);
    this.cores.set(core.deviceId, core);
    // as on a real device, a reboot drops the screen's connection; the screen reconnects by itself
    if (before && before !== core) for (const ws of this.screens.get(core.deviceId) ?? []) ws.close(1012, 'device restarting');
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => void this.serve(req, res));
    const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    server.on('upgrade', (req, socket, head) => {
      const m = /^\/bridge\/([^/?]+)/.exec(req.url ?? '');
      const core = m && isId(m[1]) ? this.cores.get(m[1]) : undefined;
      if (!core) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, core));
    });
    this.server = server;
    this.wss = wss;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    const host = this.opts.host === '0.0.0.0' || this.opts.host === '::' ? '127.0.0.1' : this.opts.host;
    this.url = `http://${host}:${port}`;
  }

  async stop(): Promise<void> {
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    this.wss?.close();
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  phoneUrl(deviceId: string): string {
    return `${this.url}/phone/${deviceId}`;
  }

  kioskUrl(deviceId: string): string {
    return `${this.url}/kiosk/${deviceId}`;
  }

  private attach(ws: WebSocket, core: DeviceCore): void {
    const send = (msg: BridgeToScreen) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    send({ t: 'view', view: core.view() });
    const off = core.onView((view) => send({ t: 'view', view }));
    let open = this.screens.get(core.deviceId);
    if (!open) this.screens.set(core.deviceId, (open = new Set()));
    open.add(ws);
    ws.on('close', () => {
      off();
      open.delete(ws);
    });
    ws.on('message', async (data) => {
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch {
        return send({ t: 'res', id: null, ok: false, error: { code: 'bad-json', message: 'message is not JSON' } });
      }
      const d = decodeValue(ScreenToBridge, raw);
      if (!d.ok) {
        const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : null;
        return send({ t: 'res', id, ok: false, error: d.error.toBody() });
      }
      const { id, op, args } = d.value;
      const res = await core.request(op, args as never);
      send({ t: 'res', ...res, id });
    });
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    try {
      if (p === '/healthz') {
        const h = this.opts.health?.();
        if (!h) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return void res.writeHead(h.state === 'failing' ? 503 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(h));
      }
      if (/^\/(phone|kiosk)\/[a-z0-9-]+$/.test(p)) {
        const id = p.split('/')[2]!;
        if (!this.cores.has(id)) return void res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`no device "${id}" here\n`);
        return await this.file(res, 'index.html');
      }
      if (p.startsWith('/ui/')) {
        const name = path.posix.normalize(p.slice(4));
        if (name.startsWith('..') || name.includes('/')) return void res.writeHead(404).end();
        return await this.file(res, name);
      }
      if (p === '/') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(this.index());
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    } catch (err) {
      this.opts.logger.warn('http error', { path: p, err: (err as Error).message });
      if (!res.headersSent) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }

  private async file(res: http.ServerResponse, name: string): Promise<void> {
    const body = await readFile(path.join(this.opts.uiDir, name));
    res.writeHead(200, { 'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream', 'cache-control': 'no-cache' }).end(body);
  }

  /** A plain list of every device this bridge serves, for people finding their way. */
  private index(): string {
    const rows = [...this.cores.values()]
      .map((c) => {
        const kind = c.mirror.kind;
        const who = c.mirror.config?.personId ?? '';
        return `<li><a href="/${kind}/${c.deviceId}">${c.deviceId}</a> ${kind === 'kiosk' ? '(receptionsskærm)' : who}</li>`;
      })
      .join('\n');
    return `<!doctype html><html lang="da"><meta charset="utf-8"><title>omstil – enheder</title><h1>omstil – enheder</h1><ul>${rows}</ul></html>`;
  }
}
