import { randomInt } from 'node:crypto';
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { KITTY_APPLICATION_ID } from './schema.js';

// Migrations ship in code (not as files found at run time) so they work from dist and inside a bundle.
// Names sort in the order they run. Never edit a released migration: add a new one.

// kysely's Migration signature takes Kysely<any>: a migration runs against whatever schema exists so far.

const outbox: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('outbox')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('event_id', 'text', (c) => c.notNull().unique())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('lamport_clock', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
      .addColumn('retry_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'integer', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('last_category', 'text')
      .addColumn('last_attempt_at', 'integer')
      .addColumn('claim_id', 'text')
      .addColumn('lease_until', 'integer')
      .addColumn('dead_at', 'integer')
      .addCheckConstraint('outbox_status_check', sql`status in ('pending', 'dead')`)
      .execute();
    // Replay order and "oldest event": status first so pending and dead never scan each other.
    await db.schema.createIndex('outbox_fifo').on('outbox').columns(['status', 'created_at']).execute();

    await db.schema
      .createTable('outbox_counts')
      .addColumn('status', 'text', (c) => c.primaryKey())
      .addColumn('n', 'integer', (c) => c.notNull())
      .execute();
    await sql`insert into outbox_counts (status, n) values ('pending', 0), ('dead', 0)`.execute(db);
    await sql`create trigger outbox_count_insert after insert on outbox begin
      update outbox_counts set n = n + 1 where status = new.status; end`.execute(db);
    await sql`create trigger outbox_count_delete after delete on outbox begin
      update outbox_counts set n = n - 1 where status = old.status; end`.execute(db);
    await sql`create trigger outbox_count_update after update of status on outbox when old.status <> new.status begin
      update outbox_counts set n = n - 1 where status = old.status;
      update outbox_counts set n = n + 1 where status = new.status; end`.execute(db);

    await db.schema
      .createTable('lamport_clock')
      .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
      .addColumn('value', 'integer', (c) => c.notNull().check(sql`typeof(value) = 'integer' and value >= 0`))
      .execute();
    await db.schema
      .createTable('outbox_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    // Stamp the file: the application id says "kitty queue"; user_version is a random identity for this file,
    // compared against the raw header on open to catch a `-wal` that belongs to another database.
    await sql.raw(`pragma application_id = ${KITTY_APPLICATION_ID}`).execute(db);
    await sql.raw(`pragma user_version = ${randomInt(1, 2 ** 31 - 1)}`).execute(db);
  },
};

const claimsAndStats: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('outbox_claims')
      .addColumn('claim_id', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('claimed_at', 'integer', (c) => c.notNull())
      .addColumn('lease_until', 'integer', (c) => c.notNull())
      .addColumn('event_count', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('outbox_claim').on('outbox').column('claim_id').where(sql.ref('claim_id'), 'is not', null).execute();
    // Covering indexes so stats() never reads the event JSON.
    await db.schema.createIndex('outbox_types').on('outbox').columns(['status', 'event_type']).execute();
    await db.schema.createIndex('outbox_retries').on('outbox').columns(['status', 'retry_count', 'next_attempt_at']).execute();
    await db.schema
      .createIndex('outbox_categories')
      .on('outbox')
      .column('last_category')
      .where(sql.ref('last_category'), 'is not', null)
      .execute();
  },
};

// Status-log reconciliation (DESIGN §5: the committed status log is the source of truth) and lease owners.
const statusSyncAndLeaseOwners: Migration = {
  async up(db: Kysely<any>) {
    // Every status event id ever queued from a project's log: delivered events leave the outbox, this stays.
    await sql`create table status_sync_seen (event_id text primary key, seen_at integer not null) without rowid`.execute(db);
    // How far each status log has been read: a byte offset and the hash of the bytes just before it.
    await db.schema
      .createTable('status_sync_logs')
      .addColumn('path', 'text', (c) => c.primaryKey())
      .addColumn('root', 'text', (c) => c.notNull())
      .addColumn('offset', 'integer', (c) => c.notNull())
      .addColumn('tail_hash', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('mtime_ms', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('status_sync_logs_root').on('status_sync_logs').column('root').execute();
    // Projects reconciled into this queue and where their reconciliation starts (null: the whole history).
    await db.schema
      .createTable('status_sync_projects')
      .addColumn('root', 'text', (c) => c.primaryKey())
      .addColumn('project_uuid', 'text')
      .addColumn('start_at', 'text')
      .addColumn('backfill', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .execute();
    // Who holds a claim, so a claim whose process is gone is released at once instead of after its lease.
    await db.schema.alterTable('outbox_claims').addColumn('pid', 'integer').execute();
    await db.schema.alterTable('outbox_claims').addColumn('host', 'text').execute();
  },
};

// stats() reads the pending rows' retry counts, next attempts and leases: one covering index, so 100,000 queued
// events are counted from the index alone (the older index lacked lease_until and read every row).
const statsCoveringIndex: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.dropIndex('outbox_retries').ifExists().execute();
    await db.schema
      .createIndex('outbox_pending_stats')
      .on('outbox')
      .columns(['status', 'retry_count', 'next_attempt_at', 'lease_until'])
      .execute();
  },
};

/** Every migration of the queue schema, by name. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '2026_01_outbox': outbox,
  '2026_02_claims_and_stats': claimsAndStats,
  '2026_03_status_sync_and_lease_owners': statusSyncAndLeaseOwners,
  '2026_04_stats_covering_index': statsCoveringIndex,
});

/** The in-code migration provider given to kysely's Migrator. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
};
