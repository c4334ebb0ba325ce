/**
 * The image signing key pair in a folder: `omstil-signing.key` (Ed25519 private key, PEM
 * PKCS#8, mode 0600) and `omstil-signing.pub` (public key, PEM SPKI). The private key belongs
 * on the build machine only; devices and `omstil image verify` need only the `.pub`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { keyIdOf } from './image-format.js';

export const PRIVATE_KEY_FILE = 'omstil-signing.key';
export const PUBLIC_KEY_FILE = 'omstil-signing.pub';

export type KeyErrorCode = 'key-exists' | 'key-missing' | 'key-invalid';

export class KeyError extends Error {
  override readonly name = 'KeyError';
  constructor(
    readonly code: KeyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface KeyFiles {
  privateFile: string;
  publicFile: string;
  keyId: string;
}

/** Makes a new key pair in `dir` (created 0700 if missing). Refuses to replace an existing key unless `force`. */
export function writeKeyPair(dir: string, opts: { force?: boolean } = {}): KeyFiles {
  const privateFile = path.join(dir, PRIVATE_KEY_FILE);
  const publicFile = path.join(dir, PUBLIC_KEY_FILE);
  if (!opts.force) {
    const existing = [privateFile, publicFile].filter((f) => existsSync(f));
    if (existing.length > 0) {
      throw new KeyError('key-exists', `${dir} holds a signing key already (${existing.map((f) => path.basename(f)).join(', ')}); not replacing it: devices that trust it would refuse images signed with a new one. Pass --force to replace it anyway`);
    }
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(privateFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  chmodSync(privateFile, 0o600); // --force over an existing file keeps its old mode otherwise
  writeFileSync(publicFile, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
  return { privateFile, publicFile, keyId: keyIdOf(publicKey) };
}

/** The private key in `dir`, for `omstil image build`. */
export function readPrivateKey(dir: string): KeyObject {
  const file = path.join(dir, PRIVATE_KEY_FILE);
  const key = parseKey(file, (pem) => createPrivateKey(pem));
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyError('key-invalid', `${file}: a ${key.asymmetricKeyType} key, not Ed25519`);
  return key;
}

/** The public key in `dir`, for `omstil image verify` (no private key needed). */
export function readPublicKey(dir: string): KeyObject {
  const file = path.join(dir, PUBLIC_KEY_FILE);
  const key = parseKey(file, (pem) => createPublicKey(pem));
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') throw new KeyError('key-invalid', `${file}: not an Ed25519 public key`);
  return key;
}

function parseKey(file: string, parse: (pem: string) => KeyObject): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new KeyError('key-missing', `${file} is missing: make a key pair with \`omstil keys --out ${path.dirname(file)}\``);
    throw new KeyError('key-missing', `cannot read ${file}: ${e.message}`);
  }
  try {
    return parse(pem);
  } catch (err) {
    throw new KeyError('key-invalid', `${file}: not a PEM key (${(err as Error).message})`);
  }
}
