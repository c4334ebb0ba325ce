/** The hub's persistence port. `commit` is durable when it returns: only then is a request acknowledged. */
import type { DirectoryData } from '../directory/directory.js';
import type { BroadcastRecord } from '../state/broadcast-record.js';
import type { DeptRecord } from '../state/dept-record.js';
import type { MessageRecord } from '../state/message-record.js';
import type { PersonRecord } from '../state/person-record.js';
import type { RolloutDevice, RolloutRecord } from '../ota/rollout.js';
import type { CallRecord } from '../stats/call-record.js';

export interface JournalEntry {
  at: string;
  /** device id, `admin:<name>`, `calendar:<id>`, `pbx`, or `hub` for the hub's own changes (expiry, phone hours) */
  actor: string;
  op: string;
  detail: unknown;
}

export interface StoredDirectory {
  version: number;
  data: DirectoryData;
  source: string;
  importedAt: string;
}

/**
 * A device's credential (issue 10): only the hash of its token is stored (`sha256:<hex>`),
 * never the token. Revoked ones stay, so a revoked device is refused, not let in as unprovisioned.
 */
export interface StoredCredential {
  deviceId: string;
  tokenHash: string;
  /** ISO instant in UTC */
  issuedAt: string;
  revokedAt: string | null;
}

/** An OTA rollout and every device's state in it (issue 8). */
export interface StoredRollout {
  record: RolloutRecord;
  devices: RolloutDevice[];
}

export interface Store {
  loadPeople(): PersonRecord[];
  loadDepts(): DeptRecord[];
  /** AS-1..AS-4: every message not done, and those done since `doneSince` (older done ones stay stored, unloaded). */
  loadMessages(doneSince: Date): MessageRecord[];
  /** One message by id, done or not (the audit trail), or null. */
  message(id: string): MessageRecord | null;
  /** RT-3: every broadcast ever made (in force, planned and over: they are few). */
  loadBroadcasts(): BroadcastRecord[];
  /** Writes all records (people, departments, messages, broadcasts) and the journal entry in one transaction. */
  commit(people: readonly PersonRecord[], depts: readonly DeptRecord[], entry: JournalEntry, messages?: readonly MessageRecord[], broadcasts?: readonly BroadcastRecord[]): void;
  journal(limit: number): JournalEntry[];
  /** The directory in force (RT-1), or null before the first import. */
  loadDirectory(): StoredDirectory | null;
  /** Cheap: the version of the directory in force (0 before the first import), for a running hub to notice an import. */
  directoryVersion(): number;
  /** Stores a new directory version unless it equals the one in force; idempotent. */
  saveDirectory(data: DirectoryData, source: string, at: Date): { version: number; changed: boolean };
  /** OTA: every rollout, oldest first, with its devices. */
  loadRollouts(): StoredRollout[];
  /** OTA: writes a rollout and the given devices' records (and a journal entry) in one transaction. */
  saveRollout(record: RolloutRecord, devices: readonly RolloutDevice[], entry?: JournalEntry): void;
  /** ST-1: stores a finished call (idempotent by call id: a repeated one replaces it). */
  saveCall(call: CallRecord): void;
  /** ST-1: the calls offered in [from, to), oldest first. Streams: a quarter may hold 100,000. */
  calls(from: Date, to: Date): Iterable<CallRecord>;
  /** ST-1 / AS-4: the messages taken in [from, to) (with their audit trail), oldest first. */
  messagesTaken(from: Date, to: Date): MessageRecord[];
  /** ST-1: the journal entries in [from, to) whose op is one of `ops`, oldest first. */
  journalBetween(from: Date, to: Date, ops: readonly string[]): JournalEntry[];
  /**
   * Issue 10: stores a device's credential, replacing any earlier one (re-provisioning rotates;
   * a revoked device provisioned again is in force again), with a `provision-device` journal entry.
   */
  issueCredential(deviceId: string, tokenHash: string, at: Date, actor?: string): void;
  /** Issue 10: revokes the device's credential in force (a `revoke-device` journal entry); false when it had none in force. */
  revokeCredential(deviceId: string, at: Date, actor?: string): boolean;
  /** Issue 10: every credential, revoked ones included, by device id. */
  loadCredentials(): StoredCredential[];
  close(): void;
}
