/**
 * The public key the hub checks uploaded images with (config `otaPublicKey`): the path of
 * `omstil-signing.pub`, or of the folder that holds it. Read at start: a bad path fails fast.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { KeyError, readPublicKey } from '../../firmware/image/image-keys.js';

export function loadOtaPublicKey(where: string): KeyObject {
  let isDir: boolean;
  try {
    isDir = statSync(where).isDirectory();
  } catch (err) {
    throw new KeyError('key-missing', `otaPublicKey: ${where}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (err as Error).message}`);
  }
  if (isDir) return readPublicKey(where);
  let key: KeyObject;
  try {
    key = createPublicKey(readFileSync(where, 'utf8'));
  } catch (err) {
    throw new KeyError('key-invalid', `otaPublicKey: ${where}: not a PEM public key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyError('key-invalid', `otaPublicKey: ${where}: a ${key.asymmetricKeyType} key, not Ed25519`);
  return key;
}
