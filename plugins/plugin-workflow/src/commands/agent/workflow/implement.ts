import { Args, Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent workflow implement [WPxx] --agent NAME`: the agent-facing twin of `implement`. */
export default class WorkflowImplement extends WorkflowCommand {
  static override showNext = true;
  static override summary = 'Start implementing a work package: workspace, claim, and the prompt for the agent';
  static override description = [
    'Like spec-kitty implement, for agents: without an id it takes the first planned work package whose dependencies are done. It creates or reuses the workspace, claims the work package for --agent (commit "chore: Start WPxx implementation [agent]"), and writes the implementation prompt (the work package plus what to do when done) to a file under the repository\'s git directory.',
    'JSON keys: those of implement, with prompt_file.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> agent workflow implement WP01 --agent claude',
    '<%= config.bin %> agent workflow implement --agent codex --json',
  ];
  static override args = { wp: Args.string({ description: 'work package id, e.g. WP01 (default: the first ready planned one)' }) };
  static override flags = {
    agent: Flags.string({ description: 'the agent that implements it', required: true }),
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    base: Flags.string({ description: "start from this work package's branch" }),
    force: Flags.boolean({ description: 'take over a work package another agent is implementing (needs --reason)' }),
    reason: Flags.string({ description: 'why the work package is taken over (required with --force; recorded as a forced status event)' }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(WorkflowImplement);
    const { implementWorkPackage } = await import('@kitty/workflow');
    const { workflowEnv, shellPid } = await import('../../../context.js');
    const result = await implementWorkPackage({
      ...(await workflowEnv()),
      mode: 'workflow',
      wpId: args.wp,
      agent: flags.agent,
      feature: flags.feature,
      base: flags.base,
      force: flags.force,
      reason: flags.reason,
      shellPid: shellPid(undefined),
    });
    const { renderImplement } = await import('../../../render-exec.js');
    return this.finish(result, renderImplement);
  }
}
