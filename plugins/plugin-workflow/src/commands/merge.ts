import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../base.js';

/** `spec-kitty merge`: merge a feature's work packages into its target branch. */
export default class Merge extends WorkflowCommand {
  static override showNext = true;
  static override summary = "Merge a feature's work-package branches into its target branch, in dependency order, and clean up";
  static override description = [
    'Every work package must be done (canceled ones are skipped). The target is meta.json\'s target_branch (or --target). Branches are merged in dependency order ("Merge WPxx from <feature>", --no-ff; or --strategy squash); branches already merged are skipped, so a re-run only cleans up. Your checkout is never switched: when the main checkout is on another branch, the merges happen in a temporary worktree.',
    'Afterwards the work-package worktrees are removed (a worktree with changes is kept) and the branches deleted with git branch -d (never forced). On a conflict the merge stops and names the files: resolve and commit, then --resume; or --abort.',
    'JSON keys: result (success|dry_run|aborted), feature_slug, target_branch, strategy, dry_run, ready, blockers, merge_dir, order, work_packages [{wp_id, branch, lane, status, commit}], worktrees_removed, worktrees_kept, branches_deleted, branches_kept, pushed.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> merge --feature 001-user-auth --dry-run',
    '<%= config.bin %> merge --feature 001-user-auth --strategy squash --push',
    '<%= config.bin %> merge --feature 001-user-auth --resume',
  ];
  static override flags = {
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    target: Flags.string({ description: "branch to merge into (default: the feature's target_branch)" }),
    strategy: Flags.string({ description: 'merge (default) or squash', default: 'merge', options: ['merge', 'squash', 'rebase'] }),
    'keep-branch': Flags.boolean({ description: 'keep the work-package branches' }),
    'keep-worktree': Flags.boolean({ description: 'keep the work-package worktrees' }),
    'delete-branch': Flags.boolean({ description: 'delete the merged branches (default)', exclusive: ['keep-branch'] }),
    'remove-worktree': Flags.boolean({ description: 'remove the merged worktrees (default)', exclusive: ['keep-worktree'] }),
    push: Flags.boolean({ description: 'push the target branch to origin afterwards' }),
    'dry-run': Flags.boolean({ description: 'show the plan and any blocker; change nothing' }),
    resume: Flags.boolean({
      description: 'continue a merge stopped by a conflict (after you committed the resolution)',
      exclusive: ['abort', 'dry-run'],
    }),
    abort: Flags.boolean({ description: 'give up a merge stopped by a conflict', exclusive: ['resume', 'dry-run'] }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Merge);
    const { mergeFeature } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../context.js');
    const result = await mergeFeature({
      ...(await workflowEnv({ events: false })),
      feature: flags.feature,
      target: flags.target,
      strategy: flags.strategy,
      deleteBranch: !flags['keep-branch'],
      removeWorktree: !flags['keep-worktree'],
      push: flags.push,
      dryRun: flags['dry-run'],
      resume: flags.resume,
      abort: flags.abort,
    });
    const { renderMerge } = await import('../render-exec.js');
    return this.finish({ ...result }, renderMerge);
  }
}
