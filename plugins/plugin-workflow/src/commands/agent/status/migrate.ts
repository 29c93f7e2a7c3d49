import { Flags } from '@oclif/core';
import type { MigrateStatusResult } from '@kitty/workflow';
import { WorkflowCommand } from '../../../base.js';

function render(r: MigrateStatusResult): string {
  const head = r.dry_run ? 'Dry run (nothing written):' : 'Status migration:';
  return [
    `${head} ${r.migrated_count} feature(s) ${r.dry_run ? 'would be migrated' : 'migrated'}, ${r.skipped_count} left alone, ${r.event_count} event(s)`,
    ...r.features.map(
      (f) =>
        `  ${f.feature_slug}: ${f.status}${f.event_count > 0 ? ` (${f.work_packages.map((w) => `${w.wp_id} → ${w.final_lane}`).join(', ')})` : ''}${f.commit_hash === null ? '' : ` [${f.commit_hash.slice(0, 7)}]`}`,
    ),
  ].join('\n');
}

/** `spec-kitty agent status migrate`. */
export default class StatusMigrate extends WorkflowCommand {
  static override summary = 'Build the status log from the frontmatter of features made by an older spec-kitty';
  static override description =
    "For each feature without status.events.jsonl: one forced event per lane change of each work package's frontmatter history, then one to its frontmatter lane, by --actor; the first event of each work package carries the reason historical_frontmatter_to_jsonl:v1. status.json, the frontmatter lanes and the tasks.md block are written from the new log and committed, one commit per feature. Idempotent: a feature migrated before is already_migrated, one whose log has events of real commands is left alone (has_live_events). JSON keys: dry_run, actor, features[{feature_slug, status, event_count, work_packages, commit_hash, files_committed}], migrated_count, skipped_count, event_count.";
  static override examples = [
    '<%= config.bin %> agent status migrate --all --dry-run --json',
    '<%= config.bin %> agent status migrate --feature 001-user-auth',
  ];
  static override flags = {
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number', exclusive: ['all'] }),
    all: Flags.boolean({ description: 'every feature of the project', exclusive: ['feature'] }),
    'dry-run': Flags.boolean({ description: 'say what would be written; write nothing' }),
    actor: Flags.string({ description: 'actor of the events written', default: 'migration' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(StatusMigrate);
    const { migrateStatus } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const result = await migrateStatus({
      ...(await workflowEnv({ events: false })),
      feature: flags.feature,
      all: flags.all,
      dryRun: flags['dry-run'],
      actor: flags.actor,
    });
    return this.finish(result, render);
  }
}
