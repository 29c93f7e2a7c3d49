import { Args, Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent tasks list-dependents WPxx`. */
export default class ListDependents extends WorkflowCommand {
  static override summary = 'List the work packages that depend on one (read-only)';
  static override description =
    'From the dependencies in the work package files. JSON keys: wp_id, feature_slug, depends_on, dependents (direct), all_dependents (direct or through others).';
  static override examples = ['<%= config.bin %> agent tasks list-dependents WP01 --json'];
  static override args = { wp: Args.string({ description: 'work package id, e.g. WP01', required: true }) };
  static override flags = { feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth), number or name' }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(ListDependents);
    const { listDependents } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const result = await listDependents({ ...(await workflowEnv({ events: false })), wpId: args.wp, feature: flags.feature });
    return this.finish(result, (r) =>
      [
        `${r.wp_id} depends on: ${r.depends_on.join(', ') || 'nothing'}`,
        `Depend on ${r.wp_id}: ${r.dependents.join(', ') || 'nothing'}${r.all_dependents.length > r.dependents.length ? ` (through them: ${r.all_dependents.filter((d) => !r.dependents.includes(d)).join(', ')})` : ''}`,
      ].join('\n'),
    );
  }
}
