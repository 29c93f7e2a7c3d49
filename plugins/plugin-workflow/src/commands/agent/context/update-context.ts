import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent context update-context`. */
export default class UpdateContext extends WorkflowCommand {
  static override summary = "Copy the plan's technical context into the agent's context file (CLAUDE.md, AGENTS.md, …) and commit it";
  static override description =
    "Only the part between spec-kitty's markers is rewritten; the rest of the file stays as you wrote it. JSON keys: result, feature_slug, agent_type, context_file, technical_context, updated, commit_hash.";
  static override examples = ['<%= config.bin %> agent context update-context --agent-type claude --feature 001-user-auth --json'];
  static override flags = {
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth), number or name' }),
    'agent-type': Flags.string({
      description: 'whose context file: claude (CLAUDE.md), codex (AGENTS.md), gemini (GEMINI.md), …',
      default: 'claude',
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(UpdateContext);
    const { updateAgentContext } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const result = await updateAgentContext({
      ...(await workflowEnv({ events: false })),
      feature: flags.feature,
      agentType: flags['agent-type'],
    });
    return this.finish(
      result,
      (r) =>
        `${r.updated ? '✓ Updated' : 'Unchanged:'} ${r.context_file} (${Object.keys(r.technical_context).length} field(s) from ${r.feature_slug}'s plan)`,
    );
  }
}
