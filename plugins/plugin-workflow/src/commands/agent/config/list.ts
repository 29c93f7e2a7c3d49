import os from 'node:os';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent config list`. */
export default class AgentConfigList extends WorkflowCommand {
  static override summary = "List the project's agents and their roles (read-only)";
  static override description =
    'JSON keys: action, available, preferred_implementer, preferred_reviewer, agents [{key, display_name, directory, configured, command_files, expected_files, missing_files}], changed, commit_hash.';
  static override examples = ['<%= config.bin %> agent config list --json'];

  async run(): Promise<unknown> {
    await this.parse(AgentConfigList);
    const { agentConfig } = await import('@kitty/workflow');
    const { workflowEnv, machine } = await import('../../../context.js');
    const { resolverTemplates } = await import('../../../templates.js');
    const env = await workflowEnv();
    const result = await agentConfig({
      ...env,
      action: 'list',
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
