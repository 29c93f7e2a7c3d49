import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../base.js';

/** `spec-kitty validate-tasks`: frontmatter lanes against the status log. */
export default class ValidateTasks extends WorkflowCommand {
  static override summary = 'Check work package files: frontmatter lane against the status log, unknown lanes, required fields';
  static override description =
    'Read-only; `spec-kitty agent status materialize` rewrites the frontmatter lanes from the log. JSON keys: features [{feature, valid, work_packages [{id, file, frontmatter_lane, lane, issues}], problems}], valid, mismatches.';
  static override examples = ['<%= config.bin %> validate-tasks --json', '<%= config.bin %> validate-tasks --all'];
  static override flags = {
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    all: Flags.boolean({ description: 'check every feature', exclusive: ['feature'] }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(ValidateTasks);
    const { validateTasks } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../context.js');
    const result = await validateTasks({ ...(await workflowEnv({ events: false })), feature: flags.feature, all: flags.all });
    return this.finish(result, (r) =>
      r.features
        .flatMap((f) => [
          `${f.feature}: ${f.valid ? 'valid' : 'problems found'}`,
          ...f.work_packages.flatMap((w) => w.issues.map((i) => `  ✗ ${w.id}: ${i}`)),
          ...f.problems.map((p) => `  ✗ ${p}`),
        ])
        .join('\n'),
    );
  }
}
