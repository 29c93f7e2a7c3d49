// Cross-process lock around migrate's writes (internal): @kitty/io's one lock wrapper (proper-lockfile, owner
// pid/host recorded, a dead owner's lock taken over at once), with migrate's error codes.
import { acquireLock as acquireFileLock, isIoError } from '@kitty/io';
import { RuntimeError } from './errors.js';

/** How long migrate waits for another migrate, and when a lock counts as abandoned. */
export interface LockSettings {
  /** Retry attempts before MIGRATE_LOCKED (about 0.5 s apart; default 60, so about 30 s). */
  readonly retries?: number;
  /** Milliseconds after which a lock whose owner stopped refreshing it is taken over (default 10 000). */
  readonly stale?: number;
}

/** A held lock; `release()` throws MIGRATE_LOCK_LOST when the lock was taken over while held. */
export interface HeldLock {
  /** Notes for the user (a dead owner's lock was taken over). */
  readonly notes: readonly string[];
  release(): Promise<void>;
}

/** Takes the lock directory `lockDir` (its parent is created), waiting for other holders. */
export async function acquireLock(
  lockDir: string,
  what: string,
  settings: LockSettings = {},
  failCode: 'RUNTIME_WRITE_FAILED' | 'PROJECT_WRITE_FAILED' = 'RUNTIME_WRITE_FAILED',
): Promise<HeldLock> {
  const stale = settings.stale ?? 10_000;
  let held;
  try {
    held = await acquireFileLock(lockDir, { what, staleMs: stale, waitMs: (settings.retries ?? 60) * 500 });
  } catch (err) {
    if (isIoError(err) && err.code === 'IO_LOCK_BUSY') {
      throw new RuntimeError('MIGRATE_LOCKED', `Another spec-kitty migrate is updating ${what} (lock ${lockDir} is held).`, {
        suggestions: [
          'Wait for the other migrate to finish and run this one again (it will find nothing left to do if the other one finished the job).',
          `If no other spec-kitty is running, the lock counts as abandoned ${Math.round(stale / 1000)} s after its last refresh; run again then.`,
        ],
        details: { lock: lockDir },
        cause: err,
      });
    }
    throw new RuntimeError(failCode, `Could not create the lock ${lockDir}: ${(err as Error).message}.`, {
      suggestions: [`Check that you can write to ${what}.`],
      details: { lock: lockDir },
      cause: err,
    });
  }
  const lock = held;
  return {
    notes: lock.notes,
    async release() {
      const lost = lock.compromised();
      await lock.release();
      if (lost !== null) {
        throw new RuntimeError(
          'MIGRATE_LOCK_LOST',
          `The migrate lock ${lockDir} was taken over by another process while this one was writing ${what}.`,
          {
            suggestions: ['Run `spec-kitty migrate` again: it checks every file and finishes any half-done work.'],
            details: { lock: lockDir },
            cause: lost,
          },
        );
      }
    },
  };
}
