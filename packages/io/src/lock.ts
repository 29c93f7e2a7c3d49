import { mkdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import path from 'node:path';
import type lockfileModule from 'proper-lockfile';
import { writeFileAtomic } from './atomic.js';
import { IoError } from './errors.js';
import { isProcessAlive } from './pid.js';

/** Who holds a lock: written beside the lock directory as `<lock>.owner` (JSON). */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** When it took the lock (ISO time), when the caller gave a clock. */
  readonly since: string | null;
  /** What the lock protects, as the holder described it. */
  readonly what: string | null;
}

/** Options of {@link acquireLock} and {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to keep trying while a live process holds the lock, in ms (default 15 000). */
  readonly waitMs?: number;
  /**
   * A lock not refreshed for this long is abandoned and taken over, in ms (default 30 000, at least 5 000). This
   * is for holders on another host (or whose pid cannot be checked); a holder on this host whose process is gone
   * is taken over at once.
   */
  readonly staleMs?: number;
  /** What the lock protects, for the owner record and notes ("feature 001-x"). */
  readonly what?: string;
  /** This process: recorded as the owner (defaults: the running process and this machine). */
  readonly pid?: number;
  readonly host?: string;
  /** The clock for the owner record's `since`. */
  readonly now?: () => Date;
  /** Stop waiting (IO_LOCK_ABORTED) when this fires. */
  readonly signal?: AbortSignal;
  /** The pause between attempts (default: a real timer). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A lock held by this process. */
