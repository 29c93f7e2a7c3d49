import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent feature setup-plan`. */
export default class SetupPlan extends WorkflowCommand {
  static override showNext = true;
  static override summary = "Create plan.md from the mission's plan template (never overwriting an existing plan) and commit it";
  static override description = [
    'Finds the feature (--feature, SPECIFY_FEATURE, the branch, the current directory, or the only feature), needs its spec.md, writes plan.md from the plan template only when it does not exist, and commits it as "Add plan for feature <slug>". Safe to run again.',
    'With several features and no way to choose, it fails with error code PLAN_CONTEXT_UNRESOLVED and lists the candidates in error.details.candidate_features. JSON keys: result, feature_slug, plan_file, feature_dir, spec_file, plan_created, commit_created, commit_hash.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> agent feature setup-plan --json',
    '<%= config.bin %> agent feature setup-plan --feature 001-user-auth --json',
  ];
  static override flags = { feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(SetupPlan);
    const { setupPlan } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../../context.js');
    const { resolverTemplates } = await import('../../../templates.js');
    const result = await setupPlan({ ...(await workflowEnv()), feature: flags.feature, templates: await resolverTemplates() });
    const { renderSetupPlan } = await import('../../../render.js');
    return this.finish(result, renderSetupPlan);
  }
}
