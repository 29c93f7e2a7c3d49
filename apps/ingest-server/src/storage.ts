// The only file that touches better-sqlite3: the schema, the write transaction and every query.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Generated, type Insertable, type Selectable } from 'kysely';
import { IngestServerError } from './errors.js';

interface EventsTable {
  seq: Generated<number>;
  /** The normalised event id (ULIDs upper-case, UUIDs lower-case hyphenated): the idempotency key. */
  event_key: string;
  /** The id exactly as the client sent it. */
  event_id: string;
  event_type: string;
  aggregate_id: string;
  lamport_clock: number;
  team_slug: string | null;
  username: string;
  received_at: string;
  /** The event as received, JSON. */
  body: string;
}

interface RejectionsTable {
  seq: Generated<number>;
  event_id: string;
  event_type: string | null;
  code: string;
  error: string;
  username: string;
  received_at: string;
}

interface TokensTable {
  /** SHA-256 of the token (tokens themselves are never stored). */
  token_hash: string;
  kind: 'access' | 'refresh';
  username: string;
  team_slug: string | null;
  expires_at_ms: number;
  revoked: number;
}

interface IngestDb {
  events: EventsTable;
  rejections: RejectionsTable;
  tokens: TokensTable;
}

/** One stored event, as the read endpoint and the page show it. */
export interface StoredEvent {
  readonly seq: number;
  readonly eventId: string;
  readonly eventType: string;
  readonly aggregateId: string;
  readonly lamportClock: number;
  readonly teamSlug: string | null;
  readonly username: string;
  readonly receivedAt: string;
  readonly event: Record<string, unknown>;
}

/** One rejected event, kept (the newest {@link MAX_REJECTIONS_KEPT}) so the page can show why. */
export interface StoredRejection {
  readonly seq: number;
  readonly eventId: string;
  readonly eventType: string | null;
  readonly code: string;
  readonly error: string;
  readonly username: string;
  readonly receivedAt: string;
}

/** A token row. */
export interface TokenRecord {
  readonly kind: 'access' | 'refresh';
  readonly username: string;
  readonly teamSlug: string | null;
  readonly expiresAtMs: number;
  readonly revoked: boolean;
}

/** One entry of a batch after validation, in request order. */
export type BatchEntry =
  | {
      readonly ok: true;
      readonly key: string;
      readonly eventId: string;
      readonly eventType: string;
      readonly aggregateId: string;
      readonly lamportClock: number;
      readonly teamSlug: string | null;
      readonly event: Record<string, unknown>;
    }
  | {
      readonly ok: false;
      readonly key: string;
      readonly eventId: string;
      readonly eventType: string | null;
      readonly code: string;
      readonly error: string;
    };

/** What happened to one entry. */
export type EntryOutcome = 'success' | 'duplicate' | 'rejected';

/** How many rejections are kept for the page. */
export const MAX_REJECTIONS_KEPT = 1000;

/** The server's storage. */
export interface Store {
  readonly path: string;
  /**
   * Applies a validated batch in one transaction, in order: an id already stored (or earlier in the same
   * batch) is a duplicate whatever its body; otherwise an invalid entry is rejected (and remembered), a valid
   * one is stored.
   */
  ingest(entries: readonly BatchEntry[], username: string, receivedAt: string): Promise<EntryOutcome[]>;
  /** Events after `afterSeq` in arrival order, or the newest first. */
  listEvents(options: {
    readonly limit: number;
    readonly afterSeq?: number;
    readonly eventType?: string;
    readonly newestFirst?: boolean;
  }): Promise<StoredEvent[]>;
  countEvents(): Promise<number>;
  countByType(): Promise<Array<{ readonly eventType: string; readonly count: number }>>;
  listRejections(limit: number): Promise<StoredRejection[]>;
  saveToken(hash: string, record: Omit<TokenRecord, 'revoked'>): Promise<void>;
  findToken(hash: string): Promise<TokenRecord | null>;
  revokeToken(hash: string): Promise<void>;
  /** Deletes tokens that expired before `nowMs`. */
  pruneTokens(nowMs: number): Promise<void>;
  close(): Promise<void>;
}

const toEvent = (r: Selectable<EventsTable>): StoredEvent => ({
  seq: r.seq,
  eventId: r.event_id,
  eventType: r.event_type,
  aggregateId: r.aggregate_id,
  lamportClock: r.lamport_clock,
  teamSlug: r.team_slug,
  username: r.username,
  receivedAt: r.received_at,
  event: JSON.parse(r.body) as Record<string, unknown>,
});

