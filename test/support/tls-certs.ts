/**
 * Issue 10: a throwaway PKI for TLS tests, made with the openssl CLI: a CA and a server
 * certificate it signed for localhost and 127.0.0.1 (EC P-256, valid two days), in a temp dir.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './system.js';

export interface TestPki {
  dir: string;
  /** the CA's certificate (PEM file, and its text): what devices trust */
  caFile: string;
  caPem: string;
  /** the server certificate alone, and the chain server + CA (a chain file that carries its root) */
  certFile: string;
  chainFile: string;
  keyFile: string;
  /** a second CA that signed nothing here: trusting it is trusting the wrong one */
  otherCaFile: string;
  remove(): void;
}

export function makeTestPki(openssl: string, hosts: { dns?: string[]; ip?: string[] } = {}): TestPki {
  const dir = tempDir('omstil-pki-');
  const f = (name: string) => path.join(dir, name);
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string, cn: string) =>
    run('req', '-x509', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ca('ca', 'omstil test CA');
  ca('other-ca', 'some other CA');
  run('req', '-new', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  const san = [...(hosts.dns ?? ['localhost']).map((d) => `DNS:${d}`), ...(hosts.ip ?? ['127.0.0.1']).map((i) => `IP:${i}`)].join(',');
  writeFileSync(f('server.ext'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  run('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', '0x' + Date.now().toString(16), '-days', '2', '-extfile', f('server.ext'), '-out', f('server.pem'));
  const caPem = readFileSync(f('ca.pem'), 'utf8');
  writeFileSync(f('chain.pem'), readFileSync(f('server.pem'), 'utf8') + caPem);
  return {
    dir,
    caFile: f('ca.pem'),
    caPem,
    certFile: f('server.pem'),
    chainFile: f('chain.pem'),
    keyFile: f('server.key'),
    otherCaFile: f('other-ca.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
