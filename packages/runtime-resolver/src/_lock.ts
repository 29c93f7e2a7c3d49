// Cross-process lock around migrate's writes (internal). proper-lockfile makes a lock directory atomically and
// keeps its mtime fresh; a lock not refreshed for `stale` ms is taken over (its owner crashed).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
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
  release(): Promise<void>;
}

/** Takes the lock directory `lockDir` (its parent is created), waiting for other holders. */
export async function acquireLock(
  lockDir: string,
  what: string,
  settings: LockSettings = {},
  failCode: 'RUNTIME_WRITE_FAILED' | 'PROJECT_WRITE_FAILED' = 'RUNTIME_WRITE_FAILED',
): Promise<HeldLock> {
  const { default: lockfile } = await import('proper-lockfile');
  const target = lockDir.replace(/\.lock$/, '');
  let compromised: Error | undefined;
  const stale = settings.stale ?? 10_000;
  let release: () => Promise<void>;
  try {
    mkdirSync(path.dirname(lockDir), { recursive: true });
    release = await lockfile.lock(target, {
      lockfilePath: lockDir,
      realpath: false,
      stale,
      update: Math.max(1000, Math.floor(stale / 4)),
      retries: { retries: settings.retries ?? 60, minTimeout: 50, maxTimeout: 500, factor: 1.5 },
      onCompromised: (err) => {
        compromised = err;
      },
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'ELOCKED') {
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
  return {
    async release() {
      try {
        await release();
      } catch {
        // already released or taken over; the compromised check below reports the latter
      }
      if (compromised !== undefined) {
        throw new RuntimeError('MIGRATE_LOCK_LOST', `The migrate lock ${lockDir} was taken over by another process while this one was writing ${what}.`, {
          suggestions: ['Run `spec-kitty migrate` again: it checks every file and finishes any half-done work.'],
          details: { lock: lockDir },
          cause: compromised,
        });
      }
    },
  };
}
