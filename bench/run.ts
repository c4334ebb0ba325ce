/**
 * `npm run -s bench -- --json` prints one JSON object of figures; without --json, a table.
 * Options: --devices N (default 1000), --rounds N (default 300).
 */
import { parseArgs } from 'node:util';
import { benchDivert } from './divert-e2e.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    devices: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '300' },
  },
});

const DEPARTMENTS = 15; // the demo municipality's departments
const devices = Number(values.devices);
const kiosks = Math.max(1, Math.round(devices * 0.04));
const peoplePerDept = Math.max(2, Math.round((devices - kiosks) / DEPARTMENTS));
const progress = values.json ? undefined : (msg: string) => process.stderr.write(`bench: ${msg}\n`);

const result = await benchDivert({ peoplePerDept, kiosks, rounds: Number(values.rounds), ...(progress ? { progress } : {}) });
const figures = { ...result, node: process.version, at: new Date().toISOString() };
if (values.json) process.stdout.write(JSON.stringify(figures) + '\n');
else for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k.padEnd(22)} ${v}\n`);
process.exit(0);
