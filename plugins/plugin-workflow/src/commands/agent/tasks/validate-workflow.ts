import { Args, Flags } from '@oclif/core';
import { withExitClass } from '@kitty/cli-kit';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent tasks validate-workflow WPxx`. */
export default class ValidateWorkflow extends WorkflowCommand {
  static override summary = 'Check one work package file (frontmatter, lane, dependencies); exits 2 when invalid';
  static override description =
    'Errors: missing work_package_id, title or lane; an unknown lane (doing is accepted); a lane that disagrees with the status log; dependencies that are not a list of ids. Warnings: a file name without the id, no Activity Log. Read-only. JSON keys: valid, errors, warnings, task_id, lane, feature_slug.';
  static override examples = ['<%= config.bin %> agent tasks validate-workflow WP01 --json'];
  static override args = { wp: Args.string({ description: 'work package id, e.g. WP01', required: true }) };
  static override flags = { feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(ValidateWorkflow);
    const { validateWorkflow } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const result = await validateWorkflow({ ...(await workflowEnv({ events: false })), wpId: args.wp, feature: flags.feature });
    const { renderValidateWorkflow } = await import('../../../render-exec.js');
    return withExitClass(this.finish(result, renderValidateWorkflow), result.valid ? null : 'usage');
  }
}
