/**
 * What kind of failure an error (or a non-error outcome) is. The CLI maps each class to one exit code, in one
 * place (`@kitty/cli-kit`); libraries only say which class applies.
 *
 * - `failure`: a local failure (file system, git, database, unexpected state).
 * - `usage`: the input was wrong (bad argument, unknown lane, malformed file). Nothing was changed.
 * - `auth`: authentication is needed or was refused.
 * - `offline`: the server could not be reached or is unavailable; work is kept for later.
 * - `partial`: part of the work succeeded and part did not.
 * - `conflict`: another actor or process holds what was asked for (a review, a lock, a claim).
 * - `interrupted`: the command was stopped by a signal and rolled back.
 */
export const EXIT_CLASSES = ['failure', 'usage', 'auth', 'offline', 'partial', 'conflict', 'interrupted'] as const;

/** One of {@link EXIT_CLASSES}. */
export type ExitClass = (typeof EXIT_CLASSES)[number];

/** The exit class of every code of one error union: a `Record`, so a code without a class does not compile. */
export type ExitClassTable<C extends string> = Readonly<Record<C, ExitClass>>;

/** Codes that mean the same in every package, declared here once and shared by every package's union. */
export type CommonErrorCode =
  /** A function was called with a value it cannot use (the message names the parameter and the value). */
  | 'INVALID_ARGUMENT'
  /** A lane change was refused by one of the lane model's guards. */
  | 'TRANSITION_GUARD_FAILED'
  /** A server could not be reached at all (refused, DNS, TLS, timeout). */
  | 'SERVER_UNREACHABLE';

/** The exit classes of {@link CommonErrorCode}. */
export const COMMON_EXIT_CLASSES: ExitClassTable<CommonErrorCode> = Object.freeze({
  INVALID_ARGUMENT: 'usage',
  TRANSITION_GUARD_FAILED: 'usage',
  SERVER_UNREACHABLE: 'offline',
});

/** True when `value` is one of {@link EXIT_CLASSES}. */
export function isExitClass(value: unknown): value is ExitClass {
  return typeof value === 'string' && (EXIT_CLASSES as readonly string[]).includes(value);
}

const OUTCOME = Symbol.for('@kitty/errors.exit-class');

/**
 * Marks a successful result that should still exit non-zero (an invalid validation report, a partial sync):
 * the class travels with the value, invisible to JSON. `null` leaves the result a plain success.
 *
 * @example return withExitClass(report, report.valid ? null : 'usage');
 */
export function withExitClass<T extends object>(result: T, exitClass: ExitClass | null): T {
  if (exitClass !== null) Object.defineProperty(result, OUTCOME, { value: exitClass, enumerable: false, configurable: true });
  return result;
}

/** The exit class a result was marked with by {@link withExitClass}, or null. */
export function exitClassOf(result: unknown): ExitClass | null {
  if (typeof result !== 'object' || result === null) return null;
  const value = (result as Record<symbol, unknown>)[OUTCOME];
  return isExitClass(value) ? value : null;
}
