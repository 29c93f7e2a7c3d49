import os from 'node:os';
import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../base.js';

/** `spec-kitty upgrade`: versioned project migrations (a Python spec-kitty 2.0.0 project → kitty's format). */
export default class Upgrade extends WorkflowCommand {
  static override summary = "Bring a project (e.g. one the Python spec-kitty made) to kitty's format with versioned migrations";
  static override description = [
    "Checks each project migration (metadata.yaml format version and kitty's own version, the project identity in config.yaml), applies the ones that are due in order, and commits the files they changed in one commit. Package templates are never copied into the project. Running it again finds nothing to do.",
    'JSON keys: status (up_to_date|success|failed), current_version, target_version, kitty_version, dry_run, migrations [{id, description, target_version, status, files}], migrations_applied, migrations_skipped, success, errors, warnings, auto_committed, auto_commit_paths, commit_hash, templates_copied.',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> upgrade --dry-run --json', '<%= config.bin %> upgrade'];
  static override flags = {
    'dry-run': Flags.boolean({ description: 'list the migrations that would run; change nothing' }),
    'no-commit': Flags.boolean({ description: 'apply the migrations but do not commit the changed files' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Upgrade);
    const { upgradeProject } = await import('@kitty/workflow');
    const { workflowEnv, machine } = await import('../context.js');
    const result = await upgradeProject({
      ...(await workflowEnv({ events: false })),
      dryRun: flags['dry-run'],
      noCommit: flags['no-commit'],
      machine: machine(),
      runtime: { cliVersion: this.config.version, nodeVersion: process.version, platform: process.platform, platformVersion: os.release() },
    });
    return this.finish(result, (r) =>
      [
        r.status === 'up_to_date'
          ? `Project format ${r.target_version} (kitty ${r.kitty_version}): up to date.`
          : `Upgrade ${r.current_version} → ${r.target_version}${r.dry_run ? ' (dry run)' : ''}: ${r.status}`,
        ...r.migrations
          .filter((m) => m.status !== 'skipped')
          .map(
            (m) =>
              `  ${m.status === 'applied' ? '✓' : '•'} ${m.id}: ${m.description}${m.files.length > 0 ? ` (${m.files.join(', ')})` : ''}`,
          ),
        ...r.errors.map((e) => `  ✗ ${e}`),
        ...r.warnings.map((w) => `  ! ${w}`),
        ...(r.auto_committed ? [`  Committed ${r.auto_commit_paths.join(', ')} (${r.commit_hash?.slice(0, 7) ?? ''})`] : []),
      ].join('\n'),
    );
  }
}
