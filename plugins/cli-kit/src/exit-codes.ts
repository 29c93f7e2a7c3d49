import { isKittyError, type ExitClass } from '@kitty/errors';

/**
 * Exit codes of every spec-kitty command, documented in docs/cli/exit-codes.md. Errors and outcomes carry an
 * exit class (`@kitty/errors`); this table is the only place that turns a class into a number.
 */
export const ExitCode = {
  /** The command did what was asked. */
  OK: 0,
  /** The command failed for a local reason (file system, git, database, unexpected error). */
  FAILURE: 1,
  /** The input was wrong: unknown flag, bad argument, invalid lane, malformed file. Nothing was changed. */
  USAGE: 2,
  /** Authentication is needed or was refused: run `spec-kitty auth login`. */
  AUTH: 3,
  /** The server could not be reached or is unavailable; work is kept locally for later. */
  OFFLINE: 4,
  /** Part of the work succeeded and part failed (for example some events were rejected). */
  PARTIAL: 5,
  /** Another actor or process holds what was asked for (a review, a lock, a claim): retry later, or force. */
  CONFLICT: 6,
  /** Stopped by SIGINT/SIGTERM; the command rolled back to the state before it. */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Exit class → exit code: a `Record`, so a new class without a code does not compile. */
export const EXIT_CODE_BY_CLASS: Readonly<Record<ExitClass, ExitCodeValue>> = Object.freeze({
  failure: ExitCode.FAILURE,
  usage: ExitCode.USAGE,
  auth: ExitCode.AUTH,
  offline: ExitCode.OFFLINE,
  partial: ExitCode.PARTIAL,
  conflict: ExitCode.CONFLICT,
  interrupted: ExitCode.INTERRUPTED,
});

/** The exit code of an exit class. */
export function exitCodeOfClass(exitClass: ExitClass): ExitCodeValue {
  return EXIT_CODE_BY_CLASS[exitClass];
}

/** The exit code for anything thrown: a kitty error's class, else a local failure. */
export function exitCodeForError(err: unknown): ExitCodeValue {
  if (isKittyError(err)) {
    const cls = (err as { exitClass?: unknown }).exitClass;
    return typeof cls === 'string' && cls in EXIT_CODE_BY_CLASS ? EXIT_CODE_BY_CLASS[cls as ExitClass] : ExitCode.FAILURE;
  }
  return ExitCode.FAILURE;
}
