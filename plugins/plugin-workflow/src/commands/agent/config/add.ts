import { Args } from '@oclif/core';
import { AgentConfigCommand } from '../../../agent-config-command.js';

/** `spec-kitty agent config add`. */
export default class AgentConfigAdd extends AgentConfigCommand {
  static override summary = 'Add agents: install their command files and add them to .kittify/config.yaml (one commit)';
  static override description =
    'JSON keys: action, available, preferred_implementer, preferred_reviewer, agents [{key, display_name, directory, configured, command_files, expected_files, missing_files}], changed, commit_hash.';
  static override examples = ['<%= config.bin %> agent config add codex --json'];
  static override strict = false;
  static override args = {
    agents: Args.string({ description: 'agent keys (space- or comma-separated), e.g. codex gemini', required: true }),
  };

  protected readonly action = 'add' as const;
}
