import { Args, Flags } from '@oclif/core';
import { WorkflowCommand } from '../base.js';

/** `spec-kitty implement WPxx`: create (or reuse) a work package's worktree and claim it. */
export default class Implement extends WorkflowCommand {
  static override summary = 'Create or reuse the worktree of a work package and claim it (planned → in_progress)';
  static override description = [
    'Creates .worktrees/<feature>-WPxx on branch <feature>-WPxx from the base its dependencies decide, checked with git ancestry: no dependencies → the feature target branch; one unmerged dependency → its branch; several → a branch with all of them merged in. kitty-specs/ is left out of the worktree (sparse checkout).',
    'Then the work package is claimed through the status log (planned → claimed → in_progress, with the agent and the workspace as context) and the change is committed in the main checkout. An existing workspace is reused; a work package another agent is implementing is refused without --force.',
    'JSON keys: workspace, workspace_path (relative, as the incumbent prints it), workspace_abs_path, branch, feature, wp_id, base, base_branch, base_commit, dependencies, status (created|reused), lane, claimed, commit_hash, prompt_file, events_queued.',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> implement WP01 --json', '<%= config.bin %> implement WP03 --base WP02 --agent claude'];
  static override args = { wp: Args.string({ description: 'work package id, e.g. WP01', required: true }) };
  static override flags = {
    base: Flags.string({ description: "start from this work package's branch instead of the one the dependencies decide" }),
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    agent: Flags.string({
      description: 'the agent that implements it (recorded as owner and actor; default $SPEC_KITTY_AGENT, else the git user)',
    }),
    force: Flags.boolean({ description: 'take over a work package another agent is implementing (needs --reason)' }),
    reason: Flags.string({ description: 'why the work package is taken over (required with --force; recorded as a forced status event)' }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(Implement);
    const { implementWorkPackage } = await import('@kitty/workflow');
    const { workflowEnv, shellPid } = await import('../context.js');
    const result = await implementWorkPackage({
      ...(await workflowEnv()),
      wpId: args.wp,
      base: flags.base,
      feature: flags.feature,
      agent: flags.agent,
      force: flags.force,
      reason: flags.reason,
      shellPid: shellPid(undefined),
    });
    const { renderImplement } = await import('../render-exec.js');
    return this.finish(result, renderImplement);
  }
}
