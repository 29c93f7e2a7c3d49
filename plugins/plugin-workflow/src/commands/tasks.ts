import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../base.js';

/** `spec-kitty tasks`: shim for `agent feature finalize-tasks`. */
export default class Tasks extends WorkflowCommand {
  static override showNext = true;
  static override summary = 'Record work-package dependencies and commit tasks.md and tasks/ (shim for agent feature finalize-tasks)';
  static override description = 'Same as agent feature finalize-tasks. JSON keys: those of finalize-tasks.';
  static override examples = ['<%= config.bin %> tasks --feature 001-user-auth --json'];
  static override flags = { feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth), number or name' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Tasks);
    const { finalizeTasks } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../context.js');
    const result = await finalizeTasks({ ...(await workflowEnv()), feature: flags.feature });
    const { renderFinalize } = await import('../render.js');
    return this.finish(result, renderFinalize);
  }
}
