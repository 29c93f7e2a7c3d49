import { Command, Errors } from '@oclif/core';
import { exitClassOf } from '@kitty/errors';
import { describeError, type JsonErrorBody } from './describe-error.js';
import { exitCodeOfClass } from './exit-codes.js';
import { commandSignal, installInterruptHandlers, wasInterrupted } from './interrupt.js';
import { INTERRUPTED_AFTER_COMMIT_NOTE } from './lean.js';

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
      this.note(INTERRUPTED_AFTER_COMMIT_NOTE);
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
