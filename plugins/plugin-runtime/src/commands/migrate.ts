import { Flags } from '@oclif/core';
import { KittyCommand } from '@kitty/cli-kit';
import { processContext } from '../context.js';

/** `spec-kitty migrate`: installs or refreshes the global runtime and tidies the project's `.kittify/`. */
export default class Migrate extends KittyCommand {
  static override summary = 'Install or refresh the global runtime and remove project copies of the default templates';
  static override description = [
    'Installs the global runtime (~/.kittify, or $SPEC_KITTY_HOME) for this version of spec-kitty, or refreshes it after an upgrade; files you edited there are kept.',
    'In the current project, copies under .kittify/ that are identical to the defaults are removed, command templates in the old .kittify/templates/command-templates/ folder move to .kittify/command-templates/, and customised files stay where they are, so they keep applying.',
    'Safe to run again (the second run changes nothing) and from two terminals at once. Nothing is asked; use --dry-run to see the plan first. Afterwards no command prints the "run spec-kitty migrate" note.',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> migrate --dry-run', '<%= config.bin %> migrate', '<%= config.bin %> migrate --json'];
  static override flags = {
    'dry-run': Flags.boolean({ description: 'show what would change without writing anything' }),
    verbose: Flags.boolean({ char: 'v', description: 'list every file' }),
    force: Flags.boolean({
      hidden: true,
      description: 'accepted for compatibility with older scripts; migrate never asks for confirmation',
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Migrate);
    const { migrate, formatMigrateReport } = await import('@kitty/runtime-resolver');
    const report = await migrate({ ...processContext(), now: () => new Date(), dryRun: flags['dry-run'] });
    if (!this.jsonEnabled()) this.log(formatMigrateReport(report, { verbose: flags.verbose }));
    return report;
  }
}
