import { describeValue, typeName } from '@kitty/errors';
import { EventsError } from './errors.js';

/** Throws INVALID_ARGUMENT unless `value` is an array. */
export function assertArray(value: unknown, fn: string, what: string): asserts value is unknown[] {
  if (!Array.isArray(value)) {
    throw new EventsError('INVALID_ARGUMENT', `${fn} needs an array of ${what}; got ${typeName(value)} ${describeValue(value, 60)}.`);
  }
}

/** Throws INVALID_ARGUMENT unless `value` is a non-null object. */
export function assertObject(value: unknown, fn: string, what: string): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new EventsError('INVALID_ARGUMENT', `${fn} needs ${what}; got ${typeName(value)} ${describeValue(value, 60)}.`);
  }
}

/** Throws INVALID_ARGUMENT unless `value` is one of `allowed`. */
export function assertOneOf<T extends string>(value: unknown, allowed: readonly T[], fn: string, what: string): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new EventsError('INVALID_ARGUMENT', `${fn}: ${what} must be one of ${allowed.join(', ')}; got ${describeValue(value)}.`);
  }
}
