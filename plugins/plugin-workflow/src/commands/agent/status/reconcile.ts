import { Flags } from '@oclif/core';
import type { ReconcileStatusResult } from '@kitty/workflow';
import { WorkflowCommand } from '../../../base.js';

function render(r: ReconcileStatusResult): string {
  if (r.in_sync) return `✓ ${r.feature_slug}: every view agrees with the status log (${r.event_count} event(s))`;
  return [
    `${r.applied ? '✓ Reconciled' : 'Would reconcile'} ${r.feature_slug}: ${r.drift_count} view(s) ${r.applied ? 'rewritten' : 'differ from the status log'}`,
    ...r.drift.map((d) => `  ${d.file}${d.wp_id === null ? '' : ` (${d.wp_id})`}: ${d.current ?? 'none'} → ${d.expected}`),
    ...(r.commit_hash === null ? [] : [`  commit ${r.commit_hash.slice(0, 7)}`]),
  ].join('\n');
}

/** `spec-kitty agent status reconcile`. */
export default class StatusReconcile extends WorkflowCommand {
  static override summary = 'Find (and with --apply fix) views that disagree with the status log';
  static override description =
    'The status log is the source of truth; status.json, the frontmatter lanes and the tasks.md status block are derived from it. --dry-run (the default) lists each view that differs and writes nothing; --apply rewrites them through materialize and commits them in one commit. JSON keys: feature_slug, dry_run, in_sync, drift[{kind, file, wp_id, current, expected}], drift_count, event_count, applied, commit_created, commit_hash, files_committed.';
  static override examples = [
    '<%= config.bin %> agent status reconcile --json',
    '<%= config.bin %> agent status reconcile --feature 001-user-auth --apply --json',
  ];
  static override flags = {
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    'dry-run': Flags.boolean({ description: 'list the drift only (the default)' }),
    apply: Flags.boolean({ description: 'rewrite the drifted views and commit them' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(StatusReconcile);
    const { reconcileStatus } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const result = await reconcileStatus({
      ...(await workflowEnv()),
      feature: flags.feature,
      dryRun: flags['dry-run'],
      apply: flags.apply,
    });
    return this.finish(result, render);
  }
}
