import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent feature finalize-tasks`. */
export default class FinalizeTasks extends WorkflowCommand {
  static override showNext = true;
  static override summary = 'Validate the work-package dependency graph, write it into each WP file, and commit tasks.md and tasks/';
  static override description = [
    'Parses tasks.md (work-package sections "## Work Package WP01: …", subtasks "- [ ] T001 …", "Depends on WP01" and "**Dependencies**: WP01") and tasks/WPxx-*.md. Unknown, self and circular dependencies, and malformed files, are rejected with path:line:col messages before anything is written.',
    'Then each WP file gets its dependencies as a YAML list (only that line changes), and tasks.md plus tasks/ are committed in one commit "Add tasks for feature <slug>". JSON keys: result, feature_slug, updated_wp_count, tasks_dir, commit_created, commit_hash, files_committed, work_packages, warnings, events_queued.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> agent feature finalize-tasks --json',
    '<%= config.bin %> agent feature finalize-tasks --feature 001-user-auth',
  ];
  static override flags = { feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(FinalizeTasks);
    const { finalizeTasks } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const result = await finalizeTasks({ ...(await workflowEnv()), feature: flags.feature });
    const { renderFinalize } = await import('../../../render.js');
    return this.finish(result, renderFinalize);
  }
}
