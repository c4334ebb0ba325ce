/** A loopback HTTP server for tests of HTTP clients. */
import http from 'node:http';
import type net from 'node:net';

/** A loopback HTTP server for the duration of `body`. */
export async function withServer(handler: http.RequestListener, body: (url: string) => Promise<void>): Promise<void> {
  const srv = http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    await body(`http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`);
  } finally {
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  }
}

/** The request's body. */
export const bodyOf = (req: http.IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.setEncoding('utf8').on('data', (c: string) => (s += c)).on('end', () => resolve(s));
  });

