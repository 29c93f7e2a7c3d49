// The only file that touches better-sqlite3 (DESIGN 2): connection set-up, pragmas, and the write-transaction
// helper. Everything else talks to the database through kysely.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { QueueDb } from './schema.js';

/** Options for {@link openSqlite}. */
export interface OpenSqliteOptions {
  /** better-sqlite3 busy timeout: how long a statement waits for another connection's lock. */
  readonly busyTimeoutMs: number;
  /** Open read-only (inspection and salvage). */
  readonly readonly?: boolean;
  /** Fail instead of creating a missing file. */
  readonly fileMustExist?: boolean;
  /** Cap the file size (PRAGMA max_page_count); writes past it fail with SQLITE_FULL. */
  readonly maxDatabaseBytes?: number;
}

/** One open SQLite file: a kysely instance over a single better-sqlite3 connection. */
export interface SqliteHandle {
  readonly path: string;
  readonly db: Kysely<QueueDb>;
  /**
   * Runs `fn` in a `BEGIN IMMEDIATE` transaction on the single connection (the write lock is taken up front,
   * so a read-then-write can never fail half-way with SQLITE_BUSY the way kysely's deferred `transaction()`
   * does under contention). Commits when `fn` resolves, rolls back when it throws.
   */
  immediate<T>(fn: (db: Kysely<QueueDb>) => Promise<T>): Promise<T>;
  /** Runs `fn` in a deferred read transaction: one consistent snapshot, no write lock. */
  read<T>(fn: (db: Kysely<QueueDb>) => Promise<T>): Promise<T>;
  /** Runs SQL without results outside kysely (VACUUM). */
  exec(source: string): void;
  /** Runs a pragma and returns its rows (or the single value with `simple`). */
  pragma(source: string, simple?: boolean): unknown;
  /** True while the connection is open. */
  readonly open: boolean;
  close(): Promise<void>;
}

/**
 * Loads the SQLite driver's native addon (better-sqlite3 loads it on its first connection, ~10 ms) by opening and
 * closing an in-memory database; touches no file. For callers that can do it while they wait on something else
 * (a git commit), before their first {@link openSqlite}. Never throws: a driver that cannot load fails the real
 * open instead, with its usual error.
 */
export function warmUpDriver(): void {
  try {
    new Database(':memory:').close();
  } catch {
    // Reported by the real open.
  }
}

/** The SQLite result code of an error thrown by better-sqlite3 (`SQLITE_BUSY`, `SQLITE_CORRUPT`…), if it is one. */
export function sqliteErrorCode(error: unknown): string | undefined {
  // Checked by shape, not with instanceof: the native addon keeps the SqliteError class of the first module
  // copy that loaded it, so a second copy (another bundle, jest's per-file registries) sees a foreign class.
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * Opens `path` with the queue's settings: busy timeout; for writers WAL, synchronous=FULL (events are user
 * data) and a 64 MiB journal size limit.
 */
export function openSqlite(path: string, options: OpenSqliteOptions): SqliteHandle {
  const raw = new Database(path, {
    timeout: options.busyTimeoutMs,
    readonly: options.readonly ?? false,
    fileMustExist: options.fileMustExist ?? false,
  });
  try {
    if (!options.readonly) {
      // A new, empty file gives free pages back to the file system after deliveries (see vacuum.ts); this must
      // be set before the first table exists.
      if (Number(raw.pragma('page_count', { simple: true })) === 0) raw.pragma('auto_vacuum = INCREMENTAL');
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = FULL');
      raw.pragma('journal_size_limit = 67108864');
      if (options.maxDatabaseBytes !== undefined) {
        const pageSize = Number(raw.pragma('page_size', { simple: true }));
        raw.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxDatabaseBytes / pageSize))}`);
      }
    }
  } catch (e) {
    raw.close();
    throw e;
  }
  const db = new Kysely<QueueDb>({ dialect: new SqliteDialect({ database: raw }) });

  const inTransaction = async <T>(begin: 'begin immediate' | 'begin', fn: (db: Kysely<QueueDb>) => Promise<T>): Promise<T> =>
    db.connection().execute(async (conn) => {
      await sql.raw(begin).execute(conn);
      try {
        const result = await fn(conn);
        await sql.raw('commit').execute(conn);
        return result;
      } catch (e) {
        // SQLite rolls some errors back by itself (SQLITE_FULL, SQLITE_BUSY on commit…); only roll back what is open.
        if (raw.inTransaction) {
          try {
            raw.exec('rollback');
          } catch {
            // The original error is the one worth reporting.
          }
        }
        throw e;
      }
    });

  return {
    path,
    db,
    immediate: (fn) => inTransaction('begin immediate', fn),
    read: (fn) => inTransaction('begin', fn),
    pragma: (source, simple = false) => raw.pragma(source, { simple }),
    exec: (source) => {
      raw.exec(source);
    },
    get open() {
      return raw.open;
    },
    async close() {
      await db.destroy();
      if (raw.open) raw.close();
    },
  };
}
