import { exitClassOf } from '@kitty/errors';
import { describeError } from './describe-error.js';
import { exitCodeOfClass } from './exit-codes.js';
import { installInterruptHandlers, wasInterrupted } from './interrupt.js';

/** A command's parsed words and flags, as the lean entry hands them over (option flags as strings). */
export interface LeanInput {
  readonly args: Readonly<Record<string, string | undefined>>;
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
}

/** What a command produced: its `--json` document and the notes it prints on stderr. */
export interface LeanOutcome {
  readonly json: object;
  readonly notes: readonly string[];
}

/**
 * A command's work without oclif: the same function its oclif class calls after parsing, so both entries run one
 * code path. Registered by a plugin's `lean` module (ADR 0024).
 */
export type LeanAction = (input: LeanInput) => Promise<LeanOutcome>;

/** Where the lean run writes. */
export interface LeanIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The note a command prints when it completed although an interrupt came while its commit ran (KittyCommand too). */
export const INTERRUPTED_AFTER_COMMIT_NOTE =
  'The interrupt came while the commit was being made, so the command finished: the repository holds its new, committed state.';

/** `--json` documents are printed as oclif's `logJson` prints them without a terminal: two-space JSON and a newline. */
export function jsonDocument(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Runs a `--json` invocation of a command without oclif and returns its exit code. It prints what KittyCommand
 * prints for the same run, in the same order: the notes (stderr), the interrupt note, then one JSON document on
 * stdout — the result, or `{"error": …}` for anything thrown — and the exit code of the result's exit class or of
 * the error.
 */
export async function runLeanAction(action: LeanAction, input: LeanInput, io: LeanIo): Promise<number> {
  installInterruptHandlers();
  let outcome: LeanOutcome;
  try {
    outcome = await action(input);
  } catch (err) {
    const { body, exit } = describeError(err);
    io.stdout(jsonDocument({ error: body }));
    return exit;
  }
  for (const n of outcome.notes) io.stderr(`${n}\n`);
  if (wasInterrupted()) io.stderr(`${INTERRUPTED_AFTER_COMMIT_NOTE}\n`);
  io.stdout(jsonDocument(outcome.json));
  const exitClass = exitClassOf(outcome.json);
  return exitClass === null ? 0 : exitCodeOfClass(exitClass);
}
