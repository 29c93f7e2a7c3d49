import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './_fs.js';

/** What the last sync run of a queue did (persisted beside the queue file). */
export interface LastSyncRecord {
  readonly at: string;
  /** How the run ended (see SyncRunStatus). */
  readonly status: string;
  readonly synced: number;
  readonly duplicates: number;
  readonly failed: number;
  readonly remaining: number;
  readonly message: string;
  /** `sync now` (foreground) or `background`. */
  readonly trigger: string;
}

/** `<queue file>.last-sync.json`. */
export function lastSyncPath(queueFile: string): string {
  return `${queueFile}.last-sync.json`;
}

/** Reads the last sync record of a queue; null when none or unreadable. */
export function readLastSync(queueFile: string): LastSyncRecord | null {
  const file = lastSyncPath(queueFile);
  if (!existsSync(file)) return null;
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as LastSyncRecord;
    return typeof v?.at === 'string' && typeof v.status === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Writes the last sync record atomically (best effort: a failure here never fails a sync). */
export function writeLastSync(queueFile: string, record: LastSyncRecord): void {
  try {
    writeFileAtomic(lastSyncPath(queueFile), `${JSON.stringify(record, null, 2)}\n`, 0o600);
  } catch {
    // The sync itself succeeded or failed on its own terms; the record is informative only.
  }
}
