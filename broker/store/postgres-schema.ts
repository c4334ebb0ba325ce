/**
 * The PostgreSQL store's schema: numbered migrations, applied in order when a store opens,
 * all pending ones in one transaction (PostgreSQL's DDL is transactional: a failing one
 * leaves the database as it was) with a row each in `omstil_schema`, under a
 * transaction-level advisory lock so two hubs starting at once do not both migrate. Never
 * edit one that shipped: add the next, and a live database is migrated on the next start.
 *
 * Version 1 holds what SQLite reached in its 7 migrations, in the same tables and columns, so
 * both adapters keep the same facts:
 * - records (`body`, `detail`) are JSON as the hub wrote it (type `json`: kept as text, byte
 *   for byte, and checked to be JSON; `jsonb` would reorder keys and make saveDirectory's
 *   "same as in force" test a different one from SQLite's);
 * - instants are ISO-8601 text in UTC, as in SQLite, so both return the same strings; every
 *   text column that is ordered or compared is `COLLATE "C"`, so text order is time order
 *   and ids sort byte-wise as in SQLite, whatever locale the database was created with.
 */

/** Migrations in order; index + 1 is the schema version. */
export const PG_MIGRATIONS: string[] = [
  `CREATE TABLE person_state (
     person_id text COLLATE "C" PRIMARY KEY,
     rev bigint NOT NULL,
     body json NOT NULL
   );
   CREATE TABLE journal (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     at text COLLATE "C" NOT NULL,
     actor text NOT NULL,
     op text COLLATE "C" NOT NULL,
     detail json NOT NULL
   );
   CREATE INDEX journal_by_at ON journal (at);
   CREATE TABLE dept_state (
     dept_id text COLLATE "C" PRIMARY KEY,
     rev bigint NOT NULL,
     body json NOT NULL
   );
   CREATE TABLE directory (
     version integer PRIMARY KEY,
     imported_at text NOT NULL,
     source text NOT NULL,
     body json NOT NULL
   );
   CREATE TABLE message (
     message_id text COLLATE "C" PRIMARY KEY,
     rev bigint NOT NULL,
     recipient text COLLATE "C" NOT NULL,
     status text COLLATE "C" NOT NULL,
     updated_at text COLLATE "C" NOT NULL,
     taken_at text COLLATE "C",
     body json NOT NULL
   );
   CREATE INDEX message_by_status ON message (status, updated_at);
   CREATE INDEX message_by_recipient ON message (recipient);
   CREATE INDEX message_by_taken ON message (taken_at);
   CREATE TABLE broadcast (
     broadcast_id text COLLATE "C" PRIMARY KEY,
     rev bigint NOT NULL,
     expires text COLLATE "C" NOT NULL,
     body json NOT NULL
   );
   CREATE TABLE ota_rollout (
     rollout_id text COLLATE "C" PRIMARY KEY,
     state text NOT NULL,
     created_at text COLLATE "C" NOT NULL,
     body json NOT NULL
   );
   CREATE TABLE ota_device (
     rollout_id text COLLATE "C" NOT NULL,
     device_id text COLLATE "C" NOT NULL,
     state text NOT NULL,
     body json NOT NULL,
     PRIMARY KEY (rollout_id, device_id)
   );
   CREATE TABLE call (
     call_id text COLLATE "C" PRIMARY KEY,
     offered_at text COLLATE "C" NOT NULL,
     number text NOT NULL,
     dept_id text,
     fn text,
     person_id text,
     answered_at text,
     ended_at text NOT NULL,
     wait_s double precision NOT NULL,
     outcome text NOT NULL,
     answered_by text,
     transfers integer NOT NULL,
     met_unavailable boolean NOT NULL,
     inside_hours boolean NOT NULL
   );
   CREATE INDEX call_by_offered ON call (offered_at, call_id);
   CREATE TABLE device_credential (
     device_id text COLLATE "C" PRIMARY KEY,
     token_hash text NOT NULL,
     issued_at text NOT NULL,
     revoked_at text
   );`,
];

/** The table that records which migrations ran (created before the first one). */
export const PG_SCHEMA_TABLE = `CREATE TABLE IF NOT EXISTS omstil_schema (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Advisory lock keys (two int4 keys, class 0x6f6d = "om"): migrations, and the active hub (postgres-hub-lock.ts). */
export const LOCK_CLASS = 0x6f6d;
export const MIGRATION_LOCK = 1;
export const HUB_LOCK = 2;
