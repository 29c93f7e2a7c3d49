import { Flags } from '@oclif/core';
import { withExitClass } from '@kitty/cli-kit';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent status validate`. */
export default class StatusValidate extends WorkflowCommand {
  static override summary = 'Check the status log and every view derived from it; exits 2 when something is wrong';
  static override description =
    "Checks every line of status.events.jsonl against the schema, that each work package's events chain from lane to lane and are legal moves, that approvals carry evidence, and that status.json, the frontmatter lanes and the tasks.md block match the log. Read-only. JSON keys: feature_slug, phase, phase_source, passed, errors, warnings, error_count, warning_count, event_count.";
  static override examples = ['<%= config.bin %> agent status validate --json'];
  static override flags = { feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(StatusValidate);
    const { validateStatus } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const result = await validateStatus({ ...(await workflowEnv({ events: false })), feature: flags.feature });
    const { renderValidateStatus } = await import('../../../render-exec.js');
    return withExitClass(this.finish(result, renderValidateStatus), result.passed ? null : 'usage');
  }
}
