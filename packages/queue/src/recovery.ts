// Corrupt-file recovery (reliability plan row 28): under a cross-process lock, copy what can still be read out
// of the damaged file, build a fresh queue beside it, keep the damaged `queue.db`, `-wal` and `-shm` together
// under `queue.corrupt-<timestamp>.db*`, and put the fresh file in place. Nothing is deleted.
import { chmodSync, closeSync, copyFileSync, existsSync, linkSync, openSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { acquireLock } from '@kitty/io';
import { QueueError, errorMessage } from './errors.js';
import { asClock, readClock, scanLamportInFiles } from './clock-sources.js';
import { prepareDatabase } from './database.js';
import { inspectFile, patchHeaderForSalvage } from './inspect.js';
import { fileTimestamp } from './paths.js';
import { META, type OutboxTable, type RowStatus } from './schema.js';
import { openSqlite, type SqliteHandle } from './sqlite-adapter.js';
import { scanEnvelopesInFiles } from './raw-salvage.js';
import type { QueueScope, RecoveryReport } from './types.js';

/** A row read back from a damaged file. */
type SalvagedRow = Omit<OutboxTable, 'id' | 'claim_id' | 'lease_until'>;

interface Salvage {
  readonly rows: SalvagedRow[];
  readonly clock: number;
  readonly scope: QueueScope | null;
  readonly unreadable: number;
}

/** What recovery needs from the caller. */
export interface RecoveryContext {
  readonly homeDir: string;
  readonly scope: QueueScope | null;
  readonly now: () => Date;
  readonly busyTimeoutMs: number;
}

/** How the damage was found; `foreignWal` means the `-wal` must not be replayed while salvaging. */
export interface Damage {
  readonly reason: string;
  readonly foreignWal: boolean;
  /** Identity of the file judged damaged; if the path now holds another file, someone already repaired it. */
  readonly ino: number;
  readonly dev: number;
}

const SALVAGE_CHUNK = 200;
const MAX_PROBES = 200_000;

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function toRow(r: Record<string, unknown>): SalvagedRow | null {
  const data = str(r['data']);
  const eventId = str(r['event_id']);
  if (data === null || eventId === null) return null;
  let envelope: unknown;
  try {
    envelope = JSON.parse(data);
  } catch {
    return null;
  }
  if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope)) return null;
  const env = envelope as Record<string, unknown>;
  const lamport = asClock(r['lamport_clock']) ?? asClock(env['lamport_clock']);
  const eventType = str(r['event_type']) ?? str(env['event_type']);
  if (lamport === null || eventType === null) return null;
  const status: RowStatus = r['status'] === 'dead' ? 'dead' : 'pending';
  const createdAt = asClock(r['created_at']) ?? 0;
  return {
    event_id: eventId,
    event_type: eventType,
    data,
    lamport_clock: lamport,
    created_at: createdAt,
    status,
    retry_count: asClock(r['retry_count']) ?? 0,
    next_attempt_at: asClock(r['next_attempt_at']) ?? createdAt,
    last_error: str(r['last_error']),
    last_category: str(r['last_category']),
    last_attempt_at: asClock(r['last_attempt_at']),
    dead_at: status === 'dead' ? (asClock(r['dead_at']) ?? createdAt) : null,
  };
}

