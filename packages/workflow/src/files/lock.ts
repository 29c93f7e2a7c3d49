import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type lockfileModule from 'proper-lockfile';
import { WorkflowError } from '../errors.js';

/** Options of {@link withLock}. */
export interface LockOptions {
  /** How long to keep trying before LOCK_TIMEOUT, in ms (default 15 s). */
  readonly waitMs?: number;
  /** A lock older than this (its holder crashed) is taken over, in ms (default 30 s; the holder refreshes it). */
  readonly staleMs?: number;
  /** What the lock protects, for messages ("feature 001-x"). */
  readonly what?: string;
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
 * Runs `fn` while holding a cross-process lock at `lockPath` (proper-lockfile: an atomic `mkdir`, refreshed
 * while held, taken over when stale). Concurrent agents in different worktrees of the same repository
 * resolve the same main checkout, so they share the lock. Throws LOCK_TIMEOUT when it cannot be had in time.
 *
 * @example
 * await withLock(featureLockPath(root, '001-x'), () => writeFiles(), { what: 'feature 001-x' });
 */
export async function withLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const waitMs = options.waitMs ?? 15_000;
  const staleMs = Math.max(options.staleMs ?? 30_000, 5_000);
  mkdirSync(path.dirname(lockPath), { recursive: true });
  let compromised: Error | null = null;
  let release: () => Promise<void>;
  // Loaded on first use: read-only commands never take a lock.
  const lockfile = (await import('proper-lockfile')).default as typeof lockfileModule;
  try {
    release = await lockfile.lock(lockPath, {
      realpath: false,
      lockfilePath: lockPath,
      stale: staleMs,
      update: Math.floor(staleMs / 3),
      retries: { retries: Math.max(1, Math.ceil(waitMs / 100)), factor: 1.2, minTimeout: 25, maxTimeout: 250, randomize: true },
      onCompromised: (err) => {
        compromised = err;
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new WorkflowError('LOCK_TIMEOUT', `Another spec-kitty command is working on ${options.what ?? 'this project'} (lock ${lockPath}); gave up after ${Math.round(waitMs / 1000)} s.`, {
        suggestions: ['Wait for the other command (another agent?) to finish and run this one again.', `If no spec-kitty command is running, the lock is stale; it is taken over automatically after ${Math.round(staleMs / 1000)} s.`],
        details: { lockPath },
        cause: err,
      });
    }
    throw new WorkflowError('FILE_WRITE_FAILED', `Cannot create the lock ${lockPath}: ${(err as Error).message}`, {
      suggestions: ['Check that the project directory is writable.'],
      details: { lockPath },
      cause: err,
    });
  }
  try {
    const result = await fn();
    if (compromised !== null) {
      throw new WorkflowError('LOCK_TIMEOUT', `The lock on ${options.what ?? 'this project'} was lost while the command ran (${(compromised as Error).message}).`, {
        suggestions: ['Check the repository state with git status and run the command again.'],
        details: { lockPath },
      });
    }
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
