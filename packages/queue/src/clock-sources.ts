// Where a Lamport value can be recovered from, so the clock never regresses (DESIGN 3.3): this file's clock row
// and high-water mark, its stored events, the other queue files in the same home, the Python CLI's clock.json,
// and, for a damaged file, the raw bytes of the envelopes it still holds.
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { DEFAULT_QUEUE_FILE, SCOPED_QUEUE_DIR, isQueueFileName, kittyDir } from './paths.js';
import { META, type QueueDb } from './schema.js';
import { openSqlite } from './sqlite-adapter.js';

/** A value usable as a Lamport clock, or null. */
export function asClock(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** The clock sources inside one database. */
export interface ClockReadings {
  readonly row: number | null;
  readonly rowPresent: boolean;
  readonly highWater: number | null;
  readonly maxEvent: number | null;
}

/** The highest clock value an outbox event carries (null when there is none or it is unusable). */
export async function maxEventClock(db: Kysely<QueueDb>): Promise<number | null> {
  const m = await db
    .selectFrom('outbox')
    .select(sql<unknown>`max(lamport_clock)`.as('m'))
    .executeTakeFirst();
  return asClock(m?.m);
}

/** Reads the clock row, the high-water mark and (when `withEvents`) the highest stored event value. */
export async function readClock(db: Kysely<QueueDb>, withEvents: boolean): Promise<ClockReadings> {
  const row = await db
    .selectFrom('lamport_clock')
    .select(sql<unknown>`value`.as('value'))
    .where('id', '=', 1)
    .executeTakeFirst();
  const hw = await db.selectFrom('outbox_meta').select('value').where('key', '=', META.lamportHighWater).executeTakeFirst();
  const maxEvent = withEvents ? await maxEventClock(db) : null;
  return { row: asClock(row?.value), rowPresent: row !== undefined, highWater: asClock(hw?.value), maxEvent };
}

/** Every live queue file in a home directory (the logged-out one first). */
export function queueFilesInHome(homeDir: string): string[] {
  const dir = kittyDir(homeDir);
  const files: string[] = [];
  if (existsSync(path.join(dir, DEFAULT_QUEUE_FILE))) files.push(path.join(dir, DEFAULT_QUEUE_FILE));
  const scoped = path.join(dir, SCOPED_QUEUE_DIR);
  if (existsSync(scoped)) {
    for (const name of readdirSync(scoped).sort()) if (isQueueFileName(name)) files.push(path.join(scoped, name));
  }
  return files;
}

/** The highest clock found in the other queue files of `homeDir` (unreadable files are skipped). */
export async function highestClockInHome(homeDir: string, exceptPaths: readonly string[], busyTimeoutMs: number): Promise<number> {
  let best = 0;
  const skip = new Set(exceptPaths.map((p) => path.resolve(p)));
  for (const file of queueFilesInHome(homeDir)) {
    if (skip.has(path.resolve(file))) continue;
    let handle;
    try {
      handle = openSqlite(file, { busyTimeoutMs, readonly: true, fileMustExist: true });
      const r = await readClock(handle.db, true);
      best = Math.max(best, r.row ?? 0, r.highWater ?? 0, r.maxEvent ?? 0);
    } catch {
      // Not a kitty queue yet, locked or damaged: it cannot help, and opening it will repair it.
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }
  return best;
}

/** The value in the Python CLI's `~/.spec-kitty/clock.json` (`{"value": N}`), or 0. */
export function legacyClockValue(homeDir: string): number {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(kittyDir(homeDir), 'clock.json'), 'utf8'));
    if (parsed !== null && typeof parsed === 'object') return asClock((parsed as { value?: unknown }).value) ?? 0;
  } catch {
    // Missing or unreadable: nothing to learn from it.
  }
  return 0;
}

const LAMPORT_IN_JSON = /"lamport_clock":(\d{1,16})/g;

/** The highest `"lamport_clock":N` found in the raw bytes of `files` (damaged databases and their journals). */
export function scanLamportInFiles(files: readonly string[]): number {
  let best = 0;
  const chunk = Buffer.alloc(1 << 20);
  const overlap = 64;
  for (const file of files) {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      continue;
    }
    try {
      let position = 0;
      let carry = '';
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, position);
        if (n <= 0) break;
        position += n;
        const text = carry + chunk.toString('latin1', 0, n);
        for (const m of text.matchAll(LAMPORT_IN_JSON)) {
          const v = asClock(m[1]);
          if (v !== null && v > best) best = v;
        }
        carry = text.slice(-overlap);
      }
    } catch {
      // A read error ends the scan of this file; what was found so far still counts.
    } finally {
      closeSync(fd);
    }
  }
  return best;
}