export interface HeldFileLock {
  readonly path: string;
  /** Notes for the user, e.g. that a dead owner's lock was taken over. */
  readonly notes: readonly string[];
  /** The owner whose lock was taken over, or null. */
  readonly tookOverFrom: LockOwner | null;
  /** Whether the lock was lost while held (another process took it over as stale). */
  compromised(): Error | null;
  /** Releases the lock (idempotent); the owner record goes first. */
  release(): Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The owner record of a lock directory. */
export function lockOwnerPath(lockPath: string): string {
  return `${lockPath}.owner`;
}

/** Reads the owner record of a lock, or null when there is none (or it is unreadable). */
export function readLockOwner(lockPath: string): LockOwner | null {
  try {
    const raw = JSON.parse(readFileSync(lockOwnerPath(lockPath), 'utf8')) as Partial<LockOwner>;
    if (typeof raw.pid !== 'number' || typeof raw.host !== 'string') return null;
    return { pid: raw.pid, host: raw.host, since: typeof raw.since === 'string' ? raw.since : null, what: typeof raw.what === 'string' ? raw.what : null };
  } catch {
    return null;
  }
}

/** Whether the owner of a lock is a process on `host` that is no longer running. */
export function isOwnerGone(owner: LockOwner, host: string): boolean {
  return owner.host === host && !isProcessAlive(owner.pid);
}

let lockfile: typeof lockfileModule | undefined;

/**
 * Takes the cross-process lock `lockPath` (a directory made atomically by proper-lockfile, its mtime refreshed
 * while held) and records the owner (pid, host) in `<lockPath>.owner`. When the lock is held by a process on this
 * host that is no longer running (killed with SIGKILL, crashed), it is taken over at once and `notes` says so;
 * a live holder is waited for up to `waitMs` (IO_LOCK_BUSY naming the holder), a holder on another host until
 * the lock is `staleMs` old.
 *
 * @example
 * const lock = await acquireLock('/repo/.kittify/locks/feature-001-x.lock', { what: 'feature 001-x' });
 * try { … } finally { await lock.release(); }
 */
export async function acquireLock(lockPath: string, options: FileLockOptions = {}): Promise<HeldFileLock> {
  const waitMs = options.waitMs ?? 15_000;
  const staleMs = Math.max(options.staleMs ?? 30_000, 5_000);
  const pid = options.pid ?? process.pid;
  const host = options.host ?? osHostname();
  const sleep = options.sleep ?? realSleep;
  const what = options.what ?? lockPath;
  lockfile ??= (await import('proper-lockfile')).default as typeof lockfileModule;
  try {
    mkdirSync(path.dirname(lockPath), { recursive: true });
  } catch (err) {
    throw failed(lockPath, err);
  }
  const notes: string[] = [];
  let tookOverFrom: LockOwner | null = null;
  let compromised: Error | null = null;
  let waited = 0;
  let delay = 25;
  let release: () => Promise<void>;
  for (;;) {
    if (options.signal?.aborted === true) throw aborted(lockPath, what);
    try {
      release = await lockfile.lock(lockPath, {
        realpath: false,
        lockfilePath: lockPath,
        stale: staleMs,
        update: Math.floor(staleMs / 3),
        retries: 0,
        onCompromised: (err) => {
          compromised = err;
        },
      });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw failed(lockPath, err);
    }
    const owner = readLockOwner(lockPath);
    if (owner !== null && owner.pid !== pid && isOwnerGone(owner, host)) {
      // Its process is gone: make the lock look abandoned, so proper-lockfile's own stale path removes and takes it.
      try {
        utimesSync(lockPath, 0, 0);
      } catch {
        // released meanwhile: the next attempt simply takes it
      }
      if (tookOverFrom === null) {
        tookOverFrom = owner;
        notes.push(`Took over the lock of ${what} (${lockPath}): its owner, process ${owner.pid} on ${owner.host}${owner.since === null ? '' : ` since ${owner.since}`}, is no longer running.`);
      }
      continue;
    }
    if (waited >= waitMs) {
      const holder = owner === null ? 'another process' : `process ${owner.pid} on ${owner.host}${owner.since === null ? '' : ` (since ${owner.since})`}`;
      throw new IoError('IO_LOCK_BUSY', `${holder} holds the lock of ${what} (${lockPath}); gave up after ${Math.round(waitMs / 1000)} s.`, {
        suggestions: [
          'Wait for the other command to finish and run this one again.',
          owner !== null && owner.host !== host
            ? `The holder runs on another machine (${owner.host}); if it is gone, the lock counts as abandoned ${Math.round(staleMs / 1000)} s after its last refresh.`
            : `If no such process runs, the lock counts as abandoned ${Math.round(staleMs / 1000)} s after its last refresh.`,
        ],
        details: { lock_path: lockPath, owner },
      });
    }
    const pause = Math.min(delay, Math.max(1, waitMs - waited)) * (0.5 + Math.random() / 2);
    await sleep(pause);
    waited += pause;
    delay = Math.min(delay * 1.5, 250);
  }
  const record: LockOwner = { pid, host, since: options.now?.().toISOString() ?? null, what: options.what ?? null };
  try {
    writeFileAtomic(lockOwnerPath(lockPath), `${JSON.stringify(record)}\n`, { syncDir: false });
  } catch {
    // Without the record a dead holder is taken over only once stale; the lock itself is held.
  }
  let released = false;
  return {
    path: lockPath,
    notes,
    tookOverFrom,
    compromised: () => compromised,
    async release() {
      if (released) return;
      released = true;
      if (compromised === null) rmSync(lockOwnerPath(lockPath), { force: true });
      await release().catch(() => undefined);
    },
  };
}

/**
 * Runs `fn` while holding the lock `lockPath` (see {@link acquireLock}); `onNote` receives the notes of taking
 * it. The lock is released however `fn` ends.
 */
export async function withFileLock<T>(lockPath: string, fn: (lock: HeldFileLock) => Promise<T>, options: FileLockOptions & { readonly onNote?: (note: string) => void } = {}): Promise<T> {
  const lock = await acquireLock(lockPath, options);
  for (const n of lock.notes) options.onNote?.(n);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}

function failed(lockPath: string, err: unknown): IoError {
  return new IoError('IO_LOCK_FAILED', `Cannot create the lock ${lockPath}: ${(err as Error).message}`, {
    suggestions: [`Check that ${path.dirname(lockPath)} exists and is writable, then run the command again.`],
    details: { lock_path: lockPath },
    cause: err,
  });
}

function aborted(lockPath: string, what: string): IoError {
  return new IoError('IO_LOCK_ABORTED', `Stopped waiting for the lock of ${what} (${lockPath}): the command was interrupted. Nothing was changed.`, {
    suggestions: ['Run the command again when you are ready.'],
    details: { lock_path: lockPath },
  });
}
