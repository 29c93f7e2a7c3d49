import { Flags } from '@oclif/core';
import { KittyCommand } from '@kitty/cli-kit';
import { processContext } from '../../context.js';

/** `spec-kitty config [--show-origin]`: where the global runtime is, and where every asset comes from. */
export default class Config extends KittyCommand {
  static override summary = 'Show the global runtime and where each template, command template and mission comes from';
  static override description = [
    "Without flags: the global runtime's location and state, the project, and the missions available.",
    'With --show-origin: every asset of every mission with the tier it resolves from, highest first: project_mission (.kittify/missions/<mission>/…), project (.kittify/templates/, .kittify/command-templates/), global_mission (<home>/missions/<mission>/…, only files you edited: unedited copies are the defaults), global (<home>/templates/, <home>/command-templates/), package_default (shipped with spec-kitty). Files a higher tier hides are listed as "over …".',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> config',
    '<%= config.bin %> config --show-origin',
    '<%= config.bin %> config --show-origin --json',
  ];
  static override flags = {
    'show-origin': Flags.boolean({ description: 'list every asset with the tier it comes from' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Config);
    const { showOrigin, formatOriginReport } = await import('@kitty/runtime-resolver');
    const report = showOrigin(processContext());
    for (const note of report.notes) this.note(note);
    const { assets: _assets, ...summary } = report;
    const result = flags['show-origin'] ? report : summary;
    if (!this.jsonEnabled()) this.log(formatOriginReport(result));
    return result;
  }
}
