import type { MissionInfo } from '@kitty/workflow';
import { MissionCommand } from '../../mission-command.js';

/** `spec-kitty mission list`. */
export default class MissionList extends MissionCommand {
  static override summary = 'List the missions this project can use and which features use each';
  static override examples = ['<%= config.bin %> mission list --json'];

  protected render(r: MissionInfo): string {
    return r.missions
      .map((m) => `${m.current ? '*' : ' '} ${m.key}${m.features.length > 0 ? `  (${m.features.join(', ')})` : ''}`)
      .join('\n');
  }
}
