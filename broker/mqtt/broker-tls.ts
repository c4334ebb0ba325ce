/**
 * Issue 10: the embedded broker's certificate and key (config `tlsCert`, `tlsKey`), read and
 * checked at start, before anything listens; every error names the config key.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { ConfigError, type Config } from '../config.js';

export interface BrokerTls {
  /** the certificate chain, PEM, as in the file */
  cert: string;
  key: string;
  /**
   * The self-signed certificates of the chain (a self-signed hub certificate, or a root CA
   * appended to the chain), PEM: what a device can trust to verify the hub, carried in its
   * provisioning fragment as `ca`. Null when the chain holds none (the issuing CA is
   * installed on the devices another way, e.g. `omstil provision --ca FILE`).
   */
  trustAnchors: string | null;
  /** the hub certificate's subject alternative names and expiry, for the start-up log */
  names: string;
  validTo: Date;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Null when TLS is off (neither key set); throws ConfigError naming the key otherwise. */
export function readBrokerTls(config: Pick<Config, 'tlsCert' | 'tlsKey' | 'plainListeners'>): BrokerTls | null {
  if (!config.tlsCert !== !config.tlsKey) {
    const missing = config.tlsCert ? 'tlsKey' : 'tlsCert';
    throw new ConfigError(`config ${missing}: must be set with ${missing === 'tlsKey' ? 'tlsCert' : 'tlsKey'} (both or neither)`);
  }
  if (!config.tlsCert || !config.tlsKey) {
    if (!config.plainListeners) throw new ConfigError('config plainListeners: false needs tlsCert and tlsKey (without TLS the broker would have no listener other machines can reach)');
    return null;
  }
  const cert = readPem('tlsCert', config.tlsCert);
  const key = readPem('tlsKey', config.tlsKey);
  const pems = cert.match(PEM_CERT) ?? [];
  if (!pems.length) throw new ConfigError(`config tlsCert: ${config.tlsCert} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  let chain: X509Certificate[];
  try {
    chain = pems.map((p) => new X509Certificate(p));
  } catch (err) {
    throw new ConfigError(`config tlsCert: ${config.tlsCert}: ${(err as Error).message}`);
  }
  try {
    // refuses a key that is not PEM, or does not belong to the certificate
    createSecureContext({ cert, key });
  } catch (err) {
    throw new ConfigError(`config tlsKey: ${config.tlsKey} does not fit the certificate in ${config.tlsCert}: ${(err as Error).message}`);
  }
  const anchors = pems.filter((_, i) => chain[i]!.checkIssued(chain[i]!) && chain[i]!.verify(chain[i]!.publicKey));
  const leaf = chain[0]!;
  return { cert, key, trustAnchors: anchors.length ? anchors.join('\n') + '\n' : null, names: leaf.subjectAltName ?? leaf.subject, validTo: new Date(leaf.validTo) };
}

function readPem(field: 'tlsCert' | 'tlsKey', file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(`config ${field}: cannot read ${file}: ${e.code ?? e.message}`);
  }
}
