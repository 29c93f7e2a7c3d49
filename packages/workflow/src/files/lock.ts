import path from 'node:path';
import { WorkflowError } from '../errors.js';

/** Options of {@link withLock}. */
export interface LockOptions {
  /** How long to keep trying while a live process holds the lock, in ms (default 15 s). */
  readonly waitMs?: number;
  /** A lock not refreshed for this long (its holder on another machine is gone) is taken over, in ms (default 30 s). */
  readonly staleMs?: number;
  /** What the lock protects, for messages ("feature 001-x"). */
  readonly what?: string;
  /** Receives notes, e.g. that the lock of a killed command was taken over. */
  readonly onNote?: (note: string) => void;
  /** Stops waiting for the lock (INTERRUPTED) when it fires. */
  readonly signal?: AbortSignal | undefined;
  readonly now?: () => Date;
}

/** The directory that holds spec-kitty's lock files in a project (`.kittify/locks`; empty dirs never show in git). */
export function locksDir(projectRoot: string): string {
  return path.join(projectRoot, '.kittify', 'locks');
}

/** The lock file of one feature; every command that writes a feature's files holds it. */
export function featureLockPath(projectRoot: string, featureSlug: string): string {
  return path.join(locksDir(projectRoot), `feature-${featureSlug}.lock`);
}

/** The lock that serialises feature creation (the next feature number) in a project. */
export function projectLockPath(projectRoot: string): string {
  return path.join(locksDir(projectRoot), 'project.lock');
}

/**
 * Runs `fn` while holding a cross-process lock at `lockPath` (@kitty/io: proper-lockfile's atomic `mkdir`,
 * refreshed while held, the owner's pid and host recorded beside it). A lock whose owner on this machine is no
 * longer running (a command killed with SIGKILL) is taken over at once, with a note through `onNote`.
 * Concurrent agents in different worktrees of the same repository resolve the same main checkout, so they share
 * the lock. Throws LOCK_TIMEOUT naming the holder when a live one keeps it too long.
 *
 * @example
 * await withLock(featureLockPath(root, '001-x'), () => writeFiles(), { what: 'feature 001-x' });
 */
export async function withLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const waitMs = options.waitMs ?? 15_000;
  const staleMs = Math.max(options.staleMs ?? 30_000, 5_000);
  const what = options.what ?? 'this project';
  // Loaded on first use: read-only commands never take a lock.
  const { acquireLock, isIoError } = await import('@kitty/io');
  let lock;
  try {
    lock = await acquireLock(lockPath, {
      waitMs,
      staleMs,
      what,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  } catch (err) {
    if (isIoError(err) && err.code === 'IO_LOCK_BUSY') {
      throw new WorkflowError('LOCK_TIMEOUT', `Another spec-kitty command is working on ${what}: ${err.message}`, {
        suggestions: ['Wait for the other command (another agent?) to finish and run this one again.', ...err.suggestions.slice(1)],
        details: { lockPath, owner: err.details?.['owner'] ?? null },
        cause: err,
      });
    }
    if (isIoError(err) && err.code === 'IO_LOCK_ABORTED') {
      throw new WorkflowError('INTERRUPTED', `Interrupted while waiting for the lock of ${what}; nothing was changed.`, {
        suggestions: ['Run the command again when you are ready.'],
        details: { lockPath, repository_state: 'unchanged' },
        cause: err,
      });
    }
    throw new WorkflowError('FILE_WRITE_FAILED', `Cannot create the lock ${lockPath}: ${(err as Error).message}`, {
      suggestions: ['Check that the project directory is writable.'],
      details: { lockPath },
      cause: err,
    });
  }
  for (const n of lock.notes) options.onNote?.(n);
  try {
    const result = await fn();
    const lost = lock.compromised();
    if (lost !== null) {
      throw new WorkflowError('LOCK_TIMEOUT', `The lock on ${what} was lost while the command ran (${lost.message}).`, {
        suggestions: ['Check the repository state with git status and run the command again.'],
        details: { lockPath },
      });
    }
    return result;
  } finally {
    await lock.release();
  }
}
