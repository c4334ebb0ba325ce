import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { probe, type Probe } from './tz-probe.js';

const t = suite('broker/policy/hours/timezone');

const PROBE = pathToFileURL(new URL('./tz-probe.ts', import.meta.url).pathname).href;

/** The probe's answers from a child Node process running with TZ=`zone`. */
function probeIn(zone: string): Probe {
  const script = `import { probe } from ${JSON.stringify(PROBE)}; process.stdout.write(JSON.stringify(probe()));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, TZ: zone },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.is(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as Probe;
}

const here = probe();

for (const zone of ['America/New_York', 'Asia/Tokyo', 'Europe/London', 'Europe/Copenhagen']) {
  t(`PH-1, AS-2: the same answers in a process with TZ=${zone} (isOpen, nextChange, day, intervals, addWorkdays)`, () => {
    const there = probeIn(zone);
    assert.is(there.zone, zone);
    assert.equal(there.answers, here.answers);
  });
}

t('PH-1: the probe itself is right in absolute terms (not merely the same everywhere)', () => {
  const find = (...key: string[]) => here.answers.find((a) => key.every((k, i) => (a as unknown[])[i] === k)) as unknown[];
  const tricky = 'Su 01:30-03:00; Su 02:30-04:00';
  // Sunday 10 March 2024, winter time in Copenhagen: 02:30-04:00 local is 01:30Z-03:00Z
  assert.equal(find(tricky, '2024-03-10')[3], [['2024-03-10T01:30:00.000Z', '2024-03-10T03:00:00.000Z']]);
  assert.equal(find(tricky, '2024-03-10T01:45:00Z').slice(2), [true, '2024-03-10T03:00:00.000Z']);
  assert.equal(find('Mo 08:00-18:00; Tu-Th 08:00-16:00; Fr 08:00-14:00; PH off', '2024-03-29T09:00:00Z').slice(2), [false, '2024-04-02T06:00:00.000Z']);
  assert.equal(find('2025-03-15T10:00:00Z').slice(1), ['2025-03-15', '11:00', '2025-03-17T23:00:00.000Z', '2025-03-18T23:00:00.000Z']);
});

t.run();
