import { Args, Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent tasks add-history WPxx --note N`. */
export default class AddHistory extends WorkflowCommand {
  static override showNext = true;
  static override summary = "Add a note to a work package's Activity Log (committed) and queue HistoryAdded";
  static override description =
    'The line records the current lane, the agent and the shell pid. JSON keys: result, task_id, note, lane, commit_hash, events_queued.';
  static override examples = ['<%= config.bin %> agent tasks add-history WP01 --note "Chose SQLite for the cache" --agent claude'];
  static override args = { wp: Args.string({ description: 'work package id, e.g. WP01', required: true }) };
  static override flags = {
    note: Flags.string({ description: 'the note', required: true }),
    agent: Flags.string({ description: "who writes it (default: the work package's agent)" }),
    'shell-pid': Flags.string({ description: 'shell process id to record (default: the calling shell)' }),
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(AddHistory);
    const { addHistory } = await import('@kitty/workflow');
    const { workflowEnv, shellPid } = await import('../../../context.js');
    const result = await addHistory({
      ...(await workflowEnv()),
      wpId: args.wp,
      note: flags.note,
      agent: flags.agent,
      feature: flags.feature,
      shellPid: shellPid(flags['shell-pid']),
    });
    const { renderAddHistory } = await import('../../../render-exec.js');
    return this.finish(result, renderAddHistory);
  }
}
