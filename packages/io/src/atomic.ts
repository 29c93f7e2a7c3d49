import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type writeFileAtomicModule from 'write-file-atomic';
import { IoError } from './errors.js';

// write-file-atomic is CommonJS and names its temp files after its own `__filename`: it is required from this
// package's own location (so the CLI bundle keeps @kitty/io outside, as a real package), once, on the first write.
let wfa: typeof writeFileAtomicModule | undefined;
const load = (): typeof writeFileAtomicModule =>
  (wfa ??= createRequire(import.meta.url)('write-file-atomic') as typeof writeFileAtomicModule);

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode of a new file (an existing file keeps its own mode unless this is given). */
  readonly mode?: number;
  /** Also fsync the directory after the rename, so the new name survives a power cut (default true). */
  readonly syncDir?: boolean;
  /**
   * fsync the data before the rename (default true). Off for caches, where losing the file is harmless: readers
   * still never see half a file.
   */
  readonly durable?: boolean;
}

/**
 * Writes `data` to `file` so that readers (and a crash) see the old or the new content, never a mix:
 * write-file-atomic writes a temp file beside it (`<file>.<number>`), fsyncs it and renames it over the
 * target; then the directory is fsynced. Parent directories are created. Throws IO_WRITE_FAILED.
 *
 * @example
 * writeFileAtomic('/tmp/x/settings.toml', 'a = 1\n', { mode: 0o600 });
 */
export function writeFileAtomic(file: string, data: string | Buffer, options: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
    load().sync(file, data, { fsync: options.durable !== false, ...(options.mode === undefined ? {} : { mode: options.mode }) });
  } catch (err) {
    throw new IoError('IO_WRITE_FAILED', `Cannot write ${file}: ${(err as Error).message}`, {
      suggestions: ['Check free disk space and the permissions of the directory, then run the command again.'],
      details: { path: file },
      cause: err,
    });
  }
  if (options.syncDir === false || options.durable === false) return;
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Directory fsync is not supported everywhere (Windows, some network file systems); the rename is done.
  }
}

/**
 * Whether the name `name` is a temp file {@link writeFileAtomic} makes for `base` (`<base>.<digits>`), which only
 * a killed writer leaves behind.
 */
export function isAtomicTempOf(name: string, base: string): boolean {
  return name.length > base.length + 1 && name.startsWith(`${base}.`) && /^\d+$/.test(name.slice(base.length + 1));
}

/** Whether `name` looks like a temp file of {@link writeFileAtomic} for a sibling that exists in `names`. */
export function isAtomicTempName(name: string, names: readonly string[]): boolean {
  const m = /^(.+)\.(\d+)$/.exec(name);
  return m !== null && names.includes(m[1] as string);
}

/**
 * Removes the temp files a killed writer left beside `file` (see {@link isAtomicTempOf}); returns their paths.
 * Best effort: a directory that cannot be listed is left alone.
 */
export function removeAtomicTemps(file: string): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!isAtomicTempOf(name, base)) continue;
    try {
      unlinkSync(path.join(dir, name));
      removed.push(path.join(dir, name));
    } catch {
      // removed by someone else first
    }
  }
  return removed;
}
