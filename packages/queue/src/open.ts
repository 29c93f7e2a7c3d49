// Opening a queue file safely: look at its bytes first, open it, migrate it, and repair it when it is damaged.
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { QueueError, errorMessage, isCorruption, toQueueError } from './errors.js';
import { prepareDatabase, type PrepareResult } from './database.js';
import { inspectFile, type FileInspection } from './inspect.js';
import { recoverCorruptFile, type Damage, type RecoveryContext } from './recovery.js';
import { KITTY_APPLICATION_ID } from './schema.js';
import { openSqlite, sqliteErrorCode, type SqliteHandle } from './sqlite-adapter.js';
import type { CapacityPolicy, QueueScope, QueueWarning, RecoveryReport } from './types.js';

/** The frozen settings of one open queue. */
export interface Config {
  readonly path: string;
  readonly homeDir: string;
  readonly scope: QueueScope | null;
  readonly now: () => Date;
  readonly busyTimeoutMs: number;
  readonly capacity: number;
  readonly capacityPolicy: CapacityPolicy;
  readonly retryCap: number;
  readonly backoff: (retryCount: number) => number;
  readonly onWarning: (w: QueueWarning) => void;
  readonly maxDatabaseBytes: number | undefined;
  readonly host: string | null;
  readonly isProcessAlive: (pid: number) => boolean;
}

/** An open, verified database file. */
export interface Opened {
  readonly handle: SqliteHandle;
  readonly ino: number;
  readonly dev: number;
  readonly prepared: PrepareResult;
  readonly recovery: RecoveryReport | null;
}

/** Checks what SQLite would not report on open: a foreign `-wal`, a truncated file. Null when the file looks sound. */
async function detectDamage(file: string, info: FileInspection, busyTimeoutMs: number): Promise<Damage | null> {
  const at = { ino: info.ino, dev: info.dev };
  if (info.kind === 'not-sqlite') return { reason: 'the file does not start with a valid SQLite header', foreignWal: false, ...at };
  const suspectWal = info.kind === 'sqlite' && info.walBytes > 0 && info.applicationId === KITTY_APPLICATION_ID;
  if (info.kind !== 'truncated' && !suspectWal) return null;
  let handle: SqliteHandle | undefined;
  try {
    // Read-only, so closing cannot checkpoint a foreign log into the file.
    handle = openSqlite(file, { busyTimeoutMs, readonly: true, fileMustExist: true });
    if (suspectWal) {
      const appId = Number(handle.pragma('application_id', true));
      const userVersion = Number(handle.pragma('user_version', true));
      if (appId !== info.applicationId || userVersion !== info.userVersion) {
        return { reason: 'its -wal file belongs to another database', foreignWal: true, ...at };
      }
    }
    if (info.kind === 'truncated') {
      const result = handle.pragma('quick_check(1)', true);
      if (result !== 'ok')
        return { reason: `the file is truncated (${info.size} bytes) and fails quick_check: ${String(result)}`, foreignWal: false, ...at };
    }
    return null;
  } catch (e) {
    if (isCorruption(e))
      return {
        reason: `SQLite reports ${sqliteErrorCode(e)} (${info.kind === 'truncated' ? `truncated file, ${info.size} bytes` : 'damaged file'})`,
        foreignWal: false,
        ...at,
      };
    return null; // Busy or unreadable for another reason: the normal open reports it.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Opens (creating, migrating, repairing as needed) the queue file described by `config`. */
export async function openVerified(config: Config): Promise<Opened> {
  const ctx: RecoveryContext = { homeDir: config.homeDir, scope: config.scope, now: config.now, busyTimeoutMs: config.busyTimeoutMs };
  let recovery: RecoveryReport | null = null;
  try {
    mkdirSync(path.dirname(config.path), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw toQueueError(e, config);
  }
  for (let attempt = 0; attempt < 3; attempt += 1) {
    let info: FileInspection;
    try {
      info = inspectFile(config.path);
    } catch (e) {
      throw toQueueError(e, config); // EISDIR (a directory in place of the file), EACCES…
    }
    const damage = await detectDamage(config.path, info, config.busyTimeoutMs);
    if (damage !== null) {
      recovery = (await recoverCorruptFile(config.path, damage, ctx)) ?? recovery;
      continue;
    }
    let handle: SqliteHandle | undefined;
    try {
      // Events may name projects and people: the file (and SQLite's -wal/-shm, which copy its mode) is 0600.
      if (info.kind === 'missing') closeSync(openSync(config.path, 'a', 0o600));
      handle = openSqlite(config.path, {
        busyTimeoutMs: config.busyTimeoutMs,
        ...(config.maxDatabaseBytes === undefined ? {} : { maxDatabaseBytes: config.maxDatabaseBytes }),
      });
      const st = statSync(config.path);
      const prepared = await prepareDatabase(handle, {
        homeDir: config.homeDir,
        scope: config.scope,
        nowMs: config.now().getTime(),
        busyTimeoutMs: config.busyTimeoutMs,
        exceptPaths: [config.path],
      });
      return { handle, ino: Number(st.ino), dev: Number(st.dev), prepared, recovery };
    } catch (e) {
      await handle?.close().catch(() => undefined);
      if (isCorruption(e) && attempt < 2) {
        const reason = `SQLite reports ${sqliteErrorCode(e)}: ${errorMessage(e)}`;
        recovery = (await recoverCorruptFile(config.path, { reason, foreignWal: false, ino: info.ino, dev: info.dev }, ctx)) ?? recovery;
        continue;
      }
      throw toQueueError(e, config);
    }
  }
  throw new QueueError('QUEUE_CORRUPT', `The queue database ${config.path} is still damaged after a repair.`, {
    details: { path: config.path },
    suggestions: [`Move ${config.path} and its -wal/-shm files to another folder; spec-kitty then starts a fresh queue.`],
  });
}
