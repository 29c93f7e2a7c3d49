import { AgentConfigCommand } from '../../../agent-config-command.js';

/** `spec-kitty agent config sync`. */
export default class AgentConfigSync extends AgentConfigCommand {
  static override summary = 'Re-install the command files of every configured agent from the current templates (one commit)';
  static override examples = ['<%= config.bin %> agent config sync --json'];

  protected readonly action = 'sync' as const;
}
