import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent tasks list-tasks`. */
export default class ListTasks extends WorkflowCommand {
  static override summary = 'List the work packages of a feature with their lanes (read-only)';
  static override description =
    'Lanes come from the status log (canonical names; the frontmatter only for work packages that never moved). JSON keys: feature_slug, tasks [{work_package_id, title, lane, path, dependencies, agent}], count.';
  static override examples = ['<%= config.bin %> agent tasks list-tasks --json', '<%= config.bin %> agent tasks list-tasks --lane planned'];
  static override flags = {
    lane: Flags.string({ description: 'only this lane (aliases such as doing accepted)' }),
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(ListTasks);
    const { listTasksAction } = await import('../../../actions.js');
    const result = await listTasksAction(flags);
    const { renderListTasks } = await import('../../../render-exec.js');
    return this.finish(result, renderListTasks);
  }
}
