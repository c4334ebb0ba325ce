/**
 * Issue 10: the simulated fleet's tokens, issued in-process by the hub's real DeviceCredentials
 * (on a real SQLite store) or fetched over an admin API (a loopback HTTP server standing in for
 * the hub's): each device its own, checked by the credentials; the logins they give; the admin
 * API's refusals and a hub not reachable named as such.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DeviceCredentials } from '../../broker/mqtt/device-credentials.js';
import { FakeClock } from '../../protocol/index.js';
import { fetchFleetTokens, FleetCredentialsError, issueFleetCredentials, issueFleetTokens, loginsFor, SIM_ACTOR } from '../../simulator/fleet-credentials.js';
import { bodyOf, withServer } from '../support/http-server.js';
import { tempStores } from '../support/temp-stores.js';

const t = suite('simulator/fleet-credentials');
const { store } = tempStores(t, 'omstil-fleet-credentials-');

t('in-process: every device its own token, valid for it only, journalled as the simulator; the logins name the device', () => {
  const s = store();
  const creds = new DeviceCredentials({ store: s, clock: new FakeClock() });
  creds.start();
  const tokens = issueFleetTokens(creds, ['phone-anna', 'phone-bo', 'kiosk-1']);
  assert.equal(Object.keys(tokens), ['phone-anna', 'phone-bo', 'kiosk-1']);
  assert.is(new Set(Object.values(tokens)).size, 3, 'no token shared');
  for (const [id, token] of Object.entries(tokens)) assert.is(creds.verify(id, token), 'ok');
  assert.is(creds.verify('phone-bo', tokens['phone-anna']), 'bad');
  assert.equal(
    s.journal(10).map((e) => [e.actor, e.op]),
    Array.from({ length: 3 }, () => [SIM_ACTOR, 'provision-device']),
  );
  const login = loginsFor(tokens);
  assert.equal(login('phone-bo'), { username: 'phone-bo', password: tokens['phone-bo'] });
  assert.is(login('phone-nobody'), undefined, 'a device without a token connects without credentials');
  assert.is(login('constructor'), undefined, 'only the record\'s own keys');
  // issuing again rotates: the old login stops working
  const again = issueFleetCredentials(creds, ['phone-anna']);
  assert.is(creds.verify('phone-anna', tokens['phone-anna']), 'bad');
  assert.is(creds.verify('phone-anna', String(again('phone-anna')!.password)), 'ok');
  creds.stop();
});

t('over the admin API: POST /devices/{id}/credentials with the admin token, for each device', async () => {
  const seen: string[] = [];
  await withServer(
    async (req, res) => {
      await bodyOf(req);
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      const id = /\/api\/v1\/devices\/([^/]+)\/credentials$/.exec(req.url ?? '')?.[1];
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ deviceId: id, kind: 'phone', token: `token-of-${id}`, issuedAt: new Date().toISOString(), mqttUrl: 'mqtt://127.0.0.1:1883' }));
    },
    async (url) => {
      const ids = Array.from({ length: 20 }, (_, i) => `phone-${i}`);
      const tokens = await fetchFleetTokens({ apiBase: `${url}/api/v1`, adminToken: 'the-admin-token', deviceIds: ids, concurrency: 4 });
      assert.equal(Object.keys(tokens).sort(), [...ids].sort());
      for (const id of ids) assert.is(tokens[id], `token-of-${id}`);
      assert.equal(seen.sort(), ids.map((id) => `POST /api/v1/devices/${id}/credentials Bearer the-admin-token`).sort());
    },
  );
});

t('over the admin API: a refusal names the device, the status and the hub\'s error; a hub not reachable says so', async () => {
  await withServer(
    (req, res) => {
      if (req.url?.includes('phone-nobody')) res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: { code: 'unknown-device', message: 'unknown device "phone-nobody"' } }));
      else res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: { code: 'unauthorized', message: 'a valid admin token is needed' } }));
    },
    async (url) => {
      const err = await fetchFleetTokens({ apiBase: `${url}/api/v1`, adminToken: 'x', deviceIds: ['phone-nobody'] }).catch((e: unknown) => e);
      assert.instance(err, FleetCredentialsError);
      assert.is((err as FleetCredentialsError).code, 'refused');
      assert.is((err as FleetCredentialsError).status, 404);
      assert.match((err as Error).message, 'the hub did not issue phone-nobody a token: 404 (unknown-device) unknown device "phone-nobody"');
      const wrong = await fetchFleetTokens({ apiBase: `${url}/api/v1`, adminToken: 'wrong', deviceIds: ['phone-anna'] }).catch((e: unknown) => e);
      assert.is((wrong as FleetCredentialsError).status, 401);
    },
  );
  const down = await fetchFleetTokens({ apiBase: 'http://127.0.0.1:9/api/v1', adminToken: 'x', deviceIds: ['phone-anna'] }).catch((e: unknown) => e);
  assert.instance(down, FleetCredentialsError);
  assert.is((down as FleetCredentialsError).code, 'unreachable');
  assert.match((down as Error).message, /cannot reach the hub's admin API at http:\/\/127\.0\.0\.1:9\/api\/v1/);
});

t.run();
