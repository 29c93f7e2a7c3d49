import { COMMON_EXIT_CLASSES, KittyError, type CommonErrorCode, type ExitClassTable } from '@kitty/errors';

/** Every error code `@kitty/contract` throws. */
export type ContractErrorCode = CommonErrorCode;

/** The base class of every `@kitty/contract` error. */
export class ContractError extends KittyError<ContractErrorCode> {
  static override readonly exitClasses: ExitClassTable<ContractErrorCode> = {
    ...COMMON_EXIT_CLASSES,
  };
}

/** True when `value` is an error thrown by `@kitty/contract`. */
export function isContractError(value: unknown): value is ContractError {
  return value instanceof ContractError;
}
