import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../../base.js';

/** `spec-kitty mission current`. */
export default class MissionCurrent extends WorkflowCommand {
  static override summary = "Show the mission in effect: the feature's (meta.json), else the project default";
  static override description =
    'Missions resolve from the project, the global runtime and the built-in defaults. Read-only. JSON keys: missions [{key, current, features}], current, feature, source (feature|default).';
  static override examples = ['<%= config.bin %> mission current --json'];
  static override flags = { feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(MissionCurrent);
    const { missionInfo } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../context.js');
    const { resolverTemplates } = await import('../../templates.js');
    const result = await missionInfo({
      ...(await workflowEnv({ events: false })),
      templates: await resolverTemplates(),
      feature: flags.feature,
    });
    return this.finish(result, (r) => `${r.current}${r.feature === null ? ' (project default)' : ` (feature ${r.feature})`}`);
  }
}
