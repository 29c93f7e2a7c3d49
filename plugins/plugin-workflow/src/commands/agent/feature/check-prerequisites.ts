import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent feature check-prerequisites`. */
export default class CheckPrerequisites extends WorkflowCommand {
  static override summary = 'Report which planning artifacts a feature has (read-only)';
  static override description = [
    'Errors: a missing spec.md (and tasks.md with --include-tasks; then malformed tasks.md or work-package frontmatter too, as path:line:col: message). Warnings: missing checklists/, research/ or tasks/.',
    'Exits 0 even when "valid" is false (read the "valid" key). JSON keys: valid, errors, warnings, paths {feature_dir, spec_file, plan_file, checklists_dir, research_dir, tasks_dir, tasks_file}, feature_slug, feature_dir. With --paths-only, only the paths object.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> agent feature check-prerequisites --json',
    '<%= config.bin %> agent feature check-prerequisites --include-tasks --feature 001-user-auth --json',
  ];
  static override flags = {
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    'include-tasks': Flags.boolean({ description: 'also require and check tasks.md and the work-package files' }),
    'paths-only': Flags.boolean({ description: 'print only the paths' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(CheckPrerequisites);
    const { checkPrerequisitesAction } = await import('../../../actions.js');
    const result = await checkPrerequisitesAction(flags);
    const { renderCheck } = await import('../../../render.js');
    if ('valid' in result) return this.finish(result, renderCheck);
    return this.finish(result, (p) =>
      Object.entries(p)
        .filter(([k]) => k !== 'notes')
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join('\n'),
    );
  }
}
