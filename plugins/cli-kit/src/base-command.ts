import { Command, Errors } from '@oclif/core';
import { exitClassOf, isKittyError, snakeCase } from '@kitty/errors';
import { ExitCode, exitCodeForError, exitCodeOfClass } from './exit-codes.js';
import { commandSignal, installInterruptHandlers, wasInterrupted } from './interrupt.js';

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
  if (err instanceof Errors.CLIError) {
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

/**
 * Base class of every spec-kitty command. It turns on `--json`, prints exactly one JSON document on stdout
 * (the result, or `{"error": {...}}`), and maps typed library errors to exit codes in one place.
 */
export abstract class KittyCommand extends Command {
  static override enableJsonFlag = true;

  /** Installs the SIGINT/SIGTERM handlers that abort {@link KittyCommand.signal} (see interrupt.ts). */
  override async init(): Promise<void> {
    installInterruptHandlers();
    await super.init();
  }

  /** Aborted on SIGINT/SIGTERM; pass it to the library so it can roll back. */
  protected get signal(): AbortSignal {
    return commandSignal();
  }

  /** After a command that completed although it was interrupted (the signal came while its commit ran). */
  protected override async finally(err: Error | undefined): Promise<unknown> {
    if (err === undefined && wasInterrupted()) {
      this.note(
        'The interrupt came while the commit was being made, so the command finished: the repository holds its new, committed state.',
      );
    }
    return super.finally(err);
  }

  /** Writes a human note to stderr (kept out of stdout so `--json` output stays one document). */
  protected note(message: string): void {
    process.stderr.write(`${message}\n`);
  }

  /**
   * Runs the command; a result marked with an exit class (`withExitClass` from @kitty/errors: an invalid report,
   * a partial sync) exits with that class's code, through oclif's own exit (after the JSON document is printed).
   * The only place a successful run's exit code is decided.
   */
  protected override async _run<T>(): Promise<T> {
    const result = await super._run<T>();
    const exitClass = exitClassOf(result);
    if (exitClass !== null) this.exit(exitCodeOfClass(exitClass));
    return result;
  }

  protected override toErrorJson(err: unknown): { error: JsonErrorBody } {
    return { error: describeError(err).body };
  }

  override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    const { body, exit } = describeError(err);
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(err));
      this.exit(exit); // oclif's exit: the error document is already printed
    }
    if (err instanceof Errors.ExitError) throw err;
    const cliError = new Errors.CLIError(body.message, { exit, suggestions: [...body.suggestions] });
    (cliError as { code?: string }).code = body.code;
    throw cliError;
  }
}
