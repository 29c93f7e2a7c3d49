import { Flags } from '@oclif/core';
import { withExitClass } from '@kitty/cli-kit';
import { WorkflowCommand } from '../base.js';

/** `spec-kitty next --agent NAME`: what should this agent do now? */
export default class Next extends WorkflowCommand {
  static override summary = 'Say what an agent should do now: the step, the exact commands, the work package (read-only)';
  static override description = [
    "Answers from the feature's files, its status log and its branches (no hidden state): kind step | decision_required | blocked | terminal, the action, the exact commands to run from the project root, wp_id, workspace_path, prompt_file, reason, guard_failures, progress and the work packages ready for other agents (ready_wps).",
    'Exits 1 only when the answer is blocked (the agent must wait for others). --result reports how the last step went: failed repeats the step with that reason, blocked answers blocked.',
    'JSON keys: kind, agent, feature_slug, feature_dir, mission, mission_state, step_id, timestamp, action, commands, instructions, wp_id, workspace_path, prompt_file, reason, guard_failures, progress, ready_wps, last_result, origin, run_id, decision_id, input_key, question, options, summary.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> next --agent claude --json',
    '<%= config.bin %> next --agent codex --result success --feature 001-user-auth --json',
  ];
  static override flags = {
    agent: Flags.string({ description: 'the agent asking (its key, e.g. claude)', required: true }),
    result: Flags.string({ description: 'how the last step went', options: ['success', 'failed', 'blocked'] }),
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth), number or name' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Next);
    const { nextStep } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../context.js');
    const { resolverTemplates } = await import('../templates.js');
    const result = await nextStep({
      ...(await workflowEnv({ events: false })),
      agent: flags.agent,
      result: flags.result,
      feature: flags.feature,
      templates: await resolverTemplates(),
    });
    return withExitClass(
      this.finish(result, (r) =>
        [
          `${r.feature_slug ?? '(no feature)'}: ${r.kind} — ${r.reason}`,
          ...r.instructions.map((i) => `  ${i}`),
          ...r.commands.map((c) => `  $ ${c}`),
          `Next: ${r.summary}`,
        ].join('\n'),
      ),
      result.kind === 'blocked' ? 'failure' : null,
    );
  }
}
