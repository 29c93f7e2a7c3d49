import { KittyError } from '@kitty/errors';

/** Every error code `@kitty/dashboard` throws. */
export type DashboardErrorCode =
  | 'INVALID_PORT'
  | 'PORT_IN_USE'
  | 'NO_FREE_PORT'
  | 'DASHBOARD_START_FAILED'
  | 'DASHBOARD_STOP_FAILED'
  | 'DASHBOARD_ASSET_MISSING';

/** The base class of every `@kitty/dashboard` error. */
export class DashboardError extends KittyError<DashboardErrorCode> {}

/** True when `value` is an error thrown by `@kitty/dashboard`. */
export function isDashboardError(value: unknown): value is DashboardError {
  return value instanceof DashboardError;
}
