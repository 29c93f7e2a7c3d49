import type { MissionInfo } from '@kitty/workflow';
import { MissionCommand } from '../../mission-command.js';

/** `spec-kitty mission current`. */
export default class MissionCurrent extends MissionCommand {
  static override summary = "Show the mission in effect: the feature's (meta.json), else the project default";
  static override examples = ['<%= config.bin %> mission current --json'];

  protected render(r: MissionInfo): string {
    return `${r.current}${r.feature === null ? ' (project default)' : ` (feature ${r.feature})`}`;
  }
}
