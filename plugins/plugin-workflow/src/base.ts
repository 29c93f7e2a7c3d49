import { KittyCommand } from '@kitty/cli-kit';

/** Base of the workflow commands: notes go to stderr, the human text to stdout, the result (without notes) to --json. */
export abstract class WorkflowCommand extends KittyCommand {
  /** Prints the result's notes on stderr and, without --json, `human()` on stdout; returns the JSON document. */
  protected finish<T extends { readonly notes: readonly string[] }>(result: T, human: (r: T) => string): Omit<T, 'notes'> {
    for (const n of result.notes) this.note(n);
    if (!this.jsonEnabled()) this.log(human(result));
    const { notes: _notes, ...json } = result;
    return json;
  }
}