async function migrate(db: Kysely<IngestDb>): Promise<void> {
  await db.schema
    .createTable('events')
    .ifNotExists()
    .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('event_key', 'text', (c) => c.notNull().unique())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('aggregate_id', 'text', (c) => c.notNull())
    .addColumn('lamport_clock', 'integer', (c) => c.notNull())
    .addColumn('team_slug', 'text')
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_type').ifNotExists().on('events').column('event_type').execute();
  await db.schema
    .createTable('rejections')
    .ifNotExists()
    .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text')
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('error', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('tokens')
    .ifNotExists()
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('team_slug', 'text')
    .addColumn('expires_at_ms', 'integer', (c) => c.notNull())
    .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

/** Opens (and creates or migrates) the store at `path` (`:memory:` for a throw-away database). */
export async function openStore(path: string): Promise<Store> {
  let raw: Database.Database;
  try {
    raw = new Database(path, { timeout: 5000 });
    if (path !== ':memory:') raw.pragma('journal_mode = WAL');
  } catch (e) {
    throw new IngestServerError('STORAGE_FAILED', `Cannot open the ingest database ${path}: ${(e as Error).message}.`, {
      cause: e,
      suggestions: ['Pass a writable file with --db, or --db :memory: for a throw-away database.'],
    });
  }
  const db = new Kysely<IngestDb>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    await migrate(db);
  } catch (e) {
    await db.destroy();
    throw new IngestServerError('STORAGE_FAILED', `Cannot prepare the ingest database ${path}: ${(e as Error).message}.`, {
      cause: e,
      suggestions: ['Use a new file with --db; this one may belong to another program or be damaged.'],
    });
  }

  // One connection; BEGIN IMMEDIATE takes the write lock up front (another server process may share the file).
  const immediate = <T>(fn: (trx: Kysely<IngestDb>) => Promise<T>): Promise<T> =>
    db.connection().execute(async (conn) => {
      await sql.raw('begin immediate').execute(conn);
      try {
        const out = await fn(conn);
        await sql.raw('commit').execute(conn);
        return out;
      } catch (e) {
        if (raw.inTransaction) await sql.raw('rollback').execute(conn);
        throw e;
      }
    });

  return {
    path,
    ingest(entries, username, receivedAt) {
      return immediate(async (trx) => {
        // One lookup per chunk of ids and multi-row inserts: a 1000-event batch is a handful of statements.
        const stored = new Set<string>();
        const keys = [...new Set(entries.map((e) => e.key))];
        for (let i = 0; i < keys.length; i += 500) {
          const rows = await trx
            .selectFrom('events')
            .select('event_key')
            .where('event_key', 'in', keys.slice(i, i + 500))
            .execute();
          for (const r of rows) stored.add(r.event_key);
        }
        const outcomes: EntryOutcome[] = [];
        const events: Array<Insertable<EventsTable>> = [];
        const rejections: Array<Insertable<RejectionsTable>> = [];
        for (const entry of entries) {
          if (stored.has(entry.key)) {
            outcomes.push('duplicate');
            continue;
          }
          if (!entry.ok) {
            rejections.push({
              event_id: entry.eventId,
              event_type: entry.eventType,
              code: entry.code,
              error: entry.error,
              username,
              received_at: receivedAt,
            });
            outcomes.push('rejected');
            continue;
          }
          stored.add(entry.key); // a later copy in the same batch is a duplicate
          events.push({
            event_key: entry.key,
            event_id: entry.eventId,
            event_type: entry.eventType,
            aggregate_id: entry.aggregateId,
            lamport_clock: entry.lamportClock,
            team_slug: entry.teamSlug,
            username,
            received_at: receivedAt,
            body: JSON.stringify(entry.event),
          });
          outcomes.push('success');
        }
        // SQLite allows 32,766 bound variables: 9 columns × 200 rows stays far below.
        for (let i = 0; i < events.length; i += 200)
          await trx
            .insertInto('events')
            .values(events.slice(i, i + 200))
            .execute();
        for (let i = 0; i < rejections.length; i += 200)
          await trx
            .insertInto('rejections')
            .values(rejections.slice(i, i + 200))
            .execute();
        if (rejections.length > 0) {
          const keep = await trx
            .selectFrom('rejections')
            .select('seq')
            .orderBy('seq', 'desc')
            .offset(MAX_REJECTIONS_KEPT - 1)
            .limit(1)
            .executeTakeFirst();
          if (keep) await trx.deleteFrom('rejections').where('seq', '<', keep.seq).execute();
        }
        return outcomes;
      });
    },
    async listEvents(options) {
      let q = db
        .selectFrom('events')
        .selectAll()
        .where('seq', '>', options.afterSeq ?? 0);
      if (options.eventType !== undefined) q = q.where('event_type', '=', options.eventType);
      return (
        await q
          .orderBy('seq', options.newestFirst ? 'desc' : 'asc')
          .limit(options.limit)
          .execute()
      ).map(toEvent);
    },
    async countEvents() {
      const r = await db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async countByType() {
      const rows = await db
        .selectFrom('events')
        .select(['event_type', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('event_type')
        .orderBy('n', 'desc')
        .orderBy('event_type', 'asc')
        .execute();
      return rows.map((r) => ({ eventType: r.event_type, count: Number(r.n) }));
    },
    async listRejections(limit) {
      const rows = await db.selectFrom('rejections').selectAll().orderBy('seq', 'desc').limit(limit).execute();
      return rows.map((r) => ({
        seq: r.seq,
        eventId: r.event_id,
        eventType: r.event_type,
        code: r.code,
        error: r.error,
        username: r.username,
        receivedAt: r.received_at,
      }));
    },
    async saveToken(hash, record) {
      await db
        .insertInto('tokens')
        .values({
          token_hash: hash,
          kind: record.kind,
          username: record.username,
          team_slug: record.teamSlug,
          expires_at_ms: record.expiresAtMs,
          revoked: 0,
        })
        .execute();
    },
    async findToken(hash) {
      const r = await db.selectFrom('tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
      return r
        ? { kind: r.kind, username: r.username, teamSlug: r.team_slug, expiresAtMs: r.expires_at_ms, revoked: r.revoked !== 0 }
        : null;
    },
    async revokeToken(hash) {
      await db.updateTable('tokens').set({ revoked: 1 }).where('token_hash', '=', hash).execute();
    },
    async pruneTokens(nowMs) {
      await db.deleteFrom('tokens').where('expires_at_ms', '<', nowMs).execute();
    },
    async close() {
      await db.destroy();
    },
  };
}
