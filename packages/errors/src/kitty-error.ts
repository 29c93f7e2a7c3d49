import { COMMON_EXIT_CLASSES, type ExitClass } from './exit-class.js';

/** Options every kitty error accepts. */
export interface KittyErrorOptions {
  /** Next steps for the user, printed by the CLI under "Try this:". */
  readonly suggestions?: readonly string[];
  /** The underlying error, kept for debugging and `--json` output. */
  readonly cause?: unknown;
  /** Structured context (field names, values received, paths) for machines. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Overrides the code's exit class for this one error, when the real cause decides it (rare). */
  readonly exitClass?: ExitClass;
}

/** The JSON shape of an error as `--json` commands print it. */
export interface KittyErrorJson {
  readonly code: string;
  readonly message: string;
  readonly suggestions: readonly string[];
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Base class of every error a kitty library throws. Each package subclasses it with its own string-literal
 * union of codes, so callers can switch on `code` instead of matching message text.
 *
 * Each subclass declares the exit class of every one of its codes in a static `exitClasses` table typed
 * `ExitClassTable<Code>`, so adding a code without saying how the CLI exits does not compile.
 *
 * @example
 * class QueueError extends KittyError<'QUEUE_LOCKED'> {
 *   static override readonly exitClasses: ExitClassTable<'QUEUE_LOCKED'> = { QUEUE_LOCKED: 'conflict' };
 * }
 * throw new QueueError('QUEUE_LOCKED', 'queue.db is locked by another process', { suggestions: ['retry'] });
 */
export class KittyError<C extends string = string> extends Error {
  /** The exit class of each code this class throws (subclasses replace it with their own table). */
  static readonly exitClasses: Readonly<Record<string, ExitClass>> = COMMON_EXIT_CLASSES;

  readonly code: C;
  readonly suggestions: readonly string[];
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** What kind of failure this is; the CLI turns it into the exit code. */
  readonly exitClass: ExitClass;

  constructor(code: C, message: string, options: KittyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.suggestions = Object.freeze([...(options.suggestions ?? [])]);
    this.details = options.details === undefined ? undefined : Object.freeze({ ...options.details });
    const table = new.target.exitClasses;
    this.exitClass = options.exitClass ?? table[code] ?? 'failure';
  }

  /** A plain object for `--json` output (no stack, no cause). */
  toJSON(): KittyErrorJson {
    return {
      code: this.code,
      message: this.message,
      suggestions: this.suggestions,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** True for any kitty error, also across duplicated module copies (checks the shape, not only the prototype). */
export function isKittyError(value: unknown): value is KittyError {
  if (value instanceof KittyError) return true;
  if (!(value instanceof Error)) return false;
  const v = value as Partial<KittyError>;
  return typeof v.code === 'string' && Array.isArray(v.suggestions);
}
