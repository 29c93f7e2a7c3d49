import { Flags } from '@oclif/core';
import { withExitClass } from '@kitty/cli-kit';
import type { StatusDoctorResult } from '@kitty/workflow';
import { WorkflowCommand } from '../../../base.js';

function render(r: StatusDoctorResult): string {
  const scope = r.feature_slug ?? `${r.features_checked.length} feature(s)`;
  if (r.healthy) return `✓ ${scope}: healthy`;
  return [
    `✗ ${scope}: ${r.finding_count} finding(s)`,
    ...r.findings.flatMap((f) => [
      `  ${f.code}${f.feature_slug === null ? '' : ` ${f.feature_slug}`}${f.wp_id === null ? '' : ` ${f.wp_id}`}: ${f.message}`,
      ...(f.fix === null ? [] : [`    fix: ${f.fix}`]),
    ]),
  ].join('\n');
}

/** `spec-kitty agent status doctor`. */
export default class StatusDoctor extends WorkflowCommand {
  static override summary = "Health report of the features' status; exits 1 when something needs fixing";
  static override description =
    'Read-only. Checks, for one feature or all of them: the status log is readable (no bad, old-form or torn lines) and chains from lane to lane; status.json, the frontmatter lanes and the tasks.md status block agree with it; a log exists where the frontmatter records progress (older spec-kitty projects: run migrate); claimed or in-progress work packages with no event and no commit for --stale-claimed-days; in-progress work packages without their worktree; worktrees of no work package or of a finished one; transaction journals and locks left by processes that are gone. Each finding has a code, the work package, what is wrong and the command that fixes it. Exit 0 when healthy, 1 otherwise. JSON keys: healthy, feature_slug, features_checked, stale_claimed_days, findings[{code, feature_slug, wp_id, message, fix}], finding_count.';
  static override examples = [
    '<%= config.bin %> agent status doctor --json',
    '<%= config.bin %> agent status doctor --feature 001-user-auth --stale-claimed-days 3',
  ];
  static override flags = {
    feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number (default: every feature)' }),
    'stale-claimed-days': Flags.integer({ description: 'days without activity after which a claim is stale', default: 7, min: 0 }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(StatusDoctor);
    const { statusDoctor } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const result = await statusDoctor({
      ...(await workflowEnv({ events: false })),
      feature: flags.feature,
      staleClaimedDays: flags['stale-claimed-days'],
    });
    return withExitClass(this.finish(result, render), result.healthy ? null : 'failure');
  }
}
