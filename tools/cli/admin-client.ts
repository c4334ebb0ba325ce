/** What CLI commands that talk to a running hub's admin API share: its bearer token and base URL. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The admin token: OMSTIL_ADMIN_TOKEN, else the file (`--token-file`, or `admin-token` in the
 * data dir, where the hub writes it). Null after saying why it could not be read.
 */
export function readAdminToken(o: { tokenFile?: string; dataDir: string }, say: (line: string) => void): string | null {
  const fromEnv = process.env.OMSTIL_ADMIN_TOKEN ?? '';
  if (fromEnv && !o.tokenFile) return fromEnv;
  const file = o.tokenFile ?? path.join(o.dataDir, 'admin-token');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    say(`cannot read the admin token in ${file}: ${(err as Error).message} (pass --token-file, --data-dir or OMSTIL_ADMIN_TOKEN)`);
    return null;
  }
}

/** `http://host:8090`, `…/`, or `…/api/v1` → `http://host:8090/api/v1`. */
export function adminApiBase(api: string): string {
  return `${api.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}/api/v1`;
}
