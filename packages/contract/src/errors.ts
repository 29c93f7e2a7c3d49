import { KittyError } from '@kitty/errors';

/** Every error code `@kitty/contract` throws. */
export type ContractErrorCode =
  /** A function was called with options it cannot use. */
  | 'INVALID_ARGUMENT'
  /** The server under test could not be reached at all (refused, DNS, TLS, timeout). */
  | 'SERVER_UNREACHABLE';

/** The base class of every `@kitty/contract` error. */
export class ContractError extends KittyError<ContractErrorCode> {}

/** True when `value` is an error thrown by `@kitty/contract`. */
export function isContractError(value: unknown): value is ContractError {
  return value instanceof ContractError;
}
