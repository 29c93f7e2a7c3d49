// Keeping the queue file small (issue 15: a file that never shrank after 100,000 delivered events). New files use
// auto_vacuum=INCREMENTAL; after a sync the free pages are given back. A file created before that setting is
// rebuilt once with VACUUM, but only when it is nearly empty (drained), so the rebuild is quick.
import type { SqliteHandle } from './sqlite-adapter.js';

/** Rows left in the outbox below which an old (non-incremental) file is rebuilt with VACUUM. */
export const VACUUM_DRAINED_ROWS = 1000;
/** Free pages below which nothing is done (a few pages are reused by the next enqueues anyway). */
export const VACUUM_MIN_FREE_PAGES = 64;

/** What {@link vacuumIfDrained} did. */
export type VacuumAction = 'none' | 'incremental' | 'vacuum' | 'busy';

/**
 * Gives free pages back to the file system: `incremental_vacuum` on an INCREMENTAL file; on an older file, once
 * fewer than {@link VACUUM_DRAINED_ROWS} rows are left, switches it to INCREMENTAL with one VACUUM. Never waits
 * for other connections: busy means "next time". Must run outside any transaction.
 */
export function vacuumIfDrained(handle: SqliteHandle, outboxRows: number): VacuumAction {
  const free = Number(handle.pragma('freelist_count', true));
  if (!(free >= VACUUM_MIN_FREE_PAGES)) return 'none';
  const mode = Number(handle.pragma('auto_vacuum', true));
  try {
    if (mode === 2) {
      handle.pragma('incremental_vacuum');
      return 'incremental';
    }
    if (outboxRows > VACUUM_DRAINED_ROWS) return 'none';
    handle.pragma('auto_vacuum = INCREMENTAL');
    handle.exec('VACUUM');
    return 'vacuum';
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) return 'busy';
    throw e;
  }
}
