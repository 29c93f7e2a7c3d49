import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent status materialize`. */
export default class StatusMaterialize extends WorkflowCommand {
  static override summary = 'Rebuild status.json, frontmatter lanes and the tasks.md block from the status log';
  static override description =
    "Repairs a torn last line of the log, rewrites whatever derived view disagrees with it and commits the change. A bad line in the middle of the log fails with its line number; --force skips bad lines (and names them). --repair rewrites lines an older build wrote that are understood but not in today's form (e.g. lane aliases, lower-case ids); with --force too it removes lines that cannot be read at all (git history keeps them). JSON: the status.json snapshot plus commit_created, commit_hash, files_committed (and repaired_lines, removed_lines with --repair).";
  static override examples = [
    '<%= config.bin %> agent status materialize --json',
    '<%= config.bin %> agent status materialize --force',
    '<%= config.bin %> agent status materialize --repair --json',
  ];
  static override flags = {
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }),
    force: Flags.boolean({ description: 'skip bad lines of the log instead of failing (with --repair: remove them from the log)' }),
    repair: Flags.boolean({ description: "rewrite log lines an older build wrote (understood but not in today's form), naming each fix" }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(StatusMaterialize);
    const { materializeStatus } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const result = await materializeStatus({ ...(await workflowEnv()), feature: flags.feature, force: flags.force, repair: flags.repair });
    const { renderMaterialize } = await import('../../../render-exec.js');
    return this.finish(result, renderMaterialize);
  }
}
