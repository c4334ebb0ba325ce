/** The hub's persistence port. `commit` is durable when it returns: only then is a request acknowledged. */
import type { PersonRecord } from '../state/person-record.js';

export interface JournalEntry {
  at: string;
  /** device id, or `hub` for the hub's own changes (expiry) */
  actor: string;
  op: string;
  detail: unknown;
}

export interface Store {
  loadPeople(): PersonRecord[];
  /** Writes all records and the journal entry in one transaction. */
  commit(records: readonly PersonRecord[], entry: JournalEntry): void;
  journal(limit: number): JournalEntry[];
  close(): void;
}
