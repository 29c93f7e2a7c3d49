import { monotonicFactory } from 'ulid';
import { describeValue, typeName } from '@kitty/errors';
import { EventsError } from './errors.js';

const CROCKFORD_26 = /^[0-9A-HJKMNP-TV-Z]{26}$/i;
const UUID_HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_BARE = /^[0-9a-f]{32}$/i;

/**
 * Normalises an event, causation or correlation id: a 26-char Crockford ULID is upper-cased; a UUID with or
 * without hyphens becomes lower-case `8-4-4-4-12`. Anything else throws `INVALID_EVENT_ID` naming the field,
 * the rule and what was received.
 *
 * @example normalizeEventId('01hq0000000000000000000000') // => '01HQ0000000000000000000000'
 */
export function normalizeEventId(value: unknown, field = 'event_id'): string {
  if (typeof value !== 'string') {
    throw new EventsError('INVALID_EVENT_ID', `${field} must be a string; got ${typeName(value)}.`, {
      suggestions: ['Use a 26-char ULID, a 36-char UUID or a 32-char hex UUID.'],
      details: { field, received: value ?? null },
    });
  }
  if (value.length === 26) {
    if (CROCKFORD_26.test(value)) return value.toUpperCase();
    throw new EventsError(
      'INVALID_EVENT_ID',
      `26-char ${field} must be valid Crockford base32 (ULID; the letters I, L, O, U are not allowed); got ${describeValue(value)}.`,
      { suggestions: ['Generate ids with newEventId() or a ULID library.'], details: { field, received: value } },
    );
  }
  if (value.length === 36 && UUID_HYPHENATED.test(value)) return value.toLowerCase();
  if (value.length === 32 && UUID_BARE.test(value)) {
    const v = value.toLowerCase();
    return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20)}`;
  }
  throw new EventsError(
    'INVALID_EVENT_ID',
    `${field} must be 26 chars (ULID), 36-char UUID, or 32-char hex UUID; got ${value.length} chars (${describeValue(value, 60)}).`,
    { suggestions: ['Use a 26-char ULID, a 36-char UUID or a 32-char hex UUID.'], details: { field, received: value } },
  );
}

/** True when `value` normalises as an event id. */
export function isEventId(value: unknown): boolean {
  try {
    normalizeEventId(value);
    return true;
  } catch {
    return false;
  }
}

/** True for a 26-char Crockford ULID (any case). */
export function isUlid(value: unknown): value is string {
  return typeof value === 'string' && CROCKFORD_26.test(value);
}

/** True for a hyphenated UUID (any version, any case). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_HYPHENATED.test(value);
}

/** Generates ULIDs. */
export type IdGenerator = () => string;

/**
 * Creates a ULID generator whose ids are strictly increasing, also within one millisecond (the random part is
 * incremented). The time source is a parameter so that libraries stay clock-free and tests can freeze time.
 *
 * @example const newId = createIdGenerator(() => Date.now()); newId() // => '01J…'
 */
export function createIdGenerator(nowMs: () => number): IdGenerator {
  if (typeof nowMs !== 'function') {
    throw new EventsError(
      'INVALID_ARGUMENT',
      `createIdGenerator needs a clock function returning epoch milliseconds; got ${typeName(nowMs)}.`,
    );
  }
  const next = monotonicFactory();
  return () => {
    const t = nowMs();
    if (!Number.isSafeInteger(t) || t < 0) {
      throw new EventsError('INVALID_ARGUMENT', `The id clock returned ${describeValue(t)}; expected non-negative epoch milliseconds.`);
    }
    return next(t);
  };
}
