import { Flags } from '@oclif/core';
import { WorkflowCommand } from '../../base.js';

/** `spec-kitty mission list`. */
export default class MissionList extends WorkflowCommand {
  static override summary = 'List the missions this project can use and which features use each';
  static override description =
    'Missions resolve from the project, the global runtime and the built-in defaults. Read-only. JSON keys: missions [{key, current, features}], current, feature, source (feature|default).';
  static override examples = ['<%= config.bin %> mission list --json'];
  static override flags = { feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(MissionList);
    const { missionInfo } = await import('@kitty/workflow');
    const { workflowEnv } = await import('../../context.js');
    const { resolverTemplates } = await import('../../templates.js');
    const result = await missionInfo({
      ...(await workflowEnv({ events: false })),
      templates: await resolverTemplates(),
      feature: flags.feature,
    });
    return this.finish(result, (r) =>
      r.missions.map((m) => `${m.current ? '*' : ' '} ${m.key}${m.features.length > 0 ? `  (${m.features.join(', ')})` : ''}`).join('\n'),
    );
  }
}
