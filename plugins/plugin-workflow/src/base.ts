import { KittyCommand } from '@kitty/cli-kit';

/**
 * The `--json` document of a workflow result (everything but its notes) and the notes (printed on stderr). The
 * one place that shapes it: the commands below and the MCP server's tools both use it.
 */
export function splitResult<T extends { readonly notes: readonly string[] }>(result: T): { json: Omit<T, 'notes'>; notes: readonly string[] } {
  const { notes, ...json } = result;
  return { json, notes };
}

/** Base of the workflow commands: notes go to stderr, the human text to stdout, the result (without notes) to --json. */
export abstract class WorkflowCommand extends KittyCommand {
  /** Prints the result's notes on stderr and, without --json, `human()` on stdout; returns the JSON document. */
  protected finish<T extends { readonly notes: readonly string[] }>(result: T, human: (r: T) => string): Omit<T, 'notes'> {
    const { json, notes } = splitResult(result);
    for (const n of notes) this.note(n);
    if (!this.jsonEnabled()) this.log(human(result));
    return json;
  }
}
