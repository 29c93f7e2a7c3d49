import path from 'node:path';
import { SyncError } from './errors.js';
import { ensurePrivateDir } from './_fs.js';

/**
 * Runs `fn` while holding a cross-process lock on `target` (proper-lockfile, lock directory `<target>.kitty-lock`,
 * stale after 10 s so a crashed holder cannot block forever). Waits up to about `waitMs`, then throws
 * `CREDENTIALS_LOCKED` naming the lock.
 */
export async function withFileLock<T>(target: string, fn: () => Promise<T>, waitMs = 15_000): Promise<T> {
  const { default: lockfile } = await import('proper-lockfile');
  ensurePrivateDir(path.dirname(target));
  const lockPath = `${target}.kitty-lock`;
  let release: (() => Promise<void>) | undefined;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      lockfilePath: lockPath,
      stale: 10_000,
      update: 2_000,
      retries: { retries: Math.max(1, Math.ceil(waitMs / 100)), minTimeout: 25, maxTimeout: 150, factor: 1.3, randomize: true },
    });
  } catch (e) {
    throw new SyncError('CREDENTIALS_LOCKED', `Another spec-kitty process holds ${lockPath} (waited ${Math.round(waitMs / 1000)} s).`, {
      cause: e,
      suggestions: ['Wait for the other spec-kitty command to finish and try again.', `If none is running, remove the stale lock: rm -r ${lockPath}`],
    });
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
