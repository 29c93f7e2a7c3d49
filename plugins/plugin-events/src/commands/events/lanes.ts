import { Flags } from '@oclif/core';
import { KittyCommand } from '@kitty/cli-kit';

/** Shows the lane model: lanes, aliases, terminal lanes, legal moves with their guards, and the 7→4 collapse. */
export default class EventsLanes extends KittyCommand {
  static override summary = 'Show the lane model: lanes, legal moves and their guards, and the 7→4 sync collapse';
  static override description = `Work packages move through seven lanes. This prints each lane, the moves allowed from it without
--force and the guard each move checks, the alias "doing", and how lanes are written to the SaaS in the
4-lane sync model (the default) and the 7-lane model.`;
  static override examples = ['<%= config.bin %> events lanes', '<%= config.bin %> events lanes --json'];
  static override flags = {
    'lane-model': Flags.string({
      description: 'sync lane model to show the mapping for',
      options: ['4-lane', '7-lane'],
      default: '4-lane',
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(EventsLanes);
    const { describeLaneModelForDisplay } = await import('../../render.js');
    const model = await describeLaneModelForDisplay(flags['lane-model'] as '4-lane' | '7-lane');
    if (!this.jsonEnabled()) this.log(model.text);
    return model.json;
  }
}
