import { WorkflowCommand } from '../base.js';

/** `spec-kitty verify-setup`: is this project usable (by kitty and by the Python spec-kitty 2.0.0)? */
export default class VerifySetup extends WorkflowCommand {
  static override summary = 'Check the project setup: metadata format, agents and their command files, git, missions';
  static override description =
    'Read-only. Each check says what it found and, when it fails, the command that fixes it. JSON keys: project_root, format_version, kitty_version, agents, missions, features, checks [{name, ok, detail, fix}], ok.';
  static override examples = ['<%= config.bin %> verify-setup --json'];

  async run(): Promise<unknown> {
    await this.parse(VerifySetup);
    const { verifySetup } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../context.js');
    const { resolverTemplates } = await import('../templates.js');
    const result = await verifySetup({ ...(await workflowEnv({ events: false })), templates: await resolverTemplates() });
    return this.finish(result, (r) =>
      [
        `${r.project_root}: ${r.ok ? 'ready' : 'needs attention'}`,
        ...r.checks.map((c) => `  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}${c.fix === null ? '' : `  → ${c.fix}`}`),
      ].join('\n'),
    );
  }
}
