import { Args, Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent status emit WPxx --to LANE --actor A`. */
export default class StatusEmit extends WorkflowCommand {
  static override summary = 'Record one lane change in the status log (exactly that move, with its guards)';
  static override description =
    'Unlike move-task it does not walk the lanes: the one move asked for is checked by the guards (force needs --reason). Guard inputs not given are inferred from tasks.md and git. Committed and synced like move-task. JSON keys: event_id, wp_id, from_lane, to_lane, actor, feature_slug, commit_hash, events_queued.';
  static override examples = [
    '<%= config.bin %> agent status emit WP01 --to claimed --actor claude',
    '<%= config.bin %> agent status emit WP01 --to done --actor ada --evidence-json \'{"review":{"reviewer":"ada","verdict":"approved","reference":"PR#3"}}\'',
  ];
  static override args = { wp: Args.string({ description: 'work package id, e.g. WP01', required: true }) };
  static override flags = {
    to: Flags.string({ description: 'target lane', required: true }),
    actor: Flags.string({ description: 'who makes the move', required: true }),
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    force: Flags.boolean({ description: 'override the lane rules (needs --reason)' }),
    reason: Flags.string({ description: 'why' }),
    'review-ref': Flags.string({ description: 'review reference (for_review → in_progress / planned)' }),
    'evidence-json': Flags.string({
      description: 'evidence for done: {"review": {"reviewer","verdict","reference"}, "repos": [{"repo","branch","commit"}]}',
    }),
    'workspace-context': Flags.string({ description: 'workspace context for claimed → in_progress' }),
    'subtasks-complete': Flags.boolean({ allowNo: true, description: 'guard input (default: from tasks.md)' }),
    'implementation-evidence-present': Flags.boolean({ allowNo: true, description: 'guard input (default: from git)' }),
    'execution-mode': Flags.string({ description: 'worktree or direct_repo (default: detected)', options: ['worktree', 'direct_repo'] }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(StatusEmit);
    const { emitStatus } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const result = await emitStatus({
      ...(await workflowEnv()),
      wpId: args.wp,
      to: flags.to,
      actor: flags.actor,
      feature: flags.feature,
      force: flags.force,
      reason: flags.reason,
      reviewRef: flags['review-ref'],
      evidenceJson: flags['evidence-json'],
      workspaceContext: flags['workspace-context'],
      subtasksComplete: flags['subtasks-complete'],
      implementationEvidencePresent: flags['implementation-evidence-present'],
      executionMode: flags['execution-mode'],
    });
    const { renderEmit } = await import('../../../render-exec.js');
    return this.finish(result, renderEmit);
  }
}
