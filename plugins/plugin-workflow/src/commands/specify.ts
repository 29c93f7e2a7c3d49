import { Args, Flags } from '@oclif/core';
import { WorkflowCommand } from '../base.js';

/** `spec-kitty specify <description>`: shim for `agent feature create-feature` taking free text. */
export default class Specify extends WorkflowCommand {
  static override showNext = true;
  static override summary = 'Create a feature from a short description (shim for agent feature create-feature)';
  static override description =
    'The description becomes a kebab-case name (anything other than letters and digits turns into -), then it works like agent feature create-feature. JSON keys: those of create-feature.';
  static override examples = ['<%= config.bin %> specify "User auth" --json'];
  static override strict = false;
  static override args = { name: Args.string({ description: 'feature name or short description', required: true }) };
  static override flags = { mission: Flags.string({ description: 'mission of the feature (software-dev, research, documentation, …)' }) };

  async run(): Promise<unknown> {
    const { argv, flags } = await this.parse(Specify);
    const slug = (argv as string[])
      .join(' ')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .replace(/^[0-9-]+/, '');
    const { createFeature } = await import('@kitty/workflow');
    const { workflowEnv, machine } = await import('../context.js');
    const { resolverTemplates } = await import('../templates.js');
    const result = await createFeature({
      ...(await workflowEnv()),
      slug: slug === '' ? (argv as string[]).join(' ') : slug,
      mission: flags.mission,
      templates: await resolverTemplates(),
      machine: machine(),
    });
    const { renderCreateFeature } = await import('../render.js');
    return this.finish(result, renderCreateFeature);
  }
}
