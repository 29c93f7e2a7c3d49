import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent tasks status`: the kanban of a feature. */
export default class TasksStatus extends WorkflowCommand {
  static override summary = 'Show the kanban of a feature: work packages by lane, progress, stale work (read-only)';
  static override description =
    'Lanes are the seven canonical ones from the status log. A work package being implemented is stale when its workspace had no commit for --stale-threshold minutes. JSON keys: feature, total_wps, by_lane (non-empty lanes only), lane_counts (all seven), work_packages [{id, title, lane, phase, file (name), file_path, agent, shell_pid, dependencies, review_status, worktree_exists?, minutes_since_commit?, is_stale?}], progress_percentage, stale_wps (a count), stale_wp_ids.';
  static override examples = [
    '<%= config.bin %> agent tasks status',
    '<%= config.bin %> agent tasks status --feature 001-user-auth --json',
  ];
  static override flags = {
    feature: Flags.string({ char: 'f', description: 'feature slug (e.g. 001-user-auth) or number' }),
    'stale-threshold': Flags.integer({
      description: 'minutes without a commit before a work package counts as stale',
      default: 10,
      min: 1,
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(TasksStatus);
    const { tasksStatus } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const result = await tasksStatus({
      ...(await workflowEnv({ events: false })),
      feature: flags.feature,
      staleThresholdMinutes: flags['stale-threshold'],
    });
    const { renderBoard } = await import('../../../render-exec.js');
    const doc = this.finish(result, renderBoard);
    if (!this.jsonEnabled()) {
      // A running dashboard of this project: say where the live board is (stderr; nothing when none answers).
      const { runningDashboardUrl } = await import('@kitty/dashboard');
      const env = await workflowEnv({ events: false });
      const url = await runningDashboardUrl({ cwd: env.cwd, env: env.env, git: env.git });
      if (url !== null) this.note(`Live board: ${url} (spec-kitty dashboard)`);
    }
    return doc;
  }
}
