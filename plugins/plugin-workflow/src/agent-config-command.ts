import os from 'node:os';
import { Args } from '@oclif/core';
import type { AgentConfigResult } from '@kitty/workflow';
import { WorkflowCommand } from './base.js';

/** The `spec-kitty agent config …` commands: one library call (`agentConfig`) with their action, one rendering. */
export abstract class AgentConfigCommand extends WorkflowCommand {
  static override description =
    'JSON keys: action, available, preferred_implementer, preferred_reviewer, agents [{key, display_name, directory, configured, command_files, expected_files, missing_files}], changed, commit_hash.';

  /** What the subcommand asks `agentConfig` to do. */
  protected abstract readonly action: 'list' | 'status' | 'sync' | 'add' | 'remove';

  async run(): Promise<unknown> {
    const { argv } = await this.parse(this.constructor as typeof AgentConfigCommand);
    const { agentConfig } = await import('@kitty/workflow');
    const { workflowEnv, machine } = await import('./context.js');
    const { resolverTemplates } = await import('./templates.js');
    const env = await workflowEnv();
    const result = await agentConfig({
      ...env,
      action: this.action,
      ...(this.action === 'add' || this.action === 'remove' ? { agents: argv as string[] } : {}),
      templates: await resolverTemplates(),
      machine: machine(),
      runtime: { cliVersion: this.config.version, nodeVersion: process.version, platform: process.platform, platformVersion: os.release() },
    });
    return this.finish(result, renderAgentConfig);
  }
}

/** The agent keys `agent config add|remove` take (with `strict = false`: several, space- or comma-separated). */
export const AGENT_KEYS_ARGS = {
  agents: Args.string({ description: 'agent keys (space- or comma-separated), e.g. codex gemini', required: true }),
};

/** The human view of an agent-config result: the roles, one line per agent, what changed. */
function renderAgentConfig(r: AgentConfigResult): string {
  return [
    `Agents: ${r.available.join(', ') || 'none'} (implementer: ${r.preferred_implementer ?? '-'}, reviewer: ${r.preferred_reviewer ?? '-'})`,
    ...r.agents.map(
      (a) =>
        `  ${a.key.padEnd(9)} ${a.directory}  ${a.command_files}/${a.expected_files} command files${a.missing_files.length > 0 ? ` (missing: ${a.missing_files.join(', ')})` : ''}`,
    ),
    ...(r.changed.length > 0 ? [`Changed: ${r.changed.join(', ')}`] : []),
  ].join('\n');
}
