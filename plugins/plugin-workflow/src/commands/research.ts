import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../base.js';

/** `spec-kitty research`: scaffold a feature's research artifacts. */
export default class Research extends WorkflowCommand {
  static override summary = "Scaffold a feature's research artifacts: research.md, data-model.md and the evidence CSVs";
  static override description =
    "Writes research.md, data-model.md, research/evidence-log.csv and research/source-register.csv (the research mission's templates) into the feature directory. Existing files are kept unless --force; --dry-run lists what would be written. Nothing is committed. JSON keys: feature, feature_dir, created, skipped, dry_run.";
  static override examples = ['<%= config.bin %> research --feature 001-user-auth --json', '<%= config.bin %> research --dry-run'];
  static override flags = {
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    force: Flags.boolean({ description: 'overwrite existing research files' }),
    'dry-run': Flags.boolean({ description: 'list what would be written; change nothing' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Research);
    const { scaffoldResearch } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../context.js');
    const { resolverTemplates } = await import('../templates.js');
    const result = await scaffoldResearch({
      ...(await workflowEnv({ events: false })),
      templates: await resolverTemplates(),
      feature: flags.feature,
      force: flags.force,
      dryRun: flags['dry-run'],
    });
    return this.finish(result, (r) =>
      [
        `${r.feature}: ${r.dry_run ? 'would write' : 'wrote'} ${r.created.length} file(s)`,
        ...r.created.map((f) => `  + ${f}`),
        ...r.skipped.map((f) => `  = ${f} (kept)`),
      ].join('\n'),
    );
  }
}
