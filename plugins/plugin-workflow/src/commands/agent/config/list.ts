import { AgentConfigCommand } from '../../../agent-config-command.js';

/** `spec-kitty agent config list`. */
export default class AgentConfigList extends AgentConfigCommand {
  static override summary = "List the project's agents and their roles (read-only)";
  static override examples = ['<%= config.bin %> agent config list --json'];

  protected readonly action = 'list' as const;
}
