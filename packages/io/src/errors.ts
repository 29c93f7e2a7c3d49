import { KittyError, type ExitClassTable } from '@kitty/errors';

/**
 * Every error code `@kitty/io` throws. The packages that use it usually translate these into their own codes
 * (the lock of a feature, of the credentials, of a migrate), so a user sees what was locked, not how.
 */
export type IoErrorCode =
  /** Another live process holds the lock and did not release it in time. */
  | 'IO_LOCK_BUSY'
  /** The lock could not be created at all (permissions, missing directory, read-only file system). */
  | 'IO_LOCK_FAILED'
  /** Waiting for the lock was given up because the caller's AbortSignal fired (Ctrl-C). */
  | 'IO_LOCK_ABORTED'
  /** A file could not be written (disk full, permissions). */
  | 'IO_WRITE_FAILED'
  /** A TOML document could not be parsed. */
  | 'IO_TOML_INVALID';

/** The base class of every `@kitty/io` error. */
export class IoError extends KittyError<IoErrorCode> {
  static override readonly exitClasses: ExitClassTable<IoErrorCode> = {
    IO_LOCK_BUSY: 'conflict',
    IO_LOCK_FAILED: 'failure',
    IO_LOCK_ABORTED: 'interrupted',
    IO_WRITE_FAILED: 'failure',
    IO_TOML_INVALID: 'usage',
  };
}

/** True when `value` is an error thrown by `@kitty/io`. */
export function isIoError(value: unknown): value is IoError {
  return value instanceof IoError;
}
