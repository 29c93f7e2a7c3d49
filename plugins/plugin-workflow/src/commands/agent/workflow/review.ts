import { Args, Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent workflow review [WPxx] --agent NAME`. */
export default class WorkflowReview extends WorkflowCommand {
  static override showNext = true;
  static override summary = 'Take a work package waiting in for_review into review, with the diff against its base';
  static override description = [
    'Without an id it takes the first work package in for_review. The lane stays for_review; the reviewer is recorded (review_status: in_review, reviewed_by, an Activity Log line, commit "chore: Start WPxx review [agent]") a second reviewer is refused without --force --reason, and so is the implementer (separation of duties; .kittify/config.yaml review.allow_self_review: true allows self-review). Only the reviewer holding the review approves (move-task --to done) or rejects it. The workspace is created from the branch when it is missing.',
    'It writes a review prompt (the work package, its commits, the diff stat and the diff against the commit the work started from) and prints how to decide: approve with move-task --to done, or write feedback and move-task --to planned --review-feedback-file <file>.',
    'JSON keys: result, wp_id, feature_slug, reviewer, lane, workspace, workspace_path, branch, base_branch, base_commit, commits, diffstat, diff_truncated, prompt_file, feedback_file, commit_hash, events_queued.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> agent workflow review WP01 --agent codex',
    '<%= config.bin %> agent workflow review --agent codex --json',
  ];
  static override args = { wp: Args.string({ description: 'work package id (default: the first one in for_review)' }) };
  static override flags = {
    agent: Flags.string({ description: 'the reviewing agent', required: true }),
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    force: Flags.boolean({
      description: 'take over a review another reviewer claimed, or review your own work where self-review is off (needs --reason)',
    }),
    reason: Flags.string({ description: 'why the review is claimed with --force (recorded in the Activity Log)' }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(WorkflowReview);
    const { reviewWorkPackage } = await import('@kitty/workflow');
    const { workflowEnv, shellPid } = await import('../../../context.js');
    const result = await reviewWorkPackage({
      ...(await workflowEnv()),
      wpId: args.wp,
      agent: flags.agent,
      feature: flags.feature,
      force: flags.force,
      reason: flags.reason,
      shellPid: shellPid(undefined),
    });
    const { renderReview } = await import('../../../render-exec.js');
    return this.finish(result, renderReview);
  }
}
