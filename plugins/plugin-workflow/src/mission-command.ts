import { Flags } from '@oclif/core';
import type { MissionInfo } from '@kitty/workflow';
import { WorkflowCommand } from './base.js';

/** The `spec-kitty mission …` commands: one read (`missionInfo`) for the current directory's project, two views of it. */
export abstract class MissionCommand extends WorkflowCommand {
  static override description =
    'Missions resolve from the project, the global runtime and the built-in defaults. Read-only. JSON keys: missions [{key, current, features}], current, feature, source (feature|default).';
  static override flags = { feature: Flags.string({ description: 'feature slug (e.g. 001-user-auth) or number' }) };

  /** The human view of the mission information. */
  protected abstract render(info: MissionInfo): string;

  async run(): Promise<unknown> {
    const { flags } = await this.parse(this.constructor as typeof MissionCommand);
    const { missionInfo } = await import('@kitty/workflow');
    const { workflowEnv } = await import('./context.js');
    const { resolverTemplates } = await import('./templates.js');
    const result = await missionInfo({
      ...(await workflowEnv({ events: false })),
      templates: await resolverTemplates(),
      feature: flags.feature,
    });
    return this.finish(result, (r) => this.render(r));
  }
}
