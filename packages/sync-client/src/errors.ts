import { KittyError } from '@kitty/errors';

/** Every error code `@kitty/sync-client` throws. */
export type SyncErrorCode =
  | 'INVALID_SERVER_URL'
  | 'INVALID_SETTING'
  | 'CONFIG_UNREADABLE'
  | 'CONFIG_WRITE_FAILED'
  | 'SYNC_DISABLED'
  | 'NOT_AUTHENTICATED'
  | 'SESSION_EXPIRED'
  | 'INVALID_CREDENTIALS'
  | 'CREDENTIALS_CORRUPT'
  | 'CREDENTIALS_UNSAFE'
  | 'CREDENTIALS_LOCKED'
  | 'CREDENTIALS_NOT_WRITABLE'
  | 'CREDENTIALS_WRITE_FAILED'
  | 'TOKEN_SERVER_MISMATCH'
  | 'LOGIN_FAILED'
  | 'AUTH_FORBIDDEN'
  | 'SERVER_UNAVAILABLE'
  | 'SERVER_UNREACHABLE'
  | 'UNEXPECTED_RESPONSE'
  | 'REPORT_WRITE_FAILED'
  | 'INVALID_ARGUMENT';

/** The base class of every `@kitty/sync-client` error. */
export class SyncError extends KittyError<SyncErrorCode> {}

/** True when `value` is an error thrown by `@kitty/sync-client`. */
export function isSyncError(value: unknown): value is SyncError {
  return value instanceof SyncError;
}
