/**
 * The logger every part receives (convention 8): namespaced, leveled, injected.
 * The pure core never logs; adapters and features do.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(ns: string): Logger;
}

export interface LogRecord {
  time: string;
  level: Exclude<Level, 'silent'>;
  ns: string;
  msg: string;
  [field: string]: unknown;
}

/** A logger that hands records at or above `level` to `sink`. */
export function createLogger(ns: string, level: Level, sink: (r: LogRecord) => void): Logger {
  const min = ORDER[level];
  const emit = (lv: Exclude<Level, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lv] < min) return;
    sink({ time: new Date().toISOString(), level: lv, ns, msg, ...fields });
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (sub) => createLogger(`${ns}:${sub}`, level, sink),
  };
}

export const silentLogger: Logger = createLogger('', 'silent', () => {});

/** A logger that keeps records in memory: for tests that assert something was logged. */
export function memoryLogger(level: Level = 'debug'): Logger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return Object.assign(createLogger('omstil', level, (r) => records.push(r)), { records });
}
