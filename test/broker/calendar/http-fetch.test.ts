/** The calendar adapters' fetch on node:http: redirects, credentials, kept connections. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type net from 'node:net';
import { httpFetch } from '../../../broker/calendar/http-fetch.js';
import { bodyOf, withServer } from '../../support/http-server.js';

const t = suite('broker/calendar/http-fetch');

t('the default fetch follows redirects, keeps the credentials on their origin only, and retries a request that met a closed kept connection', async () => {
  const seen: string[] = [];
  await withServer(
    (req, res) => {
      seen.push(`b ${req.url} ${req.headers.authorization ?? '-'}`);
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('there');
    },
    async (other) => {
      const served = new WeakSet<net.Socket>();
      await withServer(
        async (req, res) => {
          seen.push(`a ${req.method} ${req.url} ${req.headers.authorization ?? '-'} ${await bodyOf(req)}`);
          if (req.url === '/kill') {
            // a kept connection the server closes: the request has to go again on a new one
            if (served.has(req.socket)) return void req.socket.destroy();
            served.add(req.socket);
            return void res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive' }).end('ok');
          }
          if (req.url === '/old/') return void res.writeHead(308, { location: '/new/' }).end();
          if (req.url === '/away') return void res.writeHead(307, { location: `${other}/there` }).end();
          res.writeHead(200, { 'content-type': 'text/plain' }).end('new');
        },
        async (base) => {
          const init = { method: 'REPORT', headers: { authorization: 'Basic eA==' }, body: 'x' };
          const res = await httpFetch(`${base}/old/`, init);
          assert.is(await res.text(), 'new');
          assert.is(res.url, `${base}/new/`);
          assert.is(await (await httpFetch(`${base}/away`, init)).text(), 'there');
          assert.equal(seen.splice(0), ['a REPORT /old/ Basic eA== x', 'a REPORT /new/ Basic eA== x', 'a REPORT /away Basic eA== x', 'b /there -']);
          assert.is(await (await httpFetch(`${base}/kill`, init)).text(), 'ok');
          assert.is(await (await httpFetch(`${base}/kill`, init)).text(), 'ok');
          assert.is(seen.length, 3, seen.join('; '));
        },
      );
    },
  );
});

t.run();
