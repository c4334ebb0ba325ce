/** Turns log records into one readable line each on stderr (or JSON lines with OMSTIL_LOG_FORMAT=json). */
import type { LogRecord } from '../protocol/index.js';

export function stderrSink(format = process.env.OMSTIL_LOG_FORMAT ?? 'text'): (r: LogRecord) => void {
  if (format === 'json') return (r) => process.stderr.write(JSON.stringify(r) + '\n');
  return ({ time, level, ns, msg, ...fields }) => {
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    process.stderr.write(`${time.slice(11, 23)} ${level.padEnd(5)} ${ns} ${msg}${extra ? ' ' + extra : ''}\n`);
  };
}
