/**
 * Exit codes of every spec-kitty command, documented in docs/cli/exit-codes.md. The CLI maps error codes to
 * them here and nowhere else.
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
  /** The command was interrupted (SIGINT/SIGTERM); what it had written was put back. */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Error codes (from any library) that are not plain local failures. Everything else exits 1. */
const EXIT_BY_ERROR_CODE: Readonly<Record<string, ExitCodeValue>> = {
  USAGE: ExitCode.USAGE,
  INPUT_NOT_READABLE: ExitCode.USAGE,
  // @kitty/sync-client: authentication needed or refused
  NOT_AUTHENTICATED: ExitCode.AUTH,
  SESSION_EXPIRED: ExitCode.AUTH,
  INVALID_CREDENTIALS: ExitCode.AUTH,
  CREDENTIALS_CORRUPT: ExitCode.AUTH,
  TOKEN_SERVER_MISMATCH: ExitCode.AUTH,
  AUTH_FORBIDDEN: ExitCode.AUTH,
  // @kitty/sync-client: the server could not be reached or is unavailable
  SERVER_UNREACHABLE: ExitCode.OFFLINE,
  SERVER_UNAVAILABLE: ExitCode.OFFLINE,
  // @kitty/events transition rules are input errors
  ILLEGAL_TRANSITION: ExitCode.USAGE,
  TRANSITION_GUARD_FAILED: ExitCode.USAGE,
  FORCE_NEEDS_ACTOR_AND_REASON: ExitCode.USAGE,
  // interrupted (SIGINT/SIGTERM): rolled back
  INTERRUPTED: ExitCode.INTERRUPTED,
  IO_LOCK_ABORTED: ExitCode.INTERRUPTED,
};

/** Error-code prefixes that always mean "the input was wrong". */
const USAGE_PREFIXES = ['INVALID_', 'UNKNOWN_'];

/** Registers error codes with their exit code; plugins call this once at module load for their library's codes. */
export function registerExitCodes(map: Readonly<Record<string, ExitCodeValue>>): void {
  Object.assign(EXIT_BY_ERROR_CODE as Record<string, ExitCodeValue>, map);
}

/** The exit code for a library error code. */
export function exitCodeFor(code: string | undefined): ExitCodeValue {
  if (code === undefined) return ExitCode.FAILURE;
  const explicit = EXIT_BY_ERROR_CODE[code];
  if (explicit !== undefined) return explicit;
  if (USAGE_PREFIXES.some((p) => code.startsWith(p))) return ExitCode.USAGE;
  return ExitCode.FAILURE;
}
