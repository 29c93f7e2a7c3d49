import { AGENT_KEYS_ARGS, AgentConfigCommand } from '../../../agent-config-command.js';

/** `spec-kitty agent config add`. */
export default class AgentConfigAdd extends AgentConfigCommand {
  static override summary = 'Add agents: install their command files and add them to .kittify/config.yaml (one commit)';
  static override examples = ['<%= config.bin %> agent config add codex --json'];
  static override strict = false;
  static override args = AGENT_KEYS_ARGS;

  protected readonly action = 'add' as const;
}
