import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent tasks mark-status T001 [T002…] --status done|pending`. */
export default class MarkStatus extends WorkflowCommand {
  static override showNext = true;
  static override summary = 'Tick (or untick) subtasks in tasks.md, commit it, and queue HistoryAdded';
  static override description =
    'Subtasks are checkbox lines "- [ ] T001 …" in tasks.md. The commit is "chore: Mark T001 as done on spec NNN" (or "Mark N subtasks as …"). JSON keys: result, updated, not_found, status, count, work_packages, commit_hash, events_queued.';
  static override examples = [
    '<%= config.bin %> agent tasks mark-status T001 --status done',
    '<%= config.bin %> agent tasks mark-status T001 T002 --status pending --json',
  ];
  static override strict = false;
  static override flags = {
    status: Flags.string({ description: 'done or pending', required: true, options: ['done', 'pending'] }),
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    agent: Flags.string({ description: 'who marks them (recorded in the sync event)' }),
  };

  async run(): Promise<unknown> {
    const { argv, flags } = await this.parse(MarkStatus);
    const { markStatus } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const result = await markStatus({
      ...(await workflowEnv()),
      taskIds: argv.map(String),
      status: flags.status,
      feature: flags.feature,
      agent: flags.agent,
    });
    const { renderMarkStatus } = await import('../../../render-exec.js');
    return this.finish(result, renderMarkStatus);
  }
}