/** Reads every event that can still be read from `file` (a private copy of the damaged database). */
async function salvage(file: string, busyTimeoutMs: number): Promise<Salvage> {
  const rows: SalvagedRow[] = [];
  let unreadable = 0;
  let clock = 0;
  let scope: QueueScope | null = null;
  let handle: SqliteHandle | undefined;
  try {
    handle = openSqlite(file, { busyTimeoutMs, readonly: true, fileMustExist: true });
    const db = handle.db;
    try {
      const c = await readClock(db, false);
      clock = Math.max(c.row ?? 0, c.highWater ?? 0);
    } catch {
      // The clock is also recovered from the events and the raw bytes.
    }
    try {
      const meta = await db
        .selectFrom('outbox_meta')
        .select(['key', 'value'])
        .where('key', 'in', [META.scopeServer, META.scopeUser])
        .execute();
      const m = new Map(meta.map((x) => [x.key, x.value]));
      const serverUrl = m.get(META.scopeServer);
      const username = m.get(META.scopeUser);
      if (serverUrl !== undefined && username !== undefined) scope = { serverUrl, username };
    } catch {
      // No scope record: the caller's scope is used.
    }
    const take = (r: Record<string, unknown>) => {
      const row = toRow(r);
      if (row === null) unreadable += 1;
      else rows.push(row);
    };
    // The highest id ever used bounds the probing below (AUTOINCREMENT keeps it in sqlite_sequence).
    let maxId: number | null = null;
    for (const q of [
      sql<{ m: unknown }>`select seq as m from sqlite_sequence where name = 'outbox'`,
      sql<{ m: unknown }>`select max(id) as m from outbox`,
    ]) {
      try {
        const m = asClock((await q.execute(db)).rows[0]?.m);
        if (m !== null) maxId = Math.max(maxId ?? 0, m);
      } catch {
        // Try the other source.
      }
    }
    if (maxId === null) return { rows, clock, scope, unreadable };
    let last = 0;
    let probes = 0;
    while (last < maxId) {
      try {
        // Streamed, so the rows read before a damaged page are kept.
        for await (const r of db.selectFrom('outbox').selectAll().where('id', '>', last).orderBy('id').stream(SALVAGE_CHUNK)) {
          take(r);
          last = r.id;
        }
        break;
      } catch {
        // A damaged page: probe the ids after it one by one until one reads again.
      }
      let resumed = false;
      while (!resumed && last < maxId && probes < MAX_PROBES) {
        last += 1;
        probes += 1;
        try {
          const r = (await sql<Record<string, unknown>>`select * from outbox where id = ${last}`.execute(db)).rows[0];
          if (r !== undefined) {
            take(r);
            resumed = true;
          }
        } catch {
          unreadable += 1;
        }
      }
      if (!resumed) break;
    }
  } catch {
    // The copy cannot be opened at all: only the raw-byte clock scan helps.
  } finally {
    await handle?.close().catch(() => undefined);
  }
  return { rows, clock, scope, unreadable };
}

function freeBase(dir: string, stem: string, at: Date): string {
  const ts = fileTimestamp(at);
  for (let i = 0; ; i += 1) {
    const base = path.join(dir, `${stem}.corrupt-${ts}${i === 0 ? '' : `-${i}`}`);
    if (!existsSync(`${base}.db`) && !existsSync(`${base}.db-wal`) && !existsSync(`${base}.db-shm`)) return base;
  }
}

function removeDb(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
}

/**
 * Quarantines the damaged queue at `dbPath`, salvages what it can and installs a fresh queue. Returns null
 * when another process repaired the file first (the caller simply reopens it).
 */
