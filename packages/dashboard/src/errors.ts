import { COMMON_EXIT_CLASSES, KittyError, type CommonErrorCode, type ExitClassTable } from '@kitty/errors';

/** Every error code `@kitty/dashboard` throws. */
export type DashboardErrorCode =
  | CommonErrorCode
  | 'INVALID_PORT'
  | 'PORT_IN_USE'
  | 'NO_FREE_PORT'
  | 'DASHBOARD_START_FAILED'
  | 'DASHBOARD_STOP_FAILED'
  | 'DASHBOARD_ASSET_MISSING';

/** The base class of every `@kitty/dashboard` error. */
export class DashboardError extends KittyError<DashboardErrorCode> {
  static override readonly exitClasses: ExitClassTable<DashboardErrorCode> = {
    ...COMMON_EXIT_CLASSES,
    INVALID_PORT: 'usage',
    PORT_IN_USE: 'conflict',
    NO_FREE_PORT: 'conflict',
    DASHBOARD_START_FAILED: 'failure',
    DASHBOARD_STOP_FAILED: 'failure',
    DASHBOARD_ASSET_MISSING: 'failure',
  };
}

/** True when `value` is an error thrown by `@kitty/dashboard`. */
export function isDashboardError(value: unknown): value is DashboardError {
  return value instanceof DashboardError;
}
