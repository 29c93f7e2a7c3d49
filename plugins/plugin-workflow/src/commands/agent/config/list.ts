import { AgentConfigCommand } from '../../../agent-config-command.js';

/** `spec-kitty agent config list`. */
export default class AgentConfigList extends AgentConfigCommand {
  static override summary = "List the project's agents and their roles (read-only)";
  static override description =
    'JSON keys: action, available, preferred_implementer, preferred_reviewer, agents [{key, display_name, directory, configured, command_files, expected_files, missing_files}], changed, commit_hash.';
  static override examples = ['<%= config.bin %> agent config list --json'];

  protected readonly action = 'list' as const;
}
