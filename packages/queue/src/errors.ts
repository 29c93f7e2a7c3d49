import { accessSync, constants as fsConstants, statSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { KittyError, type ExitClassTable, describeValue, isKittyError, typeName } from '@kitty/errors';
import { sqliteErrorCode } from './sqlite-adapter.js';

/** Every error code `@kitty/queue` throws. */
export type QueueErrorCode =
  | 'QUEUE_INVALID_ARGUMENT'
  | 'QUEUE_INVALID_EVENT'
  | 'QUEUE_DUPLICATE_EVENT_ID'
  | 'QUEUE_EVENT_TOO_LARGE'
  | 'QUEUE_FULL'
  | 'QUEUE_LOCKED'
  | 'QUEUE_DISK_FULL'
  | 'QUEUE_READ_ONLY'
  | 'QUEUE_PATH_IS_DIRECTORY'
  | 'QUEUE_CORRUPT'
  | 'QUEUE_SCHEMA_TOO_NEW'
  | 'QUEUE_SCOPE_MISMATCH'
  | 'QUEUE_CLAIM_UNKNOWN'
  | 'QUEUE_CLOSED'
  | 'QUEUE_IO';

/** The base class of every `@kitty/queue` error; switch on `code`, never on the message. */
export class QueueError extends KittyError<QueueErrorCode> {
  static override readonly exitClasses: ExitClassTable<QueueErrorCode> = {
    QUEUE_INVALID_ARGUMENT: 'usage',
    QUEUE_INVALID_EVENT: 'usage',
    QUEUE_DUPLICATE_EVENT_ID: 'failure',
    QUEUE_EVENT_TOO_LARGE: 'failure',
    QUEUE_FULL: 'failure',
    QUEUE_LOCKED: 'conflict',
    QUEUE_DISK_FULL: 'failure',
    QUEUE_READ_ONLY: 'failure',
    QUEUE_PATH_IS_DIRECTORY: 'failure',
    QUEUE_CORRUPT: 'failure',
    QUEUE_SCHEMA_TOO_NEW: 'failure',
    QUEUE_SCOPE_MISMATCH: 'failure',
    QUEUE_CLAIM_UNKNOWN: 'failure',
    QUEUE_CLOSED: 'failure',
    QUEUE_IO: 'failure',
  };
}

/** True when `value` is an error thrown by `@kitty/queue` (also across duplicated module copies). */
export function isQueueError(value: unknown): value is QueueError {
  if (value instanceof QueueError) return true;
  const v = value as { name?: unknown; code?: unknown } | null;
  return typeof v === 'object' && v !== null && v.name === 'QueueError' && typeof v.code === 'string';
}

/** The message of anything thrown (errors from native code or another realm are not always `instanceof Error`). */
export function errorMessage(e: unknown): string {
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(e);
}

/** A QUEUE_INVALID_ARGUMENT error. */
export function invalidArgument(message: string, details: Record<string, unknown> = {}, suggestions: string[] = []): QueueError {
  return new QueueError('QUEUE_INVALID_ARGUMENT', message, { details, suggestions });
}

/** Checks an optional integer option; `fallback` when undefined. */
export function positiveInt(value: unknown, name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidArgument(`${name} must be an integer from ${min} to ${max}; got ${describeValue(value)} (${typeName(value)}).`, {
      [name]: value ?? null,
    });
  }
  return value;
}

/** True for SQLite errors that mean the file is damaged. */
export function isCorruption(e: unknown): boolean {
  const code = sqliteErrorCode(e);
  return code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** Turns any failure into a typed QueueError that names the file and the next step. */
function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** True when the file system holding `p` (or its nearest existing parent) has no free blocks left. */
function diskFull(p: string): boolean {
  for (let dir = p; ; dir = path.dirname(dir)) {
    try {
      const s = statfsSync(dir);
      return Number(s.bavail) === 0;
    } catch {
      if (path.dirname(dir) === dir) return false;
    }
  }
}

/** Whether this process may not write `p` (a file that exists, else its directory). */
function notWritable(p: string): boolean {
  for (const target of [p, path.dirname(p)]) {
    try {
      accessSync(target, fsConstants.W_OK);
      return false;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'ENOENT') continue;
      return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
    }
  }
  return false;
}

