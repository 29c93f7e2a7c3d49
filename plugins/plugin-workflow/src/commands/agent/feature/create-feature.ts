import { Args, Flags } from '@oclif/core';
import { WorkflowCommand } from '../../../base.js';

/** `spec-kitty agent feature create-feature <slug>`. */
export default class CreateFeature extends WorkflowCommand {
  static override showNext = true;
  static override summary = 'Create kitty-specs/NNN-<slug>/ with spec.md and meta.json, and commit them';
  static override description = [
    'Validates the kebab-case slug, takes the next feature number (across kitty-specs/ and .worktrees/), writes spec.md from the mission spec template and meta.json, and commits them on the current branch ("Add spec for feature …", "Add meta for feature …").',
    'Run it from the planning repository, not from a worktree. JSON keys: result, feature, feature_dir, feature_slug, feature_number, friendly_name, mission, target_branch, spec_file, meta_file, commits, events_queued.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> agent feature create-feature user-auth --json',
    '<%= config.bin %> agent feature create-feature market-study --mission research',
  ];
  static override args = { slug: Args.string({ description: 'kebab-case feature name, e.g. user-auth', required: true }) };
  static override flags = { mission: Flags.string({ description: 'mission of the feature (software-dev, research, documentation, …)' }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(CreateFeature);
    const { createFeatureAction } = await import('../../../actions.js');
    const result = await createFeatureAction(args, flags);
    const { renderCreateFeature } = await import('../../../render.js');
    return this.finish(result, renderCreateFeature);
  }
}
