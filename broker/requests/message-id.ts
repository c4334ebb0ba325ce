/** AS-1: ids for new messages, made at the edge (the policy is pure and takes the id in the command). */
import { randomBytes } from 'node:crypto';

/** A new message id: short, unique, a valid `Id`: `m-<time in base36>-<8 random hex digits>`, e.g. `m-mic3x9k0-1f9a0c3e`. */
export function newMessageId(at: Date = new Date()): string {
  return `m-${at.getTime().toString(36)}-${randomBytes(4).toString('hex')}`;
}
