import { AgentConfigCommand } from '../../../agent-config-command.js';

/** `spec-kitty agent config sync`. */
export default class AgentConfigSync extends AgentConfigCommand {
  static override summary = 'Re-install the command files of every configured agent from the current templates (one commit)';
  static override description =
    'JSON keys: action, available, preferred_implementer, preferred_reviewer, agents [{key, display_name, directory, configured, command_files, expected_files, missing_files}], changed, commit_hash.';
  static override examples = ['<%= config.bin %> agent config sync --json'];

  protected readonly action = 'sync' as const;
}
