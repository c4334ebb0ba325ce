/**
 * ST-1: a finished call as both stores keep it, in plain columns (SQLite and PostgreSQL have the
 * same `call` table): the column list, a row's shape, and the two directions of the mapping.
 */
import { OmstilError } from '../../protocol/index.js';
import type { CallRecord } from '../stats/call-record.js';

export const CALL_COLUMNS = 'call_id, offered_at, number, dept_id, fn, person_id, answered_at, ended_at, wait_s, outcome, answered_by, transfers, met_unavailable, inside_hours';

/** A row in CALL_COLUMNS order; the two flags are 0/1 in SQLite and booleans in PostgreSQL. */
export type CallRow = [string, string, string, string | null, string | null, string | null, string | null, string, number, CallRecord['outcome'], string | null, number, number | boolean, number | boolean];

/** An instant as the stores' columns keep it: ISO in UTC (text order is time order). */
export const utc = (at: string) => new Date(at).toISOString();

/** Checks a call before it is stored (ST-1); throws `invalid-payload` naming the field. */
export function checkCall(c: CallRecord): void {
  for (const field of ['offeredAt', 'endedAt', 'answeredAt'] as const) {
    const v = c[field];
    if ((v !== null || field !== 'answeredAt') && !(typeof v === 'string' && Number.isFinite(Date.parse(v)))) {
      throw new OmstilError('invalid-payload', `call.${field}: not an ISO instant: ${JSON.stringify(v)}`, { field: `call.${field}`, rule: 'ST-1' });
    }
  }
  if (typeof c.callId !== 'string' || !c.callId) throw new OmstilError('invalid-payload', 'call.callId: must be a non-empty string', { field: 'call.callId', rule: 'ST-1' });
}

/** The row for a (checked) call; `flag` writes the two booleans as the database wants them. */
export function callToRow<F>(c: CallRecord, flag: (b: boolean) => F): [string, string, string, string | null, string | null, string | null, string | null, string, number, CallRecord['outcome'], string | null, number, F, F] {
  return [c.callId, utc(c.offeredAt), c.number, c.deptId, c.fn, c.personId, c.answeredAt === null ? null : utc(c.answeredAt), utc(c.endedAt), c.waitS, c.outcome, c.answeredBy, c.transfers, flag(c.metUnavailable), flag(c.insideHours)];
}

export function callFromRow(r: CallRow): CallRecord {
  return {
    callId: r[0],
    number: r[2],
    deptId: r[3],
    fn: r[4],
    personId: r[5],
    offeredAt: r[1],
    answeredAt: r[6],
    endedAt: r[7],
    waitS: r[8],
    outcome: r[9],
    answeredBy: r[10],
    transfers: r[11],
    metUnavailable: r[12] === 1 || r[12] === true,
    insideHours: r[13] === 1 || r[13] === true,
  };
}