export async function recoverCorruptFile(dbPath: string, damage: Damage, ctx: RecoveryContext): Promise<RecoveryReport | null> {
  let release: (() => Promise<void>) | undefined;
  try {
    // The shared lock wrapper: a repairer that was killed leaves a lock the next one takes over at once. A lock
    // lost while held is only recorded: the repair is safe anyway (it re-checks the file identity and only renames
    // files it built or found damaged).
    const held = await acquireLock(`${dbPath}.lock`, { what: 'the queue repair', waitMs: 25_000, staleMs: 30_000, now: ctx.now });
    release = () => held.release();
  } catch (e) {
    throw new QueueError('QUEUE_LOCKED', `Another process is repairing the queue database ${dbPath} and did not finish in time.`, {
      cause: e,
      suggestions: ['Retry in a few seconds.', `If no spec-kitty process is running, remove the stale lock directory ${dbPath}.lock.`],
      details: { path: dbPath },
    });
  }
  const dir = path.dirname(dbPath);
  const stem = path.basename(dbPath).replace(/\.db$/, '');
  const at = ctx.now();
  const base = freeBase(dir, stem, at);
  const salvageCopy = `${base}.salvage.db`;
  const fresh = path.join(dir, `.${stem}.rebuild-${fileTimestamp(at)}.db`);
  try {
    const now = inspectFile(dbPath);
    if (now.kind === 'missing' || now.ino !== damage.ino || now.dev !== damage.dev) return null;

    // 1. Salvage from a private copy, so the quarantined files stay exactly as found.
    copyFileSync(dbPath, salvageCopy);
    if (!damage.foreignWal && existsSync(`${dbPath}-wal`)) copyFileSync(`${dbPath}-wal`, `${salvageCopy}-wal`);
    patchHeaderForSalvage(salvageCopy);
    const found = await salvage(salvageCopy, ctx.busyTimeoutMs);
    const rawFiles = [dbPath, ...(!damage.foreignWal && existsSync(`${dbPath}-wal`) ? [`${dbPath}-wal`] : [])];
    const scanned = scanLamportInFiles(rawFiles);
    // Envelopes SQLite could not read back are often still in the bytes: re-queue every valid one it missed.
    const known = new Set(found.rows.map((r) => r.event_id));
    let fromBytes = 0;
    for (const env of scanEnvelopesInFiles(rawFiles).values()) {
      if (known.has(env.eventId)) continue;
      known.add(env.eventId);
      fromBytes += 1;
      const createdAt = env.timestampMs ?? at.getTime();
      found.rows.push({
        event_id: env.eventId,
        event_type: env.eventType,
        data: env.json,
        lamport_clock: env.lamportClock,
        created_at: createdAt,
        status: 'pending',
        retry_count: 0,
        next_attempt_at: createdAt,
        last_error: null,
        last_category: null,
        last_attempt_at: null,
        dead_at: null,
      });
    }
    const floor = found.rows.reduce((m, r) => Math.max(m, r.lamport_clock), Math.max(found.clock, scanned));

    // 2. Build the fresh queue beside it, with the salvaged rows and a clock that does not go back.
    removeDb(fresh);
    // The rebuilt file keeps the queue's private mode (SQLite would create it with the umask's 0644).
    closeSync(openSync(fresh, 'a', 0o600));
    chmodSync(fresh, 0o600);
    const handle = openSqlite(fresh, { busyTimeoutMs: ctx.busyTimeoutMs });
    let lamportClock: number;
    try {
      await prepareDatabase(handle, {
        homeDir: ctx.homeDir,
        scope: ctx.scope ?? found.scope,
        nowMs: at.getTime(),
        busyTimeoutMs: ctx.busyTimeoutMs,
        exceptPaths: [dbPath, fresh],
        clockFloor: floor,
      });
      await handle.immediate(async (db) => {
        for (let i = 0; i < found.rows.length; i += 100) {
          await db
            .insertInto('outbox')
            .values(found.rows.slice(i, i + 100))
            .onConflict((oc) => oc.column('event_id').doNothing())
            .execute();
        }
      });
      lamportClock = (await readClock(handle.db, false)).row ?? floor;
      handle.pragma('wal_checkpoint(TRUNCATE)');
      handle.pragma('journal_mode = DELETE');
    } finally {
      await handle.close();
    }

    // 3. Keep the damaged files together under the quarantine name, then put the fresh file in place.
    const quarantined: string[] = [];
    try {
      linkSync(dbPath, `${base}.db`);
    } catch {
      copyFileSync(dbPath, `${base}.db`);
    }
    quarantined.push(`${base}.db`);
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(`${dbPath}${suffix}`)) {
        renameSync(`${dbPath}${suffix}`, `${base}.db${suffix}`);
        quarantined.push(`${base}.db${suffix}`);
      }
    }
    renameSync(fresh, dbPath);

    const message =
      `The queue database ${dbPath} was damaged (${damage.reason}). It was moved aside to ${quarantined.join(', ')} ` +
      `and a fresh queue was created; ${found.rows.length} event(s) were salvaged${fromBytes > 0 ? ` (${fromBytes} of them from the raw bytes of the damaged file)` : ''}` +
      `${found.unreadable > 0 ? ` and ${found.unreadable} unreadable row(s) stayed in the quarantined file` : ''}. ` +
      `Nothing was deleted; the Lamport clock continues from ${lamportClock}.`;
    return { reason: damage.reason, quarantined, salvaged: found.rows.length, lamportClock, message };
  } catch (e) {
    if (e instanceof QueueError) throw e;
    throw new QueueError(
      'QUEUE_CORRUPT',
      `The queue database ${dbPath} is damaged (${damage.reason}) and could not be repaired: ${errorMessage(e)}.`,
      {
        cause: e,
        suggestions: [
          `Move ${dbPath} and its -wal/-shm files to another folder yourself; spec-kitty then starts a fresh queue.`,
          'Check that the folder is writable and the disk is not full.',
        ],
        details: { path: dbPath, reason: damage.reason },
      },
    );
  } finally {
    removeDb(salvageCopy);
    removeDb(fresh);
    await release().catch(() => undefined);
  }
}