/** Whether `dir` (or the nearest existing parent) refuses new files for this process. */
function readOnlyError(code: string | undefined, errno: string | undefined): boolean {
  return errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS' || (code?.startsWith('SQLITE_READONLY') ?? false);
}

/** Turns any failure into a typed QueueError that names the file and the next step. */
export function toQueueError(e: unknown, config: { readonly path: string; readonly busyTimeoutMs: number }): Error {
  if (isKittyError(e)) return e;
  const code = sqliteErrorCode(e);
  const text = errorMessage(e);
  const errno = typeof (e as { code?: unknown } | null)?.code === 'string' && code === undefined ? (e as { code: string }).code : undefined;
  const details = { path: config.path, ...(code === undefined ? {} : { sqliteCode: code }), ...(errno === undefined ? {} : { errno }) };
  const dir = path.dirname(config.path);
  if (
    errno === 'EISDIR' ||
    ((code?.startsWith('SQLITE_CANTOPEN') || errno === 'ENOTDIR' || errno === 'EEXIST') && isDirectory(config.path))
  ) {
    return new QueueError(
      'QUEUE_PATH_IS_DIRECTORY',
      `The queue database path ${config.path} is a directory, not a file; nothing was written.`,
      {
        cause: e,
        details,
        suggestions: [
          `Move the directory ${config.path} out of the way (for example \`mv "${config.path}" "${config.path}.bak"\`), then retry; spec-kitty creates a fresh queue file there.`,
        ],
      },
    );
  }
  const noSpace = errno === 'ENOSPC' || ((code === 'SQLITE_FULL' || (code?.startsWith('SQLITE_IOERR') ?? false)) && diskFull(config.path));
  if (code === 'SQLITE_FULL' && !noSpace) {
    return new QueueError('QUEUE_DISK_FULL', `The queue database ${config.path} reached its size limit; nothing was recorded.`, {
      cause: e,
      details,
      suggestions: ['Run `spec-kitty sync now` to send and remove queued events, or raise the configured queue size limit, then retry.'],
    });
  }
  if (noSpace) {
    return new QueueError(
      'QUEUE_DISK_FULL',
      `No space left on the disk that holds the queue database ${config.path}; nothing was recorded.`,
      {
        cause: e,
        details,
        suggestions: [
          `Free disk space on the file system of ${dir} (check with \`df -h "${dir}"\`), then retry.`,
          'Run `spec-kitty sync now` to send and remove queued events.',
        ],
      },
    );
  }
  if (readOnlyError(code, errno) || ((code?.startsWith('SQLITE_CANTOPEN') ?? false) && notWritable(config.path))) {
    return new QueueError(
      'QUEUE_READ_ONLY',
      `The queue database ${config.path} cannot be written: ${dir} or the file is read-only for this user (${errno ?? code}); nothing was written.`,
      {
        cause: e,
        details,
        suggestions: [
          `Make ${dir} and the files in it writable for this user (for example \`chmod u+w "${dir}"\`), or mount the home directory read-write, then retry.`,
          'Your committed lane changes are not lost: the next command or `spec-kitty sync now` queues them from the status log.',
        ],
      },
    );
  }
  if (code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED')) {
    return new QueueError(
      'QUEUE_LOCKED',
      `The queue database ${config.path} is locked by another process (waited ${config.busyTimeoutMs} ms); nothing was written.`,
      {
        cause: e,
        details: { ...details, busyTimeoutMs: config.busyTimeoutMs },
        suggestions: [
          'Wait for the other spec-kitty command (for example a running `spec-kitty sync now`) to finish, then retry.',
          `If no spec-kitty process is running, close any program that has ${path.basename(config.path)} open (an sqlite3 shell, a backup tool) and retry.`,
        ],
      },
    );
  }
  if (isCorruption(e)) {
    return new QueueError('QUEUE_CORRUPT', `The queue database ${config.path} is damaged and could not be repaired: ${text}.`, {
      cause: e,
      details,
      suggestions: [`Move ${config.path} and its -wal/-shm files to another folder; spec-kitty then starts a fresh queue.`],
    });
  }
  return new QueueError('QUEUE_IO', `The queue database ${config.path} could not be used: ${text}.`, {
    cause: e,
    details,
    suggestions: [`Check that ${path.dirname(config.path)} exists, is writable and the disk is healthy.`],
  });
}
