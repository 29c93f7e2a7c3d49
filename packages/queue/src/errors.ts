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
  return value instanceof Error && value.name === 'QueueError' && typeof (value as { code?: unknown }).code === 'string';
}
