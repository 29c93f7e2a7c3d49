import { COMMON_EXIT_CLASSES, KittyError, type CommonErrorCode, type ExitClassTable } from '@kitty/errors';

/** Every error code `@kitty/sync-client` throws. */
export type SyncErrorCode =
  | CommonErrorCode
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
  | 'UNEXPECTED_RESPONSE'
  | 'REPORT_WRITE_FAILED';

/** The base class of every `@kitty/sync-client` error. */
export class SyncError extends KittyError<SyncErrorCode> {
  static override readonly exitClasses: ExitClassTable<SyncErrorCode> = {
    ...COMMON_EXIT_CLASSES,
    INVALID_SERVER_URL: 'usage',
    INVALID_SETTING: 'usage',
    CONFIG_UNREADABLE: 'failure',
    CONFIG_WRITE_FAILED: 'failure',
    SYNC_DISABLED: 'failure',
    NOT_AUTHENTICATED: 'auth',
    SESSION_EXPIRED: 'auth',
    INVALID_CREDENTIALS: 'auth',
    CREDENTIALS_CORRUPT: 'auth',
    CREDENTIALS_UNSAFE: 'failure',
    CREDENTIALS_LOCKED: 'conflict',
    CREDENTIALS_NOT_WRITABLE: 'failure',
    CREDENTIALS_WRITE_FAILED: 'failure',
    TOKEN_SERVER_MISMATCH: 'auth',
    LOGIN_FAILED: 'failure',
    AUTH_FORBIDDEN: 'auth',
    SERVER_UNAVAILABLE: 'offline',
    UNEXPECTED_RESPONSE: 'failure',
    REPORT_WRITE_FAILED: 'failure',
  };
}

/** True when `value` is an error thrown by `@kitty/sync-client`. */
export function isSyncError(value: unknown): value is SyncError {
  return value instanceof SyncError;
}
