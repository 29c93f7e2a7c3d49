import os from 'node:os';
import { Args } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent config remove`. */
export default class AgentConfigRemove extends WorkflowCommand {
  static override summary = 'Remove agents: delete their spec-kitty command files and take them out of the config (one commit)';
  static override description =
    'JSON keys: action, available, preferred_implementer, preferred_reviewer, agents [{key, display_name, directory, configured, command_files, expected_files, missing_files}], changed, commit_hash.';
  static override examples = ['<%= config.bin %> agent config remove codex --json'];
  static override strict = false;
  static override args = {
    agents: Args.string({ description: 'agent keys (space- or comma-separated), e.g. codex gemini', required: true }),
  };

  async run(): Promise<unknown> {
    const { argv } = await this.parse(AgentConfigRemove);
    const { agentConfig } = await import('@kitty/workflow');
    const { workflowEnv, machine } = await import('../../../context.js');
    const { resolverTemplates } = await import('../../../templates.js');
    const env = await workflowEnv();
    const result = await agentConfig({
      ...env,
      action: 'remove',
      agents: argv as string[],
      templates: await resolverTemplates(),
      machine: machine(),
      runtime: { cliVersion: this.config.version, nodeVersion: process.version, platform: process.platform, platformVersion: os.release() },
    });
    return this.finish(result, (r) =>
      [
        `Agents: ${r.available.join(', ') || 'none'} (implementer: ${r.preferred_implementer ?? '-'}, reviewer: ${r.preferred_reviewer ?? '-'})`,
        ...r.agents.map(
          (a) =>
            `  ${a.key.padEnd(9)} ${a.directory}  ${a.command_files}/${a.expected_files} command files${a.missing_files.length > 0 ? ` (missing: ${a.missing_files.join(', ')})` : ''}`,
        ),
        ...(r.changed.length > 0 ? [`Changed: ${r.changed.join(', ')}`] : []),
      ].join('\n'),
    );
  }
}
