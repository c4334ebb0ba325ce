/** Runs `omstil hub` as a separate OS process, so tests can kill -9 it. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export const BUNDLED_CLI = path.join(ROOT, 'dist/cli/omstil.js');

/**
 * Spawns the CLI and resolves once it printed `ready` on stdout: from source (tsx), or the
 * rollup bundle that `npm start` runs when `bundle` is set (`npm test` builds it first).
 */
export async function spawnCli(
  args: string[],
  ready: RegExp,
  opts: { timeoutMs?: number; bundle?: boolean } = {},
): Promise<{ child: ChildProcess; stdout: () => string; stderr: () => string; /** performance.now() when `ready` was printed */ readyAt: number }> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  let readyAt = 0;
  const entry = opts.bundle ? [BUNDLED_CLI] : ['--import', 'tsx', path.join(ROOT, 'tools/cli/omstil.ts')];
  const child = spawn(process.execPath, [...entry, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`omstil ${args[0]} not ready in ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    const check = () => {
      if (!readyAt && ready.test(out)) {
        readyAt = performance.now();
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`omstil ${args[0]} exited with ${code}:\n${out}\n${err}`));
    });
  });
  return { child, stdout: () => out, stderr: () => err, readyAt };
}

export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
