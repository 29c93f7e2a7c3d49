import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** `~/.spec-kitty` for a home directory. */
export function kittyStateDir(homeDir: string): string {
  return path.join(homeDir, '.spec-kitty');
}

/** Creates `dir` (and parents) with mode 0700 when missing. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Writes a file atomically: a temp file created with `mode` in the same directory, fsynced, renamed over the
 * target, then the directory fsynced. A crash leaves the old or the new content, never a mix.
 */
export function writeFileAtomic(target: string, data: string, mode = 0o600): void {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    writeSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    chmodSync(tmp, mode); // umask can narrow the create mode; make it exact
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Directory fsync is not supported everywhere (e.g. some network file systems); the rename is done.
  }
}
