/**
 * The start that `omstil flash` and `omstil ota` share: read the image file and, with `--key`,
 * refuse one that would not verify before anything is sent. What to print is the command's.
 */
import { readFileSync } from 'node:fs';
import { verifyImage } from '../../firmware/image/image-format.js';
import { KeyError, readPublicKey } from '../../firmware/image/image-keys.js';

export type ImageToSend =
  | { ok: true; image: Buffer }
  /** the file or the key could not be read: a usage error (exit 2), said through `say` */
  | { ok: false; usage: true }
  /** the image failed the key's check (exit 1) */
  | { ok: false; usage: false; code: string; message: string };

export function imageToSend(file: string, keyDir: string | undefined, say: (msg: string) => void): ImageToSend {
  let image: Buffer;
  try {
    image = readFileSync(file);
  } catch (err) {
    say(`cannot read ${file}: ${(err as Error).message}`);
    return { ok: false, usage: true };
  }
  if (keyDir) {
    let publicKey;
    try {
      publicKey = readPublicKey(keyDir);
    } catch (err) {
      if (!(err instanceof KeyError)) throw err;
      say(err.message);
      return { ok: false, usage: true };
    }
    const r = verifyImage(image, publicKey);
    if (!r.ok) return { ok: false, usage: false, code: r.code, message: r.message };
  }
  return { ok: true, image };
}
