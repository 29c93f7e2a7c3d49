import { KittyError } from '@kitty/errors';

/** Every error code `@kitty/queue` throws. */
export type QueueErrorCode =
  | 'QUEUE_INVALID_ARGUMENT'
  | 'QUEUE_INVALID_EVENT'
  | 'QUEUE_DUPLICATE_EVENT_ID'
  | 'QUEUE_FULL'
  | 'QUEUE_LOCKED'
  | 'QUEUE_DISK_FULL'
  | 'QUEUE_CORRUPT'
  | 'QUEUE_SCHEMA_TOO_NEW'
  | 'QUEUE_SCOPE_MISMATCH'
  | 'QUEUE_CLAIM_UNKNOWN'
  | 'QUEUE_CLOSED'
  | 'QUEUE_IO';

/** The base class of every `@kitty/queue` error; switch on `code`, never on the message. */
export class QueueError extends KittyError<QueueErrorCode> {}

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
