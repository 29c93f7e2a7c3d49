import { AgentConfigCommand } from '../../../agent-config-command.js';

/** `spec-kitty agent config status`. */
export default class AgentConfigStatus extends AgentConfigCommand {
  static override summary = "Check each configured agent's command files against the templates (read-only)";
  static override examples = ['<%= config.bin %> agent config status --json'];

  protected readonly action = 'status' as const;
}
