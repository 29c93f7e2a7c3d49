import { isKittyError, snakeCase } from '@kitty/errors';
import { ExitCode, exitCodeForError } from './exit-codes.js';

/**
 * oclif's own errors (`Errors.CLIError`: parse failures, `this.error()`), told by the `oclif` member every one of
 * them carries, so that this module (and the lean entry that uses it) never loads oclif.
 */
function isOclifError(err: unknown): err is Error & { oclif: { exit?: number }; code?: unknown; suggestions?: string[] } {
  return err instanceof Error && typeof (err as { oclif?: unknown }).oclif === 'object' && (err as { oclif?: unknown }).oclif !== null;
}

/** The `error` member of a `--json` failure document. */
export interface JsonErrorBody {
  readonly code: string;
  readonly message: string;
  /** The first suggestion, for agents that read one hint. */
  readonly hint: string | null;
  readonly suggestions: readonly string[];
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * An error's details with snake_case names, like every key of a `--json` document. Only the names of the details
 * change: their values are data (a lock owner, a list of ids) and are passed on as the library gave them.
 */
function snakeDetails(details: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  return Object.fromEntries(Object.entries(details).map(([k, v]) => [snakeCase(k), v]));
}

/** Normalises anything thrown into the `--json` error body and an exit code. */
export function describeError(err: unknown): { body: JsonErrorBody; exit: number } {
  if (isKittyError(err)) {
    return {
      body: {
        code: err.code,
        message: err.message,
        hint: err.suggestions[0] ?? null,
        suggestions: err.suggestions,
        ...(err.details === undefined ? {} : { details: snakeDetails(err.details) }),
      },
      exit: exitCodeForError(err),
    };
  }
  if (isOclifError(err)) {
    // oclif's own errors: parse failures (exit 2) and this.error() calls.
    const exit = err.oclif.exit ?? ExitCode.FAILURE;
    const suggestions = (err as { suggestions?: string[] }).suggestions ?? [];
    return {
      body: {
        code: typeof err.code === 'string' ? err.code : exit === ExitCode.USAGE ? 'USAGE' : 'FAILED',
        message: err.message,
        hint: suggestions[0] ?? null,
        suggestions,
      },
      exit,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    body: {
      code: 'UNEXPECTED',
      message: `unexpected error: ${message}`,
      hint: 'Run again with DEBUG=* for details and report it if it persists.',
      suggestions: ['Run again with DEBUG=* for details and report it if it persists.'],
    },
    exit: ExitCode.FAILURE,
  };
}
