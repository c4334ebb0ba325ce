/**
 * The embedded MQTT broker: Aedes over TCP and over WebSocket (for browsers and tools), and
 * with a certificate (issue 10) over TLS (mqtts://) and WebSocket over TLS (wss://), with
 * omstil's access control in its hooks on every listener alike.
 */
import { Aedes, type Client, type AedesPublishPacket } from 'aedes';
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from '../../protocol/index.js';
import type { AccessControl, Principal } from './access.js';
import { indexedMemoryPersistence } from './indexed-memory-persistence.js';

/** The broker drops any single publish larger than this; the hub answers smaller oversized requests itself. */
export const BROKER_MAX_PAYLOAD = 2 * 1024 * 1024;

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  /** 0 picks a free port; null disables MQTT over WebSocket */
  wsPort: number | null;
  access: AccessControl;
  logger: Logger;
  /** issue 10: MQTT over TLS and WSS with this certificate (chain) and key, PEM; absent: none */
  tls?: {
    cert: string | Buffer;
    key: string | Buffer;
    /** 0 picks a free port */
    mqttsPort: number;
    /** 0 picks a free port; null: no WSS */
    wssPort: number | null;
  };
  /**
   * Issue 10: false (only with `tls`) = nothing in clear leaves the machine: the clear MQTT
   * listener binds to the loopback address (127.0.0.1) whatever `host` is, for the hub's own
   * in-process links, and the clear WebSocket listener is not started. Default true.
   */
  plainListeners?: boolean;
}

/** Plain listeners bound here when `plainListeners` is false. */
export const LOOPBACK = '127.0.0.1';

const principals = new WeakMap<Client, Principal>();

export class EmbeddedBroker {
  private aedes: Aedes | null = null;
  private tcp: net.Server | null = null;
  private httpServer: http.Server | null = null;
  private wss: WebSocketServer | null = null;
  private tlsServer: tls.Server | null = null;
  private httpsServer: https.Server | null = null;
  private wssSecure: WebSocketServer | null = null;
  /** TLS sockets, also those still in their handshake (not yet Aedes clients), ended by stop() */
  private readonly tlsSockets = new Set<net.Socket>();
  /** issue 10: let in, not yet registered (Aedes registers a client a few ticks after authenticate) */
  private readonly connecting = new Set<Client>();
  /** let in, then their credential changed before they were registered: closed on registration */
  private readonly doomed = new WeakSet<Client>();
  mqttUrl = '';
  wsUrl: string | null = null;
  /** issue 10: MQTT over TLS, null without `tls` */
  mqttsUrl: string | null = null;
  /** issue 10: MQTT over WebSocket over TLS, null without `tls` or with `wssPort` null */
  wssUrl: string | null = null;

  constructor(private readonly opts: EmbeddedBrokerOptions) {}

  /** The Aedes instance while running (for tools that watch every publish, e.g. the privacy scan). */
  get instance(): Aedes | null {
    return this.aedes;
  }

