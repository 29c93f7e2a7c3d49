import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../base.js';

/** `spec-kitty plan`: shim for `agent feature setup-plan`. */
export default class Plan extends WorkflowCommand {
  static override showNext = true;
  static override summary = 'Create plan.md from the plan template and commit it (shim for agent feature setup-plan)';
  static override description =
    'Same as agent feature setup-plan. JSON keys: result, feature_slug, plan_file, feature_dir, spec_file, plan_created, commit_created, commit_hash.';
  static override examples = ['<%= config.bin %> plan --feature 001-user-auth --json'];
  static override flags = { feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth), number or name' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Plan);
    const { setupPlan } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../context.js');
    const { resolverTemplates } = await import('../templates.js');
    const result = await setupPlan({ ...(await workflowEnv()), feature: flags.feature, templates: await resolverTemplates() });
    const { renderSetupPlan } = await import('../render.js');
    return this.finish(result, renderSetupPlan);
  }
}
