import path from 'node:path';
import { withFileLock as withIoLock } from '@kitty/io';
import { SyncError } from './errors.js';
import { ensurePrivateDir } from './_fs.js';

/**
 * Runs `fn` while holding a cross-process lock on `target` (@kitty/io's lock: directory `<target>.kitty-lock`,
 * owner pid/host recorded, a dead owner's lock taken over at once, stale after 10 s for a holder on another
 * machine). Waits up to about `waitMs`, then throws `CREDENTIALS_LOCKED` naming the lock.
 */
export async function withFileLock<T>(target: string, fn: () => Promise<T>, waitMs = 15_000): Promise<T> {
  ensurePrivateDir(path.dirname(target));
  const lockPath = `${target}.kitty-lock`;
  let entered = false;
  try {
    return await withIoLock(
      lockPath,
      async () => {
        entered = true;
        return fn();
      },
      { waitMs, staleMs: 10_000, what: path.basename(target) },
    );
  } catch (e) {
    if (entered) throw e;
    throw new SyncError('CREDENTIALS_LOCKED', `Another spec-kitty process holds ${lockPath} (waited ${Math.round(waitMs / 1000)} s).`, {
      cause: e,
      suggestions: [
        'Wait for the other spec-kitty command to finish and try again.',
        `If none is running, remove the stale lock: rm -r ${lockPath}`,
      ],
    });
  }
}
