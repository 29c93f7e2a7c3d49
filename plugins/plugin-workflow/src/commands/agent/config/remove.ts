import { AGENT_KEYS_ARGS, AgentConfigCommand } from '../../../agent-config-command.js';

/** `spec-kitty agent config remove`. */
export default class AgentConfigRemove extends AgentConfigCommand {
  static override summary = 'Remove agents: delete their spec-kitty command files and take them out of the config (one commit)';
  static override examples = ['<%= config.bin %> agent config remove codex --json'];
  static override strict = false;
  static override args = AGENT_KEYS_ARGS;

  protected readonly action = 'remove' as const;
}