  async start(): Promise<void> {
    const { access, logger } = this.opts;
    const plain = this.opts.plainListeners ?? true;
    if (!plain && !this.opts.tls) throw new Error('plainListeners false needs tls: the broker would not be reachable from other machines');
    // concurrency 0: Aedes' emitter (mqemitter) queues messages beyond its limit (default 100) and
    // drains that queue by recursion; a burst (thousands of devices' Wills after a network blip,
    // a connect storm) overflowed the stack, an uncaught RangeError that ended the hub. Unlimited,
    // each message is handed on as it comes, as the socket streams pace it anyway
    // (test/broker/mqtt/embedded-broker.test.ts, bench/fleet.ts).
    const aedes = await Aedes.createBroker({ concurrency: 0, persistence: indexedMemoryPersistence(), maxClientsIdLength: 64, drainTimeout: 30_000, heartbeatInterval: 60_000 });
    this.aedes = aedes;

    aedes.authenticate = (client, username, password, done) => {
      const res = access.authenticate(client.id, username, password?.toString('utf8'));
      if (!res.ok) {
        logger.warn('connection refused', { client: client.id, reason: res.reason });
        const err = Object.assign(new Error(res.reason), { returnCode: 5 });
        return done(err as never, false);
      }
      principals.set(client, res.principal);
      for (const c of this.connecting) if (c.closed) this.connecting.delete(c);
      this.connecting.add(client);
      done(null, true);
    };
    aedes.on('client', (client) => {
      this.connecting.delete(client);
      // closed now, not in the middle of its connect: Aedes unregisters it and publishes its Will
      if (this.doomed.has(client)) client.close();
    });
    aedes.authorizePublish = (client, packet, done) => {
      const p = client ? principals.get(client) : undefined;
      if (!p || !access.canPublish(p, packet.topic)) {
        logger.warn('publish refused', { client: client?.id, topic: packet.topic });
        return done(new Error(`not allowed to publish on ${packet.topic}`));
      }
      if (packet.payload.length > BROKER_MAX_PAYLOAD) {
        logger.warn('publish refused: too large', { client: client?.id, topic: packet.topic, bytes: packet.payload.length });
        return done(new Error('payload too large'));
      }
      done(null);
    };
    aedes.authorizeSubscribe = (client, sub, done) => {
      const p = principals.get(client);
      // Delivery is checked per message in authorizeForward; here only refuse what can never deliver.
      if (!p) return done(null, null as never);
      done(null, sub);
    };
    aedes.authorizeForward = (client, packet): AedesPublishPacket | null => {
      const p = principals.get(client);
      return p && access.canReceive(p, packet.topic) ? packet : null;
    };
    aedes.on('clientError', (client, err) => logger.debug('client error', { client: client.id, err: err.message }));
    aedes.on('connectionError', (client, err) => logger.debug('connection error', { client: client?.id, err: err.message }));

    // issue 10, plainListeners false: clear MQTT on loopback only (the hub's own links never leave the machine)
    const plainHost = plain ? this.opts.host : LOOPBACK;
    this.tcp = net.createServer((socket) => aedes.handle(socket));
    await listen(this.tcp, this.opts.port, plainHost);
    this.mqttUrl = `mqtt://${urlHost(plainHost)}:${(this.tcp.address() as net.AddressInfo).port}`;

    if (this.opts.wsPort !== null && plain) {
      this.httpServer = http.createServer(upgradeRequired);
      this.wss = mqttOverWebSocket(this.httpServer, aedes);
      await listen(this.httpServer, this.opts.wsPort, this.opts.host);
      this.wsUrl = `ws://${urlHost(this.opts.host)}:${(this.httpServer.address() as net.AddressInfo).port}/mqtt`;
    }

    const cert = this.opts.tls;
    if (cert) {
      // TLS 1.2 at least; Node's default ciphers. A handshake a client gives up on (it does not
      // trust the certificate) is no error of the broker's: logged at debug
      const secure = { cert: cert.cert, key: cert.key, minVersion: 'TLSv1.2' as const };
      const tlsError = (err: Error, socket: tls.TLSSocket) => logger.debug('tls handshake failed', { remote: socket.remoteAddress, err: err.message });
      this.tlsServer = tls.createServer(secure, (socket) => aedes.handle(socket));
      this.tlsServer.on('connection', (socket: net.Socket) => this.track(socket));
      this.tlsServer.on('tlsClientError', tlsError);
      await listen(this.tlsServer, cert.mqttsPort, this.opts.host);
      this.mqttsUrl = `mqtts://${urlHost(this.opts.host)}:${(this.tlsServer.address() as net.AddressInfo).port}`;
      if (cert.wssPort !== null) {
        this.httpsServer = https.createServer(secure, upgradeRequired);
        this.httpsServer.on('connection', (socket: net.Socket) => this.track(socket));
        this.httpsServer.on('tlsClientError', tlsError);
        this.wssSecure = mqttOverWebSocket(this.httpsServer, aedes);
        await listen(this.httpsServer, cert.wssPort, this.opts.host);
        this.wssUrl = `wss://${urlHost(this.opts.host)}:${(this.httpsServer.address() as net.AddressInfo).port}/mqtt`;
      }
    }
    logger.info('broker listening', { mqtt: this.mqttUrl, ws: this.wsUrl, mqtts: this.mqttsUrl, wss: this.wssUrl });
  }

  private track(socket: net.Socket): void {
    this.tlsSockets.add(socket);
    socket.once('close', () => this.tlsSockets.delete(socket));
  }

  /**
   * Issue 10: ends the session of the client with this id at once (its Will is published). One
   * that is let in but not yet registered is closed the moment Aedes registers it, so a revoked
   * device cannot slip through between its authentication and its CONNACK. The reason is
   * logged. True when there was one.
   */
  closeClient(id: string, reason: string): boolean {
    const aedes = this.aedes;
    if (!aedes) return false;
    let found = false;
    for (const c of this.connecting) {
      if (c.id !== id || c.closed) continue;
      this.doomed.add(c);
      found = true;
    }
    const registered = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[id];
    if (registered && !registered.closed) {
      registered.close();
      found = true;
    }
    if (found) this.opts.logger.info('client disconnected', { client: id, reason });
    return found;
  }

  async stop(): Promise<void> {
    this.connecting.clear();
    for (const ws of [this.wss, this.wssSecure]) {
      for (const c of ws?.clients ?? []) c.terminate();
      ws?.close();
    }
    // stop accepting first; a server's close waits for its open sockets, so Aedes closes the
    // connected clients (devices still up) before that wait, or it never ends
    const closing = Promise.all([close(this.tcp), close(this.httpServer), close(this.tlsServer), close(this.httpsServer)]);
    if (this.aedes) await new Promise<void>((r) => this.aedes!.close(() => r()));
    // TLS sockets Aedes never had (still in their handshake) would hold their server's close up to its handshake timeout
    for (const s of this.tlsSockets) s.destroy();
    this.tlsSockets.clear();
    await closing;
    this.aedes = null;
  }
}

function upgradeRequired(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect with an MQTT client\n');
}

/** MQTT over WebSocket on an HTTP or HTTPS server: every connection handed to Aedes as a stream. */
function mqttOverWebSocket(server: http.Server | https.Server, aedes: Aedes): WebSocketServer {
  const wss = new WebSocketServer({ server, maxPayload: BROKER_MAX_PAYLOAD + 1024 });
  wss.on('connection', (ws, req) => aedes.handle(createWebSocketStream(ws) as never, req as never));
  return wss;
}

function listen(server: net.Server | http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: net.Server | null): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((r) => {
    server.close(() => r());
    if (server instanceof http.Server || server instanceof https.Server) server.closeAllConnections();
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
