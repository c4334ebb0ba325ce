/** What every policy decision reads: the directory and the hub's records. Never mutated by the policy. */
import type { Directory } from '../directory/directory.js';
import type { BroadcastRecord } from '../state/broadcast-record.js';
import type { DeptRecord } from '../state/dept-record.js';
import type { MessageRecord } from '../state/message-record.js';
import type { PersonRecord } from '../state/person-record.js';

export interface PolicyState {
  readonly dir: Directory;
  readonly people: ReadonlyMap<string, PersonRecord>;
  readonly depts: ReadonlyMap<string, DeptRecord>;
  /** AS-1..AS-4: the messages the hub holds (open ones, and recently done); absent: none */
  readonly messages?: ReadonlyMap<string, MessageRecord>;
  /** RT-3: every crisis broadcast the hub holds (in force, planned, over); absent: none */
  readonly broadcasts?: ReadonlyMap<string, BroadcastRecord>;
}
