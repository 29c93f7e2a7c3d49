import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isIoError, removeAtomicTemps, writeFileAtomic as writeAtomic } from '@kitty/io';
import path from 'node:path';
import { WorkflowError, type FileProblem } from '../errors.js';

/** Largest planning file (spec, tasks.md, WP prompt, config) the library reads: 5 MiB. */
export const MAX_PLANNING_FILE_BYTES = 5 * 1024 * 1024;

/** A text file as read from disk, with what is needed to write it back safely. */
export interface TextFile {
  /** Absolute path. */
  readonly path: string;
  /** The text without a leading byte-order mark. */
  readonly text: string;
  /** Whether the file started with a UTF-8 byte-order mark (kept on write). */
  readonly bom: boolean;
  /** SHA-256 of the bytes read, for the changed-on-disk check before a write. */
  readonly sha256: string;
}

/** `rel` with forward slashes, relative to `root` when inside it; otherwise the absolute path. */
export function displayPath(root: string, file: string): string {
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return file;
  return rel.split(path.sep).join('/');
}

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** The 1-based line and column of a character offset in `text`. */
export function positionOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

/**
 * Reads a UTF-8 text file for parsing. Returns problems instead of throwing for content errors (too large,
 * not UTF-8, NUL bytes) so callers can report every bad file at once; throws FILE_READ_FAILED for I/O errors.
 */
export function readTextFile(file: string, shownAs: string): { file: TextFile; problems: [] } | { file: null; problems: FileProblem[] } {
  let bytes: Buffer;
  try {
    const st = statSync(file);
    if (st.size > MAX_PLANNING_FILE_BYTES) {
      return {
        file: null,
        problems: [
          {
            path: shownAs,
            line: 1,
            col: 1,
            code: 'FILE_TOO_LARGE',
            message: `file is ${st.size} bytes; planning files may be at most ${MAX_PLANNING_FILE_BYTES} bytes`,
          },
        ],
      };
    }
    bytes = readFileSync(file);
  } catch (err) {
    throw new WorkflowError('FILE_READ_FAILED', `Cannot read ${shownAs}: ${(err as Error).message}`, {
      suggestions: ['Check that the file exists and is readable, then run the command again.'],
      details: { path: file },
      cause: err,
    });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const good = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const at = good.indexOf('\uFFFD');
    const pos = positionOf(good, Math.max(at, 0));
    return {
      file: null,
      problems: [{ path: shownAs, ...pos, code: 'NOT_UTF8', message: 'file is not valid UTF-8 text; save it as UTF-8' }],
    };
  }
  const bom = text.charCodeAt(0) === 0xfeff;
  if (bom) text = text.slice(1);
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    return {
      file: null,
      problems: [{ path: shownAs, ...positionOf(text, nul), code: 'NUL_BYTE', message: 'file contains a NUL byte; is it a binary file?' }],
    };
  }
  return { file: { path: file, text, bom, sha256: sha(bytes) }, problems: [] };
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest. */
function realish(p: string): string {
  const rest: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    try {
      return path.join(realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return path.join(cur, ...rest.reverse());
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

/**
 * Throws INVALID_PATH unless `target` (after resolving symlinks) is inside `root`. Used before every write
 * and before reading a feature directory, so a symlink cannot lead the CLI out of the repository.
 */
export function assertInside(root: string, target: string): void {
  const realRoot = realish(root);
  const real = realish(target);
  const rel = path.relative(realRoot, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new WorkflowError('INVALID_PATH', `Refusing to use ${target}: it resolves to ${real}, outside the project at ${realRoot}.`, {
      suggestions: ['Remove the symlink that points outside the project, or run the command in the project that owns the files.'],
      details: { path: target, resolved: real, root: realRoot },
    });
  }
}

/** Creates `dir` (and parents) inside `root`. */
export function ensureDir(root: string, dir: string): void {
  assertInside(root, dir);
  mkdirSync(dir, { recursive: true });
}

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** SHA-256 of the content read earlier: the write is refused (FILE_CHANGED_ON_DISK) when the file changed since. */
  readonly expectedSha256?: string;
  /** Write a UTF-8 byte-order mark first. */
  readonly bom?: boolean;
  /** The path as shown in messages. */
  readonly shownAs?: string;
}

/**
 * Writes `content` to `file` atomically (@kitty/io: a temp file in the same directory, fsync, rename, directory
 * fsync). Keeps the mode of an existing file, refuses paths outside `root` and symlinks, and with `expectedSha256`
 * refuses to overwrite a file someone else changed since it was read. Temp files a killed writer left beside the
 * file are removed first.
 */
export function writeFileAtomic(root: string, file: string, content: string, options: AtomicWriteOptions = {}): void {
  const shown = options.shownAs ?? displayPath(root, file);
  assertInside(root, file);
  let mode: number | undefined;
  try {
    const st = lstatSync(file);
    if (st.isSymbolicLink() || !st.isFile()) {
      throw new WorkflowError('INVALID_PATH', `Refusing to write ${shown}: it is not a regular file.`, {
        suggestions: [`Replace ${shown} with a regular file and run the command again.`],
        details: { path: file },
      });
    }
    mode = st.mode & 0o7777;
  } catch (err) {
    if (err instanceof WorkflowError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailed(shown, file, err);
  }
  const data = Buffer.from((options.bom === true ? '\uFEFF' : '') + content, 'utf8');
  removeAtomicTemps(file);
  if (options.expectedSha256 !== undefined) {
    const now = existsSync(file) ? sha(readFileSync(file)) : null;
    if (now !== options.expectedSha256) {
      throw new WorkflowError(
        'FILE_CHANGED_ON_DISK',
        `${shown} changed on disk while the command was running; nothing was written to it.`,
        {
          suggestions: ['Another program (an editor or another agent) edited the file. Run the command again.'],
          details: { path: file },
        },
      );
    }
  }
  try {
    writeAtomic(file, data, mode === undefined ? {} : { mode });
  } catch (err) {
    throw writeFailed(shown, file, isIoError(err) && err.cause !== undefined ? err.cause : err);
  }
}

function writeFailed(shown: string, file: string, err: unknown): WorkflowError {
  return new WorkflowError('FILE_WRITE_FAILED', `Cannot write ${shown}: ${(err as Error).message}`, {
    suggestions: ['Check free disk space and permissions of the directory, then run the command again.'],
    details: { path: file },
    cause: err,
  });
}

/** True when `p` is an existing directory (symlinks followed). */
export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** True when `p` is an existing regular file (symlinks followed). */
export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The line ending a text uses (CRLF when its first line break is CRLF). */
export function eolOf(text: string): '\n' | '\r\n' {
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}
