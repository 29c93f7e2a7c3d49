import { COMMON_EXIT_CLASSES, KittyError, type CommonErrorCode, type ExitClassTable, type KittyErrorOptions } from '@kitty/errors';

/** Every error code `@kitty/events` throws. */
export type EventsErrorCode =
  | CommonErrorCode
  | 'UNKNOWN_LANE'
  | 'UNKNOWN_SYNC_LANE_MODEL'
  | 'ILLEGAL_TRANSITION'
  | 'FORCE_NEEDS_ACTOR_AND_REASON'
  | 'INVALID_EVENT_ID'
  | 'INVALID_ENVELOPE'
  | 'INVALID_PAYLOAD'
  | 'UNKNOWN_EVENT_TYPE'
  | 'INVALID_STATUS_EVENT'
  | 'CYCLIC_CAUSATION'
  | 'INVALID_CLOCK_VALUE'
  | 'CLOCK_STORAGE_FAILED';

/** The base class of every `@kitty/events` error. */
export class EventsError extends KittyError<EventsErrorCode> {
  static override readonly exitClasses: ExitClassTable<EventsErrorCode> = {
    ...COMMON_EXIT_CLASSES,
    UNKNOWN_LANE: 'usage',
    UNKNOWN_SYNC_LANE_MODEL: 'usage',
    ILLEGAL_TRANSITION: 'usage',
    FORCE_NEEDS_ACTOR_AND_REASON: 'usage',
    INVALID_EVENT_ID: 'usage',
    INVALID_ENVELOPE: 'usage',
    INVALID_PAYLOAD: 'usage',
    UNKNOWN_EVENT_TYPE: 'usage',
    INVALID_STATUS_EVENT: 'usage',
    CYCLIC_CAUSATION: 'failure',
    INVALID_CLOCK_VALUE: 'usage',
    CLOCK_STORAGE_FAILED: 'failure',
  };
}

/** A proposed lane change broke the transition matrix or one of its guards. */
export class TransitionError extends EventsError {
  /** Each rule that failed, in words. */
  readonly violations: readonly string[];

  constructor(code: EventsErrorCode, message: string, violations: readonly string[], options: KittyErrorOptions = {}) {
    super(code, message, options);
    this.violations = Object.freeze([...violations]);
  }
}

/** One problem found while validating an event: where, what rule, what was received. */
export interface ValidationIssue {
  /** Dotted path of the field, e.g. `payload.to_lane`; empty for the whole document. */
  readonly path: string;
  /** The rule, e.g. `one of planned, claimed, …` or `string of at least 1 character`. */
  readonly expected: string;
  /** The received value, rendered short and safe. */
  readonly received: string;
  /** A full sentence for humans. */
  readonly message: string;
}

/** An envelope, payload or status-log line did not match its schema; `issues` lists every problem. */
export class EventValidationError extends EventsError {
  readonly issues: readonly ValidationIssue[];

  constructor(code: EventsErrorCode, message: string, issues: readonly ValidationIssue[], options: KittyErrorOptions = {}) {
    super(code, message, { ...options, details: { ...options.details, issues } });
    this.issues = Object.freeze([...issues]);
  }
}

/** True when `value` is an error thrown by `@kitty/events`. */
export function isEventsError(value: unknown): value is EventsError {
  return value instanceof EventsError;
}
