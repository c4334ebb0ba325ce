/**
 * RT-3: a crisis broadcast as the hub keeps it. Every broadcast stays in the store (who said
 * what, when); devices get those not yet expired (`broadcastList` in projections.ts).
 */
import type { BroadcastText } from '../../protocol/index.js';

export interface BroadcastRecord {
  id: string;
  rev: number;
  text: BroadcastText;
  start: string;
  /** when it stops being shown; set to the moment it was ended when ended early */
  expires: string;
  /** RT-3 (like PH-3): ended before its planned expiry; announced at once */
  endedEarly: boolean;
  createdAt: string;
  /** who made it, as the journal names actors (`admin:api`) */
  createdBy: string;
  updatedAt: string;
}

/** In force at `at`: started and not yet expired. */
export function broadcastActive(b: BroadcastRecord, at: Date): boolean {
  const t = at.getTime();
  return Date.parse(b.start) <= t && t < Date.parse(b.expires);
}

/** Not yet expired at `at`: in force, or planned. */
export function broadcastCurrent(b: BroadcastRecord, at: Date): boolean {
  return at.getTime() < Date.parse(b.expires);
}

/** By start, then id: the order screens, the voicebot and the admin API list them in. */
export function byStart(a: BroadcastRecord, b: BroadcastRecord): number {
  return a.start.localeCompare(b.start) || a.id.localeCompare(b.id);
}
