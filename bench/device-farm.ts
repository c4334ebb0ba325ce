/**
 * The device side of the diversion bench, in its own process (devices are other machines in
 * real life): runs the simulated fleet with the real firmware core and, on command, presses
 * divert/undivert on one phone and reports when the target's phone and every kiosk show it.
 * Times are wall-clock (performance.timeOrigin + now), comparable across processes here.
 * argv: the hub's MQTT URL, the demo options (JSON), a file with each device's token (issue 10).
 */
import { Directory } from '../broker/directory/directory.js';
import { silentLogger, systemClock } from '../protocol/index.js';
import { demoDirectory, type DemoOptions } from '../simulator/demo/demo-directory.js';
import { readFileSync, rmSync } from 'node:fs';
import { loginsFor, type FleetTokens } from '../simulator/fleet-credentials.js';
import { SimFleet } from '../simulator/sim-fleet.js';

export type FarmCommand = { t: 'press'; round: number; from: string; to: string; undivert: boolean } | { t: 'stop' };
export type FarmReply =
  | { t: 'ready'; devices: number }
  | { t: 'result'; round: number; pressedAt: number; shownAt: number; ok: boolean; error?: string };

const wall = () => performance.timeOrigin + performance.now();
const send = (m: FarmReply) => process.send!(m);

async function main(): Promise<void> {
  const [mqttUrl, demoJson, tokensFile] = process.argv.slice(2) as [string, string, string];
  const directory = Directory.parse(demoDirectory(JSON.parse(demoJson) as DemoOptions));
  // issue 10: each device's token, from the file the hub's side wrote (mode 0600), read once and deleted
  const tokens = JSON.parse(readFileSync(tokensFile, 'utf8')) as FleetTokens;
  rmSync(tokensFile, { force: true });
  const fleet = new SimFleet({ directory, mqttUrl, clock: systemClock, logger: silentLogger, connectConcurrency: 100, deviceMqttOptions: loginsFor(tokens) });
  await fleet.start();
  const kiosks = fleet.kiosks;
  send({ t: 'ready', devices: fleet.cores.size });

  process.on('message', async (m: FarmCommand) => {
    if (m.t === 'stop') {
      await fleet.stop();
      process.exit(0);
    }
    const from = fleet.core(`phone-${m.from}`);
    const target = fleet.core(`phone-${m.to}`);
    // shown = the target's phone (DV-2) and every kiosk reflect the new state
    const targetShows = () => (target.mirror.me?.incoming.some((i) => i.from === m.from) ?? false) === !m.undivert;
    const kioskShows = (k: (typeof kiosks)[number]) => (k.mirror.people.get(m.from)?.diversion?.to === m.to) === !m.undivert;
    let pending = new Set([target, ...kiosks].filter((c) => !(c === target ? targetShows() : kioskShows(c))));
    let shownAt = 0;
    const done = new Promise<void>((resolve) => {
      const offs = [...pending].map((c) =>
        c.onUpdate(() => {
          if (!pending.has(c) || !(c === target ? targetShows() : kioskShows(c))) return;
          pending.delete(c);
          if (pending.size === 0) {
            shownAt = wall();
            offs.forEach((off) => off());
            resolve();
          }
        }),
      );
      if (pending.size === 0) resolve();
    });
    const pressedAt = wall();
    const res = await (m.undivert ? from.request('undivert', {}) : from.request('divert', { target: m.to }));
    if (!res.ok) return send({ t: 'result', round: m.round, pressedAt, shownAt: 0, ok: false, error: res.error.code });
    await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
    send({ t: 'result', round: m.round, pressedAt, shownAt, ok: shownAt > 0, ...(shownAt ? {} : { error: `not shown on ${pending.size} devices` }) });
    pending = new Set();
  });
}

void main();
