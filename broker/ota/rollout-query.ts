/**
 * The admin API's query for a new rollout: `canary=5` (or `5%`), `then=100` (or `25,100`),
 * `maxFailureRate=0.2` (or `20%`), `allowDowngrade=1`, `concurrency=200`. Throws OtaError 400.
 */
import { OtaError } from './ota-error.js';
import type { StartRollout } from './ota-service.js';

function percent(raw: string, field: string): number {
  const m = /^\s*(\d{1,3}(?:\.\d+)?)\s*%?\s*$/.exec(raw);
  const n = m ? Number(m[1]) : NaN;
  if (!(n > 0 && n <= 100)) throw new OtaError('ota-bad-stages', `${field}: ${JSON.stringify(raw)} is not a percentage in (0, 100]`, 400, field);
  return n;
}

export function otaRolloutQuery(q: URLSearchParams): StartRollout {
  const stages: number[] = [];
  const canary = q.get('canary');
  if (canary !== null && canary !== '') stages.push(percent(canary, 'canary'));
  const then = q.get('then');
  for (const p of then ? then.split(',') : ['100']) stages.push(percent(p, 'then'));
  for (let i = 1; i < stages.length; i++) {
    if (stages[i]! <= stages[i - 1]!) throw new OtaError('ota-bad-stages', `stages must grow: ${stages.join('% → ')}%`, 400, 'then');
  }
  const out: StartRollout = { stages };
  const rate = q.get('maxFailureRate');
  if (rate !== null && rate !== '') {
    const m = /^\s*(\d{1,3}(?:\.\d+)?)\s*(%?)\s*$/.exec(rate);
    const n = m ? (m[2] ? Number(m[1]) / 100 : Number(m[1])) : NaN;
    if (!(n >= 0 && n <= 1)) throw new OtaError('ota-bad-option', `maxFailureRate: ${JSON.stringify(rate)} is not a rate in [0, 1] (or 0-100 %)`, 400, 'maxFailureRate');
    out.maxFailureRate = n;
  }
  const down = q.get('allowDowngrade');
  if (down !== null) out.allowDowngrade = down === '' || down === '1' || down === 'true';
  const conc = q.get('concurrency');
  if (conc !== null) {
    if (!/^\d{1,6}$/.test(conc) || Number(conc) < 1) throw new OtaError('ota-bad-option', `concurrency: ${JSON.stringify(conc)} is not a whole number ≥ 1`, 400, 'concurrency');
    out.concurrency = Number(conc);
  }
  return out;
}
