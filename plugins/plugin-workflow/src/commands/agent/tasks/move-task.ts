import { Args, Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent tasks move-task WPxx --to LANE`. */
export default class MoveTask extends WorkflowCommand {
  static override showNext = true;
  static override summary = 'Move a work package to another lane (hop by hop, with guards), committed in one commit';
  static override description = [
    "Lanes: planned, claimed, in_progress (alias doing), for_review, done, blocked, canceled. Forward moves walk the lanes one hop at a time and every hop is checked: for_review needs every subtask checked in tasks.md, implementation commits on the work package branch, a clean worktree, no merge or rebase in progress, the branch not behind its base and no kitty-specs/ edits on it; done is reached only from for_review, after a review claimed with agent workflow review by an agent other than the implementer (unless .kittify/config.yaml review.allow_self_review is true), and only the reviewer holding the review approves or rejects it; the approval evidence names that reviewer, verdict approved, and --approval-ref or the reviewed commit. in_progress needs the work package's worktree (spec-kitty implement creates it); claiming a work package whose dependencies are not done needs a workspace built on them (spec-kitty implement --base WPxx). Another agent's claimed or in-progress work package is refused without --force --reason.",
    'Review rejection: --to planned --review-feedback-file FILE from for_review (the feedback is stored under the git directory, readable from every worktree, and the work package shows review_status: has_feedback). --force --reason "<why>" overrides the guards (a reason is required); a forced done records verdict forced and the actor.',
    'The status log, status.json, the frontmatter, the tasks.md status block and an Activity Log line are committed together ("chore: Move WPxx to <lane> on spec NNN [agent]"); WPStatusChanged is queued per hop. JSON keys: result, task_id, feature_slug, old_lane, new_lane, path, changed, events, commit_created, commit_hash, files_committed, review_feedback, events_queued.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> agent tasks move-task WP01 --to for_review --agent claude --note "ready"',
    '<%= config.bin %> agent tasks move-task WP01 --to done --agent codex --note "looks good"',
    '<%= config.bin %> agent tasks move-task WP01 --to planned --review-feedback-file feedback.md --agent codex',
    '<%= config.bin %> agent tasks move-task WP02 --to blocked --force --reason "waiting for the API key"',
  ];
  static override args = { wp: Args.string({ description: 'work package id, e.g. WP01', required: true }) };
  static override flags = {
    to: Flags.string({ description: 'target lane', required: true }),
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    agent: Flags.string({ description: 'the agent making the move (the actor; default $SPEC_KITTY_AGENT, else the git user)' }),
    note: Flags.string({ description: 'Activity Log note (also the reason when --reason is absent)' }),
    force: Flags.boolean({ description: 'override the lane rules and guards (needs --reason or --note)' }),
    reason: Flags.string({ description: 'why the move is made (required with --force, and for in_progress → planned)' }),
    'review-ref': Flags.string({ description: 'a review reference (e.g. a PR comment URL)' }),
    'review-feedback-file': Flags.string({ description: 'file with review feedback (required for for_review → planned)' }),
    reviewer: Flags.string({
      description: 'reviewer recorded as approval evidence; must be the acting agent (--agent) who holds the review',
    }),
    'approval-ref': Flags.string({ description: 'approval reference recorded as evidence (default: the reviewed commit)' }),
    assignee: Flags.string({ description: 'set the assignee' }),
    'shell-pid': Flags.string({ description: 'shell process id to record (default: the calling shell)' }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(MoveTask);
    const { moveTaskAction } = await import('../../../actions.js');
    const result = await moveTaskAction(args, flags);
    const { renderMoveTask } = await import('../../../render-exec.js');
    return this.finish(result, renderMoveTask);
  }
}
