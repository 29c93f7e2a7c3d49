import { mkdirSync, readdirSync, rmdirSync, statSync, utimesSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import path from 'node:path';
import type lockfileModule from 'proper-lockfile';
import { IoError } from './errors.js';
import { isProcessAlive } from './pid.js';

/**
 * Who holds a lock. Recorded inside the lock directory as an empty directory named
 * `owner.<pid>.<host in hex>.<since in ms or 0>`: git never shows an empty directory, so a lock left by a killed
 * command does not appear as an untracked file in the project.
 */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** When it took the lock (ISO time), when the caller gave a clock. */
  readonly since: string | null;
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

/** How long an ownerless, untouched lock is waited for before it counts as abandoned (ms of waiting). */
const OWNERLESS_GRACE_MS = 2_000;

const mtimeOf = (p: string): number | null => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return null;
  }
};

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const OWNER = /^owner\.(\d+)\.([0-9a-f]*)\.(\d+)$/;

/** The name of the owner record of `owner` inside the lock directory. */
export function lockOwnerName(owner: LockOwner): string {
  return `owner.${owner.pid}.${Buffer.from(owner.host, 'utf8').toString('hex')}.${owner.since === null ? 0 : Date.parse(owner.since)}`;
}

/** Reads the owner record of a lock, or null when there is none (the lock is free, or its holder just took it). */
export function readLockOwner(lockPath: string): LockOwner | null {
  let names: string[];
  try {
    names = readdirSync(lockPath);
  } catch {
    return null;
  }
  for (const n of names) {
    const m = OWNER.exec(n);
    if (m === null) continue;
    const since = Number(m[3]);
    return {
      pid: Number(m[1]),
      host: Buffer.from(m[2] as string, 'hex').toString('utf8'),
      since: since > 0 ? new Date(since).toISOString() : null,
    };
  }
  return null;
}

/** Removes every owner record inside a lock directory (before it is removed or taken over). */
function clearOwners(lockPath: string): void {
  let names: string[];
  try {
    names = readdirSync(lockPath);
  } catch {
    return;
  }
  for (const n of names) {
    if (!OWNER.test(n)) continue;
    try {
      rmdirSync(path.join(lockPath, n));
    } catch {
      // removed by someone else
    }
  }
}

// Locks this process holds, so an exit (process.exit after an interrupt) removes them with their owner record.
const held = new Map<string, string>();
let exitHook = false;
function onExit(): void {
  for (const [lockPath, name] of held) {
    try {
      rmdirSync(path.join(lockPath, name));
      rmdirSync(lockPath);
    } catch {
      // taken over or already gone
    }
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
  lockfile ??= (await import('proper-lockfile')).default;
  try {
    mkdirSync(path.dirname(lockPath), { recursive: true });
  } catch (err) {
    throw failed(lockPath, err);
  }
  const notes: string[] = [];
  let tookOverFrom: LockOwner | null = null;
  let compromised: Error | null = null;
  let waited = 0;
  let ownerless = null as { readonly mtime: number | null; readonly since: number } | null;
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
      const code = (err as NodeJS.ErrnoException).code;
      // proper-lockfile found the lock stale and could not remove it: the (dead) owner's record is inside.
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        clearOwners(lockPath);
        try {
          utimesSync(lockPath, 0, 0); // removing the record touched the directory; it is still the stale lock
        } catch {
          // gone meanwhile
        }
        continue;
      }
      if (code !== 'ELOCKED') throw failed(lockPath, err);
    }
    const owner = readLockOwner(lockPath);
    if (owner !== null && owner.pid !== pid && isOwnerGone(owner, host)) {
      // Its process is gone: make the lock look abandoned, so proper-lockfile's own stale path removes and takes it.
      try {
        clearOwners(lockPath);
        utimesSync(lockPath, 0, 0);
      } catch {
        // released meanwhile: the next attempt simply takes it
      }
      if (tookOverFrom === null) {
        tookOverFrom = owner;
        notes.push(
          `Took over the lock of ${what} (${lockPath}): its owner, process ${owner.pid} on ${owner.host}${owner.since === null ? '' : ` since ${owner.since}`}, is no longer running.`,
        );
      }
      continue;
    }
    // A lock directory without an owner record: its holder was killed between taking the lock and writing the
    // record (they are a few instructions apart). When it stays ownerless and untouched while we wait the grace
    // period (the waiting time, not the clock), it is abandoned: take it over.
    if (owner === null) {
      const mtime = mtimeOf(lockPath);
      if (mtime === null || mtime !== ownerless?.mtime) ownerless = { mtime, since: waited };
      else if (waited - ownerless.since >= OWNERLESS_GRACE_MS) {
        try {
          utimesSync(lockPath, 0, 0);
        } catch {
          // released meanwhile
        }
        notes.push(`Took over the lock of ${what} (${lockPath}): it had no owner record (its process was killed while taking it).`);
        ownerless = null;
        continue;
      }
    } else ownerless = null;
    if (waited >= waitMs) {
      const holder =
        owner === null
          ? 'another process'
          : `process ${owner.pid} on ${owner.host}${owner.since === null ? '' : ` (since ${owner.since})`}`;
      throw new IoError(
        'IO_LOCK_BUSY',
        `${holder} holds the lock of ${what} (${lockPath}); gave up after ${Math.round(waitMs / 1000)} s.`,
        {
          suggestions: [
            'Wait for the other command to finish and run this one again.',
            owner !== null && owner.host !== host
              ? `The holder runs on another machine (${owner.host}); if it is gone, the lock counts as abandoned ${Math.round(staleMs / 1000)} s after its last refresh.`
              : `If no such process runs, the lock counts as abandoned ${Math.round(staleMs / 1000)} s after its last refresh.`,
          ],
          details: { lock_path: lockPath, owner },
        },
      );
    }
    const pause = Math.min(delay, Math.max(1, waitMs - waited)) * (0.5 + Math.random() / 2);
    await sleep(pause);
    waited += pause;
    delay = Math.min(delay * 1.5, 250);
  }
  const record = lockOwnerName({ pid, host, since: options.now?.().toISOString() ?? null });
  try {
    mkdirSync(path.join(lockPath, record));
    held.set(lockPath, record);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', onExit);
    }
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
      held.delete(lockPath);
      if (compromised === null) {
        try {
          rmdirSync(path.join(lockPath, record));
        } catch {
          // already gone
        }
      }
      await release().catch(() => undefined);
    },
  };
}

/**
 * Runs `fn` while holding the lock `lockPath` (see {@link acquireLock}); `onNote` receives the notes of taking
 * it. The lock is released however `fn` ends.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: (lock: HeldFileLock) => Promise<T>,
  options: FileLockOptions & { readonly onNote?: (note: string) => void } = {},
): Promise<T> {
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
  return new IoError(
    'IO_LOCK_ABORTED',
    `Stopped waiting for the lock of ${what} (${lockPath}): the command was interrupted. Nothing was changed.`,
    {
      suggestions: ['Run the command again when you are ready.'],
      details: { lock_path: lockPath },
    },
  );
}
