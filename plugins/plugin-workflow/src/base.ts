import { KittyCommand } from '@kitty/cli-kit';
import { splitResult } from './actions.js';

/** Base of the workflow commands: notes go to stderr, the human text to stdout, the result (without notes) to --json. */
export abstract class WorkflowCommand extends KittyCommand {
  /** Workflow steps end their human output with one "Next: …" line: the answer `spec-kitty next` would give. */
  static showNext = false;

  /** The feature the last `finish` reported (else the `--feature` given), for the "Next:" line. */
  private nextFeature: string | undefined;
  private finished = false;

  /** Prints the result's notes on stderr and, without --json, `human()` on stdout; returns the JSON document. */
  protected finish<T extends { readonly notes: readonly string[] }>(result: T, human: (r: T) => string): Omit<T, 'notes'> {
    const { json, notes } = splitResult(result);
    for (const n of notes) this.note(n);
    if (!this.jsonEnabled()) this.log(human(result));
    const r = result as unknown as Record<string, unknown>;
    const feature = [r['feature_slug'], r['feature']].find((v): v is string => typeof v === 'string' && /^\d{3}-/.test(v));
    const i = this.argv.indexOf('--feature');
    this.nextFeature = feature ?? (i >= 0 ? this.argv[i + 1] : undefined);
    this.finished = true;
    return json;
  }

  protected override async _run<T>(): Promise<T> {
    const result = await super._run<T>();
    if ((this.constructor as typeof WorkflowCommand).showNext && this.finished && !this.jsonEnabled()) {
      try {
        const { nextStep } = await import('@kitty/workflow');
        const { workflowEnv } = await import('./context.js');
        const { resolverTemplates } = await import('./templates.js');
        const i = this.argv.indexOf('--agent');
        const agent = i >= 0 && this.argv[i + 1] !== undefined ? (this.argv[i + 1] as string) : 'user';
        const next = await nextStep({
          ...(await workflowEnv({ events: false })),
          agent: /^[A-Za-z0-9._-]{1,64}$/.test(agent) ? agent : 'user',
          feature: this.nextFeature,
          templates: await resolverTemplates(),
        });
        this.log(`Next: ${next.summary}`);
      } catch {
        // The step itself succeeded; without an answer there is simply no "Next:" line.
      }
    }
    return result;
  }
}
